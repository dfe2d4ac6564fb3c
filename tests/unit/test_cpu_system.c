/* System-register details found by kvm-unit-tests (la57, msr, syscall): LTR/LLDT with a
 * 64-bit base above 4 GiB, machine-check bank MSR write rules, and the QEMU -cpu spellings
 * hvsim accepts. Byte strings were produced with GNU as; the source is in each comment. */
#include <check.h>
#include <string.h>

#include "cpu/cpuid.h"
#include "cpu/msr.h"
#include "tests/unit/cpu_harness.h"

static struct harness H;

static void setup(void)
{
    harness_init(&H, "intel");
    harness_long_mode(&H);
}

static void teardown(void) { harness_destroy(&H); }

/* A 16-byte system descriptor (SDM 3A §7.2.3, Figure 7-4) at GDT offset `sel`. */
static void sys_desc(unsigned sel, u64 base, unsigned type)
{
    u64 lo = 0x67 | (base & 0xffffff) << 16 | (u64)(0x80 | type) << 40 | ((base >> 24) & 0xff) << 56;
    u64 hi = base >> 32;
    memcpy(H.ram + HARNESS_GDT + sel, &lo, 8);
    memcpy(H.ram + HARNESS_GDT + sel + 8, &hi, 8);
}

START_TEST(ltr_lldt_take_canonical_64bit_bases)
{
    H.cpu.gdtr.limit = 0x6f;
    sys_desc(0x40, 0xffffaaaaaaaaaaaaull, 0x9);   /* available 64-bit TSS, 48-bit canonical */
    sys_desc(0x50, 0xffff800000001000ull, 0x2);   /* LDT */
    sys_desc(0x60, 0xaaaaaaaaaaaaaaaaull, 0x9);   /* non-canonical */
    /* #GP handler: mov $13,%r15d; hlt */
    memcpy(H.ram + 0x230000, "\x41\xbf\x0d\x00\x00\x00\xf4", 7);
    u64 lo = (0x08ull << 16) | (0x8eull << 40) | (0x23ull << 48), hi = 0;   /* offset 0x230000 */
    memcpy(H.ram + 0x5000 + 16 * EXC_GP, &lo, 8);
    memcpy(H.ram + 0x5000 + 16 * EXC_GP + 8, &hi, 8);
    H.cpu.idtr.base = 0x5000;
    H.cpu.idtr.limit = 0xfff;
    /* mov $0x40,%ax; ltr %ax; mov $0x50,%ax; lldt %ax; mov $0x60,%ax; ltr %ax; hlt */
    ck_assert_int_eq(harness_run(&H, "\x66\xb8\x40\x00\x0f\x00\xd8\x66\xb8\x50\x00\x0f\x00\xd0\x66\xb8\x60"
                                     "\x00\x0f\x00\xd8\xf4", 22, 1000),
                     STOP_HALT);
    ck_assert_uint_eq(H.cpu.tr.base, 0xffffaaaaaaaaaaaaull);
    ck_assert_uint_eq(H.cpu.tr.sel, 0x40);
    ck_assert_uint_eq(H.ram[HARNESS_GDT + 0x40 + 5] & 0xf, 0xb);   /* marked busy */
    ck_assert_uint_eq(H.cpu.ldtr.base, 0xffff800000001000ull);
    ck_assert_uint_eq(H.cpu.gpr[R15], 13);                          /* the third LTR */
    u64 rip;
    memcpy(&rip, H.ram + H.cpu.gpr[RSP] + 8, 8);                    /* after the error code */
    ck_assert_uint_eq(rip, HARNESS_CODE + 18);
    ck_assert_uint_eq(H.cpu.tr.sel, 0x40);
}
END_TEST

START_TEST(cs_base_ignored_in_64bit_mode)
{
    /* A 64-bit code segment whose cached base is non-zero still fetches from RIP (SDM 3A
       §3.4.4): mov $7,%eax; hlt at HARNESS_CODE, and a different instruction at base + RIP. */
    memcpy(H.ram + HARNESS_CODE + 0x10000, "\xb8\x09\x00\x00\x00\xf4", 6);
    H.cpu.seg[SEG_CS].base = 0x10000;
    ck_assert_int_eq(harness_run(&H, "\xb8\x07\x00\x00\x00\xf4", 6, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 7);
}
END_TEST

START_TEST(machine_check_bank_write_rules)
{
    struct cpu *c = &H.cpu;
    u64 v;
    /* MCi_CTL: all zeros or all ones only. */
    ck_assert(msr_write(c, MSR_IA32_MC0_CTL, ~0ull));
    ck_assert(msr_read(c, MSR_IA32_MC0_CTL, &v) && v == ~0ull);
    ck_assert(msr_write(c, MSR_IA32_MC0_CTL + 4, 0));
    ck_assert(!msr_write(c, MSR_IA32_MC0_CTL, 0xaaaaaaaaaaaaaaaaull));
    ck_assert(msr_read(c, MSR_IA32_MC0_CTL, &v) && v == ~0ull);   /* unchanged */
    /* MCi_STATUS: only clearing. */
    ck_assert(msr_write(c, MSR_IA32_MC0_CTL + 1, 0));
    ck_assert(!msr_write(c, MSR_IA32_MC0_CTL + 1, 1));
    /* MCi_ADDR and MCi_MISC: anything. */
    ck_assert(msr_write(c, MSR_IA32_MC0_CTL + 2, 0xaaaaaaaaaaaaaaaaull));
    ck_assert(msr_write(c, MSR_IA32_MC0_CTL + 3, ~0ull));
    /* Banks beyond MCG_CAP.Count do not exist. */
    ck_assert(msr_read(c, MSR_IA32_MCG_CAP, &v));
    unsigned banks = v & 0xff;
    ck_assert(!msr_read(c, MSR_IA32_MC0_CTL + 4 * banks, &v));
    ck_assert(!msr_write(c, MSR_IA32_MC0_CTL + 4 * banks, 0));
    /* CPUID.1:EDX advertises MCE and MCA; MCG_CTL is there because MCG_CAP[8] says so. */
    ck_assert(msr_read(c, MSR_IA32_MCG_CAP, &v));
    ck_assert(v & BIT(8));
    ck_assert(msr_write(c, MSR_IA32_MCG_CTL, ~0ull));
    ck_assert(!msr_write(c, MSR_IA32_MCG_CAP, v));   /* read-only */
    u32 r[4];
    cpuid_query(c, 1, 0, r);
    ck_assert_uint_eq(r[3] & (BIT(7) | BIT(14)), BIT(7) | BIT(14));
}
END_TEST

START_TEST(qemu_cpu_spellings)
{
    struct cpu_model m;
    char err[200];
    ck_assert_int_eq(model_parse("Opteron_G1,vendor=AuthenticAMD", &m, err, sizeof err), 0);
    ck_assert_int_eq(m.vendor, VENDOR_AMD);
    ck_assert_int_eq(model_parse("max,vendor=GenuineIntel", &m, err, sizeof err), 0);
    ck_assert_int_eq(m.vendor, VENDOR_INTEL);
    ck_assert_int_eq(model_parse("max,vendor=AuthenticAMD", &m, err, sizeof err), 0);
    ck_assert_int_eq(m.vendor, VENDOR_AMD);
    ck_assert_int_eq(model_parse("max,host-phys-bits", &m, err, sizeof err), 0);
    ck_assert_int_eq(model_parse("max,vendor=CyrixInstead", &m, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "vendor"));
    ck_assert_int_eq(model_parse("max,phys-bits", &m, err, sizeof err), -1);
    /* fc-locked: bare, +/- and =on/off; any other value is a one-line error. */
    ck_assert_int_eq(model_parse("intel", &m, err, sizeof err), 0);
    ck_assert(!m.fc_locked);
    ck_assert_int_eq(model_parse("intel,fc-locked", &m, err, sizeof err), 0);
    ck_assert(m.fc_locked);
    ck_assert_int_eq(model_parse("intel,fc-locked=off", &m, err, sizeof err), 0);
    ck_assert(!m.fc_locked);
    ck_assert_int_eq(model_parse("intel,+fc-locked", &m, err, sizeof err), 0);
    ck_assert(m.fc_locked);
    ck_assert_int_eq(model_parse("intel,fc-locked=1", &m, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "takes on or off"));
}
END_TEST

/* IA32_FEATURE_CONTROL at RESET: 0 by default, locked with VMXON outside SMX (5) with
   fc-locked; a locked MSR refuses writes (SDM 3C §24.7). */
START_TEST(feature_control_reset_value)
{
    u64 v;
    ck_assert(msr_read(&H.cpu, MSR_IA32_FEATURE_CONTROL, &v));
    ck_assert_uint_eq(v, 0);
    struct harness h2;
    harness_init(&h2, "intel,+vmx,fc-locked");
    ck_assert(msr_read(&h2.cpu, MSR_IA32_FEATURE_CONTROL, &v));
    ck_assert_uint_eq(v, 5);
    ck_assert(!msr_write(&h2.cpu, MSR_IA32_FEATURE_CONTROL, 0));
    harness_destroy(&h2);
}
END_TEST

START_TEST(bcd_adjust_salc_and_lds)
{
    harness_prot32_mode(&H);
    u32 far[2] = {0x12345678, 0x10};
    memcpy(H.ram + 0x3000, far, 6);
    H.cpu.seg[SEG_DS].sel = 0;   /* LDS must load it */
    /* mov $0x79,%al; add $0x35,%al; daa; mov %eax,%ebx; setc %cl; mov $0,%al; stc; das;
       mov %eax,%edx; mov $0x10,%eax; aam; mov %eax,%esi; mov $0x5678,%eax; aad; mov %eax,%edi;
       stc; salc; mov %eax,%ebp; mov $0x10b,%eax; aaa; mov %eax,%esp; lds 0x3000,%eax; hlt */
    ck_assert_int_eq(harness_run(&H, "\xb0\x79\x04\x35\x27\x89\xc3\x0f\x92\xc1\xb0\x00\xf9\x2f\x89\xc2\xb8"
                                     "\x10\x00\x00\x00\xd4\x0a\x89\xc6\xb8\x78\x56\x00\x00\xd5\x0a\x89\xc7"
                                     "\xf9\xd6\x89\xc5\xb8\x0b\x01\x00\x00\x37\x89\xc4\xc5\x05\x00\x30\x00"
                                     "\x00\xf4", 53, 1000),
                     STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RBX] & 0xff, 0x14);   /* BCD 79 + 35 = 114 */
    ck_assert_uint_eq(H.cpu.gpr[RCX] & 0xff, 1);      /* decimal carry */
    ck_assert_uint_eq(H.cpu.gpr[RDX] & 0xff, 0x9a);   /* DAS of 00, AF (from DAA) and CF: 00 - 06 - 60 */
    ck_assert_uint_eq(H.cpu.gpr[RSI], 0x0106);        /* AAM: 16 = 1, 6 */
    ck_assert_uint_eq(H.cpu.gpr[RDI], 0x00d4);        /* AAD: 0x78 + 0x56 * 10 */
    ck_assert_uint_eq(H.cpu.gpr[RBP] & 0xff, 0xff);   /* SALC with CF = 1 */
    ck_assert_uint_eq(H.cpu.gpr[RSP], 0x0201);        /* AAA: 0x10b + 0x106, AL & 0xf */
    ck_assert(H.cpu.rflags & RFLAGS_CF);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 0x12345678);
    ck_assert_uint_eq(H.cpu.seg[SEG_DS].sel, 0x10);
}
END_TEST

/* A handler for `vector` that records it in R15 and halts. */
static void fault_handler(unsigned vector)
{
    u8 code[7] = {0x41, 0xbf, (u8)vector, 0, 0, 0, 0xf4};   /* mov $vector,%r15d; hlt */
    u64 at = 0x600000 + 0x100 * vector;   /* outside the 2 MiB pages tests remap */
    memcpy(H.ram + at, code, sizeof code);
    u64 lo = (at & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((at >> 16) & 0xffff) << 48, hi = 0;
    memcpy(H.ram + 0x5000 + 16 * vector, &lo, 8);
    memcpy(H.ram + 0x5000 + 16 * vector + 8, &hi, 8);
    H.cpu.idtr.base = 0x5000;
    H.cpu.idtr.limit = 0xfff;
}

START_TEST(sse_and_mmx_moves)
{
    fault_handler(EXC_GP);
    /* CR4.OSFXSR = 1; 0x3000 = 0x99aabbccddeeff00:1122334455667788;
       movdqa 0x3000,%xmm1; movups %xmm1,0x3011; movq %xmm1,%rbx; movq %rbx,%mm2;
       movq %mm2,0x3040; movd 0x3004,%xmm3; movq %xmm3,%rcx; movaps %xmm1,0x3021; hlt */
    ck_assert_int_eq(harness_run(&H, "\x0f\x20\xe0\x48\x0d\x00\x02\x00\x00\x0f\x22\xe0\x48\xb8\x88\x77\x66"
                                     "\x55\x44\x33\x22\x11\x48\x89\x04\x25\x00\x30\x00\x00\x48\xb8\x00\xff"
                                     "\xee\xdd\xcc\xbb\xaa\x99\x48\x89\x04\x25\x08\x30\x00\x00\x66\x0f\x6f"
                                     "\x0c\x25\x00\x30\x00\x00\x0f\x11\x0c\x25\x11\x30\x00\x00\x66\x48\x0f"
                                     "\x7e\xcb\x48\x0f\x6e\xd3\x0f\x7f\x14\x25\x40\x30\x00\x00\x66\x0f\x6e"
                                     "\x1c\x25\x04\x30\x00\x00\x66\x48\x0f\x7e\xd9\x0f\x29\x0c\x25\x21\x30"
                                     "\x00\x00\xf4", 105, 1000),
                     STOP_HALT);
    ck_assert(memcmp(H.ram + 0x3011, H.ram + 0x3000, 16) == 0);   /* unaligned 16-byte store */
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0x1122334455667788ull);
    ck_assert(memcmp(H.ram + 0x3040, H.ram + 0x3000, 8) == 0);     /* through MM2 */
    ck_assert_uint_eq(H.cpu.gpr[RCX], 0x11223344);                 /* MOVD zero-extends */
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_GP);                     /* misaligned MOVAPS */
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(H.ram[0x3021 + i], 0);                   /* it stored nothing */
    ck_assert_uint_eq(H.cpu.fpu_state[4], 0xff);                   /* MMX: all tags valid */
}
END_TEST

START_TEST(fxsave_and_fxrstor)
{
    fault_handler(EXC_GP);
    for (int i = 0; i < 16; i++)
        H.cpu.fpu_state[160 + i] = (u8)(0xa0 + i);   /* XMM0 */
    memset(H.ram + 0x3000, 0xee, 512);
    memset(H.ram + 0x3400, 0, 512);
    H.ram[0x3400 + 176] = 0x5a;                      /* the image FXRSTOR loads: XMM1 byte 0 */
    H.ram[0x3400 + 24] = 0x80, H.ram[0x3400 + 25] = 0x1f;   /* MXCSR 1F80H */
    H.cpu.gpr[RAX] = 0x3000;
    H.cpu.gpr[RBX] = 0x3400;
    /* fxsave (%rax); fxrstor (%rbx); hlt */
    ck_assert_int_eq(harness_run(&H, "\x0f\xae\x00\x0f\xae\x0b\xf4", 7, 100), STOP_HALT);
    ck_assert_uint_eq(H.ram[0x3000] | H.ram[0x3001] << 8, 0x037f);          /* FCW */
    ck_assert_uint_eq(H.ram[0x3018] | H.ram[0x3019] << 8, 0x1f80);          /* MXCSR */
    ck_assert_uint_eq(H.ram[0x301c] | H.ram[0x301d] << 8, 0xffbf);          /* MXCSR_MASK */
    ck_assert_uint_eq(H.ram[0x3000 + 160], 0xa0);                           /* XMM0 */
    ck_assert_uint_eq(H.ram[0x3000 + 175], 0xaf);
    ck_assert_uint_eq(H.ram[0x3000 + 464], 0xee);                           /* not written */
    ck_assert_uint_eq(H.cpu.fpu_state[176], 0x5a);                           /* XMM1 restored */
    ck_assert_uint_eq(H.cpu.fpu_state[160], 0);
    ck_assert_uint_eq(H.cpu.fpu_state[28] | H.cpu.fpu_state[29] << 8, 0xffbf);   /* mask kept */
    ck_assert_uint_eq(H.cpu.gpr[R15], 0);
    /* A misaligned area and reserved MXCSR bits are #GP(0); neither changes anything. */
    H.ram[0x3400 + 26] = 0x01;                       /* MXCSR bit 16: not in the mask */
    H.cpu.state = CPU_RUNNING;
    H.cpu.rip = HARNESS_CODE + 3;
    ck_assert_int_eq(harness_run(&H, "\x0f\xae\x00\x0f\xae\x0b\xf4", 7, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_GP);
    ck_assert_uint_eq(H.cpu.fpu_state[26], 0);
    H.cpu.gpr[R15] = 0;
    H.cpu.gpr[RAX] = 0x3008;
    H.cpu.state = CPU_RUNNING;
    H.cpu.rip = HARNESS_CODE;
    ck_assert_int_eq(harness_run(&H, "\x0f\xae\x00\xf4", 4, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_GP);
    ck_assert_uint_eq(H.ram[0x3000 + 416], 0xee);                           /* its last bytes: not written */
}
END_TEST

START_TEST(sse_needs_osfxsr)
{
    fault_handler(EXC_UD);
    /* movdqa 0x3000,%xmm1; hlt with CR4.OSFXSR = 0 */
    ck_assert_int_eq(harness_run(&H, "\x66\x0f\x6f\x0c\x25\x00\x30\x00\x00\xf4", 10, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_UD);
}
END_TEST

/* CR4.VME/PVI are not modelled: CPUID.01H:EDX.VME stays 0 and MOV CR4 with either bit is
 * #GP(0) like any reserved bit (SDM 3A §2.5 "CR4"). */
START_TEST(cr4_vme_pvi_reserved_without_vme)
{
    u32 r[4];
    cpuid_query(&H.cpu, 1, 0, r);
    ck_assert_uint_eq(r[3] & 2, 0);
    for (u64 bit = CR4_VME; bit <= CR4_PVI; bit <<= 1) {
        u64 cr4 = H.cpu.cr4;
        fault_handler(EXC_GP);
        H.cpu.gpr[R15] = 0xff;
        H.cpu.gpr[RAX] = cr4 | bit;
        H.cpu.rip = HARNESS_CODE;
        H.cpu.state = CPU_RUNNING;
        /* mov %rax,%cr4; hlt */
        ck_assert_int_eq(harness_run(&H, "\x0f\x22\xe0\xf4", 4, 100), STOP_HALT);
        ck_assert_uint_eq(H.cpu.gpr[R15], EXC_GP);
        ck_assert_uint_eq(H.cpu.cr4, cr4);
    }
}
END_TEST

START_TEST(invpcid_flushes_one_address_and_checks_type)
{
    fault_handler(EXC_GP);
    u64 old = 0x1111111111111111ull, new = 0x2222222222222222ull, desc[2] = {0, 0x200000};
    memcpy(H.ram + 0x200000, &old, 8);
    memcpy(H.ram + 0x400000, &new, 8);
    memcpy(H.ram + 0x3000, desc, 16);
    /* mov 0x200000,%rax; movq $0x400087,0x12008 (PD[1] -> 0x400000); mov 0x200000,%rbx;
       xor %ecx,%ecx; mov $0x3000,%rdx; invpcid (%rdx),%rcx; mov 0x200000,%rsi;
       mov $4,%ecx; invpcid (%rdx),%rcx; hlt */
    ck_assert_int_eq(harness_run(&H, "\x48\x8b\x04\x25\x00\x00\x20\x00\x48\xc7\x04\x25\x08\x20\x01\x00\x87"
                                     "\x00\x40\x00\x48\x8b\x1c\x25\x00\x00\x20\x00\x31\xc9\x48\xc7\xc2\x00"
                                     "\x30\x00\x00\x66\x0f\x38\x82\x0a\x48\x8b\x34\x25\x00\x00\x20\x00\xb9"
                                     "\x04\x00\x00\x00\x66\x0f\x38\x82\x0a\xf4", 61, 1000),
                     STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], old);
    ck_assert_uint_eq(H.cpu.gpr[RBX], old);     /* the TLB still holds the old translation */
    ck_assert_uint_eq(H.cpu.gpr[RSI], new);     /* INVPCID type 0 dropped it */
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_GP);  /* type 4 */
}
END_TEST

/* The fetch path reuses the previous code page's translation; an INVLPG of the page being
 * executed must make the next fetch use the new mapping, even when the instructions at the
 * old physical address are already decoded. */
START_TEST(fetch_follows_invlpg_of_its_own_page)
{
    /* Same code at physical 0x200000 and 0x400000 except the immediate:
       mov 0x3000,%rcx; mov %rcx,0x12008 (PD[1]); invlpg 0x200000; mov $N,%ebx; hlt */
    static const char code[] = "\x48\x8b\x0c\x25\x00\x30\x00\x00\x48\x89\x0c\x25\x08\x20\x01\x00\x0f\x01"
                               "\x3c\x25\x00\x00\x20\x00\xbb\x01\x00\x00\x00\xf4";
    memcpy(H.ram + 0x200000, code, sizeof code - 1);
    memcpy(H.ram + 0x400000, code, sizeof code - 1);
    H.ram[0x400000 + 25] = 2;
    /* First pass keeps PD[1] as it is, so every instruction at 0x200000 gets decoded. */
    u64 pde = 0x200087;
    memcpy(H.ram + 0x3000, &pde, 8);
    /* mov $0x200000,%eax; jmp *%rax */
    ck_assert_int_eq(harness_run(&H, "\xb8\x00\x00\x20\x00\xff\xe0", 7, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RBX], 1);
    /* Second pass remaps the page under the running code. */
    pde = 0x400087;
    memcpy(H.ram + 0x3000, &pde, 8);
    H.cpu.rip = HARNESS_CODE;
    H.cpu.state = CPU_RUNNING;
    H.cpu.gpr[RBX] = 0;
    ck_assert_int_eq(harness_run(&H, "\xb8\x00\x00\x20\x00\xff\xe0", 7, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RBX], 2);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("cpu_system");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ltr_lldt_take_canonical_64bit_bases);
    tcase_add_test(tc, machine_check_bank_write_rules);
    tcase_add_test(tc, qemu_cpu_spellings);
    tcase_add_test(tc, feature_control_reset_value);
    tcase_add_test(tc, bcd_adjust_salc_and_lds);
    tcase_add_test(tc, sse_and_mmx_moves);
    tcase_add_test(tc, sse_needs_osfxsr);
    tcase_add_test(tc, fxsave_and_fxrstor);
    tcase_add_test(tc, invpcid_flushes_one_address_and_checks_type);
    tcase_add_test(tc, fetch_follows_invlpg_of_its_own_page);
    tcase_add_test(tc, cs_base_ignored_in_64bit_mode);
    tcase_add_test(tc, cr4_vme_pvi_reserved_without_vme);
    suite_add_tcase(s, tc);
    return s;
}
