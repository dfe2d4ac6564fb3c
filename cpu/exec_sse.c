/* cpu/exec_sse.c — the 128-bit SSE data moves (MOVAPS/MOVAPD/MOVDQA, MOVUPS/MOVUPD/MOVDQU)
 * and MOVD/MOVQ between general registers, memory, MMX and XMM registers (SDM 2B). The XMM registers live in the FXSAVE image (c->fpu_state, SDM 1 §10.5.1 Table
 * 10-2: XMMn at byte 160 + 16n, MMn = the significand of STn at byte 32 + 16n). Other SSE instructions stay #UD until SSE is implemented
 * and advertised (cpu/model.c). */
#include <string.h>

#include "cpu/exec.h"
#include "cpu/operand.h"

static u8 *xmm(struct cpu *c, unsigned n)
{
    return &c->fpu_state[160 + 16 * (n & 15)];
}

/* Linear address of a 16-byte memory operand: #GP(0) when an aligned form is misaligned
   (SDM 2B "MOVAPS" exceptions), besides the segment checks. */
static la_t sse_mem_la(struct cpu *c, const struct insn *in, const struct opnd *o, bool write)
{
    la_t la = access_seg_la(c, o->seg, opnd_ea(c, in, o), 16, write);
    if (in->sub == SUB_SSE_ALIGNED && (la & 15))
        cpu_fault(c, EXC_GP, 0);
    return la;
}

static la_t sse_hi(const struct cpu *c, la_t la)
{
    return c->mode == MODE_LONG64 ? la + 8 : (u32)(la + 8);
}

void exec_sse_mov(struct cpu *c, const struct insn *in)
{
    /* SDM 2B Table 2-20 (class 1/4 exceptions): EM or !OSFXSR -> #UD, TS -> #NM. */
    if ((c->cr0 & CR0_EM) || !(c->cr4 & CR4_OSFXSR))
        cpu_fault(c, EXC_UD, 0);
    if (c->cr0 & CR0_TS)
        cpu_fault(c, EXC_NM, 0);
    const struct opnd *d = &in->op[0], *s = &in->op[1];
    enum paging_priv priv = access_data_priv(c);
    u64 v[2];
    if (s->kind == OPND_REG) {
        memcpy(v, xmm(c, s->reg), 16);
    } else {
        la_t la = sse_mem_la(c, in, s, false);
        v[0] = access_read_la(c, la, 8, priv);
        v[1] = access_read_la(c, sse_hi(c, la), 8, priv);
    }
    if (d->kind == OPND_REG) {
        memcpy(xmm(c, d->reg), v, 16);
        return;
    }
    la_t la = sse_mem_la(c, in, d, true);
    access_probe_write(c, la, 16, priv);   /* both halves, so the store is all or nothing */
    access_write_la(c, la, 8, v[0], priv);
    access_write_la(c, sse_hi(c, la), 8, v[1], priv);
}

/* MOVD/MOVQ (SDM 2B "MOVD/MOVQ", "MOVQ"): 4 or 8 bytes; a write to an XMM register zeroes the
 * rest of it; an MMX access is an x87 "MMX transition": TOP = 0 and every tag valid, and a
 * written MMn has its exponent field set to all ones (SDM 1 §9.5.1). */
void exec_movd_movq(struct cpu *c, const struct insn *in)
{
    const struct opnd *d = &in->op[0], *s = &in->op[1];
    bool mmx = (d->kind == OPND_REG && d->regc == REGC_MMX) || (s->kind == OPND_REG && s->regc == REGC_MMX);
    bool sse = (d->kind == OPND_REG && d->regc == REGC_XMM) || (s->kind == OPND_REG && s->regc == REGC_XMM);
    if ((c->cr0 & CR0_EM) || (sse && !(c->cr4 & CR4_OSFXSR)))
        cpu_fault(c, EXC_UD, 0);
    if (c->cr0 & CR0_TS)
        cpu_fault(c, EXC_NM, 0);
    unsigned w = in->sub == SUB_MOVD ? 4 : 8;
    u64 v = 0;
    if (s->kind == OPND_MEM)
        v = mem_read(c, s->seg, opnd_ea(c, in, s), w);
    else if (s->regc == REGC_MMX)
        memcpy(&v, &c->fpu_state[32 + 16 * (s->reg & 7)], w);
    else if (s->regc == REGC_XMM)
        memcpy(&v, xmm(c, s->reg), w);
    else
        v = gpr_read(c, s->reg, w);
    if (d->kind == OPND_MEM) {
        mem_write(c, d->seg, opnd_ea(c, in, d), w, v);
    } else if (d->regc == REGC_MMX) {
        u8 *r = &c->fpu_state[32 + 16 * (d->reg & 7)];
        memcpy(r, &v, 8);
        r[8] = r[9] = 0xff;
    } else if (d->regc == REGC_XMM) {
        memset(xmm(c, d->reg), 0, 16);
        memcpy(xmm(c, d->reg), &v, 8);
    } else {
        gpr_write(c, d->reg, w, v);
    }
    if (mmx) {
        c->fpu_state[3] &= ~0x38;   /* FSW.TOP (bits 13:11) = 0 */
        c->fpu_state[4] = 0xff;     /* abridged FTW: all valid */
    }
}
