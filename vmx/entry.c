/* vmx/entry.c — VMLAUNCH/VMRESUME after the instruction checks: the VM-entry checks, guest
 * state load, MSR loading and event injection (SDM 3C Chapter 27). */
#include <string.h>

#include "cpu/access.h"
#include "cpu/debug.h"
#include "cpu/events.h"
#include "cpu/msr.h"
#include "cpu/pmu.h"
#include "vmx/vmx.h"

static bool check_read_phys(void *opaque, u64 pa, unsigned size, u64 *v)
{
    struct cpu *c = opaque;
    *v = phys_read(c, pa, size);
    return true;
}

static void env_init(struct cpu *c, struct vmx_check_env *env)
{
    *env = (struct vmx_check_env){
        .caps = &c->vmx->caps,
        .cpu_ia32e = c->efer & EFER_LMA,
        .la_width = c->model.maxlinaddr >= 57 ? 57 : 48,
        .read_phys = check_read_phys,
        .opaque = c,
    };
}

static void load_seg(struct seg *s, u16 sel, u64 base, u32 limit, u32 ar)
{
    s->sel = sel;
    s->base = base;
    s->limit = limit;
    s->ar = ar;
}

/* STEP 3 of VM entry (SDM 3C §27.3.2): load guest state from the VMCS. */
static void load_guest_state(struct cpu *c, const struct vmcs *v, const u64 pdptes[4])
{
    bool ia32e = v->entry_controls & ENTRY_IA32E;
    struct vmx_tlb_ctl root;
    vmx_tlb_controls(c, &root);
    c->cr0 = v->guest_cr0 | CR0_ET;
    c->cr3 = v->guest_cr3;
    c->cr4 = v->guest_cr4;
    if (v->entry_controls & ENTRY_LOAD_DEBUG) {
        u64 old_dr7 = c->dr[7];
        c->dr[7] = v->guest_dr7 | DR7_FIXED1;
        c->msr.debugctl = v->guest_debugctl;
        if ((old_dr7 | c->dr[7]) & 0xff)
            debug_update(c);   /* breakpoints armed or disarmed by the new DR7 */
    }
    c->msr.sysenter_cs = v->guest_sysenter_cs;
    c->msr.sysenter_esp = v->guest_sysenter_esp;
    c->msr.sysenter_eip = v->guest_sysenter_eip;
    if (v->entry_controls & ENTRY_LOAD_PERF_GLOBAL)
        pmu_set_global_ctrl(c, v->guest_perf_global_ctrl);
    if (v->entry_controls & ENTRY_LOAD_PAT)
        c->msr.pat = v->guest_pat;
    if (v->entry_controls & ENTRY_LOAD_EFER)
        c->efer = v->guest_efer;
    else
        c->efer = ia32e ? c->efer | EFER_LMA | EFER_LME : c->efer & ~(EFER_LMA | EFER_LME);
    load_seg(&c->seg[SEG_ES], v->guest_es_sel, v->guest_es_base, v->guest_es_limit, v->guest_es_ar);
    load_seg(&c->seg[SEG_CS], v->guest_cs_sel, v->guest_cs_base, v->guest_cs_limit, v->guest_cs_ar);
    load_seg(&c->seg[SEG_SS], v->guest_ss_sel, v->guest_ss_base, v->guest_ss_limit, v->guest_ss_ar);
    load_seg(&c->seg[SEG_DS], v->guest_ds_sel, v->guest_ds_base, v->guest_ds_limit, v->guest_ds_ar);
    load_seg(&c->seg[SEG_FS], v->guest_fs_sel, v->guest_fs_base, v->guest_fs_limit, v->guest_fs_ar);
    load_seg(&c->seg[SEG_GS], v->guest_gs_sel, v->guest_gs_base, v->guest_gs_limit, v->guest_gs_ar);
    load_seg(&c->ldtr, v->guest_ldtr_sel, v->guest_ldtr_base, v->guest_ldtr_limit, v->guest_ldtr_ar);
    load_seg(&c->tr, v->guest_tr_sel, v->guest_tr_base, v->guest_tr_limit, v->guest_tr_ar);
    c->gdtr = (struct dtr){v->guest_gdtr_base, (u16)v->guest_gdtr_limit};
    c->idtr = (struct dtr){v->guest_idtr_base, (u16)v->guest_idtr_limit};
    c->rip = v->guest_rip;
    c->gpr[RSP] = v->guest_rsp;
    c->rflags = v->guest_rflags;
    if ((c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE) && !ia32e)
        memcpy(c->pdpte, pdptes, sizeof(c->pdpte));
    c->cpl = (v->guest_ss_ar >> SEG_AR_DPL_SHIFT) & 3;   /* SDM 3C §27.3.2.2: CPL = SS.DPL */
    c->vmx_nonroot = true;
    cpu_update_mode(c);
    vmx_tlb_enter(c, &root);   /* VPID 0000H's mappings, or nothing with VPID (§29.4.3.1) */
    /* Non-register state (§27.3.2.5 / §27.7). */
    u32 intr = v->guest_interruptibility;
    c->intr_shadow = false;
    c->movss_shadow = false;
    if (intr & INTERRUPTIBILITY_MOVSS)
        cpu_set_shadow_movss(c);
    else if (intr & INTERRUPTIBILITY_STI)
        cpu_set_shadow(c);
    c->nmi_blocked = intr & INTERRUPTIBILITY_NMI;
    /* Pending debug exceptions (B3-B0, BS) are delivered after the guest's first
       instruction boundary, merged with what that instruction adds (SDM 3C §27.7.3). */
    u32 pd = (u32)(v->guest_pending_dbg & (0xfu | BIT(14)));
    if (pd)
        c->dbg_pending |= pd;
    c->vmx->entry_dbg = pd != 0;
    /* Activity state (§27.7.4): shutdown is modelled as a halt that only INIT, NMI exits
       and SIPI-free events end; wait-for-SIPI waits for a SIPI VM exit. */
    switch (v->guest_activity_state) {
    case ACTIVITY_HLT: c->state = CPU_HALTED; break;
    case ACTIVITY_SHUTDOWN: c->state = CPU_HALTED; break;
    case ACTIVITY_WAIT_SIPI: c->state = CPU_WAIT_SIPI; break;
    default: c->state = CPU_RUNNING; break;
    }
    c->vmx->guest_shutdown = v->guest_activity_state == ACTIVITY_SHUTDOWN;
    c->insn_rip = c->rip;
    c->insn_rsp = c->gpr[RSP];
    c->attention = true;
}

/* §27.4: one 16-byte entry; false if the entry is invalid or the WRMSR would fault. */
static bool load_one_msr(struct cpu *c, u64 pa)
{
    u32 idx = (u32)phys_read(c, pa, 4), rsvd = (u32)phys_read(c, pa + 4, 4);
    u64 data = phys_read(c, pa + 8, 8);
    if (rsvd || (idx >> 8) == 0x8 || idx == MSR_FS_BASE || idx == MSR_GS_BASE ||
        idx == 0x79 /* IA32_BIOS_UPDT_TRIG */ || idx == 0x9b /* IA32_SMM_MONITOR_CTL */)
        return false;
    return msr_write(c, idx, data);
}

/* STEP 5 (§27.6): inject the event of the VM-entry interruption-information field. */
static void inject_event(struct cpu *c, struct vmcs *v)
{
    u32 ii = v->entry_intr_info;
    if (!(ii & INTR_INFO_VALID))
        return;
    unsigned type = (ii & INTR_INFO_TYPE) >> INTR_INFO_TYPE_SHIFT, vec = ii & INTR_INFO_VECTOR;
    /* The valid bit is cleared on VM exit; hvsim clears it once the event is consumed. */
    v->entry_intr_info &= ~INTR_INFO_VALID;
    c->state = CPU_RUNNING;
    enum event_kind kind;
    switch (type) {
    case INTR_TYPE_EXT: kind = EVT_EXTERNAL; break;
    case INTR_TYPE_NMI: kind = EVT_EXTERNAL; c->nmi_blocked = true; break;
    case INTR_TYPE_HW_EXC: kind = EVT_HW_EXC; break;
    case INTR_TYPE_SW_INT: kind = EVT_SW_INT; break;
    case INTR_TYPE_PRIV_SW_EXC: kind = EVT_PRIV_SW; break;
    case INTR_TYPE_SW_EXC: kind = EVT_SW_EXC; break;
    default:
        c->vmx->mtf_at = c->insns + 1;   /* type 7: a pending MTF VM exit (§26.6.2) */
        return;
    }
    if (type >= INTR_TYPE_SW_INT)
        c->rip += v->entry_instruction_len;   /* the return address follows the instruction */
    c->vmx->injecting = true;
    event_deliver(c, vec, v->entry_exception_error_code, kind);
    c->vmx->injecting = false;
}

void vmx_vmentry(struct cpu *c, bool launch)
{
    struct vmx_cpu *x = c->vmx;
    struct vmcs *v = &x->vmcs;
    struct vmx_check_env env;
    env_init(c, &env);
    /* STEP 1 (§27.2): controls and host state; failure is VMfailValid, nothing loaded. */
    if (!vmx_check_controls(&env, v, &x->last_failure)) {
        log_printf(c->bus.log, LOG_VMX, "cpu%d: VM entry failed check %s (SDM 3C §%s)", c->id,
                   vmx_check_name(x->last_failure.id), vmx_check_section(x->last_failure.id));
        vmx_fail_valid(c, VMXERR_ENTRY_BAD_CONTROL);
        debug_event(c, DBG_EV_ENTRYFAIL, 0);
        return;
    }
    if (!vmx_check_host(&env, v, &x->last_failure)) {
        log_printf(c->bus.log, LOG_VMX, "cpu%d: VM entry failed check %s (SDM 3C §%s)", c->id,
                   vmx_check_name(x->last_failure.id), vmx_check_section(x->last_failure.id));
        vmx_fail_valid(c, VMXERR_ENTRY_BAD_HOST);
        debug_event(c, DBG_EV_ENTRYFAIL, 0);
        return;
    }
    /* STEP 2 (§27.3.1): guest state; failure is a VM-entry failure exit (§27.8). */
    u64 qual = 0, pdptes[4] = {0};
    if (!vmx_check_guest(&env, v, &x->last_failure, &qual, pdptes)) {
        log_printf(c->bus.log, LOG_VMX, "cpu%d: VM entry failed guest check %s (SDM 3C §%s)", c->id,
                   vmx_check_name(x->last_failure.id), vmx_check_section(x->last_failure.id));
        struct vmx_exit_info e = {.reason = EXIT_REASON_INVALID_GUEST | EXIT_REASON_ENTRY_FAIL, .qual = qual};
        vmx_vmexit_failed_entry(c, &e);
        return;
    }
    x->last_failure = (struct vmx_check_failure){0};
    /* STEP 3: load guest state. */
    load_guest_state(c, v, pdptes);
    /* STEP 4 (§27.4): VM-entry MSR-load list. */
    for (u32 i = 0; i < v->entry_msr_load_count; i++) {
        if (i >= VMX_MSR_LIST_MAX || !load_one_msr(c, v->entry_msr_load_addr + 16ull * i)) {
            x->last_failure = (struct vmx_check_failure){VMX_CHECK_MSR_LOAD, VMCS_VM_ENTRY_MSR_LOAD_ADDR, i + 1};
            struct vmx_exit_info e = {.reason = EXIT_REASON_MSR_LOAD_FAIL | EXIT_REASON_ENTRY_FAIL, .qual = i + 1};
            vmx_vmexit_failed_entry(c, &e);
            return;
        }
    }
    if (launch)
        x->launch = VMCS_LAUNCHED;
    x->entries++;
    if (x->last_reason < VMX_STAT_REASONS)
        x->exit_cycles[x->last_reason] += c->cycles - x->last_exit_at;
    x->last_reason = VMX_STAT_REASONS;
    /* VMX-preemption timer (SDM 3C §26.5.1): counts down by 1 each time TSC bit `rate`
       changes; an expired timer exits before the first guest instruction. */
    x->preempt_deadline = UINT64_MAX;
    if (v->pin_controls & PIN_PREEMPT_TIMER) {
        unsigned rate = vmx_caps_msr(&x->caps, MSR_IA32_VMX_MISC) & 0x1f;
        u64 now = c->cycles;
        x->preempt_deadline = ((now >> rate) + v->preemption_timer_value) << rate;
        if (x->preempt_deadline < now)
            x->preempt_deadline = now;
        if (x->preempt_deadline < c->timer_at)
            c->timer_at = x->preempt_deadline;
    }
    /* Monitor trap flag (§26.7.2): an exit after the first guest instruction, or right after
       an injected event is delivered. VMLAUNCH itself retires as instruction c->insns. */
    x->mtf_at = (v->proc_controls & PROC_MTF) ? c->insns + ((v->entry_intr_info & INTR_INFO_VALID) ? 1 : 2) : UINT64_MAX;
    log_printf(c->bus.log, LOG_VMX, "cpu%d: VM entry (%s) rip=%#llx", c->id, launch ? "launch" : "resume",
               (unsigned long long)c->rip);
    debug_event(c, DBG_EV_VMENTRY, 0);
    /* STEP 5: event injection. */
    if (unlikely(v->entry_intr_info & INTR_INFO_VALID))
        debug_event(c, DBG_EV_INJECT, v->entry_intr_info);
    inject_event(c, v);
}
