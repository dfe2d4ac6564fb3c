/* devices/pci_testdev.h — QEMU's "pci-testdev" (vendor 1b36, device 0005) register protocol,
 * used by kvm-unit-tests' lib/pci-testdev.c: BAR 0 is a 4 KiB memory window, BAR 1 a 256-byte
 * I/O window, each exposing a header
 *     +0 test (write selects test 0-2 and zeroes its count)  +1 width  +4 offset (le32)
 *     +8 data  +12 count (le32)  +16 NUL-terminated name
 * for three tests per window ("no-eventfd", "wildcard-eventfd", "datamatch-eventfd", named
 * "<mmio|portio>-<test>"). A write at the test's offset counts when it matches the test's data
 * byte and width (the wildcard test counts any write). Accesses are byte-wise, as QEMU's
 * implementation size is 1. There is no eventfd, so every matching write is counted. */
#ifndef HVSIM_DEVICES_PCI_TESTDEV_H
#define HVSIM_DEVICES_PCI_TESTDEV_H

#include "base/iomap.h"
#include "base/log.h"

enum {
    PCI_TESTDEV_VENDOR = 0x1b36, PCI_TESTDEV_DEVICE = 0x0005,
    PCI_TESTDEV_MEM_SIZE = 4096, PCI_TESTDEV_IO_SIZE = 256,
    PCI_TESTDEV_TESTS = 3,
};

struct pci_testdev_state {
    i8 current;     /* -1: no test selected; else type * 3 + test */
    u32 count;      /* of the current test */
};

struct pci_testdev {
    struct pci_testdev_state s;
    /* Decode enables, kept current by the PCI host from the command register and BARs. */
    bool mem_on, io_on;
    const struct log *log;
};

/* Construct and reset: no test selected, decoding off until the PCI host enables it. */
void pci_testdev_init(struct pci_testdev *t, const struct log *log);
/* Deselect the current test. */
void pci_testdev_reset(struct pci_testdev *t);
/* Register the windows at their fixed bus addresses. Returns 0, or -1 with a message. */
int pci_testdev_register(struct pci_testdev *t, struct iomap *mem, u64 mem_base, struct iomap *ports,
                         u64 io_base, char *err, size_t errlen) MUST_CHECK;
/* Byte access to window `io` (0 = memory BAR, 1 = I/O BAR) at `off`, as the guest does. */
u8 pci_testdev_read(struct pci_testdev *t, bool io, u64 off);
void pci_testdev_write(struct pci_testdev *t, bool io, u64 off, u8 v);

#endif
