/* cpu/cpuid.h — CPUID as the CPU model advertises it (SDM 2A "CPUID"). */
#ifndef HVSIM_CPU_CPUID_H
#define HVSIM_CPU_CPUID_H

#include "cpu/cpu.h"

/* out[0..3] = EAX, EBX, ECX, EDX for leaf/subleaf. */
void cpuid_query(const struct cpu *c, u32 leaf, u32 subleaf, u32 out[4]);

#endif
