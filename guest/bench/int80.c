/* Benchmark int80: ring 3 -> ring 0 through INT 0x80 (a DPL-3 interrupt gate, stack switch to
 * TSS.RSP0) and IRETQ back, in a loop. Each round trip is 5 instructions: INT, the handler's
 * INC and IRETQ, and the user loop's DEC and JNZ. The figure is round trips per second.
 * Options (-append): iters=N (default 2,000,000). */
#include "bench.h"
#include "ring3.h"

uint64_t int80_count, int80_iters;
void int80_entry(void);
void int80_user(void);

__asm__(".text\n"
        "int80_entry:\n\t"
        "incq int80_count(%rip)\n\t"
        "iretq\n"
        "int80_user:\n\t"
        "mov int80_iters(%rip), %rcx\n\t"
        "test %rcx, %rcx; jz 2f\n"
        "1: int $0x80\n\t"
        "dec %rcx\n\t"
        "jnz 1b\n"
        "2: int $0x81\n");

int main(void)
{
    int80_iters = bench_arg("iters", 2000000);
    ring3_setup(0x80, int80_entry);
    ring3_run(int80_user);
    report(int80_count == int80_iters, "int80: %lu round trips from ring 3, handler ran %lu times",
           (unsigned long)int80_iters, (unsigned long)int80_count);
    bench_result("int80", 5 * int80_iters, int80_iters, "round-trips");
    return report_summary();
}
