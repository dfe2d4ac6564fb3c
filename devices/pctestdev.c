/* devices/pctestdev.c — QEMU pc-testdev equivalent (see pctestdev.h). */
#include "devices/pctestdev.h"

#include <string.h>

static u64 width_mask(unsigned size) { return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1; }

/* The scratch register seen through a window of `size` bytes at byte `off` (0-3). */
static u64 scratch_read(void *opaque, u64 off, unsigned size)
{
    struct pctestdev *d = opaque;
    return ((u64)d->s.scratch >> (8 * (off & 3))) & width_mask(size);
}

static void scratch_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct pctestdev *d = opaque;
    unsigned shift = 8 * (unsigned)(off & 3);
    u64 mask = (width_mask(size) << shift) & 0xffffffffull;
    d->s.scratch = (u32)((d->s.scratch & ~mask) | ((v << shift) & mask));
}

/* 0xea-0xeb: bytes 2-3 of the byte-wise window (0xe9 belongs to the debug console). */
static u64 scratch_hi_read(void *opaque, u64 off, unsigned size)
{
    return scratch_read(opaque, off + 2, size);
}

static void scratch_hi_write(void *opaque, u64 off, u64 v, unsigned size)
{
    scratch_write(opaque, off + 2, v, size);
}

static u64 wo_read(void *opaque, u64 off, unsigned size)
{
    (void)opaque, (void)off;
    return width_mask(size);
}

static void flush_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct pctestdev *d = opaque;
    if (size != 4 || off != 0) {
        log_printf(d->log, LOG_GUEST_ERRORS, "pc-testdev: flush-page write of size %u ignored", size);
        return;
    }
    if (d->flush_page)
        d->flush_page(d->opaque, (u32)v & ~0xfffu);
}

static void irq_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct pctestdev *d = opaque;
    (void)size;
    if (off < PCTESTDEV_IRQS)
        irq_set(&d->lines[off], (v & 0xff) != 0);
}

static u64 iomem_read(void *opaque, u64 off, unsigned size)
{
    struct pctestdev *d = opaque;
    u64 v = 0;
    for (unsigned i = 0; i < size && off + i < PCTESTDEV_IOMEM_LEN; i++)
        v |= (u64)d->s.iomem[off + i] << (8 * i);
    return v;
}

static void iomem_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct pctestdev *d = opaque;
    for (unsigned i = 0; i < size && off + i < PCTESTDEV_IOMEM_LEN; i++)
        d->s.iomem[off + i] = (u8)(v >> (8 * i));
}

void pctestdev_init(struct pctestdev *d, const struct irq_line lines[PCTESTDEV_IRQS],
                    void (*flush_page)(void *opaque, u64 gpa), void *opaque, const struct log *log)
{
    memset(d, 0, sizeof(*d));
    memcpy(d->lines, lines, sizeof d->lines);
    d->flush_page = flush_page;
    d->opaque = opaque;
    d->log = log;
}

void pctestdev_reset(struct pctestdev *d)
{
    d->s.scratch = 0;
}

int pctestdev_register(struct pctestdev *d, struct iomap *ports, struct iomap *mem, char *err,
                       size_t errlen)
{
    const unsigned any = IOMAP_W8 | IOMAP_W16 | IOMAP_W32;
    if (iomap_add_device(ports, PCTESTDEV_SCRATCH, 4, "pc-testdev-ioport", d, scratch_read,
                         scratch_write, any, err, errlen) ||
        iomap_add_device(ports, PCTESTDEV_FLUSH, 4, "pc-testdev-flush-page", d, wo_read,
                         flush_write, any, err, errlen) ||
        iomap_add_device(ports, PCTESTDEV_SCRATCH_BYTE, 1, "pc-testdev-ioport-byte", d,
                         scratch_read, scratch_write, IOMAP_W8, err, errlen) ||
        iomap_add_device(ports, PCTESTDEV_SCRATCH_BYTE + 2, 2, "pc-testdev-ioport-byte-hi", d,
                         scratch_hi_read, scratch_hi_write, IOMAP_W8, err, errlen) ||
        iomap_add_device(ports, PCTESTDEV_IRQ, PCTESTDEV_IRQS, "pc-testdev-irq-line", d, wo_read,
                         irq_write, IOMAP_W8, err, errlen))
        return -1;
    return iomap_add_device(mem, PCTESTDEV_IOMEM, PCTESTDEV_IOMEM_LEN, "pc-testdev-iomem", d,
                            iomem_read, iomem_write, any | IOMAP_W64, err, errlen);
}
