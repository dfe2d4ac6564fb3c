/* Guest test vmx_ept_ext: the EPT extensions of SDM 3C, each driven by a tiny hypervisor whose
 * guest runs in its own page tables (supervisor pages everywhere but one user page) under an
 * identity EPT map. The guest loops: perform the operation the host put in `op`, then VMCALL.
 *  - mode-based execute control (§28.3.2, §28.3.3.2, Table 28-7): XS (bit 2) governs fetches
 *    from supervisor-mode linear addresses, XU (bit 10) from user-mode ones, qualification
 *    bit 6; bit 10 is ignored with the control off; the control needs enable EPT (§27.2.1.1).
 *  - VMFUNC leaf 0, EPTP switching (§26.5.6, §25.6.14): the guest switches to a second EPT
 *    that maps one data page elsewhere and back, without a VM exit; EPTP index >= 512, an
 *    invalid list entry and a disabled function exit (reason 59); VMFUNC is #UD in root
 *    operation and with "enable VM functions" clear; the EPTP-list address entry check.
 *  - page-modification logging (§29.3.6): with EPT A/D on, the page of each guest-physical
 *    write whose EPT dirty flag goes 0 -> 1 is logged (guest paging-structure pages too: their
 *    accesses count as writes), the index counts down and wraps to FFFFH, a flag update with
 *    the index out of range is a PML-full exit (reason 62) before the access; entry checks.
 *  - EPT-violation #VE (§26.5.7): a convertible violation becomes #VE (vector 20) in the guest
 *    with the information area filled (reason, FFFFFFFFH busy word, qualification, addresses,
 *    EPTP index); a busy area, the suppress-#VE bit (63) or exception-bitmap bit 20 give VM
 *    exits instead; the information-address entry check.
 * Each feature is checked only when the capability MSRs advertise it. */
#include "guest.h"
#include "vmx.h"

#define VMCS_GLA 0x640a

#define PROC2_EPT (1u << 1)
#define PROC2_VPID (1u << 5)
#define PROC2_VMFUNC (1u << 13)
#define PROC2_VE (1u << 18)
#define PROC2_MBEC (1u << 22)
#define VMCS_VMFUNC_CTL 0x2018
#define VMCS_EPTP_LIST 0x2024
#define VMCS_EPTP_INDEX 0x0004
#define PROC2_PML (1u << 17)
#define VMCS_PML_ADDR 0x200e
#define VMCS_PML_INDEX 0x0812
#define VMCS_VE_INFO 0x202a
#define EPT_SUPPRESS_VE (1ull << 63)
#define EPT_A (1ull << 8)
#define EPT_D (1ull << 9)

#define EPT_R 1ull
#define EPT_W 2ull
#define EPT_X 4ull
#define EPT_XU (1ull << 10)
#define EPT_WB (6ull << 3)
#define EPT_PS (1ull << 7)
#define EPT_ALL (EPT_R | EPT_W | EPT_X | EPT_XU)

#define PTE_P 1ull
#define PTE_RW 2ull
#define PTE_US 4ull
#define PTE_PS (1ull << 7)

/* Qualification bits (Table 28-7). */
#define Q_READ 0x1u
#define Q_WRITE 0x2u
#define Q_FETCH 0x4u
#define Q_R 0x8u
#define Q_W 0x10u
#define Q_XS 0x20u
#define Q_XU 0x40u
#define Q_GLA 0x180u   /* linear address valid, final translation */

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static uint8_t guest_stack[8192] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));

/* EPT: 4 GiB identity with 2 MiB pages; the 2 MiB region of the test pages in 4 KiB pages. */
static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[4][512] __attribute__((aligned(4096)));
static uint64_t ept_pt[512] __attribute__((aligned(4096)));
/* Guest paging: the same identity map, supervisor-only except the page code_user. */
static uint64_t g_pml4[512] __attribute__((aligned(4096)));
static uint64_t g_pdpt[512] __attribute__((aligned(4096)));
static uint64_t g_pd[4][512] __attribute__((aligned(4096)));
static uint64_t g_pt[512] __attribute__((aligned(4096)));

/* Test pages, all in one 2 MiB region with the 4 KiB tables above. */
static struct {
    uint8_t code_user[4096];          /* "mov $42, %eax; ret", user-mode linear address */
    uint8_t code_sup[4096];           /* the same code, supervisor-mode linear address */
    volatile uint64_t data[2][512];
} pages __attribute__((aligned(4096)));

/* A second EPT for EPTP switching: the same map but data page 0 backed by data page 1. */
static uint64_t ept2_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept2_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept2_pd[512] __attribute__((aligned(4096)));
static uint64_t ept2_pt[512] __attribute__((aligned(4096)));
static uint64_t eptp_list[512] __attribute__((aligned(4096)));

static uint64_t pml_log[512] __attribute__((aligned(4096)));
static uint8_t ve_info[4096] __attribute__((aligned(4096)));

enum op { OP_NONE, OP_CALL_USER, OP_CALL_SUP, OP_VMFUNC, OP_READ, OP_WRITE };
static volatile enum op op;
static volatile uint64_t result;
static volatile uint32_t vf_eax, vf_ecx;
static volatile unsigned ud_count;

static void guest_main(void)
{
    for (;;) {
        switch (op) {
        case OP_CALL_USER: result = ((uint64_t (*)(void))(uintptr_t)pages.code_user)(); break;
        case OP_CALL_SUP: result = ((uint64_t (*)(void))(uintptr_t)pages.code_sup)(); break;
        case OP_READ: result = pages.data[0][0]; break;
        case OP_WRITE: pages.data[0][0] = result; break;
        case OP_VMFUNC:
            __asm__ volatile("vmfunc" ::"a"(vf_eax), "c"(vf_ecx) : "memory");
            result = pages.data[0][0];
            break;
        default: break;
        }
        __asm__ volatile("vmcall" ::: "memory");
    }
}

static uint64_t *ept_pte(const volatile void *p)
{
    return &ept_pt[((uintptr_t)p >> 12) & 511];
}

/* The EPT entry that maps p: in the 4 KiB table for the test region, else a 2 MiB entry. */
static uint64_t *ept_leaf(const volatile void *p)
{
    uintptr_t a = (uintptr_t)p;
    if ((a & ~0x1fffffull) == ((uintptr_t)&pages & ~0x1fffffull))
        return ept_pte(p);
    return &ept_pd[a >> 30][(a >> 21) & 511];
}

static uint64_t eptp;

static void build_tables(void)
{
    uintptr_t region = (uintptr_t)&pages & ~0x1fffffull;
    ept_pml4[0] = (uintptr_t)ept_pdpt | EPT_ALL;
    g_pml4[0] = (uintptr_t)g_pdpt | PTE_P | PTE_RW | PTE_US;
    for (int g = 0; g < 4; g++) {
        ept_pdpt[g] = (uintptr_t)ept_pd[g] | EPT_ALL;
        g_pdpt[g] = (uintptr_t)g_pd[g] | PTE_P | PTE_RW | PTE_US;
        for (int i = 0; i < 512; i++) {
            uint64_t a = (uint64_t)g << 30 | (uint64_t)i << 21;
            ept_pd[g][i] = a | EPT_ALL | EPT_WB | EPT_PS;
            g_pd[g][i] = a | PTE_P | PTE_RW | PTE_PS;
        }
    }
    for (int i = 0; i < 512; i++) {
        ept_pt[i] = (region + ((uint64_t)i << 12)) | EPT_ALL | EPT_WB;
        g_pt[i] = (region + ((uint64_t)i << 12)) | PTE_P | PTE_RW;
    }
    ept_pd[region >> 30][(region >> 21) & 511] = (uintptr_t)ept_pt | EPT_ALL;
    g_pd[region >> 30][(region >> 21) & 511] = (uintptr_t)g_pt | PTE_P | PTE_RW | PTE_US;
    g_pt[((uintptr_t)pages.code_user >> 12) & 511] |= PTE_US;
    static const uint8_t ret42[] = {0xb8, 42, 0, 0, 0, 0xc3};
    for (unsigned i = 0; i < sizeof ret42; i++)
        pages.code_user[i] = pages.code_sup[i] = ret42[i];
    eptp = (uintptr_t)ept_pml4 | 6 | (3 << 3);   /* WB, 4-level walk */
}

static void setup_vmcs(void)
{
    bool true_ctls = rdmsr(0x480) & (1ull << 55);
    vmwrite(0x4000, vmx_ctl(true_ctls ? 0x48d : 0x481, 0));
    /* MSR bitmaps (none set: no MSR exits), secondary controls */
    vmwrite(0x4002, vmx_ctl(true_ctls ? 0x48e : 0x482, (1u << 28) | (1u << 31)) & ~((1u << 15) | (1u << 16)));
    vmwrite(0x400c, vmx_ctl(true_ctls ? 0x48f : 0x483, 1u << 9));   /* host address-space size */
    vmwrite(0x4012, vmx_ctl(true_ctls ? 0x490 : 0x484, 1u << 9));   /* IA-32e mode guest */
    vmwrite(0x2004, (uint64_t)(uintptr_t)msr_bitmap);
    vmwrite(0x400a, 0);
    vmwrite(0x2800, ~0ull);
    vmx_setup_flat64(tss, (uint64_t)(uintptr_t)guest_main,
                     (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack - 8));
    vmwrite(0x6802, (uintptr_t)g_pml4);   /* guest CR3: the guest's own tables */
    vmwrite(VMCS_EPTP, eptp);
    vmwrite(0x0000, 1);                   /* VPID 1 */
}

static bool launched;

/* Run the guest for one operation; returns the exit reason (0xffff: the entry failed). */
static unsigned run(enum op o)
{
    op = o;
    uint64_t r = vmx_enter_regs(!launched);
    if (r != 0)
        return 0xffff;
    launched = true;
    unsigned reason = (unsigned)vmread(VMCS_EXIT_REASON) & 0xffff;
    if (reason == 18)
        vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_LEN));
    return reason;
}

/* An EPT violation with qualification `qual` at `addr` (guest-physical = guest-linear here). */
static void expect_violation(unsigned reason, uint64_t qual, const volatile void *addr, const char *what)
{
    uint64_t q = vmread(VMCS_EXIT_QUAL), gpa = vmread(VMCS_GPA), gla = vmread(VMCS_GLA);
    report(reason == 48 && q == qual && gpa == (uintptr_t)addr && gla == (uintptr_t)addr,
           "%s: EPT violation (reason %u) qual %#lx (want %#lx) gpa %#lx gla %#lx", what, reason,
           (unsigned long)q, (unsigned long)qual, (unsigned long)gpa, (unsigned long)gla);
}

static void flush(void)
{
    vmx_invept(1, eptp);
}

/* ---- mode-based execute control ---- */
static void test_mbec(uint32_t proc2_cap)
{
    if (!(proc2_cap & PROC2_MBEC)) {
        report_skip("mode-based execute control not advertised");
        return;
    }
    /* The control needs enable EPT (VMfailValid 7). */
    vmwrite(VMCS_PROC2, PROC2_MBEC | PROC2_VPID);
    uint64_t fl = vmx_enter_regs(!launched);
    report((fl & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 7, "MBEC without enable EPT: VMfailValid 7");

    vmwrite(VMCS_PROC2, PROC2_EPT | PROC2_VPID | PROC2_MBEC);
    uint64_t *u = ept_pte(pages.code_user), *s = ept_pte(pages.code_sup);
    /* User-mode address, XS only: the fetch needs XU. */
    *u = (*u & ~EPT_ALL) | EPT_R | EPT_X;
    flush();
    result = 0;
    expect_violation(run(OP_CALL_USER), Q_FETCH | Q_R | Q_XS | Q_GLA, pages.code_user, "MBEC: fetch from a user page with XS only");
    report(result == 0, "the call did not happen");
    *u |= EPT_XU;
    flush();
    unsigned reason = run(OP_NONE);
    report(reason == 18 && result == 42, "MBEC: XU set, the user-page code ran (exit %u, result %lu)", reason,
           (unsigned long)result);
    /* Supervisor-mode address, XU only: the fetch needs XS; qualification bit 6 reports XU. */
    *s = (*s & ~EPT_ALL) | EPT_R | EPT_XU;
    flush();
    result = 0;
    expect_violation(run(OP_CALL_SUP), Q_FETCH | Q_R | Q_XU | Q_GLA, pages.code_sup, "MBEC: fetch from a supervisor page with XU only");
    *s |= EPT_X;
    flush();
    report(run(OP_NONE) == 18 && result == 42, "MBEC: XS set, the supervisor-page code ran");
    /* Control off: bit 10 is ignored, XS governs every fetch, bit 6 stays clear. */
    vmwrite(VMCS_PROC2, PROC2_EPT | PROC2_VPID);
    *u = (*u & ~EPT_ALL) | EPT_R | EPT_X;
    *s = (*s & ~EPT_ALL) | EPT_R | EPT_XU;
    flush();
    result = 0;
    report(run(OP_CALL_USER) == 18 && result == 42, "MBEC off: XS allows a fetch from a user page");
    expect_violation(run(OP_CALL_SUP), Q_FETCH | Q_R | Q_GLA, pages.code_sup, "MBEC off: XU alone does not allow a fetch");
    *s |= EPT_X;
    flush();
    report(run(OP_NONE) == 18, "guest resumed");
    *u |= EPT_ALL;
    *s |= EPT_ALL;
    flush();
}

/* #UD handler (host and guest share the IDT): count it and skip the 3-byte VMFUNC. */
static void ud_handler(struct exc_frame *f)
{
    ud_count++;
    f->rip += 3;
}

/* ---- VMFUNC leaf 0: EPTP switching ---- */
static void test_vmfunc(uint32_t proc2_cap)
{
    uint64_t vmfunc_cap = (proc2_cap & PROC2_VMFUNC) ? rdmsr(0x491) : 0;
    if (!(vmfunc_cap & 1)) {
        report_skip("VM function 0 (EPTP switching) not advertised");
        return;
    }
    guest_set_handler(6, ud_handler);
    /* The second EPT: copies of the first down to the 4 KiB table of the test region. */
    uintptr_t region = (uintptr_t)&pages & ~0x1fffffull;
    for (int i = 0; i < 512; i++) {
        ept2_pml4[i] = ept_pml4[i];
        ept2_pdpt[i] = ept_pdpt[i];
        ept2_pd[i] = ept_pd[region >> 30][i];
        ept2_pt[i] = ept_pt[i];
    }
    ept2_pml4[0] = (uintptr_t)ept2_pdpt | EPT_ALL;
    ept2_pdpt[region >> 30] = (uintptr_t)ept2_pd | EPT_ALL;
    ept2_pd[(region >> 21) & 511] = (uintptr_t)ept2_pt | EPT_ALL;
    ept2_pt[((uintptr_t)pages.data[0] >> 12) & 511] = (uintptr_t)pages.data[1] | EPT_ALL | EPT_WB;
    uint64_t eptp2 = (uintptr_t)ept2_pml4 | 6 | (3 << 3);
    eptp_list[0] = eptp;
    eptp_list[1] = eptp2;
    eptp_list[2] = ((uintptr_t)ept2_pml4) | 2 | (3 << 3);      /* memory type 2: invalid */
    pages.data[0][0] = 0x1111;
    pages.data[1][0] = 0x2222;

    /* In root operation VMFUNC is #UD. */
    ud_count = 0;
    __asm__ volatile("vmfunc" ::"a"(0), "c"(1) : "memory");
    report(ud_count == 1, "VMFUNC in VMX root operation: #UD");

    uint32_t proc2 = PROC2_EPT | PROC2_VPID | PROC2_VMFUNC;
    vmwrite(VMCS_PROC2, proc2);
    vmwrite(VMCS_VMFUNC_CTL, 1);
    vmwrite(VMCS_EPTP_LIST, (uintptr_t)eptp_list | 8);
    uint64_t fl = vmx_enter_regs(!launched);
    report((fl & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 7, "EPTP-list address not aligned: VMfailValid 7");
    vmwrite(VMCS_EPTP_LIST, (uintptr_t)eptp_list);
    vmwrite(VMCS_VMFUNC_CTL, 3);
    fl = vmx_enter_regs(!launched);
    report((fl & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 7, "VM-function control bit 1 (reserved): VMfailValid 7");
    vmwrite(VMCS_VMFUNC_CTL, 1);

    vf_eax = 0;
    vf_ecx = 1;
    result = 0;
    unsigned reason = run(OP_VMFUNC);
    report(reason == 18 && result == 0x2222 && vmread(VMCS_EPTP) == eptp2,
           "VMFUNC(0, 1): no exit, the guest reads through EPTP-list entry 1 (exit %u, read %#lx, EPTP %#lx)",
           reason, (unsigned long)result, (unsigned long)vmread(VMCS_EPTP));
    if (proc2_cap & PROC2_VE)
        report(vmread(VMCS_EPTP_INDEX) == 1, "EPTP index field is 1");
    vf_ecx = 0;
    reason = run(OP_VMFUNC);
    report(reason == 18 && result == 0x1111 && vmread(VMCS_EPTP) == eptp, "VMFUNC(0, 0): back to the first EPT");
    /* Exits (reason 59, fault-like, qualification 0, length 3). */
    static const struct { uint32_t eax, ecx; const char *what; } bad[] = {
        {0, 512, "EPTP index 512"}, {0, 2, "an invalid EPTP in the list"}, {1, 0, "function 1 (not enabled)"},
        {64, 0, "function 64"},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vf_eax = bad[i].eax;
        vf_ecx = bad[i].ecx;
        reason = run(OP_VMFUNC);
        uint64_t rip = vmread(VMCS_GUEST_RIP);
        report(reason == 59 && vmread(VMCS_EXIT_LEN) == 3 && vmread(VMCS_EXIT_QUAL) == 0 &&
                   *(const uint8_t *)(uintptr_t)(rip + 2) == 0xd4 && vmread(VMCS_EPTP) == eptp,
               "VMFUNC with %s: VM exit (reason %u), EPTP unchanged", bad[i].what, reason);
        vmwrite(VMCS_GUEST_RIP, rip + 3);
        report(run(OP_NONE) == 18 && result == 0x1111, "guest continues after the skipped VMFUNC");
    }
    /* "enable VM functions" clear: #UD in the guest. */
    vmwrite(VMCS_PROC2, PROC2_EPT | PROC2_VPID);
    vf_eax = 0;
    vf_ecx = 1;
    ud_count = 0;
    reason = run(OP_VMFUNC);
    report(reason == 18 && ud_count == 1 && result == 0x1111, "VMFUNC with enable VM functions clear: #UD in the guest");
    guest_set_handler(6, NULL);
}

/* ---- EPT-violation #VE ---- */
static volatile unsigned ve_count;
static volatile bool ve_clear;       /* the handler clears the busy word before returning */
static struct {
    uint32_t reason, busy;
    uint64_t qual, gla, gpa;
    uint16_t index;
} ve_seen;

/* The guest's #VE handler: copy the information area, VMCALL so the host fixes the EPT entry,
   re-arm (clear offset 4) and return to the faulting instruction. */
static void ve_handler(struct exc_frame *f)
{
    (void)f;
    ve_count++;
    ve_seen.reason = *(volatile uint32_t *)&ve_info[0];
    ve_seen.busy = *(volatile uint32_t *)&ve_info[4];
    ve_seen.qual = *(volatile uint64_t *)&ve_info[8];
    ve_seen.gla = *(volatile uint64_t *)&ve_info[16];
    ve_seen.gpa = *(volatile uint64_t *)&ve_info[24];
    ve_seen.index = *(volatile uint16_t *)&ve_info[32];
    __asm__ volatile("vmcall" ::: "memory");
    if (ve_clear)
        *(volatile uint32_t *)&ve_info[4] = 0;
}

static void test_ve(uint32_t proc2_cap)
{
    if (!(proc2_cap & PROC2_VE)) {
        report_skip("EPT-violation #VE not advertised");
        return;
    }
    guest_set_handler(20, ve_handler);
    vmwrite(VMCS_PROC2, PROC2_EPT | PROC2_VPID | PROC2_VE);
    vmwrite(VMCS_VE_INFO, (uintptr_t)ve_info + 0x10);
    uint64_t fl = vmx_enter_regs(!launched);
    report((fl & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 7, "#VE information address not aligned: VMfailValid 7");
    vmwrite(VMCS_VE_INFO, (uintptr_t)ve_info);
    vmwrite(VMCS_EPTP_INDEX, 5);
    uint64_t *leaf = ept_pte(pages.data[0]);
    pages.data[0][0] = 0x4242;

    /* A read of a not-present page: #VE in the guest, no EPT-violation exit. */
    *leaf &= ~(EPT_ALL | EPT_SUPPRESS_VE);
    vmx_invept(1, eptp);
    ve_count = 0;
    ve_clear = true;
    result = 0;
    unsigned reason = run(OP_READ);
    report(reason == 18 && ve_count == 1, "#VE: a convertible violation reaches the guest's handler (exit %u, #VE %u)",
           reason, ve_count);
    report(ve_seen.reason == 48 && ve_seen.busy == 0xffffffffu && ve_seen.qual == (Q_READ | Q_GLA) &&
               ve_seen.gla == (uintptr_t)pages.data[0] && ve_seen.gpa == (uintptr_t)pages.data[0] && ve_seen.index == 5,
           "#VE information: reason %u busy %#x qual %#lx gla %#lx gpa %#lx EPTP index %u", ve_seen.reason,
           ve_seen.busy, (unsigned long)ve_seen.qual, (unsigned long)ve_seen.gla, (unsigned long)ve_seen.gpa,
           ve_seen.index);
    *leaf |= EPT_ALL;
    vmx_invept(1, eptp);
    reason = run(OP_READ);
    report(reason == 18 && result == 0x4242 && ve_count == 1 && *(volatile uint32_t *)&ve_info[4] == 0,
           "#VE: after the fix the handler returns and the read completes");

    /* A busy area (offset 4 not 0): the violation is a VM exit. */
    *leaf &= ~EPT_ALL;
    vmx_invept(1, eptp);
    *(volatile uint32_t *)&ve_info[4] = 0xffffffffu;
    reason = run(OP_READ);
    report(reason == 48 && ve_count == 1, "#VE: busy information area: EPT-violation exit (reason %u)", reason);
    *(volatile uint32_t *)&ve_info[4] = 0;
    /* Suppress #VE (bit 63 of the not-present entry): a VM exit too. */
    *leaf |= EPT_SUPPRESS_VE;
    vmx_invept(1, eptp);
    reason = run(OP_READ);
    report(reason == 48 && ve_count == 1 && *(volatile uint32_t *)&ve_info[4] == 0,
           "#VE: suppress-#VE bit set: EPT-violation exit (reason %u), area untouched", reason);
    /* A write to a read-only page with bit 63 clear: #VE with the permission bits. (The
       read that exited completes first.) */
    *leaf = (*leaf & ~(EPT_ALL | EPT_SUPPRESS_VE)) | EPT_R;
    vmx_invept(1, eptp);
    report(run(OP_READ) == 18 && result == 0x4242, "the exited read completes from the read-only page");
    result = 0x4343;
    reason = run(OP_WRITE);
    report(reason == 18 && ve_count == 2 && ve_seen.qual == (Q_WRITE | Q_R | Q_GLA),
           "#VE: write to a read-only page, qualification %#lx", (unsigned long)ve_seen.qual);
    *leaf |= EPT_ALL;
    vmx_invept(1, eptp);
    reason = run(OP_WRITE);
    report(reason == 18 && pages.data[0][0] == 0x4343, "#VE: the write completes after the fix");
    /* Exception bitmap bit 20: the #VE is a VM exit (reason 0, vector 20, hardware exception). */
    vmwrite(VMCS_EXC_BITMAP, 1u << 20);
    *leaf &= ~EPT_ALL;
    vmx_invept(1, eptp);
    reason = run(OP_READ);
    uint32_t ii = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
    report(reason == 0 && ii == 0x80000314u && *(volatile uint32_t *)&ve_info[4] == 0xffffffffu && ve_count == 2,
           "#VE intercepted by the exception bitmap: exit reason %u, interruption info %#x", reason, ii);
    vmwrite(VMCS_EXC_BITMAP, 0);
    *(volatile uint32_t *)&ve_info[4] = 0;
    *leaf |= EPT_ALL;
    vmx_invept(1, eptp);
    report(run(OP_READ) == 18, "guest resumed");
    vmwrite(VMCS_PROC2, PROC2_EPT | PROC2_VPID);
    guest_set_handler(20, NULL);
}

/* Is the page of `addr` among log entries index+1 .. 511? */
static bool pml_logged(unsigned index, const volatile void *addr)
{
    for (unsigned i = index + 1; i < 512; i++)
        if (pml_log[i] == ((uintptr_t)addr & ~0xfffull))
            return true;
    return false;
}

/* ---- page-modification logging ---- */
static void test_pml(uint32_t proc2_cap)
{
    if (!(proc2_cap & PROC2_PML)) {
        report_skip("page-modification logging not advertised");
        return;
    }
    uint64_t eptp_ad = eptp | (1u << 6);
    /* Entry checks: PML needs enable EPT; the PML address must be 4 KiB aligned. */
    vmwrite(VMCS_PROC2, PROC2_VPID | PROC2_PML);
    uint64_t fl = vmx_enter_regs(!launched);
    report((fl & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 7, "PML without enable EPT: VMfailValid 7");
    vmwrite(VMCS_PROC2, PROC2_EPT | PROC2_VPID | PROC2_PML);
    vmwrite(VMCS_PML_ADDR, (uintptr_t)pml_log | 0x800);
    fl = vmx_enter_regs(!launched);
    report((fl & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 7, "PML address not aligned: VMfailValid 7");
    vmwrite(VMCS_PML_ADDR, (uintptr_t)pml_log);
    vmwrite(VMCS_PML_INDEX, 511);
    vmwrite(VMCS_EPTP, eptp_ad);
    vmx_invept(2, 0);

    /* First write: every page the guest dirties is logged, the data page among them. */
    result = 0x5a5a;
    unsigned reason = run(OP_WRITE);
    unsigned index = (unsigned)vmread(VMCS_PML_INDEX);
    bool aligned = true;
    for (unsigned i = index + 1; i < 512; i++)
        aligned &= (pml_log[i] & 0xfff) == 0;
    report(reason == 18 && index < 511 && pml_logged(index, pages.data[0]) && aligned,
           "PML: a write logs its page (index now %u, entries 4 KiB aligned)", index);
    report((*ept_pte(pages.data[0]) & (EPT_A | EPT_D)) == (EPT_A | EPT_D), "the EPT entry is accessed and dirty");
    /* Writing a dirty page again logs nothing. */
    reason = run(OP_WRITE);
    report(reason == 18 && vmread(VMCS_PML_INDEX) == index, "PML: a write to a dirty page logs nothing");
    /* Clean it: a read sets only A (no entry), the next write logs it once more. (A first
       read dirties the page of `result`, which the guest writes.) */
    run(OP_READ);
    index = (unsigned)vmread(VMCS_PML_INDEX);
    *ept_pte(pages.data[0]) &= ~(EPT_A | EPT_D);
    vmx_invept(1, eptp_ad);
    reason = run(OP_READ);
    report(reason == 18 && vmread(VMCS_PML_INDEX) == index && (*ept_pte(pages.data[0]) & (EPT_A | EPT_D)) == EPT_A,
           "PML: a read of a clean page sets A and logs nothing");
    reason = run(OP_WRITE);
    report(reason == 18 && vmread(VMCS_PML_INDEX) == index - 1 && pml_log[index] == (uintptr_t)pages.data[0],
           "PML: the write after cleaning logs entry %u = %#lx", index, (unsigned long)pml_log[index]);
    /* Guest paging-structure accesses count as writes: the guest page-table page is logged. */
    uint64_t *gpt_leaf = ept_leaf(g_pt);
    *gpt_leaf &= ~(EPT_A | EPT_D);
    vmx_invept(1, eptp_ad);
    index = (unsigned)vmread(VMCS_PML_INDEX);
    reason = run(OP_READ);
    report(reason == 18 && vmread(VMCS_PML_INDEX) < index && pml_logged((unsigned)vmread(VMCS_PML_INDEX), g_pt) &&
               (*gpt_leaf & EPT_D),
           "PML: a guest page walk logs the page-table page %#lx", (unsigned long)(uintptr_t)g_pt);

    /* Log full (index FFFFH): the write is a PML-full exit before it happens. */
    *ept_pte(pages.data[0]) &= ~(EPT_A | EPT_D);
    vmx_invept(1, eptp_ad);
    vmwrite(VMCS_PML_INDEX, 0xffff);
    uint64_t before = pages.data[0][0];
    result = 0x7777;
    reason = run(OP_WRITE);
    report(reason == 62 && pages.data[0][0] == before && !(*ept_pte(pages.data[0]) & (EPT_A | EPT_D)),
           "PML full: VM exit (reason %u) before the write, no EPT flag set", reason);
    vmwrite(VMCS_PML_INDEX, 511);
    reason = run(OP_NONE);
    report(reason == 18 && pages.data[0][0] == 0x7777 && pml_log[511] == (uintptr_t)pages.data[0] &&
               vmread(VMCS_PML_INDEX) == 510,
           "PML: after the exit the write completes into entry 511");
    /* Index 0: the entry is written and the index wraps to FFFFH. */
    *ept_pte(pages.data[0]) &= ~EPT_D;
    vmx_invept(1, eptp_ad);
    vmwrite(VMCS_PML_INDEX, 0);
    pml_log[0] = 0;
    reason = run(OP_WRITE);
    report(reason == 18 && pml_log[0] == (uintptr_t)pages.data[0] && vmread(VMCS_PML_INDEX) == 0xffff,
           "PML: index 0 logs entry 0 and wraps to FFFFH (%#lx)", (unsigned long)vmread(VMCS_PML_INDEX));
    vmwrite(VMCS_PROC2, PROC2_EPT | PROC2_VPID);
    vmwrite(VMCS_EPTP, eptp);
    vmx_invept(2, 0);
}

int main(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    bool on = (r[2] & (1u << 5)) && vmx_enable(vmxon_region, vmcs);   /* CPUID.1:ECX.VMX */
    report(on, "VMX operation: VMXON, VMCLEAR, VMPTRLD");
    if (!on)
        return report_summary();
    uint32_t proc2_cap = (uint32_t)(rdmsr(0x48b) >> 32);
    if (!(proc2_cap & PROC2_EPT) || !(proc2_cap & PROC2_VPID)) {
        report_skip("enable EPT / enable VPID not advertised");
        return report_summary();
    }
    build_tables();
    setup_vmcs();
    vmwrite(VMCS_PROC2, PROC2_EPT | PROC2_VPID);
    report(run(OP_NONE) == 18, "guest runs in its own page tables under EPT");

    test_mbec(proc2_cap);
    test_vmfunc(proc2_cap);
    test_pml(proc2_cap);
    test_ve(proc2_cap);

    __asm__ volatile("vmxoff" ::: "cc");
    return report_summary();
}
