/* Benchmark int-alu: a tight loop of 20 mixed ALU / load / store / branch instructions,
 * 5,000,000 iterations (100 M instructions in the loop). Run with -stats: hvsim prints the
 * instruction count and host time, from which MIPS follows. */
#include "guest.h"

static uint64_t buf[64];

int main(void)
{
    uint64_t a = 1, b = 2, c = 3, n = 5000000;
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
    guest_printf("int-alu: 5000000 iterations x 20 instructions done (checksum %#lx)\n",
                 (unsigned long)(a ^ b ^ c));
    return 0;
}
