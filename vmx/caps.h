/* vmx/caps.h — VMX capability MSRs (IA32_VMX_BASIC 480H ... IA32_VMX_VMFUNC 491H, SDM 3C
 * Appendix A) computed from the CPU model. The entry checks read the same values, so what is
 * advertised and what is enforced cannot drift. */
#ifndef HVSIM_VMX_CAPS_H
#define HVSIM_VMX_CAPS_H

#include "cpu/model.h"
#include "vmx/vmcs.h"

enum {
    MSR_IA32_VMX_BASIC = 0x480, MSR_IA32_VMX_PINBASED_CTLS = 0x481,
    MSR_IA32_VMX_PROCBASED_CTLS = 0x482, MSR_IA32_VMX_EXIT_CTLS = 0x483,
    MSR_IA32_VMX_ENTRY_CTLS = 0x484, MSR_IA32_VMX_MISC = 0x485,
    MSR_IA32_VMX_CR0_FIXED0 = 0x486, MSR_IA32_VMX_CR0_FIXED1 = 0x487,
    MSR_IA32_VMX_CR4_FIXED0 = 0x488, MSR_IA32_VMX_CR4_FIXED1 = 0x489,
    MSR_IA32_VMX_VMCS_ENUM = 0x48a, MSR_IA32_VMX_PROCBASED_CTLS2 = 0x48b,
    MSR_IA32_VMX_EPT_VPID_CAP = 0x48c, MSR_IA32_VMX_TRUE_PINBASED_CTLS = 0x48d,
    MSR_IA32_VMX_TRUE_PROCBASED_CTLS = 0x48e, MSR_IA32_VMX_TRUE_EXIT_CTLS = 0x48f,
    MSR_IA32_VMX_TRUE_ENTRY_CTLS = 0x490, MSR_IA32_VMX_VMFUNC = 0x491,
};
#define VMX_CAP_MSR_FIRST MSR_IA32_VMX_BASIC
#define VMX_CAP_MSR_COUNT 18

#define VMX_REVISION 0x4u
#define VMX_BASIC_TRUE_CTLS BIT(55)
#define VMX_MISC_VMWRITE_RO BIT(29)
#define VMX_MISC_INJECT_LEN0 BIT(30)

struct vmx_caps {
    u64 msr[VMX_CAP_MSR_COUNT];     /* indexed by MSR - 480H; 0 = not present (#GP) */
    bool fcap[FC_COUNT];            /* which VMCS fields exist */
    u64 cr4_valid;                  /* CR4 bits the model supports */
    u64 perf_global_valid;          /* IA32_PERF_GLOBAL_CTRL bits that name a counter */
    u8 maxphyaddr;
};

/* Fill caps from the model. All zero (and no fields) when the model lacks VMX. */
void vmx_caps_compute(const struct cpu_model *m, struct vmx_caps *caps);

/* RDMSR of a capability MSR: false (#GP) when absent. */
bool vmx_caps_msr_read(const struct vmx_caps *caps, u32 idx, u64 *v) MUST_CHECK;

static inline u64 vmx_caps_msr(const struct vmx_caps *caps, u32 idx)
{
    return caps->msr[idx - VMX_CAP_MSR_FIRST];
}

/* Does the field exist on this model? */
static inline bool vmx_caps_field_exists(const struct vmx_caps *caps, const struct vmcs_field_info *f)
{
    return caps->fcap[f->cap];
}

/* The control MSR that defines reserved bits for VM entry: the TRUE_* one when
 * IA32_VMX_BASIC[55] is set (SDM 3C §A.2). `plain` is 481H..484H. */
u64 vmx_caps_ctl(const struct vmx_caps *caps, u32 plain);

/* Is `v` allowed by a control MSR (low half: must-be-1, high half: may-be-1)? */
static inline bool vmx_caps_ctl_ok(u64 msr, u32 v)
{
    return (v & (u32)msr) == (u32)msr && (v & ~(u32)(msr >> 32)) == 0;
}

/* CR0/CR4 values allowed in VMX operation (FIXED0 bits set, only FIXED1 bits set). */
bool vmx_caps_cr0_ok(const struct vmx_caps *caps, u64 cr0);
bool vmx_caps_cr4_ok(const struct vmx_caps *caps, u64 cr4);

#endif
