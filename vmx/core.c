/* vmx/core.c — per-CPU VMX state, capability MSRs, CR fixed bits in VMX operation, VMCS
 * region I/O and the VMsucceed/VMfail conventions (SDM 3C §31.2). */
#include <stdlib.h>
#include <string.h>

#include "cpu/access.h"
#include "vmx/hooks.h"
#include "vmx/vmx.h"

int vmx_cpu_create(struct cpu *c)
{
    c->vmx = calloc(1, sizeof(*c->vmx));
    if (!c->vmx)
        return -1;
    vmx_caps_compute(&c->model, &c->vmx->caps);
    c->vmx->current = VMX_NO_VMCS;
    c->vmx->preempt_deadline = c->vmx->mtf_at = c->vmx->iret_unblock_at = UINT64_MAX;
    c->vmx->last_reason = VMX_STAT_REASONS;
    return 0;
}

void vmx_cpu_destroy(struct cpu *c)
{
    free(c->vmx);
    c->vmx = NULL;
}

/* RESET leaves VMX operation (INIT does not reach here in VMX operation: it is blocked in
 * root operation and causes a VM exit in non-root operation, SDM 3C §26.2, §33.14). */
void vmx_cpu_reset(struct cpu *c)
{
    struct vmx_cpu *x = c->vmx;
    if (!x)
        return;
    c->vmx_on = c->vmx_nonroot = false;
    x->current = VMX_NO_VMCS;
    x->vmxon_ptr = 0;
}

bool vmx_msr_read(struct cpu *c, u32 idx, u64 *v)
{
    return c->vmx && vmx_caps_msr_read(&c->vmx->caps, idx, v);
}

/* SDM 3C §24.8: in VMX operation CR0/CR4 bits fixed by IA32_VMX_CR*_FIXED* cannot change. */
bool vmx_cr0_allowed(const struct cpu *c, u64 v)
{
    const struct vmcs *vm = &c->vmx->vmcs;
    /* SDM 3C §25.8 / §A.7: with "unrestricted guest" a guest may clear CR0.PE and CR0.PG. */
    if (c->vmx_nonroot && (vm->proc_controls & PROC_SECONDARY) && (vm->proc2_controls & PROC2_UNRESTRICTED))
        v |= CR0_PE | CR0_PG;
    return vmx_caps_cr0_ok(&c->vmx->caps, v);
}

bool vmx_cr4_allowed(const struct cpu *c, u64 v)
{
    return vmx_caps_cr4_ok(&c->vmx->caps, v);
}

u64 vmx_phys_read(struct cpu *c, u64 pa, unsigned size)
{
    return phys_read(c, pa, size);
}

void vmx_phys_write(struct cpu *c, u64 pa, unsigned size, u64 v)
{
    phys_write(c, pa, size, v);
}

/* Write the cached current VMCS (fields and launch state) back to its region. */
void vmx_vmcs_flush(struct cpu *c)
{
    struct vmx_cpu *x = c->vmx;
    if (x->current == VMX_NO_VMCS)
        return;
    for (unsigned i = 0; i < VMCS_NFIELDS; i++)
        phys_write(c, x->current + VMCS_REGION_FIELDS + 8 * i, 8, vmcs_get(&x->vmcs, &vmcs_fields[i]));
    phys_write(c, x->current + VMCS_REGION_LAUNCH, 4, x->launch);
}

void vmx_vmcs_load(struct cpu *c, u64 pa)
{
    struct vmx_cpu *x = c->vmx;
    memset(&x->vmcs, 0, sizeof(x->vmcs));
    for (unsigned i = 0; i < VMCS_NFIELDS; i++)
        vmcs_set(&x->vmcs, &vmcs_fields[i], phys_read(c, pa + VMCS_REGION_FIELDS + 8 * i, 8));
    x->launch = (u32)phys_read(c, pa + VMCS_REGION_LAUNCH, 4) == VMCS_LAUNCHED ? VMCS_LAUNCHED : VMCS_CLEAR;
    x->current = pa;
}

#define VMX_STATUS_FLAGS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

void vmx_succeed(struct cpu *c)
{
    c->rflags &= ~VMX_STATUS_FLAGS;
}

void vmx_fail_invalid(struct cpu *c)
{
    c->rflags = (c->rflags & ~VMX_STATUS_FLAGS) | RFLAGS_CF;
}

void vmx_fail_valid(struct cpu *c, enum vmx_insn_error e)
{
    c->rflags = (c->rflags & ~VMX_STATUS_FLAGS) | RFLAGS_ZF;
    c->vmx->vmcs.vm_instruction_error = e;
}

void vmx_fail(struct cpu *c, enum vmx_insn_error e)
{
    if (c->vmx->current == VMX_NO_VMCS)
        vmx_fail_invalid(c);
    else
        vmx_fail_valid(c, e);
}
