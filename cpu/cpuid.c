/* cpu/cpuid.c — CPUID leaves built from the CPU model (SDM 2A "CPUID", Table 3-8). */
#include "cpu/cpuid.h"

#include "cpu/pmu.h"

#include <string.h>

void cpuid_query(const struct cpu *c, u32 leaf, u32 subleaf, u32 out[4])
{
    const struct cpu_model *m = &c->model;
    bool intel = m->vendor == VENDOR_INTEL;
    out[0] = out[1] = out[2] = out[3] = 0;
    u32 max_basic = 0xd, max_ext = 0x80000008;
    if (leaf >= 0x80000000 ? leaf > max_ext : leaf > max_basic) {
        /* Intel returns the highest basic leaf's data for out-of-range leaves. */
        if (!intel || leaf >= 0x80000000)
            return;
        leaf = max_basic;
    }
    switch (leaf) {
    case 0:
    case 0x80000000: {
        out[0] = leaf ? max_ext : max_basic;
        const char *v = intel ? "GenuineIntel" : "AuthenticAMD";
        memcpy(&out[1], v, 4);
        memcpy(&out[3], v + 4, 4);
        memcpy(&out[2], v + 8, 4);
        return;
    }
    case 1:
        out[0] = m->signature;
        out[1] = (u32)c->id << 24 | 1u << 16 | 8u << 8;   /* APIC ID, 1 logical CPU, CLFLUSH 64 B */
        model_cpuid_features(m, 1, out);
        if ((c->cr4 & CR4_OSXSAVE))
            out[2] |= 1u << 27;
        if (!(c->msr.apic_base & (1ull << 11)))
            out[3] &= ~(1u << 9);   /* APIC globally disabled: CPUID.1:EDX.APIC reads 0 */
        return;
    case 0xb: {
        /* x2APIC topology (SDM 2A CPUID leaf 0BH): one thread per core, nr_cpus cores. */
        unsigned n = m->nr_cpus ? m->nr_cpus : 1, shift = 0;
        while ((1u << shift) < n)
            shift++;
        out[2] = subleaf & 0xff;
        out[3] = (u32)c->id;
        if (subleaf == 0) {
            out[0] = 0;
            out[1] = 1;
            out[2] |= 1u << 8;   /* level type SMT */
        } else if (subleaf == 1) {
            out[0] = shift;
            out[1] = n;
            out[2] |= 2u << 8;   /* level type core */
        }
        return;
    }
    case 5:
        /* MONITOR/MWAIT (SDM 2A Table 3-8): 64-byte monitor line, MWAIT extensions with
           interrupts as break events (ECX[1]); no C-state sub-states are enumerated, as
           MWAIT returns at once (cpu/exec_system.c). */
        if (model_has(m, FEAT_MONITOR)) {
            out[0] = out[1] = 64;
            out[2] = 3;
        }
        return;
    case 0xa:
        pmu_cpuid(m, out);
        return;
    case 7:
        if (subleaf == 0) {
            model_cpuid_features(m, 7, out);
            if (c->cr4 & CR4_PKE)
                out[2] |= 1u << 4;   /* OSPKE */
        }
        return;
    case 0x80000001:
        model_cpuid_features(m, 0x80000001, out);
        if (!intel)
            out[0] = m->signature;
        return;
    case 0x80000002: case 0x80000003: case 0x80000004: {
        char brand[48] = {0};
        strncpy(brand, m->brand, sizeof(brand) - 1);
        memcpy(out, brand + 16 * (leaf - 0x80000002), 16);
        return;
    }
    case 0x80000008:
        out[0] = m->maxphyaddr | (u32)m->maxlinaddr << 8;
        return;
    default:
        return;
    }
}
