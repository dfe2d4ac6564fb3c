/* tests/guest/paging_expect.c — what the SDM says a paging case must do (3A §4.5 reserved
 * bits, §4.6 access rights, §4.7 #PF error code, §4.8 A/D flags), the comparison with what
 * happened, and per-group mismatch reporting. */
#include "paging_env.h"

uint64_t pg_rsvd_mask(unsigned level, uint64_t e, bool nxe)
{
    uint64_t m = pg_env.maxphy < 52 ? ((1ull << 52) - 1) & ~((1ull << pg_env.maxphy) - 1) : 0;
    if (!nxe)
        m |= PTE_XD;                                   /* XD reserved without EFER.NXE */
    if (level == 0)
        m |= PTE_PS;                                   /* PML4E bit 7 */
    if (level == 1 && (e & PTE_PS))
        m |= pg_env.gb1 ? 0x3fffe000ull : PTE_PS;      /* 1 GiB page: bits 29:13 */
    if (level == 2 && (e & PTE_PS))
        m |= 0x1fe000ull;                              /* 2 MiB page: bits 20:13 */
    return m;
}

struct pg_expect pg_expect(const struct pg_case *c, const struct pg_ctl *k)
{
    unsigned n = pg_levels(c->leaf);
    bool implicit = c->acc == ACC_IMPLICIT || c->acc == ACC_IMPLICIT_W;
    bool write = pg_acc_writes(c->acc), fetch = c->acc == ACC_FETCH;
    bool sup = c->cpl != 3 || implicit;   /* implicit accesses are supervisor-mode accesses */
    /* §4.7: W/R, U/S and I/D describe the access, not the rights. */
    uint32_t err = (write ? PF_W : 0) | (sup ? 0 : PF_U) | (fetch && (k->nxe || k->smep) ? PF_I : 0);
    bool user = true, rw = true, xd = false;
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = c->ent[i] | (i == n - 1 && i < 3 ? PTE_PS : 0);
        if (!(e & PTE_P))
            return (struct pg_expect){true, err};
        if (e & pg_rsvd_mask(i, e, k->nxe))
            return (struct pg_expect){true, err | PF_P | PF_RSVD};
        user &= (e & PTE_U) != 0;
        rw &= (e & PTE_W) != 0;
        xd |= k->nxe && (e & PTE_XD);
    }
    /* §4.6.1. */
    bool ok;
    if (!sup)
        ok = user && (!write || rw) && (!fetch || !xd);
    else if (fetch)
        ok = !xd && !(user && k->smep);
    else
        ok = !(user && k->smap && (implicit || !c->ac)) && (!write || rw || !k->wp);
    /* §4.6.2 protection keys: data accesses to user-mode addresses; PK per §4.7. */
    bool pk = false;
    if (k->pke && user && !fetch) {
        unsigned key = (unsigned)(c->ent[n - 1] >> 59) & 15;
        bool ad = (k->pkru >> (2 * key)) & 1, wd = (k->pkru >> (2 * key + 1)) & 1;
        pk = ad || (wd && write && (k->wp || !sup));
    }
    if (ok && !pk)
        return (struct pg_expect){false, 0};
    return (struct pg_expect){true, err | PF_P | (pk ? PF_PK : 0)};
}

static int snprint(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = guest_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

#define PG_SHOW 3   /* mismatches printed per group */

void pg_fail(struct pg_group *g, const char *fmt, ...)
{
    if (g->mismatches++ >= PG_SHOW)
        return;
    char buf[480];
    va_list ap;
    va_start(ap, fmt);
    guest_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    guest_puts("  mismatch (");
    guest_puts(g->name);
    guest_puts("): ");
    guest_puts(buf);
    guest_puts("\n");
}

/* Differences of QEMU 7.2 TCG from the SDM, seen by this test: a reserved-bit #PF without
 * the P bit (SDM 3A §4.7: P = 0 only when a P flag was 0), implicit supervisor accesses
 * (descriptor tables) exempt from SMAP when RFLAGS.AC = 1 at CPL 0 (SDM 3A §4.6.1: implicit
 * accesses ignore AC), and PS in a PDPTE mapping a 1 GiB page on a CPU without 1 GiB pages
 * (SDM 3A Table 4-16: reserved then). */
static bool tcg_gap(const struct pg_case *c, const struct pg_ctl *k, const struct pg_expect *x,
                    const struct pg_outcome *o)
{
    if (x->fault && (x->err & PF_RSVD) && o->fault && o->err == (x->err & ~PF_P))
        return true;
    if (c->leaf == LEAF_1G && !pg_env.gb1 && x->fault && !o->fault)
        return true;
    return c->acc == ACC_IMPLICIT && c->cpl == 0 && c->ac && k->smap && x->fault && !(x->err & PF_RSVD) &&
           !o->fault;
}

void pg_check(struct pg_group *g, const struct pg_case *c, const struct pg_ctl *k, const struct pg_outcome *o)
{
    struct pg_expect x = pg_expect(c, k);
    unsigned n = pg_levels(c->leaf);
    g->cases++;
    unsigned leaf = n - 1;
    if (pg_env.tcg && tcg_gap(c, k, &x, o)) {
        g->tcg_gaps++;
        return;
    }
    /* CR2: the address accessed; for the accessed-bit write, somewhere in the descriptor
       (processors write the byte or the dword holding the bit). */
    bool cr2_ok = c->acc == ACC_IMPLICIT_W ? o->cr2 - o->addr < 8 : o->cr2 == o->addr;
    bool ok = o->fault == x.fault && (!x.fault || (o->err == x.err && cr2_ok));
    /* §4.8: a successful access sets A in every entry of its walk and D in the leaf only when
       it writes (never D in a non-leaf entry); a faulting access sets no D flag, and cannot
       have set A in a PTE (no translation came from it) — unless, for the descriptor's
       accessed-bit write, the read of the descriptor before it used the translation (for a
       read-modify-write instruction A is left open). */
    bool ad_ok = true;
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = o->ent[i];
        if (!x.fault) {
            ad_ok &= (e & PTE_A) != 0;
            ad_ok &= (e & PTE_D) == ((c->ent[i] & PTE_D) | (i == leaf && pg_acc_writes(c->acc) ? PTE_D : 0));
        } else {
            ad_ok &= (e & PTE_D) == (c->ent[i] & PTE_D);
            if (c->acc == ACC_IMPLICIT_W)
                ad_ok &= (e & PTE_A) != 0;   /* the descriptor read before the write succeeded */
            else if (c->acc == ACC_RMW)
                ;   /* a load with write intent may or may not have set A */
            else if (i == 3)
                ad_ok &= (e & PTE_A) == (c->ent[i] & PTE_A);
        }
    }
    /* The write reached the page exactly when it did not fault. */
    uint64_t want = o->fault ? LDT_DATA_DESC
                    : c->acc == ACC_WRITE || c->acc == ACC_PUSH ? WRITE_VALUE
                    : c->acc == ACC_RMW ? LDT_DATA_DESC + RMW_ADD : LDT_DATA_DESC;
    bool data_ok = o->data == want &&
                   o->desc == (c->acc == ACC_IMPLICIT_W && !o->fault ? LDT_DATA_DESC : LDT_DATA_DESC & ~DESC_A);
    if (!ok || !ad_ok || !data_ok) {
        char ents[120];
        int m = 0;
        for (unsigned i = 0; i < n; i++)
            m += snprint(ents + m, sizeof ents - (size_t)m, "%s%#llx", i ? "/" : "", (unsigned long long)c->ent[i]);
        pg_fail(g, "%s ent=%s nxe=%d wp=%d smep=%d smap=%d pke=%d pkru=%#x cpl=%u ac=%d %s: expected %s err=%#x, "
                "got %s err=%#x cr2=%#llx (addr %#llx), entries after %#llx/%#llx/%#llx/%#llx, data %#llx/%#llx",
                pg_leaf_name[c->leaf], ents, k->nxe, k->wp, k->smep, k->smap, k->pke, k->pkru, c->cpl, c->ac,
                pg_acc_name[c->acc], x.fault ? "#PF" : "no fault", x.err, o->fault ? "#PF" : "no fault", o->err,
                (unsigned long long)o->cr2, (unsigned long long)o->addr, (unsigned long long)o->ent[0],
                (unsigned long long)o->ent[1], (unsigned long long)o->ent[2], (unsigned long long)o->ent[3],
                (unsigned long long)o->data, (unsigned long long)o->desc);
        return;
    }
    /* hvsim's documented model (mmu/paging.h): a faulting walk changes no A flag at all.
       The SDM leaves A in the upper entries of a faulting walk open. */
    if (x.fault && c->acc != ACC_IMPLICIT_W) {
        g->model_cases++;
        bool same = true;
        for (unsigned i = 0; i < n; i++)
            same &= (o->ent[i] & PTE_A) == (c->ent[i] & PTE_A);
        g->model_mismatches += !same;
    }
}

void pg_report(struct pg_group *g)
{
    char label[160];
    snprint(label, sizeof label, g->tag ? "%s (%s pages)" : "%s", g->name, g->tag);
    report(g->mismatches == 0 && g->cases > 0, "%s: %u cases, %u mismatches", label, g->cases, g->mismatches);
    if (g->tcg_gaps)
        report_skip("%s: %u cases differ as QEMU TCG is known to (RSVD #PF without P; SMAP not applied to implicit "
                    "accesses with AC = 1; 1 GiB pages without Page1GB)", label, g->tcg_gaps);
    if (!g->model_cases)
        return;
    if (pg_env.tcg && g->model_mismatches)
        report_skip("%s: faulting walks left every A flag alone in %u of %u (hvsim's model, not the SDM's)", label,
                    g->model_cases - g->model_mismatches, g->model_cases);
    else
        report(g->model_mismatches == 0, "%s: faulting walks left every A flag alone (hvsim's model, mmu/paging.h): "
               "%u of %u", label, g->model_cases - g->model_mismatches, g->model_cases);
}
