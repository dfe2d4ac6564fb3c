/* cpu/task.c — hardware task switches (SDM 3A §8.3 "Task Switching", Table 8-1; SDM 2A
 * "JMP", "CALL", "IRET", "INT n" pseudo-code). 32-bit and 16-bit TSSs (Figures 8-2, 8-11).
 * Everything that can fault in the old task (the new TSS read, the old TSS write) is done
 * before the first change; faults while loading the new task's segments happen in the new
 * task, as on hardware. */
#include "cpu/task.h"

#include "cpu/access.h"
#include "cpu/debug.h"
#include "cpu/exec.h"
#include "cpu/operand.h"
#include "cpu/seg.h"
#include "vmx/hooks.h"

#define TSS_BUSY_BIT (1ull << 41)        /* type bit 1 of a TSS descriptor */
#define EFLAGS_VALID 0x3f7fd5u           /* the EFLAGS bits that exist */
#define DR7_LOCAL_ENABLES 0x155u         /* L0-L3 and LE: cleared by a task switch (SDM 3B §18.2.4) */

/* The register image a TSS holds. Segment selectors in hvsim's SEG_* order, which is the
 * TSS's order (ES, CS, SS, DS, FS, GS); GPRs in RAX..RDI order, also the TSS's. */
struct tss_image {
    u32 eip, eflags, cr3, gpr[8];
    u16 sel[SEG_COUNT], ldt;
    bool trap;
};

static bool tss_is32(unsigned type)
{
    return type & 8;   /* 9/11: 32-bit TSS; 1/3: 16-bit */
}

static void tss_read(struct cpu *c, la_t base, bool is32, struct tss_image *t)
{
    if (is32) {
        t->cr3 = (u32)sys_read(c, base + 0x1c, 4);
        t->eip = (u32)sys_read(c, base + 0x20, 4);
        t->eflags = (u32)sys_read(c, base + 0x24, 4);
        for (unsigned i = 0; i < 8; i++)
            t->gpr[i] = (u32)sys_read(c, base + 0x28 + 4 * i, 4);
        for (unsigned s = 0; s < SEG_COUNT; s++)
            t->sel[s] = (u16)sys_read(c, base + 0x48 + 4 * s, 2);
        t->ldt = (u16)sys_read(c, base + 0x60, 2);
        t->trap = sys_read(c, base + 0x64, 2) & 1;
        return;
    }
    t->cr3 = 0;
    t->eip = (u32)sys_read(c, base + 0x0e, 2);
    t->eflags = (u32)sys_read(c, base + 0x10, 2);
    for (unsigned i = 0; i < 8; i++)
        t->gpr[i] = 0xffff0000u | (u32)sys_read(c, base + 0x12 + 2 * i, 2);   /* upper halves undefined */
    for (unsigned s = 0; s < 4; s++)
        t->sel[s] = (u16)sys_read(c, base + 0x22 + 2 * s, 2);
    t->sel[SEG_FS] = t->sel[SEG_GS] = 0;
    t->ldt = (u16)sys_read(c, base + 0x2a, 2);
    t->trap = false;
}

/* STEP 8: the current task's state into its TSS (CR3 and the LDT selector are not saved). */
static void tss_save(struct cpu *c, la_t base, bool is32, u32 eflags)
{
    if (is32) {
        sys_write(c, base + 0x20, 4, (u32)c->rip);
        sys_write(c, base + 0x24, 4, eflags);
        for (unsigned i = 0; i < 8; i++)
            sys_write(c, base + 0x28 + 4 * i, 4, (u32)c->gpr[i]);
        for (unsigned s = 0; s < SEG_COUNT; s++)
            sys_write(c, base + 0x48 + 4 * s, 2, c->seg[s].sel);
        return;
    }
    sys_write(c, base + 0x0e, 2, (u16)c->rip);
    sys_write(c, base + 0x10, 2, (u16)eflags);
    for (unsigned i = 0; i < 8; i++)
        sys_write(c, base + 0x12 + 2 * i, 2, (u16)c->gpr[i]);
    for (unsigned s = 0; s < 4; s++)
        sys_write(c, base + 0x22 + 2 * s, 2, c->seg[s].sel);
}

static void tss_set_busy(struct cpu *c, u16 sel, bool busy)
{
    la_t dla;
    u64 desc = seg_read_desc(c, sel & ~4u, EXC_TS, &dla);
    u8 ar = (u8)(desc >> 40);
    sys_write(c, dla + 5, 1, busy ? ar | 2u : ar & ~2u);
}

/* STEP 13 (Table 8-1): the new task's LDT, then CS, SS and the data segments, with CPL =
 * CS.RPL. Faults here are taken in the new task. */
static void load_ldt(struct cpu *c, u16 sel)
{
    c->ldtr.sel = sel;
    if ((sel & ~3u) == 0) {
        c->ldtr.ar = SEG_AR_UNUSABLE;
        return;
    }
    if (sel & 4)
        cpu_fault(c, EXC_TS, sel & ~3u);
    u64 desc = seg_read_desc(c, sel, EXC_TS, NULL);
    unsigned ar = (desc >> 40) & 0xff;
    if ((ar & 0x1f) != DESC_LDT || !(ar & 0x80))
        cpu_fault(c, EXC_TS, sel & ~3u);
    seg_from_desc(&c->ldtr, sel, desc);
}

static void load_cs(struct cpu *c, u16 sel)
{
    if ((sel & ~3u) == 0)
        cpu_fault(c, EXC_TS, 0);
    la_t dla;
    u64 desc = seg_read_desc(c, sel, EXC_TS, &dla);
    unsigned ar = (desc >> 40) & 0xff, dpl = (ar >> 5) & 3, rpl = sel & 3;
    bool conforming = ar & 4;
    if ((ar & 0x18) != 0x18 || (conforming ? dpl > rpl : dpl != rpl))
        cpu_fault(c, EXC_TS, sel & ~3u);
    if (!(ar & 0x80))
        cpu_fault(c, EXC_NP, sel & ~3u);
    seg_set_accessed(c, dla, desc);
    seg_load_cs(c, sel, desc, rpl);
}

static void load_ss(struct cpu *c, u16 sel)
{
    if ((sel & ~3u) == 0)
        cpu_fault(c, EXC_TS, 0);
    la_t dla;
    u64 desc = seg_read_desc(c, sel, EXC_TS, &dla);
    unsigned ar = (desc >> 40) & 0xff, dpl = (ar >> 5) & 3;
    if ((sel & 3) != c->cpl || dpl != c->cpl || (ar & 0x1a) != 0x12)
        cpu_fault(c, EXC_TS, sel & ~3u);
    if (!(ar & 0x80))
        cpu_fault(c, EXC_SS, sel & ~3u);
    seg_set_accessed(c, dla, desc);
    seg_from_desc(&c->seg[SEG_SS], sel, desc | (1ull << 40));
}

static void load_data(struct cpu *c, unsigned s, u16 sel)
{
    if ((sel & ~3u) == 0)
        return;   /* stays unusable */
    la_t dla;
    u64 desc = seg_read_desc(c, sel, EXC_TS, &dla);
    unsigned ar = (desc >> 40) & 0xff, dpl = (ar >> 5) & 3, rpl = sel & 3;
    bool code = ar & 8, conforming_code = (ar & 0xc) == 0xc;
    if (!(ar & 0x10) || (code && !(ar & 2)))
        cpu_fault(c, EXC_TS, sel & ~3u);
    if (!conforming_code && (dpl < c->cpl || dpl < rpl))
        cpu_fault(c, EXC_TS, sel & ~3u);
    if (!(ar & 0x80))
        cpu_fault(c, EXC_NP, sel & ~3u);
    seg_set_accessed(c, dla, desc);
    seg_from_desc(&c->seg[s], sel, desc | (1ull << 40));
}

/* SWITCH-TASKS to the TSS `sel` (descriptor desc at dla), the checks on the selector and the
 * descriptor's type, DPL and presence done by the caller (steps 1-4). */
static void task_switch(struct cpu *c, u16 sel, u64 desc, enum task_source src, bool has_err, u32 err)
{
    if (unlikely(c->vmx_nonroot))
        vmx_task_switch(c, sel, src);   /* task switches always exit (SDM 3C §26.1.2) */
    unsigned type = (desc >> 40) & 0xf;
    bool new32 = tss_is32(type), old32 = tss_is32(c->tr.ar & SEG_AR_TYPE);
    struct seg ntr;
    seg_from_desc(&ntr, sel, desc);
    /* STEP 3: a 32-bit TSS is at least 68H bytes, a 16-bit one 2CH. */
    if (ntr.limit < (new32 ? 0x67u : 0x2bu))
        cpu_fault(c, EXC_TS, sel & ~3u);
    /* STEP 5: everything that can fault in the old task, before any change. */
    la_t obase = (u32)c->tr.base, nbase = (u32)ntr.base;
    struct tss_image t;
    tss_read(c, nbase, new32, &t);
    if (old32)
        access_probe_write(c, obase + 0x20, 0x40, PAGING_SUP_SMAP);
    else
        access_probe_write(c, obase + 0x0e, 0x1c, PAGING_SUP_SMAP);
    bool nest = src == TASK_CALL || src == TASK_INT;
    if (nest)
        access_probe_write(c, nbase, 2, PAGING_SUP_SMAP);
    /* STEP 6-8: the old task: not busy after JMP/IRET; NT clear in its image after IRET. */
    u32 eflags = (u32)c->rflags;
    if (src == TASK_JMP || src == TASK_IRET)
        tss_set_busy(c, c->tr.sel, false);
    if (src == TASK_IRET)
        eflags &= ~(u32)RFLAGS_NT;
    tss_save(c, obase, old32, eflags);
    /* STEP 9-11: link and NT for nesting, busy, TR, CR0.TS. */
    if (nest) {
        t.eflags |= RFLAGS_NT;
        sys_write(c, nbase, 2, c->tr.sel);
    }
    if (src != TASK_IRET)
        tss_set_busy(c, sel, true);
    c->tr = ntr;
    c->tr.ar |= 2;   /* busy */
    c->cr0 |= CR0_TS;
    c->dr[7] &= ~(u64)DR7_LOCAL_ENABLES;
    debug_update(c);
    /* STEP 12: the new task's registers; selectors first, their descriptors not yet loaded. */
    c->rip = t.eip;
    c->rflags = (t.eflags & EFLAGS_VALID) | RFLAGS_FIXED1;
    for (unsigned i = 0; i < 8; i++)
        c->gpr[i] = t.gpr[i];
    for (unsigned s = 0; s < SEG_COUNT; s++)
        c->seg[s] = (struct seg){.sel = t.sel[s], .ar = SEG_AR_UNUSABLE};
    c->ldtr = (struct seg){.sel = t.ldt, .ar = SEG_AR_UNUSABLE};
    /* The commit point: a fault from here on is taken in the new task, at its first
       instruction with its ESP (SDM 3A §8.3 step 13, §6.15 "Interrupt 10" Saved Instruction
       Pointer), so the fault unwind must not restore the old task's EIP and ESP. */
    c->insn_rip = c->rip;
    c->insn_rsp = c->gpr[RSP];
    c->attention = true;   /* IF, TF and pending events may differ in the new task */
    if (new32 && (c->cr0 & CR0_PG))
        cpu_write_cr3(c, t.cr3);
    cpu_update_mode(c);
    /* STEP 13: descriptors, in the new task's context. */
    load_ldt(c, t.ldt);
    if (c->rflags & RFLAGS_VM) {
        for (unsigned s = 0; s < SEG_COUNT; s++)
            seg_load(c, s, t.sel[s]);   /* virtual-8086: base = selector << 4 */
    } else {
        load_cs(c, t.sel[SEG_CS]);
        load_ss(c, t.sel[SEG_SS]);
        static const unsigned data[] = {SEG_DS, SEG_ES, SEG_FS, SEG_GS};
        for (unsigned i = 0; i < 4; i++)
            load_data(c, data[i], t.sel[data[i]]);
    }
    if (t.trap) {
        c->dbg_pending |= DR6_BT;   /* debug trap flag of the new TSS (SDM 3B §18.2.3) */
        c->attention = true;
    }
    if (has_err)
        stack_push(c, new32 ? 4 : 2, err);
    if (c->rip > c->seg[SEG_CS].limit)
        cpu_fault(c, EXC_GP, 0);
}

/* The available TSS a task gate or a JMP/CALL names (GDT only): #GP for a local or
 * out-of-range selector, a non-TSS or busy descriptor; #NP when not present. */
static u64 available_tss(struct cpu *c, u16 sel, u32 ext)
{
    if (sel & 4)
        cpu_fault(c, EXC_GP, (sel & ~3u) | ext);
    u64 desc = seg_read_desc(c, sel, EXC_GP, NULL);
    unsigned ar = (desc >> 40) & 0xff;
    if ((ar & 0x1f) != DESC_TSS_AVAIL && (ar & 0x1f) != DESC_TSS16_AVAIL)
        cpu_fault(c, EXC_GP, (sel & ~3u) | ext);
    if (!(ar & 0x80))
        cpu_fault(c, EXC_NP, (sel & ~3u) | ext);
    return desc;
}

void task_far_transfer(struct cpu *c, u16 sel, u64 desc, enum task_source src)
{
    unsigned ar = (desc >> 40) & 0xff, dpl = (ar >> 5) & 3, rpl = sel & 3;
    if ((c->efer & EFER_LMA) || dpl < c->cpl || dpl < rpl)
        cpu_fault(c, EXC_GP, sel & ~3u);
    if ((ar & 0xf) == DESC_TASK) {
        if (!(ar & 0x80))
            cpu_fault(c, EXC_NP, sel & ~3u);
        sel = (u16)(desc >> 16);
        desc = available_tss(c, sel, 0);
    } else {
        desc = available_tss(c, sel, 0);
    }
    task_switch(c, sel, desc, src, false, 0);
}

void task_iret(struct cpu *c)
{
    u16 link = (u16)sys_read(c, (u32)c->tr.base, 2);
    if (link & 4)
        cpu_fault(c, EXC_TS, link & ~3u);
    u64 desc = seg_read_desc(c, link, EXC_TS, NULL);
    unsigned ar = (desc >> 40) & 0xff;
    if ((ar & 0x1f) != DESC_TSS_BUSY && (ar & 0x1f) != DESC_TSS16_BUSY)
        cpu_fault(c, EXC_TS, link & ~3u);
    if (!(ar & 0x80))
        cpu_fault(c, EXC_NP, link & ~3u);
    task_switch(c, link, desc, TASK_IRET, false, 0);
}

void task_gate_event(struct cpu *c, u64 gate, bool has_err, u32 err, u32 ext)
{
    u16 sel = (u16)(gate >> 16);
    u64 desc = available_tss(c, sel, ext);
    task_switch(c, sel, desc, TASK_INT, has_err, err);
}

void task_inner_stack(struct cpu *c, unsigned cpl, unsigned ist, u32 ext, struct inner_stack *out)
{
    const struct seg *tr = &c->tr;
    if (c->efer & EFER_LMA) {
        /* 64-bit TSS: RSP0-2 at 4, IST1-7 at 24H; SS becomes a null selector (caller). */
        u32 off = ist ? 0x24 + 8 * (ist - 1) : 4 + 8 * cpl;
        if (off + 7 > tr->limit)
            cpu_fault(c, EXC_TS, (tr->sel & ~3u) | ext);
        out->sp = sys_read(c, tr->base + off, 8);
        if (!bits_is_canonical(out->sp, c->la_width))
            cpu_fault(c, EXC_SS, ext);
        return;
    }
    bool tss32 = tss_is32(tr->ar & SEG_AR_TYPE);
    u32 off = tss32 ? 4 + 8 * cpl : 2 + 4 * cpl, sz = tss32 ? 8 : 4;
    if (off + sz - 1 > tr->limit)
        cpu_fault(c, EXC_TS, (tr->sel & ~3u) | ext);
    out->sp = sys_read(c, tr->base + off, tss32 ? 4 : 2);
    u16 sel = (u16)sys_read(c, tr->base + off + sz / 2, 2);
    /* The new SS (SDM 3A §6.12.1.1, §5.8.5): present, writable data, RPL = DPL = new CPL. */
    if ((sel & ~3u) == 0)
        cpu_fault(c, EXC_TS, ext);
    out->desc = seg_read_desc(c, sel, EXC_TS, &out->dla);
    unsigned sar = (out->desc >> 40) & 0xff;
    if ((sel & 3) != cpl || ((sar >> 5) & 3) != cpl || (sar & 0x1a) != 0x12)
        cpu_fault(c, EXC_TS, (sel & ~3u) | ext);
    if (!(sar & 0x80))
        cpu_fault(c, EXC_SS, (sel & ~3u) | ext);
    out->sel = sel;
    seg_from_desc(&out->ss, sel, out->desc | (1ull << 40));
}
