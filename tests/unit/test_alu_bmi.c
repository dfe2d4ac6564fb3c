/* BMI1/BMI2/ADX semantics (cpu/alu_bmi.c): results and flags at the boundaries each
 * instruction page of SDM 2A/2B describes (zero sources, counts/indices at and past the
 * operand width, start/length fields of BEXTR). */
#include <check.h>

#include "cpu/alu_bmi.h"
#include "cpu/regs.h"

#define CF RFLAGS_CF
#define PF RFLAGS_PF
#define ZF RFLAGS_ZF
#define SF RFLAGS_SF
#define OF RFLAGS_OF
#define KEEP (~0ull)   /* flags unaffected: the input flags come back */

static const struct {
    enum alu_bmi_op op;
    unsigned size;
    u64 a, b, res, flags;
} cases[] = {
    {BMI_ANDN, 4, 0xf0f0f0f0, 0xffff0000, 0x0f0f0000, PF},
    {BMI_ANDN, 8, ~0ull, 0x1234, 0, ZF | PF},
    {BMI_BEXTR, 4, 0x12345678, 0x0804, 0x67, 0},
    {BMI_BEXTR, 8, 0xf000000000000000ull, 0x0a3c, 0xf, PF},       /* start 60, len 10 */
    {BMI_BEXTR, 4, 0x12345678, 0x0820, 0, ZF | PF},               /* start >= 32 */
    {BMI_BEXTR, 4, 0x12345678, 0xff00, 0x12345678, PF},           /* len >= 32: all */
    {BMI_BEXTR, 4, 0x12345678, 0x0004, 0, ZF | PF},               /* len 0 */
    {BMI_BLSI, 4, 0x0c, 0, 0x04, CF},
    {BMI_BLSI, 4, 0, 0, 0, ZF | PF},
    {BMI_BLSMSK, 4, 0x0c, 0, 0x07, 0},
    {BMI_BLSMSK, 4, 0, 0, 0xffffffff, CF | SF | PF},              /* ZF cleared even so */
    {BMI_BLSR, 8, 0x8000000000000000ull, 0, 0, ZF | PF},
    {BMI_BLSR, 8, 0, 0, 0, CF | ZF | PF},
    {BMI_BLSR, 4, 0xfffffff0, 0, 0xffffffe0, SF},
    {BMI_BZHI, 4, 0xffffffff, 8, 0xff, PF},
    {BMI_BZHI, 4, 0xffffffff, 0x120, 0xffffffff, CF | SF | PF},   /* index byte 32 */
    {BMI_BZHI, 8, 0xffffffff, 0, 0, ZF | PF},
    {BMI_PDEP, 4, 0x5, 0x1a, 0x12, KEEP},
    {BMI_PDEP, 8, ~0ull, 0x8000000000000001ull, 0x8000000000000001ull, KEEP},
    {BMI_PEXT, 4, 0x12, 0x1a, 0x5, KEEP},
    {BMI_PEXT, 8, 0x8000000000000000ull, 0x8000000000000000ull, 1, KEEP},
    {BMI_SARX, 4, 0x80000000, 33, 0xc0000000, KEEP},              /* count masked to 5 bits */
    {BMI_SHLX, 8, 1, 65, 2, KEEP},
    {BMI_SHRX, 4, 0x80000000, 31, 1, KEEP},
    {BMI_RORX, 4, 1, 1, 0x80000000, KEEP},
    {BMI_RORX, 4, 0x1234, 32, 0x1234, KEEP},
    {BMI_RORX, 8, 0x10, 0x44, 0x1, KEEP},                         /* 0x44 & 63 = 4 */
};

START_TEST(bmi_results_and_flags)
{
    unsigned i = (unsigned)_i;
    u64 in = RFLAGS_FIXED1 | RFLAGS_ARITH;
    u64 rf = in;
    u64 res = alu_bmi(cases[i].op, cases[i].size, cases[i].a, cases[i].b, &rf);
    ck_assert_msg(res == cases[i].res, "case %u: result %#llx", i, (unsigned long long)res);
    u64 want = cases[i].flags == KEEP ? in : RFLAGS_FIXED1 | cases[i].flags;
    ck_assert_msg(rf == want, "case %u: flags %#llx want %#llx", i, (unsigned long long)rf,
                  (unsigned long long)want);
}
END_TEST

/* ADCX/ADOX carry through CF resp. OF only (SDM 2A "ADCX", "ADOX"). */
START_TEST(adx_carry_flags)
{
    u64 rf = CF | ZF;
    ck_assert_uint_eq(alu_adx(false, 4, 0xffffffff, 0, &rf), 0);
    ck_assert_uint_eq(rf, CF | ZF);                      /* carry out; ZF not touched */
    rf = CF;
    ck_assert_uint_eq(alu_adx(true, 8, ~0ull, 1, &rf), 0);
    ck_assert_uint_eq(rf, CF | OF);                      /* OF is the carry; CF not touched */
    rf = OF;
    ck_assert_uint_eq(alu_adx(true, 8, 1, 1, &rf), 3);
    ck_assert_uint_eq(rf, 0);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("alu_bmi");
    TCase *tc = tcase_create("bmi");
    tcase_add_loop_test(tc, bmi_results_and_flags, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, adx_carry_flags);
    suite_add_tcase(s, tc);
    return s;
}
