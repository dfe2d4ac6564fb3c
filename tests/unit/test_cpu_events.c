/* Exception delivery rules found by the exceptions*.c guest tests (cpu/events.c, SDM 3A §6.13,
 * §6.15, SDM 2A "INT n/INTO/INT3/INT1" Operation): EXT is 1 for INT1; INT n with an exception's
 * vector is not that exception for #DF purposes; IA-32e delivery checks RSP and the handler
 * RIP for canonical form before pushing; FWAIT's #NM needs CR0.MP and CR0.TS; BOUND raises #BR.
 * Every handler is "mov $vector, %r15d/%edi; hlt". Byte strings were produced with GNU as. */
#include <check.h>
#include <string.h>

#include "tests/unit/cpu_harness.h"

#define IDT 0x5000u
#define HANDLERS 0x230000u
#define TSS 0x7000u
#define IST_TOP 0x60000u

static struct harness H;

/* 64-bit interrupt gate for `vec` to its handler (P, DPL 0, IST `ist`). */
static void gate64(unsigned vec, u64 off, bool present, unsigned ist)
{
    u64 lo = (off & 0xffff) | 0x08ull << 16 | (u64)ist << 32 | (present ? 0x8eull : 0x0eull) << 40 |
             ((off >> 16) & 0xffff) << 48;
    harness_put64(&H, IDT + 16 * vec, lo);
    harness_put64(&H, IDT + 16 * vec + 8, off >> 32);
}

static void setup64(void)
{
    harness_init(&H, "intel");
    harness_long_mode(&H);
    for (unsigned v = 0; v < 0x48; v++) {
        u8 *h = H.ram + HANDLERS + 16 * v;
        memcpy(h, "\x41\xbf\x00\x00\x00\x00\xf4", 7);   /* mov $v,%r15d; hlt */
        h[2] = (u8)v;
        gate64(v, HANDLERS + 16 * v, true, 0);
    }
    H.cpu.idtr.base = IDT;
    H.cpu.idtr.limit = 16 * 0x48 - 1;
    H.cpu.gpr[R15] = 0xff;
}

static void teardown(void) { harness_destroy(&H); }

static u64 stack_at(unsigned i) { return harness_get64(&H, (u32)H.cpu.gpr[RSP] + 8 * i); }

START_TEST(int1_delivery_fault_has_ext)
{
    gate64(EXC_DB, HANDLERS + 16 * EXC_DB, false, 0);
    ck_assert_int_eq(harness_run(&H, "\xf1\xf4", 2, 100), STOP_HALT);   /* int1; hlt */
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_NP);
    ck_assert_uint_eq(stack_at(0), EXC_DB * 8 + 2 + 1);   /* vector, IDT, EXT */
    ck_assert_uint_eq(stack_at(1), HARNESS_CODE);
}
END_TEST

START_TEST(int_n_with_an_exception_vector_is_not_contributory)
{
    gate64(EXC_GP, HANDLERS + 16 * EXC_GP, false, 0);
    ck_assert_int_eq(harness_run(&H, "\xcd\x0d\xf4", 3, 100), STOP_HALT);   /* int $13; hlt */
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_NP);   /* not #DF */
    ck_assert_uint_eq(stack_at(0), EXC_GP * 8 + 2);
}
END_TEST

START_TEST(hardware_gp_then_np_is_double_fault)
{
    gate64(EXC_GP, HANDLERS + 16 * EXC_GP, false, 0);
    /* mov $0x8000000000000000,%rax; mov (%rax),%rax; hlt */
    ck_assert_int_eq(harness_run(&H, "\x48\xb8\x00\x00\x00\x00\x00\x00\x00\x80\x48\x8b\x00\xf4", 14, 100),
                     STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_DF);
    ck_assert_uint_eq(stack_at(0), 0);
}
END_TEST

START_TEST(non_canonical_handler_rip_is_gp_at_the_int)
{
    gate64(0x40, 0x0000800000000000ull, true, 0);
    u64 rsp = H.cpu.gpr[RSP];
    ck_assert_int_eq(harness_run(&H, "\xcd\x40\xf4", 3, 100), STOP_HALT);   /* int $0x40; hlt */
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_GP);
    ck_assert_uint_eq(stack_at(0), 0);
    ck_assert_uint_eq(stack_at(1), HARNESS_CODE);
    ck_assert_uint_eq(H.cpu.gpr[RSP], ((rsp & ~0xfull) - 48));   /* only the #GP frame */
}
END_TEST

START_TEST(non_canonical_rsp_is_ss_before_any_push)
{
    memset(H.ram + TSS, 0, 0x68);
    harness_put64(&H, TSS + 0x24, IST_TOP);   /* IST1 */
    H.cpu.tr.base = TSS;
    H.cpu.tr.limit = 0x67;
    gate64(EXC_SS, HANDLERS + 16 * EXC_SS, true, 1);
    /* The truncated frame address (low 48 bits of RSP) must stay untouched. */
    memset(H.ram + 0x70000 - 64, 0xaa, 64);
    /* mov $0x8000000000070000,%rax; mov %rax,%rsp; int $0x40; hlt */
    ck_assert_int_eq(harness_run(&H, "\x48\xb8\x00\x00\x07\x00\x00\x00\x00\x80\x48\x89\xc4\xcd\x40\xf4", 16, 100),
                     STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_SS);
    ck_assert_uint_eq(H.cpu.gpr[RSP], IST_TOP - 48);
    ck_assert_uint_eq(stack_at(0), 0);                  /* #SS(EXT = 0: INT n) */
    ck_assert_uint_eq(stack_at(1), HARNESS_CODE + 13);  /* the INT */
    for (unsigned i = 0; i < 64; i++)
        ck_assert_uint_eq(H.ram[0x70000 - 64 + i], 0xaa);
}
END_TEST

/* fwait; hlt with the CR0 bits given: does it fault #NM? */
static bool fwait_faults(u64 cr0_bits)
{
    H.cpu.cr0 |= cr0_bits;
    H.cpu.gpr[R15] = 0xff;
    harness_run(&H, "\x9b\xf4", 2, 100);
    return H.cpu.gpr[R15] == EXC_NM;
}

START_TEST(fwait_nm_needs_mp_and_ts)
{
    ck_assert(!fwait_faults(CR0_TS));
}
END_TEST

START_TEST(fwait_nm_with_mp_and_ts)
{
    ck_assert(fwait_faults(CR0_TS | CR0_MP));
}
END_TEST

START_TEST(fwait_ignores_em)
{
    ck_assert(!fwait_faults(CR0_EM | CR0_MP));
}
END_TEST

START_TEST(fninit_nm_with_em)
{
    H.cpu.cr0 |= CR0_EM;
    ck_assert_int_eq(harness_run(&H, "\xdb\xe3\xf4", 3, 100), STOP_HALT);   /* fninit; hlt */
    ck_assert_uint_eq(H.cpu.gpr[R15], EXC_NM);
}
END_TEST

/* BOUND in 32-bit protected mode: bounds [10, 20] at 0x3000, #BR gate to "mov $5,%edi; hlt". */
static void setup32(void)
{
    harness_init(&H, "intel");
    harness_prot32_mode(&H);
    harness_put32(&H, 0x3000, 10);
    harness_put32(&H, 0x3004, 20);
    memcpy(H.ram + HANDLERS, "\xbf\x05\x00\x00\x00\xf4", 6);
    harness_put64(&H, IDT + 8 * EXC_BR, (HANDLERS & 0xffff) | 0x08ull << 16 | 0x8eull << 40 |
                                            (u64)(HANDLERS >> 16) << 48);
    H.cpu.idtr.base = IDT;
    H.cpu.idtr.limit = 0xff;
}

/* From the start: mov $idx,%eax; bound %eax,0x3000; hlt */
static void run_bound(u32 idx)
{
    u8 code[] = "\xb8\x00\x00\x00\x00\x62\x05\x00\x30\x00\x00\xf4";
    memcpy(code + 1, &idx, 4);
    H.cpu.rip = HARNESS_CODE;
    H.cpu.gpr[RSP] = HARNESS_STACK;
    H.cpu.gpr[RDI] = 0;
    H.cpu.state = CPU_RUNNING;
    ck_assert_int_eq(harness_run(&H, code, 12, 100), STOP_HALT);
}

START_TEST(bound_out_of_range_is_br_fault)
{
    run_bound(21);
    ck_assert_uint_eq(H.cpu.gpr[RDI], 5);
    ck_assert_uint_eq(harness_get32(&H, (u32)H.cpu.gpr[RSP]), HARNESS_CODE + 5);   /* the BOUND */
    run_bound(9);
    ck_assert_uint_eq(H.cpu.gpr[RDI], 5);
}
END_TEST

START_TEST(bound_in_range_passes)
{
    run_bound(10);
    ck_assert_uint_eq(H.cpu.gpr[RDI], 0);
    run_bound(20);
    ck_assert_uint_eq(H.cpu.gpr[RDI], 0);
    run_bound(0xffffffffu);   /* -1: signed, below 10 */
    ck_assert_uint_eq(H.cpu.gpr[RDI], 5);
}
END_TEST

/* Real mode: IVT at 0, vector v -> 0200:(10H * v) = "mov $v,%di; hlt"; code at CS base
 * HARNESS_CODE, IP 0; SS base RM_SS (limit FFFFH unless a test narrows it). */
#define RM_SS 0x20000u

static void setup_real(void)
{
    harness_init(&H, "intel");
    struct cpu *c = &H.cpu;
    for (unsigned v = 0; v < 0x48; v++) {
        u8 *h = H.ram + 0x2000 + 0x10 * v;
        memcpy(h, "\xbf\x00\x00\xf4", 4);   /* mov $v,%di; hlt */
        h[1] = (u8)v;
        harness_put32(&H, 4 * v, 0x0200u << 16 | 0x10 * v);
    }
    c->idtr.base = 0;
    c->idtr.limit = 0x3ff;
    c->seg[SEG_CS].sel = 0xf000;
    c->seg[SEG_CS].base = HARNESS_CODE;
    c->rip = 0;
    c->seg[SEG_SS].sel = RM_SS >> 4;
    c->seg[SEG_SS].base = RM_SS;
    c->gpr[RDI] = 0xff;
    cpu_update_mode(c);
}

/* A fresh real-mode CPU for the next case of a table (the fixture built the first). */
static void restart_real(bool again)
{
    if (again) {
        harness_destroy(&H);
        setup_real();
    }
}

/* int $0x40; hlt with SP = sp: the handler's DI, or 0xff if it never ran. */
static enum cpu_stop real_int(u16 sp)
{
    H.cpu.gpr[RSP] = sp;
    return harness_run(&H, "\xcd\x40\xf4", 3, 100);
}

START_TEST(real_int_frame_wraps_at_sp_0)
{
    ck_assert_int_eq(real_int(0), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RDI], 0x40);
    ck_assert_uint_eq(H.cpu.gpr[RSP], 0xfffa);
    ck_assert_uint_eq(harness_get16(&H, RM_SS + 0xfffa), 2);        /* IP after the INT */
    ck_assert_uint_eq(harness_get16(&H, RM_SS + 0xfffc), 0xf000);   /* CS */
}
END_TEST

/* SDM 2A "INT n" Operation (real-address mode): no room for the 6-byte frame is #SS before
 * anything is pushed; #SS needs the same stack, so #DF and then shutdown follow. */
START_TEST(real_int_without_room_for_the_frame_is_ss)
{
    for (u16 sp = 1; sp <= 5; sp += 2) {
        restart_real(sp > 1);
        memset(H.ram + RM_SS + 0xfff0, 0xaa, 0x20);
        ck_assert_int_eq(real_int(sp), STOP_SHUTDOWN);
        ck_assert_uint_eq(H.cpu.gpr[RDI], 0xff);
        for (unsigned i = 0; i < 0x20; i++)
            ck_assert_uint_eq(H.ram[RM_SS + 0xfff0 + i], 0xaa);
    }
}
END_TEST

START_TEST(real_int_checks_a_small_ss_limit)
{
    H.cpu.seg[SEG_SS].limit = 0xfff;   /* kept from protected mode */
    memset(H.ram + RM_SS + 0xff0, 0xaa, 0x20);
    ck_assert_int_eq(real_int(0x1004), STOP_SHUTDOWN);
    ck_assert_uint_eq(H.cpu.gpr[RDI], 0xff);
    for (unsigned i = 0; i < 0x20; i++)
        ck_assert_uint_eq(H.ram[RM_SS + 0xff0 + i], 0xaa);
}
END_TEST

/* A pop across the SS limit is #SS(0) through IVT vector 12, the frame naming the popping
 * instruction (SDM 2A "POP", "IRET" real-address mode exceptions). */
START_TEST(real_pop_and_iret_past_the_limit_are_ss)
{
    static const struct { const char *code; size_t len; u16 sp; } cases[] = {
        {"\x58\xf4", 2, 0xffff},   /* pop %ax */
        {"\xcf\xf4", 2, 0xfffb},   /* iret: FLAGS at FFFFH */
        {"\xcb\xf4", 2, 0xfffd},   /* lret: CS at FFFFH */
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        restart_real(i > 0);
        H.cpu.gpr[RSP] = cases[i].sp;
        ck_assert_int_eq(harness_run(&H, cases[i].code, cases[i].len, 100), STOP_HALT);
        ck_assert_uint_eq(H.cpu.gpr[RDI], EXC_SS);
        ck_assert_uint_eq(H.cpu.gpr[RSP], (u16)(cases[i].sp - 6));
        ck_assert_uint_eq(harness_get16(&H, RM_SS + (u16)(cases[i].sp - 6)), 0);   /* IP of the insn */
        ck_assert_uint_eq(H.cpu.seg[SEG_CS].sel, 0x0200);
    }
}
END_TEST

Suite *unit_suite(void);
Suite *unit_suite(void)
{
    Suite *s = suite_create("cpu_events");
    TCase *tc = tcase_create("ia32e");
    tcase_add_checked_fixture(tc, setup64, teardown);
    tcase_add_test(tc, int1_delivery_fault_has_ext);
    tcase_add_test(tc, int_n_with_an_exception_vector_is_not_contributory);
    tcase_add_test(tc, hardware_gp_then_np_is_double_fault);
    tcase_add_test(tc, non_canonical_handler_rip_is_gp_at_the_int);
    tcase_add_test(tc, non_canonical_rsp_is_ss_before_any_push);
    tcase_add_test(tc, fwait_nm_needs_mp_and_ts);
    tcase_add_test(tc, fwait_nm_with_mp_and_ts);
    tcase_add_test(tc, fwait_ignores_em);
    tcase_add_test(tc, fninit_nm_with_em);
    suite_add_tcase(s, tc);
    TCase *tb = tcase_create("bound");
    tcase_add_checked_fixture(tb, setup32, teardown);
    tcase_add_test(tb, bound_out_of_range_is_br_fault);
    tcase_add_test(tb, bound_in_range_passes);
    suite_add_tcase(s, tb);
    TCase *tr = tcase_create("real");
    tcase_add_checked_fixture(tr, setup_real, teardown);
    tcase_add_test(tr, real_int_frame_wraps_at_sp_0);
    tcase_add_test(tr, real_int_without_room_for_the_frame_is_ss);
    tcase_add_test(tr, real_int_checks_a_small_ss_limit);
    tcase_add_test(tr, real_pop_and_iret_past_the_limit_are_ss);
    suite_add_tcase(s, tr);
    return s;
}
