/* Unit tests for the ACPI tables (found and parsed as an OS would) and the PM registers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/acpi_pm.h"
#include "devices/acpi_tables.h"
#include "fake_clock.h"

static u8 *ram;
enum { RAM = 2 << 20 };
static struct log quiet;

static bool contains(const u8 *hay, u32 len, const char *needle, u32 n)
{
    for (u32 i = 0; i + n <= len; i++)
        if (!memcmp(hay + i, needle, n))
            return true;
    return false;
}

static u32 le32(const u8 *p) { return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24; }
static u64 le64(const u8 *p) { return le32(p) | (u64)le32(p + 4) << 32; }

/* kvm-unit-tests' and Linux's scan: 16-byte steps over 0xe0000-0xfffff. */
static u64 find_rsdp(void)
{
    for (u64 a = 0xe0000; a < 0x100000; a += 16)
        if (!memcmp(ram + a, "RSD PTR ", 8))
            return a;
    return 0;
}

static u64 find_table(const char sig[4])
{
    const u8 *x = ram + le64(ram + find_rsdp() + 24);
    for (u32 o = 36; o < le32(x + 4); o += 8) {
        u64 t = le64(x + o);
        if (!memcmp(ram + t, sig, 4))
            return t;
    }
    return 0;
}

static struct acpi_layout lay;

static void build(unsigned ncpus)
{
    char err[200];
    struct acpi_config cfg = {.ncpus = ncpus, .ioapic_id = ncpus, .ioapic_base = 0xfec00000,
                              .pm_base = 0x600, .sci_irq = 9, .hpet_base = 0xfed00000,
                              .hpet_block_id = 0x8086a201, .century_index = 0x32};
    ck_assert_msg(acpi_tables_build(ram, RAM, &cfg, &lay, err, sizeof err) == 0, "%s", err);
}

static void setup(void) { ram = calloc(1, RAM); fake_ns = 0; fake_lines_clear(); }
static void teardown(void) { free(ram); }

START_TEST(rsdp_and_checksums)
{
    build(4);
    u64 rsdp = find_rsdp();
    ck_assert_uint_eq(rsdp, lay.rsdp);
    ck_assert_uint_eq(rsdp % 16, 0);
    ck_assert_uint_eq(acpi_checksum(ram + rsdp, 20), 0);
    ck_assert_uint_eq(acpi_checksum(ram + rsdp, 36), 0);
    ck_assert_uint_eq(ram[rsdp + 15], 2);
    u64 rsdt = le32(ram + rsdp + 16), xsdt = le64(ram + rsdp + 24);
    ck_assert(!memcmp(ram + rsdt, "RSDT", 4));
    ck_assert(!memcmp(ram + xsdt, "XSDT", 4));
    const char *sigs[] = {"RSDT", "XSDT", "FACP", "APIC", "HPET", "DSDT"};
    u64 at[] = {rsdt, xsdt, find_table("FACP"), find_table("APIC"), find_table("HPET"), lay.dsdt};
    for (unsigned i = 0; i < 6; i++) {
        ck_assert_msg(at[i] != 0, "%s missing", sigs[i]);
        ck_assert(!memcmp(ram + at[i], sigs[i], 4));
        ck_assert_msg(acpi_checksum(ram + at[i], le32(ram + at[i] + 4)) == 0, "%s checksum", sigs[i]);
        ck_assert(at[i] + le32(ram + at[i] + 4) <= 0x100000);
    }
    /* RSDT lists the same tables as the XSDT. */
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(le32(ram + rsdt + 36 + 4 * i), le64(ram + xsdt + 36 + 8 * i));
}
END_TEST

START_TEST(fadt_facs_dsdt)
{
    build(1);
    const u8 *f = ram + find_table("FACP");
    ck_assert_uint_eq(le32(f + 4), 244);
    ck_assert_uint_ge(f[8], 3);
    u32 facs = le32(f + 36);
    ck_assert_uint_eq(facs % 64, 0);
    ck_assert(!memcmp(ram + facs, "FACS", 4));
    ck_assert_uint_eq(le32(ram + facs + 4), 64);
    ck_assert_uint_eq(le64(f + 132), facs);
    ck_assert_uint_eq(le32(f + 40), lay.dsdt);
    ck_assert_uint_eq(le64(f + 140), lay.dsdt);
    ck_assert_uint_eq(f[46], 9);                      /* SCI_INT */
    ck_assert_uint_eq(le32(f + 56), 0x600);           /* PM1a_EVT_BLK */
    ck_assert_uint_eq(le32(f + 64), 0x604);           /* PM1a_CNT_BLK */
    ck_assert_uint_eq(le32(f + 76), 0x608);           /* PM_TMR_BLK */
    ck_assert_uint_eq(f[88], 4);
    ck_assert_uint_eq(f[89], 2);
    ck_assert_uint_eq(f[91], 4);
    ck_assert_uint_eq(f[108], 0x32);                  /* CENTURY */
    ck_assert_uint_eq(f[208], 1);                     /* X_PM_TMR_BLK: system I/O */
    ck_assert_uint_eq(le64(f + 212), 0x608);
    /* DSDT: AML defines \_S3 = 1 and \_S5 = 0. */
    const u8 *d = ram + lay.dsdt;
    u32 dl = le32(d + 4);
    ck_assert(contains(d + 36, dl - 36, "_S3_\x12\x04\x02\x01\x01", 9));
    ck_assert(contains(d + 36, dl - 36, "_S5_\x12\x04\x02\x00\x00", 9));
}
END_TEST

START_TEST(madt_entries)
{
    build(3);
    const u8 *m = ram + find_table("APIC");
    ck_assert_uint_eq(le32(m + 36), 0xfee00000);
    ck_assert_uint_eq(le32(m + 40) & 1, 1);
    unsigned lapics = 0, ioapics = 0, isos = 0, nmis = 0, next_id = 0;
    bool irq0_to_gsi2 = false;
    for (u32 o = 44; o < le32(m + 4); o += m[o + 1]) {
        ck_assert_uint_gt(m[o + 1], 0);
        switch (m[o]) {
        case 0:
            ck_assert_uint_eq(m[o + 3], next_id++);
            ck_assert_uint_eq(le32(m + o + 4) & 1, 1);
            lapics++;
            break;
        case 1:
            ck_assert_uint_eq(m[o + 2], 3);           /* I/O APIC id = ncpus */
            ck_assert_uint_eq(le32(m + o + 4), 0xfec00000);
            ck_assert_uint_eq(le32(m + o + 8), 0);
            ioapics++;
            break;
        case 2:
            if (m[o + 3] == 0 && le32(m + o + 4) == 2)
                irq0_to_gsi2 = true;
            isos++;
            break;
        case 4:
            ck_assert_uint_eq(m[o + 2], 0xff);
            ck_assert_uint_eq(m[o + 5], 1);           /* LINT1 */
            nmis++;
            break;
        }
    }
    ck_assert_uint_eq(lapics, 3);
    ck_assert_uint_eq(ioapics, 1);
    ck_assert_uint_ge(isos, 1);
    ck_assert(irq0_to_gsi2);
    ck_assert_uint_eq(nmis, 1);
    const u8 *h = ram + find_table("HPET");
    ck_assert_uint_eq(le32(h + 36), 0x8086a201);
    ck_assert_uint_eq(le64(h + 44), 0xfed00000);
}
END_TEST

START_TEST(bad_configs_fail)
{
    char err[200];
    struct acpi_config cfg = {.ncpus = 0};
    ck_assert_int_eq(acpi_tables_build(ram, RAM, &cfg, &lay, err, sizeof err), -1);
    cfg.ncpus = 300;
    ck_assert_int_eq(acpi_tables_build(ram, RAM, &cfg, &lay, err, sizeof err), -1);
    cfg.ncpus = 1;
    ck_assert_int_eq(acpi_tables_build(ram, 0x80000, &cfg, &lay, err, sizeof err), -1);
}
END_TEST

/* ---- PM registers ---- */

static struct iomap io;
static struct acpi_pm pm;
static unsigned sleeps, last_typ;
static void on_sleep(void *o, unsigned typ) { (void)o; sleeps++; last_typ = typ; }

static void pm_setup(void)
{
    char err[200];
    fake_ns = 0;
    sleeps = 0;
    fake_lines_clear();
    iomap_init(&io, "ports");
    acpi_pm_init(&pm, fake_clock(), fake_line(9), on_sleep, NULL, &quiet);
    ck_assert_int_eq(acpi_pm_register(&pm, &io, 0x600, err, sizeof err), 0);
}
static void pm_teardown(void) { iomap_destroy(&io); }

START_TEST(pm_timer_rate)
{
    fake_ns = 1000000000;   /* 1 s: 3579545 ticks */
    ck_assert_uint_eq(iomap_read(&io, 0x608, 4), 3579545);
    fake_ns = 5000000000ull;   /* 17897725 ticks, wrapped to 24 bits */
    ck_assert_uint_eq(iomap_read(&io, 0x608, 4), 17897725 & 0xffffff);
    u32 a = (u32)iomap_read(&io, 0x608, 4);
    fake_ns += 1000;
    u32 b = (u32)iomap_read(&io, 0x608, 4);
    ck_assert_uint_eq((b - a) & 0xffffff, 3);   /* 1 µs = 3.58 ticks */
    ck_assert_uint_eq(iomap_read(&io, 0x604, 2) & 1, 1);   /* SCI_EN */
}
END_TEST

START_TEST(pm_tmr_sts_and_sci)
{
    iomap_write(&io, 0x602, ACPI_PM1_TMR, 2);
    u64 t = acpi_pm_next_event(&pm);
    ck_assert_uint_eq(t, (u64)(((u128)(1u << 23) * 1000000000 + 3579544) / 3579545));
    acpi_pm_run(&pm, t - 1);
    ck_assert_int_eq(line_level[9], 0);
    acpi_pm_run(&pm, t);
    ck_assert_int_eq(line_level[9], 1);
    fake_ns = t;
    ck_assert_uint_eq(iomap_read(&io, 0x600, 2) & 1, 1);
    iomap_write(&io, 0x600, 1, 2);   /* write 1 to clear */
    ck_assert_int_eq(line_level[9], 0);
    ck_assert_uint_eq(iomap_read(&io, 0x600, 2) & 1, 0);
    acpi_pm_raise(&pm, ACPI_PM1_WAK);
    ck_assert_uint_eq(iomap_read(&io, 0x600, 2), ACPI_PM1_WAK);
    ck_assert_int_eq(line_level[9], 0);   /* WAK_STS has no enable bit */
}
END_TEST

START_TEST(pm_sleep)
{
    iomap_write(&io, 0x604, 1u << 10, 2);                 /* SLP_TYP without SLP_EN */
    ck_assert_uint_eq(sleeps, 0);
    iomap_write(&io, 0x604, 0x2400, 2);                   /* kvm-unit-tests s3: SLP_TYP 1 | SLP_EN */
    ck_assert_uint_eq(sleeps, 1);
    ck_assert_uint_eq(last_typ, 1);
    ck_assert_uint_eq(iomap_read(&io, 0x604, 2) & ACPI_CNT_SLP_EN, 0);   /* write-only */
    iomap_write(&io, 0x604, 0x2000, 2);                   /* S5 */
    ck_assert_uint_eq(last_typ, 0);
    iomap_write(&io, 0x608, 0, 4);                        /* read-only timer: ignored */
    iomap_write(&io, 0x60a, 0, 2);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("acpi");
    TCase *tc = tcase_create("tables");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rsdp_and_checksums);
    tcase_add_test(tc, fadt_facs_dsdt);
    tcase_add_test(tc, madt_entries);
    tcase_add_test(tc, bad_configs_fail);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("pm");
    tcase_add_checked_fixture(tp, pm_setup, pm_teardown);
    tcase_add_test(tp, pm_timer_rate);
    tcase_add_test(tp, pm_tmr_sts_and_sci);
    tcase_add_test(tp, pm_sleep);
    suite_add_tcase(s, tp);
    return s;
}
