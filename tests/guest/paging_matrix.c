/* tests/guest/paging_matrix.c — the permission matrix, reserved bits and A/D flags of
 * 4-level paging (SDM 3A §4.5-§4.8), each group a loop over its combinations checked case by
 * case against pg_expect (paging.c). */
#include "paging_env.h"

/* The accessors a group runs: CPL 0 with AC 0, CPL 0 with AC 1 (only where SMAP exists),
 * CPL 3; each with every access kind. */
struct who { unsigned cpl; bool ac; };
static unsigned whos(struct who *w, bool with_ac)
{
    unsigned n = 0;
    w[n++] = (struct who){0, false};
    if (with_ac && pg_env.smap)
        w[n++] = (struct who){0, true};
    w[n++] = (struct who){3, false};
    return n;
}

/* Whether c is run at all: PUSH at CPL 3 only, and an access that reads before it writes
 * only where the read is allowed (the read would decide; which of read and write faults
 * first, and with which W/R bit, is open). */
static bool kind_runs(const struct pg_case *c, const struct pg_ctl *k)
{
    if (c->acc == ACC_PUSH && c->cpl != 3)
        return false;
    if (!pg_acc_reads_first(c->acc))
        return true;
    struct pg_case r = *c;
    r.acc = c->acc == ACC_RMW ? ACC_READ : ACC_IMPLICIT;
    return !pg_expect(&r, k).fault;
}

/* Run c with every accessor and the access kinds below `kinds` under k. */
static void run_accesses(struct pg_group *g, struct pg_case *c, const struct pg_ctl *k, bool with_ac, unsigned kinds)
{
    struct who w[3];
    unsigned nw = whos(w, with_ac);
    struct pg_outcome o;
    for (unsigned i = 0; i < nw; i++)
        for (unsigned a = 0; a < kinds; a++) {
            c->cpl = w[i].cpl;
            c->ac = w[i].ac;
            c->acc = (enum pg_acc)a;
            if (!kind_runs(c, k))
                continue;
            pg_run(c, &o);
            pg_check(g, c, k, &o);
        }
}

/* Every accessor and every access kind. */
static void run_all_access(struct pg_group *g, struct pg_case *c, const struct pg_ctl *k, bool with_ac)
{
    run_accesses(g, c, k, with_ac, ACC_N);
}

/* Entry flags of level i from per-level masks of U/S, R/W and XD. */
static uint64_t ent_of(unsigned i, unsigned us, unsigned rw, unsigned xd)
{
    return PTE_P | ((us >> i) & 1 ? PTE_U : 0) | ((rw >> i) & 1 ? PTE_W : 0) | ((xd >> i) & 1 ? PTE_XD : 0);
}

/* Every U/S x R/W x XD pattern over the levels of each leaf size (8^levels), every accessor
 * and access kind but read-modify-write and PUSH (matrix_controls has those), with EFER.NXE
 * = 1 and CR0.WP = 1, first without SMEP/SMAP, then with both (and CPL 0 with AC = 1 too). */
static void matrix_levels(enum pg_leaf leaf, bool smep_smap)
{
    unsigned n = pg_levels(leaf), full = 1u << n;
    struct pg_group g = {.name = smep_smap ? "matrix: U/S x R/W x XD at each level, SMEP+SMAP"
                                           : "matrix: U/S x R/W x XD at each level",
                         .tag = pg_leaf_name[leaf]};
    struct pg_ctl k = {pg_env.nx, true, smep_smap, smep_smap, false, 0};
    pg_set_ctl(&k);
    for (unsigned us = 0; us < full; us++)
        for (unsigned rw = 0; rw < full; rw++)
            for (unsigned xd = 0; xd < full; xd++) {
                struct pg_case c = {leaf, {0}, 0, false, ACC_READ};
                for (unsigned i = 0; i < n; i++)
                    c.ent[i] = ent_of(i, us, rw, xd);
                run_accesses(&g, &c, &k, smep_smap, ACC_RMW);   /* RMW and PUSH: matrix_controls */
            }
    pg_report(&g);
}

/* Every combination of EFER.NXE, CR0.WP, CR4.SMEP, CR4.SMAP (those the CPU has) x accessor
 * (CPL 0 with AC 0 and 1, CPL 3) x access kind, over the patterns where each of U/S, R/W and
 * XD is permissive everywhere or restrictive at exactly one level ((levels+1)^3). */
static void matrix_controls(enum pg_leaf leaf)
{
    struct pg_group g = {.name = "matrix: NXE x WP x SMEP x SMAP/AC x CPL x access", .tag = pg_leaf_name[leaf]};
    unsigned n = pg_levels(leaf);
    for (unsigned ctl = 0; ctl < 16; ctl++) {
        struct pg_ctl k = {ctl & 1, (ctl >> 1) & 1, (ctl >> 2) & 1, (ctl >> 3) & 1, false, 0};
        if ((k.nxe && !pg_env.nx) || (k.smep && !pg_env.smep) || (k.smap && !pg_env.smap))
            continue;
        pg_set_ctl(&k);
        /* pattern value p in 0..n: 0 = permissive at every level, p = restrictive at level p-1 */
        for (unsigned pu = 0; pu <= n; pu++)
            for (unsigned pw = 0; pw <= n; pw++)
                for (unsigned px = 0; px <= n; px++) {
                    unsigned all = (1u << n) - 1;
                    unsigned us = pu ? all & ~(1u << (pu - 1)) : all;
                    unsigned rw = pw ? all & ~(1u << (pw - 1)) : all;
                    unsigned xd = px ? 1u << (px - 1) : 0;
                    struct pg_case c = {leaf, {0}, 0, false, ACC_READ};
                    for (unsigned i = 0; i < n; i++)
                        c.ent[i] = ent_of(i, us, rw, xd);
                    run_all_access(&g, &c, &k, true);
                }
    }
    pg_report(&g);
}

/* Every control combination and accessor again, each access made through a translation a
 * supervisor read has just cached (no invalidation in between): the TLB's cached rights and
 * the direct-access paths that use them must give what a fresh walk gives. 4 KiB pages; U/S
 * and R/W permissive or restrictive at one level, XD nowhere or in the PTE. */
static void matrix_cached(void)
{
    struct pg_group g = {.name = "matrix through a cached translation: controls x CPL x access",
                         .tag = pg_leaf_name[LEAF_4K]};
    struct who w[3];
    unsigned nw = whos(w, true);
    for (unsigned ctl = 0; ctl < 16; ctl++) {
        struct pg_ctl k = {ctl & 1, (ctl >> 1) & 1, (ctl >> 2) & 1, (ctl >> 3) & 1, false, 0};
        if ((k.nxe && !pg_env.nx) || (k.smep && !pg_env.smep) || (k.smap && !pg_env.smap))
            continue;
        pg_set_ctl(&k);
        for (unsigned pu = 0; pu <= 4; pu++)
            for (unsigned pw = 0; pw <= 4; pw++)
                for (unsigned px = 0; px <= 4; px += 4) {
                    struct pg_case pat = {LEAF_4K, {0}, 0, false, ACC_READ};
                    for (unsigned i = 0; i < 4; i++)
                        pat.ent[i] = ent_of(i, pu ? 15 & ~(1u << (pu - 1)) : 15, pw ? 15 & ~(1u << (pw - 1)) : 15,
                                            px ? 1u << (px - 1) : 0);
                    for (unsigned i = 0; i < nw; i++)
                        for (unsigned a = 0; a < ACC_N; a++) {
                            struct pg_case c = pat;
                            c.cpl = w[i].cpl;
                            c.ac = w[i].ac;
                            c.acc = (enum pg_acc)a;
                            if (!kind_runs(&c, &k))
                                continue;
                            uint64_t la = pg_install(&c);
                            pg_prime(la);
                            pg_current_flags(&c);
                            struct pg_outcome o;
                            pg_access(&c, la, &o);
                            pg_check(&g, &c, &k, &o);
                        }
                }
    }
    pg_report(&g);
}

void pg_run_matrix(void)
{
    for (unsigned l = LEAF_4K; l <= LEAF_1G; l++) {
        if (l == LEAF_1G && !pg_env.gb1) {
            report_skip("matrix with 1 GiB pages: CPUID.80000001H:EDX.Page1GB = 0");
            continue;
        }
        matrix_levels((enum pg_leaf)l, false);
        if (pg_env.smep && pg_env.smap)
            matrix_levels((enum pg_leaf)l, true);
        matrix_controls((enum pg_leaf)l);
    }
    matrix_cached();
}

/* Reserved bits and not-present entries at every level: a physical-address bit at MAXPHYADDR
 * and bit 51, XD with EFER.NXE = 0, PS in the PML4E, bits 20:13 of a 2 MiB PDE and 29:13 of a
 * 1 GiB PDPTE (each alone), PS in a PDPTE without 1 GiB pages, P = 0 at each level also with a reserved bit below it (the walk
 * stops first), and the ignored bits (11:9 and, with CR4.PKE = 0, 62:52) set everywhere with
 * the leaf's PAT bit (a write must still land in the page).
 * Every accessor (CPL 0, CPL 3) and access kind. */
void pg_run_reserved(void)
{
    struct pg_group g = {.name = "reserved bits and not-present entries at every level"};
    const uint64_t base = PTE_P | PTE_U | PTE_W;
    for (unsigned l = LEAF_4K; l <= LEAF_1G; l++) {
        enum pg_leaf leaf = (enum pg_leaf)l;
        unsigned n = pg_levels(leaf);
        if (l == LEAF_1G && !pg_env.gb1) {
            /* PS in a PDPTE is reserved without 1 GiB pages (Table 4-16). */
            struct pg_ctl k = {pg_env.nx, true, false, false, false, 0};
            pg_set_ctl(&k);
            struct pg_case c = {leaf, {base, base}, 0, false, ACC_READ};
            run_all_access(&g, &c, &k, false);
            continue;
        }
        for (unsigned lv = 0; lv < n; lv++) {
            uint64_t bits[40];
            unsigned nb = 0;
            if (pg_env.maxphy < 52) {
                bits[nb++] = 1ull << pg_env.maxphy;
                bits[nb++] = 1ull << 51;
            }
            bits[nb++] = PTE_XD;   /* run with NXE = 0 below */
            if (lv == 0)
                bits[nb++] = PTE_PS;
            if (lv == n - 1 && leaf == LEAF_2M)
                for (unsigned b = 13; b <= 20; b++)
                    bits[nb++] = 1ull << b;
            if (lv == n - 1 && leaf == LEAF_1G)
                for (unsigned b = 13; b <= 29; b++)
                    bits[nb++] = 1ull << b;
            bits[nb++] = 0;        /* P = 0 at lv (and a reserved bit at lv + 1) */
            for (unsigned b = 0; b < nb; b++) {
                struct pg_ctl k = {bits[b] != PTE_XD && pg_env.nx, true, false, false, false, 0};
                pg_set_ctl(&k);
                struct pg_case c = {leaf, {base, base, base, base}, 0, false, ACC_READ};
                if (bits[b])
                    c.ent[lv] |= bits[b];
                else {
                    c.ent[lv] &= ~PTE_P;
                    if (lv + 1 < n)
                        c.ent[lv + 1] |= 1ull << 51 | PTE_XD;
                }
                run_all_access(&g, &c, &k, false);
            }
        }
        struct pg_ctl k = {pg_env.nx, true, false, false, false, 0};
        pg_set_ctl(&k);
        struct pg_case c = {leaf, {0}, 0, false, ACC_READ};
        for (unsigned i = 0; i < n; i++)
            c.ent[i] = base | 0xe00 | 0x7ffull << 52 | (i < n - 1 ? PTE_PKEY(15) : 0);
        /* PAT (bit 7 of a PTE, bit 12 of a large leaf) is neither reserved nor address. */
        c.ent[n - 1] |= leaf == LEAF_4K ? PTE_PS : 1ull << 12;
        run_all_access(&g, &c, &k, false);
    }
    pg_report(&g);
}

/* A/D flags (SDM 3A §4.8) beyond what every case checks: walks starting from each
 * combination of A already set per level and D already set in the leaf; a read that leaves
 * the leaf clean followed by a write through the same (cached) translation without any
 * invalidation, which must still set D; a supervisor write to a read-only page with
 * CR0.WP = 0, which sets D too. */
void pg_run_ad(void)
{
    struct pg_group g = {.name = "A/D flags from every starting state"};
    struct pg_ctl k = {pg_env.nx, true, false, false, false, 0};
    pg_set_ctl(&k);
    for (unsigned l = LEAF_4K; l <= LEAF_1G; l++) {
        if (l == LEAF_1G && !pg_env.gb1)
            continue;
        unsigned n = pg_levels((enum pg_leaf)l);
        for (unsigned am = 0; am < (1u << n); am++)
            for (unsigned d = 0; d < 2; d++) {
                struct pg_case c = {(enum pg_leaf)l, {0}, 0, false, ACC_READ};
                for (unsigned i = 0; i < n; i++)
                    c.ent[i] = PTE_P | PTE_U | PTE_W | ((am >> i) & 1 ? PTE_A : 0) | (i == n - 1 && d ? PTE_D : 0);
                run_all_access(&g, &c, &k, false);
            }
    }
    pg_report(&g);

    struct pg_group g2 = {.name = "A/D: a write after a read through the same translation sets D; WP = 0 writes set D"};
    for (unsigned l = LEAF_4K; l <= LEAF_1G; l++) {
        if (l == LEAF_1G && !pg_env.gb1)
            continue;
        for (unsigned cpl = 0; cpl <= 3; cpl += 3) {
            const uint64_t rwu = PTE_P | PTE_U | PTE_W;
            struct pg_case c = {(enum pg_leaf)l, {rwu, rwu, rwu, rwu}, cpl, false, ACC_READ};
            struct pg_outcome o;
            uint64_t la = pg_install(&c);
            pg_access(&c, la, &o);
            pg_check(&g2, &c, &k, &o);
            unsigned leaf = pg_levels(c.leaf) - 1;
            for (unsigned i = 0; i < 4; i++)
                c.ent[i] |= PTE_A;   /* what the read left */
            c.acc = ACC_WRITE;
            pg_access(&c, la, &o);
            pg_check(&g2, &c, &k, &o);
            if (!(o.ent[leaf] & PTE_D))
                pg_fail(&g2, "%s cpl=%u: D clear after the write", pg_leaf_name[l], cpl);
        }
    }
    struct pg_ctl k0 = {pg_env.nx, false, false, false, false, 0};
    pg_set_ctl(&k0);
    for (unsigned l = LEAF_4K; l <= LEAF_1G; l++) {
        if (l == LEAF_1G && !pg_env.gb1)
            continue;
        const uint64_t ro = PTE_P | PTE_U;
        struct pg_case c = {(enum pg_leaf)l, {ro, ro, ro, ro}, 0, false, ACC_WRITE};
        struct pg_outcome o;
        pg_run(&c, &o);
        pg_check(&g2, &c, &k0, &o);
    }
    pg_report(&g2);
}
