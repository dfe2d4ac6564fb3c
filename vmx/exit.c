/* vmx/exit.c — the VM-exit path in numbered steps (SDM 3C Chapter 28): record the exit
 * information, save guest state, MSR-store list, load host state, MSR-load list, VMX abort. */
#include "cpu/access.h"
#include "cpu/debug.h"
#include "cpu/msr.h"
#include "cpu/pmu.h"
#include "mmu/ept.h"
#include "vmx/vmx.h"

/* STEP 1 (§28.2): exit information fields. */
static void record_exit_info(struct cpu *c, const struct vmx_exit_info *e)
{
    struct vmcs *v = &c->vmx->vmcs;
    v->exit_reason = e->reason;
    v->exit_qualification = e->qual;
    v->exit_intr_info = e->intr_info;
    v->exit_intr_error_code = e->intr_error;
    v->exit_instruction_len = e->insn_len;
    /* §28.2.4: an exit while an event was being delivered (a fault during delivery, or a
       triple fault) reports that event. */
    bool vectoring = c->exc_depth > 0 && e->reason != EXIT_REASON_TRIPLE_FAULT;
    v->idt_vectoring_info = vectoring ? c->vmx->delivering_info : 0;
    v->idt_vectoring_error_code = vectoring ? c->vmx->delivering_err : 0;
    unsigned vtype = (v->idt_vectoring_info & INTR_INFO_TYPE) >> INTR_INFO_TYPE_SHIFT;
    if (vectoring && vtype >= INTR_TYPE_SW_INT && vtype <= INTR_TYPE_SW_EXC)
        v->exit_instruction_len = c->vmx->delivering_len;   /* INT n / INT3 / INTO / INT1 */
    /* §28.2.3, Table 28-7: a fault on an IRET that unblocked (virtual) NMIs (not #DB, not
       #DF, not during event delivery) sets "NMI unblocking due to IRET" (bit 12). */
    if (c->vmx->iret_unblock_at == c->insns && !vectoring) {
        unsigned vec = e->intr_info & INTR_INFO_VECTOR;
        if (e->reason == EXIT_REASON_EXCEPTION_NMI && vec != EXC_DB && vec != EXC_DF &&
            ((e->intr_info & INTR_INFO_TYPE) >> INTR_INFO_TYPE_SHIFT) == INTR_TYPE_HW_EXC)
            v->exit_intr_info |= INTR_INFO_NMI_UNBLOCK;
        else if (e->reason == EXIT_REASON_EPT_VIOLATION)
            v->exit_qualification |= EPT_QUAL_NMI_UNBLOCK;
    }
    v->vmx_instruction_info = e->insn_info;
    if (e->has_linear)
        v->guest_linear_address = e->guest_linear;
    v->entry_intr_info &= ~INTR_INFO_VALID;   /* §28.2.1: VM exits clear the valid bit */
}

/* STEP 2 (§28.3): save guest state. */
static void save_guest_state(struct cpu *c)
{
    struct vmcs *v = &c->vmx->vmcs;
    v->guest_cr0 = c->cr0;
    v->guest_cr3 = c->cr3;
    v->guest_cr4 = c->cr4;
    if (v->exit_controls & EXIT_SAVE_DEBUG) {
        v->guest_dr7 = c->dr[7];
        v->guest_debugctl = c->msr.debugctl;
    }
    v->guest_sysenter_cs = (u32)c->msr.sysenter_cs;
    v->guest_sysenter_esp = c->msr.sysenter_esp;
    v->guest_sysenter_eip = c->msr.sysenter_eip;
    if (v->exit_controls & EXIT_SAVE_PAT)
        v->guest_pat = c->msr.pat;
    if (v->exit_controls & EXIT_SAVE_EFER)
        v->guest_efer = c->efer;
#define SAVE_SEG(s, pre)                                          \
    do {                                                          \
        v->pre##_sel = (s).sel;                                   \
        v->pre##_base = (s).base;                                 \
        v->pre##_limit = (s).limit;                               \
        v->pre##_ar = (s).ar & 0x1f0ffu;                          \
    } while (0)
    SAVE_SEG(c->seg[SEG_ES], guest_es);
    SAVE_SEG(c->seg[SEG_CS], guest_cs);
    SAVE_SEG(c->seg[SEG_SS], guest_ss);
    SAVE_SEG(c->seg[SEG_DS], guest_ds);
    SAVE_SEG(c->seg[SEG_FS], guest_fs);
    SAVE_SEG(c->seg[SEG_GS], guest_gs);
    SAVE_SEG(c->ldtr, guest_ldtr);
    SAVE_SEG(c->tr, guest_tr);
#undef SAVE_SEG
    v->guest_gdtr_base = c->gdtr.base;
    v->guest_gdtr_limit = c->gdtr.limit;
    v->guest_idtr_base = c->idtr.base;
    v->guest_idtr_limit = c->idtr.limit;
    v->guest_rip = c->rip;
    v->guest_rsp = c->gpr[RSP];
    v->guest_rflags = c->rflags;
    /* §28.3.4: with EPT, the PDPTEs in use under PAE paging are saved (else left as they are). */
    u32 proc2 = (v->proc_controls & PROC_SECONDARY) ? v->proc2_controls : 0;
    if ((proc2 & PROC2_EPT) && (c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE) && !(c->efer & EFER_LMA)) {
        v->guest_pdpte0 = c->pdpte[0], v->guest_pdpte1 = c->pdpte[1];
        v->guest_pdpte2 = c->pdpte[2], v->guest_pdpte3 = c->pdpte[3];
    }
    u32 intr = 0;
    if (c->intr_shadow && c->shadow_at == c->insns)
        intr |= c->movss_shadow ? INTERRUPTIBILITY_MOVSS : INTERRUPTIBILITY_STI;
    if (c->nmi_blocked)
        intr |= INTERRUPTIBILITY_NMI;
    v->guest_interruptibility = intr;
    if (c->vmx->guest_shutdown)
        v->guest_activity_state = ACTIVITY_SHUTDOWN;
    else if (c->state == CPU_WAIT_SIPI)
        v->guest_activity_state = ACTIVITY_WAIT_SIPI;
    else
        v->guest_activity_state = c->state == CPU_HALTED ? ACTIVITY_HLT : ACTIVITY_ACTIVE;
    v->guest_pending_dbg = c->dbg_pending & (0xfu | BIT(14));
    if (v->exit_controls & EXIT_SAVE_PREEMPT) {
        struct vmx_cpu *x = c->vmx;
        unsigned rate = vmx_caps_msr(&x->caps, MSR_IA32_VMX_MISC) & 0x1f;
        u64 now = c->cycles;
        v->preemption_timer_value = x->preempt_deadline > now ? (u32)((x->preempt_deadline >> rate) - (now >> rate)) : 0;
    }
    /* §28.2: the "IA-32e mode guest" entry control takes EFER.LMA. */
    if (c->efer & EFER_LMA)
        v->entry_controls |= ENTRY_IA32E;
    else
        v->entry_controls &= ~ENTRY_IA32E;
}

/* VMX abort (§28.7): write the indicator and shut the processor down. */
static void vmx_abort(struct cpu *c, u32 indicator)
{
    struct vmx_cpu *x = c->vmx;
    log_printf(c->bus.log, LOG_VMX, "cpu%d: VMX abort %u", c->id, indicator);
    if (x->current != VMX_NO_VMCS)
        phys_write(c, x->current + VMCS_REGION_ABORT, 4, indicator);
    c->vmx_nonroot = false;
    c->state = CPU_SHUTDOWN;
    c->stop_reason = STOP_SHUTDOWN;
    c->stop_request = true;
}

/* STEP 3 (§28.4): MSR-store list. */
static bool store_msrs(struct cpu *c)
{
    const struct vmcs *v = &c->vmx->vmcs;
    if (v->exit_msr_store_count > VMX_MSR_LIST_MAX)
        return false;
    for (u32 i = 0; i < v->exit_msr_store_count; i++) {
        u64 pa = v->exit_msr_store_addr + 16ull * i, val;
        u32 idx = (u32)phys_read(c, pa, 4);
        if ((u32)phys_read(c, pa + 4, 4) || (idx >> 8) == 0x8 || !msr_read(c, idx, &val))
            return false;
        phys_write(c, pa + 8, 8, val);
    }
    return true;
}

/* STEP 5 (§28.6): MSR-load list of the VM exit. */
static bool load_host_msrs(struct cpu *c)
{
    const struct vmcs *v = &c->vmx->vmcs;
    if (v->exit_msr_load_count > VMX_MSR_LIST_MAX)
        return false;
    for (u32 i = 0; i < v->exit_msr_load_count; i++) {
        u64 pa = v->exit_msr_load_addr + 16ull * i;
        u32 idx = (u32)phys_read(c, pa, 4);
        if ((u32)phys_read(c, pa + 4, 4) || (idx >> 8) == 0x8 || idx == MSR_FS_BASE || idx == MSR_GS_BASE ||
            !msr_write(c, idx, phys_read(c, pa + 8, 8)))
            return false;
    }
    return true;
}

static void host_seg(struct seg *s, u16 sel, u64 base, u32 ar)
{
    s->sel = sel;
    s->base = base;
    s->limit = 0xffffffff;
    s->ar = sel ? ar : (ar | SEG_AR_UNUSABLE);
}

/* STEP 4 (§28.5): load host state. */
static void load_host_state(struct cpu *c)
{
    const struct vmcs *v = &c->vmx->vmcs;
    bool host64 = v->exit_controls & EXIT_HOST_ADDR64;
    struct vmx_tlb_ctl guest;
    vmx_tlb_controls(c, &guest);
    u64 guest_vtag = c->vmx_nonroot ? c->tlb_tag & ~TLB_PCID_MASK : 0;
    if (!c->vmx_nonroot)
        c->vmx->root_ctl = guest;   /* entry failed before loading guest state: still root's */
    c->cr0 = v->host_cr0 | CR0_ET;
    c->cr3 = v->host_cr3;
    c->cr4 = v->host_cr4;
    if (c->dr[7] & 0xff) {
        c->dr[7] = DR7_FIXED1;
        debug_update(c);   /* the guest's breakpoints no longer apply */
    }
    c->dr[7] = DR7_FIXED1;
    c->msr.debugctl = 0;
    c->msr.sysenter_cs = v->host_sysenter_cs;
    c->msr.sysenter_esp = v->host_sysenter_esp;
    c->msr.sysenter_eip = v->host_sysenter_eip;
    if (v->exit_controls & EXIT_LOAD_PERF_GLOBAL)
        pmu_set_global_ctrl(c, v->host_perf_global_ctrl);
    if (v->exit_controls & EXIT_LOAD_PAT)
        c->msr.pat = v->host_pat;
    if (v->exit_controls & EXIT_LOAD_EFER)
        c->efer = v->host_efer;
    else
        c->efer = host64 ? c->efer | EFER_LMA | EFER_LME : c->efer & ~(EFER_LMA | EFER_LME);
    struct seg *cs = &c->seg[SEG_CS];
    cs->sel = v->host_cs_sel;
    cs->base = 0;
    cs->limit = 0xffffffff;
    cs->ar = 0xb | SEG_AR_S | SEG_AR_P | SEG_AR_G | (host64 ? SEG_AR_L : SEG_AR_DB);
    u32 data_ar = 0x3 | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G;
    host_seg(&c->seg[SEG_SS], v->host_ss_sel, 0, data_ar);
    host_seg(&c->seg[SEG_DS], v->host_ds_sel, 0, data_ar);
    host_seg(&c->seg[SEG_ES], v->host_es_sel, 0, data_ar);
    host_seg(&c->seg[SEG_FS], v->host_fs_sel, v->host_fs_base, data_ar);
    host_seg(&c->seg[SEG_GS], v->host_gs_sel, v->host_gs_base, data_ar);
    c->seg[SEG_FS].base = v->host_fs_base;   /* loaded even when the selector is null */
    c->seg[SEG_GS].base = v->host_gs_base;
    c->tr = (struct seg){v->host_tr_sel, v->host_tr_base, 0x67, 0xb | SEG_AR_P};
    c->ldtr = (struct seg){0, 0, 0, SEG_AR_UNUSABLE};
    c->gdtr = (struct dtr){v->host_gdtr_base, 0xffff};
    c->idtr = (struct dtr){v->host_idtr_base, 0xffff};
    c->rip = v->host_rip;
    c->gpr[RSP] = v->host_rsp;
    c->rflags = RFLAGS_FIXED1;
    c->cpl = 0;
    c->vmx_nonroot = false;
    c->dbg_pending = 0;   /* the guest's pending traps were saved in the VMCS */
    c->vmx->preempt_deadline = UINT64_MAX;
    c->vmx->mtf_at = UINT64_MAX;
    c->vmx->guest_shutdown = false;
    c->intr_shadow = false;
    c->movss_shadow = false;
    c->state = CPU_RUNNING;
    cpu_update_mode(c);
    vmx_tlb_exit(c, guest_vtag, &guest);   /* VPID 0000H's mappings, or nothing with VPID (§29.4.3.1) */
    if ((c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE) && !(c->efer & EFER_LMA)) {
        struct paging_ctx ctx;
        access_paging_ctx(c, &ctx);
        if (!paging_load_pdptes(&ctx, c->cr3, c->pdpte))
            vmx_abort(c, 2);
    }
    c->insn_rip = c->rip;
    c->insn_rsp = c->gpr[RSP];
    c->attention = true;
}

/* Basic exit reason names for -d vmx (SDM 3C Appendix C). */
static const char *const reason_names[] = {
    [0] = "exception or NMI", [1] = "external interrupt", [2] = "triple fault", [3] = "INIT",
    [4] = "SIPI", [7] = "interrupt window", [8] = "NMI window", [9] = "task switch", [10] = "CPUID",
    [11] = "GETSEC", [12] = "HLT", [13] = "INVD", [14] = "INVLPG", [15] = "RDPMC", [16] = "RDTSC",
    [18] = "VMCALL", [19] = "VMCLEAR", [20] = "VMLAUNCH", [21] = "VMPTRLD", [22] = "VMPTRST",
    [23] = "VMREAD", [24] = "VMRESUME", [25] = "VMWRITE", [26] = "VMXOFF", [27] = "VMXON",
    [28] = "CR access", [29] = "MOV DR", [30] = "I/O", [31] = "RDMSR", [32] = "WRMSR",
    [33] = "entry failure: guest state", [34] = "entry failure: MSR loading", [36] = "MWAIT",
    [37] = "monitor trap flag", [39] = "MONITOR", [40] = "PAUSE", [51] = "RDTSCP",
    [48] = "EPT violation", [49] = "EPT misconfiguration", [50] = "INVEPT", [52] = "preemption timer",
    [53] = "INVVPID", [54] = "WBINVD", [55] = "XSETBV", [57] = "RDRAND", [59] = "VMFUNC", [61] = "RDSEED",
    [62] = "page-modification log full",
};

static const char *reason_name(u32 reason)
{
    u32 r = reason & 0xffff;
    return r < sizeof(reason_names) / sizeof(reason_names[0]) && reason_names[r] ? reason_names[r] : "?";
}

/* Modelled cost of a VM exit (a Skylake-class round trip is roughly 1000 cycles, half of
   it on each side; docs/cycle-model.md). */
#define VMX_EXIT_CYCLES 500

void vmx_vmexit(struct cpu *c, const struct vmx_exit_info *e)
{
    struct vmx_cpu *x = c->vmx;
    x->exits++;
    x->entry_dbg = false;
    u32 basic = e->reason & 0xffff;
    if (basic < VMX_STAT_REASONS)
        x->exit_count[basic]++;
    log_printf(c->bus.log, LOG_VMX, "cpu%d: VM exit reason %u (%s) qual=%#llx guest rip=%#llx cycles=%llu",
               c->id, e->reason & 0xffff, reason_name(e->reason), (unsigned long long)e->qual,
               (unsigned long long)c->rip, (unsigned long long)c->cycles);
    record_exit_info(c, e);                 /* STEP 1 */
    save_guest_state(c);                    /* STEP 2 */
    if (!store_msrs(c)) {                   /* STEP 3 */
        vmx_abort(c, 1);
        return;
    }
    load_host_state(c);                     /* STEP 4 */
    c->cycles += VMX_EXIT_CYCLES;
    x->last_reason = basic < VMX_STAT_REASONS ? basic : VMX_STAT_REASONS;
    x->last_exit_at = c->cycles - VMX_EXIT_CYCLES;
    if (c->state == CPU_SHUTDOWN)
        return;
    if (!load_host_msrs(c))                 /* STEP 5 */
        vmx_abort(c, 4);
    debug_event(c, DBG_EV_VMEXIT, e->reason);
}

void vmx_vmexit_failed_entry(struct cpu *c, const struct vmx_exit_info *e)
{
    if ((e->reason & 0xffff) < VMX_STAT_REASONS)
        c->vmx->exit_count[e->reason & 0xffff]++;
    log_printf(c->bus.log, LOG_VMX, "cpu%d: VM-entry failure exit reason %u (%s) qual=%#llx", c->id,
               e->reason & 0xffff, reason_name(e->reason), (unsigned long long)e->qual);
    record_exit_info(c, e);
    load_host_state(c);
    if (c->state != CPU_SHUTDOWN && !load_host_msrs(c))
        vmx_abort(c, 4);
    debug_event(c, DBG_EV_ENTRYFAIL, e->reason);
}

void vmx_print_stats(const struct cpu *c, FILE *out)
{
    const struct vmx_cpu *x = c->vmx;
    if (!x || !x->exits)
        return;
    fprintf(out, "cpu%d: %llu VM entries, %llu VM exits\n", c->id, (unsigned long long)x->entries,
            (unsigned long long)x->exits);
    for (u32 r = 0; r < VMX_STAT_REASONS; r++)
        if (x->exit_count[r])
            fprintf(out, "  exit %2u %-28s %10llu  %12llu cycles to next entry\n", r, reason_name(r),
                    (unsigned long long)x->exit_count[r], (unsigned long long)x->exit_cycles[r]);
    if (x->walks2d)
        fprintf(out, "  2-D walks %llu, %.1f memory references per walk (%.1f of them EPT); EPT violations %llu, "
                     "misconfigurations %llu\n",
                (unsigned long long)x->walks2d, (double)x->walk2d_refs / (double)x->walks2d,
                (double)x->ept_refs / (double)x->walks2d,
                (unsigned long long)x->exit_count[EXIT_REASON_EPT_VIOLATION],
                (unsigned long long)x->exit_count[EXIT_REASON_EPT_MISCONFIG]);
}

_Noreturn void vmx_exit_insn(struct cpu *c, const struct insn *in, u32 reason, u64 qual, u32 info)
{
    c->rip = c->insn_rip;
    c->gpr[RSP] = c->insn_rsp;
    struct vmx_exit_info e = {.reason = reason, .qual = qual, .insn_len = in->len, .insn_info = info};
    vmx_vmexit(c, &e);
    longjmp(c->step_env, 1);
}
