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

/* FXSAVE/FXRSTOR (SDM 2A "FXSAVE", "FXRSTOR"): the 512-byte image is c->fpu_state itself.
 * #UD with CR0.EM, #NM with CR0.TS, #GP(0) for an operand not 16-byte aligned. In 64-bit mode
 * XMM8-15 (bytes 288-415) take part; bytes 416-511 are never written. FXRSTOR faults #GP(0)
 * on MXCSR bits outside MXCSR_MASK and leaves MXCSR_MASK (bytes 28-31) as it is. */
static la_t fx_area(struct cpu *c, const struct insn *in, bool write, unsigned *len)
{
    if ((c->cr0 & CR0_EM) || !model_has(&c->model, FEAT_FXSR))
        cpu_fault(c, EXC_UD, 0);
    if (c->cr0 & CR0_TS)
        cpu_fault(c, EXC_NM, 0);
    const struct opnd *o = &in->op[0];
    la_t la = access_seg_la(c, o->seg, opnd_ea(c, in, o), 512, write);
    if (la & 15)
        cpu_fault(c, EXC_GP, 0);
    *len = c->mode == MODE_LONG64 ? 416 : 288;
    return la;
}

static la_t fx_next(const struct cpu *c, la_t la, unsigned off)
{
    return c->mode == MODE_LONG64 ? la + off : (u32)(la + off);
}

void exec_fxsave(struct cpu *c, const struct insn *in)
{
    unsigned len;
    la_t la = fx_area(c, in, true, &len);
    enum paging_priv priv = access_data_priv(c);
    access_probe_write(c, la, len, priv);
    for (unsigned off = 0; off < len; off += 8) {
        u64 v;
        memcpy(&v, &c->fpu_state[off], 8);
        access_write_la(c, fx_next(c, la, off), 8, v, priv);
    }
}

void exec_fxrstor(struct cpu *c, const struct insn *in)
{
    unsigned len;
    la_t la = fx_area(c, in, false, &len);
    enum paging_priv priv = access_data_priv(c);
    u8 img[416];
    for (unsigned off = 0; off < len; off += 8) {
        u64 v = access_read_la(c, fx_next(c, la, off), 8, priv);
        memcpy(&img[off], &v, 8);
    }
    u32 mxcsr, mask;
    memcpy(&mxcsr, &img[24], 4);
    memcpy(&mask, &c->fpu_state[28], 4);
    if (mxcsr & ~mask)
        cpu_fault(c, EXC_GP, 0);
    memcpy(&img[28], &c->fpu_state[28], 4);
    memcpy(c->fpu_state, img, len);
}
