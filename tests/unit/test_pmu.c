/* PMU tests (cpu/pmu.c): the model's counters as CPUID.0AH and IA32_PERF_GLOBAL_CTRL describe
 * them, the MSR write rules, and lazy counting by CPL with overflow into
 * IA32_PERF_GLOBAL_STATUS (SDM 3B §20.2). RDPMC and the VMX exits are in the vmx_insn guest
 * test. */
#include <check.h>

#include "cpu/msr.h"
#include "cpu/pmu.h"
#include "tests/unit/cpu_harness.h"

static struct harness H;

static void setup(void)
{
    harness_init(&H, "intel");
    harness_long_mode(&H);
}

static void teardown(void) { harness_destroy(&H); }

static u64 rd(u32 idx)
{
    u64 v = 0;
    ck_assert_msg(msr_read(&H.cpu, idx, &v), "rdmsr %#x", idx);
    return v;
}

START_TEST(model_and_cpuid_agree)
{
    struct cpu_model m;
    char err[100];
    u32 r[4];
    ck_assert_int_eq(model_parse("intel", &m, err, sizeof err), 0);
    ck_assert_uint_eq(model_perf_global_valid(&m), 0xffull | 7ull << 32);
    pmu_cpuid(&m, r);
    ck_assert_uint_eq(r[0] & 0xff, 2);                  /* version */
    ck_assert_uint_eq((r[0] >> 8) & 0xff, 8);           /* general-purpose counters */
    ck_assert_uint_eq((r[0] >> 16) & 0xff, 48);         /* width */
    ck_assert_uint_eq(r[1] & 7, 0);                     /* cycles, instructions, ref cycles */
    ck_assert_uint_eq(r[3], 3 | 48u << 5);              /* 3 fixed counters of 48 bits */
    ck_assert_int_eq(model_parse("amd", &m, err, sizeof err), 0);
    ck_assert_uint_eq(model_perf_global_valid(&m), 0);
    pmu_cpuid(&m, r);
    ck_assert_uint_eq(r[0] | r[1] | r[2] | r[3], 0);
}
END_TEST

START_TEST(msr_write_rules)
{
    struct cpu *c = &H.cpu;
    ck_assert_uint_eq(rd(MSR_IA32_PERF_GLOBAL_CTRL), 0xff);   /* RESET: GP enables set */
    ck_assert(!msr_write(c, MSR_IA32_PERF_GLOBAL_CTRL, BIT(8)));
    ck_assert(!msr_write(c, MSR_IA32_PERF_GLOBAL_CTRL, BIT(35)));
    ck_assert(msr_write(c, MSR_IA32_PERF_GLOBAL_CTRL, 0xffull | 7ull << 32));
    ck_assert(!msr_write(c, MSR_IA32_PERF_GLOBAL_STATUS, 0));
    ck_assert(!msr_write(c, MSR_IA32_PERFEVTSEL0, BIT(32)));
    ck_assert(!msr_write(c, MSR_IA32_PERFEVTSEL0, BIT(21)));   /* AnyThread: version 3 */
    ck_assert(!msr_write(c, MSR_IA32_FIXED_CTR_CTRL, BIT(12)));
    u64 v;
    ck_assert(!msr_read(c, MSR_IA32_PMC0 + 8, &v));
    ck_assert(!msr_read(c, MSR_IA32_FIXED_CTR0 + 3, &v));
    ck_assert(msr_write(c, MSR_IA32_PMC0, 0x80000001ull));
    ck_assert_uint_eq(rd(MSR_IA32_PMC0), 0xffff80000001ull);
    ck_assert(msr_write(c, MSR_IA32_FIXED_CTR0, ~0ull));
    ck_assert_uint_eq(rd(MSR_IA32_FIXED_CTR0), GENMASK(47, 0));
}
END_TEST

START_TEST(counts_by_cpl_and_overflows)
{
    struct cpu *c = &H.cpu;
    ck_assert(msr_write(c, MSR_IA32_PERFEVTSEL0, 0xc0 | BIT(17) | BIT(22)));     /* instructions, OS */
    ck_assert(msr_write(c, MSR_IA32_PERFEVTSEL0 + 1, 0x3c | BIT(16) | BIT(22))); /* cycles, USR */
    ck_assert(msr_write(c, MSR_IA32_PERFEVTSEL0 + 2, 0x2e | BIT(16) | BIT(17) | BIT(22)));  /* LLC refs */
    ck_assert(msr_write(c, MSR_IA32_PERF_GLOBAL_CTRL, 7));
    c->insns += 10;
    c->cycles += 100;
    ck_assert_uint_eq(rd(MSR_IA32_PMC0), 10);
    ck_assert_uint_eq(rd(MSR_IA32_PMC0 + 1), 0);
    c->cpl = 3;
    cpu_update_mode(c);                                 /* the CPL change syncs */
    c->insns += 5;
    c->cycles += 50;
    ck_assert_uint_eq(rd(MSR_IA32_PMC0), 10);
    ck_assert_uint_eq(rd(MSR_IA32_PMC0 + 1), 50);
    ck_assert_uint_eq(rd(MSR_IA32_PMC0 + 2), 0);       /* unavailable event */
    c->cpl = 0;
    cpu_update_mode(c);
    /* Global disable stops counting; overflow sets the status bit; OVF_CTRL clears it. */
    ck_assert(msr_write(c, MSR_IA32_PERF_GLOBAL_CTRL, 0));
    c->insns += 7;
    ck_assert_uint_eq(rd(MSR_IA32_PMC0), 10);
    ck_assert(msr_write(c, MSR_IA32_PMC0, (u64)-2));
    ck_assert(msr_write(c, MSR_IA32_PERF_GLOBAL_CTRL, 1));
    c->insns += 3;
    ck_assert_uint_eq(rd(MSR_IA32_PMC0), 1);
    ck_assert_uint_eq(rd(MSR_IA32_PERF_GLOBAL_STATUS), 1);
    ck_assert(msr_write(c, MSR_IA32_PERF_GLOBAL_OVF_CTRL, 1));
    ck_assert_uint_eq(rd(MSR_IA32_PERF_GLOBAL_STATUS), 0);
    /* Fixed counter 1 (core cycles) in ring 0 through FIXED_CTR_CTRL and global bit 33. */
    ck_assert(msr_write(c, MSR_IA32_FIXED_CTR_CTRL, 1u << 4));
    ck_assert(msr_write(c, MSR_IA32_PERF_GLOBAL_CTRL, BIT(33)));
    c->cycles += 40;
    ck_assert_uint_eq(rd(MSR_IA32_FIXED_CTR0 + 1), 40);
    ck_assert_uint_eq(rd(MSR_IA32_FIXED_CTR0), 0);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("pmu");
    TCase *tc = tcase_create("pmu");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, model_and_cpuid_agree);
    tcase_add_test(tc, msr_write_rules);
    tcase_add_test(tc, counts_by_cpl_and_overflows);
    suite_add_tcase(s, tc);
    return s;
}
