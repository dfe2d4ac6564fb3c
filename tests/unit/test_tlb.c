/* Unit tests for mmu/tlb.c: lookup by tag, global entries across PCIDs, and that every flush
 * removes exactly its architectural scope (SDM 3A §4.10.4). */
#include <check.h>

#include "mmu/paging.h"
#include "mmu/tlb.h"

static struct tlb T;

#define TAG(vtag, pcid) (((u64)(vtag) << 32) | (pcid))
/* VPIDs for the scope tests. Their low 12 bits are 0, so each entry stays in the slot of its
   address (tlb_index mixes the VPID in) and the fixtures never evict one another. */
#define V5 0x1000
#define V6 0x2000

static void fill(la_t la, u64 tag, bool global, u64 page_size)
{
    tlb_insert(&T, la, tag, 0x100000 + (la & 0xfffff000ull), 0, page_size, 0x1ff, global ? TLB_GLOBAL : 0);
}

static void setup(void)
{
    tlb_init(&T);
    fill(0x1000, TAG(0, 1), false, 4096);   /* root, PCID 1 */
    fill(0x2000, TAG(0, 2), false, 4096);   /* root, PCID 2 */
    fill(0x3000, TAG(0, 1), true, 4096);    /* root, global */
    fill(0x4000, TAG(V5, 1), false, 4096);   /* VPID 5, PCID 1 */
    fill(0x5000, TAG(V5, 0), true, 4096);    /* VPID 5, global */
}

static bool has(la_t la, u64 tag)
{
    return tlb_lookup(&T, la, tag) != NULL;
}

START_TEST(lookup_and_globals)
{
    ck_assert(has(0x1000, TAG(0, 1)));
    ck_assert(!has(0x1000, TAG(0, 2)));     /* other PCID */
    ck_assert(has(0x3000, TAG(0, 7)));      /* global: any PCID of the same vtag */
    ck_assert(!has(0x3000, TAG(V5, 1)));     /* but not another VPID */
    ck_assert(!has(0x4000, TAG(0, 1)));
}
END_TEST

START_TEST(flush_scopes)
{
    tlb_flush_pcid(&T, TAG(0, 1), true);    /* MOV CR3 with PCID 1: non-global of PCID 1 */
    ck_assert(!has(0x1000, TAG(0, 1)));
    ck_assert(has(0x2000, TAG(0, 2)) && has(0x3000, TAG(0, 1)) && has(0x4000, TAG(V5, 1)));

    setup();
    tlb_flush_nonglobal(&T, TAG(0, 0));     /* MOV CR3 without PCIDE: all PCIDs, keep globals */
    ck_assert(!has(0x1000, TAG(0, 1)) && !has(0x2000, TAG(0, 2)));
    ck_assert(has(0x3000, TAG(0, 1)) && has(0x4000, TAG(V5, 1)) && has(0x5000, TAG(V5, 3)));

    setup();
    tlb_flush_addr(&T, TAG(0, 2), 0x3000);  /* INVLPG: also the global entry for that address */
    ck_assert(!has(0x3000, TAG(0, 1)));
    ck_assert(has(0x1000, TAG(0, 1)));

    setup();
    tlb_flush_addr_pcid(&T, TAG(0, 1), 0x3000);   /* INVPCID type 0 keeps globals */
    ck_assert(has(0x3000, TAG(0, 1)));

    setup();
    tlb_flush_vtag(&T, TAG(V5, 0));          /* INVVPID single context */
    ck_assert(!has(0x4000, TAG(V5, 1)) && !has(0x5000, TAG(V5, 0)));
    ck_assert(has(0x1000, TAG(0, 1)) && has(0x3000, TAG(0, 1)));

    setup();
    tlb_flush_vtag_nonglobal(&T, TAG(V5, 0));
    ck_assert(!has(0x4000, TAG(V5, 1)) && has(0x5000, TAG(V5, 0)));

    setup();
    tlb_flush_all(&T);
    ck_assert(!has(0x3000, TAG(0, 1)) && !has(0x5000, TAG(V5, 0)));
}
END_TEST

START_TEST(large_page_invlpg_and_pa)
{
    /* Two 4 KiB entries cut from one 2 MiB translation: INVLPG of any address in the large
       page removes both. */
    fill(0x200000, TAG(0, 1), false, 2u << 20);
    fill(0x3ff000, TAG(0, 1), false, 2u << 20);
    tlb_flush_addr(&T, TAG(0, 1), 0x212345);
    ck_assert(!has(0x200000, TAG(0, 1)) && !has(0x3ff000, TAG(0, 1)));
    ck_assert(has(0x1000, TAG(0, 1)));
    /* More large-page fills than the index list holds (in distinct slots): INVLPG falls back
       to the scan. */
#define LARGE_LA(i) (0x40000000 + ((u64)(i) << 21) + ((u64)(i) << 12))
    for (u64 i = 0; i < TLB_LARGE + 8; i++)
        fill(LARGE_LA(i), TAG(0, 1), false, 2u << 20);
    tlb_flush_addr(&T, TAG(0, 1), 0x40000000 + (3ull << 21) + 0x1234);
    ck_assert(!has(LARGE_LA(3), TAG(0, 1)));
    ck_assert(has(LARGE_LA(4), TAG(0, 1)));
    tlb_flush_addr(&T, TAG(0, 1), 0x40000000 + ((TLB_LARGE + 7ull) << 21));
    ck_assert(!has(LARGE_LA(TLB_LARGE + 7), TAG(0, 1)));
    /* In a 1 GiB region without large pages, INVLPG skips them but still drops the 4 KiB
       entry of its own page, with the list overflowed and after it is reset. */
    fill(0x1234000ab000ull, TAG(0, 1), false, 4096);
    tlb_flush_addr(&T, TAG(0, 1), 0x1234000ab000ull);
    ck_assert(!has(0x1234000ab000ull, TAG(0, 1)));
    ck_assert(has(LARGE_LA(5), TAG(0, 1)));
#undef LARGE_LA
    /* flush_pa removes every entry for that physical page. */
    tlb_flush_pa(&T, 0x100000 + 0x2000);
    ck_assert(!has(0x2000, TAG(0, 2)));
    ck_assert(has(0x1000, TAG(0, 1)));
    /* After a flush-all no region holds large pages again. */
    tlb_flush_all(&T);
    fill(0x200000, TAG(0, 1), false, 2u << 20);
    fill(0x5000, TAG(0, 1), false, 4096);
    tlb_flush_addr(&T, TAG(0, 1), 0x5000);
    ck_assert(!has(0x5000, TAG(0, 1)) && has(0x200000, TAG(0, 1)));
    tlb_flush_addr(&T, TAG(0, 1), 0x3fffff);   /* the large page's last byte */
    ck_assert(!has(0x200000, TAG(0, 1)));
}
END_TEST

/* VPID/EPT scopes (SDM 3C §29.4.3): tags are EPT id << 48 | VPID << 32 | PCID. */
#define VT(ept, vpid, pcid) ((u64)(ept) << TLB_EPT_SHIFT | (u64)(vpid) << TLB_VPID_SHIFT | (pcid))

static void setup_virt(void)
{
    tlb_init(&T);
    fill(0x1000, VT(0, 0, 0), false, 4096);   /* root */
    fill(0x2000, VT(0, 0, 0), true, 4096);    /* root, global */
    fill(0x3000, VT(1, 0, 0), false, 4096);   /* EPT 1 without VPID */
    fill(0x4000, VT(1, V5, 1), false, 4096);   /* EPT 1, VPID 5, PCID 1 */
    fill(0x5000, VT(1, V5, 0), true, 4096);    /* EPT 1, VPID 5, global */
    fill(0x6000, VT(2, V5, 0), false, 4096);   /* EPT 2, VPID 5 */
    fill(0x7000, VT(0, V6, 0), false, 4096);   /* VPID 6 without EPT */
    fill(0x8000, VT(2, V6, 0), true, 4096);    /* EPT 2, VPID 6, global */
}

START_TEST(vpid_ept_scopes)
{
    /* VM entry/exit without VPID: VPID 0's entries (root and EPT-without-VPID) go. */
    setup_virt();
    tlb_flush_match(&T, TLB_VPID_MASK, 0, false);
    ck_assert(!has(0x1000, VT(0, 0, 0)) && !has(0x2000, VT(0, 0, 0)) && !has(0x3000, VT(1, 0, 0)));
    ck_assert(has(0x4000, VT(1, V5, 1)) && has(0x7000, VT(0, V6, 0)) && has(0x8000, VT(2, V6, 0)));
    /* INVVPID single context: VPID 5 under every EPTP, globals too. */
    setup_virt();
    tlb_flush_match(&T, TLB_VPID_MASK, (u64)V5 << TLB_VPID_SHIFT, false);
    ck_assert(!has(0x4000, VT(1, V5, 1)) && !has(0x5000, VT(1, V5, 0)) && !has(0x6000, VT(2, V5, 0)));
    ck_assert(has(0x1000, VT(0, 0, 0)) && has(0x3000, VT(1, 0, 0)) && has(0x7000, VT(0, V6, 0)));
    /* INVVPID single context retaining globals. */
    setup_virt();
    tlb_flush_match(&T, TLB_VPID_MASK, (u64)V5 << TLB_VPID_SHIFT, true);
    ck_assert(!has(0x4000, VT(1, V5, 1)) && !has(0x6000, VT(2, V5, 0)));
    ck_assert(has(0x5000, VT(1, V5, 3)) && has(0x8000, VT(2, V6, 0)));
    /* INVVPID all contexts: every VPID but 0. */
    setup_virt();
    tlb_flush_nonzero(&T, TLB_VPID_MASK);
    ck_assert(!has(0x4000, VT(1, V5, 1)) && !has(0x7000, VT(0, V6, 0)) && !has(0x8000, VT(2, V6, 0)));
    ck_assert(has(0x1000, VT(0, 0, 0)) && has(0x2000, VT(0, 0, 0)) && has(0x3000, VT(1, 0, 0)));
    /* INVVPID individual address: that address for VPID 5, any PCID/EPTP, globals included. */
    setup_virt();
    fill(0x4000 + 0x100000, VT(2, V5, 2), false, 4096);   /* another slot, same VPID */
    tlb_flush_addr_match(&T, TLB_VPID_MASK, (u64)V5 << TLB_VPID_SHIFT, 0x5000);
    ck_assert(!has(0x5000, VT(1, V5, 0)));
    ck_assert(has(0x4000, VT(1, V5, 1)) && has(0x104000, VT(2, V5, 2)));
    tlb_flush_addr_match(&T, TLB_VPID_MASK, (u64)V6 << TLB_VPID_SHIFT, 0x4000);
    ck_assert(has(0x4000, VT(1, V5, 1)));                  /* another VPID's address stays */
    /* INVEPT single context: EPT 1 under every VPID. */
    setup_virt();
    tlb_flush_match(&T, TLB_EPT_MASK, 1ull << TLB_EPT_SHIFT, false);
    ck_assert(!has(0x3000, VT(1, 0, 0)) && !has(0x4000, VT(1, V5, 1)) && !has(0x5000, VT(1, V5, 0)));
    ck_assert(has(0x6000, VT(2, V5, 0)) && has(0x7000, VT(0, V6, 0)) && has(0x1000, VT(0, 0, 0)));
    /* INVEPT all contexts: every EPT-derived entry, none of root's or VPID-only ones. */
    setup_virt();
    tlb_flush_nonzero(&T, TLB_EPT_MASK);
    ck_assert(!has(0x3000, VT(1, 0, 0)) && !has(0x6000, VT(2, V5, 0)) && !has(0x8000, VT(2, V6, 0)));
    ck_assert(has(0x1000, VT(0, 0, 0)) && has(0x2000, VT(0, 0, 0)) && has(0x7000, VT(0, V6, 0)));
    /* A root-tagged global never answers a guest lookup. */
    ck_assert(!has(0x2000, VT(0, V6, 0)) && !has(0x2000, VT(1, 0, 0)));
}
END_TEST

/* Root's and a guest's entries for one address live in different slots (the VPID moves the
 * slot); each side's INVLPG removes only its own (SDM 3C §29.4.3.1: the current VPID). */
START_TEST(root_and_guest_share_an_address)
{
    tlb_init(&T);
    fill(0x9000, VT(0, 0, 0), false, 4096);
    fill(0x9000, VT(1, 5, 0), false, 4096);
    ck_assert(has(0x9000, VT(0, 0, 0)) && has(0x9000, VT(1, 5, 0)));
    tlb_flush_addr(&T, VT(1, 5, 0), 0x9000);              /* guest INVLPG */
    ck_assert(has(0x9000, VT(0, 0, 0)) && !has(0x9000, VT(1, 5, 0)));
    fill(0x9000, VT(1, 5, 0), false, 4096);
    tlb_flush_addr(&T, VT(0, 0, 0), 0x9000);              /* root INVLPG */
    ck_assert(!has(0x9000, VT(0, 0, 0)) && has(0x9000, VT(1, 5, 0)));
    /* The same with a large page in the TLB (the scanning path). */
    fill(0x9000, VT(0, 0, 0), false, 4096);
    fill(0x400000, VT(0, 0, 0), false, 2u << 20);
    tlb_flush_addr(&T, VT(1, 5, 0), 0x9000);
    ck_assert(has(0x9000, VT(0, 0, 0)) && !has(0x9000, VT(1, 5, 0)));
}
END_TEST

/* MOV CR3, INVLPG and INVPCID in non-root operation cover the current VPID under every EPTP
 * identity, and no other VPID (SDM 3C §29.4.3.1: "for combined mappings, all EP4TAs"). */
START_TEST(guest_invalidations_cover_all_ep4tas)
{
    setup_virt();
    tlb_flush_nonglobal(&T, VT(1, V5, 0));                /* MOV CR3, PCIDE = 0, under EPT 1 */
    ck_assert(!has(0x4000, VT(1, V5, 1)) && !has(0x6000, VT(2, V5, 0)));   /* EPT 1 and 2 */
    ck_assert(has(0x5000, VT(1, V5, 0)) && has(0x7000, VT(0, V6, 0)) && has(0x1000, VT(0, 0, 0)));
    setup_virt();
    tlb_flush_pcid(&T, VT(2, V5, 1), true);               /* MOV CR3 with PCID 1 under EPT 2 */
    ck_assert(!has(0x4000, VT(1, V5, 1)) && has(0x6000, VT(2, V5, 0)));
    setup_virt();
    tlb_flush_addr(&T, VT(2, V5, 1), 0x4000);             /* INVLPG under EPT 2 */
    ck_assert(!has(0x4000, VT(1, V5, 1)));
    setup_virt();
    tlb_flush_addr(&T, VT(2, V5, 0), 0x5000);             /* INVLPG reaches the global entry */
    ck_assert(!has(0x5000, VT(1, V5, 0)));
    setup_virt();
    tlb_flush_addr_pcid(&T, VT(2, V5, 1), 0x5000);        /* INVPCID type 0 does not */
    ck_assert(has(0x5000, VT(1, V5, 0)));
    setup_virt();
    tlb_flush_vtag(&T, VT(2, V6, 0));                     /* INVPCID type 2 in VPID 6 */
    ck_assert(!has(0x7000, VT(0, V6, 0)) && !has(0x8000, VT(2, V6, 0)));
    ck_assert(has(0x4000, VT(1, V5, 1)) && has(0x1000, VT(0, 0, 0)));
}
END_TEST

/* Decoded code in a page is not a TLB event: the translation stays, only direct writes go. */
START_TEST(protect_pa_keeps_translation)
{
    tlb_init(&T);
    fill(0x9000, VT(0, 0, 0), false, 4096);
    fill(0xa000, VT(1, V5, 0), false, 4096);
    struct tlb_entry *e = tlb_lookup(&T, 0x9000, VT(0, 0, 0));
    e->fast = 0x1ff;
    u64 gen = T.gen;
    tlb_protect_pa(&T, 0x100000 + 0x9000);
    e = tlb_lookup(&T, 0x9000, VT(0, 0, 0));
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->fast & (PAGING_PERM_BIT(PAGING_WRITE, PAGING_USER) | PAGING_PERM_BIT(PAGING_WRITE, PAGING_SUP_SMAP) |
                                 PAGING_PERM_BIT(PAGING_WRITE, PAGING_SUP_AC)), 0);
    ck_assert(e->fast & PAGING_PERM_BIT(PAGING_READ, PAGING_USER));
    ck_assert(T.gen != gen);                              /* cached translations re-checked */
    ck_assert(has(0xa000, VT(1, V5, 0)));
}
END_TEST

START_TEST(flush_all_after_few_and_many_fills)
{
    /* Few fills since the last flush-all: only they are touched, and all of them go. */
    tlb_flush_all(&T);
    for (la_t la = 0x10000; la < 0x10000 + 8 * 0x1000; la += 0x1000)
        fill(la, TAG(0, 0), false, 4096);
    tlb_flush_all(&T);
    for (la_t la = 0x10000; la < 0x10000 + 8 * 0x1000; la += 0x1000)
        ck_assert(!has(la, TAG(0, 0)));
    /* More fills than the list holds: the flush falls back to scanning every entry. */
    for (la_t la = 0; la < (la_t)TLB_ENTRIES * 0x1000; la += 0x1000)
        fill(la, TAG(0, 0), la & 0x1000, 4096);
    ck_assert(has(0x7000, TAG(0, 0)));
    tlb_flush_all(&T);
    for (la_t la = 0; la < (la_t)TLB_ENTRIES * 0x1000; la += 0x1000)
        ck_assert(!has(la, TAG(0, 0)));
    /* A flush of one scope does not reset the list: a later flush-all still catches the rest. */
    fill(0x20000, TAG(0, 1), false, 4096);
    fill(0x21000, TAG(0, 2), false, 4096);
    tlb_flush_pcid(&T, TAG(0, 1), false);
    ck_assert(has(0x21000, TAG(0, 2)));
    tlb_flush_all(&T);
    ck_assert(!has(0x21000, TAG(0, 2)));
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("tlb");
    TCase *tc = tcase_create("scopes");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, lookup_and_globals);
    tcase_add_test(tc, flush_scopes);
    tcase_add_test(tc, large_page_invlpg_and_pa);
    tcase_add_test(tc, vpid_ept_scopes);
    tcase_add_test(tc, flush_all_after_few_and_many_fills);
    tcase_add_test(tc, root_and_guest_share_an_address);
    tcase_add_test(tc, guest_invalidations_cover_all_ep4tas);
    tcase_add_test(tc, protect_pa_keeps_translation);
    suite_add_tcase(s, tc);
    return s;
}
