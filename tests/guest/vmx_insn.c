/* Guest test vmx_insn: RDPMC, MONITOR/MWAIT, GETSEC and INVPCID, first in VMX root operation
 * (CPUID leaves 5 and 0AH, the #GP/#UD rules, the counters and IA32_PERF_GLOBAL_CTRL), then in
 * a guest under a hypervisor of our own: the RDPMC, MONITOR and MWAIT exits (reasons 15, 39,
 * 36; MWAIT's qualification bit 0 = monitor armed), INVPCID with "enable INVPCID" and INVLPG
 * exiting (reason 58 with displacement and instruction information), INVPCID without
 * "enable INVPCID" and GETSEC with CR4.SMXE = 0 (#UD, seen through the exception bitmap).
 * CPUID.1:EDX.MCE/MCA with CR4.MCE kept across VM exits; "load IA32_PERF_GLOBAL_CTRL";
 * "use TSC scaling"; "NMI unblocking due to IRET".
 * SDM 2B "RDPMC", "MONITOR", "MWAIT"; SDM 3B §16.3, §20.2; SDM 3C §26.1-26.3, §28.2. */
#include "guest.h"
#include "vmx.h"


#define PROC_INVLPG (1u << 9)
#define PROC_MWAIT (1u << 10)
#define PROC_RDPMC (1u << 11)
#define PROC_MONITOR (1u << 29)
#define PROC_SECONDARY (1u << 31)
#define PROC2_INVPCID (1u << 12)

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t guest_stack[8192] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));
static uint64_t monitor_line[8] __attribute__((aligned(64)));
static uint64_t invpcid_desc[4] __attribute__((aligned(16)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
/* EPT for the IRET case: the runtime's identity map with one 2 MiB region left out. */
static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[4][512] __attribute__((aligned(4096)));
static uint8_t unmapped[2u << 20] __attribute__((aligned(2u << 20)));
static volatile uint64_t guest_pgc;

/* ---- root operation: faults are caught and skipped ---- */

static volatile unsigned faults, fault_vector;
static volatile unsigned skip_len;

static void on_fault(struct exc_frame *f)
{
    faults++;
    fault_vector = (unsigned)f->vector;
    f->rip += skip_len;
}

static bool rdpmc_ok(uint32_t ecx, uint64_t *v)
{
    uint32_t lo = 0, hi = 0;
    unsigned before = faults;
    skip_len = 2;
    __asm__ volatile("rdpmc" : "+a"(lo), "+d"(hi) : "c"(ecx));
    *v = (uint64_t)hi << 32 | lo;
    return faults == before;
}

static bool wrmsr_ok(uint32_t idx, uint64_t v)
{
    unsigned before = faults;
    skip_len = 2;
    wrmsr(idx, v);
    return faults == before;
}

/* Runs insn (an asm string of `len` bytes) with rax/rcx/rdx; the vector it raised, or -1. */
#define TRY(insn, len, a, c, d)                                                                  \
    ({                                                                                           \
        unsigned before_ = faults;                                                               \
        skip_len = (len);                                                                        \
        __asm__ volatile(insn ::"a"(a), "c"(c), "d"(d) : "memory");                              \
        faults == before_ ? -1 : (int)fault_vector;                                              \
    })

static void root_tests(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    /* Machine-check architecture: CPUID.1:EDX.MCE/MCA and CR4.MCE, kept through the VM
       entries below (the host CR4 field takes it). */
    report((r[3] & ((1u << 7) | (1u << 14))) == ((1u << 7) | (1u << 14)) && (rdmsr(0x179) & 0xff) > 0,
           "CPUID.1:EDX.MCE and MCA, IA32_MCG_CAP %#lx", (unsigned long)rdmsr(0x179));
    write_cr4(read_cr4() | (1u << 6));
    report(read_cr4() & (1u << 6), "CR4.MCE set");
    report(r[2] & (1u << 3), "CPUID.1:ECX.MONITOR");
    cpuid(5, 0, r);
    report(r[0] == 64 && r[1] == 64 && (r[2] & 3) == 3, "CPUID.5: 64-byte line, MWAIT extensions (%#x %#x %#x)",
           r[0], r[1], r[2]);
    cpuid(0xa, 0, r);
    unsigned version = r[0] & 0xff, ngp = (r[0] >> 8) & 0xff, width = (r[0] >> 16) & 0xff, nfixed = r[3] & 0x1f;
    report(version >= 2 && ngp >= 1 && width == 48 && nfixed == 3 && !(r[1] & 3),
           "CPUID.0AH: version %u, %u counters of %u bits, %u fixed, EBX %#x", version, ngp, width, nfixed, r[1]);

    /* Counters: a written value reads back through RDPMC (legacy writes sign-extend bit 31). */
    uint64_t v = 0;
    wrmsr(0x186, 0);                                    /* PERFEVTSEL0: disabled */
    wrmsr(0xc1, 0x12345678);
    bool ok = rdpmc_ok(0, &v);
    report(ok && v == 0x12345678, "RDPMC(0) reads IA32_PMC0 (%#lx)", (unsigned long)v);
    wrmsr(0xc1, 0x80000000u);
    ok = rdpmc_ok(0, &v);
    report(ok && v == 0xffff80000000ull, "WRMSR IA32_PMC0 sign-extends bit 31 (%#lx)", (unsigned long)v);
    report(!rdpmc_ok(ngp, &v) && fault_vector == 13, "RDPMC of counter %u: #GP", ngp);
    report(!rdpmc_ok((1u << 30) | nfixed, &v) && fault_vector == 13, "RDPMC of fixed counter %u: #GP", nfixed);
    report(!wrmsr_ok(0x38f, 1ull << ngp), "IA32_PERF_GLOBAL_CTRL bit %u is reserved: #GP", ngp);
    report(!wrmsr_ok(0x38f, 1ull << (32 + nfixed)), "IA32_PERF_GLOBAL_CTRL bit %u is reserved: #GP", 32 + nfixed);

    /* Fixed counter 0 counts instructions retired in ring 0 while enabled. */
    wrmsr(0x38f, 0);
    wrmsr(0x309, 0);
    wrmsr(0x38d, 1);                                    /* FIXED_CTR0: OS */
    wrmsr(0x38f, 1ull << 32);
    __asm__ volatile("mov $100, %%ecx; 1: dec %%ecx; jnz 1b" ::: "rcx", "cc");
    wrmsr(0x38f, 0);
    uint64_t n = rdmsr(0x309);
    report(n >= 200 && n < 220, "fixed counter 0 counted %lu instructions of a 201-instruction loop",
           (unsigned long)n);
    report(rdpmc_ok(1u << 30, &v) && v == n, "RDPMC(1 << 30) reads fixed counter 0");
    /* PMC1 counting instructions (event C0H) in ring 0 only. */
    wrmsr(0xc2, 0);
    wrmsr(0x187, 0xc0 | (1u << 17) | (1u << 22));      /* OS, EN */
    wrmsr(0x38f, 2);
    __asm__ volatile("mov $50, %%ecx; 1: dec %%ecx; jnz 1b" ::: "rcx", "cc");
    wrmsr(0x38f, 0);
    n = rdmsr(0xc2);
    report(n >= 100 && n < 120, "PMC1 (event C0H) counted %lu instructions of a 101-instruction loop", (unsigned long)n);
    wrmsr(0x187, 0);
    wrmsr(0x38d, 0);

    /* MONITOR/MWAIT: ECX extensions, and MWAIT returns (nothing else can wake it here). */
    report(TRY("monitor", 3, monitor_line, 1, 0) == 13, "MONITOR with ECX = 1: #GP");
    report(TRY("mwait", 3, 0, 2, 0) == 13, "MWAIT with ECX = 2: #GP");
    report(TRY("monitor", 3, monitor_line, 0, 0) == -1, "MONITOR");
    report(TRY("mwait", 3, 0, 1, 0) == -1, "MWAIT with interrupts as break events returns");
    /* GETSEC with CR4.SMXE = 0 (the model has no SMX). */
    report(TRY("getsec", 2, 0, 0, 0) == 6, "GETSEC with CR4.SMXE = 0: #UD");
}

/* ---- non-root operation ---- */

/* Each instruction exits or raises #UD (exception bitmap); the host skips it. */
static void guest_main(void)
{
    __asm__ volatile("xor %%ecx, %%ecx; rdpmc" ::: "rax", "rcx", "rdx");           /* 15 */
    __asm__ volatile("monitor" ::"a"(monitor_line), "c"(0), "d"(0));                /* 39 */
    __asm__ volatile("mwait" ::"a"(0), "c"(0));                                     /* 36, qual 0 */
    __asm__ volatile("invpcid 0x18(%%rsi), %%rdx" ::"S"(invpcid_desc), "d"(2ull) : "memory"); /* 58 */
    __asm__ volatile("getsec" ::"a"(0));                                            /* #UD */
    __asm__ volatile("monitor" ::"a"(monitor_line), "c"(0), "d"(0));                /* no exit */
    __asm__ volatile("mwait" ::"a"(0), "c"(0));                                     /* 36, qual 1 */
    __asm__ volatile("invpcid 0x18(%%rsi), %%rdx" ::"S"(invpcid_desc), "d"(2ull) : "memory"); /* #UD */
    for (;;)
        __asm__ volatile("vmcall");
}

/* Reads IA32_PERF_GLOBAL_CTRL (the MSR bitmap lets RDMSR through), then VMCALLs. */
static void guest_perf(void)
{
    guest_pgc = rdmsr(0x38f);
    for (;;)
        __asm__ volatile("vmcall");
}

/* RDTSC, RDTSCP-free RDMSR of IA32_TSC, then VMCALLs. */
static volatile uint64_t guest_tsc, guest_tsc_msr;
static void guest_tsc_reader(void)
{
    guest_tsc = rdtsc();
    guest_tsc_msr = rdmsr(0x10);
    for (;;)
        __asm__ volatile("vmcall");
}

/* IRETQ to a non-canonical RIP: #GP(0) on the IRET itself. */
static void guest_iret_fault(void)
{
    __asm__ volatile("mov %%ss, %%eax; push %%rax; push %%rsp; pushfq; mov %%cs, %%eax; push %%rax;"
                     "movabs $0x8000000000000000, %%rax; push %%rax; iretq" ::: "rax", "memory");
}

/* A lone IRETQ, entered with RSP pointing at a frame the host wrote. */
__asm__(".text\n.globl guest_iretq\nguest_iretq: iretq\n");
extern void guest_iretq(void);

static bool expect_exit(unsigned reason, unsigned len, const char *what)
{
    uint64_t r = vmx_enter(false);
    bool ok = r == 0 && vmread(VMCS_EXIT_REASON) == reason && (!len || vmread(VMCS_EXIT_LEN) == len);
    report(ok, "%s: exit reason %u length %u (got rflags %#lx reason %lu length %lu)", what, reason, len,
           (unsigned long)r, (unsigned long)vmread(VMCS_EXIT_REASON), (unsigned long)vmread(VMCS_EXIT_LEN));
    return ok;
}

static void skip(unsigned len)
{
    vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + len);
}

/* "load IA32_PERF_GLOBAL_CTRL" on entry (bit 13) and exit (bit 12), and the reserved-bit
 * checks of both values (SDM 3C §27.2.2, §27.3.1.1, §27.3.2.1, §28.5.1). */
static void perf_global_tests(bool true_ctls)
{
    uint64_t exit_cap = rdmsr(true_ctls ? 0x48f : 0x483), entry_cap = rdmsr(true_ctls ? 0x490 : 0x484);
    if (!((exit_cap >> 32) & (1u << 12)) || !((entry_cap >> 32) & (1u << 13))) {
        report(false, "load IA32_PERF_GLOBAL_CTRL controls allowed-1");
        return;
    }
    vmwrite(VMCS_PROC, vmx_ctl(true_ctls ? 0x48e : 0x482, 1u << 28));   /* MSR bitmaps */
    vmwrite(0x2004, (uint64_t)(uintptr_t)msr_bitmap);
    vmwrite(VMCS_EXC_BITMAP, 0);
    vmwrite(0x400c, vmread(0x400c) | (1u << 12));
    vmwrite(0x4012, vmread(0x4012) | (1u << 13));
    vmwrite(VMCS_GUEST_RIP, (uint64_t)(uintptr_t)guest_perf);
    vmwrite(0x681c, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack - 8));
    vmwrite(0x2808, 3 | 1ull << 32);                    /* guest value */
    vmwrite(0x2c04, 5);                                 /* host value */
    wrmsr(0x38f, 0);
    if (expect_exit(18, 3, "guest with PERF_GLOBAL_CTRL loaded")) {
        report(guest_pgc == (3 | 1ull << 32), "the guest read the VMCS value (%#lx)", (unsigned long)guest_pgc);
        report(rdmsr(0x38f) == 5, "VM exit loaded the host value (%#lx)", (unsigned long)rdmsr(0x38f));
    }
    vmwrite(0x2808, 1ull << 8);                         /* counter 8 does not exist */
    uint64_t r = vmx_enter(false);
    report(r == 0 && vmread(VMCS_EXIT_REASON) == (0x80000000u | 33), "reserved guest PERF_GLOBAL_CTRL bit: exit %#lx",
           (unsigned long)vmread(VMCS_EXIT_REASON));
    vmwrite(0x2808, 0);
    vmwrite(0x2c04, 1ull << 40);
    r = vmx_enter(false);
    report((r & 0x8d5) == 0x40 && vmread(0x4400) == 8, "reserved host PERF_GLOBAL_CTRL bit: VMfailValid 8");
    vmwrite(0x2c04, 0);
    wrmsr(0x38f, 0);
}

/* "use TSC scaling" (secondary bit 25, TSC multiplier 2032H): with TSC offsetting the guest
 * reads (TSC * multiplier) >> 48 + offset through RDTSC and RDMSR; without offsetting the
 * multiplier is not used (SDM 3C §26.3). */
static uint64_t run_tsc_guest(uint64_t *t0, uint64_t *t1)
{
    vmwrite(VMCS_GUEST_RIP, (uint64_t)(uintptr_t)guest_tsc_reader);
    vmwrite(0x681c, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack - 8));
    *t0 = rdtsc();
    uint64_t r = vmx_enter(false);
    *t1 = rdtsc();
    return r == 0 ? vmread(VMCS_EXIT_REASON) : ~0ull;
}

static void tsc_scaling_tests(bool true_ctls)
{
    if (!((rdmsr(0x48b) >> 32) & (1u << 25))) {
        report(false, "use TSC scaling allowed-1");
        return;
    }
    uint64_t t0, t1;
    vmwrite(VMCS_PROC, vmx_ctl(true_ctls ? 0x48e : 0x482, (1u << 28) | (1u << 3) | PROC_SECONDARY));
    vmwrite(VMCS_PROC2, 1u << 25);
    vmwrite(0x2010, 1000);                              /* TSC offset */
    vmwrite(0x2032, 0);                                 /* multiplier 0: only the offset */
    uint64_t reason = run_tsc_guest(&t0, &t1);
    report(reason == 18 && guest_tsc == 1000 && guest_tsc_msr == 1000,
           "multiplier 0: RDTSC and RDMSR IA32_TSC read the offset (%lu, %lu)", (unsigned long)guest_tsc,
           (unsigned long)guest_tsc_msr);
    vmwrite(0x2032, 3ull << 47);                        /* 1.5 */
    run_tsc_guest(&t0, &t1);
    report(guest_tsc >= t0 + t0 / 2 + 1000 && guest_tsc <= t1 + t1 / 2 + 1000 && guest_tsc_msr >= guest_tsc,
           "multiplier 1.5: guest TSC %lu within 1.5 * [%lu, %lu] + 1000", (unsigned long)guest_tsc,
           (unsigned long)t0, (unsigned long)t1);
    vmwrite(VMCS_PROC, vmx_ctl(true_ctls ? 0x48e : 0x482, (1u << 28) | PROC_SECONDARY));
    vmwrite(0x2032, 0);
    run_tsc_guest(&t0, &t1);
    report(guest_tsc >= t0 && guest_tsc <= t1, "without TSC offsetting the multiplier is not used");
    vmwrite(VMCS_PROC2, 0);
}

/* "NMI unblocking due to IRET" (SDM 3C §28.2.3): a #GP on an IRET executed with (virtual-)NMI
 * blocking sets bit 12 of the exit interruption information and the saved interruptibility
 * shows NMIs unblocked (the VMM re-blocks them before resuming the IRET); without blocking
 * the bit is clear. */
static void nmi_unblock_case(uint32_t pin, uint32_t blocking, const char *what)
{
    vmwrite(0x4000, pin);
    vmwrite(VMCS_EXC_BITMAP, 1u << 13);
    vmwrite(0x4824, blocking);                          /* guest interruptibility */
    vmwrite(VMCS_GUEST_RIP, (uint64_t)(uintptr_t)guest_iret_fault);
    vmwrite(0x681c, (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack - 8));
    uint64_t r = vmx_enter(false);
    uint64_t info = vmread(VMCS_EXIT_INTR_INFO), intr = vmread(0x4824);
    uint64_t want = 0x80000b0du | (blocking ? 1u << 12 : 0);
    report(r == 0 && vmread(VMCS_EXIT_REASON) == 0 && (info & 0x80001fffu) == want && !(intr & 8),
           "%s: #GP on IRET, interruption info %#lx (want %#lx), interruptibility %#lx", what,
           (unsigned long)info, (unsigned long)want, (unsigned long)intr);
}

static void nmi_unblock_tests(bool true_ctls)
{
    uint32_t pin = vmx_ctl(true_ctls ? 0x48d : 0x481, 0);
    vmwrite(VMCS_PROC, vmx_ctl(true_ctls ? 0x48e : 0x482, 1u << 28));
    nmi_unblock_case(pin, 8, "NMI blocking");
    nmi_unblock_case(pin, 0, "no NMI blocking");
    if ((rdmsr(true_ctls ? 0x48d : 0x481) >> 32) & (1u << 5))
        nmi_unblock_case(vmx_ctl(true_ctls ? 0x48d : 0x481, (1u << 3) | (1u << 5)), 8, "virtual-NMI blocking");
    else
        report_skip("virtual NMIs not supported");
    vmwrite(0x4000, pin);
    vmwrite(0x4824, 0);
    vmwrite(VMCS_EXC_BITMAP, 0);
}

/* The same through EPT: the IRET's stack read hits a GPA that EPT does not map, an EPT
 * violation whose qualification bit 12 reports the unblocking (SDM 3C Table 28-7). */
static void nmi_unblock_ept_case(uint32_t blocking)
{
    uint16_t cs, ss;
    __asm__ volatile("mov %%cs, %0; mov %%ss, %1" : "=r"(cs), "=r"(ss));
    uint64_t *frame = (uint64_t *)(unmapped + 4096 - 40);
    frame[0] = (uint64_t)(uintptr_t)guest_perf;         /* RIP, CS, RFLAGS, RSP, SS */
    frame[1] = cs;
    frame[2] = 2;
    frame[3] = (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack - 8);
    frame[4] = ss;
    vmwrite(0x4824, blocking);
    vmwrite(VMCS_GUEST_RIP, (uint64_t)(uintptr_t)guest_iretq);
    vmwrite(0x681c, (uint64_t)(uintptr_t)frame);
    uint64_t r = vmx_enter(false), q = vmread(VMCS_EXIT_QUAL);
    report(r == 0 && vmread(VMCS_EXIT_REASON) == 48 && (q & 7) == 1 && !!(q & (1u << 12)) == !!blocking &&
               vmread(0x2400) == (uint64_t)(uintptr_t)frame,
           "%s NMI blocking: EPT violation on IRET's stack read, qualification %#lx (bit 12 %s)",
           blocking ? "with" : "without", (unsigned long)q, blocking ? "set" : "clear");
}

static void nmi_unblock_ept_tests(bool true_ctls)
{
    if (!((rdmsr(0x48b) >> 32) & 2)) {
        report_skip("enable EPT not supported");
        return;
    }
    uint64_t eptp = vmx_ept_identity(ept_pml4, ept_pdpt, ept_pd);
    ept_pd[0][(uintptr_t)unmapped >> 21] = 0;
    vmwrite(VMCS_PROC, vmx_ctl(true_ctls ? 0x48e : 0x482, (1u << 28) | PROC_SECONDARY));
    vmwrite(VMCS_PROC2, 2);                             /* enable EPT */
    vmwrite(0x201a, eptp);
    nmi_unblock_ept_case(8);
    nmi_unblock_ept_case(0);
    vmwrite(VMCS_PROC2, 0);
    vmwrite(0x4824, 0);
}

static void nonroot_tests(void)
{
    uint64_t basic = rdmsr(0x480);
    bool true_ctls = basic & (1ull << 55);
    uint32_t rev = (uint32_t)basic & 0x7fffffff;
    uint64_t proc_cap = rdmsr(true_ctls ? 0x48e : 0x482), proc2_cap = rdmsr(0x48b);
    uint32_t want = PROC_INVLPG | PROC_MWAIT | PROC_RDPMC | PROC_MONITOR | PROC_SECONDARY;
    report(((proc_cap >> 32) & want) == want && ((proc2_cap >> 32) & PROC2_INVPCID),
           "RDPMC, MWAIT, MONITOR exiting and enable INVPCID are allowed-1");
    uint64_t fc = rdmsr(0x3a);
    if (!(fc & 1))
        wrmsr(0x3a, fc | 5);                            /* lock, VMXON outside SMX */
    write_cr0(read_cr0() | (1u << 5));
    write_cr4(read_cr4() | (1u << 13));
    *(uint32_t *)vmxon_region = rev;
    *(uint32_t *)vmcs = rev;
    report((vmxon((uint64_t)(uintptr_t)vmxon_region) & 0x8d5) == 0, "VMXON");
    vmclear((uint64_t)(uintptr_t)vmcs);
    vmptrld((uint64_t)(uintptr_t)vmcs);
    vmwrite(0x4000, vmx_ctl(true_ctls ? 0x48d : 0x481, 0));
    vmwrite(VMCS_PROC, vmx_ctl(true_ctls ? 0x48e : 0x482, want));
    vmwrite(VMCS_PROC2, vmx_ctl(0x48b, PROC2_INVPCID));
    vmwrite(0x400c, vmx_ctl(true_ctls ? 0x48f : 0x483, 1u << 9));
    vmwrite(0x4012, vmx_ctl(true_ctls ? 0x490 : 0x484, 1u << 9));
    vmwrite(VMCS_EXC_BITMAP, 1u << 6);                  /* #UD exits */
    vmwrite(0x400a, 0);
    vmwrite(0x2800, ~0ull);
    vmx_setup_flat64(tss, (uint64_t)(uintptr_t)guest_main,
                     (uint64_t)(uintptr_t)(guest_stack + sizeof guest_stack - 8));

    uint64_t r = vmx_enter(true);
    report(r == 0 && vmread(VMCS_EXIT_REASON) == 15 && vmread(VMCS_EXIT_LEN) == 2, "RDPMC exit (reason %lu)",
           (unsigned long)vmread(VMCS_EXIT_REASON));
    skip(2);
    if (expect_exit(39, 3, "MONITOR exiting"))
        skip(3);
    if (expect_exit(36, 3, "MWAIT exiting")) {
        report(vmread(VMCS_EXIT_QUAL) == 0, "MWAIT qualification 0: MONITOR exited, nothing armed");
        skip(3);
    }
    if (expect_exit(58, 6, "INVPCID with INVLPG exiting")) {
        /* Displacement 18H; scale 0, 64-bit address, DS, no index, base RSI, type in RDX. */
        uint32_t info = (2u << 7) | (3u << 15) | (1u << 22) | (6u << 23) | (2u << 28);
        report(vmread(VMCS_EXIT_QUAL) == 0x18 && (vmread(VMCS_INSN_INFO) & ~0x7cu) == info,
               "INVPCID qualification %#lx, instruction information %#lx (want 0x18, %#x)",
               (unsigned long)vmread(VMCS_EXIT_QUAL), (unsigned long)vmread(VMCS_INSN_INFO), info);
        skip(6);
    }
    if (expect_exit(0, 0, "GETSEC with CR4.SMXE = 0")) {
        report((vmread(VMCS_EXIT_INTR_INFO) & 0x80000fff) == 0x80000306, "... is #UD, not exit 11 (info %#lx)",
               (unsigned long)vmread(VMCS_EXIT_INTR_INFO));
        skip(2);
    }
    vmwrite(VMCS_PROC, vmread(VMCS_PROC) & ~PROC_MONITOR);
    vmwrite(VMCS_PROC2, 0);                             /* enable INVPCID = 0 */
    if (expect_exit(36, 3, "MWAIT after an unintercepted MONITOR")) {
        report(vmread(VMCS_EXIT_QUAL) == 1, "MWAIT qualification bit 0: monitor armed (%#lx)",
               (unsigned long)vmread(VMCS_EXIT_QUAL));
        skip(3);
    }
    if (expect_exit(0, 0, "INVPCID without enable INVPCID"))
        report((vmread(VMCS_EXIT_INTR_INFO) & 0x80000fff) == 0x80000306, "... is #UD (info %#lx)",
               (unsigned long)vmread(VMCS_EXIT_INTR_INFO));
    perf_global_tests(true_ctls);
    tsc_scaling_tests(true_ctls);
    nmi_unblock_tests(true_ctls);
    nmi_unblock_ept_tests(true_ctls);
    report(read_cr4() & (1u << 6), "CR4.MCE still set after the VM exits");
    __asm__ volatile("vmxoff" ::: "cc");
}

/* IA32_FEATURE_CONTROL at reset: unlocked, or with `-cpu ...,fc-locked` (this test then gets
 * -append fc-locked) locked with VMXON outside SMX, as firmware leaves it. */
static void feature_control_tests(void)
{
    const char *cmd = (const char *)(uintptr_t)guest_mbi()->cmdline;
    size_t n = strlen(cmd);
    bool locked_run = n >= 9 && !strcmp(cmd + n - 9, "fc-locked");
    uint64_t fc = rdmsr(0x3a);
    if (locked_run) {
        report(fc == 5, "fc-locked: IA32_FEATURE_CONTROL %#lx at reset (lock, VMXON outside SMX)", (unsigned long)fc);
        report(!wrmsr_ok(0x3a, 0) && rdmsr(0x3a) == 5, "locked IA32_FEATURE_CONTROL: WRMSR #GP");
    } else {
        report(fc == 0, "IA32_FEATURE_CONTROL unlocked at reset (%#lx)", (unsigned long)fc);
    }
}

int main(void)
{
    guest_set_handler(6, on_fault);
    guest_set_handler(13, on_fault);
    feature_control_tests();
    root_tests();
    nonroot_tests();
    return report_summary();
}
