/* Benchmark mem-stride: stores at a 4 KiB stride over 64 MiB mapped with 4 KiB pages, pass
 * after pass (16,384 pages, four times the TLB's reach), so each store needs a translation the
 * TLB lost since the last pass. The loop is 4 instructions per store (store, add, decrement,
 * branch); the figure is MIPS.
 * Options (-append): passes=N (default 200), mib=M (region size, default 64). */
#include "bench.h"

int main(void)
{
    uint64_t passes = bench_arg("passes", 200), bytes = bench_arg("mib", 64) << 20;
    uint64_t pages = bytes >> 12;
    uint8_t *region = bench_map_region(bytes);
    for (uint64_t pass = 1; pass <= passes; pass++) {
        uint8_t *q = region + (pass & 511) * 8;   /* a different word each pass */
        uint64_t n = pages;
        __asm__ volatile("1: mov %2, (%0)\n\t"
                         "add $4096, %0\n\t"
                         "dec %1\n\t"
                         "jnz 1b"
                         : "+r"(q), "+r"(n)
                         : "r"(pass)
                         : "memory", "cc");
    }
    /* Each page holds, at word (pass & 511), the last pass that wrote there. */
    uint64_t bad = 0;
    for (uint64_t pass = passes > 512 ? passes - 511 : 1; pass <= passes; pass++)
        for (uint64_t i = 0; i < pages; i += 97)
            bad += *(uint64_t *)(region + i * 4096 + (pass & 511) * 8) != pass;
    report(bad == 0, "mem-stride: %lu passes over %lu pages, %lu words wrong", (unsigned long)passes,
           (unsigned long)pages, (unsigned long)bad);
    bench_result("mem-stride", 4 * passes * pages, passes * pages, "stores");
    return report_summary();
}
