/* Unit tests for the TLB modes (-cpu ...,tlb=normal|strict|flush) on a bare CPU: what VM entry
 * and VM exit keep with and without VPID (vmx/vpid.c, SDM 3C §29.4.3.1-2), what a paging-
 * control change flushes (cpu_tlb_flush_paging_ctl) and what tlb=flush adds
 * (cpu_tlb_invalidating), with the per-cause counters of -stats. */
#include <check.h>

#include "tests/unit/cpu_harness.h"
#include "vmx/vmx.h"

static struct harness H;

#define ROOT 0ull
#define G1 (1ull << TLB_EPT_SHIFT | 1ull << TLB_VPID_SHIFT)   /* VPID 1 under EPTP identity 1 */
#define G2 (2ull << TLB_VPID_SHIFT)                           /* VPID 2, no EPT */
#define G0 (1ull << TLB_EPT_SHIFT)                            /* a guest without VPID */

static void fill(la_t la, u64 tag)
{
    tlb_insert(&H.cpu.tlb, la, tag, 0x200000, 0, 4096, 0x1ff, 0);
}

static bool has(la_t la, u64 tag)
{
    return tlb_lookup(&H.cpu.tlb, la, tag) != NULL;
}

/* Root, VPID 1, VPID 2 and a VPID-less guest each hold one entry, in distinct slots. */
static void fill_all(void)
{
    fill(0x10000, ROOT);
    fill(0x21000, G1);
    fill(0x32000, G2);
    fill(0x43000, G0);
}

static void setup_mode(enum tlb_mode mode)
{
    harness_init(&H, "intel");
    harness_long_mode(&H);
    H.cpu.tlb.mode = mode;
    struct vmcs *v = &H.cpu.vmx->vmcs;
    v->proc_controls |= PROC_SECONDARY;
    v->proc2_controls = PROC2_EPT | PROC2_VPID;
    v->vpid = 1;
}

static void teardown(void) { harness_destroy(&H); }

/* A VM entry into the tag `vtag` whose guest state differs from root's by CR0 ^ cr0_flip, and
 * a VM exit whose host state differs from the guest's by the same: the entry/exit paths record
 * the controls before their state loads and call vmx_tlb_enter/exit after them. */
static void enter_flip(u64 vtag, u64 cr0_flip)
{
    struct vmx_tlb_ctl root;
    vmx_tlb_controls(&H.cpu, &root);
    H.cpu.cr0 ^= cr0_flip;
    H.cpu.vmx_nonroot = true;
    H.cpu.tlb_tag = vtag;
    vmx_tlb_enter(&H.cpu, &root);
}

static void leave_flip(u64 cr0_flip)
{
    struct vmx_tlb_ctl guest;
    vmx_tlb_controls(&H.cpu, &guest);
    u64 vtag = H.cpu.tlb_tag;
    H.cpu.cr0 ^= cr0_flip;
    H.cpu.vmx_nonroot = false;
    H.cpu.tlb_tag = 0;
    vmx_tlb_exit(&H.cpu, vtag, &guest);
}

static void enter(u64 vtag) { enter_flip(vtag, 0); }
static void leave(void) { leave_flip(0); }

/* VPID on: after the first entry with a tag (whose entries are of unknown origin) both sides'
 * entries survive entry and exit, in normal and strict mode alike. */
static void vpid_keeps(enum tlb_mode mode)
{
    setup_mode(mode);
    enter(G1);
    leave();
    fill_all();
    enter(G1);
    ck_assert(has(0x10000, ROOT) && has(0x21000, G1) && has(0x32000, G2));
    leave();
    ck_assert(has(0x10000, ROOT) && has(0x21000, G1) && has(0x32000, G2));
    ck_assert_uint_eq(H.cpu.tlb.by_cause[TLB_CAUSE_VMEXIT], 0);
    ck_assert_uint_eq(H.cpu.tlb.by_cause[TLB_CAUSE_VMENTRY], 1);   /* the first entry only */
    teardown();
}

START_TEST(vpid_entries_survive_normal) { vpid_keeps(TLB_MODE_NORMAL); }
END_TEST
START_TEST(vpid_entries_survive_strict) { vpid_keeps(TLB_MODE_STRICT); }
END_TEST

/* Entries hold permissions computed with the paging controls: a guest entered under other
   controls (here CR0.WP) loses its entries, root keeps its own; and the reverse at exit. */
START_TEST(vpid_other_controls_flush_that_side)
{
    setup_mode(TLB_MODE_STRICT);
    enter(G1);
    leave();
    fill_all();
    enter_flip(G1, CR0_WP);    /* the guest now runs with the other CR0.WP */
    ck_assert(!has(0x21000, G1));
    ck_assert(has(0x10000, ROOT) && has(0x32000, G2));
    fill(0x21000, G1);
    leave_flip(CR0_WP);        /* host CR0 as root's at entry: root's entries stay */
    ck_assert(has(0x10000, ROOT) && has(0x21000, G1));
    enter_flip(G1, CR0_WP);    /* same guest controls as at the last exit: kept */
    ck_assert(has(0x21000, G1));
    leave_flip(0);             /* host comes back with the guest's CR0.WP: not root's */
    ck_assert(!has(0x10000, ROOT) && has(0x21000, G1));
    teardown();
}
END_TEST

/* VPID off: entry and exit invalidate VPID 0000H's mappings (root's and the VPID-less
   guest's). strict keeps the other VPIDs' entries; normal may drop everything. */
START_TEST(no_vpid_flushes_vpid0_strict)
{
    setup_mode(TLB_MODE_STRICT);
    H.cpu.vmx->vmcs.proc2_controls = PROC2_EPT;
    fill_all();
    enter(G0);
    ck_assert(!has(0x10000, ROOT) && !has(0x43000, G0));
    ck_assert(has(0x21000, G1) && has(0x32000, G2));
    fill(0x10000, ROOT);
    fill(0x43000, G0);
    leave();
    ck_assert(!has(0x10000, ROOT) && !has(0x43000, G0));
    ck_assert(has(0x21000, G1) && has(0x32000, G2));
    ck_assert_uint_eq(H.cpu.tlb.by_cause[TLB_CAUSE_VMENTRY], 1);
    ck_assert_uint_eq(H.cpu.tlb.by_cause[TLB_CAUSE_VMEXIT], 1);
    teardown();
}
END_TEST

START_TEST(no_vpid_flushes_vpid0_normal)
{
    setup_mode(TLB_MODE_NORMAL);
    H.cpu.vmx->vmcs.vpid = 0;
    H.cpu.vmx->vmcs.proc2_controls = PROC2_EPT | PROC2_VPID;   /* VPID 0: as if disabled */
    fill_all();
    enter(G0);
    ck_assert(!has(0x10000, ROOT) && !has(0x43000, G0));
    fill(0x10000, ROOT);
    leave();
    ck_assert(!has(0x10000, ROOT));
    teardown();
}
END_TEST

/* tlb=flush: every entry and exit flushes everything, VPID or not. */
START_TEST(flush_mode_flushes_every_transition)
{
    setup_mode(TLB_MODE_FLUSH);
    fill_all();
    enter(G1);
    ck_assert(!has(0x10000, ROOT) && !has(0x21000, G1) && !has(0x32000, G2));
    fill_all();
    leave();
    ck_assert(!has(0x10000, ROOT) && !has(0x21000, G1) && !has(0x32000, G2));
    ck_assert_uint_eq(H.cpu.tlb.by_cause[TLB_CAUSE_VMENTRY], 1);
    ck_assert_uint_eq(H.cpu.tlb.by_cause[TLB_CAUSE_VMEXIT], 1);
    /* Invalidating instructions flush everything too; other modes leave it to the caller. */
    fill_all();
    ck_assert(cpu_tlb_invalidating(&H.cpu, TLB_CAUSE_INVLPG));
    ck_assert(!has(0x21000, G1) && !has(0x10000, ROOT));
    ck_assert_uint_eq(H.cpu.tlb.by_cause[TLB_CAUSE_INVLPG], 1);
    teardown();
    setup_mode(TLB_MODE_STRICT);
    fill_all();
    ck_assert(!cpu_tlb_invalidating(&H.cpu, TLB_CAUSE_CR3));
    ck_assert(has(0x10000, ROOT) && has(0x21000, G1));
    ck_assert_uint_eq(H.cpu.tlb.by_cause[TLB_CAUSE_CR3], 1);
    teardown();
}
END_TEST

/* A paging-control change (MOV CR0/CR4, EFER, WRPKRU): strict flushes the current VPID only
   (root's here, or the guest's in non-root, all its EPTP identities); normal flushes all. */
START_TEST(paging_ctl_scope)
{
    setup_mode(TLB_MODE_STRICT);
    fill_all();
    H.cpu.tlb_tag = ROOT;
    cpu_tlb_flush_paging_ctl(&H.cpu);
    ck_assert(!has(0x10000, ROOT) && !has(0x43000, G0));   /* both VPID 0000H */
    ck_assert(has(0x21000, G1) && has(0x32000, G2));
    fill(0x14000, 3ull << TLB_EPT_SHIFT | 1ull << TLB_VPID_SHIFT);   /* VPID 1, EPTP identity 3 */
    H.cpu.tlb_tag = G1;
    cpu_tlb_flush_paging_ctl(&H.cpu);
    ck_assert(!has(0x21000, G1) && !has(0x14000, 3ull << TLB_EPT_SHIFT | 1ull << TLB_VPID_SHIFT));
    ck_assert(has(0x32000, G2));
    ck_assert_uint_eq(H.cpu.tlb.by_cause[TLB_CAUSE_PAGING_CTL], 2);
    teardown();
    setup_mode(TLB_MODE_NORMAL);
    fill_all();
    cpu_tlb_flush_paging_ctl(&H.cpu);
    ck_assert(!has(0x21000, G1) && !has(0x32000, G2) && !has(0x10000, ROOT));
    teardown();
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("tlb_modes");
    TCase *tc = tcase_create("modes");
    tcase_add_test(tc, vpid_entries_survive_normal);
    tcase_add_test(tc, vpid_entries_survive_strict);
    tcase_add_test(tc, vpid_other_controls_flush_that_side);
    tcase_add_test(tc, no_vpid_flushes_vpid0_strict);
    tcase_add_test(tc, no_vpid_flushes_vpid0_normal);
    tcase_add_test(tc, flush_mode_flushes_every_transition);
    tcase_add_test(tc, paging_ctl_scope);
    suite_add_tcase(s, tc);
    return s;
}
