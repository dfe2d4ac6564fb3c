/* The bundled demo: a guest that greets, then reports what it sees of the (simulated) machine.
 * It grows into a VMX tour when VMX lands. */
#include "guest.h"

int main(void)
{
    uint32_t r[4];
    char vendor[13];
    cpuid(0, 0, r);
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    vendor[12] = 0;
    char brand[49];
    for (uint32_t i = 0; i < 3; i++) {
        cpuid(0x80000002 + i, 0, r);
        memcpy(brand + 16 * i, r, 16);
    }
    brand[48] = 0;
    const struct multiboot_info *mbi = guest_mbi();
    uint64_t t0 = rdtsc();
    guest_puts("+------------------------------------------------------+\n");
    guest_puts("|  hvsim guest demo: hello from inside the simulator   |\n");
    guest_puts("+------------------------------------------------------+\n");
    guest_printf("CPU vendor     : %s\n", vendor);
    guest_printf("CPU brand      : %s\n", brand);
    guest_printf("long mode      : %s (EFER=%#lx)\n", (rdmsr(0xc0000080) & 0x400) ? "active" : "off",
                 (unsigned long)rdmsr(0xc0000080));
    guest_printf("memory         : %u KiB low, %u MiB above 1 MiB (Multiboot)\n", mbi->mem_lower,
                 mbi->mem_upper / 1024);
    guest_printf("command line   : %s\n", (const char *)(uintptr_t)mbi->cmdline);
    uint64_t t1 = rdtsc();
    /* Under hvsim the TSC counts modelled cycles, so this figure is the same on every run. */
    guest_printf("TSC ticks for the lines above: %lu (%s)\n", (unsigned long)(t1 - t0),
                 guest_on_qemu_tcg() ? "QEMU TCG: host time" : "modelled cycles, deterministic");
    guest_puts("Bye: exiting through the debug-exit port 0xf4 with code 0.\n");
    return 0;
}
