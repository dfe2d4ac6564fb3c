/* Random guest input for every PC platform device at once (fixed seeds, so deterministic): no
 * access may crash or trip the sanitizers, and after a device has run up to `now` its next
 * event must lie strictly after `now` — the run loop relies on that to make progress. */
#include <check.h>

#include "devices/acpi_pm.h"
#include "devices/cmos.h"
#include "devices/hpet.h"
#include "devices/i8042.h"
#include "devices/pci.h"
#include "devices/pctestdev.h"
#include "devices/pit8254.h"
#include "devices/port92.h"
#include "fake_clock.h"

static struct iomap io, mem;
static struct cmos rtc;
static struct pit8254 pit;
static struct i8042 kbc;
static struct port92 p92;
static struct pctestdev td;
static struct pci_host pci;
static struct acpi_pm pm;
static struct hpet hpet;
static struct log quiet;
static unsigned resets, sleeps, flushes;

static void on_reset(void *o, const char *w) { (void)o, (void)w; resets++; }
static void on_sleep(void *o, unsigned t) { (void)o, (void)t; sleeps++; }
static void on_flush(void *o, u64 g) { (void)o, (void)g; flushes++; }

static u64 rng;
static u64 next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void setup(void)
{
    char err[200];
    fake_ns = 0;
    fake_lines_clear();
    iomap_init(&io, "ports");
    iomap_init(&mem, "memory");
    struct irq_line lines[24];
    for (int n = 0; n < 24; n++)
        lines[n] = fake_line(n);
    struct irq_line legacy[2] = {fake_line(0), fake_line(8)};
    cmos_init(&rtc, &quiet, fake_clock(), 1700000000, fake_line(8));
    pit8254_init(&pit, fake_clock(), fake_line(0), &quiet);
    i8042_init(&kbc, fake_line(1), on_reset, NULL, &quiet);
    port92_init(&p92, on_reset, NULL, &quiet);
    pctestdev_init(&td, lines, on_flush, NULL, &quiet);
    pci_host_init(&pci, on_reset, NULL, &quiet);
    acpi_pm_init(&pm, fake_clock(), fake_line(9), on_sleep, NULL, &quiet);
    hpet_init(&hpet, fake_clock(), legacy, lines, &quiet);
    ck_assert(!cmos_register(&rtc, &io, 0x70, err, sizeof err));
    ck_assert(!pit8254_register(&pit, &io, err, sizeof err));
    ck_assert(!i8042_register(&kbc, &io, err, sizeof err));
    ck_assert(!port92_register(&p92, &io, err, sizeof err));
    ck_assert(!pctestdev_register(&td, &io, &mem, err, sizeof err));
    ck_assert(!pci_host_register(&pci, &io, &mem, err, sizeof err));
    ck_assert(!acpi_pm_register(&pm, &io, 0x600, err, sizeof err));
    ck_assert(!hpet_register(&hpet, &mem, HPET_BASE, err, sizeof err));
}

static void teardown(void) { iomap_destroy(&io); iomap_destroy(&mem); }

/* Run every timer device to `now`; the name of one whose next event is not after `now`, or NULL.
   (Plain comparisons: each ck_assert costs a checkpoint write in Check's fork mode.) */
static const char *run_all(u64 now)
{
    pit8254_run(&pit, now);
    cmos_run(&rtc, now);
    acpi_pm_run(&pm, now);
    hpet_run(&hpet, now);
    if (pit8254_next_event(&pit) <= now)
        return "pit";
    if (cmos_next_event(&rtc) <= now)
        return "cmos";
    if (acpi_pm_next_event(&pm) <= now)
        return "acpi_pm";
    if (hpet_next_event(&hpet) <= now)
        return "hpet";
    return NULL;
}

START_TEST(random_accesses)
{
    static const u16 ports[] = {0x40, 0x41, 0x42, 0x43, 0x61, 0x60, 0x64, 0x70, 0x71, 0x92, 0xe0,
                                0xe2, 0xe4, 0xe8, 0xea, 0x600, 0x602, 0x604, 0x608, 0xcf8, 0xcf9,
                                0xcfc, 0xcfe, 0x2000, 0x2010, 0xc000, 0xc080};
    static const u64 mmio[] = {HPET_BASE, HPET_BASE + 0x10, HPET_BASE + 0x20, HPET_BASE + 0xf0,
                               HPET_BASE + 0x100, HPET_BASE + 0x108, HPET_BASE + 0x120,
                               HPET_BASE + 0x128, HPET_BASE + 0x140, HPET_BASE + 0x148,
                               PCI_TESTDEV_MEM_BASE, PCI_TESTDEV_MEM_BASE + 0x800,
                               PCTESTDEV_IOMEM, PCTESTDEV_IOMEM + 0xfffc};
    static const unsigned sizes[] = {1, 2, 4, 8};
    rng = 0x9e3779b97f4a7c15ull + (u64)_i;
    u64 high = 0;
    for (int k = 0; k < 100000; k++) {
        u64 r = next_rand(), v = next_rand();
        if ((r & 7) == 0)
            v &= 0xff;   /* small values reach the interesting control-word encodings */
        unsigned size = sizes[(r >> 8) & 3];
        if (r & 0x10000) {
            u16 port = (u16)(ports[(r >> 20) % ARRAY_SIZE(ports)] + ((r >> 40) & 3));
            if (size > 4)
                size = 4;
            if (r & 0x20000)
                iomap_write(&io, port, v, size);
            else
                (void)iomap_read(&io, port, size);
        } else {
            u64 a = mmio[(r >> 20) % ARRAY_SIZE(mmio)] + ((r >> 40) & 7);
            if (r & 0x20000)
                iomap_write(&mem, a, v, size);
            else
                (void)iomap_read(&mem, a, size);
        }
        /* Time mostly moves forward, sometimes jumps, sometimes steps back a little (a vCPU
           that is behind). */
        u64 step = (r >> 48) % 5;
        if (step == 0 && fake_ns > 1000)
            fake_ns -= next_rand() % 1000;
        else if (step == 1)
            fake_ns += next_rand() % 50000000;
        else
            fake_ns += next_rand() % 20000;
        if (fake_ns > high) {
            high = fake_ns;
            const char *bad = run_all(fake_ns);
            if (bad)
                ck_abort_msg("%s: next event not after now=%llu (step %d)", bad,
                             (unsigned long long)fake_ns, k);
        }
    }
    ck_assert_uint_gt(high, 0);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("platform_fuzz");
    TCase *tc = tcase_create("fuzz");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, random_accesses, 0, 8);
    suite_add_tcase(s, tc);
    return s;
}
