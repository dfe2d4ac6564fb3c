/* guest/runtime/vmx.h — VMX helpers for hypervisors of our own that run inside hvsim (guest
 * tests and demos): the VMX instructions as inline functions, control values allowed by the
 * capability MSRs, and the host/guest state of a flat 64-bit guest sharing the host's address
 * space (SDM 3C ch. 24-26, 31). */
#ifndef HVSIM_GUEST_VMX_H
#define HVSIM_GUEST_VMX_H

#include "guest.h"

/* VMCS field encodings our hypervisors use (SDM 3C Appendix B). */
#define VMCS_VPID 0x0000
#define VMCS_HOST_TR_SEL 0x0c0c
#define VMCS_IO_BITMAP_A 0x2000
#define VMCS_IO_BITMAP_B 0x2002
#define VMCS_MSR_BITMAP 0x2004
#define VMCS_EPTP 0x201a
#define VMCS_GPA 0x2400
#define VMCS_PIN 0x4000
#define VMCS_PROC 0x4002
#define VMCS_EXC_BITMAP 0x4004
#define VMCS_PROC2 0x401e
#define VMCS_INSN_ERROR 0x4400
#define VMCS_EXIT_REASON 0x4402
#define VMCS_EXIT_INTR_INFO 0x4404
#define VMCS_EXIT_LEN 0x440c
#define VMCS_INSN_INFO 0x440e
#define VMCS_EXIT_QUAL 0x6400
#define VMCS_GUEST_LINEAR 0x640a
#define VMCS_GUEST_CR0 0x6800
#define VMCS_GUEST_CR3 0x6802
#define VMCS_GUEST_RSP 0x681c
#define VMCS_GUEST_RIP 0x681e
#define VMCS_GUEST_RFLAGS 0x6820

/* RFLAGS after a VMX instruction (SDM 3C §31.2): VMfailInvalid sets CF, VMfailValid ZF;
 * VMX_STATUS is every flag VMsucceed clears. */
#define VMX_CF 0x1u
#define VMX_ZF 0x40u
#define VMX_STATUS 0x8d5u

/* VMWRITE; false on VMfail. */
static inline bool vmwrite(uint64_t enc, uint64_t v)
{
    uint8_t fail;
    __asm__ volatile("vmwrite %2, %1; setna %0" : "=q"(fail) : "r"(enc), "rm"(v) : "cc", "memory");
    return !fail;
}

static inline uint64_t vmread(uint64_t enc)
{
    uint64_t v = 0;
    __asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(enc) : "cc");
    return v;
}

/* VMXON/VMCLEAR/VMPTRLD on a physical address; returns RFLAGS (CF/ZF report failure). */
#define VMX_PTR_OP(name, insn)                                                                  \
    static inline uint64_t name(uint64_t pa)                                                    \
    {                                                                                           \
        uint64_t fl;                                                                            \
        __asm__ volatile(insn " %1; pushfq; pop %0" : "=r"(fl) : "m"(pa) : "cc", "memory");     \
        return fl;                                                                              \
    }
VMX_PTR_OP(vmxon, "vmxon")
VMX_PTR_OP(vmclear, "vmclear")
VMX_PTR_OP(vmptrld, "vmptrld")
#undef VMX_PTR_OP

/* `want` adjusted to the allowed 0/1 settings of capability MSR `msr` (SDM 3C Appendix A.3). */
static inline uint32_t vmx_ctl(uint32_t msr, uint32_t want)
{
    uint64_t v = rdmsr(msr);
    return (want | (uint32_t)v) & (uint32_t)(v >> 32);
}

/* The four control words (pin-based, primary processor-based, VM-exit, VM-entry), each
 * `want` adjusted by vmx_ctl against the TRUE capability MSR when IA32_VMX_BASIC bit 55 says
 * it exists, else the plain one (SDM 3C Appendix A.2-A.5); also CR3-target count 0 and the
 * VMCS link pointer all ones. */
static inline void vmx_skip_insn(void)   /* resume after the instruction that exited */
{
    vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_LEN));
}

void vmx_setup_controls(uint32_t pin, uint32_t proc, uint32_t exit, uint32_t entry);

/* Host and guest state for a guest in the host's own flat 64-bit environment: the host's CR0/
 * CR3/CR4, CS/DS, GDT and IDT; TR = 0x18 based at `tss` (104 bytes); the guest starts at `rip`
 * with `rsp`, RFLAGS = 2 and DR7 = 0x400. Controls are the caller's. */
void vmx_setup_flat64(void *tss, uint64_t rip, uint64_t rsp);

/* VMLAUNCH (launch) or VMRESUME with HOST_RSP/HOST_RIP set so a VM exit returns here; the
 * callee-saved registers survive. Returns 0 after a VM exit, or RFLAGS (CF/ZF) when the
 * instruction failed (VMfailInvalid/VMfailValid). */
uint64_t vmx_enter(bool launch);

/* The guest's general-purpose registers while the host runs (the VMCS holds only RSP and
 * RIP): vmx_enter_regs loads them before VMLAUNCH/VMRESUME and saves them after the VM exit,
 * so a guest interrupted anywhere resumes with its own values. */
struct vmx_guest_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};
extern struct vmx_guest_regs vmx_guest_regs;

/* vmx_enter, with the guest's general registers loaded from and saved to vmx_guest_regs
 * (vmx_enter leaves the host's values in the guest's registers). */
uint64_t vmx_enter_regs(bool launch);

/* An identity EPT of the first 4 GiB with 2 MiB write-back RWX pages (pml4, pdpt and four
 * page directories, each 4 KiB aligned); returns the EPTP (WB, 4-level walk, A/D off). */
uint64_t vmx_ept_identity(uint64_t *pml4, uint64_t *pdpt, uint64_t (*pd)[512]);

/* INVEPT/INVVPID with a descriptor built here; return RFLAGS (CF/ZF report failure). */
static inline uint64_t vmx_invept(uint64_t type, uint64_t eptp)
{
    struct { uint64_t eptp, rsvd; } desc = {eptp, 0};
    uint64_t fl;
    __asm__ volatile("invept %1, %2; pushfq; pop %0" : "=r"(fl) : "m"(desc), "r"(type) : "cc", "memory");
    return fl;
}

static inline uint64_t vmx_invvpid(uint64_t type, uint64_t vpid, uint64_t la)
{
    struct { uint64_t vpid, la; } desc = {vpid, la};
    uint64_t fl;
    __asm__ volatile("invvpid %1, %2; pushfq; pop %0" : "=r"(fl) : "m"(desc), "r"(type) : "cc", "memory");
    return fl;
}

/* Enter VMX operation with the current VMCS `vmcs`: IA32_FEATURE_CONTROL, CR0.NE, CR4.VMXE,
 * revision identifiers, VMXON, VMCLEAR, VMPTRLD. False if any step failed. */
bool vmx_enable(void *vmxon_region, void *vmcs);

/* vmx_ept_identity with 4 KiB pages in the 2 MiB region around `page`, whose EPT entries
 * (pt, see vmx_ept_pte) tests change. Returns the EPTP. */
#define EPT_RWX 7ull
#define EPT_WB (6ull << 3)
struct vmx_ept_tables {
    uint64_t pml4[512], pdpt[512], pd[4][512], pt[512];
} __attribute__((aligned(4096)));
uint64_t vmx_ept_identity_4k(struct vmx_ept_tables *t, uintptr_t page);

/* The 4 KiB EPT entry of a page in that region. */
static inline uint64_t *vmx_ept_pte(struct vmx_ept_tables *t, uintptr_t page)
{
    return &t->pt[(page >> 12) & 511];
}

#endif
