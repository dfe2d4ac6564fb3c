/* mmu/ept.h — pure EPT walker (SDM 3C §28.3): guest-physical -> physical through the EPT
 * paging structures named by an EPTP, with R/W/X permissions, execute-only pages, 2 MiB and
 * 1 GiB pages, misconfigurations (SDM 3C §28.3.3.1, exit reason 49), violations (§28.3.3.2,
 * exit reason 48) and their exit qualification (Table 28-7), and EPT accessed/dirty flags
 * (§28.3.5). Memory is reached only through the paging_ctx-style callbacks. */
#ifndef HVSIM_MMU_EPT_H
#define HVSIM_MMU_EPT_H

#include "base/bits.h"
#include "base/types.h"
#include "mmu/paging.h"

/* Access kinds and translation permissions share bit positions with exit-qualification bits
 * 2:0 (access) and 6:3 (permissions >> 3). EPT_X is the (supervisor-mode, with mode-based
 * execute control) execute permission of entry bit 2; EPT_XU the user-mode execute permission
 * of entry bit 10 (SDM 3C §28.3.2), present only with mode-based execute control. An access
 * argument may add EPT_UMODE to an EPT_X fetch: the linear address is a user-mode address
 * (U/S = 1 in every guest paging-structure entry), so XU rather than XS governs it. */
enum { EPT_R = 1u << 0, EPT_W = 1u << 1, EPT_X = 1u << 2, EPT_XU = 1u << 3, EPT_UMODE = 1u << 7 };

/* EPTP fields (SDM 3C §25.6.11). */
#define EPTP_MEMTYPE_MASK 0x7ull
#define EPTP_MEMTYPE_UC 0ull
#define EPTP_MEMTYPE_WB 6ull
#define EPTP_WALK_SHIFT 3
#define EPTP_AD BIT(6)

/* Exit-qualification bits of an EPT violation (SDM 3C Table 28-7). */
#define EPT_QUAL_READ BIT(0)
#define EPT_QUAL_WRITE BIT(1)
#define EPT_QUAL_FETCH BIT(2)
#define EPT_QUAL_READABLE BIT(3)
#define EPT_QUAL_WRITABLE BIT(4)
#define EPT_QUAL_EXECUTABLE BIT(5)      /* supervisor-mode executable with mode-based execute control */
#define EPT_QUAL_USER_EXECUTABLE BIT(6) /* mode-based execute control only: AND of entry bit 10 */
#define EPT_QUAL_GLA_VALID BIT(7)
#define EPT_QUAL_GLA_FINAL BIT(8)     /* 1: the final translation; 0: a paging-structure access */
#define EPT_QUAL_NMI_UNBLOCK BIT(12)

/* IA32_VMX_EPT_VPID_CAP bits (SDM 3C §A.10). */
#define EPT_CAP_EXEC_ONLY BIT(0)
#define EPT_CAP_WALK4 BIT(6)
#define EPT_CAP_WALK5 BIT(7)
#define EPT_CAP_UC BIT(8)
#define EPT_CAP_WB BIT(14)
#define EPT_CAP_2M BIT(16)
#define EPT_CAP_1G BIT(17)
#define EPT_CAP_INVEPT BIT(20)
#define EPT_CAP_AD BIT(21)
#define EPT_CAP_INVEPT_SINGLE BIT(25)
#define EPT_CAP_INVEPT_ALL BIT(26)
#define EPT_CAP_INVVPID BIT(32)
#define EPT_CAP_INVVPID_ADDR BIT(40)
#define EPT_CAP_INVVPID_SINGLE BIT(41)
#define EPT_CAP_INVVPID_ALL BIT(42)
#define EPT_CAP_INVVPID_SINGLE_NG BIT(43)

struct ept_ctx {
    u64 eptp;              /* already validated at VM entry (ept_eptp_valid) */
    unsigned maxphyaddr;
    bool exec_only;        /* execute-only translations allowed (EPT_VPID_CAP bit 0) */
    bool page_1g;          /* 1 GiB pages allowed (EPT_VPID_CAP bit 17) */
    bool mbec;             /* "mode-based execute control for EPT" (entry bit 10 = XU) */
    bool pml_full;         /* page-modification log full: a walk that must set an EPT A/D flag
                              stops with EPT_PML_FULL instead (SDM 3C §29.3.6) */
    void *opaque;
    paging_read_fn *read;
    paging_cmpxchg_fn *cmpxchg;
};

struct ept_result {
    pa_t pa;               /* translation of the gpa itself */
    u64 page_size;         /* 4 KiB, 2 MiB or 1 GiB */
    u8 perm;               /* EPT_R/W/X/XU allowed by every entry used (AND over the levels) */
    u8 memtype;            /* leaf bits 5:3 */
    bool ipat;             /* leaf bit 6 */
    u64 qual;              /* EPT_VIOLATION: exit-qualification bits 6:0 (the caller adds 7/8/12) */
    unsigned refs;         /* EPT paging-structure memory references made */
    bool suppress_ve;      /* EPT_VIOLATION: bit 63 ("suppress #VE") of the entry that decided it,
                              the not-present one or the one mapping the page (SDM 3C §26.5.7.1) */
    bool dirtied;          /* EPT_OK: this walk set the dirty flag of the mapping entry (0 -> 1),
                              the event page-modification logging records */
};

enum ept_status { EPT_OK = 0, EPT_VIOLATION = 1, EPT_MISCONFIG = 2, EPT_EXT = 3, EPT_PML_FULL = 4 };

/* Translate gpa for an access of kinds `access` (EPT_R/W/X mask, EPT_UMODE with a fetch from
 * a user-mode linear address; a guest paging-structure
 * access with EPT A/D enabled is passed as EPT_R | EPT_W, SDM 3C §28.3.3.2). On EPT_OK with
 * EPTP A/D enabled, the accessed flag of every entry used and, for writes, the dirty flag of
 * the leaf are set (§28.3.5), unless ctx->pml_full: then a walk that would change a flag
 * returns EPT_PML_FULL and changes none. Violations and misconfigurations change no flag. A write is
 * permitted through perm only when the dirty flag is set (or A/D is disabled). */
enum ept_status ept_walk(const struct ept_ctx *ctx, gpa_t gpa, unsigned access,
                         struct ept_result *out) MUST_CHECK;

/* Whether an EPTP value is valid for VM entry given the advertised capabilities
 * (IA32_VMX_EPT_VPID_CAP value `cap`) and MAXPHYADDR (SDM 3C §27.2.1.1). */
bool ept_eptp_valid(u64 eptp, u64 cap, unsigned maxphyaddr);

#endif
