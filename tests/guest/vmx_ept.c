/* Guest test vmx_ept: a tiny hypervisor runs its guest under EPT (identity map of 4 GiB with
 * 2 MiB pages, and 4 KiB pages around two test pages) with VPID 1. The guest writes a
 * read-only page and reads a non-present one: the hypervisor sees EPT violations (exit reason
 * 48) with the exit qualification of SDM 3C Table 28-7, the guest-physical and guest-linear
 * addresses, fixes the entry, runs INVEPT and resumes; the access then completes. A
 * write-only entry is an EPT misconfiguration (reason 49). INVEPT/INVVPID types and their
 * VMfail cases. SDM 3C §28.3, §31 (INVEPT, INVVPID). */
#include "guest.h"
#include "vmx.h"

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static uint8_t guest_stack[8192] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));

static void guest_main(void);

static void setup_vmcs(void)
{
    /* HLT, unconditional I/O, MSR bitmaps, CR3-load exiting; host address-space size; IA-32e
       mode guest */
    vmx_setup_controls(0, (1u << 7) | (1u << 24) | (1u << 28) | (1u << 15), 1u << 9, 1u << 9);
    vmwrite(0x2004, (uint64_t)(uintptr_t)msr_bitmap);
    msr_bitmap[0x1b / 8] |= 1u << (0x1b % 8);

    vmx_setup_flat64(tss, (uint64_t)(uintptr_t)guest_main,
                     (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack - 8));
}

static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[4][512] __attribute__((aligned(4096)));
static uint64_t ept_pt[512] __attribute__((aligned(4096)));
/* Two test pages inside one 2 MiB region that the 4 KiB table maps. */
static volatile uint64_t test_pages[2][512] __attribute__((aligned(4096)));

#define EPT_PS (1ull << 7)

static uint64_t *test_pte(int i)
{
    return &ept_pt[((uintptr_t)test_pages[i] >> 12) & 511];
}

static uint64_t build_ept(void)
{
    ept_pml4[0] = (uintptr_t)ept_pdpt | EPT_RWX;
    for (int g = 0; g < 4; g++) {
        ept_pdpt[g] = (uintptr_t)ept_pd[g] | EPT_RWX;
        for (int i = 0; i < 512; i++)
            ept_pd[g][i] = ((uint64_t)g << 30 | (uint64_t)i << 21) | EPT_RWX | EPT_WB | EPT_PS;
    }
    uintptr_t region = (uintptr_t)test_pages[0] & ~0x1fffffull;
    for (int i = 0; i < 512; i++)
        ept_pt[i] = (region + ((uint64_t)i << 12)) | EPT_RWX | EPT_WB;
    ept_pd[region >> 30][(region >> 21) & 511] = (uintptr_t)ept_pt | EPT_RWX;
    return (uintptr_t)ept_pml4 | 6 | (3 << 3);   /* WB, 4-level walk */
}

/* The guest: a write to page 0, a read of page 1, a read of page 0, then VMCALLs. */
static void guest_main(void)
{
    test_pages[0][0] = 0x1234;
    uint64_t v = test_pages[1][3];
    __asm__ volatile("vmcall" :: "a"(v));
    v = test_pages[0][1];
    __asm__ volatile("vmcall" :: "a"(v));
    for (;;)
        __asm__ volatile("vmcall");
}

static void check_violation(uint64_t r, uint64_t qual, const volatile void *addr, const char *what)
{
    uint64_t got_q = vmread(VMCS_EXIT_QUAL), gpa = vmread(0x2400), gla = vmread(0x640a);
    report(r == 0 && vmread(VMCS_EXIT_REASON) == 48 && got_q == qual && gpa == (uintptr_t)addr &&
               gla == (uintptr_t)addr,
           "%s: EPT violation (reason %lu) qual %#lx (want %#lx) gpa %#lx gla %#lx", what,
           (unsigned long)vmread(VMCS_EXIT_REASON), (unsigned long)got_q, (unsigned long)qual,
           (unsigned long)gpa, (unsigned long)gla);
}

int main(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 5))) {
        report(false, "CPUID.1:ECX.VMX");
        return report_summary();
    }
    uint64_t basic = rdmsr(0x480);
    uint64_t proc2_cap = rdmsr(0x48b) >> 32, cap = rdmsr(0x48c);
    report((proc2_cap & 0x22) == 0x22, "PROCBASED_CTLS2 allows enable EPT and enable VPID");
    report((cap & 0x0f0106104141ull) == 0x0f0106104141ull, "EPT_VPID_CAP %#lx: X-only, 4-level, WB, 2M, INVEPT 1/2, A/D, INVVPID 0-3",
           (unsigned long)cap);
    uint64_t fc = rdmsr(0x3a);
    if (!(fc & 1))
        wrmsr(0x3a, fc | 5);
    write_cr0(read_cr0() | (1u << 5));
    write_cr4(read_cr4() | (1u << 13));
    uint32_t rev = (uint32_t)basic & 0x7fffffff;
    *(uint32_t *)vmxon_region = rev;
    *(uint32_t *)vmcs = rev;
    report((vmxon((uint64_t)(uintptr_t)vmxon_region) & VMX_STATUS) == 0, "VMXON");
    report((vmclear((uint64_t)(uintptr_t)vmcs) & VMX_STATUS) == 0 && (vmptrld((uint64_t)(uintptr_t)vmcs) & VMX_STATUS) == 0,
           "VMCLEAR, VMPTRLD");
    setup_vmcs();
    vmwrite(0x4002, vmread(0x4002) | (1u << 31));               /* secondary controls */
    vmwrite(0x401e, 0x22);                                      /* enable EPT, enable VPID */
    vmwrite(0x0000, 1);                                         /* VPID 1 */
    uint64_t eptp = build_ept();
    vmwrite(0x201a, eptp);
    vmwrite(VMCS_GUEST_RIP, (uint64_t)(uintptr_t)guest_main);

    /* EPTP checks at VM entry: a reserved memory type fails with VMfailValid 7. */
    vmwrite(0x201a, (eptp & ~7ull) | 2);
    uint64_t e = vmx_enter(true);
    report((e & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 7, "EPTP memory type 2: VMfailValid 7");
    vmwrite(0x0000, 0);
    vmwrite(0x201a, eptp);
    e = vmx_enter(true);
    report((e & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 7, "enable VPID with VPID 0: VMfailValid 7");
    vmwrite(0x0000, 1);

    /* Page 0 read-only: the guest's write is an EPT violation on the final translation. */
    *test_pte(0) &= ~2ull;
    *test_pte(1) &= ~7ull;
    e = vmx_enter(true);
    check_violation(e, 0x2 | 0x8 | 0x20 | 0x80 | 0x100, &test_pages[0][0], "write to a read+execute page");
    report(test_pages[0][0] == 0, "the faulting write did not happen");
    *test_pte(0) |= 2;
    report((vmx_invept(1, eptp) & VMX_STATUS) == 0, "INVEPT single context");
    /* Page 1 not present: the read faults with no permissions in bits 5:3. */
    e = vmx_enter(false);
    check_violation(e, 0x1 | 0x80 | 0x100, &test_pages[1][3], "read of a non-present page");
    report(test_pages[0][0] == 0x1234, "the write completed after the fix");
    /* A write-only entry is a misconfiguration (reason 49) with the guest-physical address. */
    *test_pte(1) |= 2;
    report((vmx_invept(2, 0) & VMX_STATUS) == 0, "INVEPT all contexts");
    e = vmx_enter(false);
    report(e == 0 && vmread(VMCS_EXIT_REASON) == 49 && vmread(0x2400) == (uintptr_t)&test_pages[1][3],
           "write-only EPT entry: misconfiguration (reason %lu) gpa %#lx", (unsigned long)vmread(VMCS_EXIT_REASON),
           (unsigned long)vmread(0x2400));
    *test_pte(1) |= 1;
    test_pages[1][3] = 0x5678;
    e = vmx_enter(false);
    report(e == 0 && vmread(VMCS_EXIT_REASON) == 18, "guest resumed to its VMCALL after the fixes");
    vmx_skip_insn();

    /* Execute-only page (advertised in EPT_VPID_CAP bit 0): a read is a violation with only
       bit 5 (executable) among the permission bits. */
    *test_pte(0) = (*test_pte(0) & ~7ull) | 4;                   /* execute-only */
    report((vmx_invept(1, eptp) & VMX_STATUS) == 0, "INVEPT after making page 0 execute-only");
    e = vmx_enter(false);
    check_violation(e, 0x1 | 0x20 | 0x80 | 0x100, &test_pages[0][1], "read of an execute-only page");
    *test_pte(0) |= 3;
    report((vmx_invept(1, eptp) & VMX_STATUS) == 0, "INVEPT");
    e = vmx_enter(false);
    report(e == 0 && vmread(VMCS_EXIT_REASON) == 18, "guest read the page after the fix");
    vmx_skip_insn();

    /* INVEPT/INVVPID VMfail cases (SDM 3C §31.3): unsupported types and bad operands. */
    report((vmx_invept(0, eptp) & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 28, "INVEPT type 0: VMfailValid 28");
    report((vmx_invept(3, eptp) & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 28, "INVEPT type 3: VMfailValid 28");
    report((vmx_invept(1, (eptp & ~7ull) | 2) & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 28, "INVEPT of an invalid EPTP: VMfailValid 28");
    report((vmx_invvpid(0, 1, 0x1000) & VMX_STATUS) == 0, "INVVPID individual address");
    report((vmx_invvpid(1, 1, 0) & VMX_STATUS) == 0, "INVVPID single context");
    report((vmx_invvpid(2, 0, 0) & VMX_STATUS) == 0, "INVVPID all contexts");
    report((vmx_invvpid(3, 1, 0) & VMX_STATUS) == 0, "INVVPID single context retaining globals");
    report((vmx_invvpid(1, 0, 0) & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 28, "INVVPID of VPID 0: VMfailValid 28");
    report((vmx_invvpid(0, 1, 0x800000000000ull) & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 28,
           "INVVPID of a non-canonical address: VMfailValid 28");
    report((vmx_invvpid(1, 0x10001, 0) & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 28, "INVVPID descriptor bits 63:16: VMfailValid 28");
    report((vmx_invvpid(4, 1, 0) & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 28, "INVVPID type 4: VMfailValid 28");
    e = vmx_enter(false);
    report(e == 0 && vmread(VMCS_EXIT_REASON) == 18, "guest still runs");

    __asm__ volatile("vmxoff" ::: "cc");
    return report_summary();
}
