/* Far CALL/JMP through call gates (SDM 3A §5.8, cpu/gate.c): a ring-3 CALL through a
 * 32-bit gate to ring 0 switches to the TSS stack and copies the gate's two parameters;
 * RETF 8 returns to ring 3 and releases the parameters on both stacks; JMP through a gate to
 * a more privileged segment is #GP(code selector); a 64-bit gate in IA-32e mode pushes CS:RIP
 * as 8-byte values. Byte strings were produced with GNU as; the source is in each comment. */
#include <check.h>
#include <string.h>

#include "tests/unit/cpu_harness.h"

#define TSS 0x3000u
#define IDT 0x5000u
#define RING0_CODE 0x101000u
#define HANDLER 0x102000u
#define USER_ESP 0x80000u
#define KERNEL_ESP 0x90000u

static struct harness H;


/* A gate descriptor's low 8 bytes: offset, selector, parameter count, type/DPL/P byte. */
static u64 gate(u32 off, u16 sel, unsigned params, unsigned ar)
{
    return (off & 0xffff) | (u64)sel << 16 | (u64)params << 32 | (u64)ar << 40 | (u64)(off >> 16) << 48;
}

/* 32-bit protected mode with ring-3 code/data (0x20/0x28), a TSS at 0x18 whose ring-0
 * stack is 0x10:KERNEL_ESP, a DPL-3 32-bit call gate 0x30 -> 0x08:RING0_CODE with 2
 * parameters, and #UD/#GP interrupt gates to 0x08:HANDLER (HLT). */
static void setup(void)
{
    harness_init(&H, "intel");
    harness_prot32_mode(&H);
    H.cpu.gdtr.limit = 0x37;
    harness_put64(&H, HARNESS_GDT + 0x18, 0x67 | (u64)TSS << 16 | 0x89ull << 40);
    harness_put64(&H, HARNESS_GDT + 0x20, 0x00cffb000000ffffull);
    harness_put64(&H, HARNESS_GDT + 0x28, 0x00cff3000000ffffull);
    harness_put64(&H, HARNESS_GDT + 0x30, gate(RING0_CODE, 0x08, 2, 0xec));
    memset(H.ram + TSS, 0, 0x68);
    harness_put32(&H, TSS + 4, KERNEL_ESP);
    harness_put32(&H, TSS + 8, 0x10);
    harness_put64(&H, IDT + 8 * EXC_UD, gate(HANDLER, 0x08, 0, 0x8e));
    harness_put64(&H, IDT + 8 * EXC_GP, gate(HANDLER, 0x08, 0, 0x8e));
    H.cpu.idtr.base = IDT;
    H.cpu.idtr.limit = 0xff;
    H.ram[HANDLER] = 0xf4;   /* hlt */
}

static void teardown(void) { harness_destroy(&H); }

/* mov $0x18,%ax; ltr %ax; push $0x2b; push $0x80000; push $0x23; push $USER_EIP; lret;
   at +0x20: push $0x1111; push $0x2222; lcall $0x33,$0; ud2
   at +0x40: ljmp $0x33,$0 */
static void run_user(u32 user_eip)
{
    u8 code[0x48] = {0};
    memcpy(code, "\x66\xb8\x18\x00\x0f\x00\xd8\x6a\x2b\x68\x00\x00\x08\x00\x6a\x23\x68", 17);
    memcpy(code + 17, &user_eip, 4);
    code[21] = 0xcb;
    memcpy(code + 0x20, "\x68\x11\x11\x00\x00\x68\x22\x22\x00\x00\x9a\x00\x00\x00\x00\x33\x00\x0f\x0b", 19);
    memcpy(code + 0x40, "\xea\x00\x00\x00\x00\x33\x00", 7);
    ck_assert_int_eq(harness_run(&H, code, sizeof code, 200), STOP_HALT);
}

START_TEST(call_to_ring0_switches_stack_and_copies_parameters)
{
    H.ram[RING0_CODE] = 0xf4;   /* hlt */
    run_user(HARNESS_CODE + 0x20);
    ck_assert_uint_eq(H.cpu.cpl, 0);
    ck_assert_uint_eq(H.cpu.seg[SEG_CS].sel, 0x08);
    ck_assert_uint_eq(H.cpu.seg[SEG_SS].sel, 0x10);
    u32 sp = (u32)H.cpu.gpr[RSP];
    ck_assert_uint_eq(sp, KERNEL_ESP - 24);
    ck_assert_uint_eq(harness_get32(&H, sp), HARNESS_CODE + 0x31);   /* return EIP: the UD2 */
    ck_assert_uint_eq(harness_get32(&H, sp + 4), 0x23);              /* caller CS */
    ck_assert_uint_eq(harness_get32(&H, sp + 8), 0x2222);            /* parameters in the caller's order */
    ck_assert_uint_eq(harness_get32(&H, sp + 12), 0x1111);
    ck_assert_uint_eq(harness_get32(&H, sp + 16), USER_ESP - 8);     /* caller SS:ESP */
    ck_assert_uint_eq(harness_get32(&H, sp + 20), 0x2b);
}
END_TEST

START_TEST(retf_imm_returns_to_ring3_and_releases_parameters)
{
    memcpy(H.ram + RING0_CODE, "\xca\x08\x00", 3);   /* lret $8 */
    run_user(HARNESS_CODE + 0x20);
    /* Back in ring 3 after the CALL; its UD2 enters the #UD handler at ring 0. */
    u32 sp = (u32)H.cpu.gpr[RSP];
    ck_assert_uint_eq(sp, KERNEL_ESP - 20);
    ck_assert_uint_eq(harness_get32(&H, sp), HARNESS_CODE + 0x31);
    ck_assert_uint_eq(harness_get32(&H, sp + 4), 0x23);
    ck_assert_uint_eq(harness_get32(&H, sp + 12), USER_ESP);         /* both pushes released */
    ck_assert_uint_eq(harness_get32(&H, sp + 16), 0x2b);
}
END_TEST

START_TEST(jmp_through_gate_to_inner_ring_is_gp)
{
    run_user(HARNESS_CODE + 0x40);
    u32 sp = (u32)H.cpu.gpr[RSP];
    ck_assert_uint_eq(harness_get32(&H, sp), 0x08);                  /* #GP(code-segment selector) */
    ck_assert_uint_eq(harness_get32(&H, sp + 4), HARNESS_CODE + 0x40);
}
END_TEST

START_TEST(gate64_same_privilege_call)
{
    teardown();
    harness_init(&H, "intel");
    harness_long_mode(&H);
    H.cpu.gdtr.limit = 0x4f;
    harness_put64(&H, HARNESS_GDT + 0x40, gate(RING0_CODE, 0x08, 0, 0x8c));
    harness_put64(&H, HARNESS_GDT + 0x48, 0);
    H.ram[RING0_CODE] = 0xf4;
    /* lea 0x100(%rip),%rax; rex.W lcall *(%rax); hlt -- m16:64 at +0x107: offset 0, selector 0x40 */
    u8 code[0x111] = {0};
    memcpy(code, "\x48\x8d\x05\x00\x01\x00\x00\x48\xff\x18\xf4", 11);
    code[0x107 + 8] = 0x40;
    ck_assert_int_eq(harness_run(&H, code, sizeof code, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.rip, RING0_CODE + 1);
    ck_assert_uint_eq(H.cpu.gpr[RSP], HARNESS_STACK - 16);
    ck_assert_uint_eq(harness_get64(&H, HARNESS_STACK - 16), HARNESS_CODE + 10);
    ck_assert_uint_eq(harness_get64(&H, HARNESS_STACK - 8), 0x08);
    /* A 64-bit gate whose upper type field is not 0 is #GP(gate selector): no handler, so the
       fault escalates; it must not transfer. */
    harness_put64(&H, HARNESS_GDT + 0x48, 1ull << 40);
    H.cpu.rip = HARNESS_CODE;
    H.cpu.gpr[RSP] = HARNESS_STACK;
    H.cpu.state = CPU_RUNNING;
    ck_assert_int_ne(harness_run(&H, code, sizeof code, 100), STOP_HALT);
    ck_assert_uint_ne(H.cpu.rip, RING0_CODE + 1);
}
END_TEST

Suite *unit_suite(void);
Suite *unit_suite(void)
{
    Suite *s = suite_create("cpu_gate");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, call_to_ring0_switches_stack_and_copies_parameters);
    tcase_add_test(tc, retf_imm_returns_to_ring3_and_releases_parameters);
    tcase_add_test(tc, jmp_through_gate_to_inner_ring_is_gp);
    tcase_add_test(tc, gate64_same_privilege_call);
    suite_add_tcase(s, tc);
    return s;
}
