/* Guest test vmx_tlb: what survives VM transitions in the TLB, and what INVEPT, INVVPID,
 * INVLPG and MOV CR3 remove (SDM 3C §29.1, §29.4.3.1-2). A tiny hypervisor runs a guest with
 * EPT (identity) and VPID 1 and its own page tables; the guest reads one linear address
 * (TEST_LA) that the guest's and the host's page tables map to different pages, then VMCALLs.
 * The hypervisor changes EPT entries and page-table entries behind the back of the side that
 * cached them and looks at what each side reads next.
 *
 * Run with -append "tlb=MODE" matching -cpu intel,tlb=MODE. Where the hypervisor forgot an
 * invalidation the architecture allows the old or the new value: tlb=strict must show the old
 * (stale) one, tlb=flush the new one, tlb=normal either. Everything the architecture
 * guarantees (the invalidations, tags keeping root and guest apart, VPID 0000H flushed by
 * transitions without VPID) is checked in every mode. */
#include "guest.h"
#include "vmx.h"

#define TEST_LA 0x8000000000ull   /* PML4 slot 1: unused by the runtime's identity map */
#define PTE_PW 3ull               /* present, writable */

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t guest_stack[8192] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));

/* Four data pages A-D, each filled with its own value; 32 KiB-aligned so that they share one
   2 MiB region (mapped by the 4 KiB EPT table). */
enum { PA, PB, PC, PD };
static volatile uint64_t pages[4][512] __attribute__((aligned(32768)));
static uint64_t val(int page)
{
    return 0xaaaaaaaa00000000ull + 0x1111111100000000ull * (uint64_t)page + 0x55;
}

/* TEST_LA's page-table chains: the guest's (under its own PML4, otherwise a copy of the
   host's) and the host's (in the host's PML4). */
static uint64_t guest_pml4[512] __attribute__((aligned(4096)));
static uint64_t tables[2][3][512] __attribute__((aligned(4096)));   /* [guest/host][PDPT, PD, PT] */
#define GUEST_PTE (tables[0][2][0])
#define HOST_PTE (tables[1][2][0])

static struct vmx_ept_tables ept;

static enum { NORMAL, STRICT, FLUSH } mode;
static const char *const mode_name[] = {"normal", "strict", "flush"};

/* The guest: optionally invalidate (guest_op 1: INVLPG TEST_LA, 2: MOV CR3), read TEST_LA
   into guest_val, VMCALL; forever. In assembly: the hypervisor does not preserve the guest's
   registers across the VM exit. */
static volatile int guest_op __attribute__((used));
static volatile uint64_t guest_val __attribute__((used));
void guest_main(void);
__asm__(".text\n"
        "guest_main:\n"
        "1: movl guest_op(%rip), %eax\n"
        "   movabs $0x8000000000, %rbx\n"           /* TEST_LA */
        "   cmpl $1, %eax; jne 2f; invlpg (%rbx); jmp 3f\n"
        "2: cmpl $2, %eax; jne 3f; mov %cr3, %rcx; mov %rcx, %cr3\n"
        "3: mov (%rbx), %rcx; mov %rcx, guest_val(%rip)\n"
        "   vmcall\n"
        "   jmp 1b\n");

static bool launched;

/* One guest round: enter, expect its VMCALL, step over it; returns what the guest read. */
static uint64_t run_guest(void)
{
    guest_val = 0;
    uint64_t e = vmx_enter(!launched);
    launched = true;
    if (e != 0 || vmread(VMCS_EXIT_REASON) != 18) {
        report(false, "guest round: entry status %#lx, exit reason %lu (want VMCALL)", (unsigned long)e,
               (unsigned long)vmread(VMCS_EXIT_REASON));
        return ~0ull;
    }
    vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_LEN));
    return guest_val;
}

static uint64_t host_read(void)
{
    return *(volatile uint64_t *)TEST_LA;
}

static uint64_t page_pa(int page)
{
    return (uintptr_t)pages[page];
}

/* A mapping changed without the invalidation it needs: old or new is architectural; strict
   mode must keep the old translation, flush mode must have dropped it. */
static void check_stale(uint64_t got, int old, int new, const char *what)
{
    bool ok = mode == STRICT ? got == val(old) : mode == FLUSH ? got == val(new) : got == val(old) || got == val(new);
    report(ok, "%s: read %#lx (old %#lx, new %#lx; tlb=%s wants %s)", what, (unsigned long)got,
           (unsigned long)val(old), (unsigned long)val(new), mode_name[mode],
           mode == STRICT ? "old" : mode == FLUSH ? "new" : "either");
}

static void check_value(uint64_t got, int page, const char *what)
{
    report(got == val(page), "%s: read %#lx (want %#lx)", what, (unsigned long)got, (unsigned long)val(page));
}

static uint64_t *ept_pte(int page)
{
    return vmx_ept_pte(&ept, page_pa(page));
}

/* TEST_LA -> page A for the guest, page D for the host. */
static void build_tables(void)
{
    uint64_t *host_pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
    for (int s = 0; s < 2; s++) {
        tables[s][0][0] = (uintptr_t)tables[s][1] | PTE_PW;
        tables[s][1][0] = (uintptr_t)tables[s][2] | PTE_PW;
    }
    GUEST_PTE = page_pa(PA) | PTE_PW;
    HOST_PTE = page_pa(PD) | PTE_PW;
    host_pml4[1] = (uintptr_t)tables[1][0] | PTE_PW;
    memcpy(guest_pml4, host_pml4, sizeof guest_pml4);
    guest_pml4[1] = (uintptr_t)tables[0][0] | PTE_PW;
    write_cr3(read_cr3());
}

static void setup_vmcs(uint64_t eptp)
{
    bool true_ctls = rdmsr(0x480) & (1ull << 55);
    uint32_t pin_msr = true_ctls ? 0x48d : 0x481, proc_msr = true_ctls ? 0x48e : 0x482;
    uint32_t exit_msr = true_ctls ? 0x48f : 0x483, entry_msr = true_ctls ? 0x490 : 0x484;
    vmwrite(0x4000, vmx_ctl(pin_msr, 0));
    /* HLT and unconditional I/O exiting, secondary controls; no CR3 or INVLPG exiting */
    vmwrite(VMCS_PROC, vmx_ctl(proc_msr, (1u << 7) | (1u << 24) | (1u << 31)));
    vmwrite(VMCS_PROC2, vmx_ctl(0x48b, 0x22));                /* enable EPT, enable VPID */
    vmwrite(VMCS_VPID, 1);
    vmwrite(VMCS_EPTP, eptp);
    vmwrite(0x400c, vmx_ctl(exit_msr, 1u << 9));              /* host address-space size */
    vmwrite(0x4012, vmx_ctl(entry_msr, 1u << 9));             /* IA-32e mode guest */
    vmwrite(0x400a, 0);                                       /* CR3-target count */
    vmwrite(0x2800, ~0ull);                                   /* VMCS link pointer */
    vmx_setup_flat64(tss, (uint64_t)(uintptr_t)guest_main,
                     (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack - 8));
    vmwrite(VMCS_GUEST_CR3, (uintptr_t)guest_pml4);
}

/* Root and guest map TEST_LA differently; neither may use the other's entry. */
static void test_tags(void)
{
    check_value(host_read(), PD, "root reads its own mapping");
    check_value(run_guest(), PA, "guest reads its own mapping, not root's cached one");
    check_value(host_read(), PD, "root after the VM exit: not the guest's entry");
}

/* Combined mappings survive transitions with VPID; INVEPT removes them. */
static void test_invept(uint64_t eptp)
{
    *ept_pte(PA) = page_pa(PB) | EPT_RWX | EPT_WB;   /* gpa of A -> host page B, no INVEPT */
    check_stale(run_guest(), PA, PB, "EPT entry changed without INVEPT");
    report((vmx_invept(1, eptp) & VMX_STATUS) == 0, "INVEPT single context");
    check_value(run_guest(), PB, "after INVEPT single context the new EPT entry is used");
    *ept_pte(PA) = page_pa(PA) | EPT_RWX | EPT_WB;
    check_stale(run_guest(), PB, PA, "EPT entry restored without INVEPT");
    report((vmx_invept(2, 0) & VMX_STATUS) == 0, "INVEPT all contexts");
    check_value(run_guest(), PA, "after INVEPT all contexts");
}

/* Guest linear mappings survive transitions with VPID; each INVVPID type removes its scope. */
static void test_invvpid(void)
{
    GUEST_PTE = page_pa(PC) | PTE_PW;
    check_stale(run_guest(), PA, PC, "guest PTE changed without INVVPID (VPID entries survive exit+entry)");
    report((vmx_invvpid(1, 2, 0) & VMX_STATUS) == 0, "INVVPID single context of VPID 2");
    check_stale(run_guest(), PA, PC, "INVVPID of another VPID leaves VPID 1's entry");
    report((vmx_invvpid(0, 1, TEST_LA) & VMX_STATUS) == 0, "INVVPID individual address");
    check_value(run_guest(), PC, "after INVVPID individual address");
    GUEST_PTE = page_pa(PA) | PTE_PW;
    vmx_invvpid(1, 1, 0);
    check_value(run_guest(), PA, "after INVVPID single context");
    GUEST_PTE = page_pa(PC) | PTE_PW;
    vmx_invvpid(3, 1, 0);
    check_value(run_guest(), PC, "after INVVPID single context retaining globals (entry not global)");
    GUEST_PTE = page_pa(PA) | PTE_PW;
    vmx_invvpid(2, 0, 0);
    check_value(run_guest(), PA, "after INVVPID all contexts");
}

/* Root's entries survive transitions with VPID; the guest's INVLPG and MOV CR3 touch only
   VPID 1 (SDM 3C §29.4.3.1: the current VPID). */
static void test_root_entries(void)
{
    check_value(host_read(), PD, "root reads page D");
    HOST_PTE = page_pa(PC) | PTE_PW;   /* no INVLPG */
    run_guest();
    check_stale(host_read(), PD, PC, "root PTE changed without INVLPG, across VM entry and exit");
    invlpg((const void *)TEST_LA);
    check_value(host_read(), PC, "root after INVLPG");

    HOST_PTE = page_pa(PD) | PTE_PW;
    guest_op = 1;
    check_value(run_guest(), PA, "guest INVLPG, then read");
    check_stale(host_read(), PC, PD, "guest INVLPG of the same address leaves root's entry");
    invlpg((const void *)TEST_LA);
    check_value(host_read(), PD, "root after INVLPG");
    HOST_PTE = page_pa(PC) | PTE_PW;
    guest_op = 2;
    check_value(run_guest(), PA, "guest MOV CR3, then read");
    check_stale(host_read(), PD, PC, "guest MOV CR3 leaves root's entry");
    invlpg((const void *)TEST_LA);

    /* The guest's own invalidations do reach its entries. */
    GUEST_PTE = page_pa(PC) | PTE_PW;
    guest_op = 1;
    check_value(run_guest(), PC, "guest INVLPG removes its own stale entry");
    GUEST_PTE = page_pa(PA) | PTE_PW;
    guest_op = 2;
    check_value(run_guest(), PA, "guest MOV CR3 removes its own stale entry");
    guest_op = 0;
}

/* With "enable VPID" = 0, VM entry and exit invalidate VPID 0000H's mappings: root's and the
   guest's (SDM 3C §29.4.3.1). Guaranteed in every mode. */
static void test_no_vpid(void)
{
    vmwrite(VMCS_PROC2, vmx_ctl(0x48b, 0x02));   /* EPT only */
    check_value(run_guest(), PA, "VPID off: guest reads page A");
    GUEST_PTE = page_pa(PC) | PTE_PW;
    check_value(run_guest(), PC, "VPID off: the guest's entry did not survive exit and entry");
    GUEST_PTE = page_pa(PA) | PTE_PW;
    check_value(host_read(), PC, "VPID off: root reads page C");
    HOST_PTE = page_pa(PD) | PTE_PW;
    check_value(run_guest(), PA, "VPID off: guest round");
    check_value(host_read(), PD, "VPID off: root's entry did not survive entry and exit");
}

int main(void)
{
    const char *cmd = (const char *)(uintptr_t)guest_mbi()->cmdline;
    mode = strstr(cmd, "tlb=strict") ? STRICT : strstr(cmd, "tlb=flush") ? FLUSH : NORMAL;
    guest_printf("expecting tlb=%s\n", mode_name[mode]);
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 5)) || ((rdmsr(0x48b) >> 32) & 0x22) != 0x22) {
        report(false, "VMX with enable EPT and enable VPID");
        return report_summary();
    }
    for (int p = 0; p < 4; p++)
        for (int i = 0; i < 512; i++)
            pages[p][i] = val(p);
    build_tables();
    report(vmx_enable(vmxon_region, vmcs), "VMXON, VMCLEAR, VMPTRLD");
    uint64_t eptp = vmx_ept_identity_4k(&ept, page_pa(PA));
    setup_vmcs(eptp);

    test_tags();
    test_invept(eptp);
    test_invvpid();
    test_root_entries();
    test_no_vpid();

    __asm__ volatile("vmxoff" ::: "cc");
    return report_summary();
}
