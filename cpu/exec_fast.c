/* cpu/exec_fast.c — operand-specialised handlers for the commonest instruction forms, bound at
 * decode time by exec_fast_bind() in place of the generic handler. Each one is the generic
 * handler with the operand kinds and the size fixed, so no operand decoding happens at run
 * time; the flag computations are the shared cores of cpu/alu_core.h, so results are
 * bit-identical to the generic path (tests/unit/test_cpu_exec.c runs both). */
#include "cpu/exec_fast.h"

#include "cpu/alu.h"
#include "cpu/alu_core.h"
#include "cpu/exec.h"
#include "cpu/operand.h"

/* GPR writes of `sz` bytes: 32-bit ones zero-extend, 64-bit ones replace, 8- and 16-bit ones
   keep the rest of the register (SDM 1 §3.4.1.1). */
#define FAST_WR(c, r, sz, v)                                                                  \
    ((c)->gpr[r] = (sz) == 8 ? (u64)(v) : (sz) == 4 ? (u64)(u32)(v)                           \
                 : ((c)->gpr[r] & ~bits_mask_bytes(sz)) | ((u64)(v) & bits_mask_bytes(sz)))

/* A memory handler whose direct path failed (a TLB miss, a misaligned or guarded access):
   inside the chained run's pure lane (c->chain_try) it returns with nothing done, so the run
   can write the step state back and call it again for the full path, which may fault;
   elsewhere it falls through to that full path. */
#define FAST_TRY_MISS(c)                                                                      \
    do {                                                                                      \
        if ((c)->chain_try) {                                                                 \
            (c)->chain_try = CHAIN_MISSED;                                                    \
            (c)->chain_stop = 0;   /* one check after the handler sees both */                \
            return;                                                                           \
        }                                                                                     \
    } while (0)

/* ALU group 1 (SDM 2A "ADD", "SUB", "AND", "OR", "XOR", "CMP") and TEST, register
   destination, register or immediate source of the same size. */
#define FAST_ALU(name, sz, body_op, writes)                                                  \
    static void fast_##name##_rr##sz(struct cpu *c, const struct insn *in)                  \
    {                                                                                         \
        u64 a = c->gpr[in->op[0].reg], b = c->gpr[in->op[1].reg];                            \
        u64 r = body_op;                                                                      \
        if (writes)                                                                           \
            FAST_WR(c, in->op[0].reg, sz, r);                                                 \
    }                                                                                         \
    static void fast_##name##_ri##sz(struct cpu *c, const struct insn *in)                  \
    {                                                                                         \
        u64 a = c->gpr[in->op[0].reg], b = in->op[1].imm;                                    \
        u64 r = body_op;                                                                      \
        if (writes)                                                                           \
            FAST_WR(c, in->op[0].reg, sz, r);                                                 \
    }

#define FAST_LOGIC(sz, expr) ({ u64 r_ = (expr) & bits_mask_bytes(sz); alu_core_logic(sz, r_, &c->rflags); r_; })

/* The operations, by operand size (a and b in scope). */
#define OP_ADD(sz) alu_core_add(sz, a, b, 0, &c->rflags)
#define OP_SUB(sz) alu_core_sub(sz, a, b, 0, &c->rflags)
#define OP_AND(sz) FAST_LOGIC(sz, a & b)
#define OP_OR(sz) FAST_LOGIC(sz, a | b)
#define OP_XOR(sz) FAST_LOGIC(sz, a ^ b)

/* Every size, and tables of the handlers by size (index fast_size_index()). */
#define FAST_ALU_SIZES(name, op, writes)                                                      \
    FAST_ALU(name, 1, op(1), writes) FAST_ALU(name, 2, op(2), writes)                         \
    FAST_ALU(name, 4, op(4), writes) FAST_ALU(name, 8, op(8), writes)                         \
    static insn_fn *const fast_##name##_rr[4] = {fast_##name##_rr1, fast_##name##_rr2,      \
                                                 fast_##name##_rr4, fast_##name##_rr8};     \
    static insn_fn *const fast_##name##_ri[4] = {fast_##name##_ri1, fast_##name##_ri2,      \
                                                 fast_##name##_ri4, fast_##name##_ri8};

FAST_ALU_SIZES(add, OP_ADD, true)
FAST_ALU_SIZES(sub, OP_SUB, true)
FAST_ALU_SIZES(cmp, OP_SUB, false)
FAST_ALU_SIZES(and, OP_AND, true)
FAST_ALU_SIZES(or, OP_OR, true)
FAST_ALU_SIZES(xor, OP_XOR, true)
FAST_ALU_SIZES(test, OP_AND, false)

/* INC/DEC of a register: CF is preserved (SDM 2A "INC", "DEC"). */
#define FAST_INCDEC(sz)                                                                       \
    static void fast_inc_r##sz(struct cpu *c, const struct insn *in)                        \
    {                                                                                         \
        u64 cf = c->rflags & RFLAGS_CF;                                                       \
        u64 r = alu_core_add(sz, c->gpr[in->op[0].reg], 1, 0, &c->rflags);                   \
        c->rflags = (c->rflags & ~RFLAGS_CF) | cf;                                            \
        FAST_WR(c, in->op[0].reg, sz, r);                                                     \
    }                                                                                         \
    static void fast_dec_r##sz(struct cpu *c, const struct insn *in)                        \
    {                                                                                         \
        u64 cf = c->rflags & RFLAGS_CF;                                                       \
        u64 r = alu_core_sub(sz, c->gpr[in->op[0].reg], 1, 0, &c->rflags);                   \
        c->rflags = (c->rflags & ~RFLAGS_CF) | cf;                                            \
        FAST_WR(c, in->op[0].reg, sz, r);                                                     \
    }
FAST_INCDEC(4)
FAST_INCDEC(8)

/* MOV between registers, from an immediate, and between a register and memory (the memory
   path is flattened into the handler so the access size is a constant). */
#define FAST_MOV(sz)                                                                          \
    static void fast_mov_rr##sz(struct cpu *c, const struct insn *in)                       \
    {                                                                                         \
        FAST_WR(c, in->op[0].reg, sz, c->gpr[in->op[1].reg]);                                \
    }                                                                                         \
    static void fast_mov_ri##sz(struct cpu *c, const struct insn *in)                       \
    {                                                                                         \
        FAST_WR(c, in->op[0].reg, sz, in->op[1].imm);                                        \
    }                                                                                         \
    static __attribute__((flatten)) void fast_mov_rm##sz(struct cpu *c, const struct insn *in)                       \
    {                                                                                         \
        const struct opnd *m = &in->op[1];                                                    \
        u64 v = mem_read(c, m->seg, opnd_ea(c, in, m), sz);                                  \
        FAST_WR(c, in->op[0].reg, sz, v);                                                     \
    }                                                                                         \
    static __attribute__((flatten)) void fast_mov_mr##sz(struct cpu *c, const struct insn *in)                       \
    {                                                                                         \
        const struct opnd *m = &in->op[0];                                                    \
        mem_write(c, m->seg, opnd_ea(c, in, m), sz, c->gpr[in->op[1].reg]);                  \
    }
FAST_MOV(4)
FAST_MOV(8)

/* The `fast` bits a data access of each kind needs at each CPL: CPL 3 the user bit; below,
   the supervisor access both with and without RFLAGS.AC, so that RFLAGS need not be read. */
#define FAST_SUP(kind) (PAGING_PERM_BIT(kind, PAGING_SUP_SMAP) | PAGING_PERM_BIT(kind, PAGING_SUP_AC))
#define FAST_NEED(kind) {FAST_SUP(kind), FAST_SUP(kind), FAST_SUP(kind), PAGING_PERM_BIT(kind, PAGING_USER)}
static const u16 fast_need[2][4] = {[PAGING_READ] = FAST_NEED(PAGING_READ), [PAGING_WRITE] = FAST_NEED(PAGING_WRITE)};

/* The host address of an aligned data access of `size` bytes at la in 64-bit mode, when the
   TLB holds a translation that allows it directly (RAM, no write protection for decoded code,
   no watched breakpoint: the entry's `fast` bits), or NULL. An aligned access of at most 8
   bytes stays in one page and never raises #AC. There is no canonical check: translations
   are only ever made for canonical addresses and the TLB compares all of la >> 12, so a
   non-canonical la misses. Anything else (a miss, a non-canonical address, misalignment, a
   page SMAP guards) takes the full path (cpu/access.h), which faults as the architecture
   says. */
static inline __attribute__((always_inline)) u8 *fast_host64(struct cpu *c, la_t la, unsigned size,
                                                            enum paging_kind kind)
{
    if (unlikely(la & (size - 1)))
        return NULL;
    u64 vpn = la >> 12;
    u64 tag = c->tlb_tag;
    const struct tlb_entry *e = &c->tlb.e[tlb_index(vpn, tag)];
    if (unlikely(e->vpn != vpn || e->tag != tag))
        return NULL;
    unsigned need = fast_need[kind][c->cpl & 3];
    if (unlikely((e->fast & need) != need))
        return NULL;
    u8 *h = (u8 *)(e->host + (la & 0xfff));
    if (h == NULL)
        __builtin_unreachable();   /* `fast` bits are only ever set for RAM */
    return h;
}

/* The full paths of MOV r, m and MOV m, r after fast_host64 failed, out of line so that the
   direct paths need no stack frame. */
static __attribute__((noinline, cold)) void fast_mov_load_slow(struct cpu *c, const struct insn *in, la_t la,
                                                               unsigned sz)
{
    FAST_TRY_MISS(c);
    FAST_WR(c, in->op[0].reg, sz, mem_read(c, in->op[1].seg, la, sz));
}

static __attribute__((noinline, cold)) void fast_mov_store_slow(struct cpu *c, const struct insn *in, la_t la,
                                                                unsigned sz, u64 v)
{
    FAST_TRY_MISS(c);
    mem_write(c, in->op[0].seg, la, sz, v);
}

/* MOV r, m and MOV m, r in 64-bit mode with a 64-bit address and no FS/GS base (SDM 3A
   §3.4.4: the other segments' bases are 0): `bd` addresses base + displacement, `any` every
   other form of ModRM addressing. */
#define FAST_MOV64(sz, form, ea)                                                              \
    static void fast_mov_rm##sz##_##form(struct cpu *c, const struct insn *in)              \
    {                                                                                         \
        const struct opnd *m = &in->op[1];                                                    \
        u64 la = (ea);                                                                        \
        u8 *h = fast_host64(c, la, sz, PAGING_READ);                                          \
        if (unlikely(h == NULL)) {                                                            \
            fast_mov_load_slow(c, in, la, sz);                                                \
            return;                                                                           \
        }                                                                                     \
        FAST_WR(c, in->op[0].reg, sz, bits_load_le(h, sz));                                  \
    }                                                                                         \
    static void fast_mov_mr##sz##_##form(struct cpu *c, const struct insn *in)              \
    {                                                                                         \
        const struct opnd *m = &in->op[0];                                                    \
        u64 la = (ea);                                                                        \
        u64 v = c->gpr[in->op[1].reg];                                                        \
        u8 *h = fast_host64(c, la, sz, PAGING_WRITE);                                         \
        if (unlikely(h == NULL)) {                                                            \
            fast_mov_store_slow(c, in, la, sz, v);                                            \
            return;                                                                           \
        }                                                                                     \
        bits_store_le(h, sz, v);                                                              \
    }
#define FAST_MOV64_SIZES(form, ea) FAST_MOV64(4, form, ea) FAST_MOV64(8, form, ea)
FAST_MOV64_SIZES(bd, c->gpr[m->base] + m->disp)
FAST_MOV64_SIZES(any, opnd_ea(c, in, m))

/* MOV m, imm in the same 64-bit form (the immediate is already extended to the size). */
#define FAST_MOV64_MI(sz)                                                                     \
    static void fast_mov_mi##sz(struct cpu *c, const struct insn *in)                       \
    {                                                                                         \
        u64 la = opnd_ea(c, in, &in->op[0]);                                                  \
        u8 *h = fast_host64(c, la, sz, PAGING_WRITE);                                         \
        if (unlikely(h == NULL)) {                                                            \
            fast_mov_store_slow(c, in, la, sz, in->op[1].imm);                                \
            return;                                                                           \
        }                                                                                     \
        bits_store_le(h, sz, in->op[1].imm);                                                  \
    }
FAST_MOV64_MI(1) FAST_MOV64_MI(4) FAST_MOV64_MI(8)

/* ALU group 1 and TEST (sizes 1, 2, 4, 8), INC and DEC (sizes 4, 8) with a memory operand in
   64-bit mode (the operand as in FAST_MOV64's `any` form): the data goes through fast_host64 (a write
   translation when the instruction writes memory, which allows the read as well); when the TLB
   does not allow it directly, the generic handler runs the whole instruction, before anything
   was written. `rm`: register destination, memory source; `mr`/`mi`: memory destination,
   register or immediate source. */
#define FAST_ALU_MEM(name, sz, body_op, writes, generic)                                      \
    static void fast_##name##_rm##sz(struct cpu *c, const struct insn *in)                  \
    {                                                                                         \
        const u8 *h = fast_host64(c, opnd_ea(c, in, &in->op[1]), sz, PAGING_READ);          \
        if (unlikely(h == NULL)) {                                                            \
            FAST_TRY_MISS(c);                                                                 \
            generic(c, in);                                                                   \
            return;                                                                           \
        }                                                                                     \
        u64 a = c->gpr[in->op[0].reg], b = bits_load_le(h, sz);                              \
        u64 r = body_op;                                                                      \
        if (writes)                                                                           \
            FAST_WR(c, in->op[0].reg, sz, r);                                                 \
    }                                                                                         \
    static inline __attribute__((always_inline)) void fast_##name##_m##sz(struct cpu *c,    \
                                                                          const struct insn *in, u64 b) \
    {                                                                                         \
        u8 *h = fast_host64(c, opnd_ea(c, in, &in->op[0]), sz, (writes) ? PAGING_WRITE : PAGING_READ); \
        if (unlikely(h == NULL)) {                                                            \
            FAST_TRY_MISS(c);                                                                 \
            generic(c, in);                                                                   \
            return;                                                                           \
        }                                                                                     \
        u64 a = bits_load_le(h, sz);                                                          \
        u64 r = body_op;                                                                      \
        if (writes)                                                                           \
            bits_store_le(h, sz, r);                                                          \
    }                                                                                         \
    static void fast_##name##_mr##sz(struct cpu *c, const struct insn *in)                  \
    {                                                                                         \
        fast_##name##_m##sz(c, in, c->gpr[in->op[1].reg]);                                   \
    }                                                                                         \
    static void fast_##name##_mi##sz(struct cpu *c, const struct insn *in)                  \
    {                                                                                         \
        fast_##name##_m##sz(c, in, in->op[1].imm);                                           \
    }
#define FAST_ALU_MEM_SIZES(name, op, writes, generic)                                         \
    FAST_ALU_MEM(name, 1, op(1), writes, generic) FAST_ALU_MEM(name, 2, op(2), writes, generic) \
    FAST_ALU_MEM(name, 4, op(4), writes, generic) FAST_ALU_MEM(name, 8, op(8), writes, generic) \
    static insn_fn *const fast_##name##_rm[4] = {fast_##name##_rm1, fast_##name##_rm2,      \
                                                 fast_##name##_rm4, fast_##name##_rm8};     \
    static insn_fn *const fast_##name##_mr[4] = {fast_##name##_mr1, fast_##name##_mr2,      \
                                                 fast_##name##_mr4, fast_##name##_mr8};     \
    static insn_fn *const fast_##name##_mi[4] = {fast_##name##_mi1, fast_##name##_mi2,      \
                                                 fast_##name##_mi4, fast_##name##_mi8};

FAST_ALU_MEM_SIZES(add, OP_ADD, true, exec_alu2)
FAST_ALU_MEM_SIZES(sub, OP_SUB, true, exec_alu2)
FAST_ALU_MEM_SIZES(cmp, OP_SUB, false, exec_alu2)
FAST_ALU_MEM_SIZES(and, OP_AND, true, exec_alu2)
FAST_ALU_MEM_SIZES(or, OP_OR, true, exec_alu2)
FAST_ALU_MEM_SIZES(xor, OP_XOR, true, exec_alu2)
FAST_ALU_MEM_SIZES(test, OP_AND, false, exec_test)

/* INC/DEC of memory: CF is preserved. */
#define FAST_INCDEC_MEM(name, sz, core)                                                       \
    static void fast_##name##_m##sz(struct cpu *c, const struct insn *in)                   \
    {                                                                                         \
        u8 *h = fast_host64(c, opnd_ea(c, in, &in->op[0]), sz, PAGING_WRITE);                \
        if (unlikely(h == NULL)) {                                                            \
            FAST_TRY_MISS(c);                                                                 \
            exec_incdec(c, in);                                                               \
            return;                                                                           \
        }                                                                                     \
        u64 cf = c->rflags & RFLAGS_CF;                                                       \
        u64 r = core(sz, bits_load_le(h, sz), 1, 0, &c->rflags);                             \
        c->rflags = (c->rflags & ~RFLAGS_CF) | cf;                                            \
        bits_store_le(h, sz, r);                                                              \
    }
FAST_INCDEC_MEM(inc, 4, alu_core_add) FAST_INCDEC_MEM(inc, 8, alu_core_add)
FAST_INCDEC_MEM(dec, 4, alu_core_sub) FAST_INCDEC_MEM(dec, 8, alu_core_sub)

/* LEA with a 64-bit destination (the address is already truncated to the address size). */
static void fast_lea_r8(struct cpu *c, const struct insn *in)
{
    c->gpr[in->op[0].reg] = opnd_ea(c, in, &in->op[1]);
}

/* ... and with a 32-bit destination: the address's low 32 bits, zero-extended. */
static void fast_lea_r4(struct cpu *c, const struct insn *in)
{
    c->gpr[in->op[0].reg] = (u32)opnd_ea(c, in, &in->op[1]);
}

/* Condition codes 0..15 (SDM 1 App. B), inlined with a constant cc. */
static inline __attribute__((always_inline)) bool fast_cond(unsigned cc, u64 f)
{
    bool of = f & RFLAGS_OF, cf = f & RFLAGS_CF, zf = f & RFLAGS_ZF, sf = f & RFLAGS_SF;
    bool r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = f & RFLAGS_PF; break;
    case 6: r = sf != of; break;
    default: r = zf || sf != of; break;
    }
    return (cc & 1) ? !r : r;
}

/* Jcc rel in 64-bit mode with a 64-bit operand size; the target is checked for canonical
   form only when the branch is taken (SDM 2A "Jcc"); in the chained run's RIP lane a
   non-canonical target leaves the instruction undone for the full path to raise #GP. CMOVcc r, r (SDM 2A "CMOVcc"): a 32-bit
   destination is zero-extended even when the condition is false. */
#define FAST_CC(cc)                                                                           \
    static void fast_jcc_##cc(struct cpu *c, const struct insn *in)                         \
    {                                                                                         \
        u64 t_ = c->rip + in->op[0].imm;                                                      \
        if (fast_cond(cc, c->rflags)) {                                                       \
            if (unlikely(!bits_is_canonical(t_, c->la_width))) {                             \
                FAST_TRY_MISS(c);                                                             \
                cpu_fault(c, EXC_GP, 0);                                                      \
            }                                                                                 \
            c->rip = t_;                                                                      \
        }                                                                                     \
    }                                                                                         \
    static void fast_cmov_rr4_##cc(struct cpu *c, const struct insn *in)                    \
    {                                                                                         \
        unsigned d = in->op[0].reg;                                                           \
        c->gpr[d] = (u32)(fast_cond(cc, c->rflags) ? c->gpr[in->op[1].reg] : c->gpr[d]);     \
    }                                                                                         \
    static void fast_cmov_rr8_##cc(struct cpu *c, const struct insn *in)                    \
    {                                                                                         \
        if (fast_cond(cc, c->rflags))                                                         \
            c->gpr[in->op[0].reg] = c->gpr[in->op[1].reg];                                    \
    }                                                                                         \
    static void fast_setcc_r1_##cc(struct cpu *c, const struct insn *in)                    \
    {                                                                                         \
        unsigned d = in->op[0].reg;                                                           \
        c->gpr[d] = (c->gpr[d] & ~0xffull) | fast_cond(cc, c->rflags);                       \
    }
FAST_CC(0) FAST_CC(1) FAST_CC(2) FAST_CC(3) FAST_CC(4) FAST_CC(5) FAST_CC(6) FAST_CC(7)
FAST_CC(8) FAST_CC(9) FAST_CC(10) FAST_CC(11) FAST_CC(12) FAST_CC(13) FAST_CC(14) FAST_CC(15)

#define CC_TABLE(prefix) {                                                                    \
    prefix##0, prefix##1, prefix##2, prefix##3, prefix##4, prefix##5, prefix##6, prefix##7,   \
    prefix##8, prefix##9, prefix##10, prefix##11, prefix##12, prefix##13, prefix##14, prefix##15 }
static insn_fn *const fast_jcc[16] = CC_TABLE(fast_jcc_);
static insn_fn *const fast_cmov_rr4[16] = CC_TABLE(fast_cmov_rr4_);
static insn_fn *const fast_cmov_rr8[16] = CC_TABLE(fast_cmov_rr8_);
static insn_fn *const fast_setcc_r1[16] = CC_TABLE(fast_setcc_r1_);

/* Shifts and rotates of a register by an immediate count (SDM 2B "SAL/SAR/SHL/SHR",
   "RCL/RCR/ROL/ROR"): the generic semantics of alu_shift without operand decoding. */
#define FAST_SHIFT_OP(shop, sz)                                                                 \
    static void fast_shift##shop##_ri##sz(struct cpu *c, const struct insn *in)               \
    {                                                                                         \
        unsigned d = in->op[0].reg;                                                           \
        u64 r = alu_core_shift(shop, sz, c->gpr[d], (unsigned)in->op[1].imm, &c->rflags);      \
        FAST_WR(c, d, sz, r);                                                                 \
    }
#define FAST_SHIFT(sz)                                                                        \
    FAST_SHIFT_OP(0, sz) FAST_SHIFT_OP(1, sz) FAST_SHIFT_OP(2, sz) FAST_SHIFT_OP(3, sz)       \
    FAST_SHIFT_OP(4, sz) FAST_SHIFT_OP(5, sz) FAST_SHIFT_OP(6, sz) FAST_SHIFT_OP(7, sz)       \
    static insn_fn *const fast_shift_ri##sz[8] = {                                            \
        fast_shift0_ri##sz, fast_shift1_ri##sz, fast_shift2_ri##sz, fast_shift3_ri##sz,       \
        fast_shift4_ri##sz, fast_shift5_ri##sz, fast_shift6_ri##sz, fast_shift7_ri##sz };     \
    static void fast_imul_rr##sz(struct cpu *c, const struct insn *in)                      \
    {                                                                                         \
        unsigned d = in->op[0].reg;                                                           \
        FAST_WR(c, d, sz, alu_core_imul_lo(sz, c->gpr[d], c->gpr[in->op[1].reg], &c->rflags)); \
    }
FAST_SHIFT(4)
FAST_SHIFT(8)

/* PUSH/POP of a 64-bit register, near JMP/CALL rel and RET in 64-bit mode (SDM 2B "PUSH",
   "POP", 2A "JMP", "CALL", "RET"): the stack is 64-bit there and SS has no base, so the slot goes through
   fast_host64; a miss, a misaligned RSP or a non-canonical one (#SS) takes the full path. */
static void fast_push_r8(struct cpu *c, const struct insn *in)
{
    u64 v = c->gpr[in->op[0].reg], sp = c->gpr[RSP] - 8;   /* PUSH RSP pushes the old value */
    u8 *h = fast_host64(c, sp, 8, PAGING_WRITE);
    if (unlikely(h == NULL)) {
        FAST_TRY_MISS(c);
        stack_push(c, 8, v);
        return;
    }
    bits_store_le(h, 8, v);
    c->gpr[RSP] = sp;
}

static void fast_push_i8(struct cpu *c, const struct insn *in)
{
    u64 sp = c->gpr[RSP] - 8;   /* the immediate is already sign-extended to 64 bits */
    u8 *h = fast_host64(c, sp, 8, PAGING_WRITE);
    if (unlikely(h == NULL)) {
        FAST_TRY_MISS(c);
        stack_push(c, 8, in->op[0].imm);
        return;
    }
    bits_store_le(h, 8, in->op[0].imm);
    c->gpr[RSP] = sp;
}

/* LEAVE with a 64-bit operand size (SDM 2A "LEAVE"): RSP = RBP, then POP RBP. */
static void fast_leave8(struct cpu *c, const struct insn *in)
{
    u64 bp = c->gpr[RBP];
    const u8 *h = fast_host64(c, bp, 8, PAGING_READ);
    if (unlikely(h == NULL)) {
        FAST_TRY_MISS(c);
        exec_leave(c, in);
        return;
    }
    c->gpr[RSP] = bp + 8;
    c->gpr[RBP] = bits_load_le(h, 8);
}

static void fast_pop_r8(struct cpu *c, const struct insn *in)
{
    u64 sp = c->gpr[RSP];
    const u8 *h = fast_host64(c, sp, 8, PAGING_READ);
    u64 v;
    if (likely(h != NULL)) {
        v = bits_load_le(h, 8);
    } else {
        FAST_TRY_MISS(c);
        v = stack_peek(c, 8, 0);
    }
    c->gpr[RSP] = sp + 8;
    c->gpr[in->op[0].reg] = v;   /* POP RSP loads the popped value */
}

/* A near branch target in 64-bit mode with a 64-bit operand size must be canonical, or #GP(0)
   (branch_check); in the chained run's RIP lane the instruction is left undone instead,
   for the full path to raise it. */
#define FAST_BRANCH_CHECK(c, t)                                                               \
    do {                                                                                      \
        if (unlikely(!bits_is_canonical((t), (c)->la_width))) {                              \
            FAST_TRY_MISS(c);                                                                 \
            cpu_fault((c), EXC_GP, 0);                                                        \
        }                                                                                     \
    } while (0)

static void fast_jmp_rel8(struct cpu *c, const struct insn *in)
{
    u64 t = c->rip + in->op[0].imm;
    FAST_BRANCH_CHECK(c, t);
    c->rip = t;
}

static void fast_call_rel8(struct cpu *c, const struct insn *in)
{
    u64 t = c->rip + in->op[0].imm;
    FAST_BRANCH_CHECK(c, t);   /* a bad target faults before the push */
    u64 sp = c->gpr[RSP] - 8;
    u8 *h = fast_host64(c, sp, 8, PAGING_WRITE);
    if (likely(h != NULL)) {
        bits_store_le(h, 8, c->rip);
        c->gpr[RSP] = sp;
    } else {
        FAST_TRY_MISS(c);
        stack_push(c, 8, c->rip);
    }
    c->rip = t;
}

static void fast_ret8(struct cpu *c, const struct insn *in)
{
    (void)in;
    u64 sp = c->gpr[RSP], t;
    const u8 *h = fast_host64(c, sp, 8, PAGING_READ);
    if (likely(h != NULL)) {
        t = bits_load_le(h, 8);
    } else {
        FAST_TRY_MISS(c);
        t = stack_peek(c, 8, 0);
    }
    FAST_BRANCH_CHECK(c, t);
    c->rip = t;
    c->gpr[RSP] = sp + 8;
}

static bool is_gpr(const struct opnd *o, unsigned size)
{
    return o->kind == OPND_REG && o->regc == REGC_GPR && o->size == size;
}

static bool is_imm(const struct opnd *o, unsigned size)
{
    return o->kind == OPND_IMM && o->size == size;
}

static bool is_mem(const struct opnd *o, unsigned size)
{
    return o->kind == OPND_MEM && o->size == size;
}

/* A memory operand of 64-bit mode with a 64-bit address and a segment without base. */
static bool mem64_form(const struct insn *in, const struct opnd *o)
{
    return in->mode == MODE_LONG64 && in->addrsize == 8 && o->seg < SEG_FS;
}

/* ... addressed as base register + displacement. */
static bool mem64_bd(const struct opnd *o)
{
    return o->base < OPND_BASE_RIP && o->index == OPND_BASE_NONE;
}

/* Index of an operand size in the handler tables: 1, 2, 4, 8 -> 0..3. */
static unsigned fast_size_index(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

/* The ALU handler of `name` for operands (r, r), (r, imm), (r, m), (m, r) or (m, imm) of one
   size in 1, 2, 4, 8 (memory in the 64-bit form of mem64_form), or none. */
#define PICK_ALU(name)                                                                        \
    do {                                                                                      \
        unsigned z_ = d->size;                                                                \
        if (z_ != 1 && z_ != 2 && z_ != 4 && z_ != 8)                                         \
            return;                                                                           \
        unsigned i_ = fast_size_index(z_);                                                    \
        if (is_gpr(d, z_) && is_gpr(s, z_)) in->exec = fast_##name##_rr[i_], in->pure = INSN_PURE; \
        else if (is_gpr(d, z_) && is_imm(s, z_)) in->exec = fast_##name##_ri[i_], in->pure = INSN_PURE; \
        else if (is_gpr(d, z_) && is_mem(s, z_) && mem64_form(in, s)) in->exec = fast_##name##_rm[i_]; \
        else if (is_mem(d, z_) && is_gpr(s, z_) && mem64_form(in, d)) in->exec = fast_##name##_mr[i_]; \
        else if (is_mem(d, z_) && is_imm(s, z_) && mem64_form(in, d)) in->exec = fast_##name##_mi[i_]; \
        return;                                                                               \
    } while (0)

static void fast_pick(struct insn *in)
{
    if (in->flags & (INSN_LOCK | INSN_REP | INSN_REPNE))
        return;
    const struct opnd *d = &in->op[0], *s = &in->op[1];
    if (in->exec == exec_alu2 && in->nopnds == 2) {
        switch (in->sub) {
        case SUB_ADD: PICK_ALU(add);
        case SUB_SUB: PICK_ALU(sub);
        case SUB_CMP: PICK_ALU(cmp);
        case SUB_AND: PICK_ALU(and);
        case SUB_OR: PICK_ALU(or);
        case SUB_XOR: PICK_ALU(xor);
        default: return;
        }
    }
    if (in->exec == exec_test && in->nopnds == 2)
        PICK_ALU(test);
    if (in->exec == exec_incdec && in->nopnds == 1) {
        bool inc = in->sub == SUB_INC;
        in->pure = is_gpr(d, 4) || is_gpr(d, 8) ? INSN_PURE : 0;
        if (is_gpr(d, 4))
            in->exec = inc ? fast_inc_r4 : fast_dec_r4;
        else if (is_gpr(d, 8))
            in->exec = inc ? fast_inc_r8 : fast_dec_r8;
        else if (is_mem(d, 4) && mem64_form(in, d))
            in->exec = inc ? fast_inc_m4 : fast_dec_m4;
        else if (is_mem(d, 8) && mem64_form(in, d))
            in->exec = inc ? fast_inc_m8 : fast_dec_m8;
        return;
    }
    if (in->exec == exec_mov_gpr && in->nopnds == 2) {
        for (unsigned z = 4; z <= 8; z += 4)   /* the register and immediate forms below */
            if (is_gpr(d, z) && (is_gpr(s, z) || is_imm(s, z)))
                in->pure = INSN_PURE;
        if (is_gpr(d, 4) && is_gpr(s, 4)) in->exec = fast_mov_rr4;
        else if (is_gpr(d, 8) && is_gpr(s, 8)) in->exec = fast_mov_rr8;
        else if (is_gpr(d, 4) && is_imm(s, 4)) in->exec = fast_mov_ri4;
        else if (is_gpr(d, 8) && is_imm(s, 8)) in->exec = fast_mov_ri8;
        else if (is_gpr(d, 4) && is_mem(s, 4)) in->exec = mem64_form(in, s) ? fast_mov_rm4_any : fast_mov_rm4;
        else if (is_gpr(d, 8) && is_mem(s, 8)) in->exec = mem64_form(in, s) ? fast_mov_rm8_any : fast_mov_rm8;
        else if (is_mem(d, 4) && is_gpr(s, 4)) in->exec = mem64_form(in, d) ? fast_mov_mr4_any : fast_mov_mr4;
        else if (is_mem(d, 8) && is_gpr(s, 8)) in->exec = mem64_form(in, d) ? fast_mov_mr8_any : fast_mov_mr8;
        else if (is_mem(d, 1) && is_imm(s, 1) && mem64_form(in, d)) in->exec = fast_mov_mi1;
        else if (is_mem(d, 4) && is_imm(s, 4) && mem64_form(in, d)) in->exec = fast_mov_mi4;
        else if (is_mem(d, 8) && is_imm(s, 8) && mem64_form(in, d)) in->exec = fast_mov_mi8;
        if (in->exec == fast_mov_rm4_any && mem64_bd(s)) in->exec = fast_mov_rm4_bd;
        if (in->exec == fast_mov_rm8_any && mem64_bd(s)) in->exec = fast_mov_rm8_bd;
        if (in->exec == fast_mov_mr4_any && mem64_bd(d)) in->exec = fast_mov_mr4_bd;
        if (in->exec == fast_mov_mr8_any && mem64_bd(d)) in->exec = fast_mov_mr8_bd;
        return;
    }
    if (in->exec == exec_lea && in->nopnds == 2 && (is_gpr(d, 8) || is_gpr(d, 4)) && s->kind == OPND_MEM) {
        in->exec = d->size == 8 ? fast_lea_r8 : fast_lea_r4;
        in->pure = s->base != OPND_BASE_RIP ? INSN_PURE : INSN_PURE_RIP;
        return;
    }
    bool long64 = in->mode == MODE_LONG64 && in->opsize == 8;
    if (in->exec == exec_jcc && long64 && (in->flags & INSN_REL)) {
        in->exec = fast_jcc[in->cc & 15];
        in->pure = INSN_PURE_RIP;
        return;
    }
    if (in->exec == exec_cmovcc && in->nopnds == 2) {
        if (is_gpr(d, 4) && is_gpr(s, 4)) in->exec = fast_cmov_rr4[in->cc & 15];
        else if (is_gpr(d, 8) && is_gpr(s, 8)) in->exec = fast_cmov_rr8[in->cc & 15];
        in->pure = in->exec != exec_cmovcc ? INSN_PURE : 0;
        return;
    }
    if (in->exec == exec_setcc && in->nopnds == 1 && is_gpr(d, 1)) {
        in->exec = fast_setcc_r1[in->cc & 15];
        in->pure = INSN_PURE;
        return;
    }
    if (in->exec == exec_shift && in->nopnds == 2 && s->kind == OPND_IMM) {
        unsigned op = (unsigned)(in->sub - SUB_ROL) & 7;
        if (is_gpr(d, 4)) in->exec = fast_shift_ri4[op];
        else if (is_gpr(d, 8)) in->exec = fast_shift_ri8[op];
        in->pure = in->exec != exec_shift ? INSN_PURE : 0;
        return;
    }
    if (in->exec == exec_imul && in->nopnds == 2) {
        if (is_gpr(d, 4) && is_gpr(s, 4)) in->exec = fast_imul_rr4;
        else if (is_gpr(d, 8) && is_gpr(s, 8)) in->exec = fast_imul_rr8;
        in->pure = in->exec != exec_imul ? INSN_PURE : 0;
        return;
    }
    if (in->exec == exec_push && long64 && in->nopnds == 1 && is_gpr(d, 8)) {
        in->exec = fast_push_r8;
        return;
    }
    if (in->exec == exec_push && long64 && in->nopnds == 1 && d->kind == OPND_IMM) {
        in->exec = fast_push_i8;
        return;
    }
    if (in->exec == exec_leave && long64) {
        in->exec = fast_leave8;
        return;
    }
    if (in->exec == exec_pop && long64 && in->nopnds == 1 && is_gpr(d, 8)) {
        in->exec = fast_pop_r8;
        return;
    }
    if (in->exec == exec_jmp && long64 && (in->flags & INSN_REL) && !(in->flags & INSN_FAR)) {
        in->exec = fast_jmp_rel8;
        in->pure = INSN_PURE_RIP;
        return;
    }
    if (in->exec == exec_call && long64 && (in->flags & INSN_REL) && !(in->flags & INSN_FAR)) {
        in->exec = fast_call_rel8;
        in->pure = INSN_PURE_RIP;
        return;
    }
    if (in->exec == exec_ret && long64 && in->nopnds == 0) {
        in->exec = fast_ret8;
        in->pure = INSN_PURE_RIP;
    }
}

/* Generic handlers that only compute on general-purpose registers, memory, the arithmetic
   flags and RIP (near transfers): nothing the fetch depends on (SDM 3A §2.5 CR0/CR4, §5.5
   CPL, §4.10 TLB, 3B §18.3 debug). */
static bool fast_chainable(const struct insn *in)
{
    insn_fn *const plain[] = {
        exec_mov_gpr, exec_movzx, exec_movsx, exec_lea, exec_xchg, exec_cmovcc, exec_setcc,
        exec_bswap, exec_cbw, exec_cwd, exec_nop, exec_alu2, exec_test, exec_incdec, exec_neg,
        exec_not, exec_shift, exec_shxd, exec_mul, exec_imul, exec_bt, exec_bitscan, exec_xadd,
        exec_cmpxchg, exec_jcc, exec_ret, exec_leave,
    };
    if (in->flags & (INSN_REP | INSN_REPNE | INSN_FAR | INSN_CROSS))
        return false;
    for (unsigned i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        if (in->exec == plain[i])
            return true;
    const struct opnd *d = &in->op[0];
    bool gpr_or_mem = d->kind == OPND_MEM || (d->kind == OPND_REG && (d->regc == REGC_GPR || d->regc == REGC_GPR8H));
    if (in->exec == exec_jmp || in->exec == exec_call || in->exec == exec_push)
        return in->nopnds == 0 || d->kind != OPND_REG || d->regc != REGC_SEG;
    if (in->exec == exec_pop)
        return gpr_or_mem;   /* POP Sreg loads a segment (and POP SS sets an interrupt shadow) */
    return false;
}

/* The lane of the chained run (struct insn's `pure`) for the handlers that either complete
   the instruction without faulting or leave it undone (FAST_TRY_MISS): the 64-bit-mode
   memory forms; INSN_PURE_RIP when the address is RIP-relative (that lane keeps RIP), else
   INSN_PURE; 0 for other handlers. */
static unsigned fast_try_lane(const struct insn *in)
{
    insn_fn *const mem[] = {
        fast_mov_rm4_bd, fast_mov_rm8_bd, fast_mov_mr4_bd, fast_mov_mr8_bd,
        fast_mov_rm4_any, fast_mov_rm8_any, fast_mov_mr4_any, fast_mov_mr8_any,
        fast_inc_m4, fast_inc_m8, fast_dec_m4, fast_dec_m8, fast_mov_mi1, fast_mov_mi4, fast_mov_mi8,
    };
    if (in->exec == fast_push_r8 || in->exec == fast_pop_r8 || in->exec == fast_push_i8 ||
        in->exec == fast_leave8)
        return INSN_PURE;
    bool listed = false;
    for (unsigned i = 0; i < sizeof(mem) / sizeof(mem[0]); i++)
        listed |= in->exec == mem[i];
    insn_fn *const *alu[] = {fast_add_rm, fast_add_mr, fast_add_mi, fast_sub_rm, fast_sub_mr, fast_sub_mi,
                             fast_cmp_rm, fast_cmp_mr, fast_cmp_mi, fast_and_rm, fast_and_mr, fast_and_mi,
                             fast_or_rm, fast_or_mr, fast_or_mi, fast_xor_rm, fast_xor_mr, fast_xor_mi,
                             fast_test_rm, fast_test_mr, fast_test_mi};
    for (unsigned i = 0; i < sizeof(alu) / sizeof(alu[0]); i++)
        for (unsigned z = 0; z < 4; z++)
            listed |= in->exec == alu[i][z];
    if (!listed)
        return 0;
    for (unsigned i = 0; i < in->nopnds; i++)
        if (in->op[i].kind == OPND_MEM && in->op[i].base == OPND_BASE_RIP)
            return INSN_PURE_RIP;
    return INSN_PURE;
}

/* Generic handlers that, given no memory operand (LEA and NOP never access theirs), only
   compute on general registers and flags: nothing they do can fault (SDM 2A/2B: MUL/IMUL,
   the bit scans and the rest raise nothing on register operands; LOCK is excluded). */
static bool fast_generic_pure(const struct insn *in)
{
    insn_fn *const regs[] = {
        exec_mov_gpr, exec_movzx, exec_movsx, exec_xchg, exec_cmovcc, exec_setcc, exec_bswap,
        exec_cbw, exec_cwd, exec_alu2, exec_test, exec_incdec, exec_neg, exec_not, exec_shift,
        exec_shxd, exec_mul, exec_imul, exec_bt, exec_bitscan, exec_xadd, exec_cmpxchg,
    };
    if (in->flags & (INSN_LOCK | INSN_REP | INSN_REPNE))
        return false;
    if (in->exec == exec_nop)
        return true;
    if (in->exec == exec_lea)
        return in->op[1].base != OPND_BASE_RIP;
    bool listed = false;
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        listed |= in->exec == regs[i];
    for (unsigned i = 0; listed && i < in->nopnds; i++)
        listed = in->op[i].kind == OPND_REG || in->op[i].kind == OPND_IMM;
    return listed;
}

/* Binds the specialised handler and marks chainable instructions (INSN_CHAIN, cpu/insn.h):
   the decision is taken on the generic handler, which every specialised one implements.
   fast_pick marks the handlers that compute on registers and flags only (in->pure); the
   chained run counts on every chainable instruction costing at least one cycle. */
void exec_fast_bind(struct insn *in)
{
    in->pure = 0;
    if (fast_chainable(in) && in->cycles >= 1)
        in->flags |= INSN_CHAIN;
    insn_fn *generic = in->exec;
    fast_pick(in);
    if (fast_try_lane(in))
        in->pure = (u8)fast_try_lane(in);
    if (in->exec == generic && fast_generic_pure(in))
        in->pure = INSN_PURE;
    if (!(in->flags & INSN_CHAIN))
        in->pure = 0;
}
