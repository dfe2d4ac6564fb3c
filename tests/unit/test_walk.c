/* Unit tests for mmu/paging.c over a fake physical memory: 4-level and 32-bit walks, large
 * pages, the permission matrix (U/S, R/W, NX, WP, SMEP, SMAP), PKU, reserved bits, #PF error
 * codes, and A/D updates only on success. */
#include <check.h>
#include <string.h>

#include "mmu/paging.h"
#include "tests/unit/fake_ram.h"

static u8 mem[1 << 20];

static struct fake_ram ram = {mem, sizeof mem};

static u64 get64(pa_t pa) { u64 v; memcpy(&v, mem + pa, 8); return v; }
static void set64(pa_t pa, u64 v) { memcpy(mem + pa, &v, 8); }

/* 4-level: la 0x400000 -> PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 -> page 0x80000.
 * `leaf` and `upper` flags are applied to the PTE and to every upper level respectively. */
static struct paging_ctx ctx4(u64 leaf, u64 upper)
{
    memset(mem, 0, sizeof mem);
    set64(0x1000, 0x2000 | upper);
    set64(0x2000, 0x3000 | upper);
    set64(0x3000 + 8 * 2, 0x4000 | upper);
    set64(0x4000, 0x80000 | leaf);
    struct paging_ctx c = {.mode = PAGING_4LVL, .cr3 = 0x1000, .nxe = true, .maxphyaddr = 39,
                           .opaque = &ram, .read = fake_ram_read, .cmpxchg = fake_ram_cmpxchg};
    return c;
}

START_TEST(basic_translation_and_ad)
{
    struct paging_ctx c = ctx4(7, 7);
    struct paging_result r;
    ck_assert_int_eq(paging_walk(&c, 0x400123, PAGING_READ, PAGING_SUP_SMAP, &r), PAGING_OK);
    ck_assert_uint_eq(r.pa, 0x80123);
    ck_assert_uint_eq(r.refs, 4);
    ck_assert_uint_eq(get64(0x4000) & 0x60, 0x20);   /* A set, D clear after a read */
    ck_assert_uint_eq(get64(0x1000) & 0x20, 0x20);
    ck_assert(!(r.perm & PAGING_PERM_BIT(PAGING_WRITE, PAGING_SUP_SMAP)));   /* clean: writes re-walk */
    ck_assert_int_eq(paging_walk(&c, 0x400123, PAGING_WRITE, PAGING_USER, &r), PAGING_OK);
    ck_assert_uint_eq(get64(0x4000) & 0x60, 0x60);
    ck_assert(r.perm & PAGING_PERM_BIT(PAGING_WRITE, PAGING_USER));
}
END_TEST

START_TEST(not_present_and_reserved)
{
    struct paging_ctx c = ctx4(6, 7);   /* PTE not present */
    struct paging_result r;
    ck_assert_int_eq(paging_walk(&c, 0x400000, PAGING_WRITE, PAGING_USER, &r), PAGING_PF);
    ck_assert_uint_eq(r.error_code, PF_W | PF_U);
    ck_assert_uint_eq(get64(0x1000) & 0x20, 0);   /* no A bits on a fault */
    c = ctx4(7 | (1ull << 45), 7);            /* bit 45 >= MAXPHYADDR 39: reserved */
    ck_assert_int_eq(paging_walk(&c, 0x400000, PAGING_READ, PAGING_SUP_SMAP, &r), PAGING_PF);
    ck_assert_uint_eq(r.error_code, PF_P | PF_RSVD);
    c = ctx4(7 | (1ull << 63), 7);
    c.nxe = false;                            /* XD is reserved without EFER.NXE */
    ck_assert_int_eq(paging_walk(&c, 0x400000, PAGING_READ, PAGING_SUP_SMAP, &r), PAGING_PF);
    ck_assert_uint_eq(r.error_code, PF_P | PF_RSVD);
    c = ctx4(7, 7);
    set64(0x1000, get64(0x1000) | 0x80);      /* PS in a PML4E is reserved */
    ck_assert_int_eq(paging_walk(&c, 0x400000, PAGING_READ, PAGING_SUP_SMAP, &r), PAGING_PF);
    ck_assert_uint_eq(r.error_code, PF_P | PF_RSVD);
}
END_TEST

/* Permission matrix: one row per (leaf flags, CR state, access) with the expected result. */
struct perm_case {
    u64 leaf;                 /* P always added */
    bool wp, smep, smap;
    enum paging_kind kind;
    enum paging_priv priv;
    bool ok;
    u32 err;
};

static const struct perm_case perm_cases[] = {
    {0x2, false, false, false, PAGING_WRITE, PAGING_SUP_SMAP, true, 0},           /* RW page */
    {0x0, false, false, false, PAGING_WRITE, PAGING_SUP_SMAP, true, 0},           /* RO, WP=0 */
    {0x0, true, false, false, PAGING_WRITE, PAGING_SUP_SMAP, false, PF_P | PF_W},  /* RO, WP=1 */
    {0x0, false, false, false, PAGING_WRITE, PAGING_USER, false, PF_P | PF_W | PF_U},
    {0x2, false, false, false, PAGING_READ, PAGING_USER, false, PF_P | PF_U},     /* supervisor page */
    {0x6, false, false, false, PAGING_READ, PAGING_USER, true, 0},
    {0x6 | (1ull << 63), false, false, false, PAGING_EXEC, PAGING_USER, false, PF_P | PF_U | PF_I},
    {0x6, false, true, false, PAGING_EXEC, PAGING_SUP_SMAP, false, PF_P | PF_I},   /* SMEP */
    {0x6, false, false, false, PAGING_EXEC, PAGING_SUP_SMAP, true, 0},
    {0x6, false, false, true, PAGING_READ, PAGING_SUP_SMAP, false, PF_P},          /* SMAP, AC=0 */
    {0x6, false, false, true, PAGING_READ, PAGING_SUP_AC, true, 0},                /* SMAP, AC=1 */
    {0x6, false, false, true, PAGING_EXEC, PAGING_SUP_SMAP, true, 0},              /* SMAP: data only */
};

START_TEST(permission_matrix)
{
    const struct perm_case *pc = &perm_cases[_i];
    struct paging_ctx c = ctx4(1 | pc->leaf | 0x40, 7);   /* D preset so writes are not special */
    c.wp = pc->wp;
    c.smep = pc->smep;
    c.smap = pc->smap;
    struct paging_result r;
    enum paging_status st = paging_walk(&c, 0x400000, pc->kind, pc->priv, &r);
    ck_assert_int_eq(st, pc->ok ? PAGING_OK : PAGING_PF);
    if (!pc->ok)
        ck_assert_uint_eq(r.error_code, pc->err);
}
END_TEST

START_TEST(pku)
{
    struct paging_ctx c = ctx4(7 | 0x40 | (3ull << 59), 7);   /* user page, key 3 */
    c.pke = true;
    c.pkru = 1u << 7;   /* key 3: WD */
    struct paging_result r;
    ck_assert_int_eq(paging_walk(&c, 0x400000, PAGING_READ, PAGING_USER, &r), PAGING_OK);
    ck_assert_int_eq(paging_walk(&c, 0x400000, PAGING_WRITE, PAGING_USER, &r), PAGING_PF);
    ck_assert_uint_eq(r.error_code, PF_P | PF_W | PF_U | PF_PK);
    c.pkru = 1u << 6;   /* key 3: AD */
    ck_assert_int_eq(paging_walk(&c, 0x400000, PAGING_READ, PAGING_USER, &r), PAGING_PF);
    ck_assert_uint_eq(r.error_code, PF_P | PF_U | PF_PK);
    ck_assert_int_eq(paging_walk(&c, 0x400000, PAGING_EXEC, PAGING_USER, &r), PAGING_OK);   /* fetches ignore PKU */
    /* A read-only page: the write is denied by R/W and by the key; PK reports the key's part
       (kvm-unit-tests access: "pte.user pkru.ad pkey=1 user write" expects 27H). */
    struct paging_ctx ro = ctx4(5 | 0x40 | (3ull << 59), 7);
    ro.pke = true;
    ro.pkru = 1u << 6;   /* key 3: AD */
    ck_assert_int_eq(paging_walk(&ro, 0x400000, PAGING_WRITE, PAGING_USER, &r), PAGING_PF);
    ck_assert_uint_eq(r.error_code, PF_P | PF_W | PF_U | PF_PK);
    ro.pkru = 0;         /* no key restriction: R/W alone, no PK */
    ck_assert_int_eq(paging_walk(&ro, 0x400000, PAGING_WRITE, PAGING_USER, &r), PAGING_PF);
    ck_assert_uint_eq(r.error_code, PF_P | PF_W | PF_U);
}
END_TEST

START_TEST(large_pages_and_32bit)
{
    struct paging_ctx c = ctx4(7, 7);
    set64(0x3000 + 8 * 2, 0x200000 | 0x87);   /* 2 MiB page at PD[2] */
    struct paging_result r;
    ck_assert_int_eq(paging_walk(&c, 0x4abcde, PAGING_READ, PAGING_SUP_SMAP, &r), PAGING_OK);
    ck_assert_uint_eq(r.pa, 0x2abcde);
    ck_assert_uint_eq(r.page_size, 2u << 20);
    set64(0x3000 + 8 * 2, 0x202000 | 0x87);   /* bit 13: reserved in a 2 MiB PDE (bit 12 is PAT) */
    ck_assert_int_eq(paging_walk(&c, 0x4abcde, PAGING_READ, PAGING_SUP_SMAP, &r), PAGING_PF);
    ck_assert_uint_eq(r.error_code, PF_P | PF_RSVD);
    /* 32-bit paging with a 4 MiB page (PSE) */
    memset(mem, 0, sizeof mem);
    u32 pde = 0x00c00087;
    memcpy(mem + 0x1000 + 4 * 1, &pde, 4);   /* la 0x400000 -> 0xc00000 */
    struct paging_ctx c32 = {.mode = PAGING_32, .cr3 = 0x1000, .pse = true, .maxphyaddr = 36,
                             .opaque = &ram, .read = fake_ram_read, .cmpxchg = fake_ram_cmpxchg};
    ck_assert_int_eq(paging_walk(&c32, 0x412345, PAGING_READ, PAGING_USER, &r), PAGING_OK);
    ck_assert_uint_eq(r.pa, 0xc12345);
    ck_assert_uint_eq(r.page_size, 4u << 20);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("walk");
    TCase *tc = tcase_create("paging");
    tcase_add_test(tc, basic_translation_and_ad);
    tcase_add_test(tc, not_present_and_reserved);
    tcase_add_loop_test(tc, permission_matrix, 0, sizeof(perm_cases) / sizeof(perm_cases[0]));
    tcase_add_test(tc, pku);
    tcase_add_test(tc, large_pages_and_32bit);
    suite_add_tcase(s, tc);
    return s;
}
