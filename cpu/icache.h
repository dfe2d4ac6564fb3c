/* cpu/icache.h — the decoded-instruction cache (DESIGN.md "Decode and the decoded-instruction
 * cache"): keyed by physical address + decode mode, validated against the code-page
 * generation of mmu/phys.h, so a store to the page invalidates it. A hit never touches Zydis. */
#ifndef HVSIM_CPU_ICACHE_H
#define HVSIM_CPU_ICACHE_H

#include "cpu/cpu.h"
#include "mmu/paging.h"

#define ICACHE_BITS 16
#define ICACHE_SIZE (1u << ICACHE_BITS)

/* 128 bytes on a 64-byte boundary: the key, generation, link, handler, the small fields and
   operand 0 share the first cache line, so a hit on a one-operand instruction touches one line
   and most others two (a step loop over a large working set is bound by these lines). */
struct __attribute__((aligned(64))) icache_entry {
    u64 key;       /* pa << 3 | mode, or ~0 */
    u32 gen;       /* code-page generation at decode time */
    /* The entry that last held the instruction that follows this one on the same page
       (linked by the step loop's chained path; &icache.none when unlinked, and again when
       the entry is refilled); a hint only: the user checks its key and generation. */
    struct icache_entry *next;
    struct insn in;
};

_Static_assert(sizeof(struct icache_entry) == 128, "icache_entry: two cache lines");

struct icache {
    struct icache_entry e[ICACHE_SIZE];
    struct icache_entry none;   /* key ~0, never valid: what an unlinked `next` points at */
    u64 hits, misses;
};

struct icache *icache_create(void);
void icache_destroy(struct icache *ic);
void icache_flush(struct icache *ic);

static inline unsigned icache_index(pa_t pa)
{
    return (unsigned)((pa ^ (pa >> ICACHE_BITS)) & (ICACHE_SIZE - 1));
}

/* Everything but a TLB-and-cache hit: translation, decode, faults. */
const struct insn *icache_fetch_slow(struct cpu *c, la_t la, enum paging_priv priv);

/* Whether the fetch-page translation f serves a fetch at la now. */
static inline __attribute__((always_inline)) bool icache_fetch_valid(const struct cpu *c, const struct fetch_xlat *f,
                                                                     la_t la)
{
    return (la >> 12) == f->page && c->tlb.gen == f->tlb_gen && c->cpl == f->cpl;
}

/* Makes the previous code page's translation the current one (and the current the previous). */
static inline __attribute__((always_inline)) void icache_fetch_swap(struct cpu *c)
{
    struct fetch_xlat t = c->fetch;
    c->fetch = c->fetch_alt;
    c->fetch_alt = t;
}

/* The decoded instruction at CS:RIP. Faults (#PF on fetch, #GP on CS limit or too long,
 * #UD) are raised here. The hit path is inline in the step loop: it must stay small. It first
 * reuses the translation of the previous fetch's page (c->fetch, or the one before that,
 * c->fetch_alt), valid while tlb.gen (bumped by every invalidation and by every change of the
 * TLB tag, cpu_update_mode) and the CPL are the same; then the TLB.
 * long64 must equal (c->mode == MODE_LONG64). */
static inline __attribute__((always_inline)) const struct insn *icache_fetch_mode(struct cpu *c, bool long64)
{
    /* In 64-bit mode the CS base is treated as 0 (SDM 3A §3.4.4). */
    la_t la = long64 ? c->rip : (u32)(c->seg[SEG_CS].base + c->rip);
    if (unlikely(!icache_fetch_valid(c, &c->fetch, la))) {
        if (icache_fetch_valid(c, &c->fetch_alt, la)) {
            icache_fetch_swap(c);
        } else {
            enum paging_priv priv = c->cpl == 3 ? PAGING_USER : PAGING_SUP_SMAP;
            struct tlb_entry *te = tlb_lookup(&c->tlb, la, c->tlb_tag);
            if (!te || !(te->perm & PAGING_PERM_BIT(PAGING_EXEC, priv)) || te->pa >= c->bus.phys->limit)
                return icache_fetch_slow(c, la, priv);
            c->fetch_alt = c->fetch;
            c->fetch = (struct fetch_xlat){.page = la >> 12, .tlb_gen = c->tlb.gen, .pa = te->pa,
                                           .gen = &c->bus.phys->code[te->pa >> 12].gen, .cpl = c->cpl};
        }
    }
    pa_t pa = c->fetch.pa | (la & 0xfff);
    struct icache *ic = c->icache;
    struct icache_entry *e = &ic->e[icache_index(pa)];
    if (likely(e->key == (pa << 3 | (long64 ? MODE_LONG64 : c->mode)) && e->gen == *c->fetch.gen &&
               (long64 || c->rip + e->in.len - 1 <= c->seg[SEG_CS].limit))) {
        ic->hits++;
        return &e->in;
    }
    return icache_fetch_slow(c, la, c->cpl == 3 ? PAGING_USER : PAGING_SUP_SMAP);
}

/* The entry of the cached 64-bit-mode instruction at pa when it was decoded at code-page
 * generation gen, or NULL. The step loop's chained path (cpu/cpu.c) calls it with the
 * physical address of a fetch-page translation it has already validated. */
static inline __attribute__((always_inline)) struct icache_entry *icache_lookup_long64(struct icache *ic, pa_t pa, u32 gen)
{
    struct icache_entry *e = &ic->e[icache_index(pa)];
    if (likely(e->key == (pa << 3 | MODE_LONG64) && e->gen == gen))
        return e;
    return NULL;
}

/* The same with the mode test first, so that 64-bit mode (long64 = true) compiles to the
 * shortest path; the step loop calls icache_fetch_mode directly for that reason. */
static inline const struct insn *icache_fetch(struct cpu *c)
{
    return c->mode == MODE_LONG64 ? icache_fetch_mode(c, true) : icache_fetch_mode(c, false);
}

/* Statistics. */
void icache_stats(const struct icache *ic, u64 *hits, u64 *misses);

#endif
