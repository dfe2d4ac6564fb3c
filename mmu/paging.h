/* mmu/paging.h — pure guest page-table walker: 32-bit, PAE, 4-level and 5-level paging
 * (SDM 3A §4.3-4.5), with permissions (U/S, R/W, NX, WP, SMEP, SMAP, PKU), reserved-bit
 * checks, A/D updates and exact #PF error codes (SDM 3A §4.7).
 *
 * The walker never touches memory directly: every paging-structure access goes through the
 * callbacks in struct paging_ctx. Under EPT/NPT the callback translates each paging-structure
 * guest-physical address first (the 2-D walk) and may refuse (PAGING_EXT). */
#ifndef HVSIM_MMU_PAGING_H
#define HVSIM_MMU_PAGING_H

#include "base/types.h"

enum paging_mode {
    PAGING_NONE,   /* CR0.PG = 0: la == pa */
    PAGING_32,     /* CR4.PAE = 0 */
    PAGING_PAE,    /* CR4.PAE = 1, EFER.LMA = 0 */
    PAGING_4LVL,   /* EFER.LMA = 1, CR4.LA57 = 0 */
    PAGING_5LVL,   /* EFER.LMA = 1, CR4.LA57 = 1 */
};

/* Access kinds; values index the permission mask below. */
enum paging_kind { PAGING_READ = 0, PAGING_WRITE = 1, PAGING_EXEC = 2 };

/* Privilege class of an access (SDM 3A §4.6):
 *  USER       CPL 3 explicit access (a "user-mode access")
 *  SUP_SMAP   supervisor access that SMAP governs: implicit (descriptor tables, TSS...) or
 *             explicit with RFLAGS.AC = 0 — also every supervisor instruction fetch
 *  SUP_AC     explicit supervisor data access with RFLAGS.AC = 1 (SMAP does not apply) */
enum paging_priv { PAGING_USER = 0, PAGING_SUP_SMAP = 1, PAGING_SUP_AC = 2 };

/* Bit (kind + 3 * priv) of a permission mask says whether that access is allowed. */
#define PAGING_PERM_BIT(kind, priv) (1u << ((kind) + 3 * (priv)))

/* Callbacks: return 0 on success, non-zero to abort the walk with PAGING_EXT
 * (the callback records why, e.g. an EPT violation, in its own opaque state). */
typedef int paging_read_fn(void *opaque, pa_t pa, u64 *val, unsigned size);
/* Atomically replace *pa (size 4 or 8) when it still equals `old`; *ok = whether it did. */
typedef int paging_cmpxchg_fn(void *opaque, pa_t pa, u64 old, u64 new_val, unsigned size, bool *ok);

struct paging_ctx {
    enum paging_mode mode;
    u64 cr3;
    u64 pdpte[4];          /* PAE: the PDPTE registers loaded at CR3 write (SDM 3A §4.4.1) */
    bool wp;               /* CR0.WP */
    bool pse;              /* CR4.PSE (32-bit paging 4 MiB pages) */
    bool smep, smap, pke;  /* CR4.SMEP, CR4.SMAP, CR4.PKE */
    bool nxe;              /* EFER.NXE */
    bool pdpe1gb;          /* CPU supports 1 GiB pages */
    u32 pkru;
    unsigned maxphyaddr;   /* physical-address width, e.g. 39..52 */
    void *opaque;
    paging_read_fn *read;
    paging_cmpxchg_fn *cmpxchg;
};

/* Error-code bits of #PF (SDM 3A §4.7). */
enum {
    PF_P = 1u << 0, PF_W = 1u << 1, PF_U = 1u << 2, PF_RSVD = 1u << 3,
    PF_I = 1u << 4, PF_PK = 1u << 5, PF_SS = 1u << 6, PF_SGX = 1u << 15,
};

struct paging_result {
    pa_t pa;               /* translated address of `la` itself (not the page base) */
    u64 page_size;         /* 4 KiB, 2/4 MiB or 1 GiB */
    u16 perm;              /* PAGING_PERM_BIT mask of accesses allowed through this
                              translation, computed with the ctx's WP/SMEP/SMAP/PKU/NXE;
                              write bits are set only when the D flag is now set */
    bool global;           /* G flag of the final entry (and CR4.PGE is the caller's business) */
    bool user;             /* a user-mode address: U/S = 1 in every paging-structure entry
                              (false with paging off; EPT mode-based execute control, SDM 3C §28.3.3.2) */
    u32 error_code;        /* valid when the walk returned PAGING_PF */
    unsigned refs;         /* paging-structure memory references made (cycle model) */
};

enum paging_status { PAGING_OK = 0, PAGING_PF = 1, PAGING_EXT = 2 };

/* Translate `la` for one access. On PAGING_OK, A (and for writes D) flags have been set.
 * On PAGING_PF, error_code holds the #PF error code and no A/D flag was changed.
 * With mode PAGING_NONE, pa = la and every access is allowed. */
enum paging_status paging_walk(const struct paging_ctx *ctx, la_t la, enum paging_kind kind,
                               enum paging_priv priv, struct paging_result *out) MUST_CHECK;

/* Load the four PAE PDPTEs for a CR3 value; returns false if one is present with reserved
 * bits set (MOV CR3 then raises #GP(0), SDM 3A §4.4.1). */
bool paging_load_pdptes(const struct paging_ctx *ctx, u64 cr3, u64 pdpte[4]) MUST_CHECK;

#endif
