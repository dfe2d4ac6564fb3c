/* cpu/icache.h — the decoded-instruction cache (DESIGN.md "Decode and the decoded-instruction
 * cache"): keyed by physical address + decode mode, validated against the code-page
 * generation of mmu/phys.h, so a store to the page invalidates it. A hit never touches Zydis. */
#ifndef HVSIM_CPU_ICACHE_H
#define HVSIM_CPU_ICACHE_H

#include "cpu/cpu.h"

struct icache *icache_create(void);
void icache_destroy(struct icache *ic);
void icache_flush(struct icache *ic);

/* The decoded instruction at CS:RIP. Faults (#PF on fetch, #GP on CS limit or too long,
 * #UD) are raised here. */
const struct insn *icache_fetch(struct cpu *c);

/* Statistics. */
void icache_stats(const struct icache *ic, u64 *hits, u64 *misses);

#endif
