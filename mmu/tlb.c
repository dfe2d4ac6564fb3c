/* mmu/tlb.c — flush scopes of the tagged TLB (SDM 3A §4.10.4, SDM 3C §29.4.3). */
#include "mmu/tlb.h"
#include "mmu/paging.h"

void tlb_init(struct tlb *t)
{
    t->nrecent = TLB_RECENT + 1;   /* nothing known about the entries yet: scan them all */
    tlb_flush_all(t);
    t->fills = t->flushes = 0;
    for (unsigned i = 0; i < TLB_CAUSES; i++)
        t->by_cause[i] = 0;
}

const char *tlb_mode_name(unsigned mode)
{
    static const char *const names[TLB_MODES] = {[TLB_MODE_NORMAL] = "normal", [TLB_MODE_STRICT] = "strict",
                                                 [TLB_MODE_FLUSH] = "flush"};
    return mode < TLB_MODES ? names[mode] : "?";
}

const char *tlb_cause_name(enum tlb_cause why)
{
    static const char *const names[TLB_CAUSES] = {
        [TLB_CAUSE_VMENTRY] = "vm-entry", [TLB_CAUSE_VMEXIT] = "vm-exit", [TLB_CAUSE_CR3] = "mov-cr3",
        [TLB_CAUSE_PAGING_CTL] = "paging-ctl", [TLB_CAUSE_INVLPG] = "invlpg", [TLB_CAUSE_INVPCID] = "invpcid",
        [TLB_CAUSE_INVEPT] = "invept", [TLB_CAUSE_INVVPID] = "invvpid", [TLB_CAUSE_EPT_ID] = "eptp-recycle",
        [TLB_CAUSE_OTHER] = "other",
    };
    return (unsigned)why < TLB_CAUSES ? names[why] : "?";
}

/* Remember slot i as holding a large-page entry. When the list is full, rebuild it from the
 * slots that really hold one now (entries since replaced or invalidated drop out); only if
 * that is still too many does INVLPG fall back to scanning. */
static void note_large(struct tlb *t, unsigned i)
{
    if (t->nlarge < TLB_LARGE) {
        t->large[t->nlarge++] = (u16)i;
        return;
    }
    if (t->nlarge > TLB_LARGE)
        return;
    unsigned n = 0;
    for (unsigned k = 0; k < TLB_ENTRIES && n <= TLB_LARGE; k++) {
        const struct tlb_entry *e = &t->e[k];
        if (e->vpn != TLB_VPN_INVALID && e->page_mask != ~0xfffull && k != i) {
            if (n < TLB_LARGE)
                t->large[n] = (u16)k;
            n++;
        }
    }
    if (n < TLB_LARGE)
        t->large[n++] = (u16)i;
    else
        n = TLB_LARGE + 1;
    t->nlarge = n;
}

void tlb_insert(struct tlb *t, la_t la, u64 tag, pa_t pa_page, uintptr_t host, u64 page_size,
                u16 perm, u8 flags)
{
    unsigned i = tlb_index(la >> 12, tag);
    struct tlb_entry *e = &t->e[i];
    if (page_size > 4096) {
        if (!(e->vpn != TLB_VPN_INVALID && e->page_mask != ~0xfffull))
            note_large(t, i);   /* a slot already holding a large entry is listed already */
        t->large_gib |= 1ull << ((la >> 30) & 63);   /* pages are at most 1 GiB */
    }
    e->vpn = la >> 12;
    e->tag = tag;
    e->host = host;
    e->pa = pa_page;
    e->page_mask = ~(page_size - 1);
    e->perm = perm;
    e->fast = 0;
    e->flags = flags;
    if (t->nrecent < TLB_RECENT)
        t->recent[t->nrecent++] = (u16)i;
    else
        t->nrecent = TLB_RECENT + 1;
    t->fills++;
}

static void invalidate(struct tlb_entry *e)
{
    e->vpn = TLB_VPN_INVALID;
}

/* The entries that can be valid: the ones filled since the last flush-all while they all fit
   in `recent` (a list that may repeat an index), else every entry. Scoped flushes walk these. */
static unsigned live_count(const struct tlb *t)
{
    return t->nrecent <= TLB_RECENT ? t->nrecent : TLB_ENTRIES;
}

static struct tlb_entry *live_entry(struct tlb *t, unsigned k)
{
    return &t->e[t->nrecent <= TLB_RECENT ? t->recent[k] : k];
}

/* Everything, every tag. When few entries were filled since the last flush-all (a guest
   toggling CR0.WP or CR4.PGE in a loop), only those can be valid: touch just them. */
void tlb_flush_all(struct tlb *t)
{
    t->gen++;
    for (unsigned k = 0, n = live_count(t); k < n; k++)
        invalidate(live_entry(t, k));
    t->nrecent = 0;
    t->nlarge = 0;
    t->large_gib = 0;
    t->flushes++;
}

static u64 vpid_of(u64 tag)
{
    return tag & TLB_VPID_MASK;
}

void tlb_flush_vtag(struct tlb *t, u64 vtag)
{
    tlb_flush_match(t, TLB_VPID_MASK, vpid_of(vtag), false);
}

void tlb_flush_vtag_nonglobal(struct tlb *t, u64 vtag)
{
    tlb_flush_match(t, TLB_VPID_MASK, vpid_of(vtag), true);
}

void tlb_flush_pcid(struct tlb *t, u64 tag, bool keep_global)
{
    tlb_flush_match(t, TLB_SCOPE_MASK, tag & TLB_SCOPE_MASK, keep_global);
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

/* INVLPG scope (globals = true): this VPID and PCID's entry plus global entries of the VPID.
 * INVPCID individual-address scope (globals = false): this VPID and PCID's non-global entry. */
static bool addr_match(const struct tlb_entry *e, u64 tag, bool globals)
{
    if (e->flags & TLB_GLOBAL)
        return globals && vpid_of(e->tag) == vpid_of(tag);
    return (e->tag & TLB_SCOPE_MASK) == (tag & TLB_SCOPE_MASK);
}

/* INVLPG/INVPCID-0 scope at la: the slot of la's 4 KiB page under the tag's VPID, and every
 * entry filled from a large page that may cover la (known by index while they fit in
 * t->large; a list that may name slots refilled since, which covers() then rejects), none
 * when no large-page entry filled since the last flush-all lies in la's 1 GiB region (by
 * t->large_gib, which may say yes for a region that has none). */
static void flush_addr(struct tlb *t, u64 tag, la_t la, bool globals)
{
    t->gen++;
    bool near_large = (t->large_gib >> ((la >> 30) & 63)) & 1;
    if (t->nlarge <= TLB_LARGE || !near_large) {
        struct tlb_entry *e = &t->e[tlb_index(la >> 12, tag)];
        if (covers(e, la) && addr_match(e, tag, globals))
            invalidate(e);
        for (unsigned k = 0; near_large && k < t->nlarge; k++) {
            e = &t->e[t->large[k]];
            if (covers(e, la) && addr_match(e, tag, globals))
                invalidate(e);
        }
        return;
    }
    for (unsigned k = 0, n = live_count(t); k < n; k++) {
        struct tlb_entry *e = live_entry(t, k);
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
    for (unsigned k = 0, n = live_count(t); k < n; k++) {
        struct tlb_entry *e = live_entry(t, k);
        if (e->vpn != TLB_VPN_INVALID && e->pa == (pa_page & ~0xfffull))
            invalidate(e);
    }
}

void tlb_protect_pa(struct tlb *t, pa_t pa_page)
{
    const u16 writes = PAGING_PERM_BIT(PAGING_WRITE, PAGING_USER) | PAGING_PERM_BIT(PAGING_WRITE, PAGING_SUP_SMAP) |
                       PAGING_PERM_BIT(PAGING_WRITE, PAGING_SUP_AC);
    t->gen++;
    for (unsigned k = 0, n = live_count(t); k < n; k++) {
        struct tlb_entry *e = live_entry(t, k);
        if (e->vpn != TLB_VPN_INVALID && e->pa == (pa_page & ~0xfffull))
            e->fast &= (u16)~writes;
    }
}

void tlb_flush_match(struct tlb *t, u64 mask, u64 val, bool keep_global)
{
    t->gen++;
    for (unsigned k = 0, n = live_count(t); k < n; k++) {
        struct tlb_entry *e = live_entry(t, k);
        if ((e->tag & mask) == val && !(keep_global && (e->flags & TLB_GLOBAL)))
            invalidate(e);
    }
    t->flushes++;
}

void tlb_flush_nonzero(struct tlb *t, u64 mask)
{
    t->gen++;
    for (unsigned k = 0, n = live_count(t); k < n; k++) {
        struct tlb_entry *e = live_entry(t, k);
        if (e->tag & mask)
            invalidate(e);
    }
    t->flushes++;
}

void tlb_flush_addr_match(struct tlb *t, u64 mask, u64 val, la_t la)
{
    t->gen++;
    for (unsigned k = 0, n = live_count(t); k < n; k++) {
        struct tlb_entry *e = live_entry(t, k);
        if (covers(e, la) && (e->tag & mask) == val)
            invalidate(e);
    }
}
