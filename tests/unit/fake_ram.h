/* tests/unit/fake_ram.h — the paging-structure callbacks of the walker unit tests (mmu/paging.h
 * and mmu/ept.h share their types) over a flat array standing for physical memory from 0. The
 * array is the callbacks' opaque pointer: a struct fake_ram. A read past its end aborts the
 * walk (returns 1: PAGING_EXT / the EPT walker's external abort). */
#ifndef HVSIM_TESTS_FAKE_RAM_H
#define HVSIM_TESTS_FAKE_RAM_H

#include <string.h>

#include "mmu/paging.h"

struct fake_ram {
    u8 *base;
    size_t size;
};

static inline int fake_ram_read(void *o, pa_t pa, u64 *v, unsigned size)
{
    const struct fake_ram *r = o;
    *v = 0;
    if (pa + size > r->size)
        return 1;
    memcpy(v, r->base + pa, size);
    return 0;
}

static inline int fake_ram_cmpxchg(void *o, pa_t pa, u64 old, u64 nv, unsigned size, bool *ok)
{
    const struct fake_ram *r = o;
    u64 cur = 0;
    if (pa + size > r->size)
        return 1;
    memcpy(&cur, r->base + pa, size);
    *ok = cur == old;
    if (*ok)
        memcpy(r->base + pa, &nv, size);
    return 0;
}

#endif
