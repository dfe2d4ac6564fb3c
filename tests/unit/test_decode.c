/* Unit tests for the Zydis adapter (cpu/decode.c): bytes -> struct insn. */
#include <check.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/exec.h"
#include "tests/unit/cpu_harness.h"

static struct harness H;

static void setup(void) { harness_init(&H, "intel"); }
static void teardown(void) { harness_destroy(&H); }

static enum decode_status dec(const char *bytes, size_t n, unsigned mode, struct insn *in)
{
    return decode_insn(&H.cpu, (const u8 *)bytes, (unsigned)n, mode, in);
}

START_TEST(gpr8_high_and_rex)
{
    struct insn in;
    /* mov ah, bh (88 fc) */
    ck_assert_int_eq(dec("\x88\xfc", 2, MODE_LONG64, &in), DECODE_OK);
    ck_assert_int_eq(in.op[0].regc, REGC_GPR8H);
    ck_assert_int_eq(in.op[0].reg, RAX);
    ck_assert_int_eq(in.op[1].regc, REGC_GPR8H);
    ck_assert_int_eq(in.op[1].reg, RBX);
    /* mov spl, dil (40 88 fc) */
    ck_assert_int_eq(dec("\x40\x88\xfc", 3, MODE_LONG64, &in), DECODE_OK);
    ck_assert_int_eq(in.op[0].regc, REGC_GPR);
    ck_assert_int_eq(in.op[0].reg, RSP);
    ck_assert_int_eq(in.op[1].reg, RDI);
    ck_assert_int_eq(in.op[0].size, 1);
    /* mov r13b, r8b (45 88 c5) */
    ck_assert_int_eq(dec("\x45\x88\xc5", 3, MODE_LONG64, &in), DECODE_OK);
    ck_assert_int_eq(in.op[0].reg, R13);
    ck_assert_int_eq(in.op[1].reg, R8);
}
END_TEST

START_TEST(memory_operand)
{
    struct insn in;
    /* mov rax, [rbx + rcx*4 + 0x10] : 48 8b 44 8b 10 */
    ck_assert_int_eq(dec("\x48\x8b\x44\x8b\x10", 5, MODE_LONG64, &in), DECODE_OK);
    ck_assert_int_eq(in.len, 5);
    ck_assert_int_eq(in.opsize, 8);
    ck_assert_int_eq(in.op[1].kind, OPND_MEM);
    ck_assert_int_eq(in.op[1].base, RBX);
    ck_assert_int_eq(in.op[1].index, RCX);
    ck_assert_int_eq(in.op[1].scale, 4);
    ck_assert_uint_eq(in.op[1].disp, 0x10);
    ck_assert_int_eq(in.op[1].seg, SEG_DS);
    ck_assert_ptr_ne(in.exec, exec_mov);   /* no segment/control/debug operand: a plain MOV
                                              handler (here the specialised r64 <- m64 one) */
    /* mov ds, ax (8e d8) and mov rax, cr0 (0f 20 c0) keep the full MOV handler */
    ck_assert_int_eq(dec("\x8e\xd8", 2, MODE_LONG64, &in), DECODE_OK);
    ck_assert_ptr_eq(in.exec, exec_mov);
    ck_assert_int_eq(dec("\x0f\x20\xc0", 3, MODE_LONG64, &in), DECODE_OK);
    ck_assert_ptr_eq(in.exec, exec_mov);
    /* push qword [rbp-8] uses SS: ff 75 f8 */
    ck_assert_int_eq(dec("\xff\x75\xf8", 3, MODE_LONG64, &in), DECODE_OK);
    ck_assert_int_eq(in.op[0].seg, SEG_SS);
    ck_assert_uint_eq(in.op[0].disp, (u64)-8);
    /* rip-relative: lea rax, [rip+0x100] : 48 8d 05 00 01 00 00 */
    ck_assert_int_eq(dec("\x48\x8d\x05\x00\x01\x00\x00", 7, MODE_LONG64, &in), DECODE_OK);
    ck_assert_int_eq(in.op[1].base, OPND_BASE_RIP);
    ck_assert_uint_eq(in.op[1].disp, 0x100);
    /* fs override: mov eax, fs:[0] : 64 8b 04 25 00 00 00 00 */
    ck_assert_int_eq(dec("\x64\x8b\x04\x25\x00\x00\x00\x00", 8, MODE_LONG64, &in), DECODE_OK);
    ck_assert_int_eq(in.op[1].seg, SEG_FS);
    ck_assert(in.flags & INSN_SEG_OVR);
}
END_TEST

START_TEST(mode_dependence)
{
    struct insn in;
    /* b8 78 56 34 12: 5 bytes in 32-bit mode, 3 in real mode */
    ck_assert_int_eq(dec("\xb8\x78\x56\x34\x12", 5, MODE_PROT32, &in), DECODE_OK);
    ck_assert_int_eq(in.len, 5);
    ck_assert_int_eq(dec("\xb8\x78\x56\x34\x12", 5, MODE_REAL, &in), DECODE_OK);
    ck_assert_int_eq(in.len, 3);
    ck_assert_int_eq(in.opsize, 2);
    /* 40 is inc eax in 32-bit mode, a REX prefix in 64-bit mode */
    ck_assert_int_eq(dec("\x40\x50", 2, MODE_PROT32, &in), DECODE_OK);
    ck_assert_int_eq(in.len, 1);
    ck_assert_int_eq(dec("\x40\x50", 2, MODE_LONG64, &in), DECODE_OK);
    ck_assert_int_eq(in.len, 2);
}
END_TEST

START_TEST(status_codes)
{
    struct insn in;
    /* mov rax, imm64 truncated: needs more bytes */
    ck_assert_int_eq(dec("\x48\xb8\x01\x02\x03", 5, MODE_LONG64, &in), DECODE_MORE);
    /* 15 x 66 + 90 = 16 bytes: too long */
    char longb[16];
    memset(longb, 0x66, 15);
    longb[15] = (char)0x90;
    ck_assert_int_eq(dec(longb, 15, MODE_LONG64, &in), DECODE_TOO_LONG);
    /* 0f 0b = ud2 decodes and binds to the unimplemented handler (#UD) */
    ck_assert_int_eq(dec("\x0f\x0b", 2, MODE_LONG64, &in), DECODE_OK);
    ck_assert_ptr_eq(in.exec, exec_unimplemented);
    /* vmrun is #UD on a model without SVM (the Intel model) */
    ck_assert_int_eq(dec("\x0f\x01\xd8", 3, MODE_LONG64, &in), DECODE_UD);
    /* lock nop is illegal */
    ck_assert_int_eq(dec("\xf0\x90", 2, MODE_LONG64, &in), DECODE_UD);
}
END_TEST

START_TEST(conditions_and_branches)
{
    struct insn in;
    /* jne +5 : 75 05 */
    ck_assert_int_eq(dec("\x75\x05", 2, MODE_LONG64, &in), DECODE_OK);
    ck_assert_int_eq(in.cc, 5);
    ck_assert(in.flags & INSN_REL);
    ck_assert_uint_eq(in.op[0].imm, 5);
    /* jmp -2 : eb fe */
    ck_assert_int_eq(dec("\xeb\xfe", 2, MODE_LONG64, &in), DECODE_OK);
    ck_assert_uint_eq(in.op[0].imm, (u64)-2);
    /* ljmp 0x08:0x1000 in 32-bit mode : ea 00 10 00 00 08 00 */
    ck_assert_int_eq(dec("\xea\x00\x10\x00\x00\x08\x00", 7, MODE_PROT32, &in), DECODE_OK);
    ck_assert(in.flags & INSN_FAR);
    ck_assert_int_eq(in.op[0].kind, OPND_PTR);
    ck_assert_uint_eq(opnd_ptr_sel(&in.op[0]), 8);
    ck_assert_uint_eq(opnd_ptr_off(&in.op[0]), 0x1000);
    /* rep movsb : f3 a4 */
    ck_assert_int_eq(dec("\xf3\xa4", 2, MODE_LONG64, &in), DECODE_OK);
    ck_assert(in.flags & INSN_REP);
    ck_assert_int_eq(in.sub, SUB_MOVS);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("adapter");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, gpr8_high_and_rex);
    tcase_add_test(tc, memory_operand);
    tcase_add_test(tc, mode_dependence);
    tcase_add_test(tc, status_codes);
    tcase_add_test(tc, conditions_and_branches);
    suite_add_tcase(s, tc);
    return s;
}
