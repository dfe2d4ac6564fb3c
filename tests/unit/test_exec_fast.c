/* Operand-specialised handlers (cpu/exec_fast.c) against the generic ones they replace: each
 * form is decoded (which binds the specialised handler), then executed from the same random
 * state (registers, arithmetic flags, memory) once by the specialised and once by the generic
 * handler; registers, RFLAGS, RIP and memory must be identical. */
#include <check.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/exec.h"
#include "tests/unit/cpu_harness.h"

static struct harness H;

static void setup(void)
{
    harness_init(&H, "intel");
    harness_long_mode(&H);
}

static void teardown(void) { harness_destroy(&H); }

#define DATA 0x200000u     /* RBX points into this page for memory forms */
#define WINDOW 0xe00u      /* bytes of RAM compared: the RBX, RBP and RSP areas below */

struct form {
    const char *bytes;
    unsigned len;
    insn_fn *generic;
};

#define F(b, g) { b, sizeof(b) - 1, g }

static const struct form forms[] = {
    /* ALU group 1, r/r and r/imm, 32 and 64 bits: add, or, and, sub, xor, cmp */
    F("\x48\x01\xd8", exec_alu2), F("\x01\xd8", exec_alu2),
    F("\x48\x09\xd8", exec_alu2), F("\x09\xd8", exec_alu2),
    F("\x48\x21\xd8", exec_alu2), F("\x21\xd8", exec_alu2),
    F("\x48\x29\xd8", exec_alu2), F("\x29\xd8", exec_alu2),
    F("\x48\x31\xd8", exec_alu2), F("\x31\xd8", exec_alu2),
    F("\x48\x39\xd8", exec_alu2), F("\x39\xd8", exec_alu2),
    F("\x48\x83\xc0\xfb", exec_alu2), F("\x83\xc0\x05", exec_alu2),
    F("\x48\x81\xc8\x78\x56\x34\xf2", exec_alu2), F("\x81\xc8\x78\x56\x34\x82", exec_alu2),
    F("\x48\x83\xe0\x80", exec_alu2), F("\x81\xe0\xff\xff\x00\x00", exec_alu2),
    F("\x48\x83\xe8\x01", exec_alu2), F("\x83\xe8\x7f", exec_alu2),
    F("\x48\x81\xf0\x00\x00\x00\x80", exec_alu2), F("\x83\xf0\xff", exec_alu2),
    F("\x48\x83\xf8\x00", exec_alu2), F("\x81\xf8\x00\x00\x00\x80", exec_alu2),
    F("\x48\x39\xc0", exec_alu2), F("\x48\x31\xc0", exec_alu2), F("\x29\xc0", exec_alu2),
    /* TEST r/r */
    F("\x48\x85\xd8", exec_test), F("\x85\xd8", exec_test),
    /* ALU group 1, TEST, INC, DEC with memory (RBX is 8-aligned; +2 and +4 are misaligned for
       8 bytes, +2 for 4, which takes the generic path): r/m, m/r, m/imm */
    F("\x48\x01\x03", exec_alu2), F("\x01\x03", exec_alu2), F("\x48\x03\x03", exec_alu2),
    F("\x03\x43\x08", exec_alu2), F("\x48\x01\x43\x02", exec_alu2), F("\x03\x43\x02", exec_alu2),
    F("\x48\x29\x03", exec_alu2), F("\x2b\x03", exec_alu2), F("\x48\x83\x2b\x80", exec_alu2),
    F("\x48\x83\x3b\x05", exec_alu2), F("\x81\x3b\x78\x56\x34\x12", exec_alu2),
    F("\x48\x3b\x03", exec_alu2), F("\x39\x03", exec_alu2), F("\x48\x39\x43\x04", exec_alu2),
    F("\x48\x83\x23\xf0", exec_alu2), F("\x09\x03", exec_alu2), F("\x48\x0b\x43\x10", exec_alu2),
    F("\x48\x33\x03", exec_alu2), F("\x81\x33\xff\x00\xff\x00", exec_alu2),
    F("\x48\x81\x03\x00\x00\x00\x80", exec_alu2), F("\x83\x44\x8b\x10\xff", exec_alu2),
    F("\x48\x85\x03", exec_test), F("\x85\x43\x02", exec_test), F("\xf7\x03\x00\x00\x00\x80", exec_test),
    F("\x48\xf7\x03\x01\x00\x00\x00", exec_test),
    F("\x48\xff\x03", exec_incdec), F("\xff\x43\x04", exec_incdec), F("\x48\xff\x0b", exec_incdec),
    F("\xff\x0b", exec_incdec), F("\x48\xff\x4b\x02", exec_incdec),
    /* ALU and TEST at 8 and 16 bits: registers (REX byte registers too), immediates, memory */
    F("\x00\xd8", exec_alu2), F("\x66\x01\xd8", exec_alu2), F("\x3c\x7f", exec_alu2),
    F("\x66\x83\xc0\xff", exec_alu2), F("\x66\x81\xe8\x00\x80", exec_alu2), F("\x40\x30\xf7", exec_alu2),
    F("\x38\xd8", exec_alu2), F("\x80\x3b\x05", exec_alu2), F("\x00\x03", exec_alu2),
    F("\x02\x43\x01", exec_alu2), F("\x66\x01\x03", exec_alu2), F("\x66\x01\x43\x01", exec_alu2),
    F("\x80\x73\x02\xaa", exec_alu2), F("\x66\x3b\x43\x06", exec_alu2),
    F("\xa8\x80", exec_test), F("\x84\xc0", exec_test), F("\xf6\x03\x80", exec_test),
    F("\x66\x85\x43\x02", exec_test),
    /* INC/DEC r */
    F("\x48\xff\xc0", exec_incdec), F("\xff\xc0", exec_incdec),
    F("\x48\xff\xc8", exec_incdec), F("\xff\xc8", exec_incdec),
    /* MOV r/r, r/imm, r/m, m/r */
    F("\x48\x89\xd8", exec_mov_gpr), F("\x89\xd8", exec_mov_gpr),
    F("\xb8\x78\x56\x34\x12", exec_mov_gpr), F("\x48\xc7\xc0\x78\x56\x34\xf2", exec_mov_gpr),
    F("\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11", exec_mov_gpr),
    F("\x48\x8b\x03", exec_mov_gpr), F("\x8b\x43\x08", exec_mov_gpr),
    F("\x48\x8b\x44\x8b\x10", exec_mov_gpr),
    F("\x48\x89\x03", exec_mov_gpr), F("\x89\x43\x08", exec_mov_gpr),
    F("\x48\x89\x44\x8b\x10", exec_mov_gpr),
    /* LEA r64, r32 */
    F("\x48\x8d\x44\x8b\x10", exec_lea), F("\x67\x48\x8d\x44\x8b\x10", exec_lea),
    F("\x48\x8d\x05\x00\x01\x00\x00", exec_lea), F("\x8d\x44\x8b\x10", exec_lea),
    F("\x67\x8d\x44\x8b\xf0", exec_lea), F("\x8d\x05\x00\xff\xff\xff", exec_lea),
    /* MOV m, imm at 8, 32 and 64 bits (+4 is misaligned for 8: the full path) */
    F("\xc6\x03\x80", exec_mov_gpr), F("\xc6\x44\x8b\x03\x7f", exec_mov_gpr),
    F("\xc7\x43\x08\x78\x56\x34\x12", exec_mov_gpr), F("\x48\xc7\x03\x00\x00\x00\x80", exec_mov_gpr),
    F("\x48\xc7\x43\x04\xff\xff\xff\xff", exec_mov_gpr),
    /* SETcc r8 (REX byte registers too) */
    F("\x0f\x94\xc0", exec_setcc), F("\x0f\x9c\xc3", exec_setcc), F("\x40\x0f\x95\xc6", exec_setcc),
    F("\x0f\x9a\xc1", exec_setcc), F("\x41\x0f\x97\xc0", exec_setcc), F("\x0f\x9e\xc2", exec_setcc),
    /* Jcc rel8 and rel32, every condition */
    F("\x70\x10", exec_jcc), F("\x71\x10", exec_jcc), F("\x72\x10", exec_jcc), F("\x73\x10", exec_jcc),
    F("\x74\x10", exec_jcc), F("\x75\x10", exec_jcc), F("\x76\x10", exec_jcc), F("\x77\x10", exec_jcc),
    F("\x78\x10", exec_jcc), F("\x79\x10", exec_jcc), F("\x7a\x10", exec_jcc), F("\x7b\x10", exec_jcc),
    F("\x7c\x10", exec_jcc), F("\x7d\x10", exec_jcc), F("\x7e\x10", exec_jcc), F("\x7f\xf0", exec_jcc),
    F("\x66\x74\x10", exec_jcc),   /* 66h is ignored by Jcc in 64-bit mode (Intel) */
    /* CMOVcc r, r, 32 and 64 bits */
    F("\x0f\x40\xc3", exec_cmovcc), F("\x48\x0f\x42\xc3", exec_cmovcc), F("\x0f\x44\xc3", exec_cmovcc),
    F("\x48\x0f\x47\xc3", exec_cmovcc), F("\x0f\x4a\xc3", exec_cmovcc), F("\x48\x0f\x4c\xc3", exec_cmovcc),
    F("\x0f\x4e\xc3", exec_cmovcc), F("\x48\x0f\x4f\xc3", exec_cmovcc), F("\x0f\x49\xc3", exec_cmovcc),
    /* shifts and rotates by an immediate */
    F("\xc1\xe0\x03", exec_shift), F("\x48\xc1\xe0\x03", exec_shift), F("\x48\xc1\xc0\x05", exec_shift),
    F("\xc1\xc8\x1f", exec_shift), F("\x48\xc1\xd0\x07", exec_shift), F("\xc1\xd8\x21", exec_shift),
    F("\x48\xc1\xe8\x3f", exec_shift), F("\xc1\xf8\x01", exec_shift), F("\x48\xc1\xe0\x40", exec_shift),
    F("\xc1\xe0\x00", exec_shift), F("\x48\xc1\xf8\xff", exec_shift), F("\xc1\xf0\x05", exec_shift),
    F("\x48\xc1\xd8\x41", exec_shift), F("\xc1\xd0\x1f", exec_shift), F("\x48\xc1\xc8\x3f", exec_shift),
    /* IMUL r, r */
    F("\x48\x0f\xaf\xc3", exec_imul), F("\x0f\xaf\xc3", exec_imul),
    /* PUSH/POP r64, CALL rel32, RET */
    F("\x53", exec_push), F("\x41\x55", exec_push), F("\x54", exec_push),
    F("\x5b", exec_pop), F("\x41\x5d", exec_pop), F("\x5c", exec_pop),
    F("\xc9", exec_leave), F("\x6a\x80", exec_push), F("\x68\x78\x56\x34\x12", exec_push), F("\x68\x00\x00\x00\x80", exec_push),
    F("\xeb\x10", exec_jmp), F("\xe9\x00\xff\xff\xff", exec_jmp),
    F("\xe8\x00\x01\x00\x00", exec_call), F("\xe8\x00\xff\xff\xff", exec_call), F("\xc3", exec_ret),
    F("\x0f\x84\x00\x01\x00\x00", exec_jcc), F("\x0f\x8f\x00\xff\xff\xff", exec_jcc),
};

static u64 rng = 0x9e3779b97f4a7c15ull;

static u64 next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Interesting operand values: random, small, sign and carry boundaries. */
static u64 operand(void)
{
    static const u64 edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff,
                                0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull };
    u64 r = next_rand();
    return (r & 3) ? next_rand() : edge[(r >> 2) % (sizeof(edge) / sizeof(edge[0]))];
}

struct snap {
    u64 gpr[16], rip, rflags;
    u8 mem[WINDOW];
};

static void take(struct snap *s)
{
    memcpy(s->gpr, H.cpu.gpr, sizeof(s->gpr));
    s->rip = H.cpu.rip;
    s->rflags = H.cpu.rflags;
    memcpy(s->mem, H.ram + DATA, WINDOW);
}

static void put(const struct snap *s)
{
    memcpy(H.cpu.gpr, s->gpr, sizeof(s->gpr));
    H.cpu.rip = s->rip;
    H.cpu.rflags = s->rflags;
    memcpy(H.ram + DATA, s->mem, WINDOW);
}

static void run(const struct insn *in)
{
    H.cpu.insn_rip = HARNESS_CODE;
    H.cpu.insn_rsp = H.cpu.gpr[RSP];
    H.cpu.cur = in;
    H.cpu.rip = HARNESS_CODE + in->len;   /* as the step loop does before the handler */
    in->exec(&H.cpu, in);
}

START_TEST(specialised_matches_generic)
{
    static struct snap before, fast, slow;
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        struct insn in, gen;
        ck_assert_int_eq(decode_insn(&H.cpu, (const u8 *)forms[f].bytes, forms[f].len, MODE_LONG64, &in),
                         DECODE_OK);
        ck_assert_msg(in.exec != forms[f].generic, "form %zu not specialised", f);
        gen = in;
        gen.exec = forms[f].generic;
        for (unsigned t = 0; t < 2000; t++) {
            for (unsigned r = 0; r < 16; r++)
                H.cpu.gpr[r] = operand();
            H.cpu.gpr[RBX] = DATA + (next_rand() & 0x7f8);
            H.cpu.gpr[RCX] = next_rand() & 0xff;
            H.cpu.gpr[RSP] = DATA + 0xc00 + (next_rand() & 0x1f8);
            H.cpu.gpr[RBP] = DATA + 0x800 + (next_rand() & 0x1f8);   /* LEAVE's frame */
            H.cpu.rflags = RFLAGS_FIXED1 | (next_rand() & RFLAGS_ARITH);
            for (unsigned i = 0; i < WINDOW; i += 8) {
                u64 v = operand();
                memcpy(H.ram + DATA + i, &v, 8);
            }
            u64 ret = operand() & 0x7fffffffffffull;   /* RET: a canonical target, no fault */
            memcpy(H.ram + H.cpu.gpr[RSP], &ret, 8);
            take(&before);
            run(&in);
            take(&fast);
            put(&before);
            run(&gen);
            take(&slow);
            ck_assert_msg(!memcmp(fast.gpr, slow.gpr, sizeof(fast.gpr)), "form %zu trial %u: GPRs differ", f, t);
            ck_assert_msg(fast.rflags == slow.rflags, "form %zu trial %u: RFLAGS %#llx != %#llx", f, t,
                          (unsigned long long)fast.rflags, (unsigned long long)slow.rflags);
            ck_assert_msg(fast.rip == slow.rip, "form %zu trial %u: RIP differs", f, t);
            ck_assert_msg(!memcmp(fast.mem, slow.mem, WINDOW), "form %zu trial %u: memory differs", f, t);
        }
    }
}
END_TEST

/* Forms the specialised handlers must leave alone keep their generic handler. */
START_TEST(other_forms_stay_generic)
{
    static const struct form keep[] = {
        F("\x00\xfc", exec_alu2),            /* add ah, bh: high-byte registers */
        F("\x00\x23", exec_alu2),            /* add [rbx], ah */
        F("\x64\x48\x01\x03", exec_alu2),    /* add fs:[rbx], rax: a segment with a base */
        F("\x67\x48\x01\x03", exec_alu2),    /* add [ebx], rax: 32-bit address */
        F("\xf0\x48\x01\x03", exec_alu2),    /* lock add */
        F("\x48\x11\xd8", exec_alu2),        /* adc */
        F("\x88\xfc", exec_mov_gpr),         /* mov ah, bh */
        F("\x66\x89\xd8", exec_mov_gpr),     /* mov ax, bx */
    };
    for (size_t f = 0; f < sizeof(keep) / sizeof(keep[0]); f++) {
        struct insn in;
        ck_assert_int_eq(decode_insn(&H.cpu, (const u8 *)keep[f].bytes, keep[f].len, MODE_LONG64, &in), DECODE_OK);
        ck_assert_msg(in.exec == keep[f].generic, "form %zu was specialised", f);
    }
    /* 32-bit mode Jcc keeps the generic handler (EIP wraps, CS limit). */
    struct insn in;
    ck_assert_int_eq(decode_insn(&H.cpu, (const u8 *)"\x74\x10", 2, MODE_PROT32, &in), DECODE_OK);
    ck_assert_ptr_eq(in.exec, exec_jcc);
}
END_TEST

/* Which instructions the chained run may call without writing its step state back
   (struct insn's `pure`, cpu/cpu.c): register-only and direct-path memory forms; branches and
   RIP-relative operands in the lane that keeps RIP; nothing that can fault on its own. */
START_TEST(pure_marking)
{
    static const struct {
        const char *bytes;
        unsigned len;
        u8 pure;
    } cases[] = {
        {"\x48\x01\xd8", 3, INSN_PURE},             /* add rax, rbx */
        {"\x48\x11\xd8", 3, INSN_PURE},             /* adc rax, rbx: generic, registers only */
        {"\x00\xfc", 2, INSN_PURE},                  /* add ah, bh: generic */
        {"\x48\x8b\x03", 3, INSN_PURE},             /* mov rax, [rbx]: direct path or undone */
        {"\x48\x89\x05\x00\x01\x00\x00", 7, INSN_PURE_RIP}, /* mov [rip+0x100], rax */
        {"\x64\x48\x01\x03", 4, 0},                /* add fs:[rbx], rax: generic with memory */
        {"\xf0\x48\x01\x03", 4, 0},                /* lock add */
        {"\x48\xf7\xf3", 3, 0},                     /* div rbx: #DE */
        {"\x48\x8d\x05\x00\x01\x00\x00", 7, INSN_PURE_RIP}, /* lea rax, [rip+0x100] */
        {"\x64\x48\x8b\x05\x00\x01\x00\x00", 8, 0}, /* mov rax, fs:[rip+0x100] */
        {"\x8d\x44\x8b\x10", 4, INSN_PURE},         /* lea eax, [rbx+rcx*4+0x10] */
        {"\x66\x0f\x1f\x44\x00\x00", 6, INSN_PURE}, /* nopw 0(rax,rax): no access */
        {"\x0f\xbc\xc3", 3, INSN_PURE},             /* bsf eax, ebx */
        {"\x48\xf7\xe3", 3, INSN_PURE},             /* mul rbx */
        {"\x53", 1, INSN_PURE},                       /* push rbx */
        {"\x75\x10", 2, INSN_PURE_RIP},           /* jnz */
        {"\xe8\x00\x01\x00\x00", 5, INSN_PURE_RIP}, /* call rel32 */
        {"\xc3", 1, INSN_PURE_RIP},                /* ret */
        {"\xff\xd0", 2, 0},                          /* call rax: generic */
        {"\x0f\x05", 2, 0},                          /* syscall: not chainable */
        {"\x8e\xd8", 2, 0},                          /* mov ds, eax */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct insn in;
        ck_assert_int_eq(decode_insn(&H.cpu, (const u8 *)cases[i].bytes, cases[i].len, MODE_LONG64, &in), DECODE_OK);
        ck_assert_msg(in.pure == cases[i].pure, "case %zu: pure %u, want %u", i, in.pure, cases[i].pure);
    }
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("exec_fast");
    TCase *tc = tcase_create("cross_check");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, specialised_matches_generic);
    tcase_add_test(tc, other_forms_stay_generic);
    tcase_add_test(tc, pure_marking);
    suite_add_tcase(s, tc);
    return s;
}
