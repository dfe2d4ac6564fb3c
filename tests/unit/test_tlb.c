/* Unit tests for mmu/tlb.c: lookup by tag, global entries across PCIDs, and that every flush
 * removes exactly its architectural scope (SDM 3A §4.10.4). */
#include <check.h>

#include "mmu/paging.h"
#include "mmu/tlb.h"

static struct tlb T;

#define TAG(vtag, pcid) (((u64)(vtag) << 32) | (pcid))

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
    fill(0x4000, TAG(5, 1), false, 4096);   /* VPID 5, PCID 1 */
    fill(0x5000, TAG(5, 0), true, 4096);    /* VPID 5, global */
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
    ck_assert(!has(0x3000, TAG(5, 1)));     /* but not another VPID */
    ck_assert(!has(0x4000, TAG(0, 1)));
}
END_TEST

START_TEST(flush_scopes)
{
    tlb_flush_pcid(&T, TAG(0, 1), true);    /* MOV CR3 with PCID 1: non-global of PCID 1 */
    ck_assert(!has(0x1000, TAG(0, 1)));
    ck_assert(has(0x2000, TAG(0, 2)) && has(0x3000, TAG(0, 1)) && has(0x4000, TAG(5, 1)));

    setup();
    tlb_flush_nonglobal(&T, TAG(0, 0));     /* MOV CR3 without PCIDE: all PCIDs, keep globals */
    ck_assert(!has(0x1000, TAG(0, 1)) && !has(0x2000, TAG(0, 2)));
    ck_assert(has(0x3000, TAG(0, 1)) && has(0x4000, TAG(5, 1)) && has(0x5000, TAG(5, 3)));

    setup();
    tlb_flush_addr(&T, TAG(0, 2), 0x3000);  /* INVLPG: also the global entry for that address */
    ck_assert(!has(0x3000, TAG(0, 1)));
    ck_assert(has(0x1000, TAG(0, 1)));

    setup();
    tlb_flush_addr_pcid(&T, TAG(0, 1), 0x3000);   /* INVPCID type 0 keeps globals */
    ck_assert(has(0x3000, TAG(0, 1)));

    setup();
    tlb_flush_vtag(&T, TAG(5, 0));          /* INVVPID single context */
    ck_assert(!has(0x4000, TAG(5, 1)) && !has(0x5000, TAG(5, 0)));
    ck_assert(has(0x1000, TAG(0, 1)) && has(0x3000, TAG(0, 1)));

    setup();
    tlb_flush_vtag_nonglobal(&T, TAG(5, 0));
    ck_assert(!has(0x4000, TAG(5, 1)) && has(0x5000, TAG(5, 0)));

    setup();
    tlb_flush_all(&T);
    ck_assert(!has(0x3000, TAG(0, 1)) && !has(0x5000, TAG(5, 0)));
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
    /* flush_pa removes every entry for that physical page. */
    tlb_flush_pa(&T, 0x100000 + 0x2000);
    ck_assert(!has(0x2000, TAG(0, 2)));
    ck_assert(has(0x1000, TAG(0, 1)));
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
    suite_add_tcase(s, tc);
    return s;
}
