/* cpu/exec_desc.c — descriptor inspection (LAR, LSL, VERR, VERW, ARPL; SDM 2A/2B) and the
 * random-number instructions (RDRAND, RDSEED). */
#include "cpu/exec.h"
#include "cpu/operand.h"
#include "cpu/seg.h"
#include "vmx/hooks.h"

/* Read the descriptor for sel without faulting on a bad selector: false if it is null or
 * beyond the table limit. Memory faults while reading it are real faults. */
static bool desc_peek(struct cpu *c, u16 sel, u64 *desc)
{
    if ((sel & ~3u) == 0)
        return false;
    const struct seg *tbl = (sel & 4) ? &c->ldtr : NULL;
    u64 base = tbl ? tbl->base : c->gdtr.base;
    u32 limit = tbl ? tbl->limit : c->gdtr.limit;
    if (tbl && (tbl->ar & SEG_AR_UNUSABLE))
        return false;
    if ((u32)(sel & ~7u) + 7 > limit)
        return false;
    la_t la = base + (sel & ~7u);
    if (!(c->efer & EFER_LMA))
        la = (u32)la;
    *desc = sys_read(c, la, 8);
    return true;
}

/* Privilege rule shared by LAR/LSL/VERR/VERW: non-conforming segments and system descriptors
 * need DPL >= CPL and DPL >= RPL. */
static bool desc_visible(const struct cpu *c, u16 sel, u64 desc)
{
    unsigned ar = (desc >> 40) & 0xff, dpl = (ar >> 5) & 3;
    bool conforming_code = (ar & 0x1c) == 0x1c;
    return conforming_code || (dpl >= c->cpl && dpl >= (sel & 3u));
}

static bool lar_lsl_type_ok(const struct cpu *c, u64 desc, bool lsl)
{
    unsigned ar = (desc >> 40) & 0xff;
    if (ar & 0x10)
        return true;   /* every code/data segment */
    unsigned type = ar & 0xf;
    bool lm = c->efer & EFER_LMA;
    switch (type) {
    case DESC_LDT: case DESC_TSS_AVAIL: case DESC_TSS_BUSY: return true;
    case DESC_TSS16_AVAIL: case DESC_TSS16_BUSY: return !lm;
    case DESC_CALL: return !lsl;
    case DESC_CALL16: case DESC_TASK: return !lm && !lsl;
    default: return false;
    }
}

static void set_zf(struct cpu *c, bool z)
{
    c->rflags = z ? (c->rflags | RFLAGS_ZF) : (c->rflags & ~RFLAGS_ZF);
}

void exec_lar_lsl(struct cpu *c, const struct insn *in)
{
    if (c->mode == MODE_REAL || c->mode == MODE_V86)
        cpu_fault(c, EXC_UD, 0);
    u16 sel = (u16)opnd_read(c, in, 1);
    u64 desc;
    bool lsl = in->sub == SUB_LSL;
    if (!desc_peek(c, sel, &desc) || !lar_lsl_type_ok(c, desc, lsl) || !desc_visible(c, sel, desc)) {
        set_zf(c, false);
        return;
    }
    u64 v;
    if (lsl) {
        struct seg s;
        seg_from_desc(&s, sel, desc);
        v = s.limit;
    } else {
        v = (desc >> 32) & 0x00f0ff00;   /* access rights bytes, as LAR returns them */
    }
    set_zf(c, true);
    opnd_write(c, in, 0, v);
}

void exec_verr_verw(struct cpu *c, const struct insn *in)
{
    if (c->mode == MODE_REAL || c->mode == MODE_V86)
        cpu_fault(c, EXC_UD, 0);
    u16 sel = (u16)opnd_read(c, in, 0);
    u64 desc;
    bool ok = desc_peek(c, sel, &desc) && desc_visible(c, sel, desc);
    if (ok) {
        unsigned ar = (desc >> 40) & 0xff;
        bool code = ar & 0x8, rw = ar & 0x2;
        ok = (ar & 0x10) && (in->sub == SUB_VERW ? (!code && rw) : (!code || rw));
    }
    set_zf(c, ok);
}

void exec_arpl(struct cpu *c, const struct insn *in)
{
    struct rmw r;
    u64 d = opnd_read_rmw(c, in, 0, &r);
    u64 s = opnd_read(c, in, 1);
    if ((d & 3) < (s & 3)) {
        opnd_write_rmw(c, in, 0, &r, (d & ~3ull) | (s & 3));
        set_zf(c, true);
    } else {
        set_zf(c, false);
    }
}

/* RDRAND/RDSEED: a deterministic xorshift generator per vCPU (DESIGN.md: deterministic), CF = 1
 * (a value is always available), other arithmetic flags cleared (SDM 2B "RDRAND"). */
void exec_rdrand(struct cpu *c, const struct insn *in)
{
    if (unlikely(c->vmx_nonroot))   /* RDRAND is 0F C7 /6, RDSEED 0F C7 /7 */
        vmx_intercept(c, in, ((in->bytes[in->len - 1] >> 3) & 7) == 7 ? ICPT_RDSEED : ICPT_RDRAND);
    u64 x = c->rng_state ? c->rng_state : 0x2545f4914f6cdd1dull ^ (u64)(c->id + 1);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c->rng_state = x;
    opnd_write(c, in, 0, x);
    c->rflags = (c->rflags & ~RFLAGS_ARITH) | RFLAGS_CF;
}

/* LDS/LES/LSS/LFS/LGS r, m16:16/32/64 (in->sub = enum seg_reg): offset then selector from memory; the segment load
 * (with its protected-mode checks) happens before the register is written (SDM 2A "LDS"). */
void exec_load_far_ptr(struct cpu *c, const struct insn *in)
{
    const struct opnd *m = &in->op[1];
    unsigned osz = in->op[0].size;
    u64 ea = opnd_ea(c, in, m);
    u64 off = mem_read(c, m->seg, ea, osz);
    u16 sel = (u16)mem_read(c, m->seg, (ea + osz) & bits_mask_bytes(in->addrsize), 2);
    seg_load(c, in->sub, sel);   /* sub = the segment register (dispatch.c) */
    gpr_write(c, in->op[0].reg, osz, off);
}
