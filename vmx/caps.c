/* vmx/caps.c — capability MSRs from the model (SDM 3C Appendix A). Only controls hvsim
 * implements are advertised as allowed-1, each EPT extension only when the model has its
 * -cpu vmx-* feature: EPT and VPID (vmx/ept.c), unrestricted guest, EPT A/D, mode-based
 * execute control, PML (vmx/pml.c), EPT-violation #VE (vmx/ve.c), VM functions with EPTP
 * switching (vmx/vmfunc.c). */
#include "vmx/caps.h"

#include <string.h>

#include "cpu/regs.h"
#include "mmu/ept.h"
#include "vmx/controls.h"

static u64 ctl(u32 must1, u32 may1)
{
    return (u64)(may1 | must1) << 32 | must1;
}

void vmx_caps_compute(const struct cpu_model *m, struct vmx_caps *caps)
{
    memset(caps, 0, sizeof(*caps));
    caps->maxphyaddr = m->maxphyaddr;
    if (!model_has(m, FEAT_VMX) || m->vendor != VENDOR_INTEL)
        return;
    u64 *msr = caps->msr;
#define SET(idx, v) msr[(idx) - VMX_CAP_MSR_FIRST] = (v)
    /* BASIC: revision, 4 KiB region, WB, INS/OUTS info, TRUE controls (SDM 3C §A.1). */
    SET(MSR_IA32_VMX_BASIC, VMX_REVISION | (4096ull << 32) | (6ull << 50) | BIT(54) | VMX_BASIC_TRUE_CTLS);

    u32 pin1 = PIN_EXT_INTR | PIN_NMI | PIN_VIRTUAL_NMIS | PIN_PREEMPT_TIMER;
    u32 proc1 = PROC_INTR_WINDOW | PROC_TSC_OFFSET | PROC_HLT | PROC_INVLPG | PROC_RDTSC |
                PROC_CR3_LOAD | PROC_CR3_STORE | PROC_CR8_LOAD | PROC_CR8_STORE | PROC_MOV_DR |
                PROC_UNCOND_IO | PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY |
                PROC_NMI_WINDOW | PROC_MTF | PROC_PAUSE | PROC_MWAIT | PROC_RDPMC | PROC_MONITOR;
    u32 exit1 = EXIT_SAVE_DEBUG | EXIT_HOST_ADDR64 | EXIT_LOAD_PERF_GLOBAL | EXIT_ACK_INTR |
                EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PREEMPT;
    u32 entry1 = ENTRY_LOAD_DEBUG | ENTRY_IA32E | ENTRY_LOAD_PERF_GLOBAL | ENTRY_LOAD_PAT |
                 ENTRY_LOAD_EFER;
    u32 proc2 = PROC2_WBINVD | PROC2_DESC_TABLE | PROC2_TSC_SCALING;
    if (model_has(m, FEAT_RDTSCP)) proc2 |= PROC2_RDTSCP;
    if (model_has(m, FEAT_RDRAND)) proc2 |= PROC2_RDRAND;
    if (model_has(m, FEAT_RDSEED)) proc2 |= PROC2_RDSEED;
    if (model_has(m, FEAT_INVPCID)) proc2 |= PROC2_INVPCID;
    /* "load IA32_PERF_GLOBAL_CTRL" needs the MSR (architectural PMU version 2). */
    bool perf = m->pmu_version >= 2;
    caps->perf_global_valid = model_perf_global_valid(m);
    if (!perf) {
        exit1 &= ~EXIT_LOAD_PERF_GLOBAL;
        entry1 &= ~ENTRY_LOAD_PERF_GLOBAL;
    }
    /* EPT and VPID (vmx/ept.c), each with its -cpu vmx-* feature; unrestricted guest (real
       mode and unpaged protected mode under EPT: the entry checks, the CR0 fixed bits in
       non-root, PDPTEs saved at exit) needs EPT. */
    bool ept = model_has(m, FEAT_VMX_EPT), vpid = model_has(m, FEAT_VMX_VPID);
    u64 ept_vpid = 0;
    if (ept) {
        proc2 |= PROC2_EPT;
        if (model_has(m, FEAT_VMX_UNRESTRICTED)) proc2 |= PROC2_UNRESTRICTED;
        ept_vpid |= EPT_CAP_EXEC_ONLY | EPT_CAP_WALK4 | EPT_CAP_WALK5 | EPT_CAP_UC | EPT_CAP_WB |
                    EPT_CAP_2M | EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL;
        if (model_has(m, FEAT_PDPE1GB)) ept_vpid |= EPT_CAP_1G;
        if (model_has(m, FEAT_VMX_EPTAD)) ept_vpid |= EPT_CAP_AD;
        if (model_has(m, FEAT_VMX_MBEC)) proc2 |= PROC2_MBEC;   /* vmx/ept.c, mmu/ept.c */
        if (model_has(m, FEAT_VMX_PML) && (ept_vpid & EPT_CAP_AD)) proc2 |= PROC2_PML;   /* vmx/pml.c */
        if (model_has(m, FEAT_VMX_EPT_VE)) proc2 |= PROC2_EPT_VE;                        /* vmx/ve.c */
    }
    /* VM functions (vmx/vmfunc.c): function 0, EPTP switching, needs EPT. */
    u64 vmfunc = 0;
    if (model_has(m, FEAT_VMX_VMFUNC)) {
        proc2 |= PROC2_VMFUNC;
        if (ept && model_has(m, FEAT_VMX_EPTP_SWITCHING))
            vmfunc |= VMFUNC_EPTP_SWITCHING;
    }
    if (vpid) {
        proc2 |= PROC2_VPID;
        ept_vpid |= EPT_CAP_INVVPID | EPT_CAP_INVVPID_ADDR | EPT_CAP_INVVPID_SINGLE | EPT_CAP_INVVPID_ALL |
                    EPT_CAP_INVVPID_SINGLE_NG;
    }

    SET(MSR_IA32_VMX_PINBASED_CTLS, ctl(PIN_DEFAULT1, pin1));
    SET(MSR_IA32_VMX_PROCBASED_CTLS, ctl(PROC_DEFAULT1, proc1));
    SET(MSR_IA32_VMX_EXIT_CTLS, ctl(EXIT_DEFAULT1, exit1));
    SET(MSR_IA32_VMX_ENTRY_CTLS, ctl(ENTRY_DEFAULT1, entry1));
    SET(MSR_IA32_VMX_TRUE_PINBASED_CTLS, ctl(PIN_DEFAULT1, pin1));
    SET(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, ctl(PROC_DEFAULT1 & ~(PROC_CR3_LOAD | PROC_CR3_STORE), proc1));
    SET(MSR_IA32_VMX_TRUE_EXIT_CTLS, ctl(EXIT_DEFAULT1 & ~EXIT_SAVE_DEBUG, exit1));
    SET(MSR_IA32_VMX_TRUE_ENTRY_CTLS, ctl(ENTRY_DEFAULT1 & ~ENTRY_LOAD_DEBUG, entry1));
    SET(MSR_IA32_VMX_PROCBASED_CTLS2, (u64)proc2 << 32);
    /* MISC: preemption-timer rate 5, EFER.LMA stored into "IA-32e mode guest", HLT, shutdown
       and wait-for-SIPI activity states, 4 CR3 targets, 512-entry MSR lists, VMWRITE to VM-exit information fields. */
    SET(MSR_IA32_VMX_MISC, 5 | BIT(5) | BIT(6) | BIT(7) | BIT(8) | (4ull << 16) | VMX_MISC_VMWRITE_RO);
    SET(MSR_IA32_VMX_CR0_FIXED0, CR0_PE | CR0_NE | CR0_PG);
    SET(MSR_IA32_VMX_CR0_FIXED1, 0xffffffffull);
    caps->cr4_valid = model_cr4_valid(m);
    SET(MSR_IA32_VMX_CR4_FIXED0, CR4_VMXE);
    SET(MSR_IA32_VMX_CR4_FIXED1, caps->cr4_valid);
    SET(MSR_IA32_VMX_EPT_VPID_CAP, ept_vpid);
    SET(MSR_IA32_VMX_VMFUNC, vmfunc);

    caps->fcap[FC_ALWAYS] = caps->fcap[FC_PAT] = caps->fcap[FC_EFER] = true;
    caps->fcap[FC_PERF] = perf;
    caps->fcap[FC_TSC_SCALE] = true;
    caps->fcap[FC_PREEMPT] = true;
    caps->fcap[FC_EPT] = ept;
    caps->fcap[FC_VPID] = vpid;
    caps->fcap[FC_VMFUNC] = (proc2 & PROC2_VMFUNC) != 0;
    caps->fcap[FC_PML] = (proc2 & PROC2_PML) != 0;
    caps->fcap[FC_VE] = (proc2 & PROC2_EPT_VE) != 0;
    u32 max_index = 0;
    for (unsigned i = 0; i < VMCS_NFIELDS; i++)
        if (caps->fcap[vmcs_fields[i].cap] && ((vmcs_fields[i].enc >> 1) & 0x1ff) > max_index)
            max_index = (vmcs_fields[i].enc >> 1) & 0x1ff;
    SET(MSR_IA32_VMX_VMCS_ENUM, (u64)max_index << 1);
#undef SET
}

bool vmx_caps_msr_read(const struct vmx_caps *caps, u32 idx, u64 *v)
{
    if (idx < VMX_CAP_MSR_FIRST || idx >= VMX_CAP_MSR_FIRST + VMX_CAP_MSR_COUNT)
        return false;
    if (!caps->msr[0])
        return false;   /* no VMX on this model */
    *v = caps->msr[idx - VMX_CAP_MSR_FIRST];
    /* PROCBASED_CTLS2, EPT_VPID_CAP, VMFUNC exist only with their enabling bits (§A.3.3). */
    if (idx == MSR_IA32_VMX_PROCBASED_CTLS2)
        return vmx_caps_msr(caps, MSR_IA32_VMX_PROCBASED_CTLS) >> 63;
    /* EPT_VPID_CAP: every processor with secondary controls has the MSR. */
    if (idx == MSR_IA32_VMX_VMFUNC)
        return (vmx_caps_msr(caps, MSR_IA32_VMX_PROCBASED_CTLS2) >> 32) & PROC2_VMFUNC;
    return true;
}

u64 vmx_caps_ctl(const struct vmx_caps *caps, u32 plain)
{
    if (vmx_caps_msr(caps, MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS)
        return vmx_caps_msr(caps, plain + (MSR_IA32_VMX_TRUE_PINBASED_CTLS - MSR_IA32_VMX_PINBASED_CTLS));
    return vmx_caps_msr(caps, plain);
}

bool vmx_caps_cr0_ok(const struct vmx_caps *caps, u64 cr0)
{
    u64 f0 = vmx_caps_msr(caps, MSR_IA32_VMX_CR0_FIXED0), f1 = vmx_caps_msr(caps, MSR_IA32_VMX_CR0_FIXED1);
    return (cr0 & f0) == f0 && !(cr0 & ~f1);
}

bool vmx_caps_cr4_ok(const struct vmx_caps *caps, u64 cr4)
{
    u64 f0 = vmx_caps_msr(caps, MSR_IA32_VMX_CR4_FIXED0), f1 = vmx_caps_msr(caps, MSR_IA32_VMX_CR4_FIXED1);
    return (cr4 & f0) == f0 && !(cr4 & ~f1);
}
