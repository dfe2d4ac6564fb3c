/* cpu/gate.c — far CALL and JMP through call gates (SDM 2A "CALL" and "JMP" CALL-GATE
 * pseudo-code, SDM 3A §5.8.3-5.8.6): 16- and 32-bit gates, with the stack switch and the
 * parameter copy of a call to an inner privilege level, and 64-bit gates in IA-32e mode. The
 * return is RETF (far_return in exec_far.c). */
#include "cpu/gate.h"

#include "cpu/access.h"
#include "cpu/exec.h"
#include "cpu/operand.h"
#include "cpu/seg.h"
#include "cpu/task.h"

#define DESC_L (1ull << 53)
#define DESC_DB (1ull << 54)

/* The upper half of a 16-byte IA-32e call gate: the next 8 bytes of the table, whose type
 * field must be 0 (SDM 3A §5.8.3.1). */
static u64 gate_upper(struct cpu *c, u16 gsel, la_t gla)
{
    u32 limit = (gsel & 4) ? c->ldtr.limit : c->gdtr.limit;
    if ((u32)(gsel & ~7u) + 15 > limit)
        cpu_fault(c, EXC_GP, gsel & ~3u);
    u64 hi = sys_read(c, gla + 8, 8);
    if ((hi >> 40) & 0x1f)
        cpu_fault(c, EXC_GP, gsel & ~3u);
    return hi;
}

/* Push `n` values (highest address first) on the stack segment `ss` below `sp`, each `w`
 * bytes, with the segment-limit and paging checks of every byte before any is written. */
static u64 push_frame(struct cpu *c, const struct seg *ss, bool lm, u64 sp, const u64 *v, unsigned n,
                      unsigned w, u32 err)
{
    u64 mask = lm ? ~0ull : (ss->ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;
    u64 top = sp;
    for (unsigned pass = 0; pass < 2; pass++) {
        sp = top;
        for (unsigned i = 0; i < n; i++) {
            sp = (sp - w) & mask;
            la_t la = lm ? sp : (u32)(ss->base + sp);
            if (!lm && sp + w - 1 > ss->limit)
                cpu_fault(c, EXC_SS, err);
            if (pass == 0)
                access_probe_write(c, la, w, PAGING_SUP_SMAP);
            else
                access_write_la(c, la, w, v[i], PAGING_SUP_SMAP);
        }
    }
    return sp;
}

void gate_far_transfer(struct cpu *c, u16 gsel, u64 gate, la_t gla, bool call)
{
    u64 ret = c->rip;
    bool lm = c->efer & EFER_LMA;
    unsigned gar = (gate >> 40) & 0xff, gdpl = (gar >> 5) & 3, gtype = gar & 0xf;
    /* The gate: DPL >= CPL and >= RPL; 16-bit gates do not exist in IA-32e mode. */
    if ((lm && gtype != DESC_CALL) || gdpl < c->cpl || (gsel & 3) > gdpl)
        cpu_fault(c, EXC_GP, gsel & ~3u);
    if (!(gar & 0x80))
        cpu_fault(c, EXC_NP, gsel & ~3u);
    u64 hi = lm ? gate_upper(c, gsel, gla) : 0;
    u16 csel = (u16)(gate >> 16);
    u64 off = (gate & 0xffff) | ((gate >> 32) & 0xffff0000ull) | hi << 32;
    unsigned w = lm ? 8 : gtype == DESC_CALL ? 4 : 2;
    if (w == 2)
        off &= 0xffff;
    /* The target code segment. */
    if ((csel & ~3u) == 0)
        cpu_fault(c, EXC_GP, 0);
    la_t cdla;
    u64 cd = seg_read_desc(c, csel, EXC_GP, &cdla);
    unsigned car = (cd >> 40) & 0xff, cdpl = (car >> 5) & 3;
    bool conforming = car & 4;
    if ((car & 0x18) != 0x18 || cdpl > c->cpl || (!call && !conforming && cdpl != c->cpl))
        cpu_fault(c, EXC_GP, csel & ~3u);
    if (!(car & 0x80))
        cpu_fault(c, EXC_NP, csel & ~3u);
    if (lm && (!(cd & DESC_L) || (cd & DESC_DB)))
        cpu_fault(c, EXC_GP, csel & ~3u);   /* a 64-bit gate must lead to 64-bit code */
    if (!lm) {
        struct seg tmp;
        seg_from_desc(&tmp, 0, cd);
        if (off > tmp.limit)
            cpu_fault(c, EXC_GP, 0);
    } else if (!bits_is_canonical(off, c->la_width)) {
        cpu_fault(c, EXC_GP, 0);
    }
    unsigned new_cpl = (call && !conforming && cdpl < c->cpl) ? cdpl : c->cpl;
    u64 frame[4 + 31];
    unsigned n = 0;
    if (new_cpl < c->cpl) {
        /* MORE-PRIVILEGE: the inner stack from the TSS, the caller's SS:ESP, the parameters
           (legacy gates only; count in gate bits 36:32), then CS:EIP. */
        struct inner_stack in;
        task_inner_stack(c, new_cpl, 0, 0, &in);
        frame[n++] = c->seg[SEG_SS].sel;
        frame[n++] = c->gpr[RSP];
        unsigned params = lm ? 0 : (unsigned)(gate >> 32) & 0x1f;
        u64 osp = c->gpr[RSP];
        u64 omask = (c->seg[SEG_SS].ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;
        for (unsigned i = params; i-- > 0;)
            frame[n++] = mem_read(c, SEG_SS, (osp + (u64)i * w) & omask, w);
        frame[n++] = c->seg[SEG_CS].sel;
        frame[n++] = ret;
        if (lm) {
            in.ss = (struct seg){.sel = (u16)new_cpl, .ar = SEG_AR_UNUSABLE | (u32)new_cpl << SEG_AR_DPL_SHIFT};
            in.sel = (u16)new_cpl;
        }
        u64 sp = push_frame(c, &in.ss, lm, in.sp, frame, n, w, lm ? 0 : in.sel & ~3u);
        if (in.dla)
            seg_set_accessed(c, in.dla, in.desc);
        c->seg[SEG_SS] = in.ss;
        c->gpr[RSP] = sp;
    } else if (call) {
        /* SAME-PRIVILEGE: CS:EIP on the current stack. */
        frame[n++] = c->seg[SEG_CS].sel;
        frame[n++] = ret;
        u64 sp = push_frame(c, &c->seg[SEG_SS], lm, c->gpr[RSP], frame, n, w, 0);
        u64 mask = lm ? ~0ull : (c->seg[SEG_SS].ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;
        c->gpr[RSP] = (c->gpr[RSP] & ~mask) | sp;
    }
    seg_set_accessed(c, cdla, cd);
    seg_load_cs(c, csel, cd, new_cpl);
    c->rip = off;
}
