/* debugger/mem.c — guest memory for the debugger: RAM/ROM through the memory map's host
 * pointers (never a device read), linear addresses through a side-effect-free page walk. */
#include <string.h>

#include "cpu/access.h"
#include "debugger/dbg.h"

/* The host bytes of [pa, pa+n) when it is RAM/ROM within one range, else NULL. */
static u8 *host_ptr(struct dbg *d, pa_t pa, size_t n, bool write)
{
    const struct iomap_range *r = iomap_find(dbg_cpu(d)->bus.phys->mem, pa);
    if (!r || !r->host || (write && r->readonly) || pa - r->base + n > r->len)
        return NULL;
    return r->host + (pa - r->base);
}

int dbg_read_pa(struct dbg *d, pa_t pa, void *buf, size_t n)
{
    u8 *out = buf;
    while (n) {
        size_t chunk = 0x1000 - (pa & 0xfff);
        if (chunk > n)
            chunk = n;
        u8 *h = host_ptr(d, pa, chunk, false);
        if (!h)
            return -1;
        memcpy(out, h, chunk);
        out += chunk, pa += chunk, n -= chunk;
    }
    return 0;
}

int dbg_write_pa(struct dbg *d, pa_t pa, const void *buf, size_t n)
{
    const u8 *in = buf;
    struct phys *p = dbg_cpu(d)->bus.phys;
    while (n) {
        size_t chunk = 0x1000 - (pa & 0xfff);
        if (chunk > n)
            chunk = n;
        u8 *h = host_ptr(d, pa, chunk, true);
        if (!h)
            return -1;
        phys_note_write(p, pa, (unsigned)chunk);   /* decoded code there is stale now */
        memcpy(h, in, chunk);
        in += chunk, pa += chunk, n -= chunk;
    }
    return 0;
}

int dbg_translate(struct cpu *c, la_t la, pa_t *pa)
{
    if (c->mode != MODE_LONG64)
        la = (u32)la;
    struct tlb_entry *e = tlb_lookup(&c->tlb, la, c->tlb_tag);
    if (e) {
        *pa = e->pa | (la & 0xfff);
        return 0;
    }
    u64 refs = c->walk_refs;
    int rc = access_debug_translate(c, la, pa);
    c->walk_refs = refs;   /* looking is not a walk the guest made */
    return rc;
}

static int la_io(struct dbg *d, struct cpu *c, la_t la, void *buf, size_t n, bool write)
{
    u8 *p = buf;
    while (n) {
        size_t chunk = 0x1000 - (la & 0xfff);
        if (chunk > n)
            chunk = n;
        pa_t pa;
        if (dbg_translate(c, la, &pa))
            return -1;
        if (write ? dbg_write_pa(d, pa, p, chunk) : dbg_read_pa(d, pa, p, chunk))
            return -1;
        p += chunk, la += chunk, n -= chunk;
    }
    return 0;
}

int dbg_read_la(struct dbg *d, struct cpu *c, la_t la, void *buf, size_t n)
{
    return la_io(d, c, la, buf, n, false);
}

int dbg_write_la(struct dbg *d, struct cpu *c, la_t la, const void *buf, size_t n)
{
    return la_io(d, c, la, (void *)buf, n, true);
}
