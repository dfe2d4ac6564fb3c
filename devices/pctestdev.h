/* devices/pctestdev.h — QEMU's "pc-testdev" ISA test device, which kvm-unit-tests expects:
 *
 *   0xe0-0xe3      a 32-bit scratch register, accessible at any width and byte offset
 *   0xe4-0xe7      "flush page": a 32-bit write of a guest-physical address drops that page
 *                  from every vCPU's TLB (callback); other widths are ignored
 *   0xe8, 0xea-0xeb  the same scratch register, byte-wise (bytes 0, 2, 3: hvsim keeps 0xe9
 *                  for the Bochs/QEMU debug console, devices/debugport.c)
 *   0x2000-0x2017  interrupt lines: a byte write of V to 0x2000+n drives line n to (V != 0);
 *                  lines 0-15 are ISA IRQs (PIC and I/O APIC, IRQ0 → GSI2), 16-23 I/O APIC pins
 *   0xff000000     64 KiB of scratch memory (MMIO, any width)
 *
 * Reads of the IRQ and flush ports return all-ones (write-only). 0xf4 is the debug-exit port
 * (devices/debugport.c), not part of this device. */
#ifndef HVSIM_DEVICES_PCTESTDEV_H
#define HVSIM_DEVICES_PCTESTDEV_H

#include "base/iomap.h"
#include "base/irq.h"
#include "base/log.h"

enum {
    PCTESTDEV_SCRATCH = 0xe0, PCTESTDEV_FLUSH = 0xe4, PCTESTDEV_SCRATCH_BYTE = 0xe8,
    PCTESTDEV_IRQ = 0x2000, PCTESTDEV_IRQS = 24,
    PCTESTDEV_IOMEM = 0xff000000u, PCTESTDEV_IOMEM_LEN = 0x10000,
};

struct pctestdev_state {
    u32 scratch;
    u8 iomem[PCTESTDEV_IOMEM_LEN];
};

struct pctestdev {
    struct pctestdev_state s;
    struct irq_line lines[PCTESTDEV_IRQS];
    void (*flush_page)(void *opaque, u64 gpa);   /* may be NULL */
    void *opaque;
    const struct log *log;
};

/* Construct with the 24 interrupt lines and the flush-page callback. */
void pctestdev_init(struct pctestdev *d, const struct irq_line lines[PCTESTDEV_IRQS],
                    void (*flush_page)(void *opaque, u64 gpa), void *opaque, const struct log *log);
/* Reset: scratch register 0 (the iomem window keeps its contents, as in QEMU). */
void pctestdev_reset(struct pctestdev *d);
/* Register the port ranges and the iomem window. Returns 0, or -1 with a message in err. */
int pctestdev_register(struct pctestdev *d, struct iomap *ports, struct iomap *mem, char *err,
                       size_t errlen) MUST_CHECK;

#endif
