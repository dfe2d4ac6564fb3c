/* Guest test: the Multiboot hand-off and the basic ISA a compiled C program relies on. */
#include "guest.h"

static unsigned fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static __attribute__((noinline)) int classify(int x)
{
    switch (x) {   /* dense cases: gcc emits a jump table */
    case 0: return 10;
    case 1: return 21;
    case 2: return 32;
    case 3: return 43;
    case 4: return 54;
    case 5: return 65;
    case 6: return 76;
    default: return -1;
    }
}

int main(void)
{
    const struct multiboot_info *mbi = guest_mbi();
    report(mb_magic == 0x2badb002, "multiboot magic in EAX (%#x)", mb_magic);
    report((mbi->flags & 0x45) == 0x45, "mbi flags have MEM, CMDLINE, MMAP (%#x)", mbi->flags);
    report(mbi->mem_lower == 639, "mem_lower is 639 KiB (%u)", mbi->mem_lower);
    report(mbi->mem_upper >= 64 * 1024, "mem_upper covers the default RAM (%u KiB)", mbi->mem_upper);
    const char *cmd = (const char *)(uintptr_t)mbi->cmdline;
    report(strstr(cmd, ".elf hello world") != 0, "cmdline is '<kernel> <append>' (%s)", cmd);

    uint32_t r[4];
    cpuid(0, 0, r);
    report(r[0] >= 1 && r[1] != 0, "cpuid leaf 0 has a vendor");
    cpuid(0x80000001, 0, r);
    report(r[3] & (1u << 29), "cpuid reports long mode");
    report(rdmsr(0xc0000080) & 0x400, "EFER.LMA is set");
    report((read_cr0() & 0x80000001) == 0x80000001, "CR0.PG and CR0.PE are set");
    report(read_cr4() & 0x20, "CR4.PAE is set");

    uint32_t sum = 0;
    for (uint32_t i = 0; i < 100000; i++)
        sum = sum * 31 + (i ^ (i >> 3));
    report(sum == 0x63462300u, "checksum loop (%#x)", sum);
    report(fib(20) == 6765, "recursion: fib(20) = %u", fib(20));
    int t = 0;
    for (int i = -1; i < 8; i++)
        t += classify(i);
    report(t == 299, "switch jump table (%d)", t);
    volatile uint64_t a = 0x123456789abcdefull, b = 0xfedcba987ull;
    report(a * b == 0xd70a3d5f94116009ull && a / b == 0x124924 && a % b == 0x91a3277f3ull,
           "64-bit multiply and divide");
    volatile int64_t sa = -1000000007;
    report(sa / 7 == -142857143 && sa % 7 == -6, "signed division");
    volatile uint64_t x = 0x8000000000000001ull;
    report((x >> 63) == 1 && (int64_t)x >> 62 == -2 && __builtin_popcountll(x) == 2 &&
               __builtin_ctzll(x & ~1ull) == 63,
           "shifts and bit counts");
    uint64_t t0 = rdtsc(), t1 = rdtsc();
    report(t1 > t0, "TSC advances");
    return report_summary();
}
