/* Instruction-semantics corner cases found by the host-differential suite (tests/diff/), each
 * checked here on its own so a regression names the instruction. Byte strings were produced
 * with GNU as; the source is in each comment. */
#include <check.h>
#include <string.h>

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

/* MULX with both destinations the same register keeps the high half (SDM 2B "MULX"). */
START_TEST(mulx_same_destination_gets_high_half)
{
    /* mulx %rcx,%rax,%rax; hlt */
    H.cpu.gpr[RDX] = 1ull << 63;
    H.cpu.gpr[RCX] = 4;
    H.cpu.rflags = RFLAGS_FIXED1 | RFLAGS_ZF;
    ck_assert_int_eq(RUN("\xc4\xe2\xfb\xf6\xc1\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 2);
    ck_assert_uint_eq(H.cpu.rflags & RFLAGS_ARITH, RFLAGS_ZF);   /* flags unaffected */
}
END_TEST

/* ADOX adds through OF and leaves CF alone. */
START_TEST(adox_uses_of_only)
{
    /* adox %rbx,%rax; hlt */
    H.cpu.gpr[RAX] = ~0ull;
    H.cpu.gpr[RBX] = 0;
    H.cpu.rflags = RFLAGS_FIXED1 | RFLAGS_OF;
    ck_assert_int_eq(RUN("\xf3\x48\x0f\x38\xf6\xc3\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 0);
    ck_assert_uint_eq(H.cpu.rflags & RFLAGS_ARITH, RFLAGS_OF);
}
END_TEST

/* BMI1 is a model bit: with it, F3 0F BC is TZCNT and ANDN executes; without it (-bmi1),
   F3 0F BC is BSF and ANDN raises #UD (here: no IDT, so a triple fault). */
START_TEST(bmi1_follows_the_model)
{
    /* tzcnt %ecx,%eax; hlt */
    H.cpu.gpr[RCX] = 0;
    H.cpu.gpr[RAX] = 0x77;
    ck_assert_int_eq(RUN("\xf3\x0f\xbc\xc1\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 32);
    ck_assert(H.cpu.rflags & RFLAGS_CF);
    /* andn %ecx,%ebx,%eax; hlt */
    harness_long_mode(&H);
    H.cpu.state = CPU_RUNNING;
    H.cpu.gpr[RBX] = 0xf0;
    H.cpu.gpr[RCX] = 0xff;
    ck_assert_int_eq(RUN("\xc4\xe2\x60\xf2\xc1\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 0x0f);

    harness_destroy(&H);
    harness_init(&H, "intel,-bmi1");
    harness_long_mode(&H);
    H.cpu.gpr[RCX] = 0;
    H.cpu.gpr[RAX] = 0x77;
    ck_assert_int_eq(RUN("\xf3\x0f\xbc\xc1\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 0x77);   /* BSF of 0: destination unchanged */
    ck_assert(H.cpu.rflags & RFLAGS_ZF);
    harness_long_mode(&H);
    H.cpu.state = CPU_RUNNING;
    ck_assert_int_eq(RUN("\xc4\xe2\x60\xf2\xc1\xf4"), STOP_SHUTDOWN);
}
END_TEST

/* CMPXCHG16B: a 16-byte compare-exchange when the model has CX16, #UD without it. */
START_TEST(cmpxchg16b_follows_the_model)
{
    /* cmpxchg16b (%rbx); hlt */
    static const u64 old[2] = {0x1111, 0x2222};
    memcpy(H.ram + 0x3000, old, sizeof old);
    H.cpu.gpr[RBX] = 0x3000;
    H.cpu.gpr[RAX] = 0x1111;
    H.cpu.gpr[RDX] = 0x2222;
    H.cpu.gpr[RCX] = 0x4444;
    ck_assert_int_eq(RUN("\x48\x0f\xc7\x0b\xf4"), STOP_HALT);
    u64 now[2];
    memcpy(now, H.ram + 0x3000, sizeof now);
    ck_assert_uint_eq(now[0], 0x3000);   /* RBX:RCX stored */
    ck_assert_uint_eq(now[1], 0x4444);
    ck_assert(H.cpu.rflags & RFLAGS_ZF);

    harness_destroy(&H);
    harness_init(&H, "intel,-cx16");
    harness_long_mode(&H);
    H.cpu.gpr[RBX] = 0x3000;
    ck_assert_int_eq(RUN("\x48\x0f\xc7\x0b\xf4"), STOP_SHUTDOWN);
}
END_TEST

/* LOOP with a 32-bit address size counts in ECX, and writing ECX clears RCX[63:32] like any
   32-bit register write (SDM 1 §3.4.1.1); 16-bit CX merges. */
START_TEST(loop_ecx_zero_extends_rcx)
{
    /* addr32 loop 1f; 1: hlt */
    H.cpu.gpr[RCX] = 0x100000001ull;
    ck_assert_int_eq(RUN("\x67\xe2\x00\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RCX], 0);
    harness_long_mode(&H);
    H.cpu.state = CPU_RUNNING;
    H.cpu.gpr[RCX] = 0xabcd000000000000ull;
    ck_assert_int_eq(RUN("\x67\xe2\x00\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RCX], 0xffffffffull);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("cpu_semantics");
    TCase *tc = tcase_create("semantics");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cmpxchg_r32_keeps_unwritten_upper_halves);
    tcase_add_test(tc, mulx_same_destination_gets_high_half);
    tcase_add_test(tc, adox_uses_of_only);
    tcase_add_test(tc, bmi1_follows_the_model);
    tcase_add_test(tc, cmpxchg16b_follows_the_model);
    tcase_add_test(tc, loop_ecx_zero_extends_rcx);
    suite_add_tcase(s, tc);
    return s;
}
