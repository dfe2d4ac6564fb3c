/* cpu/exec_branch.c — near control transfer, stack instructions and software interrupts
 * (SDM 2A "CALL", "Jcc", "JMP", "LOOP", "RET", "PUSH", "POP", "PUSHF", "POPF", "ENTER",
 * "LEAVE", "INT n/INTO/INT3/INT1"). */
#include "cpu/alu.h"
#include "cpu/events.h"
#include "cpu/exec.h"
#include "cpu/operand.h"
#include "cpu/seg.h"

/* Set RIP for a near transfer: truncated to the operand size outside 64-bit mode, #GP(0)
 * when beyond the CS limit (outside 64-bit mode) or non-canonical (64-bit mode). */
u64 branch_check(struct cpu *c, unsigned opsize, u64 target)
{
    if (c->mode == MODE_LONG64) {
        if (opsize == 2)
            target &= 0xffff;   /* 66h in 64-bit mode (Intel: ignored for Jcc/JMP rel, AMD honours) */
        if (!bits_is_canonical(target, c->la_width))
            cpu_fault(c, EXC_GP, 0);
    } else {
        target &= bits_mask_bytes(opsize);
        if (target > c->seg[SEG_CS].limit)
            cpu_fault(c, EXC_GP, 0);
    }
    return target;
}

void branch_near(struct cpu *c, unsigned opsize, u64 target)
{
    c->rip = branch_check(c, opsize, target);
}

static u64 rel_target(const struct cpu *c, const struct insn *in)
{
    return c->rip + in->op[0].imm;
}

void exec_jmp(struct cpu *c, const struct insn *in)
{
    if (in->flags & INSN_FAR) {
        exec_jmp_far(c, in);
        return;
    }
    u64 t = (in->flags & INSN_REL) ? rel_target(c, in) : opnd_read(c, in, 0);
    branch_near(c, in->opsize, t);
}

void exec_jcc(struct cpu *c, const struct insn *in)
{
    if (alu_cond(in->cc, c->rflags))
        branch_near(c, in->opsize, rel_target(c, in));
}

static u64 count_reg(const struct cpu *c, const struct insn *in)
{
    return c->gpr[RCX] & bits_mask_bytes(in->addrsize);
}

void exec_jcxz(struct cpu *c, const struct insn *in)
{
    if (count_reg(c, in) == 0)
        branch_near(c, in->opsize, rel_target(c, in));
}

/* LOOP/LOOPE/LOOPNE (E2, E1, E0): the counter is decremented at the address size. */
void exec_loop(struct cpu *c, const struct insn *in)
{
    u64 mask = bits_mask_bytes(in->addrsize);
    u64 cnt = (c->gpr[RCX] - 1) & mask;
    u8 op = in->bytes[in->len - 2];
    bool zf = c->rflags & RFLAGS_ZF;
    bool take = cnt != 0 && (op == 0xe2 || (op == 0xe1 && zf) || (op == 0xe0 && !zf));
    u64 target = rel_target(c, in);
    if (take)
        branch_near(c, in->opsize, target);
    gpr_write(c, RCX, in->addrsize, cnt);   /* ECX (67h in 64-bit mode) zero-extends into RCX */
}

void exec_call(struct cpu *c, const struct insn *in)
{
    if (in->flags & INSN_FAR) {
        exec_call_far(c, in);
        return;
    }
    u64 t = (in->flags & INSN_REL) ? rel_target(c, in) : opnd_read(c, in, 0);
    t = branch_check(c, in->opsize, t);   /* a bad target faults before the push */
    stack_push(c, in->opsize, c->rip);
    c->rip = t;
}

void exec_ret(struct cpu *c, const struct insn *in)
{
    u64 t = stack_peek(c, in->opsize, 0);
    branch_near(c, in->opsize, t);
    u64 extra = in->nopnds && in->op[0].kind == OPND_IMM ? (in->op[0].imm & 0xffff) : 0;
    stack_adjust(c, in->opsize + extra);
}

void exec_push(struct cpu *c, const struct insn *in)
{
    const struct opnd *o = &in->op[0];
    if (o->kind == OPND_REG && o->regc == REGC_SEG) {
        /* A 32/64-bit push of a segment register writes 2 or all bytes; we write the
           zero-extended selector (the low 16 bits are what every CPU defines). */
        stack_push(c, in->opsize, c->seg[o->reg].sel);
        return;
    }
    u64 v = opnd_read(c, in, 0);
    if (o->kind == OPND_IMM)
        v = bits_sext_bytes(o->imm, 8) & bits_mask_bytes(in->opsize);
    stack_push(c, in->opsize, v);
}

void exec_pop(struct cpu *c, const struct insn *in)
{
    const struct opnd *o = &in->op[0];
    u64 v = stack_peek(c, in->opsize, 0);
    if (o->kind == OPND_REG && o->regc == REGC_SEG) {
        seg_load(c, o->reg, (u16)v);
        stack_adjust(c, in->opsize);
        if (o->reg == SEG_SS) {
            cpu_set_shadow_movss(c);   /* POP SS blocks interrupts for one instruction */
        }
        return;
    }
    /* POP into memory addressed through RSP uses the incremented RSP (SDM 2B "POP"). */
    u64 old = c->gpr[RSP];
    stack_adjust(c, in->opsize);
    if (o->kind == OPND_MEM) {
        u64 ea = opnd_ea(c, in, o);
        c->gpr[RSP] = old;   /* fault-safe: restore, write, then commit */
        mem_write(c, o->seg, ea, in->opsize, v);
        stack_adjust(c, in->opsize);
    } else {
        opnd_write(c, in, 0, v);
    }
}

void exec_pusha(struct cpu *c, const struct insn *in)
{
    unsigned sz = in->opsize;
    u64 sp = c->gpr[RSP];
    unsigned as = stack_addr_size(c);
    la_t low = access_seg_la(c, SEG_SS, (sp - 8 * sz) & bits_mask_bytes(as), 8 * sz, true);
    access_probe_write(c, low, 8 * sz, access_data_priv(c));
    for (unsigned r = RAX; r <= RDI; r++)
        stack_push(c, sz, r == RSP ? sp : c->gpr[r]);
}

void exec_popa(struct cpu *c, const struct insn *in)
{
    unsigned sz = in->opsize;
    u64 v[8];
    for (unsigned i = 0; i < 8; i++)
        v[i] = stack_peek(c, sz, i * sz);
    for (unsigned i = 0; i < 8; i++) {
        unsigned r = RDI - i;
        if (r != RSP)
            gpr_write(c, r, sz, v[i]);
    }
    stack_adjust(c, 8 * sz);
}

void exec_enter(struct cpu *c, const struct insn *in)
{
    unsigned sz = in->opsize;
    u64 alloc = in->op[0].imm & 0xffff;
    unsigned level = in->op[1].imm & 31;
    unsigned as = stack_addr_size(c);
    u64 mask = bits_mask_bytes(as);
    u64 frame_sp = (c->gpr[RSP] - sz) & mask;
    /* Probe the whole frame first so the instruction commits all or nothing. */
    u64 total = sz * (1 + level) + alloc;
    la_t low = access_seg_la(c, SEG_SS, (c->gpr[RSP] - total) & mask, 1, true);
    access_probe_write(c, low, 1, access_data_priv(c));
    stack_push(c, sz, gpr_read(c, RBP, sz));
    u64 bp = c->gpr[RBP];
    for (unsigned i = 1; i < level; i++) {
        bp = (bp - sz) & bits_mask_bytes(as);
        stack_push(c, sz, mem_read(c, SEG_SS, bp, sz));
    }
    if (level)
        stack_push(c, sz, frame_sp);
    gpr_write(c, RBP, sz, frame_sp);
    stack_adjust(c, -alloc);
}

void exec_leave(struct cpu *c, const struct insn *in)
{
    unsigned as = stack_addr_size(c);
    u64 mask = bits_mask_bytes(as);
    u64 bp = c->gpr[RBP] & mask;
    u64 v = mem_read(c, SEG_SS, bp, in->opsize);
    c->gpr[RSP] = (c->gpr[RSP] & ~mask) | ((bp + in->opsize) & mask);
    gpr_write(c, RBP, in->opsize, v);
}

void exec_int(struct cpu *c, const struct insn *in)
{
    /* Virtual-8086 mode with IOPL < 3: #GP(0) (SDM 3A §20.3.1, no VME redirection here). */
    if (c->mode == MODE_V86 && ((c->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT) < 3)
        cpu_fault(c, EXC_GP, 0);
    event_raise_soft(c, in->op[0].imm & 0xff, EVT_SW_INT);
}

void exec_int3(struct cpu *c, const struct insn *in)
{
    (void)in;
    event_raise_soft(c, EXC_BP, EVT_SW_EXC);
}

void exec_into(struct cpu *c, const struct insn *in)
{
    (void)in;
    if (c->rflags & RFLAGS_OF)
        event_raise_soft(c, EXC_OF, EVT_SW_EXC);
}

/* BOUND (SDM 2A "BOUND"): #BR, a fault, when the signed index in the register is below the
   first or above the second operand-size value of the memory pair. 64-bit mode has no BOUND
   (62H is EVEX there) and never gets here. */
void exec_bound(struct cpu *c, const struct insn *in)
{
    const struct opnd *r = &in->op[0], *m = &in->op[1];
    unsigned w = r->size;
    u64 ea = opnd_ea(c, in, m);
    u64 lo = mem_read(c, m->seg, ea, w);
    u64 hi = mem_read(c, m->seg, (ea + w) & (in->addrsize == 2 ? 0xffffu : 0xffffffffu), w);
    i64 idx = (i64)bits_sext_bytes(gpr_read(c, r->reg, w), w);
    if (idx < (i64)bits_sext_bytes(lo, w) || idx > (i64)bits_sext_bytes(hi, w))
        cpu_fault(c, EXC_BR, 0);
}

/* ICEBP: a trap-like #DB that reports no DR6 condition; it consumes debug traps held by MOV SS
   blocking, so exactly one #DB is delivered (kvm-unit-tests debug, "MOV SS + watchpoint +
   ICEBP"). */
void exec_int1(struct cpu *c, const struct insn *in)
{
    (void)in;
    c->dbg_pending = 0;
    event_raise_soft(c, EXC_DB, EVT_PRIV_SW);
}
