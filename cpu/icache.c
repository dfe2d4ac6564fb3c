#include "cpu/icache.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/access.h"
#include "cpu/decode.h"


struct icache *icache_create(void)
{
    struct icache *ic = aligned_alloc(_Alignof(struct icache), sizeof(*ic));
    if (ic)
        icache_flush(ic);
    return ic;
}

void icache_destroy(struct icache *ic)
{
    free(ic);
}

void icache_flush(struct icache *ic)
{
    ic->none.key = ~0ull;
    ic->none.next = &ic->none;
    for (unsigned i = 0; i < ICACHE_SIZE; i++) {
        ic->e[i].key = ~0ull;
        ic->e[i].next = &ic->none;
    }
    ic->hits = ic->misses = 0;
}

void icache_stats(const struct icache *ic, u64 *hits, u64 *misses)
{
    *hits = ic->hits;
    *misses = ic->misses;
}

/* Read up to n bytes of code starting at la within one page. */
static void fetch_bytes(struct cpu *c, la_t la, u8 *buf, unsigned n, enum paging_priv priv, pa_t *pa)
{
    struct tlb_entry *e = access_translate(c, la, PAGING_EXEC, priv);
    *pa = e->pa | (la & 0xfff);
    if (e->host)
        memcpy(buf, (u8 *)(e->host + (la & 0xfff)), n);
    else
        for (unsigned i = 0; i < n; i++)
            buf[i] = (u8)phys_read(c, *pa + i, 1);
}

static _Noreturn void fetch_fault(struct cpu *c, enum decode_status st, const u8 *buf, unsigned n)
{
    if (st == DECODE_TOO_LONG)
        cpu_fault(c, EXC_GP, 0);
    if (log_on(c->bus.log, LOG_UNIMP)) {
        char hex[64] = "";
        for (unsigned i = 0; i < n && i < 15; i++)
            snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", buf[i]);
        log_printf(c->bus.log, LOG_UNIMP, "cpu%d: #UD at %#llx: %s", c->id,
                   (unsigned long long)c->insn_rip, hex);
    }
    cpu_fault(c, EXC_UD, 0);
}

const struct insn *icache_fetch_slow(struct cpu *c, la_t la, enum paging_priv priv)
{
    struct icache *ic = c->icache;
    pa_t pa = access_translate(c, la, PAGING_EXEC, priv)->pa | (la & 0xfff);

    struct icache_entry *e = &ic->e[icache_index(pa)];
    u64 key = pa << 3 | c->mode;
    if (likely(e->key == key && e->gen == phys_code_gen(c->bus.phys, pa))) {
        ic->hits++;
        if (unlikely(c->mode != MODE_LONG64 && c->rip + e->in.len - 1 > c->seg[SEG_CS].limit))
            cpu_fault(c, EXC_GP, 0);
        return &e->in;
    }
    ic->misses++;

    /* Miss: decode with the bytes up to the end of the page; fetch the next page only if
       the instruction really continues there (SDM 3A §4.10.2: #PF only if needed). */
    u8 buf[32];
    unsigned in_page = 0x1000 - (la & 0xfff);
    unsigned n = in_page < 15 ? in_page : 15;
    pa_t pa0;
    fetch_bytes(c, la, buf, n, priv, &pa0);
    struct insn *out = &e->in;
    e->key = ~0ull;   /* decoding overwrites the entry: it is invalid until it is complete
                         (the fetch of a second page below may fault) */
    enum decode_status st = decode_insn(c, buf, n, c->mode, out);
    bool cross = false;
    if (st == DECODE_MORE && n < 15) {
        pa_t pa1;
        fetch_bytes(c, (la + n) & (c->mode == MODE_LONG64 ? ~0ull : 0xffffffffull), buf + n, 15 - n, priv, &pa1);
        out = &c->scratch;
        st = decode_insn(c, buf, 15, c->mode, out);
        cross = true;
    }
    if (st != DECODE_OK) {
        e->key = ~0ull;
        fetch_fault(c, st, buf, n);
    }
    if (c->mode != MODE_LONG64 && c->rip + out->len - 1 > c->seg[SEG_CS].limit) {
        e->key = ~0ull;
        cpu_fault(c, EXC_GP, 0);
    }
    if (cross) {
        /* Not cached, so never chained: the chained path follows cached entries of one page
           (exec_fast_bind may have marked it chainable before the crossing was known). */
        out->flags = (u8)((out->flags | INSN_CROSS) & ~INSN_CHAIN);
        e->key = ~0ull;
        return out;
    }
    phys_mark_code(c->bus.phys, pa, out->len);
    e->key = key;
    e->next = &ic->none;
    e->gen = phys_code_gen(c->bus.phys, pa);
    return out;
}
