/* ALU flag semantics (cpu/alu.c) at the carry/overflow/auxiliary/parity boundaries, for every
 * operand size: SDM 1 Appendix A, SDM 2A "ADD", "ADC", "SUB", "SBB". */
#include <check.h>

#include "cpu/alu.h"
#include "cpu/regs.h"

#define CF RFLAGS_CF
#define PF RFLAGS_PF
#define AF RFLAGS_AF
#define ZF RFLAGS_ZF
#define SF RFLAGS_SF
#define OF RFLAGS_OF

enum op { ADD, ADC, SUB, SBB };

static const struct {
    enum op op;
    unsigned size;
    u64 a, b, cf_in, res, flags;
} cases[] = {
    {ADD, 1, 0x7f, 0x01, 0, 0x80, OF | SF | AF},
    {ADD, 1, 0xff, 0x01, 0, 0x00, CF | ZF | AF | PF},
    {ADD, 2, 0x7fff, 0x0001, 0, 0x8000, OF | SF | AF | PF},
    {ADD, 4, 0xffffffff, 0x1, 0, 0, CF | ZF | AF | PF},
    {ADD, 8, ~0ull, 1, 0, 0, CF | ZF | AF | PF},
    {ADD, 8, 0x7fffffffffffffffull, 1, 0, 0x8000000000000000ull, OF | SF | AF | PF},
    {ADD, 1, 0x03, 0x04, 0, 0x07, 0},                       /* three bits set: odd, PF = 0 */
    {ADC, 8, ~0ull, ~0ull, 1, ~0ull, CF | SF | AF | PF},
    {ADC, 1, 0x00, 0xff, 1, 0x00, CF | ZF | AF | PF},
    {ADC, 4, 0x7ffffffe, 0, 1, 0x7fffffff, PF},
    {SUB, 1, 0x80, 0x01, 0, 0x7f, OF | AF},
    {SUB, 4, 0, 1, 0, 0xffffffff, CF | SF | AF | PF},
    {SUB, 8, 5, 5, 0, 0, ZF | PF},
    {SUB, 2, 0x8000, 0x0001, 0, 0x7fff, OF | AF | PF},
    {SBB, 2, 0, 0xffff, 1, 0, CF | ZF | AF | PF},
    {SBB, 8, 0x8000000000000000ull, 0, 1, 0x7fffffffffffffffull, OF | AF | PF},
    {SBB, 1, 0x10, 0x0f, 1, 0x00, ZF | AF | PF},
};

START_TEST(add_sub_flags)
{
    unsigned i = (unsigned)_i;
    u64 rf = RFLAGS_FIXED1 | RFLAGS_IF | (cases[i].cf_in ? CF : 0);
    u64 res;
    switch (cases[i].op) {
    case ADD: res = alu_add(cases[i].size, cases[i].a, cases[i].b, &rf); break;
    case ADC: res = alu_adc(cases[i].size, cases[i].a, cases[i].b, &rf); break;
    case SUB: res = alu_sub(cases[i].size, cases[i].a, cases[i].b, &rf); break;
    default: res = alu_sbb(cases[i].size, cases[i].a, cases[i].b, &rf); break;
    }
    ck_assert_msg(res == cases[i].res, "case %u: result %#llx", i, (unsigned long long)res);
    ck_assert_msg((rf & RFLAGS_ARITH) == cases[i].flags, "case %u: flags %#llx want %#llx", i,
                  (unsigned long long)(rf & RFLAGS_ARITH), (unsigned long long)cases[i].flags);
    ck_assert_uint_eq(rf & ~RFLAGS_ARITH, RFLAGS_FIXED1 | RFLAGS_IF);   /* other bits kept */
}
END_TEST

START_TEST(inc_dec_keep_cf)
{
    u64 rf = CF;
    ck_assert_uint_eq(alu_inc(1, 0xff, &rf), 0);
    ck_assert_uint_eq(rf & RFLAGS_ARITH, CF | ZF | AF | PF);   /* CF untouched, not produced */
    rf = 0;
    ck_assert_uint_eq(alu_dec(4, 0x80000000, &rf), 0x7fffffff);
    ck_assert_uint_eq(rf & RFLAGS_ARITH, OF | AF | PF);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("alu");
    TCase *tc = tcase_create("flags");
    tcase_add_loop_test(tc, add_sub_flags, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, inc_dec_keep_cf);
    suite_add_tcase(s, tc);
    return s;
}
