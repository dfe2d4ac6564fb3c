/* The host-flag path of cpu/alu_host.h against the portable flag computations of
 * cpu/alu_core.h (the ones a non-x86-64 host uses): ADD, SUB and the ZF/SF/PF of a result,
 * every operand size, on operands at the carry, overflow, auxiliary-carry and parity
 * boundaries and on a deterministic pseudo-random stream. Registered only where the host
 * path exists (ALU_HOST). */
#include <check.h>

#include "cpu/alu_core.h"

/* Operands that sit on the flag boundaries of every size. */
static const u64 edges[] = {
    0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
    0x8000000000000000ull, 0xffffffffffffffffull, 0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull,
};
#define NEDGES (sizeof edges / sizeof edges[0])

static u64 next_random(u64 *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;   /* xorshift64 */
    return *s;
}

/* One pair on every size: results and all six flags of both paths agree; the bits of the
   incoming RFLAGS that are not arithmetic flags survive both. */
static void check_pair(u64 a, u64 b)
{
    static const unsigned sizes[] = {1, 2, 4, 8};
    const u64 keep = RFLAGS_IF | RFLAGS_DF | 0x2;
    for (unsigned i = 0; i < 4; i++) {
        unsigned sz = sizes[i];
        u64 m = bits_mask_bytes(sz), fh, fc = keep | RFLAGS_ARITH;
        u64 rh = alu_host_add(sz, a & m, b & m, &fh), rc = alu_core_add_c(sz, a, b, 0, &fc);
        ck_assert_msg(rh == rc && (fh | keep) == fc, "add%u %#llx %#llx: host %#llx/%#llx, portable %#llx/%#llx", sz,
                      (unsigned long long)a, (unsigned long long)b, (unsigned long long)rh,
                      (unsigned long long)fh, (unsigned long long)rc, (unsigned long long)fc);
        fc = keep | RFLAGS_ARITH;
        rh = alu_host_sub(sz, a & m, b & m, &fh), rc = alu_core_sub_c(sz, a, b, 0, &fc);
        ck_assert_msg(rh == rc && (fh | keep) == fc, "sub%u %#llx %#llx: host %#llx/%#llx, portable %#llx/%#llx", sz,
                      (unsigned long long)a, (unsigned long long)b, (unsigned long long)rh,
                      (unsigned long long)fh, (unsigned long long)rc, (unsigned long long)fc);
        ck_assert_uint_eq(alu_host_szp(sz, a & m), alu_core_szp_c(sz, a & m));
    }
}

START_TEST(host_flags_match_the_portable_computation_on_boundaries)
{
    for (unsigned i = 0; i < NEDGES; i++)
        for (unsigned j = 0; j < NEDGES; j++)
            for (int d = -1; d <= 1; d++)
                check_pair(edges[i] + (u64)d, edges[j]);
}
END_TEST

START_TEST(host_flags_match_the_portable_computation_on_random_operands)
{
    u64 s = 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < 200000; i++) {
        u64 a = next_random(&s), b = next_random(&s);
        /* Shorten some operands so that small sizes see zero and sign-boundary results. */
        check_pair(a >> (a & 63), b >> (b & 63));
    }
}
END_TEST

START_TEST(hot_flag_paths_use_the_host_where_it_can)
{
    /* alu_core_add/sub with no carry in equal the host path; with a carry in they are the
       portable one (ADC/SBB), which the boundary cases above pin to the same results. */
    u64 f1 = 0, f2 = 0;
    ck_assert_uint_eq(alu_core_add(4, 0xffffffff, 1, 0, &f1), alu_host_add(4, 0xffffffff, 1, &f2));
    ck_assert_uint_eq(f1, f2);
    ck_assert_uint_eq(f1, RFLAGS_CF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF);
    u64 rc = alu_core_add(1, 0xff, 0, 1, &f1);   /* carry in: 0xff + 0 + 1 */
    ck_assert_uint_eq(rc, 0);
    ck_assert_uint_eq(f1, RFLAGS_CF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("alu_host");
    TCase *tc = tcase_create("core");
    if (ALU_HOST) {
        tcase_add_test(tc, host_flags_match_the_portable_computation_on_boundaries);
        tcase_add_test(tc, host_flags_match_the_portable_computation_on_random_operands);
        tcase_add_test(tc, hot_flag_paths_use_the_host_where_it_can);
    }
    suite_add_tcase(s, tc);
    return s;
}
