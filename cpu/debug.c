/* cpu/debug.c — breakpoints, single-step and DR6/DR7 (SDM 3B §18.2-18.3). */
#include "cpu/debug.h"

#include "cpu/events.h"
#include "cpu/exec.h"
#include "vmx/hooks.h"

/* DR7 fields of breakpoint n: enabled (L or G), R/W type and length in bytes. */
static bool dr7_enabled(u64 dr7, unsigned n)
{
    return (dr7 >> (2 * n)) & 3;
}

static unsigned dr7_rw(u64 dr7, unsigned n)
{
    return (dr7 >> (16 + 4 * n)) & 3;
}

static unsigned dr7_len(u64 dr7, unsigned n)
{
    static const u8 len[4] = {1, 2, 8, 4};   /* 10b = 8 bytes (SDM 3B §18.2.5) */
    return len[(dr7 >> (18 + 4 * n)) & 3];
}

enum { RW_EXEC = 0, RW_WRITE = 1, RW_IO = 2, RW_RW = 3 };

/* A #DB is being generated: the processor clears IA32_DEBUGCTL.BTF, so a debugger stepping on
   branches sets it again before it resumes (SDM 3B §18.4.3). */
static void debug_clear_btf(struct cpu *c)
{
    c->msr.debugctl &= ~DEBUGCTL_BTF;
}

void debug_update(struct cpu *c)
{
    u64 dr7 = c->dr[7];
    c->dbg_exec_armed = false;
    c->dbg_data_armed = false;
    for (unsigned n = 0; n < 4; n++) {
        if (!dr7_enabled(dr7, n))
            continue;
        unsigned rw = dr7_rw(dr7, n);
        if (rw == RW_EXEC)
            c->dbg_exec_armed = true;
        else if (rw != RW_IO || (c->cr4 & CR4_DE))
            c->dbg_data_armed = true;   /* R/W = 10b without CR4.DE is undefined: ignored */
    }
    if (c->dbgr) {
        c->dbg_exec_armed |= c->dbgr->exec_armed;
        c->dbg_data_armed |= c->dbgr->data_armed;
    }
    tlb_flush_all(&c->tlb);   /* watched pages must leave the direct-access path */
}

void debug_check_insn(struct cpu *c)
{
    if (c->dbgr && c->dbgr->exec_armed) {
        la_t la = c->mode == MODE_LONG64 ? c->rip : (u32)(c->seg[SEG_CS].base + c->rip);
        if (c->dbgr->insn(c->dbgr->opaque, c, la)) {
            c->stop_request = true;   /* the debugger stops before the instruction */
            c->stop_reason = STOP_REQUEST;
            longjmp(c->step_env, 1);
        }
    }
    if (c->rflags & RFLAGS_RF)
        return;   /* RF: instruction breakpoints ignored for this instruction */
    /* Intel inhibits code breakpoints while MOV SS/POP SS blocking is in effect; AMD reports
       them (kvm-unit-tests emulator "#DB suppressed after MOV SS"). */
    if (c->intr_shadow && c->movss_shadow && c->insns == c->shadow_at &&
        c->model.vendor == VENDOR_INTEL)
        return;
    u64 dr7 = c->dr[7];
    la_t la = c->mode == MODE_LONG64 ? c->rip : (u32)(c->seg[SEG_CS].base + c->rip);
    u32 hit = 0;
    for (unsigned n = 0; n < 4; n++)
        if (dr7_enabled(dr7, n) && dr7_rw(dr7, n) == RW_EXEC && c->dr[n] == la)
            hit |= DR6_B(n);
    if (!hit)
        return;
    /* A fault: RIP stays at the instruction and RF is pushed as 0, so the handler decides
       whether to resume with RF = 1 (SDM 3B §18.3.1.1). */
    if (unlikely(c->vmx_nonroot))
        vmx_debug_fault(c, hit);   /* exception bitmap: VM exit instead (vmx/hooks.h) */
    c->dr[6] = (c->dr[6] & ~0xfull) | hit;
    debug_clear_btf(c);
    cpu_fault(c, EXC_DB, 0);
}

/* Did the instruction just executed transfer control: is RIP anywhere but its fall-through
   address? A REP string instruction that resumes itself is not a branch. (A taken jump whose
   target is its own fall-through address is indistinguishable here and counts as not taken.) */
static bool debug_insn_branched(const struct cpu *c, const struct insn *in)
{
    if (in->flags & (INSN_REP | INSN_REPNE))
        return false;
    u64 fall = c->insn_rip + in->len;
    if (c->mode != MODE_LONG64)
        fall &= (c->seg[SEG_CS].ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;
    return c->rip != fall;
}

void debug_after_insn(struct cpu *c, const struct insn *in, u64 fl0)
{
    /* RF is cleared when the instruction it covered completes, except by an IRET that loads
       it and a REP string instruction that stopped with iterations left, which keeps it set
       (exec_string; SDM 3B §18.3.1.1). */
    bool rep_left = (in->flags & (INSN_REP | INSN_REPNE)) && c->rip == c->insn_rip;
    if ((fl0 & RFLAGS_RF) && in->exec != exec_iret && !rep_left)
        c->rflags &= ~RFLAGS_RF;
    /* Single-step: TF was set when the instruction began. SYSCALL/SYSRET look at TF when
       they end instead and queue the trap themselves. */
    if (!(fl0 & RFLAGS_TF) || in->exec == exec_syscall || in->exec == exec_sysret)
        return;
    /* BTF with TF: single-step on branches only (SDM 3B §18.4.3). */
    if (unlikely(c->msr.debugctl & DEBUGCTL_BTF) && !debug_insn_branched(c, in))
        return;
    debug_queue(c, DR6_BS);
}

void debug_check_data(struct cpu *c, la_t la, unsigned size, bool write)
{
    if (c->dbgr && c->dbgr->data_armed)
        c->dbgr->data(c->dbgr->opaque, c, la, size, write);
    u64 dr7 = c->dr[7];
    u32 hit = 0;
    for (unsigned n = 0; n < 4; n++) {
        if (!dr7_enabled(dr7, n))
            continue;
        unsigned rw = dr7_rw(dr7, n);
        if (!(rw == RW_RW || (rw == RW_WRITE && write)))
            continue;
        unsigned len = dr7_len(dr7, n);
        la_t base = c->dr[n] & ~(la_t)(len - 1);   /* the address is aligned down to LEN */
        if (la < base + len && base < la + size)
            hit |= DR6_B(n);
    }
    if (hit)
        debug_queue(c, hit);
}

bool debug_page_watched(const struct cpu *c, la_t la, pa_t pa)
{
    if (c->dbgr && c->dbgr->data_armed && c->dbgr->page(c->dbgr->opaque, c, la, pa))
        return true;
    u64 dr7 = c->dr[7];
    for (unsigned n = 0; n < 4; n++) {
        unsigned rw = dr7_rw(dr7, n);
        if (!dr7_enabled(dr7, n) || !(rw == RW_WRITE || rw == RW_RW))
            continue;
        unsigned len = dr7_len(dr7, n);
        la_t base = c->dr[n] & ~(la_t)(len - 1);
        if ((base >> 12) == (la >> 12) || ((base + len - 1) >> 12) == (la >> 12))
            return true;
    }
    return false;
}

void debug_check_io(struct cpu *c, u16 port, unsigned size)
{
    if (!(c->cr4 & CR4_DE))
        return;
    u64 dr7 = c->dr[7];
    u32 hit = 0;
    for (unsigned n = 0; n < 4; n++) {
        if (!dr7_enabled(dr7, n) || dr7_rw(dr7, n) != RW_IO)
            continue;
        unsigned len = dr7_len(dr7, n);
        u32 base = (u32)(c->dr[n] & 0xffff) & ~(len - 1);
        if (port < base + len && base < (u32)port + size)
            hit |= DR6_B(n);
    }
    if (hit)
        debug_queue(c, hit);
}

void debug_check_gd(struct cpu *c)
{
    if (!(c->dr[7] & DR7_GD))
        return;
    /* General detect is a fault taken before the MOV DR executes; the processor clears GD so
       the handler can use the debug registers, and RF is pushed as 1 as for every fault other
       than an instruction breakpoint (SDM 3B §18.2.4). */
    c->rflags |= RFLAGS_RF;
    if (unlikely(c->vmx_nonroot))
        vmx_debug_fault(c, DR6_BD);   /* exception bitmap: VM exit, RF saved as 1 */
    c->dr[6] = (c->dr[6] & ~0xfull) | DR6_BD;
    c->dr[7] &= ~DR7_GD;
    debug_clear_btf(c);
    cpu_fault(c, EXC_DB, 0);
}

void debug_deliver_pending(struct cpu *c)
{
    u32 p = c->dbg_pending;
    c->dbg_pending = 0;
    if (unlikely(c->vmx_nonroot))
        vmx_debug_trap(c, p);   /* exception bitmap: VM exit instead (vmx/hooks.h) */
    c->dr[6] = (c->dr[6] & ~0xfull) | p;
    debug_clear_btf(c);
    c->insn_rip = c->rip;
    c->insn_rsp = c->gpr[RSP];
    log_printf(c->bus.log, LOG_INT, "cpu%d: #DB trap dr6=%#llx at rip=%#llx", c->id,
               (unsigned long long)c->dr[6], (unsigned long long)c->rip);
    event_deliver(c, EXC_DB, 0, EVT_HW_EXC);
}
