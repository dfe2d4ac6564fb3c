/* tests/guest/paging_seq.c — rights applied at use: CR0.WP, RFLAGS.AC, the CPL, PKRU and
 * CR4.SMEP decide each access through a translation the TLB may already hold (SDM 3A
 * §4.10.2.2: a TLB entry caches the combined R/W, U/S, XD and the protection key, not these
 * controls). Each sequence installs one mapping, then runs its steps with no invalidation in
 * between; every step is checked against pg_expect like any other case. */
#include "paging_env.h"

struct step {
    bool wp, smap, smep, pke;
    uint32_t pkru;
    unsigned cpl;
    bool ac;
    enum pg_acc acc;
};

struct seq {
    const char *what;
    uint64_t upper, leaf;   /* entry flags above the leaf, and of the leaf */
    bool needs_smap, needs_smep, needs_pku;
    struct step s[8];
    unsigned n;
};

#define U_RO (PTE_P | PTE_U)
#define U_RW (PTE_P | PTE_U | PTE_W)
#define S_RW (PTE_P | PTE_W)
#define AD3 (1u << 6)   /* PKRU.AD of key 3 */
#define WD3 (1u << 7)

static const struct seq seqs[] = {
    {"CR0.WP toggled: supervisor writes to a read-only user page", U_RW, U_RO, false, false, false,
     {{.wp = 0, .acc = ACC_WRITE}, {.wp = 1, .acc = ACC_WRITE}, {.wp = 0, .acc = ACC_WRITE},
      {.wp = 1, .acc = ACC_READ}, {.wp = 1, .acc = ACC_WRITE}}, 5},
    {"STAC/CLAC: supervisor reads and writes of a user page under SMAP", U_RW, U_RW, true, false, false,
     {{.wp = 1, .smap = 1, .acc = ACC_READ}, {.wp = 1, .smap = 1, .ac = 1, .acc = ACC_READ},
      {.wp = 1, .smap = 1, .acc = ACC_READ}, {.wp = 1, .smap = 1, .ac = 1, .acc = ACC_WRITE},
      {.wp = 1, .smap = 1, .acc = ACC_WRITE}, {.wp = 1, .smap = 1, .ac = 1, .acc = ACC_IMPLICIT}}, 6},
    {"CPL 3 then CPL 0 through one translation of a user page under SMAP", U_RW, U_RW, true, false, false,
     {{.wp = 1, .smap = 1, .cpl = 3, .acc = ACC_READ}, {.wp = 1, .smap = 1, .acc = ACC_READ},
      {.wp = 1, .smap = 1, .cpl = 3, .acc = ACC_WRITE}, {.wp = 1, .smap = 1, .acc = ACC_WRITE},
      {.wp = 1, .smap = 1, .ac = 1, .acc = ACC_WRITE}, {.wp = 1, .smap = 1, .cpl = 3, .acc = ACC_FETCH}}, 6},
    {"CPL 0 then CPL 3 through one translation of a supervisor page", U_RW, S_RW, false, false, false,
     {{.wp = 1, .acc = ACC_READ}, {.wp = 1, .cpl = 3, .acc = ACC_READ}, {.wp = 1, .acc = ACC_FETCH},
      {.wp = 1, .cpl = 3, .acc = ACC_FETCH}, {.wp = 1, .acc = ACC_WRITE}, {.wp = 1, .cpl = 3, .acc = ACC_WRITE},
      {.wp = 1, .cpl = 3, .acc = ACC_IMPLICIT}}, 7},
    {"CR4.SMEP toggled: supervisor fetches from a user page", U_RW, U_RW, false, true, false,
     {{.wp = 1, .acc = ACC_FETCH}, {.wp = 1, .smep = 1, .acc = ACC_FETCH}, {.wp = 1, .acc = ACC_FETCH}}, 3},
    {"WRPKRU between accesses to a user page with key 3", U_RW, U_RW | PTE_PKEY(3), false, false, true,
     {{.wp = 1, .pke = 1, .cpl = 3, .acc = ACC_WRITE}, {.wp = 1, .pke = 1, .pkru = AD3, .cpl = 3, .acc = ACC_READ},
      {.wp = 1, .pke = 1, .pkru = AD3, .acc = ACC_READ}, {.wp = 1, .pke = 1, .pkru = WD3, .cpl = 3, .acc = ACC_READ},
      {.wp = 1, .pke = 1, .pkru = WD3, .cpl = 3, .acc = ACC_WRITE}, {.wp = 0, .pke = 1, .pkru = WD3, .acc = ACC_WRITE},
      {.wp = 1, .pke = 1, .pkru = WD3, .acc = ACC_WRITE}, {.wp = 1, .pke = 1, .pkru = AD3, .cpl = 3, .acc = ACC_FETCH}},
     8},
};

void pg_run_seq(void)
{
    struct pg_group g = {.name = "rights applied at use: WP, AC, CPL, SMEP, PKRU changed between accesses"};
    unsigned skipped = 0;
    for (unsigned l = LEAF_4K; l <= LEAF_2M; l++)
        for (unsigned i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
            const struct seq *q = &seqs[i];
            if ((q->needs_smap && !pg_env.smap) || (q->needs_smep && !pg_env.smep) || (q->needs_pku && !pg_env.pku)) {
                skipped++;
                continue;
            }
            struct pg_case c = {(enum pg_leaf)l, {q->upper, q->upper, q->upper, q->upper}, 0, false, ACC_READ};
            unsigned n = pg_levels(c.leaf);
            c.ent[n - 1] = q->leaf;
            struct pg_ctl k = {pg_env.nx, true, false, false, false, 0};
            pg_set_ctl(&k);
            uint64_t la = pg_install(&c);
            for (unsigned j = 0; j < q->n; j++) {
                const struct step *s = &q->s[j];
                k = (struct pg_ctl){pg_env.nx, s->wp, s->smep, s->smap, s->pke, s->pkru};
                pg_set_ctl(&k);
                pg_current_flags(&c);   /* what the earlier steps left: A/D */
                pg_reset_data();
                c.cpl = s->cpl;
                c.ac = s->ac;
                c.acc = s->acc;
                struct pg_outcome o;
                pg_access(&c, la, &o);
                unsigned before = g.mismatches;
                pg_check(&g, &c, &k, &o);
                if (g.mismatches != before && g.mismatches <= 3)
                    guest_printf("    in sequence \"%s\" (%s pages), step %u\n", q->what, pg_leaf_name[l], j + 1);
            }
        }
    struct pg_ctl k = {pg_env.nx, true, false, false, false, 0};
    pg_set_ctl(&k);
    pg_report(&g);
    if (skipped)
        report_skip("rights applied at use: %u sequence runs (sequence x page size) need SMEP, SMAP or PKU, which this CPU lacks", skipped);
}
