/* mmu/paging.c — the guest page walker (SDM 3A §4.3-§4.7). */
#include "mmu/paging.h"

#include "base/bits.h"

#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_A BIT(5)
#define PTE_D BIT(6)
#define PTE_PS BIT(7)
#define PTE_G BIT(8)
#define PTE_XD BIT(63)

struct walk_level {
    pa_t addr;     /* where the entry lives */
    u64 val;
    unsigned size; /* 4 or 8 */
};

/* Permission mask for a translation with the combined U/S, R/W, XD bits (SDM 3A §4.6). */
static u16 perm_mask(const struct paging_ctx *ctx, bool user, bool rw, bool xd, unsigned pkey)
{
    u16 m = 0;
    bool ad = false, wd = false;
    if (ctx->pke && user) {
        ad = (ctx->pkru >> (2 * pkey)) & 1;
        wd = (ctx->pkru >> (2 * pkey + 1)) & 1;
    }
    /* User-mode accesses. */
    if (user) {
        if (!ad) m |= PAGING_PERM_BIT(PAGING_READ, PAGING_USER);
        if (rw && !ad && !wd) m |= PAGING_PERM_BIT(PAGING_WRITE, PAGING_USER);
        if (!xd) m |= PAGING_PERM_BIT(PAGING_EXEC, PAGING_USER);
    }
    /* Supervisor accesses. */
    for (unsigned priv = PAGING_SUP_SMAP; priv <= PAGING_SUP_AC; priv++) {
        bool smap_block = user && ctx->smap && priv == PAGING_SUP_SMAP;
        if (!smap_block && !ad)
            m |= PAGING_PERM_BIT(PAGING_READ, priv);
        if (!smap_block && !ad && (rw || !ctx->wp) && !(wd && ctx->wp))
            m |= PAGING_PERM_BIT(PAGING_WRITE, priv);
        if (!xd && !(user && ctx->smep))
            m |= PAGING_PERM_BIT(PAGING_EXEC, priv);
    }
    return m;
}

/* Does the protection-key check by itself deny this access (SDM 3A §4.6.2)? The error code's
 * PK bit reports it even when the paging rights deny the access too (§4.7). */
static bool pk_denies(const struct paging_ctx *ctx, bool user_page, unsigned pkey, enum paging_kind kind,
                      enum paging_priv priv)
{
    if (!ctx->pke || !user_page || kind == PAGING_EXEC)
        return false;
    if ((ctx->pkru >> (2 * pkey)) & 1)
        return true;   /* access disable */
    return kind == PAGING_WRITE && ((ctx->pkru >> (2 * pkey + 1)) & 1) && (priv == PAGING_USER || ctx->wp);
}

static enum paging_status fault(struct paging_result *out, u32 err, enum paging_kind kind,
                                enum paging_priv priv, const struct paging_ctx *ctx)
{
    if (kind == PAGING_WRITE) err |= PF_W;
    if (priv == PAGING_USER) err |= PF_U;
    /* I/D: a fetch, with SMEP or with NXE in PAE/4-level/5-level paging (SDM 3A §4.7). */
    if (kind == PAGING_EXEC && (ctx->smep || (ctx->nxe && ctx->mode != PAGING_32))) err |= PF_I;
    out->error_code = err;
    return PAGING_PF;
}

enum paging_status paging_walk(const struct paging_ctx *ctx, la_t la, enum paging_kind kind,
                               enum paging_priv priv, struct paging_result *out)
{
    out->refs = 0;
    out->global = false;
    out->user = false;
    out->error_code = 0;
    if (ctx->mode == PAGING_NONE) {
        out->pa = la;
        out->page_size = 4096;
        out->perm = 0x1ff;
        return PAGING_OK;
    }
    u64 phys_rsvd = GENMASK(51, ctx->maxphyaddr);
    u64 table_mask = GENMASK(51, 12) & ~phys_rsvd;                 /* next table, 64-bit entries */
    /* Reserved in every 64-bit entry: bits 51:M (PAE paging: 62:M), and XD without NXE
       (SDM 3A Tables 4-8..4-11, 4-15..4-20). */
    u64 rsvd8 = (ctx->mode == PAGING_PAE ? GENMASK(62, ctx->maxphyaddr) : phys_rsvd) | (ctx->nxe ? 0 : PTE_XD);
    /* 32-bit paging, 4 MiB page: bits (M-20):13 hold address bits (M-1):32, bits 21:(M-19)
       are reserved, M = min(MAXPHYADDR, 40) (SDM 3A Table 4-4). */
    unsigned m32 = ctx->maxphyaddr < 40 ? ctx->maxphyaddr : 40;
    for (int attempt = 0; attempt < 4; attempt++) {
        struct walk_level lv[5];
        unsigned n = 0, shift, levels, esize;
        pa_t table;
        bool user = true, rw = true, xd = false;
        u64 all = ~0ull;   /* AND of every entry: A set everywhere when all & PTE_A */
        switch (ctx->mode) {
        case PAGING_32: levels = 2; shift = 22; esize = 4; table = ctx->cr3 & 0xfffff000ull; break;
        case PAGING_PAE: {
            u64 pdpte = ctx->pdpte[(la >> 30) & 3];
            if (!(pdpte & PTE_P))
                return fault(out, 0, kind, priv, ctx);
            levels = 2; shift = 21; esize = 8; table = pdpte & table_mask;
            break;
        }
        case PAGING_4LVL: levels = 4; shift = 39; esize = 8; table = ctx->cr3 & table_mask; break;
        default: levels = 5; shift = 48; esize = 8; table = ctx->cr3 & table_mask; break;
        }
        unsigned idx_bits = esize == 4 ? 10 : 9;
        u64 leaf_pa = 0, page_size = 4096;
        for (unsigned l = levels;; l--) {
            unsigned idx = (unsigned)((la >> shift) & ((1u << idx_bits) - 1));
            struct walk_level *w = &lv[n++];
            w->addr = table + (u64)idx * esize;
            w->size = esize;
            out->refs++;
            if (ctx->read(ctx->opaque, w->addr, &w->val, esize))
                return PAGING_EXT;
            u64 e = w->val;
            all &= e;
            if (!(e & PTE_P))
                return fault(out, 0, kind, priv, ctx);
            /* Reserved bits (SDM 3A §4.7, Tables 4-4..4-20). */
            u64 rsvd = esize == 8 ? rsvd8 : 0;
            bool ps = (e & PTE_PS) && l > 1;
            if (ps) {
                bool ps_ok = esize == 4 ? (l == 2 && ctx->pse) : (l == 2 || (l == 3 && ctx->pdpe1gb));
                if (!ps_ok && esize == 4)
                    ps = false;   /* 32-bit paging without PSE ignores PS */
                else if (!ps_ok)
                    rsvd |= PTE_PS;
            }
            if (esize == 8 && l >= 4)
                rsvd |= PTE_PS;   /* PML4E/PML5E: PS is reserved */
            if (ps && esize == 8)
                rsvd |= GENMASK(shift - 1, 13);
            if (ps && esize == 4)
                rsvd |= GENMASK(21, m32 - 19);
            if (e & rsvd)
                return fault(out, PF_P | PF_RSVD, kind, priv, ctx);
            user &= (e & PTE_US) != 0;
            rw &= (e & PTE_RW) != 0;
            if (esize == 8 && ctx->nxe && (e & PTE_XD))
                xd = true;
            if (ps || l == 1) {
                if (esize == 4 && ps)
                    leaf_pa = (e & 0xffc00000ull) | (m32 > 32 ? ((e >> 13) & GENMASK(m32 - 33, 0)) << 32 : 0);
                else
                    leaf_pa = e & GENMASK(51, shift) & ~phys_rsvd;
                page_size = 1ull << shift;
                break;
            }
            table = esize == 4 ? (e & 0xfffff000ull) : (e & table_mask);
            shift -= idx_bits;
        }
        u64 leaf = lv[n - 1].val;
        unsigned pkey = esize == 8 ? (unsigned)((leaf >> 59) & 15) : 0;
        u16 perm = perm_mask(ctx, user, rw, xd, pkey);
        if (!(perm & PAGING_PERM_BIT(kind, priv))) {
            u32 err = PF_P | (pk_denies(ctx, user, pkey, kind, priv) ? PF_PK : 0);
            return fault(out, err, kind, priv, ctx);
        }
        /* Success: set A on every entry and D on the leaf for writes (SDM 3A §4.8); usually
           they are set already. */
        bool retry = false;
        bool ad_set = (all & PTE_A) && (kind != PAGING_WRITE || (leaf & PTE_D));
        for (unsigned i = 0; i < n && !retry && !ad_set; i++) {
            u64 want = lv[i].val | PTE_A;
            if (i == n - 1 && kind == PAGING_WRITE)
                want |= PTE_D;
            if (want != lv[i].val) {
                bool ok;
                if (ctx->cmpxchg(ctx->opaque, lv[i].addr, lv[i].val, want, lv[i].size, &ok))
                    return PAGING_EXT;
                if (!ok)
                    retry = true;
                else
                    lv[i].val = want;
            }
        }
        if (retry)
            continue;
        leaf = lv[n - 1].val;
        if (!(leaf & PTE_D))
            perm &= (u16)~(PAGING_PERM_BIT(PAGING_WRITE, PAGING_USER) | PAGING_PERM_BIT(PAGING_WRITE, PAGING_SUP_SMAP) |
                           PAGING_PERM_BIT(PAGING_WRITE, PAGING_SUP_AC));
        out->perm = perm;
        out->page_size = page_size;
        out->pa = leaf_pa | (la & (page_size - 1));
        out->global = (leaf & PTE_G) != 0;
        out->user = user;
        return PAGING_OK;
    }
    return PAGING_EXT;   /* the tables kept changing under us: give up this attempt */
}

bool paging_load_pdptes(const struct paging_ctx *ctx, u64 cr3, u64 pdpte[4])
{
    u64 rsvd = GENMASK(63, ctx->maxphyaddr) | BIT(1) | BIT(2) | BIT(5) | BIT(6) | BIT(7) | BIT(8);
    u64 tmp[4];
    for (unsigned i = 0; i < 4; i++) {
        if (ctx->read(ctx->opaque, (cr3 & 0xffffffe0ull) + 8 * i, &tmp[i], 8))
            return false;
        if ((tmp[i] & PTE_P) && (tmp[i] & rsvd))
            return false;
    }
    for (unsigned i = 0; i < 4; i++)
        pdpte[i] = tmp[i];
    return true;
}
