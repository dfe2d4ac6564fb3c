/* guest/runtime/vmx.c — see vmx.h. Field encodings: SDM 3C Appendix B. */
#include "vmx.h"

void vmx_setup_flat64(void *tss, uint64_t rip, uint64_t rsp)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr, idtr;
    __asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
    uint16_t cs, ds;
    __asm__ volatile("mov %%cs, %0; mov %%ds, %1" : "=r"(cs), "=r"(ds));
    /* Host state. */
    vmwrite(0x6c00, read_cr0());
    vmwrite(0x6c02, read_cr3());
    vmwrite(0x6c04, read_cr4());
    vmwrite(0x0c02, cs);
    vmwrite(0x0c00, ds); vmwrite(0x0c04, ds); vmwrite(0x0c06, ds);
    vmwrite(0x0c08, 0); vmwrite(0x0c0a, 0);
    vmwrite(0x0c0c, 0x18);                                         /* TR */
    vmwrite(0x6c0a, (uint64_t)(uintptr_t)tss);
    vmwrite(0x6c0c, gdtr.base);
    vmwrite(0x6c0e, idtr.base);
    /* Guest state: the same flat 64-bit environment. */
    vmwrite(0x6800, read_cr0());
    vmwrite(0x6802, read_cr3());
    vmwrite(0x6804, read_cr4());
    vmwrite(0x681a, 0x400);                                        /* DR7 */
    vmwrite(0x0802, cs);
    vmwrite(0x4816, 0xa09b);
    vmwrite(0x4802, 0xffffffff);
    static const uint32_t data_sel[] = {0x0800, 0x0804, 0x0806};   /* ES, SS, DS */
    for (int i = 0; i < 3; i++) {
        vmwrite(data_sel[i], ds);
        vmwrite(data_sel[i] + 0x4000, 0xffffffff);                 /* limit */
        vmwrite(data_sel[i] + 0x4014, 0xc093);                     /* access rights */
        vmwrite(data_sel[i] + 0x6006, 0);                          /* base */
    }
    vmwrite(0x4814, 0xc093); vmwrite(0x4818, 0xc093); vmwrite(0x481a, 0xc093);
    vmwrite(0x481c, 0x10000); vmwrite(0x481e, 0x10000);            /* FS, GS unusable */
    vmwrite(0x4820, 0x10000);                                      /* LDTR unusable */
    vmwrite(0x080e, 0x18);
    vmwrite(0x480e, 0x67);
    vmwrite(0x4822, 0x8b);
    vmwrite(0x6814, (uint64_t)(uintptr_t)tss);
    vmwrite(0x6816, gdtr.base);
    vmwrite(0x4810, gdtr.limit);
    vmwrite(0x6818, idtr.base);
    vmwrite(0x4812, idtr.limit);
    vmwrite(0x681e, rip);
    vmwrite(0x681c, rsp);
    vmwrite(0x6820, 2);                                            /* RFLAGS */
}

uint64_t vmx_enter(bool launch)
{
    uint64_t r, l = launch;
    __asm__ volatile(
        "push %%rbp; push %%rbx; push %%r12; push %%r13; push %%r14; push %%r15\n"
        "mov $0x6c14, %%rdx; vmwrite %%rsp, %%rdx\n"          /* HOST_RSP */
        "lea 1f(%%rip), %%rax; mov $0x6c16, %%rdx; vmwrite %%rax, %%rdx\n"   /* HOST_RIP */
        "test %%rcx, %%rcx; jz 2f\n"
        "vmlaunch; jmp 3f\n"
        "2: vmresume\n"
        "3: pushfq; pop %%rax; jmp 4f\n"
        "1: xor %%eax, %%eax\n"
        "4: pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbx; pop %%rbp\n"
        : "=&a"(r), "+c"(l)
        :
        : "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc", "memory");
    return r;
}

uint64_t vmx_ept_identity(uint64_t *pml4, uint64_t *pdpt, uint64_t (*pd)[512])
{
    for (int i = 0; i < 512; i++)
        pml4[i] = pdpt[i] = 0;
    pml4[0] = (uintptr_t)pdpt | 7;
    for (int g = 0; g < 4; g++) {
        pdpt[g] = (uintptr_t)pd[g] | 7;
        for (int i = 0; i < 512; i++)
            pd[g][i] = ((uint64_t)g << 30 | (uint64_t)i << 21) | 7 | 6 << 3 | 1 << 7;   /* RWX, WB, 2 MiB */
    }
    return (uintptr_t)pml4 | 6 | 3 << 3;
}

uint64_t vmx_ept_identity_4k(struct vmx_ept_tables *t, uintptr_t page)
{
    uint64_t eptp = vmx_ept_identity(t->pml4, t->pdpt, t->pd);
    uintptr_t region = page & ~0x1fffffull;
    for (int i = 0; i < 512; i++)
        t->pt[i] = (region + ((uint64_t)i << 12)) | EPT_RWX | EPT_WB;
    t->pd[region >> 30][(region >> 21) & 511] = (uintptr_t)t->pt | EPT_RWX;
    return eptp;
}

bool vmx_enable(void *vmxon_region, void *vmcs)
{
    uint64_t fc = rdmsr(0x3a);
    if (!(fc & 1))
        wrmsr(0x3a, fc | 5);                       /* lock, VMX outside SMX */
    write_cr0(read_cr0() | (1u << 5));             /* NE */
    write_cr4(read_cr4() | (1u << 13));            /* VMXE */
    uint32_t rev = (uint32_t)rdmsr(0x480) & 0x7fffffff;
    *(uint32_t *)vmxon_region = rev;
    *(uint32_t *)vmcs = rev;
    return !(vmxon((uint64_t)(uintptr_t)vmxon_region) & VMX_STATUS) && !(vmclear((uint64_t)(uintptr_t)vmcs) & VMX_STATUS) &&
           !(vmptrld((uint64_t)(uintptr_t)vmcs) & VMX_STATUS);
}


struct vmx_guest_regs vmx_guest_regs;

uint64_t vmx_enter_regs(bool launch)
{
    uint64_t r;
    __asm__ volatile(
        "push %%rbp; push %%rbx; push %%r12; push %%r13; push %%r14; push %%r15\n"
        "push %1\n"                                                       /* the launch flag */
        "mov $0x6c14, %%rdx; vmwrite %%rsp, %%rdx\n"                        /* HOST_RSP */
        "lea 1f(%%rip), %%rax; mov $0x6c16, %%rdx; vmwrite %%rax, %%rdx\n"  /* HOST_RIP */
        "lea vmx_guest_regs(%%rip), %%rax\n"
        "mov 8(%%rax), %%rbx; mov 16(%%rax), %%rcx; mov 24(%%rax), %%rdx\n"
        "mov 32(%%rax), %%rsi; mov 40(%%rax), %%rdi; mov 48(%%rax), %%rbp\n"
        "mov 56(%%rax), %%r8; mov 64(%%rax), %%r9; mov 72(%%rax), %%r10; mov 80(%%rax), %%r11\n"
        "mov 88(%%rax), %%r12; mov 96(%%rax), %%r13; mov 104(%%rax), %%r14; mov 112(%%rax), %%r15\n"
        "cmpq $0, (%%rsp)\n"
        "mov (%%rax), %%rax\n"
        "jz 2f\n"
        "vmlaunch; jmp 3f\n"
        "2: vmresume\n"
        "3: pushfq; pop %%rax; add $8, %%rsp; jmp 4f\n"                   /* VMfail: RFLAGS */
        "1: push %%rax\n"                                                 /* VM exit */
        "lea vmx_guest_regs(%%rip), %%rax\n"
        "mov %%rbx, 8(%%rax); mov %%rcx, 16(%%rax); mov %%rdx, 24(%%rax)\n"
        "mov %%rsi, 32(%%rax); mov %%rdi, 40(%%rax); mov %%rbp, 48(%%rax)\n"
        "mov %%r8, 56(%%rax); mov %%r9, 64(%%rax); mov %%r10, 72(%%rax); mov %%r11, 80(%%rax)\n"
        "mov %%r12, 88(%%rax); mov %%r13, 96(%%rax); mov %%r14, 104(%%rax); mov %%r15, 112(%%rax)\n"
        "pop %%rbx; mov %%rbx, (%%rax)\n"
        "add $8, %%rsp\n"
        "xor %%eax, %%eax\n"
        "4: pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbx; pop %%rbp\n"
        : "=&a"(r)
        : "r"((uint64_t)launch)
        : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc", "memory");
    return r;
}

void vmx_setup_controls(uint32_t pin, uint32_t proc, uint32_t exit, uint32_t entry)
{
    bool true_ctls = rdmsr(0x480) & (1ull << 55);
    vmwrite(VMCS_PIN, vmx_ctl(true_ctls ? 0x48d : 0x481, pin));
    vmwrite(VMCS_PROC, vmx_ctl(true_ctls ? 0x48e : 0x482, proc));
    vmwrite(0x400c, vmx_ctl(true_ctls ? 0x48f : 0x483, exit));
    vmwrite(0x4012, vmx_ctl(true_ctls ? 0x490 : 0x484, entry));
    vmwrite(0x400a, 0);         /* CR3-target count */
    vmwrite(0x2800, ~0ull);     /* VMCS link pointer */
}
