/* vmx/vmfunc.c — VMFUNC and VM function 0, EPTP switching (SDM 3C §26.5.6, §25.6.14 and
 * Vol. 2B "VMFUNC"). */
#include "cpu/access.h"
#include "mmu/ept.h"
#include "vmx/insn.h"
#include "vmx/vmx.h"

/* VM function 0 (SDM 3C §26.5.6.3): load EPTP-list entry ECX into the EPT pointer, or exit
 * when ECX >= 512 or the entry is not an EPTP VM entry would accept. The EPTP index field
 * (present with EPT-violation #VE) takes ECX; the TLB tag follows the new EPTP identity. */
static void vmfunc_eptp_switch(struct cpu *c, const struct insn *in)
{
    struct vmcs *v = &c->vmx->vmcs;
    u32 index = (u32)c->gpr[RCX];
    if (index >= 512)
        vmx_exit_insn(c, in, EXIT_REASON_VMFUNC, 0, 0);
    u64 eptp = phys_read(c, v->eptp_list_address + 8ull * index, 8);
    const struct vmx_caps *caps = &c->vmx->caps;
    if (!ept_eptp_valid(eptp, vmx_caps_msr(caps, MSR_IA32_VMX_EPT_VPID_CAP), caps->maxphyaddr))
        vmx_exit_insn(c, in, EXIT_REASON_VMFUNC, 0, 0);
    v->ept_pointer = eptp;
    if (caps->fcap[FC_VE])
        v->eptp_index = (u16)index;
    cpu_update_mode(c);
}

/* VMFUNC (0F 01 D4): #UD outside non-root operation or with "enable VM functions" clear;
 * a VM exit (reason 59) for a function EAX the VM-function controls do not enable; then
 * the function. Any CPL. */
void exec_vmfunc(struct cpu *c, const struct insn *in)
{
    const struct vmcs *v = &c->vmx->vmcs;
    if (!c->vmx_nonroot || !(v->proc_controls & PROC_SECONDARY) || !(v->proc2_controls & PROC2_VMFUNC))
        cpu_fault(c, EXC_UD, 0);
    u32 fn = (u32)c->gpr[RAX];
    if (fn >= 64 || !((v->vm_function_control >> fn) & 1))
        vmx_exit_insn(c, in, EXIT_REASON_VMFUNC, 0, 0);
    switch (fn) {
    case 0: vmfunc_eptp_switch(c, in); break;
    default: vmx_exit_insn(c, in, EXIT_REASON_VMFUNC, 0, 0);   /* never allowed by IA32_VMX_VMFUNC */
    }
}
