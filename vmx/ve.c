/* vmx/ve.c — EPT-violation virtualization exceptions (SDM 3C §26.5.7): with the "EPT-violation
 * #VE" control, a convertible EPT violation is delivered to the guest as #VE (vector 20)
 * after the processor records it in the virtualization-exception information area, instead
 * of causing a VM exit. */
#include "cpu/access.h"
#include "cpu/events.h"
#include "vmx/vmx.h"

/* Offsets in the information area (SDM 3C Table 26-1 "Format of the Virtualization-Exception
   Information Area"). */
enum { VE_REASON = 0, VE_BUSY = 4, VE_QUAL = 8, VE_GLA = 16, VE_GPA = 24, VE_EPTP_INDEX = 32 };

void vmx_ve_try(struct cpu *c, bool suppress_ve, u64 qual, u64 gla, gpa_t gpa)
{
    const struct vmcs *v = &c->vmx->vmcs;
    if (!(v->proc_controls & PROC_SECONDARY) || !(v->proc2_controls & PROC2_EPT_VE) || suppress_ve)
        return;
    /* §26.5.7.1: CR0.PE = 1, not delivering an event through the IDT, and the 32 bits at
       offset 4 all 0 (software clears the FFFFFFFFH the last #VE left there). */
    if (!(c->cr0 & CR0_PE) || c->exc_depth > 0)
        return;
    u64 info = v->ve_info_address;
    if (phys_read(c, info + VE_BUSY, 4) != 0)
        return;
    /* §26.5.7.2: record it, then deliver #VE as a fault (the exception bitmap may still turn
       it into a VM exit, §26.5.7.3). Bit 12 of the qualification is left 0. */
    phys_write(c, info + VE_REASON, 4, EXIT_REASON_EPT_VIOLATION);
    phys_write(c, info + VE_BUSY, 4, 0xffffffffu);
    phys_write(c, info + VE_QUAL, 8, qual);
    phys_write(c, info + VE_GLA, 8, gla);
    phys_write(c, info + VE_GPA, 8, gpa);
    phys_write(c, info + VE_EPTP_INDEX, 2, v->eptp_index);
    log_printf(c->bus.log, LOG_VMX, "cpu%d: EPT violation gpa=%#llx qual=%#llx as #VE", c->id,
               (unsigned long long)gpa, (unsigned long long)qual);
    cpu_fault(c, EXC_VE, 0);
}
