/* mmu/phys.h — the physical address space as the CPU sees it: the memory bus map (RAM and
 * MMIO ranges) plus per-page tracking of decoded code, so that a store to a page holding
 * decoded instructions invalidates them (self-modifying code, other vCPUs, DMA, loaders). */
#ifndef HVSIM_MMU_PHYS_H
#define HVSIM_MMU_PHYS_H

#include "base/iomap.h"
#include "base/types.h"

/* Per 4 KiB physical page: which 64-byte chunks hold decoded instructions, and a generation
 * number that decoded-instruction cache entries must match. */
struct code_page {
    u64 chunks;
    u32 gen;
};

struct phys {
    struct iomap *mem;          /* memory bus map */
    struct code_page *code;     /* indexed by pa >> 12, for pa < limit */
    pa_t limit;                 /* one past the highest RAM byte */
    /* Called when a page first gets decoded code, so every vCPU drops direct-write TLB
       entries for it; set by the machine. */
    void (*on_code_page)(void *opaque, pa_t page);
    void *opaque;
};

/* Allocate tracking for RAM below `limit`. Returns 0 or -1 (out of memory). */
int phys_init(struct phys *p, struct iomap *mem, pa_t limit) MUST_CHECK;
void phys_destroy(struct phys *p);

/* Record that bytes [pa, pa+len) hold a decoded instruction (within one page). */
void phys_mark_code(struct phys *p, pa_t pa, unsigned len);

/* A store of `len` bytes at pa (within one page) is about to happen: invalidate decoded
 * code it overlaps. Returns true if it did (the page's generation changed). */
static inline bool phys_note_write(struct phys *p, pa_t pa, unsigned len)
{
    if (pa >= p->limit)
        return false;
    struct code_page *cp = &p->code[pa >> 12];
    if (likely(!cp->chunks))
        return false;
    unsigned first = (pa & 0xfff) >> 6, last = ((pa & 0xfff) + len - 1) >> 6;
    if (last > 63)
        last = 63;
    u64 bits = (last == 63 ? ~0ull : (1ull << (last + 1)) - 1) & ~((1ull << first) - 1);
    if (!(cp->chunks & bits))
        return false;
    cp->chunks = 0;
    cp->gen++;
    return true;
}

static inline u32 phys_code_gen(const struct phys *p, pa_t pa)
{
    return pa < p->limit ? p->code[pa >> 12].gen : 0;
}

#endif
