/* tests/guest/paging_env.h — shared by the paging guest test (paging.c, paging_matrix.c,
 * paging_tlb.c): our own 4-level tables, the access primitives at CPL 0 and CPL 3, one case
 * = one access through a test mapping whose entries the case chooses, the expected outcome
 * written from the SDM (3A §4.6 access rights, §4.7 #PF error code, §4.8 A/D flags), and
 * per-group mismatch counting. */
#ifndef HVSIM_TEST_PAGING_ENV_H
#define HVSIM_TEST_PAGING_ENV_H

#include "guest.h"
#include "ring3.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_XD (1ull << 63)
#define PTE_PKEY(k) ((uint64_t)(k) << 59)

#define PF_P (1u << 0)
#define PF_W (1u << 1)
#define PF_U (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I (1u << 4)
#define PF_PK (1u << 5)

#define CR0_WP (1ull << 16)
#define CR4_PGE (1ull << 7)
#define CR4_PCIDE (1ull << 17)
#define CR4_PKE (1ull << 22)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define MSR_EFER 0xc0000080u
#define EFER_NXE (1ull << 11)

/* The test page: RET at offset 0 (fetches), the data qword at 8 (reads, writes; also LDT
 * index 1 for the implicit read: selector 0x0f), and at 16 LDT index 2 (selector 0x17), the
 * same descriptor with its accessed bit clear (the implicit write). */
#define LDT_DATA_DESC 0x00cff3000000ffffull     /* data, DPL 3, accessed */
#define DESC_A (1ull << 40)
#define WRITE_VALUE 0x1122334455667788ull
#define RMW_ADD 1   /* what ACC_RMW adds */

/* The test mapping lives under PML4 entry 1 (linear 512 GiB up); everything else is the
 * supervisor identity map of paging.c. */
#define TEST_BASE 0x8000000000ull

/* What the processor offers (CPUID) and how the run was started. */
enum tlb_expect { TLB_UNKNOWN, TLB_EXACT, TLB_FLUSHES };   /* -append tlb=... */
struct pg_env {
    bool nx, smep, smap, pku, pcid, invpcid, gb1, tcg;
    unsigned maxphy;
    enum tlb_expect tlb;
};
extern struct pg_env pg_env;

/* Control state of a case; pg_set_ctl writes only what changes. */
struct pg_ctl {
    bool nxe, wp, smep, smap, pke;
    uint32_t pkru;
};
void pg_set_ctl(const struct pg_ctl *k);
void pg_wrpkru(uint32_t v);   /* CR4.PKE must be 1 */

/* ACC_IMPLICIT: a segment load reading its descriptor (a supervisor-mode access at any CPL);
 * ACC_IMPLICIT_W: the same with the descriptor's accessed bit clear, so the processor also
 * writes the descriptor (run only where the read is allowed: the write is then the access
 * that decides). */
enum pg_acc { ACC_READ, ACC_WRITE, ACC_FETCH, ACC_IMPLICIT, ACC_IMPLICIT_W, ACC_RMW, ACC_PUSH, ACC_N };
/* ACC_RMW: ADD imm8 to the data qword (a read, then a write); ACC_PUSH: PUSH with RSP just
 * above it (CPL 3 only: at CPL 0 a faulting PUSH would deliver #PF onto the same stack). */
static inline bool pg_acc_writes(enum pg_acc a)
{
    return a == ACC_WRITE || a == ACC_IMPLICIT_W || a == ACC_RMW || a == ACC_PUSH;
}
/* Accesses that read before they write: run only where the read is allowed (which of the two
 * faults first, and with which W/R bit, is then not in question), and the read sets A. */
static inline bool pg_acc_reads_first(enum pg_acc a) { return a == ACC_IMPLICIT_W || a == ACC_RMW; }
enum pg_leaf { LEAF_4K, LEAF_2M, LEAF_1G };
extern const char *const pg_acc_name[ACC_N];
extern const char *const pg_leaf_name[3];

/* One case: the flag bits of each entry of the test walk ([0] PML4E .. [3] PTE; a 2 MiB leaf
 * uses [0..2], a 1 GiB leaf [0..1]; the address and PS are added by pg_install), the access. */
struct pg_case {
    enum pg_leaf leaf;
    uint64_t ent[4];
    unsigned cpl;   /* 0 or 3 */
    bool ac;        /* RFLAGS.AC at CPL 0 (STAC) */
    enum pg_acc acc;
};

static inline unsigned pg_levels(enum pg_leaf l) { return l == LEAF_4K ? 4 : l == LEAF_2M ? 3 : 2; }

struct pg_outcome {
    bool fault;
    uint32_t err;
    uint64_t cr2, addr;      /* CR2 at the fault; the address the access used */
    uint64_t ent[4];         /* the entries afterwards */
    uint64_t data;           /* the data qword of the page afterwards */
    uint64_t desc;           /* the not-accessed descriptor (ACC_IMPLICIT_W) afterwards */
};

/* Expected result from the SDM, for the case under the controls k. */
struct pg_expect {
    bool fault;
    uint32_t err;
};
struct pg_expect pg_expect(const struct pg_case *c, const struct pg_ctl *k);
/* Reserved bits of entry `level` (0 = PML4E) holding `e` (SDM 3A §4.5, Tables 4-15..4-20). */
uint64_t pg_rsvd_mask(unsigned level, uint64_t e, bool nxe);

/* Install the case's entries (A/D clear), reset the data page, INVLPG; then do the access. */
void pg_run(const struct pg_case *c, struct pg_outcome *o);
/* The two halves of pg_run: install (returns the page's linear address), access. */
uint64_t pg_install(const struct pg_case *c);
void pg_access(const struct pg_case *c, uint64_t la, struct pg_outcome *o);
/* A CPL-0 read of the test page (with RFLAGS.AC = 1 where SMAP exists), so that a later
 * access may use a cached translation. */
void pg_prime(uint64_t la);
/* The test entries' flag bits as they are now (after earlier accesses), into c->ent. */
void pg_current_flags(struct pg_case *c);
/* The test page's RET and data qword as pg_install leaves them. */
void pg_reset_data(void);
/* Protection key of the user-mode infrastructure pages (code, parameters, stack). */
void pg_set_user_pkey(unsigned key);

/* A group of cases counted together and reported once. */
struct pg_group {
    const char *name;
    const char *tag;   /* e.g. the page size, or NULL */
    unsigned cases, mismatches;
    unsigned model_cases, model_mismatches;   /* hvsim's documented (non-SDM) A-flag model */
    unsigned tcg_gaps;                        /* QEMU TCG cases that differ as TCG is known to */
};
/* Compare one case (run with controls k) with the expectation; counts and prints the first
 * few mismatches of the group. */
void pg_check(struct pg_group *g, const struct pg_case *c, const struct pg_ctl *k, const struct pg_outcome *o);
void pg_fail(struct pg_group *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pg_report(struct pg_group *g);

/* Physical pages for the TLB tests, and the test tables (identity-mapped, supervisor). */
extern uint64_t pg_t_pdpt[512], pg_t_pd[512], pg_t_pt[512], pg_kpml4[512];
extern uint8_t pg_data[4][4096];
uint64_t pg_kread(uint64_t la);   /* a CPL-0 read of a qword */

void pg_run_matrix(void);
void pg_run_reserved(void);
void pg_run_ad(void);
void pg_run_pku(void);
void pg_run_tlb(void);
void pg_run_seq(void);
void pg_run_cross(void);

#endif
