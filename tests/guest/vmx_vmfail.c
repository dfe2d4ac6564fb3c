/* Guest test vmx_vmfail: how each VMX instruction fails (SDM 3C §31.2-31.4, the VM-instruction
 * error numbers of Table 31-1, and the #UD/#GP cases of each instruction page in SDM 3C ch. 31).
 * VMfailInvalid sets CF with no current VMCS; VMfailValid sets ZF and writes the error number
 * to the VM-instruction error field of the current VMCS. Errors 16-25 need the dual-monitor
 * treatment of SMIs, which hvsim does not model (no SMM). */
#include "guest.h"
#include "vmx.h"

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t vmcs2[4096] __attribute__((aligned(4096)));
static uint8_t guest_stack[4096] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));

static const uint8_t hlt_insn[] = {0xf4};
static volatile unsigned last_vector = ~0u;

/* #UD and #GP: record the vector and skip the faulting instruction, whose length the code
   below puts in `skip` (the operands are pinned to RAX/RBX so the encodings are known). */
static volatile unsigned skip;
static void on_fault(struct exc_frame *f)
{
    last_vector = (unsigned)f->vector;
    f->rip += skip;
}

static uint64_t rflags_after_vmcall(void)
{
    uint64_t fl;
    __asm__ volatile("vmcall; pushfq; pop %0" : "=r"(fl)::"cc", "memory");
    return fl;
}

static uint64_t vmlaunch_flags(bool resume)
{
    uint64_t fl;
    if (resume)
        __asm__ volatile("vmresume; pushfq; pop %0" : "=r"(fl)::"cc", "memory");
    else
        __asm__ volatile("vmlaunch; pushfq; pop %0" : "=r"(fl)::"cc", "memory");
    return fl;
}

static bool valid_fail(uint64_t fl, unsigned err)
{
    return (fl & VMX_STATUS) == VMX_ZF && vmread(VMCS_INSN_ERROR) == err;
}

static void expect_valid(uint64_t fl, unsigned err, const char *what)
{
    report(valid_fail(fl, err), "%s: VMfailValid(%u) (rflags %#lx, error %lu)", what, err, (unsigned long)fl,
           (unsigned long)vmread(VMCS_INSN_ERROR));
}

static void expect_invalid(uint64_t fl, const char *what)
{
    report((fl & VMX_STATUS) == VMX_CF, "%s: VMfailInvalid (rflags %#lx)", what, (unsigned long)fl);
}

int main(void)
{
    guest_set_handler(6, on_fault);
    guest_set_handler(13, on_fault);
    uint64_t basic = rdmsr(0x480);
    uint32_t rev = (uint32_t)basic & 0x7fffffff;
    *(uint32_t *)vmxon_region = rev;
    *(uint32_t *)vmcs = rev;
    *(uint32_t *)vmcs2 = rev;
    uint64_t fc = rdmsr(0x3a);
    if (!(fc & 1))
        wrmsr(0x3a, fc | 5);
    write_cr0(read_cr0() | (1u << 5));

    /* Outside VMX operation: VMXON needs CR4.VMXE (#UD), VMREAD is #UD. */
    uint64_t pa = (uintptr_t)vmxon_region;
    skip = 4;   /* vmxon (%rax): f3 0f c7 30; vmread %rax,%rbx: 0f 78 c3 */
    last_vector = ~0u;
    __asm__ volatile("vmxon (%0)" ::"a"(&pa) : "memory");
    report(last_vector == 6, "VMXON with CR4.VMXE = 0: #UD (vector %u)", last_vector);
    write_cr4(read_cr4() | (1u << 13));
    skip = 3;
    last_vector = ~0u;
    uint64_t dummy = 0;
    __asm__ volatile("vmread %%rax, %%rbx" : "=b"(dummy) : "a"(0ull) : "cc");
    report(last_vector == 6, "VMREAD outside VMX operation: #UD (vector %u)", last_vector);
    /* CR0.NE = 0 is not allowed in VMX operation: VMXON #GP(0). */
    write_cr0(read_cr0() & ~(1ull << 5));
    skip = 4;
    last_vector = ~0u;
    __asm__ volatile("vmxon (%0)" ::"a"(&pa) : "memory");
    report(last_vector == 13, "VMXON with CR0.NE = 0: #GP (vector %u)", last_vector);
    write_cr0(read_cr0() | (1u << 5));
    /* VMXON region with the wrong revision identifier: VMfailInvalid. */
    *(uint32_t *)vmxon_region = rev ^ 1;
    expect_invalid(vmxon(pa), "VMXON with a wrong revision identifier");
    *(uint32_t *)vmxon_region = rev;
    report((vmxon(pa) & VMX_STATUS) == 0, "VMXON");

    /* No current VMCS: VMfailInvalid for everything that needs one. */
    expect_invalid(vmlaunch_flags(false), "VMLAUNCH without a current VMCS");
    expect_invalid(vmlaunch_flags(true), "VMRESUME without a current VMCS");
    expect_invalid(rflags_after_vmcall(), "VMCALL in root operation without a current VMCS");
    uint64_t fl;
    __asm__ volatile("vmread %1, %%rbx; pushfq; pop %0" : "=r"(fl) : "a"(0x4400ull) : "rbx", "cc");
    expect_invalid(fl, "VMREAD without a current VMCS");
    uint64_t ptr = 0;
    __asm__ volatile("vmptrst %0" : "=m"(ptr));
    report(ptr == ~0ull, "VMPTRST without a current VMCS: FFFFFFFF_FFFFFFFFH (%#lx)", (unsigned long)ptr);

    /* Errors 2, 3, 9, 10, 11 need no current VMCS only for VMfailInvalid: make one current
       first so they are VMfailValid. */
    report((vmclear((uintptr_t)vmcs) & VMX_STATUS) == 0 && (vmptrld((uintptr_t)vmcs) & VMX_STATUS) == 0, "VMCLEAR, VMPTRLD");
    expect_valid(vmclear((uintptr_t)vmcs + 8), 2, "VMCLEAR of a misaligned address");
    expect_valid(vmclear(1ull << 52), 2, "VMCLEAR beyond MAXPHYADDR");
    expect_valid(vmclear(pa), 3, "VMCLEAR of the VMXON pointer");
    expect_valid(vmptrld((uintptr_t)vmcs2 + 0x10), 9, "VMPTRLD of a misaligned address");
    expect_valid(vmptrld(pa), 10, "VMPTRLD of the VMXON pointer");
    *(uint32_t *)vmcs2 = rev ^ 1;
    expect_valid(vmptrld((uintptr_t)vmcs2), 11, "VMPTRLD with a wrong revision identifier");
    *(uint32_t *)vmcs2 = rev;
    expect_valid(rflags_after_vmcall(), 1, "VMCALL in VMX root operation");
    expect_valid(vmxon(pa), 15, "VMXON in VMX root operation");
    __asm__ volatile("vmread %1, %%rbx; pushfq; pop %0" : "=r"(fl) : "a"(0x7777ull) : "rbx", "cc");
    expect_valid(fl, 12, "VMREAD of an unsupported field");
    if (rdmsr(0x485) & (1ull << 29)) {
        report_skip("VMWRITE to a read-only field: IA32_VMX_MISC bit 29 allows it here");
    } else {
        report(!vmwrite(VMCS_EXIT_REASON, 0), "VMWRITE to a read-only field fails");
        report(vmread(VMCS_INSN_ERROR) == 13, "... with VMfailValid(13)");
    }
    expect_valid(vmlaunch_flags(true), 5, "VMRESUME of a clear VMCS");

    /* A VMCS with valid host state and guest state, then control errors. */
    vmx_setup_flat64(tss, (uintptr_t)guest_stack, (uintptr_t)(guest_stack + sizeof guest_stack));
    uint32_t pin_msr = (basic & (1ull << 55)) ? 0x48d : 0x481;
    vmwrite(VMCS_PIN, ~(uint32_t)(rdmsr(pin_msr) >> 32));   /* only bits that must be 0 */
    vmwrite(0x2800, ~0ull);
    expect_valid(vmlaunch_flags(false), 7, "VMLAUNCH with reserved pin-based controls");
    /* Events blocked by MOV SS: VM entry fails with error 26 (checked before the controls). */
    uint16_t ss;
    __asm__ volatile("mov %%ss, %0" : "=r"(ss));
    __asm__ volatile("mov %1, %%ss; vmlaunch; pushfq; pop %0" : "=r"(fl) : "r"(ss) : "cc", "memory");
    expect_valid(fl, 26, "VMLAUNCH right after MOV SS");
    /* A launched VMCS: VMLAUNCH again is error 4. The guest halts (HLT exiting). */
    bool true_ctls = basic & (1ull << 55);
    vmwrite(VMCS_PIN, vmx_ctl(pin_msr, 0));
    vmwrite(0x4002, vmx_ctl(true_ctls ? 0x48e : 0x482, 1u << 7));
    vmwrite(0x400c, vmx_ctl(true_ctls ? 0x48f : 0x483, 1u << 9));
    vmwrite(0x4012, vmx_ctl(true_ctls ? 0x490 : 0x484, 1u << 9));
    vmwrite(0x681e, (uintptr_t)hlt_insn);
    report(vmx_enter(true) == 0 && vmread(VMCS_EXIT_REASON) == 12, "VMLAUNCH of a guest that halts");
    expect_valid(vmlaunch_flags(false), 4, "VMLAUNCH of a launched VMCS");
    /* INVEPT/INVVPID with an unsupported type: error 28. */
    struct { uint64_t a, b; } desc = {0, 0};
    __asm__ volatile("invept %1, %2; pushfq; pop %0" : "=r"(fl) : "m"(desc), "r"(7ull) : "cc", "memory");
    expect_valid(fl, 28, "INVEPT type 7");
    __asm__ volatile("invvpid %1, %2; pushfq; pop %0" : "=r"(fl) : "m"(desc), "r"(7ull) : "cc", "memory");
    expect_valid(fl, 28, "INVVPID type 7");
    /* VMCLEAR of the current VMCS makes it not current: VMREAD then fails invalid. */
    report((vmclear((uintptr_t)vmcs) & VMX_STATUS) == 0, "VMCLEAR of the current VMCS");
    __asm__ volatile("vmread %1, %%rbx; pushfq; pop %0" : "=r"(fl) : "a"(0x4400ull) : "rbx", "cc");
    expect_invalid(fl, "VMREAD after VMCLEAR of the current VMCS");
    __asm__ volatile("vmxoff" ::: "cc");
    skip = 3;
    last_vector = ~0u;
    __asm__ volatile("vmread %%rax, %%rbx" : "=b"(dummy) : "a"(0ull) : "cc");
    report(last_vector == 6, "VMREAD after VMXOFF: #UD (vector %u)", last_vector);
    return report_summary();
}
