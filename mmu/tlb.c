/* mmu/tlb.c — flush scopes of the tagged TLB (SDM 3A §4.10.4). */
#include "mmu/tlb.h"

void tlb_init(struct tlb *t)
{
    t->nrecent = TLB_RECENT + 1;   /* nothing known about the entries yet: scan them all */
    tlb_flush_all(t);
    t->fills = t->flushes = 0;
}

void tlb_insert(struct tlb *t, la_t la, u64 tag, pa_t pa_page, uintptr_t host, u64 page_size,
                u16 perm, u8 flags)
{
    struct tlb_entry *e = &t->e[tlb_index(la >> 12)];
    e->vpn = la >> 12;
    e->tag = tag;
    e->host = host;
    e->pa = pa_page;
    e->page_mask = ~(page_size - 1);
    e->perm = perm;
    e->fast = 0;
    e->flags = flags;
    if (page_size > 4096)
        t->has_large = true;
    if (t->nrecent < TLB_RECENT)
        t->recent[t->nrecent++] = (u16)tlb_index(la >> 12);
    else
        t->nrecent = TLB_RECENT + 1;
    t->fills++;
}

static void invalidate(struct tlb_entry *e)
{
    e->vpn = TLB_VPN_INVALID;
}

/* Everything, every tag. When few entries were filled since the last flush-all (a guest
   toggling CR0.WP or CR4.PGE in a loop), only those can be valid: touch just them. */
void tlb_flush_all(struct tlb *t)
{
    t->gen++;
    if (t->nrecent <= TLB_RECENT) {
        for (unsigned i = 0; i < t->nrecent; i++)
            invalidate(&t->e[t->recent[i]]);
    } else {
        for (unsigned i = 0; i < TLB_ENTRIES; i++)
            invalidate(&t->e[i]);
    }
    t->nrecent = 0;
    t->has_large = false;
    t->flushes++;
}

static u64 vtag_of(u64 tag)
{
    return tag & ~TLB_PCID_MASK;
}

void tlb_flush_vtag(struct tlb *t, u64 vtag)
{
    t->gen++;
    for (unsigned i = 0; i < TLB_ENTRIES; i++)
        if (vtag_of(t->e[i].tag) == vtag_of(vtag))
            invalidate(&t->e[i]);
    t->flushes++;
}

void tlb_flush_vtag_nonglobal(struct tlb *t, u64 vtag)
{
    t->gen++;
    for (unsigned i = 0; i < TLB_ENTRIES; i++)
        if (vtag_of(t->e[i].tag) == vtag_of(vtag) && !(t->e[i].flags & TLB_GLOBAL))
            invalidate(&t->e[i]);
    t->flushes++;
}

void tlb_flush_pcid(struct tlb *t, u64 tag, bool keep_global)
{
    t->gen++;
    for (unsigned i = 0; i < TLB_ENTRIES; i++) {
        struct tlb_entry *e = &t->e[i];
        if (e->tag == tag && !(keep_global && (e->flags & TLB_GLOBAL)))
            invalidate(e);
    }
    t->flushes++;
}

void tlb_flush_nonglobal(struct tlb *t, u64 vtag)
{
    tlb_flush_vtag_nonglobal(t, vtag);
}

/* Does entry e translate la (considering the page size it came from)? */
static bool covers(const struct tlb_entry *e, la_t la)
{
    return e->vpn != TLB_VPN_INVALID && ((e->vpn << 12) & e->page_mask) == (la & e->page_mask);
}

/* INVLPG scope (globals = true): this tag's entry plus global entries of the same vtag.
 * INVPCID individual-address scope (globals = false): this tag's non-global entry only. */
static bool addr_match(const struct tlb_entry *e, u64 tag, bool globals)
{
    if (e->flags & TLB_GLOBAL)
        return globals && vtag_of(e->tag) == vtag_of(tag);
    return e->tag == tag;
}

static void flush_addr(struct tlb *t, u64 tag, la_t la, bool globals)
{
    t->gen++;
    if (!t->has_large) {
        struct tlb_entry *e = &t->e[tlb_index(la >> 12)];
        if (e->vpn == la >> 12 &&
            addr_match(e, tag, globals))
            invalidate(e);
        return;
    }
    for (unsigned i = 0; i < TLB_ENTRIES; i++) {
        struct tlb_entry *e = &t->e[i];
        if (covers(e, la) &&
            addr_match(e, tag, globals))
            invalidate(e);
    }
}

void tlb_flush_addr(struct tlb *t, u64 tag, la_t la)
{
    flush_addr(t, tag, la, true);
}

void tlb_flush_addr_pcid(struct tlb *t, u64 tag, la_t la)
{
    flush_addr(t, tag, la, false);
}

void tlb_flush_pa(struct tlb *t, pa_t pa_page)
{
    t->gen++;
    for (unsigned i = 0; i < TLB_ENTRIES; i++)
        if (t->e[i].vpn != TLB_VPN_INVALID && t->e[i].pa == (pa_page & ~0xfffull))
            invalidate(&t->e[i]);
}

void tlb_flush_match(struct tlb *t, u64 mask, u64 val, bool keep_global)
{
    t->gen++;
    for (unsigned i = 0; i < TLB_ENTRIES; i++) {
        struct tlb_entry *e = &t->e[i];
        if ((e->tag & mask) == val && !(keep_global && (e->flags & TLB_GLOBAL)))
            invalidate(e);
    }
    t->flushes++;
}

void tlb_flush_nonzero(struct tlb *t, u64 mask)
{
    t->gen++;
    for (unsigned i = 0; i < TLB_ENTRIES; i++)
        if (t->e[i].tag & mask)
            invalidate(&t->e[i]);
    t->flushes++;
}

void tlb_flush_addr_match(struct tlb *t, u64 mask, u64 val, la_t la)
{
    t->gen++;
    for (unsigned i = 0; i < TLB_ENTRIES; i++) {
        struct tlb_entry *e = &t->e[i];
        if (covers(e, la) && (e->tag & mask) == val)
            invalidate(e);
    }
}
