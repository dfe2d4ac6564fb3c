/* Guest test (run with -smp 2): local APIC basics, INIT/SIPI start-up of the AP, a fixed IPI and
 * an NMI IPI to it, self-IPIs, and the APIC timer in one-shot, periodic and TSC-deadline modes.
 * The AP runs a real-mode trampoline copied to 0x70000 (SIPI vector 0x70) and reports through
 * words in that page; it takes its interrupts through the real-mode IVT, and relocates its own
 * APIC window to 0x60000 (a per-processor move the BSP does not see). */
#include "guest.h"

#define APIC 0xfee00000ul
#define TRAMP 0x70000ul
#define IA32_APIC_BASE 0x1b
#define IA32_TSC_DEADLINE 0x6e0

static inline uint32_t apic_read(unsigned off) { return *(volatile uint32_t *)(APIC + off); }
static inline void apic_write(unsigned off, uint32_t v) { *(volatile uint32_t *)(APIC + off) = v; }

/* The AP's real-mode code; offsets from ap_start are its offsets within segment 0x7000. */
extern const char ap_start[], ap_end[], ap_ipi[], ap_nmi[];
extern const char ap_started[], ap_cs[], ap_ipis[], ap_nmis[];
__asm__(".pushsection .rodata\n"
        ".code16\n"
        "ap_start:\n"
        "  cli\n"
        "  mov %cs, %ax\n"
        "  mov %ax, %ds\n"
        "  mov %ax, %ss\n"
        "  mov $0xf000, %sp\n"
        "  mov %ax, ap_cs - ap_start\n"
        /* Move this AP's APIC window to 0x60000 (reachable in real mode) and software-enable
           it there: a software-disabled APIC ignores fixed IPIs. */
        "  mov $0x1b, %ecx\n"
        "  movl $0x60800, %eax\n"
        "  xor %edx, %edx\n"
        "  wrmsr\n"
        "  mov $0x6000, %ax\n"
        "  mov %ax, %es\n"
        "  movl $0x1ff, %es:0xf0\n"
        "  lock incw ap_started - ap_start\n"
        "1: sti\n"
        "  hlt\n"
        "  jmp 1b\n"
        "ap_ipi:\n"
        "  lock incw %cs:ap_ipis - ap_start\n"
        "  iret\n"
        "ap_nmi:\n"
        "  lock incw %cs:ap_nmis - ap_start\n"
        "  iret\n"
        "  .balign 2\n"
        "ap_started: .word 0\n"
        "ap_cs: .word 0\n"
        "ap_ipis: .word 0\n"
        "ap_nmis: .word 0\n"
        "ap_end:\n"
        ".code64\n"
        ".popsection\n");

static volatile uint16_t *ap_word(const char *sym) { return (volatile uint16_t *)(TRAMP + (sym - ap_start)); }

/* Real-mode interrupt vector table entry `v` -> 0x7000:off. */
static void ivt_set(unsigned v, const char *handler)
{
    uint32_t entry = (uint32_t)0x7000 << 16 | (uint32_t)(handler - ap_start);
    uintptr_t addr = v * 4;
    __asm__ volatile("movl %0, (%1)" ::"r"(entry), "r"(addr) : "memory");
}

/* Spin (with PAUSE) until *w reaches want or ~50 M TSC ticks pass. */
static bool wait_word(volatile uint16_t *w, uint16_t want)
{
    uint64_t t0 = rdtsc();
    while (*w != want && rdtsc() - t0 < 50000000)
        __asm__ volatile("pause");
    return *w == want;
}

static void send_ipi(uint32_t dest, uint32_t icr)
{
    apic_write(0x310, dest << 24);
    apic_write(0x300, icr);
}

static volatile unsigned timer_hits, self_hits;
static void on_timer(struct exc_frame *f) { (void)f; timer_hits++; apic_write(0xb0, 0); }
static void on_self(struct exc_frame *f) { (void)f; self_hits++; apic_write(0xb0, 0); }

static bool wait_hits(volatile unsigned *n, unsigned want)
{
    uint64_t t0 = rdtsc();
    while (*n < want && rdtsc() - t0 < 50000000)
        __asm__ volatile("sti; hlt; cli");   /* every wake-up here is an interrupt */
    return *n >= want;
}

int main(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    report(r[3] & (1u << 9), "CPUID.1:EDX.APIC");
    uint64_t base = rdmsr(IA32_APIC_BASE);
    report((base & ~0xfffull) == APIC && (base & 0x900) == 0x900, "IA32_APIC_BASE %#lx: enabled BSP at 0xfee00000",
           (unsigned long)base);
    report(apic_read(0x20) >> 24 == 0, "BSP APIC ID 0");
    report((apic_read(0x30) & 0xff) >= 0x10, "APIC version %#x is an integrated APIC", apic_read(0x30));
    apic_write(0xf0, 0x1ff);   /* software-enable, spurious vector 0xff */
    report(apic_read(0xf0) == 0x1ff, "SVR software enable");

    /* INIT, then one SIPI, no delays (as kvm-unit-tests does). */
    for (const char *p = ap_start; p < ap_end; p++)
        *(volatile char *)(TRAMP + (p - ap_start)) = *p;
    ivt_set(0x40, ap_ipi);
    ivt_set(2, ap_nmi);
    send_ipi(1, 0x4500);                        /* INIT, assert */
    send_ipi(1, 0x0600 | (TRAMP >> 12));        /* SIPI vector 0x70 */
    report(wait_word(ap_word(ap_started), 1), "AP started by INIT + SIPI");
    report(*ap_word(ap_cs) == 0x7000, "AP starts at CS = vector << 8 (%#x)", *ap_word(ap_cs));

    send_ipi(1, 0x4040);                        /* fixed, vector 0x40 */
    report(wait_word(ap_word(ap_ipis), 1), "fixed IPI wakes the halted AP");
    send_ipi(1, 0x4400);                        /* NMI */
    report(wait_word(ap_word(ap_nmis), 1), "NMI IPI reaches the AP");
    send_ipi(1, 0x4600 | (TRAMP >> 12));        /* a second SIPI is ignored outside wait-for-SIPI */
    send_ipi(1, 0x4040);                        /* 0x40 still in service on the AP (no EOI there) */
    for (int i = 0; i < 1000; i++)
        __asm__ volatile("pause");
    report(*ap_word(ap_started) == 1 && *ap_word(ap_ipis) == 1, "SIPI ignored while running; in-service vector blocks");
    report(*(volatile uint32_t *)0x600f0 != 0x1ff, "the AP's relocated APIC window is not the BSP's");

    /* Self-IPI by shorthand. */
    guest_set_handler(0x61, on_self);
    apic_write(0x300, 0x44061);                 /* shorthand self, fixed 0x61 */
    __asm__ volatile("sti; nop; cli");
    report(self_hits == 1, "self IPI delivered after STI");

    /* One-shot timer, divide by 1. */
    guest_set_handler(0x50, on_timer);
    apic_write(0x3e0, 0xb);
    apic_write(0x320, 0x50);
    uint64_t t0 = rdtsc();
    apic_write(0x380, 100000);
    uint32_t cur = apic_read(0x390);
    report(cur > 0 && cur <= 100000, "TMCCT counts down (%u)", cur);
    bool fired = wait_hits(&timer_hits, 1);
    uint64_t dt = rdtsc() - t0;
    report(fired && dt >= 100000, "one-shot timer fired after %lu TSC ticks (>= 100000)", (unsigned long)dt);
    report(apic_read(0x390) == 0, "TMCCT is 0 after a one-shot expires");

    /* Periodic, divide by 2: three interrupts. */
    timer_hits = 0;
    apic_write(0x3e0, 0x0);
    apic_write(0x320, 0x20050);
    apic_write(0x380, 20000);
    bool periodic = wait_hits(&timer_hits, 3);
    report(periodic, "periodic timer fires repeatedly (%u)", timer_hits);
    apic_write(0x380, 0);
    __asm__ volatile("sti; nop; cli");   /* take a period that fell due while printing */

    /* TSC deadline. */
    cpuid(1, 0, r);
    if (r[2] & (1u << 24)) {
        timer_hits = 0;
        apic_write(0x320, 0x40050);
        uint64_t dl = rdtsc() + 50000;
        wrmsr(IA32_TSC_DEADLINE, dl);
        report(wait_hits(&timer_hits, 1) && rdtsc() >= dl, "TSC-deadline timer fires at the deadline");
        report(rdmsr(IA32_TSC_DEADLINE) == 0, "IA32_TSC_DEADLINE reads 0 after it fired");
    } else {
        report_skip("TSC-deadline timer not advertised");
    }
    return report_summary();
}
