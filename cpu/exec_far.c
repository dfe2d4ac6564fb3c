/* cpu/exec_far.c — far control transfers and the flags image: far JMP/CALL, RETF, IRET,
 * PUSHF/POPF (SDM 2A "JMP", "CALL", "RET", "IRET", 2B "POPF"). Task switches are in
 * cpu/task.c, call gates in cpu/gate.c. */
#include "cpu/events.h"
#include "cpu/exec.h"
#include "cpu/gate.h"
#include "cpu/operand.h"
#include "cpu/seg.h"
#include "cpu/task.h"
#include "vmx/hooks.h"

/* Resolve the selector:offset of a far JMP/CALL operand (ptr16:16/32 or m16:16/32/64). */
static void far_operand(struct cpu *c, const struct insn *in, u16 *sel, u64 *off)
{
    const struct opnd *o = &in->op[0];
    if (o->kind == OPND_PTR) {
        *sel = opnd_ptr_sel(o);
        *off = opnd_ptr_off(o);
        return;
    }
    unsigned osz = in->opsize;
    u64 ea = opnd_ea(c, in, o);
    *off = mem_read(c, o->seg, ea, osz);
    *sel = (u16)mem_read(c, o->seg, (ea + osz) & bits_mask_bytes(in->addrsize), 2);
}

/* Checks for a direct far transfer to a code segment at the same privilege (SDM 2A "JMP"
 * protected-mode pseudo-code). Returns the descriptor; or 0 when sel named a call gate, a
 * TSS or a task gate and the transfer through it is done. */
static u64 far_code_desc(struct cpu *c, u16 sel, la_t *dla, enum task_source src)
{
    if ((sel & ~3u) == 0)
        cpu_fault(c, EXC_GP, 0);
    u64 desc = seg_read_desc(c, sel, EXC_GP, dla);
    unsigned ar = (desc >> 40) & 0xff, dpl = (ar >> 5) & 3, rpl = sel & 3;
    if (!(ar & 0x10)) {
        unsigned type = ar & 0xf;
        if (type == DESC_CALL || type == DESC_CALL16) {
            gate_far_transfer(c, sel, desc, *dla, src == TASK_CALL);
            return 0;
        }
        if (type == DESC_TASK || type == DESC_TSS_AVAIL || type == DESC_TSS16_AVAIL) {
            task_far_transfer(c, sel, desc, src);
            return 0;
        }
        cpu_fault(c, EXC_GP, sel & ~3u);
    }
    if (!(ar & 0x8))
        cpu_fault(c, EXC_GP, sel & ~3u);
    bool conforming = ar & 0x4;
    if (conforming ? dpl > c->cpl : (rpl > c->cpl || dpl != c->cpl))
        cpu_fault(c, EXC_GP, sel & ~3u);
    if (!(ar & 0x80))
        cpu_fault(c, EXC_NP, sel & ~3u);
    if ((c->efer & EFER_LMA) && (desc & (1ull << 53)) && (desc & (1ull << 54)))
        cpu_fault(c, EXC_GP, sel & ~3u);
    return desc;
}

static u64 far_target_check(struct cpu *c, u64 desc, u64 off, unsigned osz)
{
    bool to64 = (c->efer & EFER_LMA) && (desc & (1ull << 53));
    if (to64) {
        if (!bits_is_canonical(off, c->la_width))
            cpu_fault(c, EXC_GP, 0);
        return off;
    }
    off &= bits_mask_bytes(osz > 4 ? 4 : osz);
    struct seg tmp;
    seg_from_desc(&tmp, 0, desc);
    if (off > tmp.limit)
        cpu_fault(c, EXC_GP, 0);
    return off;
}

static void real_far_jump(struct cpu *c, u16 sel, u64 off, unsigned osz)
{
    struct seg *cs = &c->seg[SEG_CS];
    off &= bits_mask_bytes(osz);
    if (off > cs->limit)
        cpu_fault(c, EXC_GP, 0);
    cs->sel = sel;
    cs->base = (u64)sel << 4;
    c->rip = off;
}

void exec_jmp_far(struct cpu *c, const struct insn *in)
{
    u16 sel;
    u64 off;
    far_operand(c, in, &sel, &off);
    if (c->mode == MODE_REAL || c->mode == MODE_V86) {
        real_far_jump(c, sel, off, in->opsize);
        return;
    }
    la_t dla;
    u64 desc = far_code_desc(c, sel, &dla, TASK_JMP);
    if (!desc)
        return;
    off = far_target_check(c, desc, off, in->opsize);
    seg_set_accessed(c, dla, desc);
    seg_load_cs(c, sel, desc, c->cpl);
    c->rip = off;
}

void exec_call_far(struct cpu *c, const struct insn *in)
{
    u16 sel;
    u64 off;
    far_operand(c, in, &sel, &off);
    unsigned osz = in->opsize;
    u16 old_cs = c->seg[SEG_CS].sel;
    u64 ret = c->rip;
    if (c->mode == MODE_REAL || c->mode == MODE_V86) {
        la_t low = access_seg_la(c, SEG_SS, (c->gpr[RSP] - 2 * osz) & bits_mask_bytes(stack_addr_size(c)), 2 * osz, true);
        access_probe_write(c, low, 2 * osz, access_data_priv(c));
        stack_push(c, osz, old_cs);
        stack_push(c, osz, ret);
        real_far_jump(c, sel, off, osz);
        return;
    }
    la_t dla;
    u64 desc = far_code_desc(c, sel, &dla, TASK_CALL);
    if (!desc)
        return;
    off = far_target_check(c, desc, off, osz);
    unsigned as = stack_addr_size(c);
    la_t low = access_seg_la(c, SEG_SS, (c->gpr[RSP] - 2 * osz) & bits_mask_bytes(as), 2 * osz, true);
    access_probe_write(c, low, 2 * osz, access_data_priv(c));
    stack_push(c, osz, old_cs);
    stack_push(c, osz, ret);
    seg_set_accessed(c, dla, desc);
    seg_load_cs(c, sel, desc, c->cpl);
    c->rip = off;
}

/* The RFLAGS bits a POPF/IRET may change at this CPL/IOPL (SDM 2B "POPF" Table 4-16). */
static u64 flags_writable(const struct cpu *c, unsigned osz, bool iret)
{
    u64 m = RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_TF |
            RFLAGS_DF | RFLAGS_OF | RFLAGS_NT | RFLAGS_AC | RFLAGS_ID;
    unsigned iopl = (c->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT;
    if (c->cpl == 0)
        m |= RFLAGS_IOPL | RFLAGS_IF;
    else if (c->cpl <= iopl)
        m |= RFLAGS_IF;
    if (iret) {
        m |= RFLAGS_RF;
        if (c->cpl == 0)
            m |= RFLAGS_VIF | RFLAGS_VIP | (c->mode == MODE_LONG64 ? 0 : RFLAGS_VM);
    }
    if (osz == 2)
        m &= 0xffff;
    return m;
}

static void flags_write(struct cpu *c, u64 v, u64 mask)
{
    u64 old_if = c->rflags & RFLAGS_IF;
    c->rflags = (c->rflags & ~mask) | (v & mask) | RFLAGS_FIXED1;
    c->rflags &= ~(BIT(3) | BIT(5) | BIT(15) | GENMASK(63, 22));
    if (!old_if && (c->rflags & RFLAGS_IF))
        c->attention = true;   /* a pending interrupt may now be taken */
}

void exec_pushf(struct cpu *c, const struct insn *in)
{
    if (c->mode == MODE_V86 && ((c->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT) < 3)
        cpu_fault(c, EXC_GP, 0);   /* no VME modelled */
    /* The image has VM and RF cleared (SDM 2B "PUSHF"). */
    stack_push(c, in->opsize, c->rflags & ~(RFLAGS_VM | RFLAGS_RF));
}

void exec_popf(struct cpu *c, const struct insn *in)
{
    unsigned osz = in->opsize;
    if (c->mode == MODE_V86 && ((c->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT) < 3)
        cpu_fault(c, EXC_GP, 0);
    u64 v = stack_peek(c, osz, 0);
    u64 mask = flags_writable(c, osz, false);
    if (c->mode == MODE_V86)
        mask &= ~RFLAGS_IOPL;   /* IOPL is not changed in virtual-8086 mode */
    stack_adjust(c, osz);
    flags_write(c, v, mask);
}

/* RETURN-TO-VIRTUAL-8086-MODE (SDM 2A "IRET"): a 32-bit IRET at CPL 0 whose EFLAGS image
 * has VM = 1 pops ESP, SS, ES, DS, FS, GS too and resumes at CPL 3 in virtual-8086 mode. */
static void iret_to_v86(struct cpu *c, u64 ip, u16 cs, u64 fl)
{
    u64 sp = stack_peek(c, 4, 12);
    u16 sel[SEG_COUNT];
    sel[SEG_CS] = cs;
    sel[SEG_SS] = (u16)stack_peek(c, 4, 16);
    sel[SEG_ES] = (u16)stack_peek(c, 4, 20);
    sel[SEG_DS] = (u16)stack_peek(c, 4, 24);
    sel[SEG_FS] = (u16)stack_peek(c, 4, 28);
    sel[SEG_GS] = (u16)stack_peek(c, 4, 32);
    if ((u32)ip > 0xffff)
        cpu_fault(c, EXC_GP, 0);   /* beyond the 64 KiB virtual-8086 CS limit */
    flags_write(c, fl, flags_writable(c, 4, true));
    cpu_update_mode(c);            /* VM = 1: virtual-8086 mode, CPL 3 */
    for (unsigned s = 0; s < SEG_COUNT; s++)
        seg_load(c, s, sel[s]);
    c->gpr[RSP] = (u32)sp;
    c->rip = (u32)ip;
}

void exec_iret(struct cpu *c, const struct insn *in)
{
    unsigned osz = in->opsize;
    /* In non-root operation the unblocking comes first (a fault of this IRET reports it);
       a task return instead exits (reason 9) before the IRET does anything. */
    if (unlikely(c->vmx_nonroot) && c->nmi_blocked &&
        !((c->rflags & RFLAGS_NT) && (c->cr0 & CR0_PE) && !(c->rflags & RFLAGS_VM) && !(c->efer & EFER_LMA)))
        vmx_iret_unblock_nmi(c);
    if (c->mode == MODE_REAL || (c->mode == MODE_V86)) {
        if (c->mode == MODE_V86 && ((c->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT) < 3)
            cpu_fault(c, EXC_GP, 0);
        u64 ip = stack_peek(c, osz, 0);
        u16 cs = (u16)stack_peek(c, osz, osz);
        u64 fl = stack_peek(c, osz, 2 * osz);
        if ((ip & bits_mask_bytes(osz)) > c->seg[SEG_CS].limit && c->mode == MODE_REAL)
            cpu_fault(c, EXC_GP, 0);
        stack_adjust(c, 3 * osz);
        c->seg[SEG_CS].sel = cs;
        c->seg[SEG_CS].base = (u64)cs << 4;
        c->rip = ip & bits_mask_bytes(osz);
        u64 mask = c->mode == MODE_REAL ? flags_writable(c, osz, true) & ~RFLAGS_VM
                                        : flags_writable(c, osz, false) & ~RFLAGS_IOPL;
        flags_write(c, fl, mask);
        c->nmi_blocked = false;
        if (c->nmi_pending)
            c->attention = true;   /* a held NMI is taken right after the IRET */
        return;
    }
    if (c->rflags & RFLAGS_NT) {
        if (c->efer & EFER_LMA)
            cpu_fault(c, EXC_GP, 0);
        task_iret(c);   /* TASK-RETURN to the previous task */
    } else {
        u64 ip = stack_peek(c, osz, 0);
        u16 cs = (u16)stack_peek(c, osz, osz);
        u64 fl = stack_peek(c, osz, 2 * osz);
        if (!(c->efer & EFER_LMA) && (fl & RFLAGS_VM) && c->cpl == 0 && osz == 4)
            iret_to_v86(c, ip, cs, fl);
        else
            far_return(c, osz, cs, ip, 3 * osz, true, fl);
    }
    c->nmi_blocked = false;   /* IRET unblocks NMIs (SDM 3A §6.7.1) */
    if (c->nmi_pending)
        c->attention = true;   /* a held NMI is taken right after the IRET */
}

void exec_retf(struct cpu *c, const struct insn *in)
{
    unsigned osz = in->opsize;
    u64 extra = in->nopnds && in->op[0].kind == OPND_IMM ? (in->op[0].imm & 0xffff) : 0;
    u64 ip = stack_peek(c, osz, 0);
    u16 cs = (u16)stack_peek(c, osz, osz);
    if (c->mode == MODE_REAL || c->mode == MODE_V86) {
        stack_adjust(c, 2 * osz + extra);
        real_far_jump(c, cs, ip, osz);
        return;
    }
    far_return(c, osz, cs, ip, 2 * osz + extra, false, 0);
}

/* Protected/long-mode far return shared by RETF and IRET: `popped` bytes are consumed
 * before an outer-level SS:RSP (SDM 2A "RET" and "IRET" pseudo-code). */
void far_return(struct cpu *c, unsigned osz, u16 cs, u64 ip, u64 popped, bool iret, u64 fl)
{
    if ((cs & ~3u) == 0)
        cpu_fault(c, EXC_GP, 0);
    unsigned rpl = cs & 3;
    if (rpl < c->cpl)
        cpu_fault(c, EXC_GP, cs & ~3u);
    la_t dla;
    u64 desc = seg_read_desc(c, cs, EXC_GP, &dla);
    unsigned ar = (desc >> 40) & 0xff, dpl = (ar >> 5) & 3;
    if ((ar & 0x18) != 0x18)
        cpu_fault(c, EXC_GP, cs & ~3u);
    bool conforming = ar & 0x4;
    if (conforming ? dpl > rpl : dpl != rpl)
        cpu_fault(c, EXC_GP, cs & ~3u);
    if (!(ar & 0x80))
        cpu_fault(c, EXC_NP, cs & ~3u);
    bool lm = c->efer & EFER_LMA;
    bool to64 = lm && (desc & (1ull << 53));
    if (lm && (desc & (1ull << 53)) && (desc & (1ull << 54)))
        cpu_fault(c, EXC_GP, cs & ~3u);
    /* 64-bit IRET always pops SS:RSP; otherwise only on a return to an outer level. */
    bool pop_stack = rpl > c->cpl || (iret && c->mode == MODE_LONG64);
    u64 new_sp = 0;
    u16 ss = 0;
    u64 ss_desc = 0;
    la_t ss_dla = 0;
    if (pop_stack) {
        new_sp = stack_peek(c, osz, popped);
        ss = (u16)stack_peek(c, osz, popped + osz);
        if ((ss & ~3u) == 0) {
            /* A null SS is allowed in 64-bit mode for a return to CPL < 3 (SDM 2A "IRET"). */
            if (!(lm && to64 && rpl != 3))
                cpu_fault(c, EXC_GP, 0);
        } else {
            ss_desc = seg_read_desc(c, ss, EXC_GP, &ss_dla);
            unsigned sar = (ss_desc >> 40) & 0xff;
            if ((ss & 3) != rpl || ((sar >> 5) & 3) != rpl || (sar & 0x1a) != 0x12)
                cpu_fault(c, EXC_GP, ss & ~3u);
            if (!(sar & 0x80))
                cpu_fault(c, EXC_SS, ss & ~3u);
        }
    }
    u64 target;
    if (to64) {
        if (!bits_is_canonical(ip, c->la_width))
            cpu_fault(c, EXC_GP, 0);
        target = ip;
    } else {
        target = ip & bits_mask_bytes(osz > 4 ? 4 : osz);
        struct seg tmp;
        seg_from_desc(&tmp, 0, desc);
        if (target > tmp.limit)
            cpu_fault(c, EXC_GP, 0);
    }
    /* Commit. Flags first, with the privilege of the IRET itself. */
    if (iret)
        flags_write(c, fl, flags_writable(c, osz, true) & ~RFLAGS_VM);
    unsigned old_cpl = c->cpl;
    seg_set_accessed(c, dla, desc);
    if (pop_stack) {
        if (ss_dla)
            seg_set_accessed(c, ss_dla, ss_desc);
        seg_load_cs(c, cs, desc, rpl);
        if ((ss & ~3u) == 0) {
            c->seg[SEG_SS].sel = ss;
            c->seg[SEG_SS].base = 0;
            c->seg[SEG_SS].limit = 0;
            c->seg[SEG_SS].ar = SEG_AR_UNUSABLE | ((u32)rpl << SEG_AR_DPL_SHIFT);
        } else {
            seg_from_desc(&c->seg[SEG_SS], ss, ss_desc | (1ull << 40));
        }
        if (!iret)
            new_sp += popped - 2 * osz;   /* RETF imm16: release the caller's parameters too */
        u64 mask = (lm && to64) ? ~0ull : ((c->seg[SEG_SS].ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull);
        c->gpr[RSP] = (c->gpr[RSP] & ~mask) | (new_sp & mask);
        if (mask == 0xffffffffull)
            c->gpr[RSP] = (u32)new_sp;
        if (rpl > old_cpl)
            seg_invalidate_for_cpl(c);
    } else {
        seg_load_cs(c, cs, desc, rpl);
        stack_adjust(c, popped);
    }
    c->rip = target;
}
