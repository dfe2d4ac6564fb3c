/* cpu/pmu.h — the performance-monitoring counters as the CPU model describes them: their
 * MSRs, RDPMC, CPUID leaf 0AH and lazy counting (SDM 3B §20.2, SDM 2B "RDPMC"). */
#ifndef HVSIM_CPU_PMU_H
#define HVSIM_CPU_PMU_H

#include "cpu/cpu.h"

/* RDMSR/WRMSR of a performance-monitoring MSR. Returns false when idx is none of them (the
 * caller goes on); otherwise *ok tells whether the access succeeds (false: #GP(0)). */
bool pmu_msr_read(struct cpu *c, u32 idx, u64 *v, bool *ok) MUST_CHECK;
bool pmu_msr_write(struct cpu *c, u32 idx, u64 v, bool *ok) MUST_CHECK;

/* The counter RDPMC selects with ECX (Intel: ECX[30] picks the fixed-function counters;
 * AMD: the four legacy counters). False: no such counter, #GP(0). */
bool pmu_rdpmc(struct cpu *c, u32 ecx, u64 *v) MUST_CHECK;

/* Bring the counters up to date (instructions and cycles since the last call, counted at the
 * CPL of that interval) and note which count from now on. cpu_update_mode calls it when the
 * CPL changed while a counter counts. */
void pmu_sync(struct cpu *c);

/* RESET: counters, selects and status cleared, the general-purpose enables of
 * IA32_PERF_GLOBAL_CTRL set (INIT leaves the PMU alone). */
void pmu_reset(struct cpu *c);

/* Load IA32_PERF_GLOBAL_CTRL without checks (VM entry/exit, SDM 3C §27.3.2.1, §28.5.1). */
void pmu_set_global_ctrl(struct cpu *c, u64 v);

/* CPUID leaf 0AH (architectural performance monitoring) of the model: out[EAX..EDX]. */
void pmu_cpuid(const struct cpu_model *m, u32 out[4]);

#endif
