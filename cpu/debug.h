/* cpu/debug.h — the debug facilities of SDM 3B chapter 18: DR0-DR3 breakpoints (instruction,
 * data, I/O), DR6 status, DR7 control with general detect, TF single-step and RF. Traps are
 * collected in c->dbg_pending and delivered at the next instruction boundary by
 * events_service; instruction breakpoints and general detect are faults. Costs nothing on the
 * fast path while no breakpoint is armed and TF/RF are clear. */
#ifndef HVSIM_CPU_DEBUG_H
#define HVSIM_CPU_DEBUG_H

#include "cpu/cpu.h"

/* The simulator's debugger (debugger/) as the CPU sees it: its breakpoints and watchpoints ride
 * on the same armed flags as DR0-DR7, so they cost nothing while none is set. c->dbgr points
 * here (NULL: no debugger); after changing exec_armed/data_armed the debugger calls
 * debug_update on every vCPU. */
struct cpu_dbg_hooks {
    void *opaque;
    bool exec_armed;   /* insn is called before every instruction */
    bool data_armed;   /* data and page are called on the slow memory path */
    /* Before the instruction at linear address la: true stops the CPU before it (cpu_run
       returns STOP_REQUEST with RIP at the instruction). */
    bool (*insn)(void *opaque, struct cpu *c, la_t la);
    /* A data access of size bytes at la, before it is made. */
    void (*data)(void *opaque, struct cpu *c, la_t la, unsigned size, bool write);
    /* Must the page of la (physical page pa) stay off the direct-access path? */
    bool (*page)(void *opaque, const struct cpu *c, la_t la, pa_t pa);
    bool event_armed;  /* event is called at VM transitions (debug_event) */
    /* A VM transition on c (enum cpu_dbg_event) after it completed: info is the exit reason
       (VMEXIT, ENTRYFAIL) or the VM-entry interruption information (INJECT). */
    void (*event)(void *opaque, struct cpu *c, int kind, u64 info);
};

/* VM transitions the debugger can stop at (DESIGN.md "VMX": entry, exit, entry failure,
 * injection; SVM reports the same kinds). */
enum cpu_dbg_event { DBG_EV_VMENTRY, DBG_EV_VMEXIT, DBG_EV_ENTRYFAIL, DBG_EV_INJECT };

/* Tell the debugger about a VM transition: one predictable branch when none listens. */
static inline void debug_event(struct cpu *c, enum cpu_dbg_event kind, u64 info)
{
    if (unlikely(c->dbgr != NULL) && c->dbgr->event_armed)
        c->dbgr->event(c->dbgr->opaque, c, kind, info);
}

#define DR6_B(n) (1u << (n))
#define DR6_BD BIT(13)
#define DR6_BS BIT(14)
#define DR6_BT BIT(15)
#define DR7_GD BIT(13)
#define DEBUGCTL_BTF BIT(1)   /* single-step on branches (SDM 3B §18.4.3) */

/* Recompute the armed flags after a write to DR0-DR7 or CR4.DE (flushes the TLB so pages
 * holding a watched address leave the direct-access path). */
void debug_update(struct cpu *c);

/* Before executing the instruction at c->rip: raise an instruction-breakpoint #DB fault if
 * one matches and RFLAGS.RF is clear. Only called while c->dbg_exec_armed. */
void debug_check_insn(struct cpu *c);

/* After an instruction completed that started with RFLAGS `fl0` (TF or RF set): queue the
 * single-step trap — with IA32_DEBUGCTL.BTF only if the instruction branched — and clear RF
 * (SDM 3B §18.3.1.4, §18.4.3, §18.3.1.1). */
void debug_after_insn(struct cpu *c, const struct insn *in, u64 fl0);

/* Data breakpoints for an access of `size` bytes at la (slow memory path only). */
void debug_check_data(struct cpu *c, la_t la, unsigned size, bool write);

/* Does the 4 KiB page of la (physical page pa) hold an armed data breakpoint or a debugger
 * watchpoint? */
bool debug_page_watched(const struct cpu *c, la_t la, pa_t pa);

/* I/O breakpoints (CR4.DE = 1, R/W = 10b) for an access to port..port+size-1. */
void debug_check_io(struct cpu *c, u16 port, unsigned size);

/* MOV to/from DRn with DR7.GD = 1: #DB fault with DR6.BD (SDM 3B §18.2.4). */
void debug_check_gd(struct cpu *c);

/* Queue trap-class debug status bits and look at them at the next boundary. */
static inline void debug_queue(struct cpu *c, u32 dr6_bits)
{
    c->dbg_pending |= dr6_bits;
    c->attention = true;
}

/* Deliver the pending debug traps as one #DB: DR6.B0-B3 report exactly the breakpoints that
 * matched, BD/BS/BT are only ever set (SDM 3B §18.2.3). */
void debug_deliver_pending(struct cpu *c);

#endif
