/* guest/bench/bench_vmx.c — see bench_vmx.h. */
#include "bench_vmx.h"
#include "vmx.h"

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t guest_stack[16384] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));

#define VMX_STATUS 0x8d5u   /* CF, PF, AF, ZF, SF, OF: VMfail flags */

bool bench_vmx_start(uint32_t proc2, void (*rip)(void))
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 5))) {
        report(false, "CPUID.1:ECX.VMX");
        return false;
    }
    uint64_t basic = rdmsr(0x480), fc = rdmsr(0x3a);
    if (!(fc & 1))
        wrmsr(0x3a, fc | 5);
    write_cr0(read_cr0() | (1u << 5));
    write_cr4(read_cr4() | (1u << 13));
    *(uint32_t *)vmxon_region = *(uint32_t *)vmcs = (uint32_t)basic & 0x7fffffff;
    if ((vmxon((uintptr_t)vmxon_region) & VMX_STATUS) || (vmclear((uintptr_t)vmcs) & VMX_STATUS) ||
        (vmptrld((uintptr_t)vmcs) & VMX_STATUS)) {
        report(false, "VMXON, VMCLEAR, VMPTRLD");
        return false;
    }
    bool true_ctls = basic & (1ull << 55);
    vmwrite(0x4000, vmx_ctl(true_ctls ? 0x48d : 0x481, 0));
    vmwrite(0x4002, vmx_ctl(true_ctls ? 0x48e : 0x482, proc2 ? 1u << 31 : 0));
    vmwrite(0x400c, vmx_ctl(true_ctls ? 0x48f : 0x483, 1u << 9));   /* host address-space size */
    vmwrite(0x4012, vmx_ctl(true_ctls ? 0x490 : 0x484, 1u << 9));   /* IA-32e mode guest */
    if (proc2)
        vmwrite(0x401e, vmx_ctl(0x48b, proc2));
    vmwrite(0x400a, 0);                                             /* CR3-target count */
    vmwrite(0x2800, ~0ull);                                         /* VMCS link pointer */
    vmx_setup_flat64(tss, (uintptr_t)rip, (uintptr_t)(guest_stack + sizeof guest_stack - 8));
    return true;
}

uint64_t bench_vmx_remaining;
uint64_t bench_vmx_loop(void);

/* The exit loop; the VMCS's host RSP/RIP point into it, so each exit lands on label 1. */
__asm__(".text\n"
        "bench_vmx_loop:\n\t"
        "push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15\n\t"
        "mov $0x6c14, %r8; vmwrite %rsp, %r8\n\t"           /* host RSP */
        "lea 1f(%rip), %r9; mov $0x6c16, %r8; vmwrite %r9, %r8\n\t"   /* host RIP */
        "vmlaunch\n\t"
        "jmp 2f\n"
        "1: mov $0x4402, %r8; vmread %r8, %r9\n\t"          /* exit reason */
        "cmp $18, %r9d; jne 2f\n\t"
        "mov $0x681e, %r8; vmread %r8, %r9\n\t"             /* guest RIP */
        "mov $0x440c, %r10; vmread %r10, %r10\n\t"          /* instruction length */
        "add %r10, %r9; vmwrite %r9, %r8\n\t"
        "decq bench_vmx_remaining(%rip)\n\t"
        "jz 2f\n\t"
        "vmresume\n"
        "2: mov bench_vmx_remaining(%rip), %rax\n\t"
        "pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp\n\t"
        "ret\n");

uint64_t bench_vmx_run(uint64_t exits)
{
    if (!exits)
        return 0;
    bench_vmx_remaining = exits;
    return bench_vmx_loop();
}
