/* Benchmark mem-chase: a random pointer chase over 64 MiB mapped with 4 KiB pages. One node per
 * page, at a random cache line of it, linked into one cycle in random order, so nearly every
 * hop needs a translation the TLB does not hold (64 MiB = 16,384 pages). The loop is
 * 3 instructions per hop (load, decrement, branch); the figure is MIPS.
 * Options (-append): hops=N (default 10,000,000), mib=M (region size, default 64). */
#include "bench.h"

int main(void)
{
    uint64_t hops = bench_arg("hops", 10000000), bytes = bench_arg("mib", 64) << 20;
    void *region = bench_map_region(bytes), *want;
    uint64_t *p = bench_build_chase(region, bytes >> 12, 0x2545f4914f6cdd1dull, hops, &want);
    if (hops) {
        uint64_t n = hops;
        __asm__ volatile("1: mov (%0), %0\n\t"
                         "dec %1\n\t"
                         "jnz 1b"
                         : "+r"(p), "+r"(n)
                         :
                         : "memory", "cc");
    }
    report(p == want, "mem-chase: %lu hops over %lu MiB end at node %p (want %p)", (unsigned long)hops,
           (unsigned long)(bytes >> 20), (void *)p, want);
    bench_result("mem-chase", 3 * hops, hops, "hops");
    return report_summary();
}
