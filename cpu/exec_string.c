/* cpu/exec_string.c — MOVS, STOS, LODS, CMPS, SCAS, INS, OUTS with REP/REPE/REPNE and
 * segment overrides (SDM 2B "REP/REPE/REPZ/REPNE/REPNZ"). A REP instruction executes a bounded
 * number of iterations per step and restarts itself (RIP left at the instruction), so
 * interrupts and faults are taken between iterations with RCX/RSI/RDI exact. */
#include "cpu/alu.h"
#include "cpu/exec.h"
#include "cpu/operand.h"
#include "vmx/hooks.h"

#define REP_BATCH 4096   /* iterations per step before yielding to events */

/* Leave a REP instruction with iterations remaining: RIP stays at it, and RF is set so that an
   interrupt or debug trap taken now pushes RF = 1 and the resumed instruction does not hit
   its own code breakpoint again; the step loop clears RF when the instruction completes
   (SDM 3B §18.3.1.1). */
static void rep_yield(struct cpu *c)
{
    c->rip = c->insn_rip;
    c->rflags |= RFLAGS_RF;
}

void exec_string(struct cpu *c, const struct insn *in)
{
    unsigned size = in->opsize;   /* operand width of B/W/D/Q forms */
    u64 amask = bits_mask_bytes(in->addrsize);
    bool rep = in->flags & (INSN_REP | INSN_REPNE);
    bool cond = in->sub == SUB_CMPS || in->sub == SUB_SCAS;
    /* Single-stepping a REP string traps after every iteration (SDM 3B §18.3.1.4). */
    unsigned batch = (c->rflags & RFLAGS_TF) ? 1 : REP_BATCH;
    i64 step = (c->rflags & RFLAGS_DF) ? -(i64)size : (i64)size;
    /* The source operand's segment (overridable); ES:rDI is never overridable. */
    unsigned src_seg = SEG_DS;
    for (unsigned i = 0; i < in->nopnds; i++)
        if (in->op[i].kind == OPND_MEM && in->op[i].base == RSI)
            src_seg = in->op[i].seg;
    if (in->sub == SUB_INS || in->sub == SUB_OUTS) {
        io_check(c, (u16)c->gpr[RDX], size);
        if (unlikely(c->vmx_nonroot))
            vmx_intercept_io(c, in, (u16)c->gpr[RDX], size, in->sub == SUB_INS, true, rep);
    }

    for (unsigned n = 0;; n++) {
        if (rep && (c->gpr[RCX] & amask) == 0)
            return;
        if (rep && n == batch) {
            rep_yield(c);   /* resume this instruction at the next step */
            return;
        }
        u64 si = c->gpr[RSI] & amask, di = c->gpr[RDI] & amask;
        bool stop = false;
        switch (in->sub) {
        case SUB_MOVS: mem_write(c, SEG_ES, di, size, mem_read(c, src_seg, si, size)); break;
        case SUB_STOS: mem_write(c, SEG_ES, di, size, c->gpr[RAX]); break;
        case SUB_LODS: gpr_write(c, RAX, size, mem_read(c, src_seg, si, size)); break;
        case SUB_CMPS: {
            u64 a = mem_read(c, src_seg, si, size), b = mem_read(c, SEG_ES, di, size);
            alu_sub(size, a, b, &c->rflags);
            break;
        }
        case SUB_SCAS: alu_sub(size, c->gpr[RAX] & bits_mask_bytes(size), mem_read(c, SEG_ES, di, size), &c->rflags); break;
        case SUB_INS: {
            /* Probe the destination before the port read: the read may have side effects. */
            la_t la = access_seg_la(c, SEG_ES, di, size, true);
            access_probe_write(c, la, size, access_data_priv(c));
            mem_write(c, SEG_ES, di, size, io_in(c, (u16)c->gpr[RDX], size));
            break;
        }
        case SUB_OUTS: io_out(c, (u16)c->gpr[RDX], size, mem_read(c, src_seg, si, size)); break;
        }
        /* Commit the iteration. */
        bool uses_si = in->sub == SUB_MOVS || in->sub == SUB_LODS || in->sub == SUB_CMPS || in->sub == SUB_OUTS;
        bool uses_di = in->sub != SUB_LODS && in->sub != SUB_OUTS;
        if (uses_si)
            c->gpr[RSI] = in->addrsize == 4 ? (u32)(si + step) : (c->gpr[RSI] & ~amask) | ((si + step) & amask);
        if (uses_di)
            c->gpr[RDI] = in->addrsize == 4 ? (u32)(di + step) : (c->gpr[RDI] & ~amask) | ((di + step) & amask);
        if (!rep)
            return;
        u64 cnt = ((c->gpr[RCX] & amask) - 1) & amask;
        c->gpr[RCX] = in->addrsize == 4 ? cnt : (c->gpr[RCX] & ~amask) | cnt;
        if (cond) {
            bool zf = c->rflags & RFLAGS_ZF;
            stop = (in->flags & INSN_REPNE) ? zf : !zf;
        }
        if (stop)
            return;
        if (c->attention) {   /* an event arrived (e.g. a device interrupt): take it now */
            if (cnt)
                rep_yield(c);
            return;
        }
    }
}
