/* base/iomap.h — one address-range map type for both the physical memory bus and the
 * I/O-port space (DESIGN.md "Devices and the machine").
 *
 * A range is either RAM/ROM (a host pointer) or a device (read/write callbacks).
 * Width splitting, "unclaimed reads return all-ones" and "unclaimed writes are dropped"
 * live here and nowhere else. Overlapping registrations fail loudly. */
#ifndef HVSIM_BASE_IOMAP_H
#define HVSIM_BASE_IOMAP_H

#include "base/types.h"

/* Device callbacks: `offset` is relative to the range base; size is 1, 2, 4 or 8 and is
 * always one of the widths the range declared (iomap splits other accesses). */
typedef u64 iomap_read_fn(void *opaque, u64 offset, unsigned size);
typedef void iomap_write_fn(void *opaque, u64 offset, u64 value, unsigned size);

/* Width flags a device accepts natively. */
enum { IOMAP_W8 = 1, IOMAP_W16 = 2, IOMAP_W32 = 4, IOMAP_W64 = 8 };

struct iomap_range {
    u64 base, len;
    const char *name;
    u8 *host;               /* non-NULL: RAM/ROM backed by host memory */
    bool readonly;          /* ROM: writes dropped */
    void *opaque;
    iomap_read_fn *read;
    iomap_write_fn *write;
    unsigned widths;        /* IOMAP_W* mask for devices */
};

/* Called for accesses no range claims (reads then return all-ones). */
typedef void iomap_unclaimed_fn(void *opaque, u64 addr, unsigned size, bool write, u64 value);

struct iomap {
    const char *name;              /* "memory" or "ports", for messages */
    struct iomap_range *ranges;    /* sorted by base, non-overlapping */
    unsigned count, cap;
    iomap_unclaimed_fn *unclaimed;
    void *unclaimed_opaque;
};

void iomap_init(struct iomap *m, const char *name);
void iomap_destroy(struct iomap *m);

/* Register RAM (or ROM when readonly). Returns 0, or -1 with a message in err on overlap. */
int iomap_add_ram(struct iomap *m, u64 base, u64 len, u8 *host, bool readonly, const char *name,
                  char *err, size_t errlen) MUST_CHECK;

/* Register a device range. Returns 0, or -1 with a message naming both ranges on overlap. */
int iomap_add_device(struct iomap *m, u64 base, u64 len, const char *name, void *opaque,
                     iomap_read_fn *read, iomap_write_fn *write, unsigned widths, char *err,
                     size_t errlen) MUST_CHECK;

/* The range containing addr, or NULL. */
const struct iomap_range *iomap_find(const struct iomap *m, u64 addr);

/* Access `size` bytes (1..8) at addr, little-endian, split across ranges and widths as
 * needed; unclaimed bytes read as 0xff. */
u64 iomap_read(const struct iomap *m, u64 addr, unsigned size);
void iomap_write(const struct iomap *m, u64 addr, u64 value, unsigned size);

#endif
