/* Guest program for tests/guest/run_reset.sh: request a system reset the way the -append word
 * says ("kbc": 0xfe to port 0x64, "port92": port 0x92 bit 0, "cf9": port 0xcf9 RST_CPU,
 * "s5": ACPI soft-off through PM1a_CNT). hvsim has no firmware to reboot into, so the run must
 * stop right there; reaching the code after the request exits with code 1. */
#include "guest.h"

static bool has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] == w[i])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

int main(void)
{
    const char *cmd = (const char *)(uintptr_t)guest_mbi()->cmdline;
    if (has_word(cmd, "kbc")) {
        guest_printf("resetting via kbc\n");
        outb(0x64, 0xfe);
    } else if (has_word(cmd, "port92")) {
        guest_printf("resetting via port92\n");
        outb(0x92, inb(0x92) | 1);
    } else if (has_word(cmd, "cf9")) {
        guest_printf("resetting via cf9\n");
        outb(0xcf9, 0x02);
        outb(0xcf9, 0x06);
    } else if (has_word(cmd, "s5")) {
        guest_printf("powering off via s5\n");
        outw(0x604, 0 << 10 | 1 << 13);
    } else {
        guest_printf("no method on the command line\n");
        guest_exit(2);
    }
    guest_printf("still running after the request\n");
    guest_exit(1);
}
