/* devices/pci_testdev.c — pci-testdev windows (see pci_testdev.h). */
#include "devices/pci_testdev.h"

#include <stdio.h>
#include <string.h>

static const char *const test_names[PCI_TESTDEV_TESTS] = {"no-eventfd", "wildcard-eventfd",
                                                          "datamatch-eventfd"};

/* Header of test g (= type * 3 + test) with the current count, into buf; returns its size. */
static unsigned testdev_header(const struct pci_testdev *t, int g, u8 buf[64])
{
    int type = g / PCI_TESTDEV_TESTS, test = g % PCI_TESTDEV_TESTS;
    u32 offset = (type == 0 ? PCI_TESTDEV_MEM_SIZE / 2 : PCI_TESTDEV_IO_SIZE / 2) + (u32)g;
    memset(buf, 0, 64);
    buf[0] = (u8)g;
    buf[1] = 1;   /* width */
    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (u8)(offset >> (8 * i));
        buf[12 + i] = (u8)(t->s.count >> (8 * i));
    }
    buf[8] = test == 1 ? 0xce : 0xfa;
    int n = snprintf((char *)buf + 16, 48, "%s-%s", type == 0 ? "mmio" : "portio", test_names[test]);
    return 16 + (unsigned)n + 1;
}

u8 pci_testdev_read(struct pci_testdev *t, bool io, u64 off)
{
    (void)io;
    if (t->s.current < 0)
        return 0;
    u8 hdr[64];
    unsigned len = testdev_header(t, t->s.current, hdr);
    return off + 1 < len ? hdr[off] : 0;
}

void pci_testdev_write(struct pci_testdev *t, bool io, u64 off, u8 v)
{
    if (off == 0) {
        t->s.current = -1;
        if (v < PCI_TESTDEV_TESTS) {
            t->s.current = (i8)((io ? PCI_TESTDEV_TESTS : 0) + v);
            t->s.count = 0;
        }
        return;
    }
    if (t->s.current < 0)
        return;
    u8 hdr[64];
    testdev_header(t, t->s.current, hdr);
    u32 offset = hdr[4] | hdr[5] << 8 | hdr[6] << 16 | (u32)hdr[7] << 24;
    bool wildcard = t->s.current % PCI_TESTDEV_TESTS == 1;
    if (off == offset && (wildcard || v == hdr[8]))
        t->s.count++;
}

static u64 mem_read(void *o, u64 off, unsigned size)
{
    struct pci_testdev *t = o;
    (void)size;
    return t->mem_on ? pci_testdev_read(t, false, off) : 0xff;
}

static void mem_write(void *o, u64 off, u64 v, unsigned size)
{
    struct pci_testdev *t = o;
    (void)size;
    if (t->mem_on)
        pci_testdev_write(t, false, off, (u8)v);
}

static u64 io_read(void *o, u64 off, unsigned size)
{
    struct pci_testdev *t = o;
    (void)size;
    return t->io_on ? pci_testdev_read(t, true, off) : 0xff;
}

static void io_write(void *o, u64 off, u64 v, unsigned size)
{
    struct pci_testdev *t = o;
    (void)size;
    if (t->io_on)
        pci_testdev_write(t, true, off, (u8)v);
}

void pci_testdev_reset(struct pci_testdev *t)
{
    t->s.current = -1;
    t->s.count = 0;
}

void pci_testdev_init(struct pci_testdev *t, const struct log *log)
{
    memset(t, 0, sizeof(*t));
    t->log = log;
    pci_testdev_reset(t);
}

int pci_testdev_register(struct pci_testdev *t, struct iomap *mem, u64 mem_base, struct iomap *ports,
                         u64 io_base, char *err, size_t errlen)
{
    if (iomap_add_device(mem, mem_base, PCI_TESTDEV_MEM_SIZE, "pci-testdev-mmio", t, mem_read,
                         mem_write, IOMAP_W8, err, errlen))
        return -1;
    return iomap_add_device(ports, io_base, PCI_TESTDEV_IO_SIZE, "pci-testdev-portio", t, io_read,
                            io_write, IOMAP_W8, err, errlen);
}
