/* Benchmark ept-chase: the mem-chase pointer chase run by a guest under EPT, with a VMCALL
 * every `every` hops so VM exits and entries happen during the chase. The region is mapped
 * with 4 KiB pages by both the guest's page tables and EPT, so a TLB miss costs a full 2-D
 * walk (up to 24 memory references). With vpid=1 the guest runs with VPID 1 and its
 * translations may survive the transitions; with vpid=0 every VM entry and exit invalidates
 * them (SDM 3C §29.4.3) and the chase refills the TLB after each. The default region (8 MiB,
 * 2,048 pages) fits in the TLB, so the difference between the two runs is the cost of
 * those refills. A block is `every` hops of 3 instructions, then 4 instructions around the
 * VMCALL and BENCH_VMX_HOST_INSNS in the host; the figure is MIPS.
 * Options (-append): vpid=0|1 (default 1), hops=N (default 4,194,304, rounded down to a
 * multiple of every), every=N (default 1,024), mib=M (default 8). */
#include "bench.h"
#include "bench_vmx.h"
#include "vmx.h"

static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[4][512] __attribute__((aligned(4096)));
static uint64_t ept_pt[BENCH_REGION_MAX >> 21][512] __attribute__((aligned(4096)));

#define EPT_RWX 7ull
#define EPT_WB (6ull << 3)
#define EPT_PS (1ull << 7)

/* Identity EPT: 2 MiB pages for the first 4 GiB, 4 KiB pages over the region. */
static uint64_t build_ept(void)
{
    ept_pml4[0] = (uintptr_t)ept_pdpt | EPT_RWX;
    for (uint64_t g = 0; g < 4; g++) {
        ept_pdpt[g] = (uintptr_t)ept_pd[g] | EPT_RWX;
        for (uint64_t i = 0; i < 512; i++)
            ept_pd[g][i] = (g << 30 | i << 21) | EPT_RWX | EPT_WB | EPT_PS;
    }
    for (uint64_t t = 0; t < BENCH_REGION_MAX >> 21; t++) {
        uint64_t base = BENCH_REGION_PA + (t << 21);
        for (uint64_t i = 0; i < 512; i++)
            ept_pt[t][i] = (base + (i << 12)) | EPT_RWX | EPT_WB;
        ept_pd[base >> 30][(base >> 21) & 511] = (uintptr_t)ept_pt[t] | EPT_RWX;
    }
    return (uintptr_t)ept_pml4 | 6 | (3 << 3);   /* WB, 4-level walk */
}

uint64_t ept_p, ept_blocks, ept_every;
void ept_guest(void);

/* The guest: ept_blocks blocks of ept_every hops, a VMCALL after each; the final VMCALL
 * reports the end node in ept_p. */
__asm__(".text\n"
        "ept_guest:\n\t"
        "mov ept_p(%rip), %rax\n\t"
        "mov ept_blocks(%rip), %rcx\n"
        "2: mov ept_every(%rip), %rdx\n"
        "1: mov (%rax), %rax\n\t"
        "dec %rdx\n\t"
        "jnz 1b\n\t"
        "vmcall\n\t"
        "dec %rcx\n\t"
        "jnz 2b\n\t"
        "mov %rax, ept_p(%rip)\n\t"
        "vmcall\n\t"
        "ud2\n");

int main(void)
{
    uint64_t vpid = bench_arg("vpid", 1), bytes = bench_arg("mib", 8) << 20;
    ept_every = bench_arg("every", 1024);
    if (!ept_every)
        ept_every = 1;
    ept_blocks = bench_arg("hops", 4194304) / ept_every;
    if (!ept_blocks)
        ept_blocks = 1;
    uint64_t hops = ept_blocks * ept_every;
    void *region = bench_map_region(bytes), *want;
    ept_p = (uintptr_t)bench_build_chase(region, bytes >> 12, 0x9e3779b97f4a7c15ull, hops, &want);
    if (!bench_vmx_start(vpid ? 0x22 : 0x02, ept_guest))   /* enable EPT (+ enable VPID) */
        return report_summary();
    vmwrite(0x201a, build_ept());
    if (vpid)
        vmwrite(0x0000, 1);
    uint64_t left = bench_vmx_run(ept_blocks + 1);
    __asm__ volatile("vmxoff" ::: "cc");
    report(left == 0 && ept_p == (uintptr_t)want,
           "ept-chase (vpid=%lu): %lu hops over %lu MiB in %lu blocks end at %#lx (want %p)",
           (unsigned long)vpid, (unsigned long)hops, (unsigned long)(bytes >> 20), (unsigned long)ept_blocks,
           (unsigned long)ept_p, want);
    bench_result(vpid ? "ept-chase-vpid" : "ept-chase-novpid",
                 3 * hops + (4 + BENCH_VMX_HOST_INSNS) * ept_blocks, hops, "hops");
    return report_summary();
}
