/* cpu/model.h — a CPU model: vendor, signature and the feature set that CPUID advertises and
 * that the execution engine enforces (features are runtime bits, never #ifs). */
#ifndef HVSIM_CPU_MODEL_H
#define HVSIM_CPU_MODEL_H

#include "base/types.h"

/* Features hvsim can model. The names are QEMU's -cpu spellings (cpu/model.c). */
enum cpu_feature {
    FEAT_FPU, FEAT_TSC, FEAT_MSR, FEAT_PAE, FEAT_CX8, FEAT_APIC, FEAT_SEP, FEAT_PGE, FEAT_CMOV,
    FEAT_PAT, FEAT_PSE, FEAT_PSE36, FEAT_CLFLUSH, FEAT_FXSR, FEAT_SSE, FEAT_SSE2, FEAT_MTRR,
    FEAT_MCE, FEAT_MCA, FEAT_DE, FEAT_VME,
    FEAT_SSE3, FEAT_MONITOR, FEAT_VMX, FEAT_CX16, FEAT_PCID, FEAT_X2APIC, FEAT_MOVBE,
    FEAT_POPCNT, FEAT_TSC_DEADLINE, FEAT_XSAVE, FEAT_RDRAND, FEAT_HYPERVISOR,
    FEAT_FSGSBASE, FEAT_TSC_ADJUST, FEAT_BMI1, FEAT_BMI2, FEAT_SMEP, FEAT_SMAP, FEAT_ERMS,
    FEAT_INVPCID, FEAT_RDSEED, FEAT_ADX, FEAT_CLFLUSHOPT, FEAT_UMIP, FEAT_PKU, FEAT_LA57,
    FEAT_RDPID,
    FEAT_SYSCALL, FEAT_NX, FEAT_PDPE1GB, FEAT_RDTSCP, FEAT_LM, FEAT_LAHF_LM, FEAT_ABM,
    FEAT_SVM,
    /* VMX capabilities (no CPUID bit: they shape the IA32_VMX_* MSRs, vmx/caps.c). */
    FEAT_VMX_EPT, FEAT_VMX_VPID, FEAT_VMX_UNRESTRICTED, FEAT_VMX_EPTAD, FEAT_VMX_MBEC, FEAT_VMX_PML, FEAT_VMX_VMFUNC,
    FEAT_VMX_EPTP_SWITCHING, FEAT_VMX_EPT_VE,
    FEAT_COUNT
};

enum cpu_vendor { VENDOR_INTEL, VENDOR_AMD };

struct cpu_model {
    const char *name;          /* "intel", "amd" */
    enum cpu_vendor vendor;
    u32 signature;             /* CPUID.1:EAX */
    const char *brand;         /* CPUID 0x80000002-4 */
    u8 maxphyaddr;             /* physical-address width */
    u8 maxlinaddr;             /* 48 (57 with LA57) */
    unsigned nr_cpus;          /* logical processors in the package (-smp; 0 counts as 1) */
    u8 pmu_version;            /* CPUID.0AH architectural PMU version, 0: none (cpu/pmu.c) */
    u8 pmu_gp, pmu_gp_width;   /* general-purpose counters and their width in bits */
    u8 pmu_fixed;              /* fixed-function counters */
    bool fc_locked;            /* IA32_FEATURE_CONTROL starts locked, as firmware leaves it */
    u8 tlb_mode;               /* enum tlb_mode (mmu/tlb.h): ",tlb=normal|strict|flush" */
    u64 features[(FEAT_COUNT + 63) / 64];
};

static inline bool model_has(const struct cpu_model *m, enum cpu_feature f)
{
    return (m->features[f / 64] >> (f % 64)) & 1;
}

static inline void model_set(struct cpu_model *m, enum cpu_feature f, bool on)
{
    if (on)
        m->features[f / 64] |= 1ull << (f % 64);
    else
        m->features[f / 64] &= ~(1ull << (f % 64));
}

/* Build a model from a -cpu string: "intel", "amd", "max", "qemu64", "host", QEMU's named
 * models "Skylake-Server" and "IvyBridge" (Intel; "Opteron*"/"EPYC*" select amd), each
 * optionally followed by ",+feat", ",-feat", ",feat=on|off", ",tlb=normal|strict|flush" (the
 * TLB mode, mmu/tlb.h), ",phys-bits=N" (32..52) and ",host-phys-bits[=on|off]" (MAXPHYADDR
 * from the host's CPUID 80000008H, clamped to 52; the model's default when the host cannot
 * tell). "fc-locked" (same forms as a feature) is no CPUID bit: IA32_FEATURE_CONTROL then
 * starts locked with VMXON outside SMX enabled. "+vmx" selects the Intel model, "+svm" the
 * AMD one. Returns 0, or -1 with a one-line message in err (unknown model or feature, a known
 * feature hvsim does not implement yet). */
int model_parse(const char *spec, struct cpu_model *out, char *err, size_t errlen) MUST_CHECK;

/* OR the CPUID bits of the model's features that live in `leaf` into out[EAX..EDX]. */
void model_cpuid_features(const struct cpu_model *m, u32 leaf, u32 out[4]);

/* CR4 bits the model supports (a MOV to CR4 setting any other bit is #GP; IA32_VMX_CR4_FIXED1
 * reports the same set), SDM 3A §2.5. */
u64 model_cr4_valid(const struct cpu_model *m);

/* Bits of IA32_PERF_GLOBAL_CTRL that name a counter of the model's PMU (one per general-purpose
 * counter from bit 0, one per fixed counter from bit 32; 0 without a version >= 2 PMU); the
 * others are reserved: WRMSR #GP and the VM-entry checks (SDM 3B §20.2.2, SDM 3C §27.2.2). */
u64 model_perf_global_valid(const struct cpu_model *m);

/* The QEMU-style name of a feature. */
const char *model_feature_name(enum cpu_feature f);

#endif
