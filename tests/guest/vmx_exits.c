/* Guest test vmx_exits: one VM exit per case, table-driven. A hypervisor of our own enters a
 * 64-bit guest that shares its address space at a stub of vmx_exits_guest.S; the stub's
 * instruction must cause exactly the expected exit (basic reason, guest RIP at the
 * instruction, instruction length, exit qualification, interruption information) under the
 * control bits of the case. Covers the instruction exits (SDM 3C §26.1.2-26.1.3), CR/DR
 * access (§26.1.3, Table 28-3), I/O with unconditional exiting, bitmaps A/B and REP string
 * forms (Table 28-5), MSR bitmaps, the VMX instructions in the guest, the exception bitmap
 * with #PF error-code mask/match (§26.2), interrupt and NMI windows, external interrupts with
 * acknowledge-on-exit, triple fault and an MSR-load VM-entry failure (§27.4). */
#include "guest.h"
#include "vmx.h"

#define VMCS_PF_MASK 0x4006
#define VMCS_PF_MATCH 0x4008
#define VMCS_EXIT_CTLS 0x400c
#define VMCS_ENTRY_CTLS 0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT 0x4014
#define VMCS_ENTRY_MSR_LOAD_ADDR 0x200a
#define VMCS_CR0_MASK 0x6000
#define VMCS_CR0_SHADOW 0x6004
#define VMCS_EXIT_INTR_ERROR 0x4406
#define VMCS_GUEST_IDTR_LIMIT 0x4812

/* Control bits (SDM 3C §25.6). */
#define PIN_EXTINT (1u << 0)
#define PIN_NMI (1u << 3)
#define PIN_VNMI (1u << 5)
#define P_INTWIN (1u << 2)
#define P_HLT (1u << 7)
#define P_INVLPG (1u << 9)
#define P_RDTSC (1u << 12)
#define P_CR3_LOAD (1u << 15)
#define P_CR3_STORE (1u << 16)
#define P_CR8_LOAD (1u << 19)
#define P_CR8_STORE (1u << 20)
#define P_NMIWIN (1u << 22)
#define P_MOVDR (1u << 23)
#define P_IO (1u << 24)
#define P_IO_BITMAPS (1u << 25)
#define P_MSR_BITMAPS (1u << 28)
#define P_PAUSE (1u << 30)
#define P_SECONDARY (1u << 31)
#define P2_DESC (1u << 2)
#define P2_RDTSCP (1u << 3)
#define P2_WBINVD (1u << 6)
#define P2_RDRAND (1u << 11)
#define P2_RDSEED (1u << 16)
#define X_ACK_INTR (1u << 15)


static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint8_t io_bitmap_a[4096] __attribute__((aligned(4096)));
static uint8_t io_bitmap_b[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static uint64_t msr_load_area[2] __attribute__((aligned(16)));
static uint8_t guest_stack[8192] __attribute__((aligned(16)));
static uint8_t tss[104] __attribute__((aligned(16)));
extern char g_data[];

#define STUB(n) extern char n[], n##_i[], n##_e[];
STUB(g_cpuid) STUB(g_hlt) STUB(g_invlpg) STUB(g_rdtsc) STUB(g_rdtscp) STUB(g_cr3_load)
STUB(g_cr3_store) STUB(g_cr8_load) STUB(g_cr8_store) STUB(g_cr0_mask) STUB(g_clts) STUB(g_lmsw)
STUB(g_movdr) STUB(g_io_in) STUB(g_io_b) STUB(g_io_rep) STUB(g_rdmsr) STUB(g_wrmsr) STUB(g_pause)
STUB(g_sgdt) STUB(g_str) STUB(g_wbinvd) STUB(g_invd) STUB(g_rdrand) STUB(g_rdseed) STUB(g_vmcall)
STUB(g_vmclear) STUB(g_vmlaunch) STUB(g_vmptrld) STUB(g_vmptrst) STUB(g_vmread) STUB(g_vmresume)
STUB(g_vmwrite) STUB(g_vmxoff) STUB(g_vmxon) STUB(g_invept) STUB(g_invvpid) STUB(g_ud2) STUB(g_int3)
STUB(g_pf) STUB(g_window) STUB(g_selfipi) STUB(g_dbbp) STUB(g_dbgd)
#undef STUB

enum where { AT_INSN, AT_START, AT_NEXT, ANYWHERE };   /* expected guest RIP */
#define NO_QUAL (~0ull)

struct exit_case {
    const char *name;
    const char *start, *insn, *next;   /* the stub's labels */
    uint32_t pin, proc, proc2, exit_ctls, exc_bitmap;
    void (*prep)(void);                /* more VMCS/bitmap set-up, or NULL */
    uint32_t reason;                   /* full exit-reason field */
    enum where rip;
    bool len;                          /* check the instruction length (next - insn) */
    uint64_t qual;                     /* NO_QUAL: not checked */
    uint32_t intr_info;                /* 0: not checked */
};

#define S(n) #n, n, n##_i, n##_e

static uint64_t guest_cr0;

static void prep_cr0_ts(void)   /* CR0.TS owned by the host, shadow = the guest's value */
{
    vmwrite(VMCS_CR0_MASK, 8);
    vmwrite(VMCS_CR0_SHADOW, guest_cr0 & 8);
}

static void prep_clts(void)     /* CLTS exits when TS is owned and the shadow's TS is 1 */
{
    vmwrite(VMCS_CR0_MASK, 8);
    vmwrite(VMCS_CR0_SHADOW, 8);
}

static void prep_lmsw(void)     /* LMSW exits when an owned bit of MSW[3:1] differs from the shadow */
{
    vmwrite(VMCS_CR0_MASK, 2);
    vmwrite(VMCS_CR0_SHADOW, 0);
}

static void prep_io_b(void) { io_bitmap_b[(0x8001 - 0x8000) / 8] |= 1u << (0x8001 % 8); }
static void prep_io_a(void) { io_bitmap_a[0x80 / 8] |= 1u << (0x80 % 8); }
static void prep_rdmsr(void) { msr_bitmap[0x1b / 8] |= 1u << (0x1b % 8); }
static void prep_wrmsr(void) { msr_bitmap[0xc00 + 0x100 / 8] |= 1u << (0x100 % 8); }   /* write-high */
static void prep_pf(void) { vmwrite(VMCS_PF_MASK, 0); vmwrite(VMCS_PF_MATCH, 0); }
static void prep_if(void) { vmwrite(VMCS_GUEST_RFLAGS, 0x202); }
static void prep_triple(void) { vmwrite(VMCS_GUEST_IDTR_LIMIT, 0); }
static void prep_msr_load(void)
{
    msr_load_area[0] = 0x808;                 /* an x2APIC MSR: not allowed in the list (§27.4) */
    msr_load_area[1] = 0;
    vmwrite(VMCS_ENTRY_MSR_LOAD_ADDR, (uintptr_t)msr_load_area);
    vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 1);
}

static const struct exit_case cases[] = {
    {S(g_cpuid), 0, 0, 0, 0, 0, NULL, 10, AT_INSN, true, 0, 0},
    {S(g_hlt), 0, P_HLT, 0, 0, 0, NULL, 12, AT_INSN, true, 0, 0},
    {S(g_invlpg), 0, P_INVLPG, 0, 0, 0, NULL, 14, AT_INSN, true, 1 /* g_data, below */, 0},
    {S(g_rdtsc), 0, P_RDTSC, 0, 0, 0, NULL, 16, AT_INSN, true, 0, 0},
    {S(g_rdtscp), 0, P_RDTSC | P_SECONDARY, P2_RDTSCP, 0, 0, NULL, 51, AT_INSN, true, 0, 0},
    {S(g_cr3_load), 0, P_CR3_LOAD, 0, 0, 0, NULL, 28, AT_INSN, true, 0x3, 0},
    {S(g_cr3_store), 0, P_CR3_STORE, 0, 0, 0, NULL, 28, AT_INSN, true, 0x313, 0},
    {S(g_cr8_load), 0, P_CR8_LOAD, 0, 0, 0, NULL, 28, AT_INSN, true, 0x208, 0},
    {S(g_cr8_store), 0, P_CR8_STORE, 0, 0, 0, NULL, 28, AT_INSN, true, 0x618, 0},
    {S(g_cr0_mask), 0, 0, 0, 0, 0, prep_cr0_ts, 28, AT_INSN, true, 0x0, 0},
    {S(g_clts), 0, 0, 0, 0, 0, prep_clts, 28, AT_INSN, true, 0x20, 0},
    {S(g_lmsw), 0, 0, 0, 0, 0, prep_lmsw, 28, AT_INSN, true, 2 /* source data, below */, 0},
    {S(g_movdr), 0, P_MOVDR, 0, 0, 0, NULL, 29, AT_INSN, true, 0x17, 0},
    {S(g_io_in), 0, P_IO, 0, 0, 0, NULL, 30, AT_INSN, true, 0x800048, 0},
    {S(g_io_b), 0, P_IO_BITMAPS, 0, 0, 0, prep_io_b, 30, AT_INSN, true, 0x80010000, 0},
    {S(g_io_rep), 0, P_IO_BITMAPS, 0, 0, 0, prep_io_a, 30, AT_INSN, true, 0x800038, 0},
    {S(g_rdmsr), 0, P_MSR_BITMAPS, 0, 0, 0, prep_rdmsr, 31, AT_INSN, true, 0, 0},
    {S(g_wrmsr), 0, P_MSR_BITMAPS, 0, 0, 0, prep_wrmsr, 32, AT_INSN, true, 0, 0},
    {S(g_pause), 0, P_PAUSE, 0, 0, 0, NULL, 40, AT_INSN, true, 0, 0},
    {S(g_sgdt), 0, P_SECONDARY, P2_DESC, 0, 0, NULL, 46, AT_INSN, true, NO_QUAL, 0},
    {S(g_str), 0, P_SECONDARY, P2_DESC, 0, 0, NULL, 47, AT_INSN, true, NO_QUAL, 0},
    {S(g_wbinvd), 0, P_SECONDARY, P2_WBINVD, 0, 0, NULL, 54, AT_INSN, true, 0, 0},
    {S(g_invd), 0, 0, 0, 0, 0, NULL, 13, AT_INSN, true, 0, 0},
    {S(g_rdrand), 0, P_SECONDARY, P2_RDRAND, 0, 0, NULL, 57, AT_INSN, true, 0, 0},
    {S(g_rdseed), 0, P_SECONDARY, P2_RDSEED, 0, 0, NULL, 61, AT_INSN, true, 0, 0},
    {S(g_vmcall), 0, 0, 0, 0, 0, NULL, 18, AT_INSN, true, 0, 0},
    {S(g_vmclear), 0, 0, 0, 0, 0, NULL, 19, AT_INSN, true, NO_QUAL, 0},
    {S(g_vmlaunch), 0, 0, 0, 0, 0, NULL, 20, AT_INSN, true, 0, 0},
    {S(g_vmptrld), 0, 0, 0, 0, 0, NULL, 21, AT_INSN, true, NO_QUAL, 0},
    {S(g_vmptrst), 0, 0, 0, 0, 0, NULL, 22, AT_INSN, true, NO_QUAL, 0},
    {S(g_vmread), 0, 0, 0, 0, 0, NULL, 23, AT_INSN, true, 0, 0},
    {S(g_vmresume), 0, 0, 0, 0, 0, NULL, 24, AT_INSN, true, 0, 0},
    {S(g_vmwrite), 0, 0, 0, 0, 0, NULL, 25, AT_INSN, true, 0, 0},
    {S(g_vmxoff), 0, 0, 0, 0, 0, NULL, 26, AT_INSN, true, 0, 0},
    {S(g_vmxon), 0, 0, 0, 0, 0, NULL, 27, AT_INSN, true, NO_QUAL, 0},
    {S(g_invept), 0, 0, 0, 0, 0, NULL, 50, AT_INSN, true, NO_QUAL, 0},
    {S(g_invvpid), 0, 0, 0, 0, 0, NULL, 53, AT_INSN, true, NO_QUAL, 0},
    {S(g_ud2), 0, 0, 0, 0, 1u << 6, NULL, 0, AT_INSN, false, 0, 0x80000306},
    {S(g_int3), 0, 0, 0, 0, 1u << 3, NULL, 0, AT_INSN, true, 0, 0x80000603},
    {S(g_pf), 0, 0, 0, 0, 1u << 14, prep_pf, 0, AT_INSN, false, 0x100000000000ull, 0x80000b0e},
    /* #DB faults intercepted by the exception bitmap: the qualification holds what DR6 would
       have got (B0; BD), and DR6 itself stays as it was (SDM 3C §27.1, Table 28-1). */
    {S(g_dbbp), 0, 0, 0, 0, 1u << 1, NULL, 0, AT_INSN, false, 0x1, 0x80000301},
    {S(g_dbgd), 0, 0, 0, 0, 1u << 1, NULL, 0, AT_INSN, false, 0x2000, 0x80000301},
    {S(g_window), 0, P_INTWIN, 0, 0, 0, prep_if, 7, AT_START, false, 0, 0},
    {S(g_window), PIN_NMI | PIN_VNMI, P_NMIWIN, 0, 0, 0, NULL, 8, AT_START, false, 0, 0},
    {S(g_selfipi), PIN_EXTINT, 0, 0, X_ACK_INTR, 0, prep_if, 1, AT_NEXT, false, 0, 0x80000040},
    {S(g_ud2), 0, 0, 0, 0, 0, prep_triple, 2, ANYWHERE, false, 0, 0},
    {S(g_cpuid), 0, 0, 0, 0, 0, prep_msr_load, 0x80000022u, ANYWHERE, false, 1, 0},
};

struct ctl_msrs {
    uint32_t pin, proc, proc2, exit, entry;
};

/* Is every bit of `want` allowed to be 1 by capability MSR `msr` (SDM 3C Appendix A.3)? */
static bool allowed(uint32_t msr, uint32_t want)
{
    return ((uint32_t)(rdmsr(msr) >> 32) & want) == want;
}

/* The VMCS for one case: a flat 64-bit guest at the stub, base controls plus the case's. */
static void setup_case(const struct exit_case *k, const struct ctl_msrs *m)
{
    memset(io_bitmap_a, 0, sizeof io_bitmap_a);
    memset(io_bitmap_b, 0, sizeof io_bitmap_b);
    memset(msr_bitmap, 0, sizeof msr_bitmap);
    vmx_setup_flat64(tss, (uintptr_t)k->start, (uintptr_t)(guest_stack + sizeof guest_stack - 8));
    vmwrite(VMCS_PIN, vmx_ctl(m->pin, k->pin));
    vmwrite(VMCS_PROC, vmx_ctl(m->proc, k->proc));
    vmwrite(VMCS_PROC2, k->proc2);
    vmwrite(VMCS_EXIT_CTLS, vmx_ctl(m->exit, (1u << 9) | k->exit_ctls));
    vmwrite(VMCS_ENTRY_CTLS, vmx_ctl(m->entry, 1u << 9));
    vmwrite(VMCS_EXC_BITMAP, k->exc_bitmap);
    vmwrite(VMCS_PF_MASK, 0);
    vmwrite(VMCS_PF_MATCH, ~0u);   /* with mask 0, only bit 14 = 0 would exit on #PF */
    vmwrite(VMCS_CR0_MASK, 0);
    vmwrite(VMCS_CR0_SHADOW, 0);
    vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_IO_BITMAP_A, (uintptr_t)io_bitmap_a);
    vmwrite(VMCS_IO_BITMAP_B, (uintptr_t)io_bitmap_b);
    vmwrite(VMCS_MSR_BITMAP, (uintptr_t)msr_bitmap);
    vmwrite(0x400a, 0);       /* CR3-target count */
    vmwrite(0x2800, ~0ull);   /* VMCS link pointer */
    if (k->prep)
        k->prep();
}

static void check_case(const struct exit_case *k, uint64_t r)
{
    uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);
    uint64_t rip = vmread(VMCS_GUEST_RIP), len = vmread(VMCS_EXIT_LEN), qual = vmread(VMCS_EXIT_QUAL);
    uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
    uint64_t want_rip = k->rip == AT_INSN ? (uintptr_t)k->insn : k->rip == AT_START ? (uintptr_t)k->start
                                                                                     : (uintptr_t)k->next;
    uint64_t want_len = (uint64_t)(k->next - k->insn), want_qual = k->qual;
    if (k->insn == g_invlpg_i)
        want_qual = (uintptr_t)g_data;
    if (k->insn == g_lmsw_i)
        want_qual = 0x30 | (((guest_cr0 & 0xffff) | 2) << 16);
    bool ok = r == 0 && reason == k->reason;
    ok = ok && (k->rip == ANYWHERE || rip == want_rip);
    ok = ok && (!k->len || len == want_len);
    ok = ok && (want_qual == NO_QUAL || qual == want_qual);
    ok = ok && (!k->intr_info || info == k->intr_info);
    report(ok, "%s: reason %#x (want %#x) rip %ld len %lu (want %lu) qual %#lx (want %#lx) info %#x (want %#x)",
           k->name, reason, k->reason, (long)(rip - want_rip), (unsigned long)len,
           (unsigned long)(k->len ? want_len : len), (unsigned long)qual,
           (unsigned long)(want_qual == NO_QUAL ? qual : want_qual), info, k->intr_info ? k->intr_info : info);
}

int main(void)
{
    uint64_t basic = rdmsr(0x480);
    bool true_ctls = basic & (1ull << 55);
    struct ctl_msrs m = {true_ctls ? 0x48d : 0x481, true_ctls ? 0x48e : 0x482, 0x48b,
                         true_ctls ? 0x48f : 0x483, true_ctls ? 0x490 : 0x484};
    guest_cr0 = read_cr0() | (1u << 5);   /* vmx_enable sets CR0.NE */
    *(volatile uint32_t *)(uintptr_t)0xfee000f0 = 0x1ff;   /* LAPIC software-enabled (self-IPI case) */
    report(vmx_enable(vmxon_region, vmcs), "VMXON, VMCLEAR, VMPTRLD");
    bool launched = false;
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct exit_case *k = &cases[i];
        if (!allowed(m.pin, k->pin) || !allowed(m.proc, k->proc) || !allowed(m.proc2, k->proc2) ||
            !allowed(m.exit, k->exit_ctls)) {
            report_skip("%s: controls %#x/%#x/%#x not supported", k->name, k->pin, k->proc, k->proc2);
            continue;
        }
        setup_case(k, &m);
        bool db = k->insn == g_dbbp_i || k->insn == g_dbgd_i;
        if (db)
            __asm__ volatile("mov %0, %%dr6" ::"r"(0xffff0ff0ull));
        uint64_t e = vmx_enter(!launched);
        if (e == 0)
            launched = true;   /* a VM exit (incl. a VM-entry failure exit) leaves it launched */
        check_case(k, e);
        if (db) {
            uint64_t dr6;
            __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
            report(dr6 == 0xffff0ff0, "%s: DR6 unchanged by the #DB VM exit (%#lx)", k->name, (unsigned long)dr6);
        }
        if (k->intr_info == 0x80000040)
            *(volatile uint32_t *)(uintptr_t)0xfee000b0 = 0;   /* EOI the acknowledged vector */
    }
    return report_summary();
}
