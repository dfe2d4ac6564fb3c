/* Unit tests for the PCI host: mechanism #1 at every width, enumeration of bus 0, BAR sizing,
 * the pci-testdev protocol as kvm-unit-tests' lib/pci-testdev.c drives it, 0xcf9 reset. */
#include <check.h>

#include "devices/pci.h"
#include "fake_clock.h"

static struct iomap io, mem;
static struct pci_host pci;
static struct log quiet;
static unsigned resets;

static void on_reset(void *o, const char *w) { (void)o, (void)w; resets++; }

static u32 cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
    return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}
static u32 cfg_read(unsigned dev, unsigned reg, unsigned size)
{
    iomap_write(&io, 0xcf8, cfg_addr(0, dev, 0, reg), 4);
    return (u32)iomap_read(&io, 0xcfc + (reg & 3), size);
}
static void cfg_write(unsigned dev, unsigned reg, u32 v, unsigned size)
{
    iomap_write(&io, 0xcf8, cfg_addr(0, dev, 0, reg), 4);
    iomap_write(&io, 0xcfc + (reg & 3), v, size);
}

static void setup(void)
{
    char err[200];
    resets = 0;
    iomap_init(&io, "ports");
    iomap_init(&mem, "memory");
    pci_host_init(&pci, on_reset, NULL, &quiet);
    ck_assert_int_eq(pci_host_register(&pci, &io, &mem, err, sizeof err), 0);
}

static void teardown(void) { iomap_destroy(&io); iomap_destroy(&mem); }

START_TEST(enumeration)
{
    ck_assert_uint_eq(cfg_read(0, 0, 4), 0x12378086);
    ck_assert_uint_eq(cfg_read(1, 0, 4), 0x70008086);
    ck_assert_uint_eq(cfg_read(2, 0, 4), 0x00051b36);
    ck_assert_uint_eq(cfg_read(0, 0x0a, 2), 0x0600);   /* host bridge class */
    ck_assert_uint_eq(cfg_read(1, 0x0a, 2), 0x0601);   /* ISA bridge class */
    ck_assert_uint_eq(cfg_read(1, 0x0e, 1), 0x80);     /* multi-function header */
    ck_assert_uint_eq(cfg_read(0, 2, 2), 0x1237);      /* word at offset 2 */
    ck_assert_uint_eq(cfg_read(0, 3, 1), 0x12);
    unsigned found = 0;
    for (unsigned dev = 0; dev < 32; dev++)
        found += (cfg_read(dev, 0, 2) != 0xffff);
    ck_assert_uint_eq(found, 3);
    iomap_write(&io, 0xcf8, cfg_addr(1, 0, 0, 0), 4);  /* bus 1: nothing */
    ck_assert_uint_eq(iomap_read(&io, 0xcfc, 4), 0xffffffffu);
    iomap_write(&io, 0xcf8, cfg_addr(0, 0, 1, 0), 4);  /* function 1 of the host: nothing */
    ck_assert_uint_eq(iomap_read(&io, 0xcfc, 4), 0xffffffffu);
    iomap_write(&io, 0xcf8, 0x12345678, 4);            /* enable bit clear */
    ck_assert_uint_eq(iomap_read(&io, 0xcf8, 4), 0x12345678 & 0x80ffffffu);
    ck_assert_uint_eq(iomap_read(&io, 0xcfc, 4), 0xffffffffu);
}
END_TEST

/* kvm-unit-tests' lib/x86/asm/pci.h: outl(0x80000000 | dev << 8 | reg, 0xcf8) with an unaligned
   reg, then an access at 0xcfc itself (QEMU ORs the low address bits in). */
START_TEST(unaligned_config_address)
{
    iomap_write(&io, 0xcf8, 0x80000000u | (2u << 3) << 8 | 2, 4);
    ck_assert_uint_eq(iomap_read(&io, 0xcfc, 2), 0x0005);   /* device id of 00:02.0 */
    iomap_write(&io, 0xcf8, 0x80000000u | 0x0b, 4);
    ck_assert_uint_eq(iomap_read(&io, 0xcfc, 1), 0x06);     /* class of the host bridge */
    iomap_write(&io, 0xcf8, 0x80000000u | (2u << 3) << 8 | 0x3c, 4);
    iomap_write(&io, 0xcfd, 0x77, 1);                        /* 0x3d: interrupt pin, read-only */
    ck_assert_uint_eq(cfg_read(2, 0x3d, 1), 0);
}
END_TEST

START_TEST(bar_sizing_and_readonly)
{
    u32 bar0 = cfg_read(2, 0x10, 4), bar1 = cfg_read(2, 0x14, 4);
    ck_assert_uint_eq(bar0, PCI_TESTDEV_MEM_BASE);
    ck_assert_uint_eq(bar1, PCI_TESTDEV_IO_BASE | 1);
    cfg_write(2, 0x10, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(2, 0x10, 4), ~(u32)(PCI_TESTDEV_MEM_SIZE - 1));
    cfg_write(2, 0x14, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(2, 0x14, 4), ~(u32)(PCI_TESTDEV_IO_SIZE - 1) | 1);
    cfg_write(2, 0x18, 0xffffffffu, 4);                /* unimplemented BAR2 */
    ck_assert_uint_eq(cfg_read(2, 0x18, 4), 0);
    cfg_write(2, 0x10, bar0, 4);
    cfg_write(2, 0x14, bar1, 4);
    ck_assert_uint_eq(cfg_read(2, 0x10, 4), bar0);
    ck_assert_uint_eq(cfg_read(2, 0x14, 4), bar1);
    cfg_write(2, 0x00, 0xdeadbeef, 4);                 /* ids are read-only */
    ck_assert_uint_eq(cfg_read(2, 0, 4), 0x00051b36);
    cfg_write(2, 0x3c, 0x0b, 1);
    ck_assert_uint_eq(cfg_read(2, 0x3c, 1), 0x0b);
}
END_TEST

/* kvm-unit-tests' pci_testdev_one() against one window. */
static int run_tests(struct iomap *m, u64 base)
{
    int n = 0;
    for (;; n++) {
        iomap_write(m, base + 0, (u64)n, 1);
        if (iomap_read(m, base + 12, 4) != 0)
            break;
        u8 width = (u8)iomap_read(m, base + 1, 1);
        if (width != 1)
            break;
        u32 sig = (u32)iomap_read(m, base + 8, 4), off = (u32)iomap_read(m, base + 4, 4);
        for (int i = 0; i < 16; i++)
            iomap_write(m, base + off, sig, 1);
        if (iomap_read(m, base + 12, 4) != 16)
            break;
    }
    return n;
}

START_TEST(testdev_protocol)
{
    ck_assert_int_eq(run_tests(&mem, PCI_TESTDEV_MEM_BASE), 3);
    ck_assert_int_eq(run_tests(&io, PCI_TESTDEV_IO_BASE), 3);
    /* Name of portio test 2. */
    iomap_write(&io, PCI_TESTDEV_IO_BASE, 2, 1);
    char name[32];
    for (int i = 0; i < 31; i++)
        name[i] = (char)iomap_read(&io, PCI_TESTDEV_IO_BASE + 16 + i, 1);
    name[31] = 0;
    ck_assert_str_eq(name, "portio-datamatch-eventfd");
    /* Non-matching data is not counted by the datamatch test. */
    u32 off = (u32)iomap_read(&io, PCI_TESTDEV_IO_BASE + 4, 4);
    iomap_write(&io, PCI_TESTDEV_IO_BASE + off, 0x00, 1);
    ck_assert_uint_eq(iomap_read(&io, PCI_TESTDEV_IO_BASE + 12, 4), 0);
    /* Memory decoding off: the window reads all-ones. */
    cfg_write(2, 0x04, 0x01, 2);
    ck_assert_uint_eq(iomap_read(&mem, PCI_TESTDEV_MEM_BASE + 1, 1), 0xff);
    cfg_write(2, 0x04, 0x03, 2);
    ck_assert_uint_eq(iomap_read(&mem, PCI_TESTDEV_MEM_BASE + 1, 1), 1);
}
END_TEST

START_TEST(reset_control_cf9)
{
    iomap_write(&io, 0xcf9, 0x02, 1);
    ck_assert_uint_eq(resets, 0);
    iomap_write(&io, 0xcf9, 0x06, 1);
    ck_assert_uint_eq(resets, 1);
    ck_assert_uint_eq(iomap_read(&io, 0xcf9, 1), 0x02);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("pci");
    TCase *tc = tcase_create("pci");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, enumeration);
    tcase_add_test(tc, unaligned_config_address);
    tcase_add_test(tc, bar_sizing_and_readonly);
    tcase_add_test(tc, testdev_protocol);
    tcase_add_test(tc, reset_control_cf9);
    suite_add_tcase(s, tc);
    return s;
}
