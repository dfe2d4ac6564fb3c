/* cpu/model.c — CPU models and the feature table: QEMU-compatible names, the CPUID bit
 * that advertises each feature, and whether hvsim implements it. */
#include "cpu/model.h"

#include "cpu/regs.h"
#include "mmu/tlb.h"

#include <stdio.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif


enum { R_EAX, R_EBX, R_ECX, R_EDX };

struct feature_info {
    const char *name;
    u32 leaf;
    u8 reg, bit;
};

static const struct feature_info features[FEAT_COUNT] = {
    [FEAT_FPU] = {"fpu", 1, R_EDX, 0},          [FEAT_VME] = {"vme", 1, R_EDX, 1},
    [FEAT_DE] = {"de", 1, R_EDX, 2},            [FEAT_PSE] = {"pse", 1, R_EDX, 3},
    [FEAT_TSC] = {"tsc", 1, R_EDX, 4},          [FEAT_MSR] = {"msr", 1, R_EDX, 5},
    [FEAT_PAE] = {"pae", 1, R_EDX, 6},          [FEAT_MCE] = {"mce", 1, R_EDX, 7},
    [FEAT_CX8] = {"cx8", 1, R_EDX, 8},          [FEAT_APIC] = {"apic", 1, R_EDX, 9},
    [FEAT_SEP] = {"sep", 1, R_EDX, 11},         [FEAT_MTRR] = {"mtrr", 1, R_EDX, 12},
    [FEAT_PGE] = {"pge", 1, R_EDX, 13},         [FEAT_MCA] = {"mca", 1, R_EDX, 14},
    [FEAT_CMOV] = {"cmov", 1, R_EDX, 15},       [FEAT_PAT] = {"pat", 1, R_EDX, 16},
    [FEAT_PSE36] = {"pse36", 1, R_EDX, 17},     [FEAT_CLFLUSH] = {"clflush", 1, R_EDX, 19},
    [FEAT_FXSR] = {"fxsr", 1, R_EDX, 24},       [FEAT_SSE] = {"sse", 1, R_EDX, 25},
    [FEAT_SSE2] = {"sse2", 1, R_EDX, 26},
    [FEAT_SSE3] = {"pni", 1, R_ECX, 0},         [FEAT_MONITOR] = {"monitor", 1, R_ECX, 3},
    [FEAT_VMX] = {"vmx", 1, R_ECX, 5},          [FEAT_CX16] = {"cx16", 1, R_ECX, 13},
    [FEAT_PCID] = {"pcid", 1, R_ECX, 17},       [FEAT_X2APIC] = {"x2apic", 1, R_ECX, 21},
    [FEAT_MOVBE] = {"movbe", 1, R_ECX, 22},     [FEAT_POPCNT] = {"popcnt", 1, R_ECX, 23},
    [FEAT_TSC_DEADLINE] = {"tsc-deadline", 1, R_ECX, 24},
    [FEAT_XSAVE] = {"xsave", 1, R_ECX, 26},     [FEAT_RDRAND] = {"rdrand", 1, R_ECX, 30},
    [FEAT_HYPERVISOR] = {"hypervisor", 1, R_ECX, 31},
    [FEAT_FSGSBASE] = {"fsgsbase", 7, R_EBX, 0}, [FEAT_TSC_ADJUST] = {"tsc-adjust", 7, R_EBX, 1},
    [FEAT_BMI1] = {"bmi1", 7, R_EBX, 3},        [FEAT_SMEP] = {"smep", 7, R_EBX, 7},
    [FEAT_BMI2] = {"bmi2", 7, R_EBX, 8},        [FEAT_ERMS] = {"erms", 7, R_EBX, 9},
    [FEAT_INVPCID] = {"invpcid", 7, R_EBX, 10}, [FEAT_RDSEED] = {"rdseed", 7, R_EBX, 18},
    [FEAT_ADX] = {"adx", 7, R_EBX, 19},         [FEAT_SMAP] = {"smap", 7, R_EBX, 20},
    [FEAT_CLFLUSHOPT] = {"clflushopt", 7, R_EBX, 23},
    [FEAT_UMIP] = {"umip", 7, R_ECX, 2},        [FEAT_PKU] = {"pku", 7, R_ECX, 3},
    [FEAT_LA57] = {"la57", 7, R_ECX, 16},       [FEAT_RDPID] = {"rdpid", 7, R_ECX, 22},
    [FEAT_LAHF_LM] = {"lahf-lm", 0x80000001, R_ECX, 0}, [FEAT_SVM] = {"svm", 0x80000001, R_ECX, 2},
    [FEAT_ABM] = {"abm", 0x80000001, R_ECX, 5},
    [FEAT_SYSCALL] = {"syscall", 0x80000001, R_EDX, 11}, [FEAT_NX] = {"nx", 0x80000001, R_EDX, 20},
    [FEAT_PDPE1GB] = {"pdpe1gb", 0x80000001, R_EDX, 26}, [FEAT_RDTSCP] = {"rdtscp", 0x80000001, R_EDX, 27},
    [FEAT_LM] = {"lm", 0x80000001, R_EDX, 29},
    /* VMX capabilities: leaf 0 = no CPUID bit (QEMU's names; "vmx-ept-ve" is hvsim's, QEMU
       has none for "EPT-violation #VE"). */
    [FEAT_VMX_EPT] = {"vmx-ept", 0, 0, 0},     [FEAT_VMX_VPID] = {"vmx-vpid", 0, 0, 0},
    [FEAT_VMX_UNRESTRICTED] = {"vmx-unrestricted-guest", 0, 0, 0},
    [FEAT_VMX_EPTAD] = {"vmx-eptad", 0, 0, 0}, [FEAT_VMX_MBEC] = {"vmx-mbec", 0, 0, 0},
    [FEAT_VMX_PML] = {"vmx-pml", 0, 0, 0},     [FEAT_VMX_VMFUNC] = {"vmx-vmfunc", 0, 0, 0},
    [FEAT_VMX_EPTP_SWITCHING] = {"vmx-eptp-switching", 0, 0, 0},
    [FEAT_VMX_EPT_VE] = {"vmx-ept-ve", 0, 0, 0},
};

/* Features the execution engine implements today; a model only ever advertises these.
 * (VMX, SVM, SSE, XSAVE, ... join as their issues land.) */
static bool feature_implemented(enum cpu_feature f)
{
    switch (f) {
    case FEAT_SVM: case FEAT_SSE:
    case FEAT_SSE2: case FEAT_SSE3: case FEAT_XSAVE:
    case FEAT_HYPERVISOR:
    case FEAT_VME: case FEAT_FSGSBASE: case FEAT_LA57:
        return false;
    default:
        return true;
    }
}

const char *model_feature_name(enum cpu_feature f)
{
    return features[f].name;
}

static void model_base(struct cpu_model *m, enum cpu_vendor v)
{
    memset(m, 0, sizeof(*m));
    m->vendor = v;
    m->maxphyaddr = 39;
    m->maxlinaddr = 48;
    for (int f = 0; f < FEAT_COUNT; f++)
        if (feature_implemented(f) && f != FEAT_HYPERVISOR)
            model_set(m, f, true);
    if (v == VENDOR_INTEL) {
        m->name = "intel";
        m->signature = 0x000506e3;   /* family 6 model 94 (Skylake) stepping 3 */
        m->brand = "hvsim Skylake-class Intel-architecture model";
        model_set(m, FEAT_LAHF_LM, true);
        /* Architectural PMU version 2: 8 general-purpose and 3 fixed 48-bit counters that
           count instructions and cycles (cpu/pmu.c). */
        m->pmu_version = 2;
        m->pmu_gp = 8;
        m->pmu_gp_width = 48;
        m->pmu_fixed = 3;
    } else {
        m->name = "amd";
        m->signature = 0x00800f12;   /* family 17h (Zen) */
        m->brand = "hvsim Zen-class AMD-architecture model";
        m->maxphyaddr = 43;
        model_set(m, FEAT_UMIP, false);
        model_set(m, FEAT_PKU, false);
    }
}

static bool feature_lookup(const char *name, size_t n, enum cpu_feature *out)
{
    for (int f = 0; f < FEAT_COUNT; f++) {
        const char *fn = features[f].name;
        if (!fn)
            continue;
        /* QEMU accepts both '-' and '_' spellings. */
        if (strlen(fn) != n)
            continue;
        bool same = true;
        for (size_t i = 0; i < n && same; i++) {
            char a = fn[i], b = name[i];
            if (a == '-' ) a = '_';
            if (b == '-') b = '_';
            same = a == b;
        }
        if (same) {
            *out = f;
            return true;
        }
    }
    return false;
}

/* QEMU feature spellings hvsim knows of but does not model yet (reported, not ignored). */
static const char *const known_unimplemented[] = {
    "vmx-apicv-xapic", "vmx-apicv-x2apic", "vmx-apicv-register",
    "vmx-apicv-vid", "vmx-posted-intr", "vmx-shadow-vmcs", "vmx-ple", "npt", "nrip-save", "avx", "avx2", "avx512f", "xsaves",
    "xsavec", "xsaveopt", "ssse3", "sse4.1", "sse4.2", "sse4_1", "sse4_2", "aes", "pclmulqdq",
    "f16c", "fma", "pks", "cet", "shstk", "ibt", "lam", "tsx-ctrl", "hle", "rtm", "mpx",
    "waitpkg", "vaes", "vpclmulqdq", "gfni", "arch-capabilities", "vmx-preemption-timer",
    NULL,
};

/* ",tlb=MODE": 0 and out->tlb_mode set, or -1 for an unknown mode. */
static int model_parse_tlb_mode(const char *v, size_t len, struct cpu_model *out)
{
    for (unsigned i = 0; i < TLB_MODES; i++)
        if (strlen(tlb_mode_name(i)) == len && !strncmp(v, tlb_mode_name(i), len)) {
            out->tlb_mode = (u8)i;
            return 0;
        }
    return -1;
}

/* Named models: QEMU's spellings, each a variant of the vendor's base model (model_base)
 * without the features that processor lacks. Only implemented features are ever set. */
struct named_model {
    const char *name;
    bool prefix;                 /* "Opteron_G1", "Skylake-Server-v4" ... */
    enum cpu_vendor vendor;
    bool explicit_vendor;        /* "+svm" does not switch the vendor */
    u32 signature;               /* 0: the base model's */
    const char *brand;
    u8 maxphyaddr;               /* 0: the base model's */
    enum cpu_feature drop[24];   /* features the processor lacks; ends at the first 0 (FEAT_FPU) */
};

static const struct named_model named_models[] = {
    {"intel", false, VENDOR_INTEL, true, 0, NULL, 0, {0}},
    {"max", false, VENDOR_INTEL, false, 0, NULL, 0, {0}},
    {"host", false, VENDOR_INTEL, false, 0, NULL, 0, {0}},
    {"qemu64", false, VENDOR_INTEL, false, 0, NULL, 0, {0}},
    {"amd", false, VENDOR_AMD, true, 0, NULL, 0, {0}},
    {"Opteron", true, VENDOR_AMD, true, 0, NULL, 0, {0}},
    {"EPYC", true, VENDOR_AMD, true, 0, NULL, 0, {0}},
    /* Xeon Scalable (family 6 model 85): no UMIP/RDPID (Ice Lake); 46-bit physical. */
    {"Skylake-Server", true, VENDOR_INTEL, true, 0x00050654, "hvsim Skylake-Server model", 46,
     {FEAT_UMIP, FEAT_RDPID}},
    /* Ivy Bridge (family 6 model 58): no Haswell+ ISA, no 1 GiB pages, and of VMX no EPT
       A/D, PML, MBEC, VM functions or #VE; 36-bit physical. */
    {"IvyBridge", true, VENDOR_INTEL, true, 0x000306a9, "hvsim IvyBridge model", 36,
     {FEAT_INVPCID, FEAT_SMAP, FEAT_RDSEED, FEAT_ADX, FEAT_BMI1, FEAT_BMI2, FEAT_CLFLUSHOPT, FEAT_UMIP, FEAT_PKU,
      FEAT_RDPID, FEAT_MOVBE, FEAT_PDPE1GB, FEAT_TSC_ADJUST, FEAT_ABM, FEAT_VMX_EPTAD,
      FEAT_VMX_MBEC, FEAT_VMX_PML, FEAT_VMX_VMFUNC, FEAT_VMX_EPTP_SWITCHING, FEAT_VMX_EPT_VE}},
};

static const struct named_model *named_model_find(const char *spec, size_t n)
{
    for (size_t i = 0; i < sizeof(named_models) / sizeof(named_models[0]); i++) {
        const struct named_model *nm = &named_models[i];
        size_t len = strlen(nm->name);
        if (nm->prefix ? (n >= len && !strncmp(spec, nm->name, len)) : (n == len && !strncmp(spec, nm->name, len)))
            return nm;
    }
    return NULL;
}

/* The host's physical-address width (CPUID 80000008H:EAX[7:0]), or 0 when unknown. */
static unsigned host_phys_bits(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(0x80000008u, &a, &b, &c, &d))
        return a & 0xff;
#endif
    return 0;
}

static bool opt_is(const char *p, size_t len, const char *name)
{
    return strlen(name) == len && !strncmp(p, name, len);
}

int model_parse(const char *spec, struct cpu_model *out, char *err, size_t errlen)
{
    size_t n = strcspn(spec, ",");
    const struct named_model *nm = named_model_find(spec, n);
    if (!nm) {
        snprintf(err, errlen, "-cpu: unknown CPU model '%.*s' (known: intel, amd, max, host, qemu64, "
                 "Skylake-Server, IvyBridge, Opteron*, EPYC*)", (int)n, spec);
        return -1;
    }
    enum cpu_vendor vendor = nm->vendor;
    /* First pass: +vmx selects Intel, +svm selects AMD (unless the model named a vendor). */
    const char *p = spec + n;
    if (!nm->explicit_vendor) {
        if (strstr(p, "+svm") || strstr(p, ",svm=on"))
            vendor = VENDOR_AMD;
    }
    /* QEMU's vendor= property overrides the model's vendor. */
    if (strstr(p, ",vendor=AuthenticAMD"))
        vendor = VENDOR_AMD;
    else if (strstr(p, ",vendor=GenuineIntel"))
        vendor = VENDOR_INTEL;
    model_base(out, vendor);
    if (vendor == nm->vendor) {
        if (nm->signature)
            out->signature = nm->signature;
        if (nm->brand)
            out->brand = nm->brand;
        if (nm->maxphyaddr)
            out->maxphyaddr = nm->maxphyaddr;
        for (unsigned i = 0; i < sizeof(nm->drop) / sizeof(nm->drop[0]) && nm->drop[i]; i++)
            model_set(out, nm->drop[i], false);
    }
    bool host_bits = false;
    while (*p == ',') {
        p++;
        size_t len = strcspn(p, ",");
        if (len == 0) {
            snprintf(err, errlen, "-cpu: empty feature in '%s'", spec);
            return -1;
        }
        /* Physical-address width (QEMU's phys-bits / host-phys-bits properties). */
        if (opt_is(p, len, "host-phys-bits") || opt_is(p, len, "host-phys-bits=on") ||
            opt_is(p, len, "host-phys-bits=off")) {
            host_bits = len != 18;
            p += len;
            continue;
        }
        if (len > 10 && !strncmp(p, "phys-bits=", 10)) {
            unsigned bits = 0;
            size_t i = 10;
            for (; i < len && i < 13 && p[i] >= '0' && p[i] <= '9'; i++)
                bits = bits * 10 + (unsigned)(p[i] - '0');
            if (i != len || bits < 32 || bits > 52) {
                snprintf(err, errlen, "-cpu: phys-bits takes a number from 32 to 52, not '%.*s'",
                         (int)(len - 10), p + 10);
                return -1;
            }
            out->maxphyaddr = (u8)bits;
            p += len;
            continue;
        }
        if (len > 7 && !strncmp(p, "vendor=", 7)) {
            if (!((len == 19 && !strncmp(p + 7, "AuthenticAMD", 12)) ||
                  (len == 19 && !strncmp(p + 7, "GenuineIntel", 12)))) {
                snprintf(err, errlen, "-cpu: vendor must be GenuineIntel or AuthenticAMD");
                return -1;
            }
            p += len;
            continue;
        }
        if (len >= 4 && !strncmp(p, "tlb=", 4)) {
            if (model_parse_tlb_mode(p + 4, len - 4, out)) {
                snprintf(err, errlen, "-cpu: tlb takes normal, strict or flush (got '%.*s')", (int)(len - 4), p + 4);
                return -1;
            }
            p += len;
            continue;
        }
        bool on = true;
        const char *name = p;
        size_t nlen = len;
        if (len == 9 && !strncmp(p, "fc-locked", 9)) {
            /* bare "fc-locked" means on */
        } else if (*p == '+' || *p == '-') {
            on = *p == '+';
            name++;
            nlen--;
        } else {
            const char *eq = memchr(p, '=', len);
            if (!eq) {
                snprintf(err, errlen, "-cpu: malformed feature '%.*s' (use +feat, -feat or feat=on|off)",
                         (int)len, p);
                return -1;
            }
            nlen = (size_t)(eq - p);
            size_t vlen = len - nlen - 1;
            if (vlen == 2 && !strncmp(eq + 1, "on", 2))
                on = true;
            else if (vlen == 3 && !strncmp(eq + 1, "off", 3))
                on = false;
            else {
                snprintf(err, errlen, "-cpu: feature '%.*s' takes on or off", (int)len, p);
                return -1;
            }
        }
        enum cpu_feature f;
        if (nlen == 9 && !strncmp(name, "fc-locked", 9)) {
            out->fc_locked = on;   /* not a CPUID bit: IA32_FEATURE_CONTROL at reset */
        } else if (feature_lookup(name, nlen, &f)) {
            if (on && !feature_implemented(f)) {
                snprintf(err, errlen, "-cpu: feature '%.*s' is not implemented by hvsim yet",
                         (int)nlen, name);
                return -1;
            }
            model_set(out, f, on);
        } else {
            bool known = false;
            for (int i = 0; known_unimplemented[i]; i++)
                known |= strlen(known_unimplemented[i]) == nlen && !strncmp(known_unimplemented[i], name, nlen);
            if (known && on) {
                snprintf(err, errlen, "-cpu: feature '%.*s' is not implemented by hvsim yet",
                         (int)nlen, name);
                return -1;
            }
            if (!known) {
                snprintf(err, errlen, "-cpu: unknown feature '%.*s'", (int)nlen, name);
                return -1;
            }
        }
        p += len;
    }
    if (host_bits) {
        unsigned hb = host_phys_bits();
        if (hb)
            out->maxphyaddr = (u8)(hb > 52 ? 52 : hb < 32 ? 32 : hb);
    }
    return 0;
}

void model_cpuid_features(const struct cpu_model *m, u32 leaf, u32 out[4])
{
    for (int f = 0; f < FEAT_COUNT; f++)
        if (features[f].name && features[f].leaf && features[f].leaf == leaf && model_has(m, f))
            out[features[f].reg] |= 1u << features[f].bit;
}

u64 model_perf_global_valid(const struct cpu_model *m)
{
    if (m->pmu_version < 2)
        return 0;
    return (BIT(m->pmu_gp) - 1) | (BIT(m->pmu_fixed) - 1) << 32;   /* counts are < 32 */
}

u64 model_cr4_valid(const struct cpu_model *m)
{
    u64 ok = CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR |
             CR4_OSXMMEXCPT;
    /* VME and PVI exist only with CPUID.01H:EDX.VME; setting a bit of a feature the processor
       lacks is #GP(0) like any reserved bit (SDM 3A §2.5 "CR4", §2.6.2.1). */
    if (model_has(m, FEAT_VME)) ok |= CR4_VME | CR4_PVI;
    if (model_has(m, FEAT_UMIP)) ok |= CR4_UMIP;
    if (model_has(m, FEAT_LA57)) ok |= CR4_LA57;
    if (model_has(m, FEAT_VMX)) ok |= CR4_VMXE;
    if (model_has(m, FEAT_FSGSBASE)) ok |= CR4_FSGSBASE;
    if (model_has(m, FEAT_PCID)) ok |= CR4_PCIDE;
    if (model_has(m, FEAT_XSAVE)) ok |= CR4_OSXSAVE;
    if (model_has(m, FEAT_SMEP)) ok |= CR4_SMEP;
    if (model_has(m, FEAT_SMAP)) ok |= CR4_SMAP;
    if (model_has(m, FEAT_PKU)) ok |= CR4_PKE;
    return ok;
}
