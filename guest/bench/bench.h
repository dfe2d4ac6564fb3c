/* guest/bench/bench.h — shared pieces of the benchmark images (guest/bench/): options from the
 * kernel command line, the result line the bench runner reads, a deterministic generator and
 * a 4 KiB-page mapping of a large region.
 *
 * Each benchmark prints one line
 *     BENCH name=NAME insns=I units=U unit=UNIT
 * where I is the number of guest instructions of the measured loop and U the number of its
 * iterations, both known from the code (not counted); guest/bench/run_bench.sh divides them by
 * the host time hvsim's -stats reports. The image also checks its result (a checksum, a
 * counter) with report() and ends with report_summary(), so ctest can run it with a tiny count
 * to see that it still runs correctly. Benchmarks are never tests: nothing asserts on time. */
#ifndef HVSIM_GUEST_BENCH_H
#define HVSIM_GUEST_BENCH_H

#include "guest.h"

/* The value of "key=N" (decimal) on the kernel command line (-append), or dflt. */
uint64_t bench_arg(const char *key, uint64_t dflt);

/* Print the BENCH line for `insns` loop instructions over `units` iterations of `unit`. */
void bench_result(const char *name, uint64_t insns, uint64_t units, const char *unit);

/* xorshift64: deterministic pseudo-random numbers (state must be non-zero). */
static inline uint64_t bench_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* The region the memory benchmarks use: BENCH_REGION_MAX bytes of RAM at physical
 * BENCH_REGION_PA, mapped with 4 KiB pages (writable, user-accessible) at linear
 * BENCH_REGION_LA (PML4 slot 1, outside boot.S's identity map of the first 4 GiB). */
#define BENCH_REGION_PA 0x2000000ull          /* 32 MiB: RAM by default (-m 128M) */
#define BENCH_REGION_LA 0x8000000000ull
#define BENCH_REGION_MAX (64ull << 20)

/* Map `bytes` (a multiple of 4 KiB, at most BENCH_REGION_MAX) of the region with 4 KiB pages
 * into the current page tables (CR3) and reload CR3. Returns the region's linear address. */
void *bench_map_region(uint64_t bytes);

/* A random cyclic pointer chase: `nodes` nodes, one per 4 KiB page of the region (each at a
 * random 64-byte line of its page), each holding the linear address of the next; one cycle
 * through all of them in a random order (seeded by `seed`). Returns the first node; *after
 * receives the node reached after `hops` hops from it, computed from the order, not by
 * chasing. */
void *bench_build_chase(void *region, uint64_t nodes, uint64_t seed, uint64_t hops, void **after);

#endif
