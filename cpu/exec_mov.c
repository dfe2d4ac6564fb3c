/* cpu/exec_mov.c — data movement: MOV, MOVZX/MOVSX/MOVSXD, LEA, XCHG, CMOVcc, SETcc,
 * BSWAP, MOVBE, CBW family, LAHF/SAHF, XLAT and the flag-bit instructions (SDM 2A/2B). */
#include "cpu/alu.h"
#include "cpu/exec.h"
#include "cpu/operand.h"
#include "vmx/hooks.h"

void exec_mov(struct cpu *c, const struct insn *in)
{
    const struct opnd *d = &in->op[0], *s = &in->op[1];
    if (d->kind == OPND_REG && d->regc == REGC_SEG) {
        exec_mov_to_seg(c, in);
        return;
    }
    if (s->kind == OPND_REG && s->regc == REGC_SEG) {
        /* MOV r/m, Sreg: a register destination of 32/64 bits is zero-extended. */
        u64 v = c->seg[s->reg].sel;
        if (d->kind == OPND_MEM)
            mem_write(c, d->seg, opnd_ea(c, in, d), 2, v);
        else
            gpr_write(c, d->reg, d->size == 2 ? 2 : (d->size == 8 ? 8 : 4), v);
        return;
    }
    if ((d->kind == OPND_REG && (d->regc == REGC_CR || d->regc == REGC_DR)) ||
        (s->kind == OPND_REG && (s->regc == REGC_CR || s->regc == REGC_DR))) {
        exec_mov_crdr(c, in);
        return;
    }
    opnd_write(c, in, 0, opnd_read(c, in, 1));
}

/* MOV with no segment, control or debug register operand (bound at decode time). */
void exec_mov_gpr(struct cpu *c, const struct insn *in)
{
    opnd_write(c, in, 0, opnd_read(c, in, 1));
}

void exec_movzx(struct cpu *c, const struct insn *in)
{
    opnd_write(c, in, 0, opnd_read(c, in, 1));
}

void exec_movsx(struct cpu *c, const struct insn *in)
{
    opnd_write(c, in, 0, bits_sext_bytes(opnd_read(c, in, 1), in->op[1].size));
}

void exec_lea(struct cpu *c, const struct insn *in)
{
    opnd_write(c, in, 0, opnd_ea(c, in, &in->op[1]));
}

void exec_xchg(struct cpu *c, const struct insn *in)
{
    struct rmw r;
    u64 a = opnd_read_rmw(c, in, 0, &r);
    u64 b = opnd_read(c, in, 1);
    opnd_write_rmw(c, in, 0, &r, b);
    opnd_write(c, in, 1, a);
}

void exec_cmovcc(struct cpu *c, const struct insn *in)
{
    u64 v = opnd_read(c, in, 1);   /* the source is read (and may fault) either way */
    if (alu_cond(in->cc, c->rflags))
        opnd_write(c, in, 0, v);
    else if (in->op[0].size == 4)
        gpr_write(c, in->op[0].reg, 4, c->gpr[in->op[0].reg]);   /* 32-bit: upper half cleared */
}

void exec_setcc(struct cpu *c, const struct insn *in)
{
    opnd_write(c, in, 0, alu_cond(in->cc, c->rflags));
}

void exec_bswap(struct cpu *c, const struct insn *in)
{
    const struct opnd *d = &in->op[0];
    u64 v = gpr_read(c, d->reg, d->size);
    if (d->size == 8)
        v = __builtin_bswap64(v);
    else if (d->size == 4)
        v = __builtin_bswap32((u32)v);
    else
        v = 0;   /* 16-bit BSWAP is undefined; current Intel CPUs produce 0 */
    gpr_write(c, d->reg, d->size, v);
}

void exec_movbe(struct cpu *c, const struct insn *in)
{
    u64 v = opnd_read(c, in, 1);
    unsigned size = in->op[0].size ? in->op[0].size : in->op[1].size;
    if (size == 8)
        v = __builtin_bswap64(v);
    else if (size == 4)
        v = __builtin_bswap32((u32)v);
    else
        v = __builtin_bswap16((u16)v);
    opnd_write(c, in, 0, v);
}

void exec_cbw(struct cpu *c, const struct insn *in)
{
    unsigned half = in->opsize / 2;
    gpr_write(c, RAX, in->opsize, bits_sext_bytes(c->gpr[RAX], half));
}

void exec_cwd(struct cpu *c, const struct insn *in)
{
    u64 a = gpr_read(c, RAX, in->opsize);
    u64 sign = (a >> (in->opsize * 8 - 1)) & 1;
    gpr_write(c, RDX, in->opsize, sign ? ~0ull : 0);
}

void exec_lahf(struct cpu *c, const struct insn *in)
{
    (void)in;
    c->gpr[RAX] = (c->gpr[RAX] & ~0xff00ull) | ((c->rflags & 0xd5) | 2) << 8;
}

void exec_sahf(struct cpu *c, const struct insn *in)
{
    (void)in;
    u64 ah = (c->gpr[RAX] >> 8) & 0xd5;
    c->rflags = (c->rflags & ~0xd5ull) | ah | RFLAGS_FIXED1;
}

void exec_xlat(struct cpu *c, const struct insn *in)
{
    u64 ea = (c->gpr[RBX] + (c->gpr[RAX] & 0xff)) & bits_mask_bytes(in->addrsize);
    unsigned seg = in->nopnds && in->op[0].kind == OPND_MEM ? in->op[0].seg : SEG_DS;
    gpr_write(c, RAX, 1, mem_read(c, seg, ea, 1));
}

void exec_nop(struct cpu *c, const struct insn *in)
{
    (void)c, (void)in;
}

/* PAUSE: a spin-wait hint. ~140 cycles on Skylake (Intel Optimization Reference Manual, "Pause
   Latency in Skylake Microarchitecture"). When another vCPU has work, this one also gives up the
   rest of its time slice: the spinning it announces can only end when that vCPU runs. */
void exec_pause(struct cpu *c, const struct insn *in)
{
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_PAUSE);
    if (c->pause_yields) {
        c->paused = true;
        cpu_signal(c, CPU_SIG_YIELD, 0);
    }
}

void exec_flagop(struct cpu *c, const struct insn *in)
{
    switch (in->bytes[in->len - 1]) {
    case 0xf8: c->rflags &= ~RFLAGS_CF; break;   /* CLC */
    case 0xf9: c->rflags |= RFLAGS_CF; break;    /* STC */
    case 0xf5: c->rflags ^= RFLAGS_CF; break;    /* CMC */
    case 0xfc: c->rflags &= ~RFLAGS_DF; break;   /* CLD */
    case 0xfd: c->rflags |= RFLAGS_DF; break;    /* STD */
    }
}
