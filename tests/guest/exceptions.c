/* Guest test: the exceptions one instruction raises at CPL 0 in 64-bit mode — #DE #DB(INT1) #BP
 * #UD #NM #GP #PF — with vector, error code, saved RIP (fault: the instruction; trap: the next
 * one) and CR2, per SDM 3A §6.15 and Table 6-1. Selector, gate and stack cases are in
 * exceptions_seg.c; nested delivery, NMI, ring 3 and IST in exceptions_deliver.c. */
#include "exc_check.h"

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)

static void test_de(void)
{
    TRIGGER("divq %%rcx", "a"(1ull), "d"(0ull), "c"(0ull));
    expect(0, 0, false, "#DE from DIV r64 by zero (fault: RIP of the DIV)");
    TRIGGER("divb %%cl", "a"(0x1234), "c"(0));
    expect(0, 0, false, "#DE from DIV r8 by zero (fault)");
    TRIGGER("divl %%ecx", "a"(0), "d"(1), "c"(1));
    expect(0, 0, false, "#DE from DIV r32: quotient 2^32 does not fit");
    TRIGGER("idivb %%cl", "a"(0xff80), "c"(0xff));
    expect(0, 0, false, "#DE from IDIV r8: -128 / -1");
    TRIGGER("idivl %%ecx", "a"(0x80000000u), "d"(0xffffffffu), "c"(0xffffffffu));
    expect(0, 0, false, "#DE from IDIV r32: INT32_MIN / -1");
    uint64_t rax = 0x8000000000000000ull;
    __asm__ volatile("leaq 1f(%%rip), %%r11; movq %%r11, exc_resume(%%rip); leaq 2f(%%rip), %%r11;"
                     "movq %%r11, exc_fault_rip(%%rip); cqo; 2: idivq %%rcx; 1:"
                     : "+a"(rax) : "c"(~0ull) : "rdx", "r11", "memory", "cc");
    expect(0, 0, false, "#DE from IDIV r64: INT64_MIN / -1");
    report(rax == 0x8000000000000000ull, "RAX unchanged by the faulting IDIV");
}

static void test_db_bp(void)
{
    uint64_t dr6;
    TRIGGER(".byte 0xf1");   /* INT1 (ICEBP) */
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    expect(1, 0, true, "#DB from INT1 (trap: RIP after it)");
    report((dr6 & 0x600f) == 0, "INT1 sets no DR6 condition bit (DR6 %#lx)", (unsigned long)dr6);
    TRIGGER("int3");
    uint64_t rfl = seen.rflags;
    expect(3, 0, true, "#BP from INT3 (trap)");
    report(!(rfl & (1u << 16)), "the #BP (trap) frame has RFLAGS.RF clear (%#lx)", (unsigned long)rfl);
    TRIGGER(".byte 0xcd, 3");   /* INT 3, the two-byte form */
    expect(3, 0, true, "#BP from INT 3 (CD 03, trap)");
}

static void test_ud(void)
{
    TRIGGER("ud2");
    uint64_t rfl = seen.rflags;
    expect(6, 0, false, "#UD from UD2 (fault: RIP of UD2)");
    /* A fault-class exception pushes RF = 1 (SDM 3B §18.3.1.1), so IRET does not re-trigger an
       instruction breakpoint; a trap pushes RF as it was (0). */
    report(rfl & (1u << 16), "the #UD (fault) frame has RFLAGS.RF set (%#lx)", (unsigned long)rfl);
    TRIGGER(".byte 0x0f, 0xff, 0xc0");   /* UD0 eax, eax */
    expect(6, 0, false, "#UD from UD0");
    TRIGGER(".byte 0x0f, 0xb9, 0xc0");   /* UD1 eax, eax */
    expect(6, 0, false, "#UD from UD1");
    TRIGGER(".byte 0xf0, 0x89, 0xc0");   /* LOCK MOV eax, eax: MOV is not lockable */
    expect(6, 0, false, "#UD from LOCK MOV");
    TRIGGER(".byte 0xf0, 0x01, 0xc3");   /* LOCK ADD ebx, eax: register destination */
    expect(6, 0, false, "#UD from LOCK ADD with a register destination");
    TRIGGER(".byte 0x06");               /* PUSH ES: invalid in 64-bit mode */
    expect(6, 0, false, "#UD from PUSH ES in 64-bit mode");
    TRIGGER(".byte 0xce");               /* INTO: invalid in 64-bit mode */
    expect(6, 0, false, "#UD from INTO in 64-bit mode");
}

static uint8_t fxarea[512] __attribute__((aligned(16)));

static void test_nm(void)
{
    uint64_t cr0 = read_cr0() & ~(CR0_MP | CR0_EM | CR0_TS);
    write_cr4(read_cr4() | (1u << 9));   /* OSFXSR */
    write_cr0(cr0 | CR0_TS);
    TRIGGER("fxsave (%%rax)", "a"(fxarea));
    expect(7, 0, false, "#NM from FXSAVE with CR0.TS");
    TRIGGER("fnstsw %%ax", "a"(0));
    expect(7, 0, false, "#NM from FNSTSW with CR0.TS");
    TRIGGER("fwait");
    report(seen.vec == ~0ull, "FWAIT with CR0.TS but not CR0.MP does not fault (vector %ld)", (long)seen.vec);
    write_cr0(cr0 | CR0_TS | CR0_MP);
    TRIGGER("fwait");
    expect(7, 0, false, "#NM from FWAIT with CR0.MP and CR0.TS");
    write_cr0(cr0 | CR0_EM | CR0_MP);
    TRIGGER("fninit");
    expect(7, 0, false, "#NM from FNINIT with CR0.EM");
    TRIGGER("fwait");
    report(seen.vec == ~0ull, "FWAIT with CR0.EM but not CR0.TS does not fault (vector %ld)", (long)seen.vec);
    TRIGGER("fxsave (%%rax)", "a"(fxarea));
    expect(6, 0, false, "#UD (not #NM) from FXSAVE with CR0.EM");
    write_cr0(cr0 | CR0_TS);
    __asm__ volatile("clts");
    TRIGGER("fxsave (%%rax)", "a"(fxarea));
    report(seen.vec == ~0ull, "FXSAVE runs after CLTS");
    write_cr0(cr0 | CR0_MP);
}

static void test_gp(void)
{
    TRIGGER("movq (%%rax), %%r11", "a"(0x8000000000000000ull));
    expect(13, 0, false, "#GP(0) from a non-canonical load");
    TRIGGER("movq %%r11, (%%rax)", "a"(0xffff7fffffffffffull));
    expect(13, 0, false, "#GP(0) from a non-canonical store");
    /* QEMU TCG faults on the fetch at the target instead (and then loses its way). */
    if (guest_on_qemu_tcg()) {
        report_skip("#GP(0) from a JMP to a non-canonical address (QEMU TCG faults at the target)");
    } else {
        TRIGGER("jmp *%%rax", "a"(0x0000800000000000ull));
        expect(13, 0, false, "#GP(0) from a JMP to a non-canonical address (RIP of the JMP)");
    }
    TRIGGER("mov %%rax, %%cr0", "a"((read_cr0() & ~(1ull << 30)) | 1ull << 29));
    expect(13, 0, false, "#GP(0) from MOV CR0 with NW set and CD clear");
    TRIGGER("wrmsr", "c"(0xc0000080u), "a"(0x501u | (1u << 20)), "d"(0));   /* EFER bit 20 reserved */
    expect(13, 0, false, "#GP(0) from WRMSR EFER with a reserved bit");
    /* Hardware raises #GP for an unimplemented MSR; QEMU TCG silently returns 0 instead. */
    if (guest_on_qemu_tcg()) {
        report_skip("#GP(0) from RDMSR of an unknown MSR (QEMU TCG does not fault)");
    } else {
        TRIGGER("rdmsr", "c"(0x12345678));
        expect(13, 0, false, "#GP(0) from RDMSR of an unknown MSR");
    }
    TRIGGER("movaps (%%rax), %%xmm0", "a"(fxarea + 8));
    expect(13, 0, false, "#GP(0) from a misaligned MOVAPS");
}

/* Paging: la 0x6000000 (96 MiB, inside the default 128 MiB of RAM) is a 2 MiB page of the
   runtime's identity map: PDPT[0] -> PD, entry 48. */
static void test_pf(void)
{
    uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xfffull);
    uint64_t *pdpt = (uint64_t *)(pml4[0] & ~0xfffull);
    uint64_t *pd = (uint64_t *)(pdpt[0] & ~0xfffull) + 48;
    volatile uint64_t *target = (volatile uint64_t *)0x6000000ull;
    uint64_t old = pd[0];
    write_cr0(read_cr0() | (1u << 16));   /* CR0.WP: supervisor writes honour R/W */
    pd[0] = old & ~2ull;                  /* read-only */
    invlpg((void *)target);
    uint64_t v = *target;
    report(true, "read of a read-only page succeeds (%#lx)", (unsigned long)v);
    TRIGGER("movq $1, (%%rax)", "a"(target));
    expect(14, 3, false, "#PF on write to a read-only page: error P|W");
    report(seen.cr2 == 0x6000000ull, "CR2 holds the faulting address (%#lx)", (unsigned long)seen.cr2);
    pd[0] = old & ~1ull;                  /* not present */
    invlpg((void *)target);
    TRIGGER("movq (%%rax), %%r11", "a"(target + 1));
    expect(14, 0, false, "#PF on read of a not-present page: error 0");
    report(seen.cr2 == 0x6000008ull, "CR2 for the not-present read");
    pd[0] = old | 1ull << 13;             /* a reserved bit of a 2 MiB PDE (bits 20:13) */
    invlpg((void *)target);
    TRIGGER("movq (%%rax), %%r11", "a"(target + 2));
    expect(14, 9, false, "#PF on a reserved PDE bit: error P|RSVD");
    report(seen.cr2 == 0x6000010ull, "CR2 for the reserved-bit fault");

    /* Instruction fetch from an execute-disable page: EFER.NXE, XD = bit 63. */
    wrmsr(0xc0000080, rdmsr(0xc0000080) | (1u << 11));
    pd[0] = old;
    invlpg((void *)target);
    *(volatile uint8_t *)target = 0xc3;   /* RET, never reached */
    pd[0] = old | 1ull << 63;
    invlpg((void *)target);
    TRIGGER("jmp *%%rax", "a"(target));
    report(seen.vec == 14 && seen.err == 0x11 && seen.rip == 0x6000000ull && seen.cr2 == 0x6000000ull,
           "#PF on a fetch from an XD page: error P|I/D (%#lx), RIP = CR2 = the target", (unsigned long)seen.err);
    seen.vec = ~0ull;

    /* Protection keys: a user page with key 1, PKRU.AD1 = 1; a supervisor data read of a
       user-mode address is checked against PKRU too (SDM 3A §4.6.2). */
    uint32_t r[4];
    cpuid(7, 0, r);
    if (!(r[2] & (1u << 3))) {
        report_skip("#PF with PK (no PKU on this CPU)");
    } else {
        write_cr4(read_cr4() | (1u << 22));   /* CR4.PKE */
        pml4[0] |= 4;                         /* U/S on the path, so only this PDE makes it user */
        pdpt[0] |= 4;
        pd[0] = old | 4 | 1ull << 59;         /* U/S, protection key 1 */
        write_cr3(read_cr3());
        __asm__ volatile("wrpkru" ::"a"(1u << 2), "c"(0), "d"(0));   /* AD1 */
        TRIGGER("movq (%%rax), %%r11", "a"(target + 3));
        expect(14, 0x21, false, "#PF on a read denied by PKRU.AD: error P|PK");
        __asm__ volatile("wrpkru" ::"a"(0), "c"(0), "d"(0));
        write_cr4(read_cr4() & ~(1u << 22));
        pml4[0] &= ~4ull;
        pdpt[0] &= ~4ull;
    }
    pd[0] = old;
    write_cr3(read_cr3());
    *target = 0x1234;
    report(*target == 0x1234 && (pd[0] & 0x60) == 0x60, "restored page is writable; A and D set (%#lx)",
           (unsigned long)(pd[0] & 0x60));
}

int main(void)
{
    exc_catch_all();
    test_de();
    test_db_bp();
    test_ud();
    test_nm();
    test_gp();
    test_pf();
    return report_summary();
}
