/* Instruction-semantics corner cases found by the host-differential suite (tests/diff/), each
 * checked here on its own so a regression names the instruction. Byte strings were produced
 * with GNU as; the source is in each comment. */
#include <check.h>

#include "tests/unit/cpu_harness.h"

static struct harness H;

static void setup(void)
{
    harness_init(&H, "intel");
    harness_long_mode(&H);
}

static void teardown(void) { harness_destroy(&H); }

#define RUN(code) harness_run(&H, code, sizeof(code) - 1, 1000)

/* CMPXCHG r32, r32 (SDM 2A "CMPXCHG"): on a mismatch the accumulator is loaded (EAX,
   zero-extended) and a register destination is left as it was, upper half included; on a
   match the destination is written (zero-extended) and RAX is untouched. */
START_TEST(cmpxchg_r32_keeps_unwritten_upper_halves)
{
    /* cmpxchg %ecx,%ebx; hlt */
    H.cpu.gpr[RAX] = 0xaaaaaaaa00000005ull;
    H.cpu.gpr[RBX] = 0x1111111122222222ull;
    H.cpu.gpr[RCX] = 0x3333333344444444ull;
    ck_assert_int_eq(RUN("\x0f\xb1\xcb\xf4"), STOP_HALT);
    ck_assert(!(H.cpu.rflags & RFLAGS_ZF));
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0x1111111122222222ull);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 0x22222222ull);

    harness_long_mode(&H);
    H.cpu.state = CPU_RUNNING;
    H.cpu.gpr[RAX] = 0xaaaaaaaa22222222ull;
    ck_assert_int_eq(RUN("\x0f\xb1\xcb\xf4"), STOP_HALT);
    ck_assert(H.cpu.rflags & RFLAGS_ZF);
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0x44444444ull);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 0xaaaaaaaa22222222ull);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("cpu_semantics");
    TCase *tc = tcase_create("semantics");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cmpxchg_r32_keeps_unwritten_upper_halves);
    suite_add_tcase(s, tc);
    return s;
}
