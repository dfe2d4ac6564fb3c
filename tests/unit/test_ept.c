/* Unit tests for mmu/ept.c over a fake physical memory: the permission matrix and violation
 * qualifications (SDM 3C Table 28-7), every misconfiguration (§28.3.3.1), execute-only,
 * 2 MiB / 1 GiB pages, 5-level walks, EPT A/D flags (§28.3.5) and EPTP validation. */
#include <check.h>
#include <string.h>

#include "mmu/ept.h"
#include "tests/unit/fake_ram.h"

static u8 mem[1 << 20];

static struct fake_ram ram = {mem, sizeof mem};

static u64 get64(pa_t pa) { u64 v; memcpy(&v, mem + pa, 8); return v; }
static void set64(pa_t pa, u64 v) { memcpy(mem + pa, &v, 8); }

#define WB_LEAF (6ull << 3)
#define EPTE_IPAT_T (1ull << 6)
#define EPTE_PS_T (1ull << 7)
#define EPTP4 (0x1000 | EPTP_MEMTYPE_WB | 3ull << EPTP_WALK_SHIFT)

/* gpa 0x400123: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 (index 2) -> PT 0x4000 -> 0x80000. */
static struct ept_ctx ctx4(u64 leaf, u64 upper)
{
    memset(mem, 0, sizeof mem);
    set64(0x1000, 0x2000 | upper);
    set64(0x2000, 0x3000 | upper);
    set64(0x3000 + 8 * 2, 0x4000 | upper);
    set64(0x4000, 0x80000 | leaf);
    struct ept_ctx c = {.eptp = EPTP4, .maxphyaddr = 39, .exec_only = true, .page_1g = true,
                        .opaque = &ram, .read = fake_ram_read, .cmpxchg = fake_ram_cmpxchg};
    return c;
}

START_TEST(basic_translation)
{
    struct ept_ctx c = ctx4(7 | WB_LEAF, 7);
    struct ept_result r;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_OK);
    ck_assert_uint_eq(r.pa, 0x80123);
    ck_assert_uint_eq(r.page_size, 4096);
    ck_assert_uint_eq(r.perm, 7);
    ck_assert_uint_eq(r.memtype, 6);
    ck_assert_uint_eq(r.refs, 4);
    ck_assert_uint_eq(get64(0x4000) & 0x300, 0);   /* A/D disabled: no flag written */
}
END_TEST

/* leaf permissions, upper permissions, access -> violation? and the qualification. */
static const struct perm_case {
    u64 leaf, upper;
    unsigned access;
    bool violation;
    u64 qual;
} perm_cases[] = {
    {EPT_R, 7, EPT_R, false, 0},
    {EPT_R, 7, EPT_W, true, EPT_QUAL_WRITE | EPT_QUAL_READABLE},
    {EPT_R, 7, EPT_X, true, EPT_QUAL_FETCH | EPT_QUAL_READABLE},
    {EPT_R | EPT_W, 7, EPT_W, false, 0},
    {EPT_R | EPT_W, 7, EPT_X, true, EPT_QUAL_FETCH | EPT_QUAL_READABLE | EPT_QUAL_WRITABLE},
    {EPT_R | EPT_X, 7, EPT_W, true, EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_EXECUTABLE},
    {EPT_X, 7, EPT_X, false, 0},                                       /* execute-only */
    {EPT_X, 7, EPT_R, true, EPT_QUAL_READ | EPT_QUAL_EXECUTABLE},
    {EPT_X, 7, EPT_R | EPT_W, true, EPT_QUAL_READ | EPT_QUAL_WRITE | EPT_QUAL_EXECUTABLE},
    {7, EPT_R, EPT_W, true, EPT_QUAL_WRITE | EPT_QUAL_READABLE},          /* upper levels AND in */
    {7, EPT_R | EPT_X, EPT_X, false, 0},
    {7, EPT_R | EPT_W, EPT_X, true, EPT_QUAL_FETCH | EPT_QUAL_READABLE | EPT_QUAL_WRITABLE},
    {0, 7, EPT_R, true, EPT_QUAL_READ},                                 /* leaf not present */
    {0, 7, EPT_W, true, EPT_QUAL_WRITE},
    {0, 7, EPT_X, true, EPT_QUAL_FETCH},
    {7, 0, EPT_R, true, EPT_QUAL_READ},                                 /* PML4E not present */
    {7, 7, EPT_R | EPT_W, false, 0},
};

/* One case: the walk's status and, for a violation, its qualification. */
static void check_perm_case(const struct perm_case *pc, bool mbec, int i)
{
    struct ept_ctx c = ctx4(pc->leaf | (pc->leaf ? WB_LEAF : 0), pc->upper);
    c.mbec = mbec;
    struct ept_result r;
    enum ept_status st = ept_walk(&c, 0x400123, pc->access, &r);
    ck_assert_msg(st == (pc->violation ? EPT_VIOLATION : EPT_OK), "case %d: status %d", i, st);
    if (pc->violation)
        ck_assert_msg(r.qual == pc->qual, "case %d: qual %#llx want %#llx", i,
                      (unsigned long long)r.qual, (unsigned long long)pc->qual);
}

START_TEST(permission_matrix)
{
    check_perm_case(&perm_cases[_i], false, _i);
}
END_TEST

/* Mode-based execute control (SDM 3C §28.3.2, §28.3.3.2, Table 28-7): entry bit 10 (XU) governs
 * fetches from user-mode linear addresses, bit 2 (XS) supervisor-mode ones; bit 6 of the
 * qualification is the AND of bit 10. Entry values with XU written as bit 10. */
#define XU10 (1ull << 10)
static const struct perm_case mbec_cases[] = {
    {EPT_R | EPT_X, 7 | XU10, EPT_X, false, 0},                                   /* XS, supervisor */
    {EPT_R | EPT_X, 7 | XU10, EPT_X | EPT_UMODE, true,
     EPT_QUAL_FETCH | EPT_QUAL_READABLE | EPT_QUAL_EXECUTABLE},                      /* XS only, user */
    {EPT_R | XU10, 7 | XU10, EPT_X | EPT_UMODE, false, 0},                        /* XU, user */
    {EPT_R | XU10, 7 | XU10, EPT_X, true,
     EPT_QUAL_FETCH | EPT_QUAL_READABLE | EPT_QUAL_USER_EXECUTABLE},                 /* XU only, supervisor */
    {EPT_R | EPT_X | XU10, 7 | XU10, EPT_X | EPT_UMODE, false, 0},
    {EPT_R | EPT_X | XU10, 7 | XU10, EPT_W, true,
     EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_EXECUTABLE | EPT_QUAL_USER_EXECUTABLE},
    {EPT_R | EPT_X | XU10, 7, EPT_X | EPT_UMODE, true,                            /* XU ANDs over levels */
     EPT_QUAL_FETCH | EPT_QUAL_READABLE | EPT_QUAL_EXECUTABLE},
    {XU10, 7 | XU10, EPT_R, true, EPT_QUAL_READ | EPT_QUAL_USER_EXECUTABLE},       /* XU-only is present */
    {XU10, 7 | XU10, EPT_X | EPT_UMODE, false, 0},
    {EPT_R | EPT_W | EPT_X, 7 | XU10, EPT_R | EPT_W, false, 0},                   /* data: bit 10 irrelevant */
    {0, 7 | XU10, EPT_X | EPT_UMODE, true, EPT_QUAL_FETCH},                        /* not present */
};

START_TEST(mbec_matrix)
{
    check_perm_case(&mbec_cases[_i], true, _i);
}
END_TEST

START_TEST(mbec_off_ignores_bit10)
{
    /* Without the control bit 10 is ignored: an XU-only entry is not present, XS governs
       every fetch, and qualification bit 6 stays clear. */
    struct ept_ctx c = ctx4(XU10 | WB_LEAF, 7);
    struct ept_result r;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_X | EPT_UMODE, &r), EPT_VIOLATION);
    ck_assert_uint_eq(r.qual, EPT_QUAL_FETCH);
    c = ctx4(EPT_R | EPT_X | XU10 | WB_LEAF, 7 | XU10);
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_X | EPT_UMODE, &r), EPT_OK);
    ck_assert_uint_eq(r.perm, EPT_R | EPT_X);
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_VIOLATION);
    ck_assert_uint_eq(r.qual, EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_EXECUTABLE);
}
END_TEST

START_TEST(mbec_execute_only_misconfig)
{
    /* XU-only (and XS+XU without read) needs execute-only support (§28.3.3.1). */
    struct ept_ctx c = ctx4(XU10 | WB_LEAF, 7 | XU10);
    c.mbec = true;
    c.exec_only = false;
    struct ept_result r;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_X | EPT_UMODE, &r), EPT_MISCONFIG);
    c = ctx4(EPT_X | XU10 | WB_LEAF, 7 | XU10);
    c.mbec = true;
    c.exec_only = false;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_X, &r), EPT_MISCONFIG);
    c.exec_only = true;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_X, &r), EPT_OK);
    ck_assert_uint_eq(r.perm, EPT_X | EPT_XU);
    /* Write without read stays a misconfiguration whatever bit 10 says. */
    c = ctx4(EPT_W | XU10 | WB_LEAF, 7 | XU10);
    c.mbec = true;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_MISCONFIG);
}
END_TEST

START_TEST(upper_not_present_qual)
{
    /* PD entry not present: permissions AND to 0 although PML4E/PDPTE are RWX. */
    struct ept_ctx c = ctx4(7 | WB_LEAF, 7);
    set64(0x3000 + 16, 0x4000);
    struct ept_result r;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_VIOLATION);
    ck_assert_uint_eq(r.qual, EPT_QUAL_WRITE);
    ck_assert_uint_eq(r.refs, 3);
}
END_TEST

/* Misconfigurations: a value for one level; (level 1 = PTE, 4 = PML4E). */
static const struct misc_case {
    unsigned level;
    u64 val;            /* OR'ed to the usual entry (its address and for level 1 WB) */
    u64 clear;          /* bits cleared first */
    bool exec_only, page_1g;
    bool misconfig;
} misc_cases[] = {
    {1, 0, 0, true, true, false},                   /* sanity: RWX WB */
    {1, EPT_W, 7, true, true, true},                /* write-only */
    {1, EPT_W | EPT_X, 7, true, true, true},        /* write+execute without read */
    {1, EPT_X, 7, false, true, true},               /* execute-only unsupported */
    {1, EPT_X, 7, true, true, false},
    {1, 1ull << 45, 0, true, true, true},           /* beyond MAXPHYADDR 39 */
    {1, 1ull << 51, 0, true, true, true},
    {1, 1ull << 52, 0, true, true, false},          /* 62:52 ignored */
    {1, 1ull << 63, 0, true, true, false},          /* suppress #VE: ignored here */
    {1, 2ull << 3, 7ull << 3, true, true, true},    /* memory type 2 */
    {1, 3ull << 3, 7ull << 3, true, true, true},    /* memory type 3 */
    {1, 7ull << 3, 7ull << 3, true, true, true},    /* memory type 7 */
    {1, 0ull << 3, 7ull << 3, true, true, false},   /* UC */
    {1, 4ull << 3, 7ull << 3, true, true, false},   /* WT */
    {1, 5ull << 3, 7ull << 3, true, true, false},   /* WP */
    {1, EPTE_IPAT_T, 0, true, true, false},         /* IPAT */
    {1, 1ull << 7, 0, true, true, false},           /* PTE bit 7 ignored */
    {2, 1ull << 3, 0, true, true, true},            /* non-leaf bits 6:3 reserved */
    {2, 1ull << 6, 0, true, true, true},
    {3, 1ull << 5, 0, true, true, true},
    {4, 1ull << 7, 0, true, true, true},            /* PML4E bit 7 reserved */
    {4, 1ull << 3, 0, true, true, true},
    {4, 1ull << 40, 0, true, true, true},
    {2, EPT_W, 7, true, true, true},                /* write-only non-leaf */
    {3, 1ull << 8 | 1ull << 11, 0, true, true, false},  /* A and ignored bits */
};
START_TEST(misconfigurations)
{
    const struct misc_case *mc = &misc_cases[_i];
    struct ept_ctx c = ctx4(7 | WB_LEAF, 7);
    c.exec_only = mc->exec_only;
    c.page_1g = mc->page_1g;
    static const pa_t where[] = {0, 0x4000, 0x3000 + 16, 0x2000, 0x1000};
    pa_t a = where[mc->level];
    set64(a, (get64(a) & ~mc->clear) | mc->val);
    struct ept_result r;
    enum ept_status st = ept_walk(&c, 0x400123, 0, &r);
    ck_assert_msg(st == (mc->misconfig ? EPT_MISCONFIG : EPT_OK), "case %d: status %d", _i, st);
}
END_TEST

START_TEST(misconfig_beats_permission)
{
    /* A read-only upper level and a misconfigured leaf: the walk reports the misconfiguration. */
    struct ept_ctx c = ctx4(EPT_W | WB_LEAF, EPT_R);
    struct ept_result r;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_MISCONFIG);
}
END_TEST

START_TEST(large_pages)
{
    struct ept_ctx c = ctx4(7 | WB_LEAF, 7);
    struct ept_result r;
    /* 2 MiB: PDE index 2 maps 0x400000..0x5fffff to 0x600000. */
    set64(0x3000 + 16, 0x600000 | 7 | WB_LEAF | EPTE_PS_T);
    ck_assert_int_eq(ept_walk(&c, 0x4abcde, EPT_W, &r), EPT_OK);
    ck_assert_uint_eq(r.pa, 0x6abcde);
    ck_assert_uint_eq(r.page_size, 2u << 20);
    ck_assert_uint_eq(r.refs, 3);
    set64(0x3000 + 16, 0x600000 | 7 | WB_LEAF | EPTE_PS_T | 0x1000);   /* bits 20:12 reserved */
    ck_assert_int_eq(ept_walk(&c, 0x4abcde, EPT_R, &r), EPT_MISCONFIG);
    set64(0x3000 + 16, 0x600000 | 7 | (2ull << 3) | EPTE_PS_T);       /* memory type 2 */
    ck_assert_int_eq(ept_walk(&c, 0x4abcde, EPT_R, &r), EPT_MISCONFIG);
    /* 1 GiB: PDPTE 0 maps 0..1 GiB to 0x40000000. */
    set64(0x2000, 0x40000000 | 5 | WB_LEAF | EPTE_PS_T);
    ck_assert_int_eq(ept_walk(&c, 0x12345678, EPT_X, &r), EPT_OK);
    ck_assert_uint_eq(r.pa, 0x52345678);
    ck_assert_uint_eq(r.page_size, 1u << 30);
    ck_assert_uint_eq(r.perm, 5);
    ck_assert_int_eq(ept_walk(&c, 0x12345678, EPT_W, &r), EPT_VIOLATION);
    ck_assert_uint_eq(r.qual, EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_EXECUTABLE);
    set64(0x2000, 0x40000000 | 5 | WB_LEAF | EPTE_PS_T | 0x200000);     /* bits 29:12 reserved */
    ck_assert_int_eq(ept_walk(&c, 0x12345678, EPT_X, &r), EPT_MISCONFIG);
    set64(0x2000, 0x40000000 | 5 | WB_LEAF | EPTE_PS_T);
    c.page_1g = false;                                                 /* unsupported: bit 7 reserved */
    ck_assert_int_eq(ept_walk(&c, 0x12345678, EPT_X, &r), EPT_MISCONFIG);
}
END_TEST

START_TEST(five_level)
{
    struct ept_ctx c = ctx4(7 | WB_LEAF, 7);
    /* PML5 at 0x5000, index 1 (gpa bit 48) -> the 4-level PML4 at 0x1000. */
    set64(0x5000 + 8, 0x1000 | 7);
    c.eptp = 0x5000 | EPTP_MEMTYPE_WB | 4ull << EPTP_WALK_SHIFT;
    struct ept_result r;
    ck_assert_int_eq(ept_walk(&c, (1ull << 48) | 0x400123, EPT_R, &r), EPT_OK);
    ck_assert_uint_eq(r.pa, 0x80123);
    ck_assert_uint_eq(r.refs, 5);
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_VIOLATION);   /* PML5E 0 absent */
    set64(0x5000 + 8, 0x1000 | 7 | EPTE_PS_T);
    ck_assert_int_eq(ept_walk(&c, (1ull << 48) | 0x400123, EPT_R, &r), EPT_MISCONFIG);
}
END_TEST

START_TEST(accessed_dirty)
{
    struct ept_ctx c = ctx4(7 | WB_LEAF, 7);
    c.eptp |= EPTP_AD;
    struct ept_result r;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_OK);
    ck_assert_uint_eq(get64(0x1000) & 0x300, 0x100);
    ck_assert_uint_eq(get64(0x3010) & 0x300, 0x100);
    ck_assert_uint_eq(get64(0x4000) & 0x300, 0x100);   /* A, not D, after a read */
    ck_assert_uint_eq(r.perm, EPT_R | EPT_X);            /* clean: writes must re-walk */
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_OK);
    ck_assert_uint_eq(get64(0x4000) & 0x300, 0x300);
    ck_assert_uint_eq(get64(0x1000) & 0x200, 0);         /* D only in the leaf */
    ck_assert_uint_eq(r.perm, 7);
    /* A guest paging-structure access is a write with A/D enabled: it sets D ... */
    c = ctx4(7 | WB_LEAF, 7);
    c.eptp |= EPTP_AD;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R | EPT_W, &r), EPT_OK);
    ck_assert_uint_eq(get64(0x4000) & 0x300, 0x300);
    /* ... and faults on a read-only page with bits 0 and 1 of the qualification. */
    c = ctx4(EPT_R | WB_LEAF, 7);
    c.eptp |= EPTP_AD;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R | EPT_W, &r), EPT_VIOLATION);
    ck_assert_uint_eq(r.qual, EPT_QUAL_READ | EPT_QUAL_WRITE | EPT_QUAL_READABLE);
    ck_assert_uint_eq(get64(0x1000) & 0x300, 0);         /* a violation sets no flag */
    /* 2 MiB leaf gets D. */
    c = ctx4(7 | WB_LEAF, 7);
    c.eptp |= EPTP_AD;
    set64(0x3010, 0x600000 | 7 | WB_LEAF | EPTE_PS_T);
    ck_assert_int_eq(ept_walk(&c, 0x400000, EPT_W, &r), EPT_OK);
    ck_assert_uint_eq(get64(0x3010) & 0x300, 0x300);
}
END_TEST

START_TEST(pml_events)
{
    /* dirtied: set only by the walk that turns the mapping entry's D from 0 to 1. */
    struct ept_ctx c = ctx4(7 | WB_LEAF, 7);
    c.eptp |= EPTP_AD;
    struct ept_result r;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_OK);
    ck_assert(!r.dirtied);
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_OK);
    ck_assert(r.dirtied);
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_OK);
    ck_assert(!r.dirtied);
    /* Log full: nothing to update is fine, any A or D update stops the walk untouched. */
    c.pml_full = true;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_OK);
    set64(0x4000, get64(0x4000) & ~0x200ull);                  /* clean leaf */
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_OK);  /* a read needs no flag */
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_PML_FULL);
    ck_assert_uint_eq(get64(0x4000) & 0x300, 0x100);
    set64(0x1000, get64(0x1000) & ~0x100ull);                  /* PML4E not accessed */
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_PML_FULL);
    ck_assert_uint_eq(get64(0x1000) & 0x100, 0);
    /* Without EPTP A/D no flag is ever set: no PML event either. */
    c.eptp &= ~EPTP_AD;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_OK);
    ck_assert(!r.dirtied);
    /* A 2 MiB leaf is the mapping entry too. */
    c = ctx4(7 | WB_LEAF, 7);
    c.eptp |= EPTP_AD;
    set64(0x3010, 0x600000 | 7 | WB_LEAF | EPTE_PS_T);
    ck_assert_int_eq(ept_walk(&c, 0x400000, EPT_R | EPT_W, &r), EPT_OK);
    ck_assert(r.dirtied);
}
END_TEST

START_TEST(suppress_ve_bit)
{
    /* Bit 63 of the entry that decided the violation: the not-present one, else the leaf. */
    struct ept_ctx c = ctx4(EPT_R | WB_LEAF | 1ull << 63, 7);
    struct ept_result r;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_VIOLATION);
    ck_assert(r.suppress_ve);
    set64(0x4000, 0x80000 | EPT_R | WB_LEAF);
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_VIOLATION);
    ck_assert(!r.suppress_ve);
    set64(0x3010, 1ull << 63);                       /* PDE not present, suppress set */
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_VIOLATION);
    ck_assert(r.suppress_ve);
    set64(0x3010, 0x4000 | 1ull << 63 | 7);          /* a non-leaf's bit 63 does not count */
    set64(0x4000, 0x80000 | EPT_R | WB_LEAF);
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_W, &r), EPT_VIOLATION);
    ck_assert(!r.suppress_ve);
}
END_TEST

START_TEST(hostile_tables)
{
    /* Tables pointing outside memory end the walk with EPT_EXT from the callback, never a crash;
       a self-referencing PML4 resolves to itself. */
    struct ept_ctx c = ctx4(7 | WB_LEAF, 7);
    set64(0x4000, 0x7f00000000ull | 7 | WB_LEAF);
    struct ept_result r;
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_OK);
    ck_assert_uint_eq(r.pa, 0x7f00000123ull);
    set64(0x3010, 0x7f00000000ull | 7);
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_EXT);
    c.eptp = 0x1000 | EPTP_MEMTYPE_WB | 6ull << EPTP_WALK_SHIFT;   /* bogus walk length */
    ck_assert_int_eq(ept_walk(&c, 0x400123, EPT_R, &r), EPT_MISCONFIG);
}
END_TEST

START_TEST(eptp_validation)
{
    u64 cap = EPT_CAP_WALK4 | EPT_CAP_UC | EPT_CAP_WB | EPT_CAP_AD;
    ck_assert(ept_eptp_valid(0x1000 | 6 | 3 << 3, cap, 39));
    ck_assert(ept_eptp_valid(0x1000 | 0 | 3 << 3, cap, 39));
    ck_assert(ept_eptp_valid(0x1000 | 6 | 3 << 3 | EPTP_AD, cap, 39));
    ck_assert(!ept_eptp_valid(0x1000 | 6 | 3 << 3 | EPTP_AD, cap & ~EPT_CAP_AD, 39));
    for (u64 mt = 1; mt < 8; mt++)
        if (mt != 6)
            ck_assert(!ept_eptp_valid(0x1000 | mt | 3 << 3, cap, 39));
    ck_assert(!ept_eptp_valid(0x1000 | 0 | 3 << 3, cap & ~EPT_CAP_UC, 39));
    ck_assert(!ept_eptp_valid(0x1000 | 6 | 3 << 3, cap & ~EPT_CAP_WB, 39));
    for (u64 w = 0; w < 8; w++)
        if (w != 3)
            ck_assert(!ept_eptp_valid(0x1000 | 6 | w << 3, cap, 39));
    ck_assert(ept_eptp_valid(0x1000 | 6 | 4 << 3, cap | EPT_CAP_WALK5, 39));
    ck_assert(!ept_eptp_valid(0x1000 | 6 | 3 << 3, cap & ~EPT_CAP_WALK4, 39));
    ck_assert(!ept_eptp_valid(0x1000 | 6 | 3 << 3 | 1 << 7, cap, 39));    /* shadow stacks */
    for (unsigned b = 8; b < 12; b++)
        ck_assert(!ept_eptp_valid(0x1000 | 6 | 3 << 3 | 1ull << b, cap, 39));
    ck_assert(!ept_eptp_valid(1ull << 39 | 6 | 3 << 3, cap, 39));
    ck_assert(ept_eptp_valid(1ull << 38 | 6 | 3 << 3, cap, 39));
    ck_assert(!ept_eptp_valid(1ull << 63 | 6 | 3 << 3, cap, 39));
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("ept");
    TCase *tc = tcase_create("ept");
    tcase_add_test(tc, basic_translation);
    tcase_add_loop_test(tc, permission_matrix, 0, ARRAY_SIZE(perm_cases));
    tcase_add_loop_test(tc, mbec_matrix, 0, ARRAY_SIZE(mbec_cases));
    tcase_add_test(tc, mbec_off_ignores_bit10);
    tcase_add_test(tc, mbec_execute_only_misconfig);
    tcase_add_test(tc, upper_not_present_qual);
    tcase_add_loop_test(tc, misconfigurations, 0, ARRAY_SIZE(misc_cases));
    tcase_add_test(tc, misconfig_beats_permission);
    tcase_add_test(tc, large_pages);
    tcase_add_test(tc, five_level);
    tcase_add_test(tc, accessed_dirty);
    tcase_add_test(tc, pml_events);
    tcase_add_test(tc, suppress_ve_bit);
    tcase_add_test(tc, hostile_tables);
    tcase_add_test(tc, eptp_validation);
    suite_add_tcase(s, tc);
    return s;
}
