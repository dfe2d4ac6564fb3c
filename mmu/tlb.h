/* mmu/tlb.h — the tagged TLB: linear page -> physical page + host pointer + permissions.
 *
 * Entries are tagged (DESIGN.md "Memory") with
 *   bits 63..32  virtualization tag: VPID/ASID (16 bits) and EPTP/nCR3 identity (16 bits),
 *                zero in root mode / without VMX and SVM;
 *   bits 11..0   PCID (0 when CR4.PCIDE = 0).
 * Global entries match any PCID within their virtualization tag.
 * Each flush function invalidates exactly its architectural scope (SDM 3A §4.10.4). The
 * instruction-driven scopes (MOV CR3, INVLPG, INVPCID) take the VPID and PCID of the tag but
 * every EPTP identity: in VMX non-root operation they invalidate the current VPID's linear and
 * combined mappings for all EP4TAs (SDM 3C §29.4.3.1). */
#ifndef HVSIM_MMU_TLB_H
#define HVSIM_MMU_TLB_H

#include "base/types.h"

#define TLB_ENTRIES 4096          /* direct-mapped, indexed by linear page number */
#define TLB_VPN_INVALID (~0ull)
#define TLB_PCID_MASK 0xfffull
#define TLB_VPID_SHIFT 32
#define TLB_VPID_MASK (0xffffull << TLB_VPID_SHIFT)   /* VPID in non-root, 0 in root */
#define TLB_EPT_SHIFT 48
#define TLB_EPT_MASK (0xffffull << TLB_EPT_SHIFT)     /* EPTP identity (1..), 0 without EPT */

#define TLB_SCOPE_MASK (TLB_VPID_MASK | TLB_PCID_MASK)   /* what MOV CR3/INVLPG/INVPCID compare */

enum { TLB_GLOBAL = 1u << 0, TLB_MMIO = 1u << 1 };

/* -cpu ...,tlb=MODE (docs/vmx.md "TLB modes").
 *  NORMAL  architectural scopes; may flush more where that is cheaper (e.g. everything on a
 *          paging-control change or a VM transition without VPID).
 *  STRICT  keep every stale translation the architecture allows: flushes are scoped exactly,
 *          so a hypervisor that forgets INVEPT/INVVPID/INVLPG sees stale data.
 *  FLUSH   flush everything on every VM entry and exit and every paging-control change or
 *          MOV CR3 (for bisecting a TLB-related problem). */
enum tlb_mode { TLB_MODE_NORMAL, TLB_MODE_STRICT, TLB_MODE_FLUSH, TLB_MODES };

/* "normal", "strict", "flush" (the -cpu spelling), or "?". */
const char *tlb_mode_name(unsigned mode);

/* Why a flush happened (-stats). Counted by the caller, once per operation. */
enum tlb_cause {
    TLB_CAUSE_VMENTRY, TLB_CAUSE_VMEXIT, TLB_CAUSE_CR3, TLB_CAUSE_PAGING_CTL, TLB_CAUSE_INVLPG,
    TLB_CAUSE_INVPCID, TLB_CAUSE_INVEPT, TLB_CAUSE_INVVPID, TLB_CAUSE_EPT_ID, TLB_CAUSE_OTHER,
    TLB_CAUSES
};

struct tlb_entry {
    u64 vpn;          /* la >> 12, or TLB_VPN_INVALID */
    u64 tag;          /* see above */
    uintptr_t host;   /* host address of the page's byte 0 (RAM only; 0 for MMIO) */
    pa_t pa;          /* physical address of the 4 KiB page */
    u64 page_mask;    /* ~(page_size - 1) of the translation that produced it (INVLPG scope) */
    u16 perm;         /* PAGING_PERM_BIT mask */
    u16 fast;         /* owned by the CPU: the subset of perm that may use `host` directly
                         (0 for MMIO; no write bits for pages holding decoded code) */
    u8 flags;         /* TLB_GLOBAL, TLB_MMIO */
};

#define TLB_RECENT 64              /* fills remembered so a flush-all can touch only them */
#define TLB_LARGE 128              /* slots holding large-page entries, so INVLPG can find them */

struct tlb {
    struct tlb_entry e[TLB_ENTRIES];
    u16 recent[TLB_RECENT];   /* indices filled since the last flush-all ... */
    unsigned nrecent;         /* ... how many; TLB_RECENT + 1 = more than fit (flush scans all) */
    u16 large[TLB_LARGE];   /* slots that may hold an entry from a page larger than 4 KiB ... */
    unsigned nlarge;        /* ... how many; TLB_LARGE + 1 = more than fit (INVLPG scans all) */
    u64 large_gib;            /* bit (la >> 30) % 64 set for each 1 GiB region a large-page
                                 entry filled since the last flush-all lies in: INVLPG of an
                                 address whose bit is clear skips the large-page entries */
    u64 fills, flushes;   /* statistics */
    u64 gen;              /* bumped by every invalidation: lets a caller cache one translation */
    u8 mode;              /* enum tlb_mode, set by the CPU at creation */
    u64 by_cause[TLB_CAUSES];   /* statistics: flush operations per enum tlb_cause */
};

static inline void tlb_count(struct tlb *t, enum tlb_cause why)
{
    t->by_cause[why]++;
}

/* The name of a cause for -stats ("vm-entry", "mov-cr3", ...). */
const char *tlb_cause_name(enum tlb_cause why);

/* The slot of a linear page under a tag: the VPID (its low bits) moves the slot, so that a
 * guest's entry and root's for the same address do not evict each other (tlb=strict keeps
 * both). PCID and EPTP identity do not: global entries and INVLPG's all-EP4TA scope find
 * their entries in the one slot of (page, VPID). */
static inline unsigned tlb_index(u64 vpn, u64 tag)
{
    return (unsigned)((vpn ^ (tag >> TLB_VPID_SHIFT)) & (TLB_ENTRIES - 1));
}

/* The entry for la under `tag`, or NULL. Permission checking is the caller's. */
static inline struct tlb_entry *tlb_lookup(struct tlb *t, la_t la, u64 tag)
{
    u64 vpn = la >> 12;
    struct tlb_entry *e = &t->e[tlb_index(vpn, tag)];
    if (likely(e->vpn == vpn && e->tag == tag))
        return e;
    if (e->vpn == vpn && (e->flags & TLB_GLOBAL) && (e->tag & ~TLB_PCID_MASK) == (tag & ~TLB_PCID_MASK))
        return e;
    return NULL;
}

void tlb_init(struct tlb *t);
/* Fill the entry for la's 4 KiB page. host = 0 marks an MMIO (non-RAM) page. */
void tlb_insert(struct tlb *t, la_t la, u64 tag, pa_t pa_page, uintptr_t host, u64 page_size,
                u16 perm, u8 flags);

void tlb_flush_all(struct tlb *t);                        /* everything, every tag */
void tlb_flush_vtag(struct tlb *t, u64 vtag);             /* all of one virtualization tag (INVVPID single context) */
void tlb_flush_vtag_nonglobal(struct tlb *t, u64 vtag);   /* non-global of one vtag (INVVPID type 3) */
void tlb_flush_pcid(struct tlb *t, u64 tag, bool keep_global); /* one PCID of one vtag (MOV CR3, INVPCID 1) */
void tlb_flush_nonglobal(struct tlb *t, u64 vtag);        /* MOV CR3 with PCIDE=0 (all PCIDs' non-global) */
void tlb_flush_addr(struct tlb *t, u64 tag, la_t la);     /* INVLPG: la under this tag + global entries for la */
void tlb_flush_addr_pcid(struct tlb *t, u64 tag, la_t la);/* INVPCID type 0: la under this PCID, not globals */
void tlb_flush_pa(struct tlb *t, pa_t pa_page);           /* every entry mapping this physical page (pc-testdev) */
/* A page now holds decoded code: its entries keep their translations (no architectural TLB
 * effect) but lose the direct-write permission in `fast`, so writes take the path that
 * invalidates the decoded instructions. */
void tlb_protect_pa(struct tlb *t, pa_t pa_page);
/* Masked scopes for INVVPID/INVEPT and VM entry/exit (SDM 3C §29.4.3): entries whose
 * (tag & mask) == val, optionally keeping globals; entries with any bit of mask set; and
 * the entries for la with (tag & mask) == val, globals included. */
void tlb_flush_match(struct tlb *t, u64 mask, u64 val, bool keep_global);
void tlb_flush_nonzero(struct tlb *t, u64 mask);
void tlb_flush_addr_match(struct tlb *t, u64 mask, u64 val, la_t la);

#endif
