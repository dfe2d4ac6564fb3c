/* vmx/hooks.h — the narrow interface the CPU calls into VMX through. Every call site in cpu/
 * sits behind `if (unlikely(c->vmx_nonroot))` or `if (unlikely(c->vmx_on))`, so a CPU that
 * never executes VMXON pays one predictable branch on cold paths only. */
#ifndef HVSIM_VMX_HOOKS_H
#define HVSIM_VMX_HOOKS_H

#include <stdio.h>

#include "cpu/cpu.h"
#include "mmu/ept.h"
#include "mmu/paging.h"

/* Per-CPU VMX state: created with the CPU, dropped on RESET (leaves VMX operation). */
int vmx_cpu_create(struct cpu *c) MUST_CHECK;
void vmx_cpu_destroy(struct cpu *c);
void vmx_cpu_reset(struct cpu *c);

/* -stats: VM entries, and exits per reason with the modelled cycles until the next entry.
 * Prints nothing for a CPU that never left non-root operation. */
void vmx_print_stats(const struct cpu *c, FILE *out);

/* RDMSR of 480H..491H. False: #GP. */
bool vmx_msr_read(struct cpu *c, u32 idx, u64 *v) MUST_CHECK;

/* In VMX operation: may CR0/CR4 take this value (fixed bits, CR4.VMXE)? False: #GP(0). */
bool vmx_cr0_allowed(const struct cpu *c, u64 v);
bool vmx_cr4_allowed(const struct cpu *c, u64 v);

/* Instruction intercepts in VMX non-root operation. Each either causes a VM exit (does not
 * return) or returns so the instruction executes normally. Call after the checks that have
 * priority over VM exits (SDM 3C §26.1.1: #UD, CPL-based #GP). */
enum vmx_icpt {
    ICPT_CPUID, ICPT_HLT, ICPT_INVLPG, ICPT_RDTSC, ICPT_RDTSCP, ICPT_RDMSR, ICPT_WRMSR,
    ICPT_WBINVD, ICPT_INVD, ICPT_RDRAND, ICPT_RDSEED, ICPT_RDPMC, ICPT_PAUSE, ICPT_MWAIT,
    ICPT_MONITOR, ICPT_XSETBV, ICPT_GETSEC, ICPT_INVPCID, ICPT_DESC_GDT_IDT, ICPT_DESC_LDT_TR, ICPT_RDPID,
};
void vmx_intercept(struct cpu *c, const struct insn *in, enum vmx_icpt what);

/* Port I/O (IN/OUT/INS/OUTS) after the I/O-permission checks. */
void vmx_intercept_io(struct cpu *c, const struct insn *in, u16 port, unsigned size, bool is_in,
                      bool string, bool rep);

/* MOV to/from CRn, CLTS, LMSW, MOV DR (SDM 3C §26.1.3, §26.3). The write filters return the
 * value the instruction really writes (guest/host-masked bits kept); the read filter returns
 * what the guest sees (read shadows). */
u64 vmx_cr_write(struct cpu *c, const struct insn *in, unsigned cr, unsigned gpr, u64 v);
u64 vmx_cr_read(struct cpu *c, const struct insn *in, unsigned cr, unsigned gpr, u64 v);
bool vmx_clts(struct cpu *c, const struct insn *in);             /* false: CR0.TS unchanged */
u64 vmx_lmsw(struct cpu *c, const struct insn *in, u64 src);       /* new CR0[3:0] source */
void vmx_mov_dr(struct cpu *c, const struct insn *in, unsigned dr, unsigned gpr, bool to_dr);

/* A task switch in non-root operation: always a VM exit (SDM 3C §26.1.2), qualification =
 * TSS selector | source << 30 (Table 28-2; source is enum task_source). Does not return. */
_Noreturn void vmx_task_switch(struct cpu *c, u16 sel, unsigned source);

/* TSC as the guest reads it (TSC offsetting). */
u64 vmx_guest_tsc(const struct cpu *c, u64 tsc);

/* An exception or software interrupt raised in non-root operation: VM exit if the exception
 * bitmap says so (returns otherwise). kind is enum event_kind. */
void vmx_exception(struct cpu *c, unsigned vector, u32 err, int kind);

/* Single-step/data/I/O breakpoint traps about to be delivered as one #DB (`bits` are the
 * DR6 bits): VM exit if the exception bitmap intercepts #DB (DR6 is left unchanged and the
 * bits go to the exit qualification, SDM 3C §28.2.1); returns otherwise. */
void vmx_debug_trap(struct cpu *c, u32 bits);

/* An instruction-breakpoint or general-detect #DB fault (`bits`: B0-B3 or BD) about to be
 * raised: VM exit at the instruction if the exception bitmap intercepts #DB, leaving DR6, DR7
 * and IA32_DEBUGCTL unchanged (SDM 3C §28.2.1); returns otherwise. */
void vmx_debug_fault(struct cpu *c, u32 bits);

/* An event is about to be delivered through the guest IDT; a VM exit before its delivery
 * completes reports it as IDT-vectoring information (SDM 3C §28.2.4). */
void vmx_note_delivery(struct cpu *c, unsigned vector, u32 err, int kind, bool has_err);

/* IRET in non-root operation with (virtual-)NMI blocking: the blocking ends before the IRET
 * can fault, and a VM exit for its fault reports "NMI unblocking due to IRET" (SDM 3C
 * §28.2.3, Table 28-7 bit 12). */
void vmx_iret_unblock_nmi(struct cpu *c);

/* Triple fault in non-root operation: VM exit (reason 2); returns after the exit. */
void vmx_triple_fault(struct cpu *c);

/* Pending-event service at an instruction boundary in non-root operation (INIT, NMI and
 * external-interrupt exiting, interrupt window). True if it handled something (a VM exit
 * happened), false to continue with normal delivery. */
bool vmx_events(struct cpu *c);

/* The 2-D walk in non-root operation with "enable EPT" (SDM 3C §28.3.1): the guest walk with
 * every paging-structure gpa translated through EPT, then the final gpa; out->pa is physical
 * and out->perm is limited by the EPT permissions. An EPT violation or misconfiguration causes
 * its VM exit and does not return; PAGING_PF is the guest's own page fault. The caller tests
 * (c->tlb_tag & TLB_EPT_MASK) first. */
enum paging_status vmx_ept_walk(struct cpu *c, la_t la, enum paging_kind kind, enum paging_priv priv,
                                struct paging_result *out) MUST_CHECK;

/* The virtualization part of the TLB tag in non-root operation: VPID << 32 when "enable
 * VPID", the EPTP identity << 48 when "enable EPT" (SDM 3C §29.4.1). */
u64 vmx_tlb_vtag(struct cpu *c);

/* Point a paging context's memory callbacks through EPT (PDPTE loads under EPT). */
void vmx_ept_paging_ctx(struct cpu *c, struct paging_ctx *ctx);

/* Is the CPU translating through EPT now (non-root operation with "enable EPT")? */
static inline bool vmx_ept_active(const struct cpu *c)
{
    return (c->tlb_tag & TLB_EPT_MASK) != 0;
}

/* The debugger's view, side-effect free (RAM only, no A/D flags, no VM exit, no counters):
 * the EPT walk of gpa under the current VMCS's EPTP (its A/D-enable bit ignored), and the 2-D
 * translation of a linear address (0, or -1 when it would fault). */
enum ept_status vmx_ept_peek(struct cpu *c, gpa_t gpa, unsigned access, struct ept_result *r);
int vmx_ept_debug_translate(struct cpu *c, la_t la, pa_t *pa);
/* Point a paging context's memory callbacks through vmx_ept_peek (guest tables read through
 * the current VMCS's EPT, no flags set). */
void vmx_ept_peek_ctx(struct cpu *c, struct paging_ctx *ctx);

#endif
