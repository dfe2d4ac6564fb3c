/* tests/guest/paging_pku.c — protection keys (SDM 3A §4.6.2; the PK bit of the #PF error
 * code, §4.7), checked case by case against pg_expect. */
#include "paging_env.h"

static uint32_t rdpkru(void)
{
    uint32_t a, d;
    __asm__ volatile("rdpkru" : "=a"(a), "=d"(d) : "c"(0));
    return a;
}

/* Protection keys: for each key, AD and WD of that key (the other keys the opposite, the key
 * of the user-mode code and stack pages open), CR0.WP, CR4.SMAP (a fault for another reason:
 * the PK bit still follows §4.7), a user or a supervisor page, CPL 0 and 3, read / write /
 * fetch, each page size; the leaf's key decides, not the (ignored) bits
 * 62:59 of the entries above it. Then CR4.PKE = 0 with PKRU denying everything. */
void pg_run_pku(void)
{
    if (!pg_env.pku) {
        report_skip("protection keys: CPUID.(EAX=7,ECX=0):ECX.PKU = 0");
        return;
    }
    struct pg_ctl k = {pg_env.nx, true, false, false, true, 0};
    pg_set_ctl(&k);
    bool rd_ok = true;
    for (unsigned i = 0; i < 32; i++) {
        uint32_t v = 0x9e3779b9u * (i + 1);
        pg_wrpkru(v);
        rd_ok &= rdpkru() == v;
    }
    pg_wrpkru(0);
    report(rd_ok, "PKU: RDPKRU returns what WRPKRU wrote (32 values)");

    struct pg_group g = {.name = "PKU: key x AD x WD x WP x SMAP x U/S page x CPL x access"};
    unsigned infra = ~0u;
    for (unsigned l = LEAF_4K; l <= LEAF_1G; l++) {
        if (l == LEAF_1G && !pg_env.gb1)
            continue;
        unsigned n = pg_levels((enum pg_leaf)l);
        for (unsigned key = 0; key < 16; key++) {
            unsigned ik = key == 0 ? 1 : 0;
            if (ik != infra)
                pg_set_user_pkey(infra = ik);
            unsigned decoy = (key + 7) & 15;
            for (unsigned adwd = 0; adwd < 4; adwd++) {
                uint32_t pkru = 0;
                for (unsigned j = 0; j < 16; j++)
                    pkru |= (j == key ? adwd : j == ik ? 0 : 3 - adwd) << (2 * j);
                for (unsigned ctl = 0; ctl < (pg_env.smap ? 4u : 2u); ctl++) {
                    k.wp = ctl & 1;
                    k.smap = ctl >> 1;
                    k.pkru = pkru;
                    pg_set_ctl(&k);
                    for (unsigned upage = 0; upage < 2; upage++)
                        for (unsigned cpl = 0; cpl <= 3; cpl += 3)
                            for (unsigned a = ACC_READ; a <= ACC_FETCH; a++) {
                                struct pg_case c = {(enum pg_leaf)l, {0}, cpl, false, (enum pg_acc)a};
                                for (unsigned i = 0; i < n; i++)
                                    c.ent[i] = PTE_P | PTE_W | PTE_U | PTE_PKEY(decoy);
                                c.ent[n - 1] = PTE_P | PTE_W | (upage ? PTE_U : 0) | PTE_PKEY(key);
                                struct pg_outcome o;
                                pg_run(&c, &o);
                                pg_check(&g, &c, &k, &o);
                            }
                }
            }
        }
    }
    pg_report(&g);

    struct pg_group g0 = {.name = "PKU: CR4.PKE = 0 ignores PKRU (all keys but the code's denied)"};
    k.wp = true;
    k.smap = false;
    k.pkru = 0xfffffffcu;   /* key 0 (the user code's) open */
    pg_set_user_pkey(0);
    pg_set_ctl(&k);
    k.pke = false;
    pg_set_ctl(&k);
    for (unsigned key = 1; key < 16; key++)
        for (unsigned cpl = 0; cpl <= 3; cpl += 3)
            for (unsigned a = ACC_READ; a <= ACC_WRITE; a++) {
                const uint64_t e = PTE_P | PTE_W | PTE_U;
                struct pg_case c = {LEAF_4K, {e, e, e, e | PTE_PKEY(key)}, cpl, false, (enum pg_acc)a};
                struct pg_outcome o;
                pg_run(&c, &o);
                pg_check(&g0, &c, &k, &o);
            }
    pg_report(&g0);
}
