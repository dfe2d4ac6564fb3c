/* Guest test vmx_basic: a tiny hypervisor. It enables VMX (IA32_FEATURE_CONTROL, CR4.VMXE,
 * VMXON), checks VMfail cases, builds a VMCS for a 64-bit guest that shares its address space,
 * launches it, and handles the guest's CPUID, VMCALL, OUT, RDMSR (MSR bitmap), MOV to CR3
 * (CR3-load exiting) and HLT exits, checking reason, qualification and instruction length of
 * each; a monitor-trap-flag exit and a zero preemption timer. Finally a guest-state failure
 * (exit reason 33) and a host-state failure (VMfailValid 8). SDM 3C chapters 24-31. */
#include "guest.h"
#include "vmx.h"

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static uint8_t guest_stack[8192] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));

/* The guest: each instruction below causes one VM exit; the host skips it and resumes. */
static void guest_main(void)
{
    uint32_t a = 0, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    __asm__ volatile("vmcall");
    __asm__ volatile("outb %%al, $0x80" ::"a"(0x42));
    (void)rdmsr(0x10);                                   /* TSC: bitmap bit clear, no exit */
    (void)rdmsr(0x1b);                                   /* APIC_BASE: bitmap bit set */
    write_cr3(read_cr3());
    __asm__ volatile("hlt");
    for (;;)
        __asm__ volatile("vmcall");
}

static bool expect_exit(uint64_t r, unsigned reason, unsigned len, const char *what)
{
    bool ok = r == 0 && vmread(VMCS_EXIT_REASON) == reason && vmread(VMCS_EXIT_LEN) == len;
    report(ok, "%s exit (reason %u, length %u; got rflags %#lx reason %lu length %lu)", what, reason,
           len, (unsigned long)r, (unsigned long)vmread(VMCS_EXIT_REASON),
           (unsigned long)vmread(VMCS_EXIT_LEN));
    return ok;
}

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

int main(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 5))) {
        report(false, "CPUID.1:ECX.VMX");
        return report_summary();
    }
    uint64_t basic = rdmsr(0x480);
    report((basic & 0x80000000u) == 0 && ((basic >> 32) & 0x1fff) == 4096, "IA32_VMX_BASIC %#lx",
           (unsigned long)basic);
    uint64_t fc = rdmsr(0x3a);
    if (!(fc & 1))
        wrmsr(0x3a, fc | 5);
    report((rdmsr(0x3a) & 5) == 5, "IA32_FEATURE_CONTROL locked with VMXON outside SMX");
    write_cr0(read_cr0() | (1u << 5));                  /* CR0.NE: fixed to 1 in VMX operation */
    write_cr4(read_cr4() | (1u << 13));                 /* CR4.VMXE */
    uint32_t rev = (uint32_t)basic & 0x7fffffff;
    *(uint32_t *)vmxon_region = rev;
    *(uint32_t *)vmcs = rev;
    uint64_t fl = vmxon((uint64_t)(uintptr_t)vmxon_region + 8);
    report((fl & VMX_STATUS) == VMX_CF, "VMXON with a misaligned region: VMfailInvalid");
    fl = vmxon((uint64_t)(uintptr_t)vmxon_region);
    report((fl & VMX_STATUS) == 0, "VMXON");
    fl = vmxon((uint64_t)(uintptr_t)vmxon_region);
    report((fl & VMX_STATUS) == VMX_CF, "VMXON in VMX root operation without a VMCS: VMfailInvalid");
    report((vmclear((uint64_t)(uintptr_t)vmcs) & VMX_STATUS) == 0, "VMCLEAR");
    report((vmptrld((uint64_t)(uintptr_t)vmcs) & VMX_STATUS) == 0, "VMPTRLD");
    fl = vmptrld((uint64_t)(uintptr_t)vmxon_region);
    report((fl & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 10, "VMPTRLD of the VMXON region: error 10");
    uint8_t bad;
    __asm__ volatile("vmwrite %1, %2; setna %0" : "=q"(bad) : "r"(1ull), "r"(0x7777ull) : "cc");
    report(bad && vmread(VMCS_INSN_ERROR) == 12, "VMWRITE of an unknown field: error 12");

    setup_vmcs();
    if (expect_exit(vmx_enter(true), 10, 2, "CPUID"))
        vmx_skip_insn();
    if (expect_exit(vmx_enter(false), 18, 3, "VMCALL"))
        vmx_skip_insn();
    if (expect_exit(vmx_enter(false), 30, 2, "OUT")) {
        report(vmread(VMCS_EXIT_QUAL) == ((0x80u << 16) | (1u << 6)), "OUT qualification %#lx",
               (unsigned long)vmread(VMCS_EXIT_QUAL));
        vmx_skip_insn();
    }
    if (expect_exit(vmx_enter(false), 31, 2, "RDMSR of a bitmap-intercepted MSR"))
        vmx_skip_insn();
    if (expect_exit(vmx_enter(false), 28, 3, "MOV to CR3")) {
        report((vmread(VMCS_EXIT_QUAL) & 0x3f) == 3, "CR access qualification %#lx",
               (unsigned long)vmread(VMCS_EXIT_QUAL));
        vmx_skip_insn();
    }
    if (expect_exit(vmx_enter(false), 12, 1, "HLT"))
        vmx_skip_insn();
    expect_exit(vmx_enter(false), 18, 3, "VMCALL loop");
    vmx_skip_insn();

    /* Monitor trap flag: an exit after one guest instruction (the loop's JMP). */
    uint64_t proc = vmread(0x4002), rip = vmread(VMCS_GUEST_RIP);
    if (rdmsr(0x48e) & (1ull << (32 + 27))) {
        vmwrite(0x4002, proc | (1u << 27));
        uint64_t r = vmx_enter(false);
        report(r == 0 && vmread(VMCS_EXIT_REASON) == 37 && vmread(VMCS_GUEST_RIP) != rip,
               "MTF exit after one instruction (reason %lu)", (unsigned long)vmread(VMCS_EXIT_REASON));
        vmwrite(0x4002, proc);
    } else {
        report_skip("monitor trap flag not supported");
    }
    /* VMX-preemption timer with value 0: an exit before any guest instruction. */
    if (rdmsr(0x48d) & (1ull << (32 + 6))) {
        uint64_t pin = vmread(0x4000);
        rip = vmread(VMCS_GUEST_RIP);
        vmwrite(0x4000, pin | (1u << 6));
        vmwrite(0x482e, 0);
        uint64_t r = vmx_enter(false);
        report(r == 0 && vmread(VMCS_EXIT_REASON) == 52 && vmread(VMCS_GUEST_RIP) == rip,
               "preemption timer 0: exit before the first instruction (reason %lu)",
               (unsigned long)vmread(VMCS_EXIT_REASON));
        vmwrite(0x4000, pin);
    } else {
        report_skip("VMX-preemption timer not supported");
    }
    expect_exit(vmx_enter(false), 18, 3, "VMCALL loop again");

    /* VM-entry failure due to guest state: exit reason 33 with bit 31 (SDM 3C §27.8). */
    vmwrite(VMCS_GUEST_RFLAGS, 0);
    uint64_t e = vmx_enter(false);
    report(e == 0 && vmread(VMCS_EXIT_REASON) == (0x80000000u | 33), "invalid guest RFLAGS: exit reason %#lx",
           (unsigned long)vmread(VMCS_EXIT_REASON));
    vmwrite(VMCS_GUEST_RFLAGS, 2);
    /* Invalid host state: VMfailValid(8), execution continues after VMRESUME. */
    vmwrite(VMCS_HOST_TR_SEL, 0);
    e = vmx_enter(false);
    report((e & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == 8, "null host TR selector: VMfailValid 8");
    vmwrite(VMCS_HOST_TR_SEL, 0x18);
    expect_exit(vmx_enter(false), 18, 3, "VMCALL after the failed entries");

    __asm__ volatile("vmxoff" ::: "cc");
    report(true, "VMXOFF");
    return report_summary();
}
