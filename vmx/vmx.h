/* vmx/vmx.h — per-CPU VMX state and the functions shared inside vmx/ (not for cpu/; the CPU
 * uses vmx/hooks.h). */
#ifndef HVSIM_VMX_VMX_H
#define HVSIM_VMX_VMX_H

#include "cpu/cpu.h"
#include "vmx/caps.h"
#include "vmx/controls.h"
#include "vmx/entry_checks.h"
#include "vmx/vmcs.h"

#define VMX_NO_VMCS UINT64_MAX

/* MSR-list entries hvsim processes: 512 * (IA32_VMX_MISC[27:25] + 1). A longer list fails
   at entry 513 instead of looping over guest-chosen 32-bit counts (SDM 3C §A.6 says longer
   lists have undefined results). */
#define VMX_MSR_LIST_MAX 512u

enum vmcs_launch { VMCS_CLEAR = 0, VMCS_LAUNCHED = 1 };

/* Paging controls the TLB's cached permissions were computed with (vmx/vpid.c). */
struct vmx_tlb_ctl {
    u64 ctl;    /* CR0.PG/WP/PE, EFER.NXE/LMA, CR4 paging bits << 32 */
    u32 pkru;
};
struct vmx_tlb_kept {
    u64 vtag;                 /* a guest TLB tag (VPID | EPTP identity), 0 = free */
    struct vmx_tlb_ctl ctl;   /* the controls its entries were made under */
};

struct vmx_cpu {
    struct vmx_caps caps;          /* (C) */
    u64 vmxon_ptr;                 /* VMXON region while in VMX operation */
    u64 current;                   /* current-VMCS pointer or VMX_NO_VMCS */
    u32 launch;                    /* launch state of the current VMCS */
    struct vmcs vmcs;              /* cache of the current VMCS */
    struct vmx_check_failure last_failure;   /* last failed VM entry, for the debugger/tests */
    u64 preempt_deadline;          /* cycles at which the preemption timer fires, or UINT64_MAX */
    u64 mtf_at;                    /* MTF exit once c->insns reaches this, or UINT64_MAX */
    u64 iret_unblock_at;           /* c->insns of an IRET that unblocked (virtual) NMIs */
    bool entry_dbg;                /* pending debug exceptions came from the VM entry */
    bool guest_shutdown;           /* guest in the shutdown activity state (CPU_HALTED) */
    u32 delivering_info, delivering_err;   /* event being delivered (IDT-vectoring format) */
    u32 delivering_len;            /* its instruction length (software events) */
    bool injecting;                /* the event comes from VM-entry injection */
    u64 exits, entries;            /* statistics */
#define VMX_STAT_REASONS 80
    u64 exit_count[VMX_STAT_REASONS];   /* per basic exit reason */
    u64 exit_cycles[VMX_STAT_REASONS];  /* modelled cycles from the exit to the next entry */
    u32 last_reason;               /* basic reason of the last exit (or VMX_STAT_REASONS) */
    u64 last_exit_at;              /* c->cycles at the last exit */
#define VMX_EPT_IDS 8
    u64 ept_ids[VMX_EPT_IDS];      /* EP4TA | 1 of each EPTP identity in TLB tags (slot + 1); 0 free */
    unsigned ept_next;             /* next slot to recycle */
    u64 ept_refs;                  /* statistics: EPT paging-structure references */
    u64 walks2d, walk2d_refs;      /* statistics: 2-D walks and all their memory references */
    struct vmx_tlb_ctl root_ctl;   /* vmx/vpid.c: root's paging controls at the last VM entry */
#define VMX_KEPT_TAGS 8
    struct vmx_tlb_kept kept[VMX_KEPT_TAGS];   /* guest tags whose entries may survive */
    unsigned kept_next;            /* next slot to recycle */
    u64 walk_scratch[16];          /* vmx/ept.c: 2-D walk state of a PDPTE load */
};

static inline struct vmx_cpu *vmx_of(const struct cpu *c)
{
    return c->vmx;
}

/* VMCS region I/O (vmx/vmcs_region.c): write the cache back / load it. */
void vmx_vmcs_flush(struct cpu *c);
void vmx_vmcs_load(struct cpu *c, u64 pa);

/* Instruction results (SDM 3C §31.2 "Conventions"). */
void vmx_succeed(struct cpu *c);
void vmx_fail_invalid(struct cpu *c);
void vmx_fail_valid(struct cpu *c, enum vmx_insn_error e);
void vmx_fail(struct cpu *c, enum vmx_insn_error e);   /* VMfailInvalid if no current VMCS */

/* VM entry (vmx/entry.c): all checks, guest-state load, MSR loads, event injection. */
void vmx_vmentry(struct cpu *c, bool launch);

/* VM exit (vmx/exit.c). Record the exit in the VMCS, save guest state, load host state.
 * `len` is the instruction length for instruction exits (0 otherwise). */
struct vmx_exit_info {
    u32 reason;
    u64 qual;
    u32 intr_info, intr_error;
    u32 insn_len, insn_info;
    u64 guest_linear;
    bool has_linear;
};
void vmx_vmexit(struct cpu *c, const struct vmx_exit_info *e);

/* A VM-entry failure after the guest-state checks (SDM 3C §27.8): record the exit
 * information and load host state, without saving guest state. */
void vmx_vmexit_failed_entry(struct cpu *c, const struct vmx_exit_info *e);

/* A fault-like VM exit caused by the current instruction: RIP/RSP back to the instruction,
 * exit, unwind to the step loop. */
_Noreturn void vmx_exit_insn(struct cpu *c, const struct insn *in, u32 reason, u64 qual, u32 info);

/* VM-exit instruction information of an instruction with a memory (or register) operand and
 * a register operand, INVEPT/INVPCID/INVVPID/VMX-instruction layout (SDM 3C §28.2.5
 * Table 28-13); -1 for an absent operand. */
u32 vmx_insn_info(const struct insn *in, int mem_or_reg1, int reg2);

/* The scopes of INVEPT and INVVPID by type (vmx/ept.c, SDM 3C §29.4.3.3); the tag itself is
 * vmx_tlb_vtag (vmx/hooks.h), applied by cpu_update_mode in non-root operation. */
enum { VMX_INVEPT_SINGLE = 1, VMX_INVEPT_ALL = 2 };
enum { VMX_INVVPID_ADDR = 0, VMX_INVVPID_SINGLE = 1, VMX_INVVPID_ALL = 2, VMX_INVVPID_SINGLE_NG = 3 };
void vmx_invept_flush(struct cpu *c, unsigned type, u64 eptp);
void vmx_invvpid_flush(struct cpu *c, unsigned type, u16 vpid, la_t la);

/* (tsc * multiplier) >> 48, the 128-bit product of "use TSC scaling" (SDM 3C §26.3). */
static inline u64 vmx_tsc_scale(u64 tsc, u64 multiplier)
{
    return (u64)(((unsigned __int128)tsc * multiplier) >> 48);
}
/* TLB effects of VM entry and VM exit (vmx/vpid.c, SDM 3C §29.4.3.1): with VPID enabled
 * nothing is invalidated (entries built under other paging controls excepted, see there);
 * without, VPID 0000H's mappings are. vmx_tlb_controls records the current controls: take
 * root's before loading guest state (for vmx_tlb_enter, called after it) and the guest's
 * before loading host state (for vmx_tlb_exit, called after it, with the guest's tag). */
void vmx_tlb_controls(const struct cpu *c, struct vmx_tlb_ctl *out);
void vmx_tlb_enter(struct cpu *c, const struct vmx_tlb_ctl *root);
void vmx_tlb_exit(struct cpu *c, u64 guest_vtag, const struct vmx_tlb_ctl *guest);

/* Page-modification logging (vmx/pml.c, SDM 3C §29.3.6). vmx_pml_full: PML on (with EPT
 * A/D) and the PML index outside 0..511, so a needed EPT A/D update exits instead. */
#define VMX_PML_ENTRIES 512u
bool vmx_pml_full(const struct cpu *c);
/* Record gpa's page after its EPT dirty flag went 0 -> 1 (no-op with PML off). */
void vmx_pml_log(struct cpu *c, gpa_t gpa);
/* The PML-full VM exit (reason 62), fault-like: the access has not happened. */
_Noreturn void vmx_pml_full_exit(struct cpu *c);

/* EPT-violation #VE (vmx/ve.c, SDM 3C §26.5.7): if the violation is convertible, record it in
 * the virtualization-exception information area and raise #VE in the guest (no return);
 * otherwise return so the caller takes the EPT-violation VM exit. */
void vmx_ve_try(struct cpu *c, bool suppress_ve, u64 qual, u64 gla, gpa_t gpa);

/* Guest-physical reads for bitmaps and MSR areas. */
u64 vmx_phys_read(struct cpu *c, u64 pa, unsigned size);
void vmx_phys_write(struct cpu *c, u64 pa, unsigned size, u64 v);

#endif
