/* vmx/pml.c — page-modification logging (SDM 3C §29.3.6): with "enable PML" and EPT A/D
 * flags on, each guest-physical page whose EPT dirty flag goes from 0 to 1 is logged at
 * PML address + 8 * PML index and the index decremented; a flag update needed while the
 * index is outside 0-511 is a PML-full VM exit (reason 62) before the access. */
#include "cpu/access.h"
#include "mmu/ept.h"
#include "vmx/vmx.h"

static bool pml_on(const struct vmcs *v)
{
    return (v->proc_controls & PROC_SECONDARY) && (v->proc2_controls & PROC2_PML) && (v->ept_pointer & EPTP_AD);
}

bool vmx_pml_full(const struct cpu *c)
{
    const struct vmcs *v = &c->vmx->vmcs;
    return pml_on(v) && v->guest_pml_index >= VMX_PML_ENTRIES;
}

void vmx_pml_log(struct cpu *c, gpa_t gpa)
{
    struct vmcs *v = &c->vmx->vmcs;
    if (!pml_on(v) || v->guest_pml_index >= VMX_PML_ENTRIES)
        return;
    phys_write(c, (v->pml_address & ~0xfffull) + 8ull * v->guest_pml_index, 8, gpa & ~0xfffull);
    v->guest_pml_index--;   /* 0 -> FFFFH: the next flag update is a PML-full event */
}

_Noreturn void vmx_pml_full_exit(struct cpu *c)
{
    c->rip = c->insn_rip;
    c->gpr[RSP] = c->insn_rsp;
    c->dbg_pending = 0;
    struct vmx_exit_info e = {.reason = EXIT_REASON_PML_FULL};
    log_printf(c->bus.log, LOG_VMX, "cpu%d: page-modification log full", c->id);
    vmx_vmexit(c, &e);
    longjmp(c->step_env, 1);
}
