#include "cpu/seg.h"

#include "cpu/access.h"

void seg_from_desc(struct seg *s, u16 sel, u64 desc)
{
    s->sel = sel;
    s->base = ((desc >> 16) & 0xffffff) | ((desc >> 32) & 0xff000000ull);
    u32 limit = (u32)((desc & 0xffff) | ((desc >> 32) & 0xf0000));
    s->ar = (u32)((desc >> 40) & 0xf0ff);
    if (s->ar & SEG_AR_G)
        limit = limit << 12 | 0xfff;
    s->limit = limit;
}

u64 seg_read_desc(struct cpu *c, u16 sel, unsigned vec, la_t *la_out)
{
    u64 base;
    u32 limit;
    if (sel & 4) {
        if ((c->ldtr.ar & SEG_AR_UNUSABLE) || !(c->ldtr.ar & SEG_AR_P))
            cpu_fault(c, vec, sel & ~3u);
        base = c->ldtr.base;
        limit = c->ldtr.limit;
    } else {
        base = c->gdtr.base;
        limit = c->gdtr.limit;
    }
    if ((u32)(sel & ~7u) + 7 > limit)
        cpu_fault(c, vec, sel & ~3u);
    la_t la = base + (sel & ~7u);
    if (c->mode != MODE_LONG64 && !(c->efer & EFER_LMA))
        la = (u32)la;
    if (la_out)
        *la_out = la;
    return sys_read(c, la, 8);
}

void seg_set_accessed(struct cpu *c, la_t desc_la, u64 desc)
{
    if (!(desc & (1ull << 40)))
        sys_write(c, desc_la + 5, 1, (u8)(desc >> 40) | 1);
}

static void seg_null(struct seg *s, u16 sel)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0;
    s->ar = SEG_AR_UNUSABLE;
}

void seg_load(struct cpu *c, unsigned seg, u16 sel)
{
    struct seg *s = &c->seg[seg];
    if (c->mode == MODE_REAL || c->mode == MODE_V86) {
        s->sel = sel;
        s->base = (u64)sel << 4;
        /* Real mode keeps the cached limit/attributes; V86 forces 64 KiB data (SDM 3A §20.2). */
        if (c->mode == MODE_V86) {
            s->limit = 0xffff;
            s->ar = 0xf3 | (seg == SEG_CS ? 0x8 : 0);
        }
        return;
    }
    unsigned rpl = sel & 3;
    if ((sel & ~3u) == 0) {
        /* Null selector: #GP(0) for SS except in 64-bit mode at CPL < 3 with RPL = CPL. */
        if (seg == SEG_SS && !(c->mode == MODE_LONG64 && c->cpl != 3 && rpl == c->cpl))
            cpu_fault(c, EXC_GP, 0);
        seg_null(s, sel);
        if (seg == SEG_SS)
            s->ar |= (u32)c->cpl << SEG_AR_DPL_SHIFT;
        return;
    }
    la_t dla;
    u64 desc = seg_read_desc(c, sel, EXC_GP, &dla);
    unsigned ar = (desc >> 40) & 0xff;
    unsigned dpl = (ar >> 5) & 3;
    bool sbit = ar & 0x10, code = ar & 0x8, readable_or_writable = ar & 0x2;
    u32 err = sel & ~3u;
    if (seg == SEG_SS) {
        if (rpl != c->cpl || !sbit || code || !readable_or_writable || dpl != c->cpl)
            cpu_fault(c, EXC_GP, err);
        if (!(ar & 0x80))
            cpu_fault(c, EXC_SS, err);
    } else {
        /* Data or readable code; for data and non-conforming code, DPL >= max(CPL, RPL). */
        if (!sbit || (code && !readable_or_writable))
            cpu_fault(c, EXC_GP, err);
        bool conforming = code && (ar & 0x4);
        if (!conforming && (dpl < c->cpl || dpl < rpl))
            cpu_fault(c, EXC_GP, err);
        if (!(ar & 0x80))
            cpu_fault(c, EXC_NP, err);
    }
    seg_set_accessed(c, dla, desc);
    seg_from_desc(s, sel, desc | (1ull << 40));
}

void seg_load_cs(struct cpu *c, u16 sel, u64 desc, unsigned cpl)
{
    struct seg *s = &c->seg[SEG_CS];
    seg_from_desc(s, (u16)((sel & ~3u) | cpl), desc | (1ull << 40));
    c->cpl = (u8)cpl;
    cpu_update_mode(c);
}

void seg_invalidate_for_cpl(struct cpu *c)
{
    static const unsigned segs[] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
    for (unsigned i = 0; i < 4; i++) {
        struct seg *s = &c->seg[segs[i]];
        unsigned type = s->ar & SEG_AR_TYPE;
        bool conforming_code = (type & 0xc) == 0xc;
        /* Only the selector and usability change: the hidden base survives, which matters
           for FS/GS in 64-bit mode, whose bases kernels set through MSRs (SDM 2A "IRET":
           "segment register <- NULL"; VMX-style unusable segments keep their base). */
        if (!(s->ar & SEG_AR_UNUSABLE) && seg_dpl(s) < c->cpl && !conforming_code) {
            s->sel = 0;
            s->ar = SEG_AR_UNUSABLE;
        }
    }
}
