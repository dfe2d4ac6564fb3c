/* Benchmark syscall: ring 3 -> ring 0 through SYSCALL and SYSRETQ back, in a loop. Each round
 * trip is 5 instructions: SYSCALL, the handler's INC and SYSRETQ, and the user loop's DEC and
 * JNZ. The figure is round trips per second. SDM 3A §5.8.8.
 * Options (-append): iters=N (default 10,000,000). */
#include "bench.h"
#include "ring3.h"

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084

uint64_t syscall_count, syscall_iters;
void syscall_entry(void);
void syscall_user(void);

__asm__(".text\n"
        "syscall_entry:\n\t"
        "incq syscall_count(%rip)\n\t"
        "sysretq\n"
        "syscall_user:\n\t"
        "mov syscall_iters(%rip), %rbx\n\t"
        "test %rbx, %rbx; jz 2f\n"
        "1: syscall\n\t"
        "dec %rbx\n\t"
        "jnz 1b\n"
        "2: int $0x81\n");

int main(void)
{
    syscall_iters = bench_arg("iters", 10000000);
    ring3_setup(0, NULL);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1);   /* SCE */
    wrmsr(MSR_STAR, RING3_STAR);
    wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
    wrmsr(MSR_SFMASK, 0x700);               /* clear TF, IF, DF on entry */
    ring3_run(syscall_user);
    report(syscall_count == syscall_iters, "syscall: %lu round trips from ring 3, handler ran %lu times",
           (unsigned long)syscall_iters, (unsigned long)syscall_count);
    bench_result("syscall", 5 * syscall_iters, syscall_iters, "round-trips");
    return report_summary();
}
