/* Benchmark int-alu: a tight loop of 20 mixed ALU / load / store / branch instructions; the
 * figure is MIPS. With verify=1 the same computation is repeated in C (other instructions)
 * and the results compared; that doubles the work, so the benchmark run leaves it off.
 * Options (-append): iters=N (default 5,000,000), verify=0|1 (default 0). */
#include "bench.h"

static uint64_t buf[64];

/* The loop below in C. */
static uint64_t int_alu_reference(uint64_t n)
{
    uint64_t a = 1, b = 2, c = 3, m[3] = {0, 0, 0};
    while (n--) {
        b += a;
        c ^= b;
        a = a + c + 7;
        m[0] = a;
        b <<= 3;
        a -= c;
        c = m[1] & 0xffff;
        c |= a;
        b++;
        m[1] = b;
        if (b < a)
            a = c;
        c = c << 5 | c >> 59;
        b *= c;
        c = m[2] + b;
        m[2] = c;
    }
    return a ^ b ^ c ^ m[0] ^ m[1] ^ m[2];
}

int main(void)
{
    uint64_t iters = bench_arg("iters", 5000000);
    uint64_t a = 1, b = 2, c = 3, n = iters;
    if (n)
        __asm__ volatile(
            "1:\n\t"
            "add %[a], %[b]\n\t"
            "xor %[b], %[c]\n\t"
            "lea 7(%[a],%[c]), %[a]\n\t"
            "mov %[a], (%[p])\n\t"
            "shl $3, %[b]\n\t"
            "sub %[c], %[a]\n\t"
            "mov 8(%[p]), %[c]\n\t"
            "and $0xffff, %[c]\n\t"
            "or %[a], %[c]\n\t"
            "inc %[b]\n\t"
            "mov %[b], 8(%[p])\n\t"
            "cmp %[a], %[b]\n\t"
            "cmovb %[c], %[a]\n\t"
            "rol $5, %[c]\n\t"
            "imul %[c], %[b]\n\t"
            "mov 16(%[p]), %[c]\n\t"
            "add %[b], %[c]\n\t"
            "mov %[c], 16(%[p])\n\t"
            "dec %[n]\n\t"
            "jnz 1b\n\t"
            : [a] "+r"(a), [b] "+r"(b), [c] "+r"(c), [n] "+r"(n)
            : [p] "r"(buf)
            : "memory", "cc");
    uint64_t sum = a ^ b ^ c ^ buf[0] ^ buf[1] ^ buf[2];
    if (bench_arg("verify", 0)) {
        uint64_t want = int_alu_reference(iters);
        report(sum == want, "int-alu: %lu iterations, checksum %#lx (want %#lx)", (unsigned long)iters,
               (unsigned long)sum, (unsigned long)want);
    } else {
        report_skip("int-alu: %lu iterations, checksum %#lx (not verified: verify=1)", (unsigned long)iters,
                    (unsigned long)sum);
    }
    bench_result("int-alu", 20 * iters, iters, "iterations");
    return report_summary();
}
