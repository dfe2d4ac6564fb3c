/* mmu/ept.c — the EPT walker (SDM 3C §28.3). */
#include "mmu/ept.h"

#define EPTE_PERM 0x7ull
#define EPTE_MEMTYPE_SHIFT 3
#define EPTE_IPAT BIT(6)
#define EPTE_PS BIT(7)
#define EPTE_A BIT(8)
#define EPTE_D BIT(9)
#define EPTE_XU BIT(10)
#define EPTE_SUPPRESS_VE BIT(63)

/* The permissions an entry grants: bits 2:0, and XU from bit 10 with mode-based execute
   control (SDM 3C §28.3.2). Zero means not present. */
static unsigned entry_perm(const struct ept_ctx *ctx, u64 e)
{
    unsigned p = (unsigned)(e & EPTE_PERM);
    if (ctx->mbec && (e & EPTE_XU))
        p |= EPT_XU;
    return p;
}

struct ept_level {
    pa_t addr;
    u64 val;
};

/* SDM 3C §28.3.3.1: is a present entry at `level` (1 = PTE .. 5 = PML5E) misconfigured? */
static bool entry_misconfigured(const struct ept_ctx *ctx, u64 e, unsigned level, bool leaf)
{
    unsigned rwx = entry_perm(ctx, e);
    if ((rwx & EPT_W) && !(rwx & EPT_R))
        return true;   /* write without read */
    if (!(rwx & EPT_R) && (rwx & (EPT_X | EPT_XU)) && !ctx->exec_only)
        return true;   /* execute-only (XS or, with mode-based control, XU) not supported */
    if (e & GENMASK(51, ctx->maxphyaddr))
        return true;
    if (!leaf)
        return (e & GENMASK(7, 3)) != 0;   /* bits 7:3 reserved in non-leaf entries */
    unsigned mt = (unsigned)((e >> EPTE_MEMTYPE_SHIFT) & 7);
    if (mt == 2 || mt == 3 || mt == 7)
        return true;   /* reserved memory types */
    if (level == 3)
        return (e & GENMASK(29, 12)) != 0;
    if (level == 2)
        return (e & GENMASK(20, 12)) != 0;
    return false;
}

enum ept_status ept_walk(const struct ept_ctx *ctx, gpa_t gpa, unsigned access, struct ept_result *out)
{
    out->refs = 0;
    out->qual = 0;
    out->perm = 0;
    out->dirtied = false;
    out->suppress_ve = false;
    unsigned levels = (unsigned)((ctx->eptp >> EPTP_WALK_SHIFT) & 7) + 1;
    bool ad = (ctx->eptp & EPTP_AD) != 0;
    u64 addr_mask = GENMASK(51, 12) & ~GENMASK(51, ctx->maxphyaddr);
    if (levels != 4 && levels != 5)
        return EPT_MISCONFIG;   /* unreachable after VM-entry validation; never trust it */
    for (int attempt = 0; attempt < 4; attempt++) {
        struct ept_level lv[5];
        unsigned n = 0, shift = 12 + 9 * (levels - 1);
        pa_t table = ctx->eptp & addr_mask;
        unsigned perm = EPT_R | EPT_W | EPT_X | EPT_XU;
        u64 e = 0;
        for (unsigned l = levels;; l--, shift -= 9) {
            struct ept_level *w = &lv[n++];
            w->addr = table + ((gpa >> shift) & 511) * 8;
            out->refs++;
            if (ctx->read(ctx->opaque, w->addr, &w->val, 8))
                return EPT_EXT;
            e = w->val;
            unsigned ep = entry_perm(ctx, e);
            perm &= ep;
            if (!ep) {
                out->qual = access & EPTE_PERM;   /* not present: permissions read as 0 */
                out->suppress_ve = (e & EPTE_SUPPRESS_VE) != 0;
                return EPT_VIOLATION;
            }
            bool leaf = l == 1 || ((e & EPTE_PS) && (l == 2 || (l == 3 && ctx->page_1g)));
            if (!leaf && (e & EPTE_PS) && l == 3)
                return EPT_MISCONFIG;   /* 1 GiB page not supported: bit 7 reserved */
            if (entry_misconfigured(ctx, e, l, leaf))
                return EPT_MISCONFIG;
            if (leaf)
                break;
            table = e & addr_mask;
        }
        out->perm = (u8)perm;
        /* A fetch needs XU for a user-mode linear address under mode-based execute control,
           XS (bit 2) otherwise (SDM 3C §28.3.3.2). */
        unsigned need = access & EPTE_PERM;
        if ((access & EPT_X) && ctx->mbec && (access & EPT_UMODE))
            need = (need & ~(unsigned)EPT_X) | EPT_XU;
        if ((perm & need) != need) {
            out->qual = (access & EPTE_PERM) | (u64)perm << 3;
            out->suppress_ve = (e & EPTE_SUPPRESS_VE) != 0;   /* e: the entry mapping the page */
            return EPT_VIOLATION;
        }
        /* Success: set accessed flags and, for writes, the leaf's dirty flag (§28.3.5); with
           the page-modification log full, a needed flag update is a PML-full event instead
           (§29.3.6) and nothing changes. */
        bool retry = false;
        out->dirtied = false;
        for (unsigned i = 0; ad && i < n && !retry; i++) {
            u64 want = lv[i].val | EPTE_A;
            if (i == n - 1 && (access & EPT_W))
                want |= EPTE_D;
            if (want == lv[i].val)
                continue;
            if (ctx->pml_full)
                return EPT_PML_FULL;
            bool ok;
            if (ctx->cmpxchg(ctx->opaque, lv[i].addr, lv[i].val, want, 8, &ok))
                return EPT_EXT;
            if (ok) {
                out->dirtied |= (want & ~lv[i].val & EPTE_D) != 0;
                lv[i].val = want;
            } else {
                retry = true;
            }
        }
        if (retry)
            continue;
        e = lv[n - 1].val;
        if (ad && !(e & EPTE_D))
            out->perm &= (u8)~EPT_W;   /* clean page: the first write re-walks to set D */
        out->page_size = 1ull << shift;
        out->pa = (e & addr_mask & ~(out->page_size - 1)) | (gpa & (out->page_size - 1));
        out->memtype = (u8)((e >> EPTE_MEMTYPE_SHIFT) & 7);
        out->ipat = (e & EPTE_IPAT) != 0;
        return EPT_OK;
    }
    return EPT_EXT;   /* the tables kept changing under us */
}

bool ept_eptp_valid(u64 eptp, u64 cap, unsigned maxphyaddr)
{
    u64 mt = eptp & EPTP_MEMTYPE_MASK;
    if (!((mt == EPTP_MEMTYPE_UC && (cap & EPT_CAP_UC)) || (mt == EPTP_MEMTYPE_WB && (cap & EPT_CAP_WB))))
        return false;
    unsigned walk = (unsigned)((eptp >> EPTP_WALK_SHIFT) & 7);
    if (!((walk == 3 && (cap & EPT_CAP_WALK4)) || (walk == 4 && (cap & EPT_CAP_WALK5))))
        return false;
    if ((eptp & EPTP_AD) && !(cap & EPT_CAP_AD))
        return false;
    /* Bit 7 (supervisor shadow-stack control) is not supported; bits 11:8 and 63:MAXPHYADDR
       are reserved. */
    return (eptp & (BIT(7) | GENMASK(11, 8) | GENMASK(63, maxphyaddr))) == 0;
}
