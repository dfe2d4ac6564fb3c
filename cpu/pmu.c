/* cpu/pmu.c — performance-monitoring MSRs and RDPMC (SDM 3B §20.2 "Architectural Performance
 * Monitoring", SDM 2B "RDPMC", APM 2 §13.2).
 *
 * Intel: an architectural PMU of version model->pmu_version with pmu_gp general-purpose and
 * pmu_fixed fixed-function counters; IA32_PERF_GLOBAL_CTRL/STATUS/OVF_CTRL from version 2
 * with the reserved bits of model_perf_global_valid. Three architectural events count:
 * unhalted core cycles (3CH/00H, fixed counter 1), instructions retired (C0H/00H, fixed
 * counter 0) and reference cycles (3CH/01H, fixed counter 2), all from the modelled clock
 * and instruction count; the other four are reported unavailable in CPUID.0AH:EBX and, like
 * model-specific events, do not count. Counting is lazy: pmu_sync adds what happened since
 * the last sync to each enabled counter whose OS/USR bits match the CPL of that interval; it
 * runs on every PMU MSR access, RDPMC, CPL change and PERF_GLOBAL_CTRL load, so nothing is
 * added to the instruction loop. Simplifications: halted time counts as cycles, a counter
 * mask (CMASK) of 2 or more counts nothing (no event happens twice in a modelled cycle),
 * edge/invert are ignored, and an overflow sets its IA32_PERF_GLOBAL_STATUS bit at the next
 * sync without a PMI. AMD: the four legacy counters (K7 MSRs, also reachable through the
 * F15H aliases) hold what software writes and do not count. */
#include "cpu/pmu.h"

#include "cpu/msr.h"

#define PMU_EVENTS 7   /* architectural events of CPUID.0AH:EBX (SDM 3B Table 20-1) */
#define PMU_EVENTS_UNAVAILABLE 0x78u   /* LLC references/misses, branches, branch misses */
enum { EVT_USR = 1u << 16, EVT_OS = 1u << 17, EVT_EN = 1u << 22 };
enum pmu_event { PMU_NONE, PMU_INSNS, PMU_CYCLES, PMU_REF_CYCLES };

void pmu_cpuid(const struct cpu_model *m, u32 out[4])
{
    out[0] = out[1] = out[2] = out[3] = 0;
    if (m->vendor != VENDOR_INTEL || !m->pmu_version)
        return;
    out[0] = m->pmu_version | (u32)m->pmu_gp << 8 | (u32)m->pmu_gp_width << 16 | (u32)PMU_EVENTS << 24;
    out[1] = PMU_EVENTS_UNAVAILABLE;   /* 1 = event not available */
    if (m->pmu_version >= 2 && m->pmu_fixed)
        out[3] = m->pmu_fixed | (u32)m->pmu_gp_width << 5;
}

static u64 counter_mask(const struct cpu *c)
{
    return GENMASK(c->model.pmu_gp_width - 1, 0);
}

static bool intel_pmu(const struct cpu *c)
{
    return c->model.vendor == VENDOR_INTEL && c->model.pmu_version;
}

static bool intel_v2(const struct cpu *c)
{
    return intel_pmu(c) && c->model.pmu_version >= 2;
}

/* Event-select bits that exist: 31:0 but AnyThread (bit 21), which comes with version 3. */
static u64 evtsel_valid(const struct cpu *c)
{
    return c->model.pmu_version >= 3 ? 0xffffffffull : 0xffffffffull & ~BIT(21);
}

/* What a general-purpose counter with this event select counts. */
static enum pmu_event gp_event(u64 sel)
{
    if (((sel >> 24) & 0xff) >= 2)
        return PMU_NONE;   /* CMASK >= 2: never two events in one modelled cycle */
    switch (sel & 0xffff) {
    case 0x003c: return PMU_CYCLES;
    case 0x00c0: return PMU_INSNS;
    case 0x013c: return PMU_REF_CYCLES;
    default: return PMU_NONE;
    }
}

/* Does a counter with these enables (bit 0 OS, bit 1 USR) count at this CPL? */
static bool cpl_counts(unsigned os_usr, unsigned cpl)
{
    return cpl == 0 ? (os_usr & 1) : (os_usr & 2);
}

/* Add n events to counter *ctr; an overflow past the width sets `status_bit`. */
static void counter_add(struct cpu *c, u64 *ctr, u64 n, unsigned status_bit)
{
    u64 mask = counter_mask(c), v = (*ctr & mask) + n;
    if (v > mask)
        c->msr.perf_global_status |= BIT(status_bit);
    *ctr = v & mask;
}

void pmu_sync(struct cpu *c)
{
    struct cpu_msrs *m = &c->msr;
    const struct cpu_model *mod = &c->model;
    u64 d_insns = c->insns - m->pmu_insns, d_cycles = c->cycles - m->pmu_cycles;
    m->pmu_insns = c->insns;
    m->pmu_cycles = c->cycles;
    if (m->pmu_active) {
        u64 global = mod->pmu_version >= 2 ? m->perf_global_ctrl : ~0ull;
        for (unsigned i = 0; i < mod->pmu_gp; i++) {
            u64 sel = m->perfevtsel[i];
            unsigned os_usr = ((sel & EVT_OS) ? 1u : 0u) | ((sel & EVT_USR) ? 2u : 0u);
            enum pmu_event e = gp_event(sel);
            if ((sel & EVT_EN) && ((global >> i) & 1) && cpl_counts(os_usr, m->pmu_cpl) && e != PMU_NONE)
                counter_add(c, &m->pmc[i], e == PMU_INSNS ? d_insns : d_cycles, i);
        }
        for (unsigned i = 0; i < mod->pmu_fixed && mod->pmu_version >= 2; i++)
            if (((global >> (32 + i)) & 1) && cpl_counts((unsigned)(m->fixed_ctr_ctrl >> (4 * i)) & 3, m->pmu_cpl))
                counter_add(c, &m->fixed_ctr[i], i == 0 ? d_insns : d_cycles, 32 + i);
    }
    m->pmu_cpl = c->cpl;
    bool active = mod->pmu_fixed && (m->fixed_ctr_ctrl & 0x333);
    for (unsigned i = 0; i < mod->pmu_gp; i++)
        active |= (m->perfevtsel[i] & EVT_EN) && gp_event(m->perfevtsel[i]) != PMU_NONE;
    m->pmu_active = active && intel_pmu(c);
}

void pmu_reset(struct cpu *c)
{
    struct cpu_msrs *m = &c->msr;
    for (unsigned i = 0; i < 8; i++)
        m->pmc[i] = m->perfevtsel[i] = 0;
    for (unsigned i = 0; i < 3; i++)
        m->fixed_ctr[i] = 0;
    m->fixed_ctr_ctrl = m->perf_global_status = 0;
    /* The general-purpose enables start set, so software written for version 1 (event
       selects only) counts (SDM 3B §20.2.2). */
    m->perf_global_ctrl = model_perf_global_valid(&c->model) & 0xffffffffull;
    m->pmu_active = false;
    m->pmu_insns = c->insns;
    m->pmu_cycles = c->cycles;
    m->pmu_cpl = c->cpl;
}

void pmu_set_global_ctrl(struct cpu *c, u64 v)
{
    pmu_sync(c);
    c->msr.perf_global_ctrl = v;
}

/* The AMD legacy counters: 4 PerfEvtSel/PerfCtr pairs, also at the F15H addresses. */
static u64 *amd_msr(struct cpu *c, u32 idx)
{
    struct cpu_msrs *m = &c->msr;
    if (idx >= MSR_K7_PERFCTL0 && idx < MSR_K7_PERFCTL0 + 4)
        return &m->amd_perf_ctl[idx - MSR_K7_PERFCTL0];
    if (idx >= MSR_K7_PERFCTR0 && idx < MSR_K7_PERFCTR0 + 4)
        return &m->amd_perf_ctr[idx - MSR_K7_PERFCTR0];
    if (idx >= MSR_F15H_PERF_CTL0 && idx < MSR_F15H_PERF_CTL0 + 12) {
        unsigned k = idx - MSR_F15H_PERF_CTL0;
        return (k & 1) ? &m->amd_perf_ctr[k / 2] : &m->amd_perf_ctl[k / 2];
    }
    return NULL;
}

static bool amd_is_counter(u32 idx)
{
    return (idx >= MSR_K7_PERFCTR0 && idx < MSR_K7_PERFCTR0 + 4) ||
           (idx >= MSR_F15H_PERF_CTL0 && idx < MSR_F15H_PERF_CTL0 + 12 && ((idx - MSR_F15H_PERF_CTL0) & 1));
}

/* The Intel PMU register behind idx, with whether the model has it; NULL: not a PMU MSR. */
static u64 *intel_msr(struct cpu *c, u32 idx, bool *exists)
{
    struct cpu_msrs *m = &c->msr;
    const struct cpu_model *mod = &c->model;
    if (idx >= MSR_IA32_PMC0 && idx < MSR_IA32_PMC0 + 8) {
        *exists = intel_pmu(c) && idx - MSR_IA32_PMC0 < mod->pmu_gp;
        return &m->pmc[idx - MSR_IA32_PMC0];
    }
    if (idx >= MSR_IA32_PERFEVTSEL0 && idx < MSR_IA32_PERFEVTSEL0 + 8) {
        *exists = intel_pmu(c) && idx - MSR_IA32_PERFEVTSEL0 < mod->pmu_gp;
        return &m->perfevtsel[idx - MSR_IA32_PERFEVTSEL0];
    }
    if (idx >= MSR_IA32_FIXED_CTR0 && idx < MSR_IA32_FIXED_CTR0 + 3) {
        *exists = intel_v2(c) && idx - MSR_IA32_FIXED_CTR0 < mod->pmu_fixed;
        return &m->fixed_ctr[idx - MSR_IA32_FIXED_CTR0];
    }
    *exists = intel_v2(c);
    switch (idx) {
    case MSR_IA32_FIXED_CTR_CTRL: *exists = *exists && mod->pmu_fixed; return &m->fixed_ctr_ctrl;
    case MSR_IA32_PERF_GLOBAL_STATUS: return &m->perf_global_status;
    case MSR_IA32_PERF_GLOBAL_CTRL: return &m->perf_global_ctrl;
    case MSR_IA32_PERF_GLOBAL_OVF_CTRL: return &m->perf_global_status;
    default: return NULL;
    }
}

bool pmu_msr_read(struct cpu *c, u32 idx, u64 *v, bool *ok)
{
    if (c->model.vendor != VENDOR_INTEL) {
        u64 *r = amd_msr(c, idx);
        *ok = true;
        if (r)
            *v = *r;
        return r != NULL;
    }
    u64 *r = intel_msr(c, idx, ok);
    if (!r)
        return false;
    pmu_sync(c);
    *v = !*ok ? 0 : idx == MSR_IA32_PERF_GLOBAL_OVF_CTRL ? 0 : *r;
    return true;
}

/* Is v a value WRMSR may write to this existing Intel PMU register? */
static bool intel_write_ok(const struct cpu *c, u32 idx, u64 v)
{
    u64 global = model_perf_global_valid(&c->model);
    if (idx >= MSR_IA32_PERFEVTSEL0 && idx < MSR_IA32_PERFEVTSEL0 + 8)
        return !(v & ~evtsel_valid(c));
    switch (idx) {
    case MSR_IA32_FIXED_CTR_CTRL: return !(v & ~(BIT(4 * c->model.pmu_fixed) - 1));
    case MSR_IA32_PERF_GLOBAL_STATUS: return false;   /* read-only */
    case MSR_IA32_PERF_GLOBAL_CTRL: return !(v & ~global);
    case MSR_IA32_PERF_GLOBAL_OVF_CTRL: return !(v & ~(global | BIT(62) | BIT(63)));
    default: return true;
    }
}

bool pmu_msr_write(struct cpu *c, u32 idx, u64 v, bool *ok)
{
    if (c->model.vendor != VENDOR_INTEL) {
        u64 *r = amd_msr(c, idx);
        *ok = true;
        if (r)
            *r = amd_is_counter(idx) ? v & GENMASK(47, 0) : v;
        return r != NULL;
    }
    u64 *r = intel_msr(c, idx, ok);
    if (!r)
        return false;
    *ok = *ok && intel_write_ok(c, idx, v);
    if (!*ok)
        return true;
    pmu_sync(c);
    if (idx >= MSR_IA32_PMC0 && idx < MSR_IA32_PMC0 + 8)
        *r = bits_sext(v, 32) & counter_mask(c);   /* legacy address: bits 31:0 sign-extended
                                                      (no full-width writes, SDM 3B §20.2.6) */
    else if (idx >= MSR_IA32_FIXED_CTR0 && idx < MSR_IA32_FIXED_CTR0 + 3)
        *r = v & counter_mask(c);
    else if (idx == MSR_IA32_PERF_GLOBAL_OVF_CTRL)
        *r &= ~v;   /* clears overflow bits, CondChgd (63) and OvfBuffer (62) */
    else
        *r = v;
    pmu_sync(c);   /* which counters count from now on */
    return true;
}

bool pmu_rdpmc(struct cpu *c, u32 ecx, u64 *v)
{
    const struct cpu_msrs *m = &c->msr;
    if (c->model.vendor != VENDOR_INTEL) {
        if (ecx >= 4)
            return false;
        *v = m->amd_perf_ctr[ecx];
        return true;
    }
    if (!intel_pmu(c))
        return false;
    pmu_sync(c);
    u32 n = ecx & ~BIT(30);
    if (ecx & BIT(30)) {
        if (!intel_v2(c) || n >= c->model.pmu_fixed)
            return false;
        *v = m->fixed_ctr[n];
        return true;
    }
    if (n >= c->model.pmu_gp)
        return false;
    *v = m->pmc[n];
    return true;
}
