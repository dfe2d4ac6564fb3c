/* Guest test vmx_unrestricted: "unrestricted guest" (secondary control bit 7, SDM 3C §26.6.2,
 * §27.3.1). A hypervisor of our own enters a guest in real mode under an identity EPT; the
 * guest (vmx_unrestricted_guest.S) stores through EPT, takes a software interrupt through its
 * IVT, exits on CPUID, faults on an EPT-absent page, switches to unpaged protected mode and
 * back to real mode (clearing CR0.PE, which only unrestricted guest allows in VMX operation)
 * and halts; in protected mode a far JMP to a TSS causes a task-switch exit. Each VM exit's guest state is checked. Without unrestricted guest the same VMCS
 * fails VM entry (exit reason 33); unrestricted guest without EPT fails with VMfailValid 7. */
#include "guest.h"
#include "vmx.h"

#define URG_BASE 0x60000u
#define URG_SEG (URG_BASE >> 4)
#define URG_SS 0x6200u
#define URG_IVT 0x64000u          /* guest IDTR base: its real-mode IVT */
#define URG_ABSENT 0x65000u       /* EPT-absent page of the EPT-violation exit */

#define VMCS_ENTRY 0x4012
#define CR0_PE 1u
#define CR0_PG 0x80000000u

extern const char urg_begin[], urg_end[], urg_int40[];

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t tss[104] __attribute__((aligned(16)));
static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[4][512] __attribute__((aligned(4096)));
static uint64_t ept_pt[512] __attribute__((aligned(4096)));   /* 4 KiB pages of the first 2 MiB */

static volatile uint8_t *low(uint32_t pa)
{
    return (volatile uint8_t *)(uintptr_t)pa;
}

/* A guest segment register's selector, base, limit and access rights (encodings: SDM 3C
 * Appendix B). i: ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5. */
static void guest_seg(unsigned i, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
    vmwrite(0x0800 + 2 * i, sel);
    vmwrite(0x6806 + 2 * i, base);
    vmwrite(0x4800 + 2 * i, limit);
    vmwrite(0x4814 + 2 * i, ar);
}

/* The guest state of a real-mode guest at URG_SEG:0 (CR0.PE = CR0.PG = 0, not IA-32e). */
static void setup_real_mode_guest(void)
{
    vmwrite(VMCS_GUEST_CR0, read_cr0() & ~(uint64_t)(CR0_PE | CR0_PG));
    vmwrite(0x6802, 0);                                         /* CR3 */
    vmwrite(0x6804, read_cr4() & ~(1ull << 17));                /* CR4 without PCIDE */
    vmwrite(VMCS_ENTRY, vmread(VMCS_ENTRY) & ~(1u << 9));       /* not an IA-32e mode guest */
    guest_seg(0, URG_SEG, URG_BASE, 0xffff, 0x93);
    guest_seg(1, URG_SEG, URG_BASE, 0xffff, 0x9b);
    guest_seg(2, URG_SS, URG_SS << 4, 0xffff, 0x93);
    guest_seg(3, URG_SEG, URG_BASE, 0xffff, 0x93);
    guest_seg(4, 0, 0, 0xffff, 0x93);
    guest_seg(5, 0, 0, 0xffff, 0x93);
    vmwrite(0x6818, URG_IVT);                                   /* IDTR base */
    vmwrite(0x4812, 0x3ff);
    vmwrite(VMCS_GUEST_RIP, 0);
    vmwrite(0x681c, 0x1000);                                    /* RSP: top of SS */
    vmwrite(0x6820, 2);                                         /* RFLAGS */
}

static uint64_t build_ept(void)
{
    uint64_t eptp = vmx_ept_identity(ept_pml4, ept_pdpt, ept_pd);
    for (int i = 0; i < 512; i++)
        ept_pt[i] = ((uint64_t)i << 12) | 7 | 6 << 3;
    ept_pd[0][0] = (uintptr_t)ept_pt | 7;
    return eptp;
}

static bool expect_exit(uint64_t r, uint32_t reason, const char *what)
{
    uint32_t got = (uint32_t)vmread(VMCS_EXIT_REASON);
    report(r == 0 && got == reason, "%s: VM exit reason %u (want %u), entry rflags %#lx", what, got, reason,
           (unsigned long)r);
    return r == 0 && got == reason;
}

static uint32_t seg_sel(unsigned i) { return (uint32_t)vmread(0x0800 + 2 * i); }
static uint64_t seg_base(unsigned i) { return vmread(0x6806 + 2 * i); }

int main(void)
{
    uint64_t basic = rdmsr(0x480);
    uint64_t proc2_cap = rdmsr(0x48b) >> 32;
    report(proc2_cap & (1u << 7), "PROCBASED_CTLS2 allows unrestricted guest (%#lx)", (unsigned long)proc2_cap);
    report(vmx_enable(vmxon_region, vmcs), "VMXON, VMCLEAR, VMPTRLD");

    bool true_ctls = basic & (1ull << 55);
    uint32_t pin_msr = true_ctls ? 0x48d : 0x481, proc_msr = true_ctls ? 0x48e : 0x482;
    uint32_t exit_msr = true_ctls ? 0x48f : 0x483, entry_msr = true_ctls ? 0x490 : 0x484;
    vmwrite(0x4000, vmx_ctl(pin_msr, 0));
    vmwrite(0x4002, vmx_ctl(proc_msr, (1u << 7) | (1u << 31)));        /* HLT exiting, secondary */
    vmwrite(0x400c, vmx_ctl(exit_msr, 1u << 9));                         /* host address-space size */
    vmwrite(0x4012, vmx_ctl(entry_msr, 0));
    vmwrite(0x400a, 0);
    vmwrite(0x2800, ~0ull);                                              /* VMCS link pointer */
    vmx_setup_flat64(tss, 0, 0);
    setup_real_mode_guest();

    /* The guest's code and IVT entry 0x40 in low memory (identity-mapped by EPT). */
    for (const char *p = urg_begin; p < urg_end; p++)
        *low(URG_BASE + (uint32_t)(p - urg_begin)) = (uint8_t)*p;
    *(volatile uint32_t *)low(URG_IVT + 0x40 * 4) = URG_SEG << 16 | (uint32_t)(urg_int40 - urg_begin);
    uint64_t eptp = build_ept();
    vmwrite(0x201a, eptp);

    /* Without unrestricted guest, CR0.PE = 0 fails the guest-state checks (§27.3.1.1). */
    vmwrite(VMCS_PROC2, 0x2);                                            /* enable EPT only */
    uint64_t r = vmx_enter(true);
    report(r == 0 && vmread(VMCS_EXIT_REASON) == (0x80000000u | 33),
           "real-mode guest without unrestricted guest: VM-entry failure, reason %#lx",
           (unsigned long)vmread(VMCS_EXIT_REASON));
    /* Unrestricted guest needs EPT (§27.2.1.1): VMfailValid 7. */
    vmwrite(VMCS_PROC2, 1u << 7);
    r = vmx_enter(true);
    report((r & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 7, "unrestricted guest without EPT: VMfailValid %lu",
           (unsigned long)vmread(VMCS_INSN_ERROR));
    setup_real_mode_guest();
    vmwrite(VMCS_PROC2, (1u << 7) | 0x2);

    /* Exit 1: CPUID in real mode, after a store and INT 40H. */
    if (!expect_exit(vmx_enter(true), 10, "CPUID in real mode"))
        return report_summary();
    report(*(volatile uint16_t *)low(URG_BASE + 0x1000) == 0x1234, "real-mode store reached gpa 0x61000");
    report(*(volatile uint16_t *)low(URG_BASE + 0x100c) == 0x5678, "INT 40H ran the handler from the guest's IVT");
    report((*(volatile uint32_t *)low(URG_BASE + 0x1004) & (CR0_PE | CR0_PG)) == 0, "guest read CR0 with PE = PG = 0");
    report((vmread(VMCS_GUEST_CR0) & (CR0_PE | CR0_PG)) == 0, "GUEST_CR0 %#lx: PE = PG = 0",
           (unsigned long)vmread(VMCS_GUEST_CR0));
    report(seg_sel(1) == URG_SEG && seg_base(1) == URG_BASE, "GUEST_CS %#x base %#lx", seg_sel(1),
           (unsigned long)seg_base(1));
    report(vmread(VMCS_EXIT_LEN) == 2, "CPUID instruction length 2");
    vmx_skip_insn();

    /* Exit 2: the guest reads a page EPT does not map. */
    ept_pt[URG_ABSENT >> 12] = 0;
    __asm__ volatile("invept %0, %1" ::"m"((struct { uint64_t a, b; }){eptp, 0}), "r"(1ull) : "cc", "memory");
    *(volatile uint16_t *)low(URG_ABSENT) = 0xbeef;
    if (expect_exit(vmx_enter(false), 48, "real-mode read of an EPT-absent page")) {
        uint64_t q = vmread(VMCS_EXIT_QUAL), gpa = vmread(0x2400), gla = vmread(0x640a);
        report(q == (0x1 | 0x80 | 0x100) && gpa == URG_ABSENT && gla == URG_ABSENT,
               "EPT violation: qual %#lx (want 0x181) gpa %#lx gla %#lx", (unsigned long)q, (unsigned long)gpa,
               (unsigned long)gla);
    }
    ept_pt[URG_ABSENT >> 12] = URG_ABSENT | 7 | 6 << 3;

    /* Exit 3: CPUID in unpaged protected mode. */
    if (!expect_exit(vmx_enter(false), 10, "CPUID in unpaged protected mode"))
        return report_summary();
    report(*(volatile uint16_t *)low(URG_BASE + 0x1008) == 0xbeef, "the faulting read completed after the fix");
    uint64_t cr0 = vmread(VMCS_GUEST_CR0);
    report((cr0 & CR0_PE) && !(cr0 & CR0_PG), "GUEST_CR0 %#lx: PE = 1, PG = 0", (unsigned long)cr0);
    report(seg_sel(1) == 0x08 && (vmread(0x4816) & 0x4000), "GUEST_CS 0x08, 32-bit (AR %#lx)",
           (unsigned long)vmread(0x4816));
    report(!(vmread(VMCS_ENTRY) & (1u << 9)), "IA-32e mode guest stays 0");
    vmx_skip_insn();

    /* A far JMP to a TSS: task switches always exit (SDM 3C §26.1.2); qualification = the
       TSS selector with source 2 (JMP) in bits 31:30. */
    if (expect_exit(vmx_enter(false), 9, "task switch by JMP")) {
        report(vmread(VMCS_EXIT_QUAL) == (0x28u | 2u << 30) && vmread(VMCS_EXIT_LEN) == 7,
               "task switch: qualification %#lx (want 0x80000028), length %lu", (unsigned long)vmread(VMCS_EXIT_QUAL),
               (unsigned long)vmread(VMCS_EXIT_LEN));
        vmx_skip_insn();
    }

    /* Exit 4: CPUID in real mode again, after the guest cleared CR0.PE. */
    if (!expect_exit(vmx_enter(false), 10, "CPUID after returning to real mode"))
        return report_summary();
    report(!(vmread(VMCS_GUEST_CR0) & CR0_PE), "GUEST_CR0 %#lx: the guest cleared PE",
           (unsigned long)vmread(VMCS_GUEST_CR0));
    report(seg_sel(1) == URG_SEG && seg_base(1) == URG_BASE, "GUEST_CS %#x base %#lx after the far jump",
           seg_sel(1), (unsigned long)seg_base(1));
    vmx_skip_insn();

    /* Exit 5: HLT, with BX from the real-mode interrupt handler. */
    expect_exit(vmx_enter(false), 12, "HLT in real mode");
    return report_summary();
}
