/* cpu/operand.h — reading and writing decoded operands: GPRs with x86 width rules,
 * effective addresses (SDM 2A §2.1.5), memory operands and read-modify-write operands that
 * translate for write before reading (commit rule). */
#ifndef HVSIM_CPU_OPERAND_H
#define HVSIM_CPU_OPERAND_H

#include "cpu/access.h"

static inline u64 gpr_read(const struct cpu *c, unsigned idx, unsigned size)
{
    return c->gpr[idx] & bits_mask_bytes(size);
}

/* 32-bit writes zero-extend to 64 bits; 8- and 16-bit writes merge (SDM 1 §3.4.1.1). */
static inline void gpr_write(struct cpu *c, unsigned idx, unsigned size, u64 v)
{
    switch (size) {
    case 1: c->gpr[idx] = (c->gpr[idx] & ~0xffull) | (v & 0xff); break;
    case 2: c->gpr[idx] = (c->gpr[idx] & ~0xffffull) | (v & 0xffff); break;
    case 4: c->gpr[idx] = (u32)v; break;
    default: c->gpr[idx] = v; break;
    }
}

static inline u64 opnd_reg_read(const struct cpu *c, const struct opnd *o)
{
    if (o->regc == REGC_GPR8H)
        return (c->gpr[o->reg] >> 8) & 0xff;
    return gpr_read(c, o->reg, o->size);
}

static inline void opnd_reg_write(struct cpu *c, const struct opnd *o, u64 v)
{
    if (o->regc == REGC_GPR8H)
        c->gpr[o->reg] = (c->gpr[o->reg] & ~0xff00ull) | ((v & 0xff) << 8);
    else
        gpr_write(c, o->reg, o->size, v);
}

/* Effective address (segment offset) of a memory operand, truncated to the address size. */
static inline u64 opnd_ea(const struct cpu *c, const struct insn *in, const struct opnd *o)
{
    u64 ea = o->disp;
    if (o->base == OPND_BASE_RIP)
        ea += c->rip;
    else if (o->base != OPND_BASE_NONE)
        ea += c->gpr[o->base];
    if (o->index != OPND_BASE_NONE)
        ea += c->gpr[o->index] * o->scale;
    return ea & bits_mask_bytes(in->addrsize);
}

static inline __attribute__((always_inline)) u64 opnd_read(struct cpu *c, const struct insn *in, unsigned i)
{
    const struct opnd *o = &in->op[i];
    switch (o->kind) {
    case OPND_REG: return opnd_reg_read(c, o);
    case OPND_MEM: return mem_read(c, o->seg, opnd_ea(c, in, o), o->size);
    default: return o->imm & bits_mask_bytes(o->size ? o->size : in->opsize);
    }
}

static inline __attribute__((always_inline)) void opnd_write(struct cpu *c, const struct insn *in, unsigned i, u64 v)
{
    const struct opnd *o = &in->op[i];
    if (o->kind == OPND_REG)
        opnd_reg_write(c, o, v);
    else
        mem_write(c, o->seg, opnd_ea(c, in, o), o->size, v);
}

/* A read-modify-write location: translated for write before the read. */
struct rmw {
    la_t la;
    u8 *host;          /* direct pointer, or NULL for the slow path / a register */
    enum paging_priv priv;
    bool mem;
};

static inline u64 opnd_read_rmw(struct cpu *c, const struct insn *in, unsigned i, struct rmw *r)
{
    const struct opnd *o = &in->op[i];
    if (o->kind != OPND_MEM) {
        r->mem = false;
        return opnd_reg_read(c, o);
    }
    r->mem = true;
    r->priv = access_data_priv(c);
    r->la = access_seg_la(c, o->seg, opnd_ea(c, in, o), o->size, true);
    r->host = access_fast(c, r->la, o->size, PAGING_PERM_BIT(PAGING_WRITE, r->priv));
    if (likely(r->host))
        return bits_load_le(r->host, o->size);
    access_probe_write(c, r->la, o->size, r->priv);
    return access_read_la_slow(c, r->la, o->size, r->priv);
}

static inline void opnd_write_rmw(struct cpu *c, const struct insn *in, unsigned i,
                                  const struct rmw *r, u64 v)
{
    const struct opnd *o = &in->op[i];
    if (!r->mem)
        opnd_reg_write(c, o, v);
    else if (likely(r->host))
        bits_store_le(r->host, o->size, v);
    else
        access_write_la_slow(c, r->la, o->size, v, r->priv);
}

/* Stack helpers: the stack-address size is SS.B outside 64-bit mode (SDM 1 §6.2.3). */
static inline unsigned stack_addr_size(const struct cpu *c)
{
    if (c->mode == MODE_LONG64)
        return 8;
    return (c->seg[SEG_SS].ar & SEG_AR_DB) ? 4 : 2;
}

static inline void stack_push(struct cpu *c, unsigned size, u64 v)
{
    unsigned as = stack_addr_size(c);
    u64 mask = bits_mask_bytes(as);
    u64 sp = (c->gpr[RSP] - size) & mask;
    mem_write(c, SEG_SS, sp, size, v);
    c->gpr[RSP] = (c->gpr[RSP] & ~mask) | sp;
}

/* Read the value `depth` bytes above the stack top without popping. */
static inline u64 stack_peek(struct cpu *c, unsigned size, unsigned depth)
{
    unsigned as = stack_addr_size(c);
    u64 mask = bits_mask_bytes(as);
    return mem_read(c, SEG_SS, (c->gpr[RSP] + depth) & mask, size);
}

static inline void stack_adjust(struct cpu *c, u64 delta)
{
    unsigned as = stack_addr_size(c);
    u64 mask = bits_mask_bytes(as);
    c->gpr[RSP] = (c->gpr[RSP] & ~mask) | ((c->gpr[RSP] + delta) & mask);
}

static inline u64 stack_pop(struct cpu *c, unsigned size)
{
    u64 v = stack_peek(c, size, 0);
    stack_adjust(c, size);
    return v;
}

#endif
