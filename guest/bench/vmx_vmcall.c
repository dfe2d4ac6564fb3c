/* Benchmark vmx-vmcall: a hypervisor of our own (bench_vmx.c) runs a guest that executes
 * VMCALL in a loop; each VMCALL exits, the host reads the exit reason, guest RIP and
 * instruction length, advances RIP and VMRESUMEs. A round trip is 3 guest instructions (INC,
 * VMCALL, JMP) and BENCH_VMX_HOST_INSNS host ones. The figure is round trips per second.
 * Options (-append): iters=N (default 1,000,000). */
#include "bench.h"
#include "bench_vmx.h"

uint64_t vmcall_count;
void vmcall_guest(void);

__asm__(".text\n"
        "vmcall_guest:\n"
        "1: incq vmcall_count(%rip)\n\t"
        "vmcall\n\t"
        "jmp 1b\n");

int main(void)
{
    uint64_t iters = bench_arg("iters", 1000000);
    if (!bench_vmx_start(0, vmcall_guest))
        return report_summary();
    uint64_t left = bench_vmx_run(iters);
    __asm__ volatile("vmxoff" ::: "cc");
    report(left == 0 && vmcall_count == iters, "vmx-vmcall: %lu VMCALL exits handled, guest counted %lu",
           (unsigned long)(iters - left), (unsigned long)vmcall_count);
    bench_result("vmx-vmcall", (3 + BENCH_VMX_HOST_INSNS) * iters, iters, "round-trips");
    return report_summary();
}
