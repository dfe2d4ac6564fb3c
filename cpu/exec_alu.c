/* cpu/exec_alu.c — arithmetic, logic, shifts, multiply/divide, bit tests and scans,
 * XADD/CMPXCHG (SDM 2A/2B). Semantics live in cpu/alu.c; this file is operand plumbing. */
#include "cpu/alu.h"
#include "cpu/exec.h"
#include "cpu/operand.h"

typedef u64 alu2_fn(unsigned size, u64 a, u64 b, u64 *rf);

void exec_alu2(struct cpu *c, const struct insn *in)
{
    static alu2_fn *const ops[] = {
        [SUB_ADD] = alu_add, [SUB_OR] = alu_or, [SUB_ADC] = alu_adc, [SUB_SBB] = alu_sbb,
        [SUB_AND] = alu_and, [SUB_SUB] = alu_sub, [SUB_XOR] = alu_xor, [SUB_CMP] = alu_sub,
    };
    unsigned size = in->op[0].size;
    if (in->sub == SUB_CMP) {
        u64 a = opnd_read(c, in, 0);
        alu_sub(size, a, bits_sext_bytes(opnd_read(c, in, 1), in->op[1].size) & bits_mask_bytes(size), &c->rflags);
        return;
    }
    struct rmw r;
    u64 a = opnd_read_rmw(c, in, 0, &r);
    u64 b = bits_sext_bytes(opnd_read(c, in, 1), in->op[1].size);
    opnd_write_rmw(c, in, 0, &r, ops[in->sub](size, a, b, &c->rflags));
}

void exec_test(struct cpu *c, const struct insn *in)
{
    unsigned size = in->op[0].size;
    alu_and(size, opnd_read(c, in, 0), bits_sext_bytes(opnd_read(c, in, 1), in->op[1].size), &c->rflags);
}

void exec_incdec(struct cpu *c, const struct insn *in)
{
    struct rmw r;
    unsigned size = in->op[0].size;
    u64 a = opnd_read_rmw(c, in, 0, &r);
    opnd_write_rmw(c, in, 0, &r, in->sub == SUB_INC ? alu_inc(size, a, &c->rflags) : alu_dec(size, a, &c->rflags));
}

void exec_neg(struct cpu *c, const struct insn *in)
{
    struct rmw r;
    u64 a = opnd_read_rmw(c, in, 0, &r);
    opnd_write_rmw(c, in, 0, &r, alu_neg(in->op[0].size, a, &c->rflags));
}

void exec_not(struct cpu *c, const struct insn *in)
{
    struct rmw r;
    u64 a = opnd_read_rmw(c, in, 0, &r);
    opnd_write_rmw(c, in, 0, &r, ~a & bits_mask_bytes(in->op[0].size));
}

void exec_shift(struct cpu *c, const struct insn *in)
{
    struct rmw r;
    unsigned count = in->nopnds > 1 ? (unsigned)opnd_read(c, in, 1) : 1;
    u64 a = opnd_read_rmw(c, in, 0, &r);
    opnd_write_rmw(c, in, 0, &r, alu_shift(in->sub - SUB_ROL, in->op[0].size, a, count, &c->rflags));
}

void exec_shxd(struct cpu *c, const struct insn *in)
{
    struct rmw r;
    unsigned count = (unsigned)opnd_read(c, in, 2);
    u64 b = opnd_read(c, in, 1);
    u64 a = opnd_read_rmw(c, in, 0, &r);
    opnd_write_rmw(c, in, 0, &r, alu_shxd(in->sub == SUB_SHL, in->op[0].size, a, b, count, &c->rflags));
}

/* One-operand MUL/IMUL: AL/AX/EAX/RAX times r/m into AX, DX:AX, EDX:EAX, RDX:RAX. */
static void mul_wide(struct cpu *c, const struct insn *in, bool sign)
{
    unsigned size = in->op[0].size;
    u64 src = opnd_read(c, in, 0), hi;
    u64 lo = (sign ? alu_imul : alu_mul)(size, c->gpr[RAX], src, &hi, &c->rflags);
    if (size == 1) {
        gpr_write(c, RAX, 2, lo | hi << 8);
    } else {
        gpr_write(c, RAX, size, lo);
        gpr_write(c, RDX, size, hi);
    }
}

void exec_mul(struct cpu *c, const struct insn *in)
{
    mul_wide(c, in, false);
}

void exec_imul(struct cpu *c, const struct insn *in)
{
    if (in->nopnds == 1) {
        mul_wide(c, in, true);
        return;
    }
    unsigned size = in->op[0].size;
    u64 a = in->nopnds == 3 ? opnd_read(c, in, 1) : opnd_read(c, in, 0);
    const struct opnd *bo = &in->op[in->nopnds == 3 ? 2 : 1];
    u64 b = in->nopnds == 3 ? bits_sext_bytes(bo->imm, bo->size ? bo->size : size) : opnd_read(c, in, 1);
    u64 hi;
    opnd_write(c, in, 0, alu_imul(size, a, b, &hi, &c->rflags));
}

static void div_common(struct cpu *c, const struct insn *in, bool sign)
{
    unsigned size = in->op[0].size;
    u64 d = opnd_read(c, in, 0), q, r;
    u64 hi = size == 1 ? (c->gpr[RAX] >> 8) & 0xff : c->gpr[RDX];
    u64 lo = c->gpr[RAX];
    if (!(sign ? alu_idiv : alu_div)(size, hi, lo, d, &q, &r))
        cpu_fault(c, EXC_DE, 0);
    if (size == 1) {
        gpr_write(c, RAX, 2, (q & 0xff) | (r & 0xff) << 8);
    } else {
        gpr_write(c, RAX, size, q);
        gpr_write(c, RDX, size, r);
    }
}

void exec_div(struct cpu *c, const struct insn *in)
{
    div_common(c, in, false);
}

void exec_idiv(struct cpu *c, const struct insn *in)
{
    div_common(c, in, true);
}

/* BT/BTS/BTR/BTC: with a register offset and a memory operand, the offset selects any bit
 * relative to the address (SDM 2A "BT"). */
void exec_bt(struct cpu *c, const struct insn *in)
{
    const struct opnd *d = &in->op[0];
    unsigned size = d->size, bits = size * 8;
    u64 off = opnd_read(c, in, 1);
    if (d->kind == OPND_MEM && in->op[1].kind == OPND_REG) {
        i64 soff = (i64)bits_sext_bytes(off, in->op[1].size);
        i64 byte = (soff >> (size == 8 ? 6 : size == 4 ? 5 : 4)) * (i64)size;
        u64 ea = (opnd_ea(c, in, d) + (u64)byte) & bits_mask_bytes(in->addrsize);
        unsigned bit = (unsigned)(soff & (bits - 1));
        u64 v;
        if (in->sub == SUB_BT) {
            v = mem_read(c, d->seg, ea, size);
        } else {
            la_t la = access_seg_la(c, d->seg, ea, size, true);
            access_probe_write(c, la, size, access_data_priv(c));
            v = mem_read(c, d->seg, ea, size);
        }
        c->rflags = (c->rflags & ~RFLAGS_CF) | ((v >> bit) & 1);
        if (in->sub == SUB_BTS) v |= 1ull << bit;
        if (in->sub == SUB_BTR) v &= ~(1ull << bit);
        if (in->sub == SUB_BTC) v ^= 1ull << bit;
        if (in->sub != SUB_BT)
            mem_write(c, d->seg, ea, size, v);
        return;
    }
    unsigned bit = (unsigned)(off & (bits - 1));
    struct rmw r;
    u64 v = opnd_read_rmw(c, in, 0, &r);
    c->rflags = (c->rflags & ~RFLAGS_CF) | ((v >> bit) & 1);
    if (in->sub == SUB_BT)
        return;
    if (in->sub == SUB_BTS) v |= 1ull << bit;
    if (in->sub == SUB_BTR) v &= ~(1ull << bit);
    if (in->sub == SUB_BTC) v ^= 1ull << bit;
    opnd_write_rmw(c, in, 0, &r, v);
}

void exec_bitscan(struct cpu *c, const struct insn *in)
{
    unsigned size = in->op[0].size, bits = size * 8;
    u64 v = opnd_read(c, in, 1) & bits_mask_bytes(size);
    u64 f = c->rflags & ~RFLAGS_ARITH;
    u64 res;
    switch (in->sub) {
    case SUB_BSF:
    case SUB_BSR:
        if (!v) {
            /* Source 0: ZF = 1, destination unchanged (Intel leaves it; 32-bit writes do not
               clear the upper half). */
            c->rflags = f | RFLAGS_ZF;
            return;
        }
        res = in->sub == SUB_BSF ? (u64)__builtin_ctzll(v) : (u64)(63 - __builtin_clzll(v));
        c->rflags = f;
        break;
    case SUB_TZCNT:
        res = v ? (u64)__builtin_ctzll(v) : bits;
        c->rflags = f | (res == bits ? RFLAGS_CF : 0) | (res == 0 ? RFLAGS_ZF : 0);
        break;
    case SUB_LZCNT:
        res = v ? (u64)(__builtin_clzll(v) - (64 - bits)) : bits;
        c->rflags = f | (res == bits ? RFLAGS_CF : 0) | (res == 0 ? RFLAGS_ZF : 0);
        break;
    default: /* POPCNT */
        res = (u64)__builtin_popcountll(v);
        c->rflags = f | (v == 0 ? RFLAGS_ZF : 0);
        break;
    }
    opnd_write(c, in, 0, res);
}

void exec_xadd(struct cpu *c, const struct insn *in)
{
    struct rmw r;
    unsigned size = in->op[0].size;
    u64 a = opnd_read_rmw(c, in, 0, &r);
    u64 b = opnd_read(c, in, 1);
    u64 sum = alu_add(size, a, b, &c->rflags);
    opnd_write(c, in, 1, a);
    opnd_write_rmw(c, in, 0, &r, sum);
}

void exec_cmpxchg(struct cpu *c, const struct insn *in)
{
    struct rmw r;
    unsigned size = in->op[0].size;
    u64 dst = opnd_read_rmw(c, in, 0, &r);
    u64 acc = gpr_read(c, RAX, size);
    alu_sub(size, acc, dst, &c->rflags);
    if (acc == dst) {
        opnd_write_rmw(c, in, 0, &r, opnd_read(c, in, 1));
    } else {
        /* A memory destination is written back with its own value (a locked RMW on hardware);
           a register destination is left alone: a 32-bit one keeps its upper half, as on
           Intel and AMD parts (the SDM's "DEST := TEMP" does not zero-extend it). */
        if (r.mem)
            opnd_write_rmw(c, in, 0, &r, dst);
        gpr_write(c, RAX, size, dst);
    }
}

void exec_cmpxchg8b(struct cpu *c, const struct insn *in)
{
    const struct opnd *o = &in->op[0];
    bool wide = in->opsize == 8 && c->mode == MODE_LONG64 && o->size == 16;
    if (wide && !model_has(&c->model, FEAT_CX16))
        cpu_fault(c, EXC_UD, 0);   /* CMPXCHG16B exists only with CPUID.01H:ECX.CX16 */
    unsigned half = wide ? 8 : 4;
    u64 ea = opnd_ea(c, in, o);
    if (wide && (ea & 15))
        cpu_fault(c, EXC_GP, 0);
    la_t la = access_seg_la(c, o->seg, ea, 2 * half, true);
    access_probe_write(c, la, 2 * half, access_data_priv(c));
    u64 lo = mem_read(c, o->seg, ea, half), hi = mem_read(c, o->seg, ea + half, half);
    u64 m = bits_mask_bytes(half);
    if (lo == (c->gpr[RAX] & m) && hi == (c->gpr[RDX] & m)) {
        mem_write(c, o->seg, ea, half, c->gpr[RBX]);
        mem_write(c, o->seg, ea + half, half, c->gpr[RCX]);
        c->rflags |= RFLAGS_ZF;
    } else {
        mem_write(c, o->seg, ea, half, lo);
        mem_write(c, o->seg, ea + half, half, hi);
        gpr_write(c, RAX, half, lo);
        gpr_write(c, RDX, half, hi);
        c->rflags &= ~RFLAGS_ZF;
    }
}

/* Decimal adjust and ASCII adjust (SDM 2A "DAA", "DAS", "AAA", "AAS", "AAM", "AAD") and
 * SALC. SF/ZF/PF follow the final AL where the SDM leaves them undefined; OF is cleared. */
void exec_bcd(struct cpu *c, const struct insn *in)
{
    u8 al = (u8)c->gpr[RAX], ah = (u8)(c->gpr[RAX] >> 8);
    bool cf = c->rflags & RFLAGS_CF, af = c->rflags & RFLAGS_AF;
    bool ncf = false, naf = false;
    switch (in->sub) {
    case SUB_DAA: case SUB_DAS: {
        bool daa = in->sub == SUB_DAA;
        u8 old = al;
        if ((al & 0xf) > 9 || af) {
            ncf = cf || (daa ? al > 0xf9 : al < 6);   /* carry/borrow out of AL +/- 6 */
            al = daa ? al + 6 : al - 6;
            naf = true;
        }
        if (old > 0x99 || cf) {
            al = daa ? al + 0x60 : al - 0x60;
            ncf = true;
        } else if (daa) {
            ncf = false;
        }
        gpr_write(c, RAX, 1, al);
        break;
    }
    case SUB_AAA: case SUB_AAS: {
        u16 ax = (u16)c->gpr[RAX];
        if ((al & 0xf) > 9 || af) {
            ax = in->sub == SUB_AAA ? ax + 0x106 : ax - 0x106;
            ncf = naf = true;
        }
        al = ax & 0xf;
        gpr_write(c, RAX, 2, (ax & 0xff00) | al);
        break;
    }
    case SUB_AAM: {
        u8 base = (u8)in->op[0].imm;
        if (!base)
            cpu_fault(c, EXC_DE, 0);
        ah = al / base;
        al = al % base;
        gpr_write(c, RAX, 2, (u16)(ah << 8 | al));
        break;
    }
    case SUB_AAD: {
        al = (u8)(al + ah * (u8)in->op[0].imm);
        gpr_write(c, RAX, 2, al);
        break;
    }
    default: /* SALC: AL = CF ? FFh : 00h, flags unchanged */
        gpr_write(c, RAX, 1, cf ? 0xff : 0);
        return;
    }
    alu_flags_logic(1, al, &c->rflags);
    if (ncf) c->rflags |= RFLAGS_CF;
    if (naf) c->rflags |= RFLAGS_AF;
}
