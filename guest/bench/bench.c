/* guest/bench/bench.c — see bench.h. */
#include "bench.h"

/* True when s starts with "key=". */
static bool arg_is(const char *s, const char *key)
{
    while (*key && *s == *key)
        s++, key++;
    return !*key && *s == '=';
}

uint64_t bench_arg(const char *key, uint64_t dflt)
{
    const struct multiboot_info *mbi = guest_mbi();
    if (!(mbi->flags & (1u << 2)) || !mbi->cmdline)
        return dflt;
    const char *start = (const char *)(uintptr_t)mbi->cmdline;
    for (const char *s = start; *s; s++) {
        if ((s == start || s[-1] == ' ') && arg_is(s, key)) {
            uint64_t v = 0;
            for (s += strlen(key) + 1; *s >= '0' && *s <= '9'; s++)
                v = v * 10 + (uint64_t)(*s - '0');
            return v;
        }
    }
    return dflt;
}

void bench_result(const char *name, uint64_t insns, uint64_t units, const char *unit)
{
    guest_printf("BENCH name=%s insns=%lu units=%lu unit=%s\n", name, (unsigned long)insns,
                 (unsigned long)units, unit);
}

/* Page tables for the region: one PDPT, one PD, a page table per 2 MiB. */
static uint64_t region_pdpt[512] __attribute__((aligned(4096)));
static uint64_t region_pd[512] __attribute__((aligned(4096)));
static uint64_t region_pt[BENCH_REGION_MAX >> 21][512] __attribute__((aligned(4096)));

#define PTE_PRW_USER 7ull   /* present, writable, user */

void *bench_map_region(uint64_t bytes)
{
    if (bytes > BENCH_REGION_MAX)
        bytes = BENCH_REGION_MAX;
    uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
    pml4[(BENCH_REGION_LA >> 39) & 511] = (uintptr_t)region_pdpt | PTE_PRW_USER;
    region_pdpt[(BENCH_REGION_LA >> 30) & 511] = (uintptr_t)region_pd | PTE_PRW_USER;
    for (uint64_t off = 0; off < bytes; off += 4096) {
        uint64_t t = off >> 21;
        region_pd[t] = (uintptr_t)region_pt[t] | PTE_PRW_USER;
        region_pt[t][(off >> 12) & 511] = (BENCH_REGION_PA + off) | PTE_PRW_USER;
    }
    write_cr3(read_cr3());
    return (void *)(uintptr_t)BENCH_REGION_LA;
}

static uint32_t chase_order[BENCH_REGION_MAX >> 12];

/* Node i: page i of the region, at a line chosen by a hash of i. */
static uint64_t *chase_node(void *region, uint64_t i)
{
    uint64_t line = (i * 0x9e3779b97f4a7c15ull) >> 58;   /* 0..63 */
    return (uint64_t *)((uintptr_t)region + i * 4096 + line * 64);
}

void *bench_build_chase(void *region, uint64_t nodes, uint64_t seed, uint64_t hops, void **after)
{
    if (nodes > BENCH_REGION_MAX >> 12)
        nodes = BENCH_REGION_MAX >> 12;
    for (uint64_t i = 0; i < nodes; i++)
        chase_order[i] = (uint32_t)i;
    for (uint64_t i = nodes - 1; i > 0; i--) {   /* Fisher-Yates shuffle */
        uint64_t j = bench_rand(&seed) % (i + 1);
        uint32_t t = chase_order[i];
        chase_order[i] = chase_order[j];
        chase_order[j] = t;
    }
    for (uint64_t k = 0; k < nodes; k++)
        *chase_node(region, chase_order[k]) = (uintptr_t)chase_node(region, chase_order[(k + 1) % nodes]);
    *after = chase_node(region, chase_order[hops % nodes]);
    return chase_node(region, chase_order[0]);
}
