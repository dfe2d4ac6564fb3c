/* guest/demos/vmx-tour — a small hypervisor of our own, written as a tour of VMX (SDM 3C
 * chapters 24-31). It turns VMX on, builds a VMCS for a 64-bit guest that shares its address
 * space, and launches the guest below. The guest executes CPUID, an OUT to COM1 (port 0x3f8),
 * a MOV to CR3, RDMSR of IA32_APIC_BASE, HLT and VMCALL; each one causes a VM exit, which the
 * hypervisor prints (reason, qualification decoded, guest RIP, instruction length) and then
 * skips. Before the last one it makes one deliberately broken VM entry (guest RFLAGS bit 1
 * clear) to show a VM-entry failure (exit reason 33 with bit 31 set, SDM 3C §27.8).
 *
 * Run it:            hvsim -kernel build/guest/demo-vmx-tour.elf -d vmx
 * Step through it:   hvsim -kernel build/guest/demo-vmx-tour.elf -debug   (docs/debugger.md) */
#include "guest.h"
#include "vmx.h"

/* VMCS field encodings used here (SDM 3C Appendix B). */
enum {
    F_PIN = 0x4000, F_PROC = 0x4002, F_EXIT_CTL = 0x400c, F_ENTRY_CTL = 0x4012, F_CR3_TARGETS = 0x400a,
    F_IO_BITMAP_A = 0x2000, F_IO_BITMAP_B = 0x2002, F_MSR_BITMAP = 0x2004, F_LINK = 0x2800,
    F_INSN_ERROR = 0x4400, F_EXIT_REASON = 0x4402, F_EXIT_LEN = 0x440c, F_EXIT_QUAL = 0x6400,
    F_GUEST_RSP = 0x681c, F_GUEST_RIP = 0x681e, F_GUEST_RFLAGS = 0x6820,
};

/* Primary processor-based controls the tour sets (SDM 3C Table 25-6). */
#define PROC_HLT_EXITING (1u << 7)
#define PROC_CR3_LOAD_EXITING (1u << 15)
#define PROC_USE_IO_BITMAPS (1u << 25)
#define PROC_USE_MSR_BITMAPS (1u << 28)

#define COM1 0x3f8
#define MSR_APIC_BASE 0x1b

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_region[4096] __attribute__((aligned(4096)));
static uint8_t io_bitmap_a[4096] __attribute__((aligned(4096)));
static uint8_t io_bitmap_b[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static uint8_t guest_stack[4096] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));

/* The guest: one VM exit per instruction marked "exit". It keeps nothing in registers across
 * an exit (the tour's hypervisor does not save guest GPRs). */
void tour_guest(void);
__asm__(".text\n"
        ".globl tour_guest\n"
        "tour_guest:\n"
        "  xor %eax, %eax\n"
        "  xor %ecx, %ecx\n"
        "  cpuid\n"                       /* exit 10: CPUID always exits */
        "  mov $0x47, %al\n"
        "  mov $0x3f8, %dx\n"
        "  out %al, %dx\n"                /* exit 30: I/O bitmap A bit for port 0x3f8 */
        "  mov %cr3, %rax\n"
        "  mov %rax, %cr3\n"              /* exit 28: CR3-load exiting */
        "  mov $0x1b, %ecx\n"
        "  rdmsr\n"                       /* exit 31: MSR bitmap read bit for 0x1b */
        "  hlt\n"                         /* exit 12: HLT exiting */
        ".globl tour_guest_vmcall\n"
        "tour_guest_vmcall:\n"
        "  vmcall\n"                      /* exit 18: VMCALL always exits */
        "  jmp tour_guest_vmcall\n");


/* Control words: the bits we want, adjusted by their capability MSRs (vmx_ctl). */
static void setup_controls(void)
{
    bool true_ctls = rdmsr(0x480) & (1ull << 55);
    vmwrite(F_PIN, vmx_ctl(true_ctls ? 0x48d : 0x481, 0));
    vmwrite(F_PROC, vmx_ctl(true_ctls ? 0x48e : 0x482,
                        PROC_HLT_EXITING | PROC_CR3_LOAD_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS));
    vmwrite(F_EXIT_CTL, vmx_ctl(true_ctls ? 0x48f : 0x483, 1u << 9));    /* host address-space size */
    vmwrite(F_ENTRY_CTL, vmx_ctl(true_ctls ? 0x490 : 0x484, 1u << 9));   /* IA-32e mode guest */
    io_bitmap_a[COM1 / 8] |= 1u << (COM1 % 8);                        /* only COM1's data port */
    vmwrite(F_IO_BITMAP_A, (uint64_t)(uintptr_t)io_bitmap_a);
    vmwrite(F_IO_BITMAP_B, (uint64_t)(uintptr_t)io_bitmap_b);
    msr_bitmap[MSR_APIC_BASE / 8] |= 1u << (MSR_APIC_BASE % 8);       /* read bitmap, low MSRs */
    vmwrite(F_MSR_BITMAP, (uint64_t)(uintptr_t)msr_bitmap);
    vmwrite(F_CR3_TARGETS, 0);
    vmwrite(F_LINK, ~0ull);
}

/* Host and guest state: the same flat 64-bit environment this program runs in. */
static void setup_state(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr, idtr;
    __asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
    uint16_t cs, ds;
    __asm__ volatile("mov %%cs, %0; mov %%ds, %1" : "=r"(cs), "=r"(ds));
    vmwrite(0x6c00, read_cr0());                       /* HOST_CR0, CR3, CR4 */
    vmwrite(0x6c02, read_cr3());
    vmwrite(0x6c04, read_cr4());
    vmwrite(0x0c02, cs);                               /* HOST_CS_SELECTOR */
    vmwrite(0x0c00, ds); vmwrite(0x0c04, ds); vmwrite(0x0c06, ds);
    vmwrite(0x0c08, 0); vmwrite(0x0c0a, 0);
    vmwrite(0x0c0c, 0x18);                             /* HOST_TR_SELECTOR */
    vmwrite(0x6c0a, (uint64_t)(uintptr_t)tss);
    vmwrite(0x6c0c, gdtr.base);
    vmwrite(0x6c0e, idtr.base);
    vmwrite(0x6800, read_cr0());                       /* GUEST_CR0, CR3, CR4, DR7 */
    vmwrite(0x6802, read_cr3());
    vmwrite(0x6804, read_cr4());
    vmwrite(0x681a, 0x400);
    vmwrite(0x0802, cs);                               /* GUEST_CS: selector, AR, limit */
    vmwrite(0x4816, 0xa09b);
    vmwrite(0x4802, 0xffffffff);
    static const uint32_t data_sel[] = {0x0800, 0x0804, 0x0806};   /* ES, SS, DS */
    for (int i = 0; i < 3; i++) {
        vmwrite(data_sel[i], ds);
        vmwrite(data_sel[i] + 0x4000, 0xffffffff);
        vmwrite(data_sel[i] + 0x4014, 0xc093);
        vmwrite(data_sel[i] + 0x6006, 0);
    }
    vmwrite(0x481c, 0x10000); vmwrite(0x481e, 0x10000);            /* FS, GS unusable */
    vmwrite(0x4820, 0x10000);                                      /* LDTR unusable */
    vmwrite(0x080e, 0x18); vmwrite(0x480e, 0x67); vmwrite(0x4822, 0x8b);   /* TR */
    vmwrite(0x6814, (uint64_t)(uintptr_t)tss);
    vmwrite(0x6816, gdtr.base); vmwrite(0x4810, gdtr.limit);
    vmwrite(0x6818, idtr.base); vmwrite(0x4812, idtr.limit);
    vmwrite(F_GUEST_RIP, (uint64_t)(uintptr_t)tour_guest);
    vmwrite(F_GUEST_RSP, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack - 8));
    vmwrite(F_GUEST_RFLAGS, 2);
}

static const char *reason_name(unsigned r)
{
    switch (r) {
    case 10: return "CPUID";
    case 12: return "HLT";
    case 18: return "VMCALL";
    case 28: return "CR access";
    case 30: return "I/O instruction";
    case 31: return "RDMSR";
    case 33: return "VM-entry failure: invalid guest state";
    default: return "?";
    }
}

/* Print what the hypervisor saw; returns the basic exit reason. */
static unsigned show_exit(unsigned n)
{
    uint32_t reason = (uint32_t)vmread(F_EXIT_REASON);
    uint64_t qual = vmread(F_EXIT_QUAL), rip = vmread(F_GUEST_RIP);
    unsigned basic = reason & 0xffff;
    guest_printf("tour: exit %u: reason %u (%s)%s at guest rip %#lx, instruction length %lu\n", n, basic,
                 reason_name(basic), (reason >> 31) ? " [VM-entry failure]" : "", (unsigned long)rip,
                 (unsigned long)vmread(F_EXIT_LEN));
    if (basic == 30)
        guest_printf("tour:   I/O: %s of %lu byte(s) at port %#lx (qualification %#lx)\n",
                     (qual & 8) ? "IN" : "OUT", (unsigned long)(qual & 7) + 1, (unsigned long)(qual >> 16),
                     (unsigned long)qual);
    else if (basic == 28)
        guest_printf("tour:   CR access: CR%lu, access type %lu (0 = MOV to CR), GPR %lu\n",
                     (unsigned long)(qual & 15), (unsigned long)((qual >> 4) & 3), (unsigned long)((qual >> 8) & 15));
    return basic;
}

static void skip_insn(void)
{
    vmwrite(F_GUEST_RIP, vmread(F_GUEST_RIP) + vmread(F_EXIT_LEN));
}

int main(void)
{
    guest_printf("tour: a tiny hypervisor (guest/demos/vmx-tour)\n");
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 5))) {
        guest_printf("tour: this CPU has no VMX (CPUID.1:ECX bit 5)\n");
        return 1;
    }
    uint64_t fc = rdmsr(0x3a);                          /* IA32_FEATURE_CONTROL */
    if (!(fc & 1))
        wrmsr(0x3a, fc | 5);                            /* lock, VMXON outside SMX */
    write_cr0(read_cr0() | (1u << 5));                  /* CR0.NE: fixed to 1 in VMX operation */
    write_cr4(read_cr4() | (1u << 13));                 /* CR4.VMXE */
    uint32_t rev = (uint32_t)rdmsr(0x480) & 0x7fffffff;
    *(uint32_t *)vmxon_region = rev;
    *(uint32_t *)vmcs_region = rev;
    if ((vmxon((uint64_t)(uintptr_t)vmxon_region) & 0x41) || (vmclear((uint64_t)(uintptr_t)vmcs_region) & 0x41) ||
        (vmptrld((uint64_t)(uintptr_t)vmcs_region) & 0x41)) {
        guest_printf("tour: VMXON/VMCLEAR/VMPTRLD failed\n");
        return 1;
    }
    guest_printf("tour: VMX on, VMCS loaded; launching the guest\n");
    setup_controls();
    setup_state();

    bool launch = true, broke = false;
    for (unsigned n = 1; n <= 16; n++) {
        uint64_t fl = vmx_enter(launch);
        launch = false;
        if (fl) {
            guest_printf("tour: VM entry failed: rflags %#lx, VM-instruction error %lu\n", (unsigned long)fl,
                         (unsigned long)vmread(F_INSN_ERROR));
            return 1;
        }
        unsigned basic = show_exit(n);
        if (basic == 33) {
            guest_printf("tour:   as intended: RFLAGS bit 1 must be 1 (SDM 3C §27.3.1.4); repairing it\n");
            vmwrite(F_GUEST_RFLAGS, 2);
            continue;
        }
        if (basic == 18) {
            guest_printf("tour: the guest said goodbye with VMCALL; VMXOFF\n");
            __asm__ volatile("vmxoff" ::: "cc");
            return 0;
        }
        skip_insn();
        if (basic == 12 && !broke) {
            broke = true;
            guest_printf("tour: next, a deliberately broken VM entry: guest RFLAGS = 0\n");
            vmwrite(F_GUEST_RFLAGS, 0);
        }
    }
    guest_printf("tour: too many exits\n");
    return 1;
}
