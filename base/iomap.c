#include "base/iomap.h"

#include "base/bits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void iomap_init(struct iomap *m, const char *name)
{
    memset(m, 0, sizeof(*m));
    m->name = name;
}

void iomap_destroy(struct iomap *m)
{
    free(m->ranges);
    m->ranges = NULL;
    m->count = m->cap = 0;
}

static int iomap_insert(struct iomap *m, const struct iomap_range *r, char *err, size_t errlen)
{
    if (r->len == 0 || r->base + r->len - 1 < r->base) {
        snprintf(err, errlen, "%s: bad range for %s at 0x%llx", m->name, r->name,
                 (unsigned long long)r->base);
        return -1;
    }
    unsigned pos = 0;
    while (pos < m->count && m->ranges[pos].base < r->base)
        pos++;
    const struct iomap_range *prev = pos ? &m->ranges[pos - 1] : NULL;
    const struct iomap_range *next = pos < m->count ? &m->ranges[pos] : NULL;
    const struct iomap_range *clash = NULL;
    if (prev && prev->base + prev->len - 1 >= r->base)
        clash = prev;
    else if (next && r->base + r->len - 1 >= next->base)
        clash = next;
    if (clash) {
        snprintf(err, errlen, "%s: %s at 0x%llx+0x%llx overlaps %s at 0x%llx+0x%llx", m->name,
                 r->name, (unsigned long long)r->base, (unsigned long long)r->len, clash->name,
                 (unsigned long long)clash->base, (unsigned long long)clash->len);
        return -1;
    }
    if (m->count == m->cap) {
        unsigned cap = m->cap ? m->cap * 2 : 16;
        struct iomap_range *n = realloc(m->ranges, cap * sizeof(*n));
        if (!n) {
            snprintf(err, errlen, "%s: out of memory", m->name);
            return -1;
        }
        m->ranges = n;
        m->cap = cap;
    }
    memmove(&m->ranges[pos + 1], &m->ranges[pos], (m->count - pos) * sizeof(*r));
    m->ranges[pos] = *r;
    m->count++;
    return 0;
}

int iomap_add_ram(struct iomap *m, u64 base, u64 len, u8 *host, bool readonly, const char *name,
                  char *err, size_t errlen)
{
    struct iomap_range r = {.base = base, .len = len, .name = name, .host = host,
                            .readonly = readonly, .widths = IOMAP_W8 | IOMAP_W16 | IOMAP_W32 | IOMAP_W64};
    return iomap_insert(m, &r, err, errlen);
}

int iomap_add_device(struct iomap *m, u64 base, u64 len, const char *name, void *opaque,
                     iomap_read_fn *read, iomap_write_fn *write, unsigned widths, char *err,
                     size_t errlen)
{
    struct iomap_range r = {.base = base, .len = len, .name = name, .opaque = opaque,
                            .read = read, .write = write, .widths = widths ? widths : IOMAP_W8};
    return iomap_insert(m, &r, err, errlen);
}

const struct iomap_range *iomap_find(const struct iomap *m, u64 addr)
{
    unsigned lo = 0, hi = m->count;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const struct iomap_range *r = &m->ranges[mid];
        if (addr < r->base)
            hi = mid;
        else if (addr - r->base >= r->len)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

/* Does this access fit one range natively (inside it, and a width it accepts)? */
static const struct iomap_range *iomap_whole(const struct iomap *m, u64 addr, unsigned size)
{
    const struct iomap_range *r = iomap_find(m, addr);
    if (!r || addr - r->base + size > r->len)
        return NULL;
    if (!r->host && !(r->widths & size))
        return NULL;
    return r;
}

u64 iomap_read(const struct iomap *m, u64 addr, unsigned size)
{
    const struct iomap_range *r = iomap_whole(m, addr, size);
    if (r) {
        if (r->host) {
            const u8 *h = r->host + (addr - r->base);
            u64 v = 0;
            if (size & (size - 1))
                memcpy(&v, h, size);   /* 3, 5, 6 or 7 bytes: the end of a split access */
            else
                v = bits_load_le(h, size);
            return v;
        }
        return r->read ? r->read(r->opaque, addr - r->base, size) : ~0ull >> (64 - 8 * size);
    }
    if (size == 1) {
        if (m->unclaimed)
            m->unclaimed(m->unclaimed_opaque, addr, 1, false, 0);
        return 0xff;
    }
    /* Split into two halves; a device that takes neither width gets bytes. */
    unsigned half = size / 2;
    u64 lo = iomap_read(m, addr, half);
    u64 hi = iomap_read(m, addr + half, half);
    return lo | hi << (8 * half);
}

void iomap_write(const struct iomap *m, u64 addr, u64 value, unsigned size)
{
    const struct iomap_range *r = iomap_whole(m, addr, size);
    if (r) {
        if (r->host) {
            u8 *h = r->host + (addr - r->base);
            if (r->readonly)
                ;
            else if (size & (size - 1))
                memcpy(h, &value, size);   /* 3, 5, 6 or 7 bytes: the end of a split access */
            else
                bits_store_le(h, size, value);
        } else if (r->write) {
            r->write(r->opaque, addr - r->base, value, size);
        }
        return;
    }
    if (size == 1) {
        if (m->unclaimed)
            m->unclaimed(m->unclaimed_opaque, addr, 1, true, value);
        return;
    }
    unsigned half = size / 2;
    iomap_write(m, addr, value & (~0ull >> (64 - 8 * half)), half);
    iomap_write(m, addr + half, value >> (8 * half), half);
}
