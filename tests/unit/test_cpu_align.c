/* Unit tests for the alignment check (SDM 3A §6.15, "Interrupt 17 — Alignment Check
 * Exception"): #AC(0) for a misaligned data access at CPL 3 with CR0.AM and RFLAGS.AC set,
 * and nothing when either is clear or the access is aligned. */
#include <check.h>
#include <string.h>

#include "cpu_harness.h"

static struct harness H;

/* At CPL 0: set CR0.AM, IRETQ to CPL 3 with RFLAGS = RBX. At CPL 3 (+0x1e): movl 0x7001,%eax;
   mov $5,%r15d; jmp . — #AC handler (+0x2d): error code to 0x7300, RIP to 0x7308, CS to
   0x7310; hlt. */
static const char code[] =
    "\x0f\x20\xc0\x0d\x00\x00\x04\x00\x0f\x22\xc0\x48\x89\xe0\x6a\x23\x50\x53\x6a\x2b\x48\x8d\x05"
    "\x03\x00\x00\x00\x50\x48\xcf\x8b\x04\x25\x01\x70\x00\x00\x41\xbf\x05\x00\x00\x00\xeb\xfe\x58"
    "\x48\x89\x04\x25\x00\x73\x00\x00\x48\x8b\x04\x24\x48\x89\x04\x25\x08\x73\x00\x00\x48\x8b\x44"
    "\x24\x08\x48\x89\x04\x25\x10\x73\x00\x00\xf4";
#define USER_LOAD 0x1e    /* movl 0x7001,%eax */
#define HANDLER 0x2d

static void setup(void)
{
    harness_init(&H, "intel");
    harness_long_mode(&H);
    u64 udata = 0x00cff3000000ffffull, ucode = 0x00affb000000ffffull;
    memcpy(H.ram + HARNESS_GDT + 0x20, &udata, 8);
    memcpy(H.ram + HARNESS_GDT + 0x28, &ucode, 8);
    H.cpu.gdtr.limit = 47;
    u64 rsp0 = 0x90000;                      /* 64-bit TSS at linear 0: RSP0 */
    memcpy(H.ram + 4, &rsp0, 8);
    u64 handler = HARNESS_CODE + HANDLER;
    u64 lo = (handler & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((handler >> 16) & 0xffff) << 48;
    u64 hi = handler >> 32;
    memcpy(H.ram + 0x5000 + 16 * EXC_AC, &lo, 8);
    memcpy(H.ram + 0x5000 + 16 * EXC_AC + 8, &hi, 8);
    H.cpu.idtr.base = 0x5000;
    H.cpu.idtr.limit = 0xfff;
}

static void teardown(void) { harness_destroy(&H); }

static u64 at(u32 addr)
{
    u64 v;
    memcpy(&v, H.ram + addr, 8);
    return v;
}

START_TEST(misaligned_user_load_with_am_and_ac_faults)
{
    H.cpu.gpr[RBX] = RFLAGS_FIXED1 | RFLAGS_AC;
    memset(H.ram + 0x7300, 0xff, 24);
    ck_assert_int_eq(harness_run(&H, code, sizeof code - 1, 1000), STOP_HALT);
    ck_assert_uint_eq(at(0x7300), 0);                              /* error code 0 */
    ck_assert_uint_eq(at(0x7308), HARNESS_CODE + USER_LOAD);       /* a fault: the load's RIP */
    ck_assert_uint_eq(at(0x7310), 0x2b);                           /* from CPL 3 */
    ck_assert_uint_ne(H.cpu.gpr[R15], 5);
}
END_TEST

START_TEST(no_fault_without_rflags_ac)
{
    H.cpu.gpr[RBX] = RFLAGS_FIXED1;
    ck_assert_int_eq(harness_run(&H, code, sizeof code - 1, 1000), STOP_BUDGET);
    ck_assert_uint_eq(H.cpu.gpr[R15], 5);
    ck_assert_int_eq(H.cpu.cpl, 3);
}
END_TEST

START_TEST(no_fault_for_an_aligned_load)
{
    H.cpu.gpr[RBX] = RFLAGS_FIXED1 | RFLAGS_AC;
    char aligned[sizeof code];
    memcpy(aligned, code, sizeof code);
    aligned[USER_LOAD + 3] = 0x04;                                 /* movl 0x7004,%eax */
    ck_assert_int_eq(harness_run(&H, aligned, sizeof code - 1, 1000), STOP_BUDGET);
    ck_assert_uint_eq(H.cpu.gpr[R15], 5);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("cpu_align");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, misaligned_user_load_with_am_and_ac_faults);
    tcase_add_test(tc, no_fault_without_rflags_ac);
    tcase_add_test(tc, no_fault_for_an_aligned_load);
    suite_add_tcase(s, tc);
    return s;
}
