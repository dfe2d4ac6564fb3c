/* Exhaustive unit tests of mmu/paging.c against a reference model written here from the SDM
 * (3A §4.3-§4.8), independently of the walker: in 32-bit, PAE, 4-level and 5-level paging and
 * for every page size, every combination of U/S, R/W and XD at every level x CR0.WP, CR4.SMEP,
 * CR4.SMAP, EFER.NXE x user / supervisor (RFLAGS.AC 0 and 1) x read / write / fetch is walked
 * from tables whose A and D flags start clear, and the outcome (fault or not, error code, the
 * physical address, A and D afterwards) is compared with the model's. Then every single bit of
 * every entry is set in turn and the reserved-bit verdict compared with the SDM's tables, a
 * not-present entry at every level, protection keys for every key and PKRU pair, and the PAE
 * PDPTE load. Each test prints the first mismatch it finds in full. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "base/bits.h"
#include "mmu/paging.h"
#include "tests/unit/fake_ram.h"

enum { P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80 };
#define XD (1ull << 63)

static u8 mem[1 << 16];   /* tables at 0x1000, 0x2000, ... (one per level) */

static struct fake_ram ram = {mem, sizeof mem};

/* One layout per (mode, leaf level): the linear address, the levels walked (top first) with
 * where each entry lives, and the physical page the leaf maps. */
struct layout {
    enum paging_mode mode;
    unsigned levels;        /* entries walked: 2 (32-bit 4 KiB, PAE 4 KiB), 1 (PAE 2 MiB)... */
    unsigned page_shift;    /* 12, 21, 22 or 30 */
    unsigned esize;         /* 4 or 8 */
    la_t la;
    pa_t entry[5];          /* address of the entry at each walked level, top first */
    pa_t page;              /* physical address the leaf maps */
};

/* Linear address indices: 5-level 1/2/3/4/5, 4-level 2/3/4/5, PAE 3/4/5, 32-bit 6/7. */
static struct layout layout_make(enum paging_mode mode, unsigned page_shift)
{
    struct layout L = {.mode = mode, .page_shift = page_shift, .esize = mode == PAGING_32 ? 4 : 8};
    unsigned idx[5], n = 0;
    switch (mode) {
    case PAGING_32:
        L.la = 6u << 22 | (page_shift == 12 ? 7u << 12 : 0) | 0x123;
        idx[n++] = 6;
        if (page_shift == 12)
            idx[n++] = 7;
        break;
    case PAGING_PAE:   /* the PDPTE is a register, not walked */
        L.la = 3ull << 30 | 4u << 21 | (page_shift == 12 ? 5u << 12 : 0) | 0x123;
        idx[n++] = 4;
        if (page_shift == 12)
            idx[n++] = 5;
        break;
    default:
        L.la = (mode == PAGING_5LVL ? 1ull << 48 : 0) | 2ull << 39 | 3ull << 30 |
               (page_shift <= 21 ? 4u << 21 : 0) | (page_shift == 12 ? 5u << 12 : 0) | 0x123;
        if (mode == PAGING_5LVL)
            idx[n++] = 1;
        idx[n++] = 2;
        idx[n++] = 3;
        if (page_shift <= 21)
            idx[n++] = 4;
        if (page_shift == 12)
            idx[n++] = 5;
        break;
    }
    L.levels = n;
    for (unsigned i = 0; i < n; i++)
        L.entry[i] = 0x1000 * (i + 1) + (pa_t)idx[i] * L.esize;
    L.page = 0x40000000ull;   /* 1 GiB aligned: fits every page size, beyond the tables */
    return L;
}

/* Write the layout's entries (all other memory stays zero): entry i points at table i + 1;
 * `flags[i]` are its low flags and XD. A PS flag is added to the leaf of a large page. */
static void layout_write(const struct layout *L, const u64 *flags)
{
    for (unsigned i = 0; i < L->levels; i++) {
        bool leaf = i + 1 == L->levels;
        u64 v = (leaf ? L->page : 0x1000 * (i + 2)) | flags[i];
        if (leaf && L->page_shift != 12)
            v |= PS;
        memcpy(mem + L->entry[i], &v, L->esize);
    }
}

static u64 entry_get(const struct layout *L, unsigned i)
{
    u64 v = 0;
    memcpy(&v, mem + L->entry[i], L->esize);
    return v;
}

struct cr {
    bool wp, smep, smap, nxe, pke;
    u32 pkru;
};

static struct paging_ctx ctx_make(const struct layout *L, const struct cr *cr, unsigned maxphy)
{
    struct paging_ctx c = {.mode = L->mode, .cr3 = 0x1000, .wp = cr->wp, .pse = true, .smep = cr->smep,
                           .smap = cr->smap, .pke = cr->pke, .nxe = cr->nxe, .pdpe1gb = true,
                           .pkru = cr->pkru, .maxphyaddr = maxphy, .opaque = &ram,
                           .read = fake_ram_read, .cmpxchg = fake_ram_cmpxchg};
    if (L->mode == PAGING_PAE) {
        c.cr3 = 0x8000;   /* not walked: the PDPTE registers are */
        c.pdpte[3] = 0x1000 | P;
    }
    return c;
}

/* The reference model of SDM 3A §4.6 (access rights) and §4.7 (error code) for a translation
 * whose entries are all present and free of reserved bits. Returns 0 when the access is
 * allowed, else the #PF error code. */
static u32 model_rights(const struct layout *L, const u64 *flags, const struct cr *cr, enum paging_kind kind,
                        enum paging_priv priv, unsigned pkey)
{
    bool user_addr = true, writable = true, exec_disable = false, xd_reserved = false;
    for (unsigned i = 0; i < L->levels; i++) {
        user_addr = user_addr && (flags[i] & US);
        writable = writable && (flags[i] & RW);
        exec_disable = exec_disable || (L->esize == 8 && cr->nxe && (flags[i] & XD));
        xd_reserved = xd_reserved || (L->esize == 8 && !cr->nxe && (flags[i] & XD));
    }
    bool user = priv == PAGING_USER, ok;
    bool write = kind == PAGING_WRITE, fetch = kind == PAGING_EXEC;
    bool pae_or_long = L->mode != PAGING_32;
    u32 access = (write ? PF_W : 0) | (user ? PF_U : 0) | (fetch && (cr->smep || (pae_or_long && cr->nxe)) ? PF_I : 0);
    if (xd_reserved)   /* bit 63 is reserved without EFER.NXE: checked before any right */
        return P | PF_RSVD | access;
    /* Protection keys (§4.6.2): data accesses to user-mode addresses, 4-level/5-level only. */
    bool pk_ad = false, pk_wd = false;
    if (cr->pke && user_addr && !fetch && (L->mode == PAGING_4LVL || L->mode == PAGING_5LVL)) {
        pk_ad = (cr->pkru >> (2 * pkey)) & 1;
        pk_wd = write && ((cr->pkru >> (2 * pkey + 1)) & 1) && (user || cr->wp);
    }
    if (user) {
        ok = user_addr && (!write || writable) && (!fetch || !exec_disable);
    } else if (fetch) {
        ok = !exec_disable && !(user_addr && cr->smep);
    } else {
        bool smap_denies = user_addr && cr->smap && priv == PAGING_SUP_SMAP;
        ok = !smap_denies && (!write || writable || !cr->wp);
    }
    bool pk = pk_ad || pk_wd;
    if (ok && !pk)
        return 0;
    return P | access | (pk ? PF_PK : 0);
}

static const char *const kind_name[] = {"read", "write", "fetch"};
static const char *const priv_name[] = {"user", "sup", "sup+AC"};

/* Walk once and compare with the model; on a mismatch print it and return false. */
static bool check_rights(const struct layout *L, const u64 *flags, const struct cr *cr, enum paging_kind kind,
                         enum paging_priv priv, unsigned maxphy)
{
    layout_write(L, flags);
    struct paging_ctx c = ctx_make(L, cr, maxphy);
    unsigned pkey = L->esize == 8 ? (unsigned)((flags[L->levels - 1] >> 59) & 15) : 0;
    u32 want = model_rights(L, flags, cr, kind, priv, pkey);
    struct paging_result r;
    enum paging_status st = paging_walk(&c, L->la, kind, priv, &r);
    bool good;
    if (want) {
        bool unchanged = true;   /* a fault sets no A or D flag */
        for (unsigned i = 0; i < L->levels; i++)
            unchanged = unchanged && !(entry_get(L, i) & (A | D));
        good = st == PAGING_PF && r.error_code == want && unchanged;
    } else {
        bool ad = true;          /* A at every level, D on the leaf of a write only */
        for (unsigned i = 0; i < L->levels; i++) {
            u64 e = entry_get(L, i);
            bool leaf = i + 1 == L->levels;
            ad = ad && (e & A) && (leaf && kind == PAGING_WRITE ? (e & D) != 0 : !(e & D));
        }
        u64 size = 1ull << L->page_shift;
        good = st == PAGING_OK && r.pa == (L->page | (L->la & (size - 1))) && r.page_size == size &&
               (r.perm & PAGING_PERM_BIT(kind, priv)) && ad;
    }
    if (!good) {
        printf("mode %d page %u: flags", L->mode, 1u << L->page_shift >> 10);
        for (unsigned i = 0; i < L->levels; i++)
            printf(" %#llx", (unsigned long long)flags[i]);
        printf(" wp%d smep%d smap%d nxe%d pke%d pkru %#x, %s %s: status %d error %#x (want %s %#x)\n", cr->wp,
               cr->smep, cr->smap, cr->nxe, cr->pke, cr->pkru, priv_name[priv], kind_name[kind], st,
               r.error_code, want ? "fault" : "ok", want);
    }
    return good;
}

static const struct { enum paging_mode mode; unsigned shift; } shapes[] = {
    {PAGING_32, 12}, {PAGING_32, 22}, {PAGING_PAE, 12}, {PAGING_PAE, 21},
    {PAGING_4LVL, 12}, {PAGING_4LVL, 21}, {PAGING_4LVL, 30},
    {PAGING_5LVL, 12}, {PAGING_5LVL, 21}, {PAGING_5LVL, 30},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

/* Every U/S, R/W, XD combination at every level x WP, SMEP, SMAP, NXE x priv x kind. For the
 * 5-level 4 KiB walk (15 bits) the CR combinations are cut to all-off and all-on. */
START_TEST(rights_every_level)
{
    struct layout L = layout_make(shapes[_i].mode, shapes[_i].shift);
    unsigned per_level = L.esize == 8 ? 3 : 2;
    unsigned nbits = per_level * L.levels;
    unsigned crs = nbits > 12 ? 2 : 16;
    unsigned walks = 0, bad = 0;
    for (u32 combo = 0; combo < (1u << nbits); combo++) {
        u64 flags[5];
        for (unsigned i = 0; i < L.levels; i++) {
            u32 b = combo >> (per_level * i);
            flags[i] = P | (b & 1 ? RW : 0) | (b & 2 ? US : 0) | (per_level == 3 && (b & 4) ? XD : 0);
        }
        for (unsigned k = 0; k < crs; k++) {
            unsigned m = crs == 2 ? (k ? 15 : 0) : k;
            struct cr cr = {.wp = m & 1, .smep = m & 2, .smap = m & 4, .nxe = m & 8};
            for (unsigned priv = PAGING_USER; priv <= PAGING_SUP_AC; priv++)
                for (unsigned kind = PAGING_READ; kind <= PAGING_EXEC; kind++) {
                    if (kind == PAGING_EXEC && priv == PAGING_SUP_AC)
                        continue;   /* fetches are never "explicit with AC" accesses */
                    walks++;
                    if (!check_rights(&L, flags, &cr, kind, priv, 46) && ++bad >= 5)
                        ck_abort_msg("mode %d page shift %u: mismatches (see above)", L.mode, L.page_shift);
                }
        }
    }
    ck_assert_msg(bad == 0, "mode %d page shift %u: %u of %u walks differ from the model", L.mode, L.page_shift, bad, walks);
}
END_TEST

/* SDM 3A Tables 4-4..4-20: the reserved bits of the entry at level i (0 = top) of a layout,
 * given MAXPHYADDR M and EFER.NXE (the PAE PDPTE, a register, is checked by its load). */
static u64 model_reserved(const struct layout *L, unsigned i, unsigned M, bool nxe)
{
    bool leaf = i + 1 == L->levels, large = leaf && L->page_shift != 12;
    if (L->mode == PAGING_32) {
        if (!large)
            return 0;
        unsigned m = M < 40 ? M : 40;   /* a 4 MiB PDE holds address bits m-1:32 in 20:13 */
        return GENMASK(21, m - 19);
    }
    u64 r = L->mode == PAGING_PAE ? GENMASK(62, M) : GENMASK(51, M);
    if (!nxe)
        r |= XD;
    unsigned top = L->mode == PAGING_5LVL ? 2 : 1;   /* PML5E and PML4E: PS is reserved */
    if (L->mode != PAGING_PAE && i < top)
        r |= PS;
    if (large)
        r |= GENMASK(L->page_shift - 1, 13);
    return r;
}

/* Every bit of every entry in turn, from a walk that otherwise succeeds (present, RW, US,
 * a supervisor read): reserved bits give P|RSVD, others a successful walk. Bits that change
 * the walk's structure are left out (P; PS; the next-table address bits of non-leaf entries). */
START_TEST(reserved_bits_every_level)
{
    struct layout L = layout_make(shapes[_i].mode, shapes[_i].shift);
    static const unsigned widths[] = {36, 39, 46, 52};
    unsigned bad = 0, walks = 0;
    for (unsigned w = 0; w < 4; w++)
        for (unsigned nxe = 0; nxe < 2; nxe++)
            for (unsigned i = 0; i < L.levels; i++)
                for (unsigned bit = 1; bit < 8 * L.esize; bit++) {
                    bool leaf = i + 1 == L.levels;
                    unsigned M = widths[w];
                    bool top = L.mode == PAGING_4LVL ? i == 0 : L.mode == PAGING_5LVL && i < 2;
                    if ((bit == 7 && !top) || (!leaf && bit >= 12 && bit < (L.esize == 4 ? 32 : M)))
                        continue;   /* PS is tested where it is reserved: PML4E, PML5E */
                    if (leaf && bit >= L.page_shift && bit < (L.esize == 4 ? 32 : M) && bit != 63)
                        continue;   /* the page address: checked by the rights test */
                    u64 flags[5] = {P | RW | US, P | RW | US, P | RW | US, P | RW | US, P | RW | US};
                    flags[i] |= 1ull << bit;
                    layout_write(&L, flags);
                    struct cr cr = {.nxe = nxe};
                    struct paging_ctx c = ctx_make(&L, &cr, M);
                    struct paging_result r;
                    enum paging_status st = paging_walk(&c, L.la, PAGING_READ, PAGING_SUP_AC, &r);
                    bool rsvd = (model_reserved(&L, i, M, nxe) >> bit) & 1;
                    bool good = rsvd ? st == PAGING_PF && r.error_code == (P | PF_RSVD) : st == PAGING_OK;
                    walks++;
                    if (!good && bad++ < 5)
                        printf("mode %d page shift %u M %u nxe %u: bit %u of level %u: status %d error %#x, "
                               "SDM says %s\n", L.mode, L.page_shift, M, nxe, bit, i, st, r.error_code,
                               rsvd ? "reserved" : "not reserved");
                }
    ck_assert_msg(bad == 0, "mode %d page shift %u: %u of %u single-bit walks differ", L.mode, L.page_shift, bad, walks);
}
END_TEST

/* A not-present entry at each level: error code without P (W, U and I by the access), no A
 * flag set anywhere; a reserved bit below a not-present entry is not looked at, and a reserved
 * bit above a permission problem wins (RSVD is reported, with U and W by the access). */
START_TEST(not_present_and_precedence)
{
    struct layout L = layout_make(shapes[_i].mode, shapes[_i].shift);
    struct cr cr = {.nxe = true, .smep = true};
    for (unsigned i = 0; i < L.levels; i++)
        for (unsigned kind = PAGING_READ; kind <= PAGING_EXEC; kind++)
            for (unsigned priv = PAGING_USER; priv <= PAGING_SUP_SMAP; priv++) {
                u64 flags[5] = {P | RW | US, P | RW | US, P | RW | US, P | RW | US, P | RW | US};
                flags[i] &= ~(u64)P;
                if (i + 1 < L.levels && L.esize == 8)
                    flags[i + 1] |= 1ull << 51;   /* reserved, but never read */
                layout_write(&L, flags);
                struct paging_ctx c = ctx_make(&L, &cr, 46);
                struct paging_result r;
                u32 want = (kind == PAGING_WRITE ? PF_W : 0) | (priv == PAGING_USER ? PF_U : 0) |
                           (kind == PAGING_EXEC ? PF_I : 0);
                ck_assert_int_eq(paging_walk(&c, L.la, kind, priv, &r), PAGING_PF);
                ck_assert_msg(r.error_code == want, "mode %d shift %u level %u %s %s: error %#x, want %#x", L.mode,
                              L.page_shift, i, priv_name[priv], kind_name[kind], r.error_code, want);
                for (unsigned j = 0; j < L.levels; j++)
                    ck_assert_msg(!(entry_get(&L, j) & A), "A set at level %u by a failed walk", j);
            }
    if (L.esize == 8) {   /* reserved bit in the leaf of a supervisor page, user write */
        u64 flags[5] = {P | RW | US, P | RW | US, P | RW | US, P | RW | US, P | RW | US};
        flags[L.levels - 1] = P | (1ull << 51);
        layout_write(&L, flags);
        struct paging_ctx c = ctx_make(&L, &cr, 46);
        struct paging_result r;
        ck_assert_int_eq(paging_walk(&c, L.la, PAGING_WRITE, PAGING_USER, &r), PAGING_PF);
        ck_assert_uint_eq(r.error_code, P | PF_RSVD | PF_W | PF_U);
    }
}
END_TEST

/* Protection keys in 4-level and 5-level paging: every key x every AD/WD pair x CR0.WP x user
 * and supervisor pages x priv x kind, through the same model. */
START_TEST(protection_keys_every_key)
{
    static const enum paging_mode modes[] = {PAGING_4LVL, PAGING_5LVL};
    struct layout L = layout_make(modes[_i], 12);
    unsigned bad = 0;
    for (unsigned key = 0; key < 16; key++)
        for (unsigned adwd = 0; adwd < 4; adwd++)
            for (unsigned m = 0; m < 4; m++)
                for (unsigned priv = PAGING_USER; priv <= PAGING_SUP_AC; priv++)
                    for (unsigned kind = PAGING_READ; kind <= PAGING_EXEC; kind++) {
                        if (kind == PAGING_EXEC && priv == PAGING_SUP_AC)
                            continue;
                        u64 page = P | RW | ((m & 2) ? US : 0) | (u64)key << 59;
                        u64 flags[5] = {P | RW | US, P | RW | US, P | RW | US, P | RW | US, P | RW | US};
                        flags[L.levels - 1] = page;
                        /* the other keys get the opposite AD/WD, so a wrong key shows */
                        u32 pkru = 0;
                        for (unsigned k = 0; k < 16; k++)
                            pkru |= (k == key ? adwd : 3 - adwd) << (2 * k);
                        struct cr cr = {.wp = m & 1, .nxe = true, .pke = true, .pkru = pkru};
                        if (!check_rights(&L, flags, &cr, kind, priv, 46))
                            bad++;
                    }
    ck_assert_msg(bad == 0, "%u protection-key walks differ from the model", bad);
}
END_TEST

/* PAE PDPTE load (SDM 3A §4.4.1): bits 63:M, 8:5 and 2:1 are reserved in a present PDPTE; a
 * not-present PDPTE may hold anything. */
START_TEST(pae_pdpte_load)
{
    u64 pdpte[4];
    memset(mem + 0x1000, 0, 32);   /* the other three PDPTEs: not present */
    for (unsigned M = 36; M <= 52; M += 8)
        for (unsigned bit = 0; bit < 64; bit++)
            for (unsigned present = 0; present < 2; present++) {
                u64 v = (present ? P : 0) | 0x2000 | (1ull << bit);
                memcpy(mem + 0x1000 + 8, &v, 8);
                struct paging_ctx c = {.mode = PAGING_PAE, .maxphyaddr = M, .opaque = &ram,
                                       .read = fake_ram_read, .cmpxchg = fake_ram_cmpxchg};
                bool rsvd = bit >= M || (bit >= 5 && bit <= 8) || bit == 1 || bit == 2;
                bool ok = paging_load_pdptes(&c, 0x1000, pdpte);
                ck_assert_msg(ok == !(present && rsvd && bit != 0), "M %u bit %u present %u: load %s", M, bit,
                              present, ok ? "accepted" : "refused");
            }
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("walk_matrix");
    TCase *tc = tcase_create("matrix");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, rights_every_level, 0, NSHAPES);
    tcase_add_loop_test(tc, reserved_bits_every_level, 0, NSHAPES);
    tcase_add_loop_test(tc, not_present_and_precedence, 0, NSHAPES);
    tcase_add_loop_test(tc, protection_keys_every_key, 0, 2);
    tcase_add_test(tc, pae_pdpte_load);
    suite_add_tcase(s, tc);
    return s;
}
