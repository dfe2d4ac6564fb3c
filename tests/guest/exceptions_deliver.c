/* Guest test: how exceptions and interrupts are delivered (SDM 3A §6.12-§6.15): a ring-3 fault
 * arrives on TSS.RSP0 with the ring-3 SS:RSP pushed, an IST gate switches stacks even at CPL 0,
 * privileged instructions at CPL 3 are #GP(0), #PF reports U, #AC at CPL 3, #DF from the
 * contributory and page-fault combinations of Table 6-5 (and no #DF where the table says
 * serial), NMI from the local APIC with its blocking until IRET, and EXT in the error code of a
 * fault that hits while an external interrupt or NMI is being delivered. */
#include "exc_check.h"
#include "ring3.h"

#define APIC 0xfee00000ul
static inline uint32_t apic_read(unsigned off) { return *(volatile uint32_t *)(APIC + off); }
static inline void apic_write(unsigned off, uint32_t v) { *(volatile uint32_t *)(APIC + off) = v; }

#define RFLAGS_AC (1u << 18)
#define CR0_AM (1ull << 18)

/* TRIGGER that also records RSP just before the instruction (the ring-3 stack pointer). */
volatile uint64_t trig_rsp;
#define TRIGGER_RSP(insn)                                                   \
    __asm__ volatile("leaq 1f(%%rip), %%r11; movq %%r11, exc_resume(%%rip)\n\t" \
                     "leaq 2f(%%rip), %%r11; movq %%r11, exc_fault_rip(%%rip)\n\t" \
                     "movq %%rsp, trig_rsp(%%rip)\n\t"                      \
                     "2: " insn "\n\t1:" ::: "r11", "memory", "cc")
#define R3_DONE() __asm__ volatile("int $0x81")

static void r3_ud(void) { TRIGGER_RSP("ud2"); R3_DONE(); }
static void r3_hlt(void) { TRIGGER("hlt"); R3_DONE(); }
static void r3_cli(void) { TRIGGER("cli"); R3_DONE(); }
static void r3_in(void) { TRIGGER("inb $0x80, %%al", "a"(0)); R3_DONE(); }
static void r3_mov_cr0(void) { TRIGGER("mov %%cr0, %%r11"); R3_DONE(); }
static void r3_wrmsr(void) { TRIGGER("wrmsr", "c"(0x10), "a"(0), "d"(0)); R3_DONE(); }
static void r3_int_dpl0(void) { TRIGGER("int $0x40"); R3_DONE(); }
static void r3_load_kdata(void) { TRIGGER("movw %%ax, %%ds", "a"(RING3_KDATA)); R3_DONE(); }
static void r3_read(void) { TRIGGER("movq (%%rax), %%r11", "a"(0x6000000ull)); R3_DONE(); }
static void r3_write(void) { TRIGGER("movq %%r11, (%%rax)", "a"(0x6000000ull)); R3_DONE(); }
static void r3_ac(void)
{
    __asm__ volatile("pushfq; orl %0, (%%rsp); popfq" ::"i"(RFLAGS_AC) : "memory", "cc");
    TRIGGER("movq 1(%%rax), %%r11", "a"(&trig_rsp));
    __asm__ volatile("pushfq; andl %0, (%%rsp); popfq" ::"i"(~RFLAGS_AC) : "memory", "cc");
    R3_DONE();
}
static void r3_int_ist(void) { TRIGGER("int $0x41"); R3_DONE(); }
static void r3_int_cpl1(void) { TRIGGER("int $0x42"); R3_DONE(); }

static uint8_t ist_stack[4096] __attribute__((aligned(16)));
#define IST_TOP ((uintptr_t)(ist_stack + sizeof ist_stack))

static void test_ring3(void)
{
    ring3_run(r3_ud);
    expect(6, 0, false, "ring-3 #UD");
    report(seen.cs == RING3_UCODE && seen.ss == RING3_UDATA && seen.rsp == trig_rsp,
           "ring-3 frame: CS %#lx, SS %#lx, RSP = the ring-3 RSP", (unsigned long)seen.cs, (unsigned long)seen.ss);
    report(seen.frame_top == ring3_kernel_stack_top(), "ring-3 fault arrives on TSS.RSP0");
    ring3_run(r3_hlt);
    expect(13, 0, false, "#GP(0) from HLT at CPL 3");
    ring3_run(r3_cli);
    expect(13, 0, false, "#GP(0) from CLI at CPL 3 with IOPL 0");
    ring3_run(r3_in);
    expect(13, 0, false, "#GP(0) from IN at CPL 3 with IOPL 0 and no I/O bitmap");
    ring3_run(r3_mov_cr0);
    expect(13, 0, false, "#GP(0) from MOV from CR0 at CPL 3");
    ring3_run(r3_wrmsr);
    expect(13, 0, false, "#GP(0) from WRMSR at CPL 3");
    guest_set_handler(0x40, exc_record);
    ring3_run(r3_int_dpl0);
    expect(13, 0x40 * 8 + 2, false, "#GP(vector, IDT) from INT n at CPL 3 through a DPL-0 gate");
    ring3_run(r3_load_kdata);
    expect(13, RING3_KDATA, false, "#GP(selector) from MOV DS of a DPL-0 segment at CPL 3");

    /* #PF from ring 3: la 0x6000000 is PD[48] of the identity map (user after ring3_setup). */
    uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xfffull);
    uint64_t *pd = (uint64_t *)((((uint64_t *)(pml4[0] & ~0xfffull))[0]) & ~0xfffull) + 48, old = pd[0];
    pd[0] = old & ~4ull;
    invlpg((void *)0x6000000);
    ring3_run(r3_read);
    expect(14, 5, false, "#PF from a ring-3 read of a supervisor page: error P|U");
    ring3_run(r3_write);
    expect(14, 7, false, "#PF from a ring-3 write of a supervisor page: error P|W|U");
    pd[0] = old & ~1ull;
    invlpg((void *)0x6000000);
    ring3_run(r3_read);
    expect(14, 4, false, "#PF from a ring-3 read of a not-present page: error U");
    report(seen.cr2 == 0x6000000, "CR2 for the ring-3 fault");
    pd[0] = old;
    invlpg((void *)0x6000000);

    /* #AC: CPL 3, CR0.AM and RFLAGS.AC, a misaligned load (SDM 3A §6.15 "Interrupt 17"). */
    ring3_run(r3_ac);
    report(seen.vec == ~0ull, "no #AC at CPL 3 with RFLAGS.AC but not CR0.AM (vector %ld)", (long)seen.vec);
    write_cr0(read_cr0() | CR0_AM);
    ring3_run(r3_ac);
    expect(17, 0, false, "#AC(0) from a misaligned load at CPL 3 with CR0.AM and RFLAGS.AC");
    report(seen.rflags & RFLAGS_AC, "the #AC frame's RFLAGS has AC set");
    __asm__ volatile("pushfq; orl %0, (%%rsp); popfq" ::"i"(RFLAGS_AC) : "memory", "cc");
    TRIGGER("movq 1(%%rax), %%r11", "a"(&trig_rsp));
    __asm__ volatile("pushfq; andl %0, (%%rsp); popfq" ::"i"(~RFLAGS_AC) : "memory", "cc");
    report(seen.vec == ~0ull, "no #AC for the same load at CPL 0 (vector %ld)", (long)seen.vec);
    write_cr0(read_cr0() & ~CR0_AM);

    /* IST: a DPL-3 gate with IST 3 takes a ring-3 INT onto the IST stack, not RSP0. */
    guest_set_handler(0x41, exc_record);
    gate_set_dpl(0x41, 3);
    gate_set_ist(0x41, 3);
    ring3_set_ist(3, IST_TOP);
    ring3_run(r3_int_ist);
    expect(0x41, 0, true, "INT 0x41 from ring 3 through a DPL-3 IST gate (trap)");
    report(seen.frame_top == IST_TOP && seen.cs == RING3_UCODE, "it arrived on IST3 with the ring-3 frame");
    TRIGGER("int $0x41");
    report(seen.vec == 0x41 && seen.frame_top == IST_TOP && seen.cs == RING3_KCODE,
           "an IST gate switches stacks at CPL 0 too");
    seen.vec = ~0ull;

    /* #TS: a DPL-3 gate to a 64-bit code segment of DPL 1 needs TSS.RSP1 (0CH-13H); with a
       TSS limit of 0BH only RSP0 is there, so the INT is #TS(TSS selector) and the #TS itself
       is delivered on RSP0 (SDM 2A "INT n" Operation, INTER-PRIVILEGE-LEVEL-INTERRUPT). */
    ring3_set_gdt_entry(RING3_GDT_FREE, 0x00afbb000000ffffull);   /* 0x38: 64-bit code, DPL 1 */
    uint64_t *g = idt_gate(0x42);
    g[0] = (idt_gate(0x41)[0] & ~(0xffffull << 16 | 7ull << 32)) | (uint64_t)(RING3_GDT_FREE * 8) << 16;
    g[1] = idt_gate(0x41)[1];
    ring3_set_tss_limit(0x0b);
    ring3_run(r3_int_cpl1);
    ring3_set_tss_limit(RING3_TSS_LIMIT);
    expect(10, RING3_TSS, false, "#TS(TSS selector) from ring-3 INT n to CPL 1 with RSP1 past the TSS limit");
    report(seen.frame_top == ring3_kernel_stack_top(), "the #TS arrived on RSP0");
}

/* #DF (SDM 3A §6.15 "Interrupt 8", Table 6-5). The saved RIP of #DF is undefined: not checked. */
static void test_df(void)
{
    uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xfffull);
    uint64_t *pd = (uint64_t *)((((uint64_t *)(pml4[0] & ~0xfffull))[0]) & ~0xfffull) + 48, old = pd[0];
    gate_set_present(13, false);
    TRIGGER("movq (%%rax), %%r11", "a"(0x8000000000000000ull));
    expect_vec_err(8, 0, "#DF(0): #GP, then #NP for its not-present gate (contributory twice)");
    gate_set_present(13, true);

    /* A stack in a not-present page: IST2 at the top of la 0x6000000's 2 MiB page. */
    pd[0] = old & ~1ull;
    invlpg((void *)0x6000000);
    ring3_set_ist(2, 0x6001000);
    gate_set_ist(14, 2);
    TRIGGER("movq (%%rax), %%r11", "a"(0x6100000ull));
    expect_vec_err(8, 0, "#DF(0): #PF, then #PF pushing its frame on a not-present IST stack");
    report(seen.cr2 >= 0x6000fd0 && seen.cr2 < 0x6001000, "CR2 is the second #PF's (the stack, %#lx)",
           (unsigned long)seen.cr2);
    gate_set_ist(14, 0);
    gate_set_ist(0, 2);
    TRIGGER("divl %%ecx", "a"(1), "d"(0), "c"(0));
    expect(14, 2, false, "#DE, then #PF pushing its frame: no #DF, the #PF is delivered (error W)");
    report(seen.cr2 >= 0x6000fd0 && seen.cr2 < 0x6001000, "CR2 of that #PF is the stack");
    gate_set_ist(0, 0);
    pd[0] = old;
    invlpg((void *)0x6000000);
    uint64_t *g = idt_gate(14), save = g[0];
    g[0] = (save & ~(0xffffull << 16)) | (uint64_t)RING3_KDATA << 16;
    TRIGGER("movq (%%rax), %%r11", "a"(0x6100000ull | 1ull << 40));   /* beyond the 4 GiB map */
    expect_vec_err(8, 0, "#DF(0): #PF, then #GP for its gate's data-segment selector");
    g[0] = save;
    TRIGGER("int3");
    report(seen.vec == 3, "delivery works again after the #DF cases (vector %ld)", (long)seen.vec);
    seen.vec = ~0ull;
}

/* NMI through the local APIC (ICR, delivery mode NMI, physical destination = own ID). */
static volatile unsigned nmi_count, nmi_seen_inside;
static void send_self_nmi(void)
{
    apic_write(0x310, apic_read(0x20) & 0xff000000u);
    apic_write(0x300, 0x4400);   /* level assert, NMI, no shorthand */
}
static void on_nmi(struct exc_frame *f)
{
    seen.vec = f->vector;
    seen.err = f->error;
    if (++nmi_count == 1) {
        send_self_nmi();
        for (int i = 0; i < 200; i++)
            __asm__ volatile("pause");
        nmi_seen_inside = nmi_count;
    }
}
static volatile uint64_t irq_err, irq_rip;
static void on_np_irq(struct exc_frame *f)
{
    irq_err = f->error;
    irq_rip = f->rip;
    apic_write(0xb0, 0);   /* EOI for the external interrupt, accepted before its delivery failed
                              (with nothing in service, as after the NMI, it does nothing) */
}

static void test_nmi_ext(void)
{
    guest_set_handler(2, on_nmi);
    send_self_nmi();
    for (int i = 0; i < 1000 && nmi_count < 2; i++)
        __asm__ volatile("pause");
    report(nmi_count == 2 && seen.vec == 2 && seen.err == 0, "two self-NMIs through the APIC ICR: vector 2 (%u taken)",
           nmi_count);
    report(nmi_seen_inside == 1, "the second NMI waited for the first handler's IRET");
    seen.vec = ~0ull;
    guest_set_handler(11, on_np_irq);
    gate_set_present(2, false);
    send_self_nmi();
    for (int i = 0; i < 1000 && !irq_err; i++)
        __asm__ volatile("pause");
    report(irq_err == 2 * 8 + 3, "NMI through a not-present gate: #NP error %#lx (vector, IDT, EXT)",
           (unsigned long)irq_err);
    gate_set_present(2, true);
    irq_err = 0;

    /* Under QEMU TCG the run goes astray after this case (its #NP frame for a failed
       external-interrupt delivery is not what the SDM describes), so it is skipped there. */
    if (guest_on_qemu_tcg()) {
        report_skip("external interrupt through a not-present gate (QEMU TCG)");
        guest_set_handler(11, exc_record);
        return;
    }
    apic_write(0xf0, 0x1ff);   /* software-enable the APIC */
    gate_set_present(0x61, false);
    apic_write(0x300, 0x44061);   /* self-IPI, fixed, vector 0x61 */
    uint64_t at;
    __asm__ volatile("leaq 1f(%%rip), %0; sti; nop; 1: nop; cli" : "=r"(at)::"memory");
    report(irq_err == 0x61 * 8 + 3, "external interrupt through a not-present gate: #NP error %#lx (vector, IDT, EXT)",
           (unsigned long)irq_err);
    report(irq_rip == at, "... saved RIP is the boundary after STI's shadow");
    gate_set_present(0x61, true);
    guest_set_handler(11, exc_record);
}

int main(void)
{
    exc_catch_all();
    ring3_setup(0, NULL);
    test_ring3();
    test_df();
    test_nmi_ext();
    return report_summary();
}
