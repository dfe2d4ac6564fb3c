/* The bundled demo: a guest that greets, then reports what it sees of the (simulated) machine,
 * on COM1 and on the VGA text screen (hvsim -display sdl shows it). It grows into a VMX tour
 * when VMX lands. */
#include <stdarg.h>

#include "guest.h"

/* A tiny VGA text console: 80x25 cells at 0xb8000, cursor through the CRTC (0x3d4/0x3d5). */
#define VGA_TEXT ((volatile uint16_t *)0xb8000)
#define VGA_ATTR 0x17           /* light grey on blue */
static unsigned vga_row, vga_col;

static void vga_set_cursor(void)
{
    unsigned pos = vga_row * 80 + vga_col;
    outw(0x3d4, (uint16_t)(0x0e | (pos >> 8) << 8));
    outw(0x3d4, (uint16_t)(0x0f | (pos & 0xff) << 8));
}

static void vga_clear(void)
{
    for (unsigned i = 0; i < 80 * 25; i++)
        VGA_TEXT[i] = VGA_ATTR << 8 | ' ';
    vga_row = vga_col = 0;
    vga_set_cursor();
}

static void vga_puts(const char *s, uint8_t attr)
{
    for (; *s; s++) {
        if (*s == '\n' || vga_col == 80) {
            vga_col = 0;
            if (++vga_row == 25) {   /* scroll up one row */
                for (unsigned i = 0; i < 80 * 24; i++)
                    VGA_TEXT[i] = VGA_TEXT[i + 80];
                for (unsigned i = 80 * 24; i < 80 * 25; i++)
                    VGA_TEXT[i] = VGA_ATTR << 8 | ' ';
                vga_row = 24;
            }
            if (*s == '\n')
                continue;
        }
        VGA_TEXT[vga_row * 80 + vga_col++] = (uint16_t)(attr << 8 | (uint8_t)*s);
    }
    vga_set_cursor();
}

/* The title box: ASCII on COM1, code-page-437 double lines on the VGA screen. */
static void title(const char *s, bool top)
{
    guest_puts(s);
    char buf[82];
    unsigned n = 0;
    for (; *s && n < sizeof buf - 1; s++, n++) {
        uint8_t c = (uint8_t)*s;
        if (c == '+')
            c = n == 0 ? (top ? 0xc9 : 0xc8) : (top ? 0xbb : 0xbc);
        else if (c == '-')
            c = 0xcd;
        else if (c == '|')
            c = 0xba;
        buf[n] = (char)c;
    }
    buf[n] = 0;
    vga_puts(buf, 0x1e);
}

/* Print to COM1 and to the VGA screen. */
__attribute__((format(printf, 2, 3))) static void say(uint8_t attr, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    guest_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    guest_puts(buf);
    vga_puts(buf, attr);
}

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
    vga_clear();
    uint64_t t0 = rdtsc();
    title("+------------------------------------------------------+\n", true);
    title("|  hvsim guest demo: hello from inside the simulator   |\n", true);
    title("+------------------------------------------------------+\n", false);
    say(VGA_ATTR, "CPU vendor     : %s\n", vendor);
    say(VGA_ATTR, "CPU brand      : %s\n", brand);
    say(VGA_ATTR, "long mode      : %s (EFER=%#lx)\n", (rdmsr(0xc0000080) & 0x400) ? "active" : "off",
        (unsigned long)rdmsr(0xc0000080));
    say(VGA_ATTR, "memory         : %u KiB low, %u MiB above 1 MiB (Multiboot)\n", mbi->mem_lower,
        mbi->mem_upper / 1024);
    say(VGA_ATTR, "command line   : %s\n", (const char *)(uintptr_t)mbi->cmdline);
    uint64_t t1 = rdtsc();
    /* Under hvsim the TSC counts modelled cycles, so this figure is the same on every run. */
    say(VGA_ATTR, "TSC ticks for the lines above: %lu (%s)\n", (unsigned long)(t1 - t0),
        guest_on_qemu_tcg() ? "QEMU TCG: host time" : "modelled cycles, deterministic");
    say(0x1a, "Bye: exiting through the debug-exit port 0xf4 with code 0.\n");
    return 0;
}
