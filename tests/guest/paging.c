/* tests/guest/paging.c — 4-level paging from the guest's side: the permission matrix (U/S,
 * R/W, XD at every level x EFER.NXE x CR0.WP x CR4.SMEP x CR4.SMAP/RFLAGS.AC x CPL x read /
 * write / fetch / implicit supervisor read and write / read-modify-write / PUSH;
 * paging_matrix.c), accesses across a page boundary (paging_cross.c), reserved bits and
 * A/D flags (paging_matrix.c), rights applied at use (paging_seq.c), protection keys
 * (paging_pku.c) and TLB invalidation scopes (paging_tlb.c). Every outcome — fault or not,
 * #PF error code, CR2, A/D flags and memory afterwards — is compared with an expectation
 * written from the SDM (3A §4.5-§4.8; paging_expect.c), never with a recorded answer.
 *
 * This file: our own page tables (the runtime's identity map again, supervisor-only, with
 * 4 KiB pages over the first 8 MiB so the user-mode code, stack and parameter page can be the
 * only user pages), the test mapping under PML4[1], the access primitives at CPL 0 and 3,
 * the #PF handler and the case runner.
 *
 * Run with -append "tlb=normal|strict|flush" matching hvsim's -cpu ...,tlb=MODE to check
 * hvsim's documented TLB model too (docs/vmx.md "TLB modes"); without it (QEMU) only what
 * the SDM guarantees is checked. "only=tlb" runs the TLB part alone. */
#include "paging_env.h"

struct pg_env pg_env;
const char *const pg_acc_name[ACC_N] = {"read", "write", "fetch", "implicit-read", "implicit-write",
                                              "read-modify-write", "push"};
const char *const pg_leaf_name[3] = {"4K", "2M", "1G"};

/* Identity map: PML4[0] -> kpdpt -> kpd[0..3] (2 MiB pages), the first 8 MiB through kpt. */
uint64_t pg_kpml4[512] __attribute__((aligned(4096)));
static uint64_t kpdpt[512] __attribute__((aligned(4096)));
static uint64_t kpd[4][512] __attribute__((aligned(4096)));
static uint64_t kpt[4][512] __attribute__((aligned(4096)));
/* The test walk: PML4[1] -> pg_t_pdpt[0] -> pg_t_pd[0] -> pg_t_pt[0] -> pg_data[0]. */
uint64_t pg_t_pdpt[512] __attribute__((aligned(4096)));
uint64_t pg_t_pd[512] __attribute__((aligned(4096)));
uint64_t pg_t_pt[512] __attribute__((aligned(4096)));
uint8_t pg_data[4][4096] __attribute__((aligned(4096)));
/* User-accessible: the parameters of a CPL-3 access and the CPL-3 stack. */
uint64_t pg_uparam[512] __attribute__((aligned(4096)));
static uint8_t ustack[2][4096] __attribute__((aligned(4096)));
#define LDT_SLOT RING3_GDT_FREE   /* the LDT descriptor (16 bytes) in GDT slots 7-8 */
#define LDT_SEL (LDT_SLOT * 8)

/* The access primitives. Kernel: pg_kaccess(page la, kind, value), a C function. User:
 * pg_uaccess, run by ring3_run_on, takes the same from pg_uparam and ends with INT 0x81.
 * Data accesses use the page's qword at offset 8, fetches CALL the RET at offset 0, the
 * implicit read loads FS from LDT index 1 (page offset 8) with the LDT based at the page,
 * the implicit write from index 2 (offset 16), whose accessed bit is clear.
 * The #PF handler resumes a faulting data access at its *_end label, a faulting fetch at
 * the return address of the CALL. */
#define PG_ACCESS_BODY(p, tail) \
    "cmp $1, %esi; je 1f; cmp $2, %esi; je 2f; cmp $3, %esi; je 3f; cmp $4, %esi; je 4f\n" \
    "cmp $5, %esi; je 5f; cmp $6, %esi; je 6f\n" \
    ".global " p "_rd\n" p "_rd: mov 8(%rdi), %rax\n" \
    ".global " p "_rd_end\n" p "_rd_end: " tail "\n" \
    "1:\n.global " p "_wr\n" p "_wr: mov %rdx, 8(%rdi)\n" \
    ".global " p "_wr_end\n" p "_wr_end: " tail "\n" \
    "2: call *%rdi\n.global " p "_call_ret\n" p "_call_ret: " tail "\n" \
    "3: mov $0x0f, %eax\n.global " p "_lds\n" p "_lds: mov %eax, %fs\n" \
    ".global " p "_lds_end\n" p "_lds_end: xor %eax, %eax; mov %eax, %fs\n" tail "\n" \
    "4: mov $0x17, %eax\n.global " p "_ldsa\n" p "_ldsa: mov %eax, %fs\n" \
    ".global " p "_ldsa_end\n" p "_ldsa_end: xor %eax, %eax; mov %eax, %fs\n" tail "\n" \
    "5:\n.global " p "_rmw\n" p "_rmw: addq $1, 8(%rdi)\n" \
    ".global " p "_rmw_end\n" p "_rmw_end: " tail "\n" \
    "6: mov %rsp, %r8; lea 16(%rdi), %rsp\n.global " p "_push\n" p "_push: push %rdx\n" \
    ".global " p "_push_end\n" p "_push_end: mov %r8, %rsp\n" tail "\n"
__asm__(".text\n.global pg_kaccess\npg_kaccess:\n" PG_ACCESS_BODY("pg_k", "ret")
        ".section .text.user, \"ax\"\n.balign 4096\n.global pg_user_text\npg_user_text:\n"
        ".global pg_uaccess\npg_uaccess:\n"
        "mov pg_uparam(%rip), %rdi; mov pg_uparam+8(%rip), %rsi; mov pg_uparam+16(%rip), %rdx\n"
        PG_ACCESS_BODY("pg_u", "jmp 9f")
        "9: int $0x81\n"
        ".balign 4096\n.global pg_user_text_end\npg_user_text_end:\n.text\n");
uint64_t pg_kaccess(uint64_t la, unsigned kind, uint64_t value);
void pg_uaccess(void);
extern char pg_user_text[], pg_user_text_end[];
extern char pg_k_rd[], pg_k_rd_end[], pg_k_wr[], pg_k_wr_end[], pg_k_call_ret[], pg_k_lds[], pg_k_lds_end[],
    pg_k_ldsa[], pg_k_ldsa_end[], pg_k_rmw[], pg_k_rmw_end[];
extern char pg_u_rd[], pg_u_rd_end[], pg_u_wr[], pg_u_wr_end[], pg_u_call_ret[], pg_u_lds[], pg_u_lds_end[],
    pg_u_ldsa[], pg_u_ldsa_end[], pg_u_rmw[], pg_u_rmw_end[], pg_u_push[], pg_u_push_end[];

/* What the #PF handler saw. */
static volatile struct {
    bool fault;
    uint32_t err;
    uint64_t cr2;
    uint64_t fetch_target;   /* the page base a fetch case CALLs */
} pf;

static void pf_handler(struct exc_frame *f)
{
    static const struct { char *at, *resume; } fix[] = {
        {pg_k_rd, pg_k_rd_end}, {pg_k_wr, pg_k_wr_end}, {pg_k_lds, pg_k_lds_end}, {pg_k_ldsa, pg_k_ldsa_end},
        {pg_k_rmw, pg_k_rmw_end},
        {pg_u_rd, pg_u_rd_end}, {pg_u_wr, pg_u_wr_end}, {pg_u_lds, pg_u_lds_end}, {pg_u_ldsa, pg_u_ldsa_end},
        {pg_u_rmw, pg_u_rmw_end}, {pg_u_push, pg_u_push_end},
    };
    pf.fault = true;
    pf.err = (uint32_t)f->error;
    pf.cr2 = read_cr2();
    for (unsigned i = 0; i < sizeof fix / sizeof fix[0]; i++)
        if (f->rip == (uintptr_t)fix[i].at) {
            f->rip = (uintptr_t)fix[i].resume;
            return;
        }
    if (pf.fetch_target && f->rip == pf.fetch_target) {
        /* The CALL pushed its return address; resume there without reading the (possibly
           user, SMAP-protected) stack: each primitive has one CALL. */
        f->rip = (uintptr_t)((f->cs & 3) ? pg_u_call_ret : pg_k_call_ret);
        f->rsp += 8;
        return;
    }
    guest_printf("unexpected #PF at rip=%#llx cr2=%#llx error=%#llx\n", (unsigned long long)f->rip,
                 (unsigned long long)pf.cr2, (unsigned long long)f->error);
    guest_exit(3);
}

static inline void stac(void) { __asm__ volatile("stac" ::: "memory", "cc"); }
static inline void clac(void) { __asm__ volatile("clac" ::: "memory", "cc"); }

/* Kernel write of the user parameter page (SMAP may be on: then with AC = 1). */
static void uparam_set(uint64_t la, uint64_t kind, uint64_t value)
{
    bool smap = read_cr4() & CR4_SMAP;
    if (smap)
        stac();
    pg_uparam[0] = la;
    pg_uparam[1] = kind;
    pg_uparam[2] = value;
    if (smap)
        clac();
}

uint64_t pg_kread(uint64_t la)
{
    return pg_kaccess(la - 8, ACC_READ, 0);
}

void pg_wrpkru(uint32_t v) { __asm__ volatile("wrpkru" ::"a"(v), "c"(0), "d"(0) : "memory"); }

void pg_set_ctl(const struct pg_ctl *k)
{
    uint64_t efer = rdmsr(MSR_EFER), cr0 = read_cr0(), cr4 = read_cr4();
    uint64_t nefer = k->nxe ? efer | EFER_NXE : efer & ~EFER_NXE;
    uint64_t ncr0 = k->wp ? cr0 | CR0_WP : cr0 & ~CR0_WP;
    uint64_t ncr4 = cr4 & ~(CR4_SMEP | CR4_SMAP | CR4_PKE);
    ncr4 |= (k->smep ? CR4_SMEP : 0) | (k->smap ? CR4_SMAP : 0) | (k->pke ? CR4_PKE : 0);
    if (nefer != efer)
        wrmsr(MSR_EFER, nefer);
    if (ncr0 != cr0)
        write_cr0(ncr0);
    if (ncr4 != cr4)
        write_cr4(ncr4);
    if (k->pke)
        pg_wrpkru(k->pkru);
}

static uint64_t *const test_entry[4] = {&pg_kpml4[1], &pg_t_pdpt[0], &pg_t_pd[0], &pg_t_pt[0]};

void pg_current_flags(struct pg_case *c)
{
    for (unsigned i = 0; i < pg_levels(c->leaf); i++)
        c->ent[i] = *test_entry[i] & (0xfffull | 0xfffull << 52);
}

void pg_reset_data(void)
{
    pg_data[0][0] = 0xc3;   /* RET */
    ((volatile uint64_t *)pg_data[0])[1] = LDT_DATA_DESC;
    ((volatile uint64_t *)pg_data[0])[2] = LDT_DATA_DESC & ~DESC_A;
}

static uint64_t cur_ldt_base = ~0ull;

static void set_ldt(uint64_t base)
{
    if (base == cur_ldt_base)
        return;
    ring3_set_gdt_entry(LDT_SLOT, 0xfff | (base & 0xffffff) << 16 | 0x82ull << 40 | ((base >> 24) & 0xff) << 56);
    ring3_set_gdt_entry(LDT_SLOT + 1, base >> 32);
    __asm__ volatile("lldt %w0" ::"r"(LDT_SEL) : "memory");
    cur_ldt_base = base;
}

/* Install c's entries; returns the linear address of the test page and the entry pointers. */
static uint64_t install(const struct pg_case *c, uint64_t **ptr)
{
    uint64_t pa = (uintptr_t)pg_data[0];
    uint64_t la;
    ptr[0] = &pg_kpml4[1];
    ptr[1] = &pg_t_pdpt[0];
    ptr[2] = &pg_t_pd[0];
    ptr[3] = &pg_t_pt[0];
    pg_kpml4[1] = (uintptr_t)pg_t_pdpt | c->ent[0];
    if (c->leaf == LEAF_1G) {
        pg_t_pdpt[0] = (pa & ~0x3fffffffull) | PTE_PS | c->ent[1];
        la = TEST_BASE + (pa & 0x3fffffff);
    } else {
        pg_t_pdpt[0] = (uintptr_t)pg_t_pd | c->ent[1];
        if (c->leaf == LEAF_2M) {
            pg_t_pd[0] = (pa & ~0x1fffffull) | PTE_PS | c->ent[2];
            la = TEST_BASE + (pa & 0x1fffff);
        } else {
            pg_t_pd[0] = (uintptr_t)pg_t_pt | c->ent[2];
            pg_t_pt[0] = pa | c->ent[3];
            la = TEST_BASE;
        }
    }
    pg_reset_data();
    invlpg((void *)(uintptr_t)la);
    return la;
}

uint64_t pg_install(const struct pg_case *c)
{
    uint64_t *ptr[4];
    return install(c, ptr);
}

void pg_access(const struct pg_case *c, uint64_t la, struct pg_outcome *o)
{
    if (c->acc == ACC_IMPLICIT || c->acc == ACC_IMPLICIT_W)
        set_ldt(la);
    pf.fault = false;
    pf.err = 0;
    pf.cr2 = 0;
    pf.fetch_target = la;
    o->addr = c->acc == ACC_FETCH ? la : c->acc == ACC_IMPLICIT_W ? la + 16 : la + 8;
    if (c->cpl == 0) {
        if (c->ac)
            stac();
        pg_kaccess(la, c->acc, WRITE_VALUE);
        if (c->ac)
            clac();
    } else {
        uparam_set(la, c->acc, WRITE_VALUE);
        ring3_run_on(pg_uaccess, ustack[1] + sizeof ustack[1]);
    }
    pf.fetch_target = 0;
    o->fault = pf.fault;
    o->err = pf.err;
    o->cr2 = pf.cr2;
    for (unsigned i = 0; i < 4; i++)
        o->ent[i] = *test_entry[i];
    o->data = ((volatile uint64_t *)pg_data[0])[1];
    o->desc = ((volatile uint64_t *)pg_data[0])[2];
}

void pg_prime(uint64_t la)
{
    if (pg_env.smap)
        stac();
    (void)pg_kaccess(la, ACC_READ, 0);   /* a fault (reserved bit, PKU) is fine: no entry then */
    if (pg_env.smap)
        clac();
    pf.fault = false;
}

void pg_run(const struct pg_case *c, struct pg_outcome *o)
{
    pg_access(c, pg_install(c), o);
}

/* The user pages of our identity map: code, parameters, stack. */
static void for_user_pages(void (*fn)(uint64_t *pte, uintptr_t a, uint64_t arg), uint64_t arg)
{
    for (uintptr_t a = (uintptr_t)pg_user_text; a < (uintptr_t)pg_user_text_end; a += 4096)
        fn(&kpt[a >> 21][(a >> 12) & 511], a, arg);
    uintptr_t upages[] = {(uintptr_t)pg_uparam, (uintptr_t)ustack[0], (uintptr_t)ustack[1]};
    for (unsigned i = 0; i < 3; i++)
        fn(&kpt[upages[i] >> 21][(upages[i] >> 12) & 511], upages[i], arg);
}

static void make_user(uint64_t *pte, uintptr_t a, uint64_t arg)
{
    (void)a, (void)arg;
    *pte |= PTE_U;
}

static void set_pkey(uint64_t *pte, uintptr_t a, uint64_t key)
{
    *pte = (*pte & ~PTE_PKEY(15)) | PTE_PKEY(key);
    invlpg((void *)a);
}

void pg_set_user_pkey(unsigned key)
{
    for_user_pages(set_pkey, key);
}

/* Our identity map: supervisor-only, except the user code, parameter and stack pages. */
static void build_tables(void)
{
    pg_kpml4[0] = (uintptr_t)kpdpt | PTE_P | PTE_W | PTE_U;
    for (unsigned i = 0; i < 4; i++) {
        kpdpt[i] = (uintptr_t)kpd[i] | PTE_P | PTE_W | PTE_U;
        for (unsigned j = 0; j < 512; j++)
            kpd[i][j] = ((uint64_t)i << 30 | (uint64_t)j << 21) | PTE_P | PTE_W | PTE_PS;
    }
    for (unsigned t = 0; t < 4; t++) {
        kpd[0][t] = (uintptr_t)kpt[t] | PTE_P | PTE_W | PTE_U;
        for (unsigned j = 0; j < 512; j++)
            kpt[t][j] = ((uint64_t)t << 21 | (uint64_t)j << 12) | PTE_P | PTE_W;
    }
    for_user_pages(make_user, 0);
    write_cr3((uintptr_t)pg_kpml4);
}

static void probe_env(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    unsigned max = r[0];
    cpuid(1, 0, r);
    pg_env.pcid = (r[2] >> 17) & 1;
    if (max >= 7) {
        cpuid(7, 0, r);
        pg_env.smep = (r[1] >> 7) & 1;
        pg_env.invpcid = (r[1] >> 10) & 1;
        pg_env.smap = (r[1] >> 20) & 1;
        pg_env.pku = (r[2] >> 3) & 1;
    }
    cpuid(0x80000000, 0, r);
    unsigned xmax = r[0];
    cpuid(0x80000001, 0, r);
    pg_env.nx = (r[3] >> 20) & 1;
    pg_env.gb1 = (r[3] >> 26) & 1;
    pg_env.maxphy = 36;
    if (xmax >= 0x80000008) {
        cpuid(0x80000008, 0, r);
        pg_env.maxphy = r[0] & 0xff;
    }
    pg_env.tcg = guest_on_qemu_tcg();
    const char *cmd = (const char *)(uintptr_t)guest_mbi()->cmdline;
    pg_env.tlb = TLB_UNKNOWN;
    if (!pg_env.tcg && guest_mbi()->flags & 4 && cmd) {
        if (strstr(cmd, "tlb=flush"))
            pg_env.tlb = TLB_FLUSHES;
        else if (strstr(cmd, "tlb=strict") || strstr(cmd, "tlb=normal"))
            pg_env.tlb = TLB_EXACT;
    }
}

int main(void)
{
    probe_env();
    guest_printf("paging: nx=%d smep=%d smap=%d pku=%d pcid=%d invpcid=%d 1g=%d maxphyaddr=%u tlb=%s%s\n",
                 pg_env.nx, pg_env.smep, pg_env.smap, pg_env.pku, pg_env.pcid, pg_env.invpcid, pg_env.gb1,
                 pg_env.maxphy, pg_env.tlb == TLB_EXACT ? "exact" : pg_env.tlb == TLB_FLUSHES ? "flush" : "unknown",
                 pg_env.tcg ? " (QEMU TCG)" : "");
    ring3_setup(0, NULL);
    build_tables();
    guest_set_handler(14, pf_handler);
    const char *cmd = (const char *)(uintptr_t)guest_mbi()->cmdline;
    bool only_tlb = guest_mbi()->flags & 4 && cmd && strstr(cmd, "only=tlb");
    if (!only_tlb) {
        pg_run_matrix();
        pg_run_reserved();
        pg_run_ad();
        pg_run_pku();
        pg_run_seq();
        pg_run_cross();
    }
    pg_run_tlb();
    return report_summary();
}
