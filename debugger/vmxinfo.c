/* debugger/vmxinfo.c — exit-reason names, qualification decoding, control-word bits and the
 * `explain` sentences (SDM 3C Appendix C, §25.6-25.8, §26.1-26.2, §28.2.1). Pure. */
#include "debugger/vmxinfo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmx/controls.h"

/* Short names of the basic exit reasons (SDM 3C Appendix C, Table C-1). */
static const char *const reason_names[] = {
    [0] = "exception-nmi", [1] = "external-interrupt", [2] = "triple-fault", [3] = "init",
    [4] = "sipi", [5] = "io-smi", [6] = "other-smi", [7] = "interrupt-window", [8] = "nmi-window",
    [9] = "task-switch", [10] = "cpuid", [11] = "getsec", [12] = "hlt", [13] = "invd",
    [14] = "invlpg", [15] = "rdpmc", [16] = "rdtsc", [17] = "rsm", [18] = "vmcall",
    [19] = "vmclear", [20] = "vmlaunch", [21] = "vmptrld", [22] = "vmptrst", [23] = "vmread",
    [24] = "vmresume", [25] = "vmwrite", [26] = "vmxoff", [27] = "vmxon", [28] = "cr",
    [29] = "dr", [30] = "io", [31] = "msr-read", [32] = "msr-write", [33] = "invalid-guest-state",
    [34] = "msr-loading", [36] = "mwait", [37] = "mtf", [39] = "monitor", [40] = "pause",
    [41] = "machine-check", [43] = "tpr-below-threshold", [44] = "apic-access",
    [45] = "virtualized-eoi", [46] = "gdtr-idtr", [47] = "ldtr-tr", [48] = "ept-violation",
    [49] = "ept-misconfig", [50] = "invept", [51] = "rdtscp", [52] = "preemption-timer",
    [53] = "invvpid", [54] = "wbinvd", [55] = "xsetbv", [56] = "apic-write", [57] = "rdrand",
    [58] = "invpcid", [59] = "vmfunc", [60] = "encls", [61] = "rdseed", [62] = "pml-full",
    [63] = "xsaves", [64] = "xrstors",
};

static const struct {
    const char *alias;
    unsigned reason;
} reason_aliases[] = {
    {"exception", 0}, {"nmi", 0}, {"cr-access", 28}, {"mov-cr", 28}, {"mov-dr", 29},
    {"io-instruction", 30}, {"i/o", 30}, {"rdmsr", 31}, {"wrmsr", 32}, {"entry-failure", 33},
    {"monitor-trap-flag", 37}, {"ept", 48},
};

const char *vmxinfo_reason_name(unsigned reason)
{
    return reason < ARRAY_SIZE(reason_names) ? reason_names[reason] : NULL;
}

static bool name_is(const char *name, const char *s, size_t len)
{
    return name && strlen(name) == len && !strncasecmp(name, s, len);
}

int vmxinfo_reason_parse(const char *s, size_t len)
{
    if (len && s[0] >= '0' && s[0] <= '9') {
        char tmp[24], *end;
        if (len >= sizeof tmp)
            return -1;
        memcpy(tmp, s, len);
        tmp[len] = 0;
        unsigned long v = strtoul(tmp, &end, 0);
        return *end || v > 0xffff ? -1 : (int)v;
    }
    for (unsigned r = 0; r < ARRAY_SIZE(reason_names); r++)
        if (name_is(reason_names[r], s, len))
            return (int)r;
    for (size_t i = 0; i < ARRAY_SIZE(reason_aliases); i++)
        if (name_is(reason_aliases[i].alias, s, len))
            return (int)reason_aliases[i].reason;
    return -1;
}

/* Appends to a bounded buffer. */
struct sbuf {
    char *p;
    size_t n, at;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    if (b->at >= b->n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->at, b->n - b->at, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->at = b->at + (size_t)k < b->n ? b->at + (size_t)k : b->n - 1;
}

static const char *const gpr_names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                          "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const exc_names[32] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                          "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "15",
                                          "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "22", "23",
                                          "24", "25", "26", "27", "#HV", "#VC", "#SX", "31"};
static const char *const intr_types[8] = {"external interrupt", "reserved", "NMI", "hardware exception",
                                          "software interrupt", "privileged software exception",
                                          "software exception", "other event"};

const char *vmxinfo_intr_type_name(unsigned type)
{
    return intr_types[type & 7];
}

const char *vmxinfo_vector_name(unsigned vector)
{
    return vector < 32 ? exc_names[vector] : "interrupt";
}

void vmxinfo_format_qual(const struct vmcs *v, char *buf, size_t n)
{
    struct sbuf b = {buf, n, 0};
    buf[0] = 0;
    u64 q = v->exit_qualification;
    switch (v->exit_reason & 0xffff) {
    case EXIT_REASON_EXCEPTION_NMI: {   /* exit interruption information, SDM 3C Table 25-19 */
        u32 ii = v->exit_intr_info;
        unsigned vec = ii & 0xff;
        sb_printf(&b, "vector=%u (%s) type=%s error-code-valid=%u", vec, vec < 32 ? exc_names[vec] : "?",
                  intr_types[(ii >> 8) & 7], !!(ii & INTR_INFO_HAS_ERROR));
        if (ii & INTR_INFO_HAS_ERROR)
            sb_printf(&b, " error-code=%#x", v->exit_intr_error_code);
        if (ii & INTR_INFO_NMI_UNBLOCK)
            sb_printf(&b, " nmi-unblocking-iret=1");
        if (vec == 14)
            sb_printf(&b, " fault-address=%#llx", (unsigned long long)q);
        else if (vec == 1)
            sb_printf(&b, " dr6-bits=%#llx", (unsigned long long)q);
        break;
    }
    case EXIT_REASON_CR_ACCESS: {   /* SDM 3C Table 28-3 */
        static const char *const acc[] = {"mov-to-cr", "mov-from-cr", "clts", "lmsw"};
        unsigned type = (q >> 4) & 3;
        sb_printf(&b, "cr=%u access=%s", (unsigned)(q & 15), acc[type]);
        if (type < 2)
            sb_printf(&b, " gpr=%s", gpr_names[(q >> 8) & 15]);
        if (type == 3)
            sb_printf(&b, " lmsw-operand=%s lmsw-source=%#x", (q & BIT(6)) ? "memory" : "register",
                      (unsigned)((q >> 16) & 0xffff));
        break;
    }
    case EXIT_REASON_DR_ACCESS:   /* Table 28-4 */
        sb_printf(&b, "dr=%u direction=%s gpr=%s", (unsigned)(q & 7), (q & BIT(4)) ? "mov-from-dr" : "mov-to-dr",
                  gpr_names[(q >> 8) & 15]);
        break;
    case EXIT_REASON_IO:   /* Table 28-5 */
        sb_printf(&b, "size=%u direction=%s string=%u rep=%u operand=%s port=%#x", (unsigned)(q & 7) + 1,
                  (q & BIT(3)) ? "in" : "out", !!(q & BIT(4)), !!(q & BIT(5)), (q & BIT(6)) ? "immediate" : "dx",
                  (unsigned)((q >> 16) & 0xffff));
        break;
    case EXIT_REASON_TASK_SWITCH: {   /* Table 28-2 */
        static const char *const src[] = {"call", "iret", "jmp", "idt-task-gate"};
        sb_printf(&b, "selector=%#x source=%s", (unsigned)(q & 0xffff), src[(q >> 30) & 3]);
        break;
    }
    case EXIT_REASON_EPT_VIOLATION:   /* Table 28-7 */
        sb_printf(&b, "read=%u write=%u fetch=%u readable=%u writable=%u executable=%u linear-valid=%u",
                  !!(q & BIT(0)), !!(q & BIT(1)), !!(q & BIT(2)), !!(q & BIT(3)), !!(q & BIT(4)), !!(q & BIT(5)),
                  !!(q & BIT(7)));
        if (q & BIT(7))
            sb_printf(&b, " %s", (q & BIT(8)) ? "final-translation" : "paging-structure");
        sb_printf(&b, " gpa=%#llx", (unsigned long long)v->guest_physical_address);
        break;
    case EXIT_REASON_INVALID_GUEST:   /* §27.8 */
        sb_printf(&b, "%s", q == 2 ? "PDPTE loading failed" : q == 4 ? "invalid VMCS link pointer" : "guest-state check");
        break;
    case EXIT_REASON_MSR_LOAD_FAIL:
        sb_printf(&b, "msr-load-entry=%llu", (unsigned long long)q);
        break;
    case EXIT_REASON_INVLPG:
        sb_printf(&b, "linear-address=%#llx", (unsigned long long)q);
        break;
    default:
        if (q)
            sb_printf(&b, "qualification=%#llx", (unsigned long long)q);
        break;
    }
}

/* ---- control words ---- */

struct bitname {
    u8 bit;
    const char *name;
};

static const struct bitname pin_bits[] = {
    {0, "external-interrupt exiting"}, {3, "NMI exiting"}, {5, "virtual NMIs"},
    {6, "activate VMX-preemption timer"}, {7, "process posted interrupts"}, {0xff, NULL}};
static const struct bitname proc_bits[] = {
    {2, "interrupt-window exiting"}, {3, "use TSC offsetting"}, {7, "HLT exiting"}, {9, "INVLPG exiting"},
    {10, "MWAIT exiting"}, {11, "RDPMC exiting"}, {12, "RDTSC exiting"}, {15, "CR3-load exiting"},
    {16, "CR3-store exiting"}, {17, "activate tertiary controls"}, {19, "CR8-load exiting"},
    {20, "CR8-store exiting"}, {21, "use TPR shadow"}, {22, "NMI-window exiting"}, {23, "MOV-DR exiting"},
    {24, "unconditional I/O exiting"}, {25, "use I/O bitmaps"}, {27, "monitor trap flag"},
    {28, "use MSR bitmaps"}, {29, "MONITOR exiting"}, {30, "PAUSE exiting"},
    {31, "activate secondary controls"}, {0xff, NULL}};
static const struct bitname proc2_bits[] = {
    {0, "virtualize APIC accesses"}, {1, "enable EPT"}, {2, "descriptor-table exiting"}, {3, "enable RDTSCP"},
    {4, "virtualize x2APIC mode"}, {5, "enable VPID"}, {6, "WBINVD exiting"}, {7, "unrestricted guest"},
    {8, "APIC-register virtualization"}, {9, "virtual-interrupt delivery"}, {10, "PAUSE-loop exiting"},
    {11, "RDRAND exiting"}, {12, "enable INVPCID"}, {13, "enable VM functions"}, {14, "VMCS shadowing"},
    {15, "enable ENCLS exiting"}, {16, "RDSEED exiting"}, {17, "enable PML"}, {18, "EPT-violation #VE"},
    {19, "conceal VMX from PT"}, {20, "enable XSAVES/XRSTORS"}, {22, "mode-based execute control for EPT"},
    {25, "use TSC scaling"}, {0xff, NULL}};
static const struct bitname exit_bits[] = {
    {2, "save debug controls"}, {9, "host address-space size"}, {12, "load IA32_PERF_GLOBAL_CTRL"},
    {15, "acknowledge interrupt on exit"}, {18, "save IA32_PAT"}, {19, "load IA32_PAT"}, {20, "save IA32_EFER"},
    {21, "load IA32_EFER"}, {22, "save VMX-preemption timer value"}, {23, "clear IA32_BNDCFGS"},
    {0xff, NULL}};
static const struct bitname entry_bits[] = {
    {2, "load debug controls"}, {9, "IA-32e mode guest"}, {10, "entry to SMM"},
    {11, "deactivate dual-monitor treatment"}, {13, "load IA32_PERF_GLOBAL_CTRL"}, {14, "load IA32_PAT"},
    {15, "load IA32_EFER"}, {16, "load IA32_BNDCFGS"}, {0xff, NULL}};

static const struct bitname *control_table(u32 enc, const char **what)
{
    switch (enc) {
    case VMCS_PIN_BASED_VM_EXEC_CONTROL: *what = "pin-based controls"; return pin_bits;
    case VMCS_CPU_BASED_VM_EXEC_CONTROL: *what = "primary processor-based controls"; return proc_bits;
    case VMCS_SECONDARY_VM_EXEC_CONTROL: *what = "secondary processor-based controls"; return proc2_bits;
    case VMCS_VM_EXIT_CONTROLS: *what = "VM-exit controls"; return exit_bits;
    case VMCS_VM_ENTRY_CONTROLS: *what = "VM-entry controls"; return entry_bits;
    default: return NULL;
    }
}

bool vmxinfo_format_control(u32 enc, u64 value, char *buf, size_t n)
{
    const char *what;
    const struct bitname *t = control_table(enc, &what);
    if (!t)
        return false;
    struct sbuf b = {buf, n, 0};
    buf[0] = 0;
    for (; t->name; t++)
        if (value & BIT(t->bit))
            sb_printf(&b, "%s%s(%u)", b.at ? ", " : "", t->name, t->bit);
    return true;
}

/* "HLT exiting (primary processor-based controls bit 7) is set". */
static void say_control(struct sbuf *b, u32 enc, unsigned bit)
{
    const char *what = "?", *name = "?";
    for (const struct bitname *t = control_table(enc, &what); t && t->name; t++)
        if (t->bit == bit)
            name = t->name;
    char first[64];
    snprintf(first, sizeof first, "%s", name);
    if (first[0] >= 'a' && first[0] <= 'z')
        first[0] = (char)(first[0] - 'a' + 'A');
    sb_printf(b, "%s (%s bit %u) is set", first, what, bit);
}

static void explain_io(struct sbuf *b, const struct vmcs *v, vmxinfo_read_fn *rd, void *opaque)
{
    u64 q = v->exit_qualification;
    unsigned port = (q >> 16) & 0xffff, size = (unsigned)(q & 7) + 1;
    if (!(v->proc_controls & PROC_IO_BITMAPS)) {
        say_control(b, VMCS_CPU_BASED_VM_EXEC_CONTROL, 24);
        sb_printf(b, " and I/O bitmaps are not used, so every I/O instruction exits (here: %s of port %#x).",
                  (q & BIT(3)) ? "IN" : "OUT", port);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        unsigned p = port + i;
        if (p > 0xffff) {
            sb_printf(b, "The access to port %#x wraps past port 0xffff, which always exits with I/O bitmaps "
                         "(SDM 3C §26.1.3).", port);
            return;
        }
        u64 base = p < 0x8000 ? v->io_bitmap_a : v->io_bitmap_b;
        u8 byte;
        if (!rd(opaque, base + (p & 0x7fff) / 8, &byte)) {
            sb_printf(b, "I/O bitmap %c at %#llx could not be read.", p < 0x8000 ? 'A' : 'B', (unsigned long long)base);
            return;
        }
        if (byte >> (p & 7) & 1) {
            sb_printf(b, "I/O bitmap %c bit for port %#x is set (use I/O bitmaps, primary processor-based "
                         "controls bit 25; I/O_BITMAP_%c = %#llx).",
                      p < 0x8000 ? 'A' : 'B', p, p < 0x8000 ? 'A' : 'B', (unsigned long long)base);
            return;
        }
    }
    sb_printf(b, "No I/O bitmap bit for ports %#x..%#x is set now (the bitmap changed after the exit?).", port,
              port + size - 1);
}

static void explain_msr(struct sbuf *b, const struct vmcs *v, bool write, u32 msr, vmxinfo_read_fn *rd,
                        void *opaque)
{
    const char *insn = write ? "WRMSR" : "RDMSR";
    if (!(v->proc_controls & PROC_MSR_BITMAPS)) {
        sb_printf(b, "Use MSR bitmaps (primary processor-based controls bit 28) is clear, so every %s exits.", insn);
        return;
    }
    bool low = msr <= 0x1fff, high = msr >= 0xc0000000u && msr <= 0xc0001fffu;
    if (!low && !high) {
        sb_printf(b, "MSR %#x is outside the ranges the MSR bitmap covers (0-1FFFH, C0000000H-C0001FFFH), so "
                     "%s of it always exits (SDM 3C §26.1.3).", msr, insn);
        return;
    }
    unsigned off = (write ? 0x800 : 0) + (high ? 0x400 : 0);
    u32 bit = msr & 0x1fff;
    u8 byte = 0;
    bool ok = rd(opaque, v->msr_bitmap + off + bit / 8, &byte);
    sb_printf(b, "The MSR bitmap %s bit for MSR %#x is %s (%s bitmap for %s MSRs at MSR_BITMAP %#llx + %#x; "
                 "use MSR bitmaps, primary processor-based controls bit 28).",
              write ? "write" : "read", msr, !ok ? "unreadable" : (byte >> (bit & 7) & 1) ? "set" : "clear",
              write ? "write" : "read", high ? "high" : "low", (unsigned long long)v->msr_bitmap, off);
}

static void explain_cr(struct sbuf *b, const struct vmcs *v)
{
    u64 q = v->exit_qualification;
    unsigned cr = q & 15, type = (q >> 4) & 3;
    if (type == 2) {
        sb_printf(b, "CLTS exits because bit 3 (TS) is set in both the CR0 guest/host mask (%#llx) and the CR0 "
                     "read shadow (%#llx) (SDM 3C §26.1.3).",
                  (unsigned long long)v->cr0_guest_host_mask, (unsigned long long)v->cr0_read_shadow);
        return;
    }
    if (type == 3) {
        sb_printf(b, "LMSW exits because it would change a bit of CR0[3:0] that is set in the CR0 guest/host "
                     "mask (%#llx) to a value different from the CR0 read shadow (%#llx).",
                  (unsigned long long)v->cr0_guest_host_mask, (unsigned long long)v->cr0_read_shadow);
        return;
    }
    bool to = type == 0;
    if (cr == 3) {
        say_control(b, VMCS_CPU_BASED_VM_EXEC_CONTROL, to ? 15 : 16);
        if (to && !v->cr3_target_count)
            sb_printf(b, " and CR3_TARGET_COUNT is 0, so every MOV to CR3 exits.");
        else if (to)
            sb_printf(b, " and the value written matches none of the %u CR3-target values.", v->cr3_target_count);
        else
            sb_printf(b, ", so MOV from CR3 exits.");
    } else if (cr == 8) {
        say_control(b, VMCS_CPU_BASED_VM_EXEC_CONTROL, to ? 19 : 20);
        sb_printf(b, ", so MOV %s CR8 exits.", to ? "to" : "from");
    } else if (cr == 0 || cr == 4) {
        sb_printf(b, "MOV to CR%u exits because the value written differs from the CR%u read shadow (%#llx) in a "
                     "bit set in the CR%u guest/host mask (%#llx) (SDM 3C §26.1.3).",
                  cr, cr, (unsigned long long)(cr ? v->cr4_read_shadow : v->cr0_read_shadow), cr,
                  (unsigned long long)(cr ? v->cr4_guest_host_mask : v->cr0_guest_host_mask));
    } else {
        sb_printf(b, "Access to CR%u.", cr);
    }
}

/* Exits whose cause is one control bit: reason, field, bit. */
static const struct {
    u8 reason;
    u32 enc;
    u8 bit;
} control_exits[] = {
    {EXIT_REASON_INTR_WINDOW, VMCS_CPU_BASED_VM_EXEC_CONTROL, 2},
    {EXIT_REASON_NMI_WINDOW, VMCS_CPU_BASED_VM_EXEC_CONTROL, 22},
    {EXIT_REASON_HLT, VMCS_CPU_BASED_VM_EXEC_CONTROL, 7},
    {EXIT_REASON_INVLPG, VMCS_CPU_BASED_VM_EXEC_CONTROL, 9},
    {EXIT_REASON_MWAIT, VMCS_CPU_BASED_VM_EXEC_CONTROL, 10},
    {EXIT_REASON_RDPMC, VMCS_CPU_BASED_VM_EXEC_CONTROL, 11},
    {EXIT_REASON_RDTSC, VMCS_CPU_BASED_VM_EXEC_CONTROL, 12},
    {EXIT_REASON_RDTSCP, VMCS_CPU_BASED_VM_EXEC_CONTROL, 12},
    {EXIT_REASON_DR_ACCESS, VMCS_CPU_BASED_VM_EXEC_CONTROL, 23},
    {EXIT_REASON_MTF, VMCS_CPU_BASED_VM_EXEC_CONTROL, 27},
    {EXIT_REASON_MONITOR, VMCS_CPU_BASED_VM_EXEC_CONTROL, 29},
    {EXIT_REASON_EXTERNAL_INTR, VMCS_PIN_BASED_VM_EXEC_CONTROL, 0},
    {EXIT_REASON_PREEMPT_TIMER, VMCS_PIN_BASED_VM_EXEC_CONTROL, 6},
    {EXIT_REASON_GDTR_IDTR, VMCS_SECONDARY_VM_EXEC_CONTROL, 2},
    {EXIT_REASON_LDTR_TR, VMCS_SECONDARY_VM_EXEC_CONTROL, 2},
    {EXIT_REASON_WBINVD, VMCS_SECONDARY_VM_EXEC_CONTROL, 6},
    {EXIT_REASON_RDRAND, VMCS_SECONDARY_VM_EXEC_CONTROL, 11},
    {EXIT_REASON_RDSEED, VMCS_SECONDARY_VM_EXEC_CONTROL, 16},
};

void vmxinfo_explain_exit(const struct vmcs *v, u32 guest_ecx, vmxinfo_read_fn *rd, void *opaque, char *buf, size_t n)
{
    struct sbuf b = {buf, n, 0};
    buf[0] = 0;
    unsigned r = v->exit_reason & 0xffff;
    const char *name = vmxinfo_reason_name(r);
    if (v->exit_reason & EXIT_REASON_ENTRY_FAIL) {
        sb_printf(&b, "The VM entry failed (exit reason %u, %s, with bit 31 set); see the entry-check record.", r,
                  name ? name : "?");
        return;
    }
    switch (r) {
    case EXIT_REASON_CPUID:
    case EXIT_REASON_GETSEC:
    case EXIT_REASON_INVD:
    case EXIT_REASON_XSETBV:
    case EXIT_REASON_VMCALL:
    case EXIT_REASON_VMCLEAR:
    case EXIT_REASON_VMLAUNCH:
    case EXIT_REASON_VMPTRLD:
    case EXIT_REASON_VMPTRST:
    case EXIT_REASON_VMREAD:
    case EXIT_REASON_VMRESUME:
    case EXIT_REASON_VMWRITE:
    case EXIT_REASON_VMXOFF:
    case EXIT_REASON_VMXON:
    case EXIT_REASON_INVEPT:
    case EXIT_REASON_INVVPID: {
        char up[24];
        size_t i = 0;
        for (; name[i] && i + 1 < sizeof up; i++)
            up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
        up[i] = 0;
        sb_printf(&b, "%s always causes a VM exit in VMX non-root operation; no control can prevent it "
                      "(SDM 3C §26.1.2).", up);
        return;
    }
    case EXIT_REASON_TRIPLE_FAULT:
        sb_printf(&b, "A triple fault in the guest always causes a VM exit (SDM 3C §26.2).");
        return;
    case EXIT_REASON_INIT:
        sb_printf(&b, "An INIT signal arrived; INIT always causes a VM exit in VMX non-root operation (SDM 3C §26.2).");
        return;
    case EXIT_REASON_TASK_SWITCH:
        sb_printf(&b, "Task switches always cause a VM exit in VMX non-root operation (SDM 3C §26.1.2).");
        return;
    case EXIT_REASON_IO:
        explain_io(&b, v, rd, opaque);
        return;
    case EXIT_REASON_RDMSR:
    case EXIT_REASON_WRMSR:
        explain_msr(&b, v, r == EXIT_REASON_WRMSR, guest_ecx, rd, opaque);
        return;
    case EXIT_REASON_CR_ACCESS:
        explain_cr(&b, v);
        return;
    case EXIT_REASON_EXCEPTION_NMI: {
        u32 ii = v->exit_intr_info;
        unsigned vec = ii & 0xff, type = (ii >> 8) & 7;
        if (type == INTR_TYPE_NMI) {
            say_control(&b, VMCS_PIN_BASED_VM_EXEC_CONTROL, 3);
            sb_printf(&b, ", so the NMI caused a VM exit.");
        } else if (vec == 14) {
            sb_printf(&b, "Exception bitmap bit 14 (#PF) is %s and the page-fault error code %#x %s "
                          "PAGE_FAULT_ERROR_CODE_MATCH (%#x) under PAGE_FAULT_ERROR_CODE_MASK (%#x) (SDM 3C §26.2).",
                      (v->exception_bitmap & BIT(14)) ? "set" : "clear", v->exit_intr_error_code,
                      (v->exception_bitmap & BIT(14)) ? "matches" : "does not match", v->pf_error_code_match,
                      v->pf_error_code_mask);
        } else {
            sb_printf(&b, "Exception bitmap (EXCEPTION_BITMAP = %#x) bit %u (%s) is set.", v->exception_bitmap, vec,
                      vec < 32 ? exc_names[vec] : "?");
        }
        return;
    }
    case EXIT_REASON_PAUSE:
        if (v->proc_controls & PROC_PAUSE) {
            say_control(&b, VMCS_CPU_BASED_VM_EXEC_CONTROL, 30);
            sb_printf(&b, ".");
        } else {
            say_control(&b, VMCS_SECONDARY_VM_EXEC_CONTROL, 10);
            sb_printf(&b, " and the PAUSE loop outlasted PLE_WINDOW (%u cycles).", v->ple_window);
        }
        return;
    case EXIT_REASON_INVPCID:
        say_control(&b, VMCS_CPU_BASED_VM_EXEC_CONTROL, 9);
        sb_printf(&b, " with enable INVPCID (secondary processor-based controls bit 12).");
        return;
    case EXIT_REASON_EPT_VIOLATION:
        sb_printf(&b, "The EPT paging structures (EPT_POINTER = %#llx) do not permit the access to guest-physical "
                      "address %#llx (SDM 3C §29.3.3).",
                  (unsigned long long)v->ept_pointer, (unsigned long long)v->guest_physical_address);
        return;
    default:
        break;
    }
    for (size_t i = 0; i < ARRAY_SIZE(control_exits); i++)
        if (control_exits[i].reason == r) {
            say_control(&b, control_exits[i].enc, control_exits[i].bit);
            sb_printf(&b, ".");
            return;
        }
    sb_printf(&b, "Exit reason %u (%s).", r, name ? name : "unknown");
}

/* What the SDM requires, for the checks hypervisor authors meet most often; the others are
 * described by their entry_checks.def text. */
static const struct {
    enum vmx_check_id id;
    const char *requires;
} check_requires[] = {
    {VMX_CHECK_GUEST_RFLAGS_RESERVED, "bits 63:22, 15, 5 and 3 must be 0 and bit 1 must be 1"},
    {VMX_CHECK_GUEST_RFLAGS_VM, "RFLAGS.VM must be 0 for an IA-32e mode guest or with CR0.PE = 0"},
    {VMX_CHECK_GUEST_RFLAGS_IF, "RFLAGS.IF must be 1 when an external interrupt is injected"},
    {VMX_CHECK_GUEST_CR0, "the bits fixed to 1 by IA32_VMX_CR0_FIXED0 must be 1 and those fixed to 0 by "
                          "IA32_VMX_CR0_FIXED1 must be 0 (PE and PG may be 0 with unrestricted guest)"},
    {VMX_CHECK_GUEST_CR4, "the bits fixed by IA32_VMX_CR4_FIXED0/FIXED1 (among them VMXE = 1) must have their fixed values"},
    {VMX_CHECK_HOST_CR0, "the bits fixed by IA32_VMX_CR0_FIXED0/FIXED1 must have their fixed values"},
    {VMX_CHECK_HOST_CR4, "the bits fixed by IA32_VMX_CR4_FIXED0/FIXED1 (among them VMXE = 1) must have their fixed values"},
    {VMX_CHECK_HOST_TR_NULL, "the host TR selector must not be 0"},
    {VMX_CHECK_HOST_CS_NULL, "the host CS selector must not be 0"},
    {VMX_CHECK_HOST_SEL_RPL_TI, "host selectors must have RPL = 0 and TI = 0"},
    {VMX_CHECK_GUEST_LINK_PTR, "the VMCS link pointer must be FFFFFFFF_FFFFFFFFH, or a 4-KByte aligned address "
                               "of a VMCS region with the right revision (shadow VMCS)"},
    {VMX_CHECK_GUEST_TR_TYPE, "guest TR must be a busy TSS (type 11 in IA-32e mode, 3 or 11 otherwise)"},
    {VMX_CHECK_GUEST_CS_L_DB, "a 64-bit guest CS (L = 1) must have D/B = 0"},
    {VMX_CHECK_GUEST_ACTIVITY_HLT_DPL, "the HLT activity state needs SS.DPL = 0"},
    {VMX_CHECK_PROC_RESERVED, "every bit must be allowed by IA32_VMX_(TRUE_)PROCBASED_CTLS: its low half lists "
                              "the bits that must be 1, its high half the bits that may be 1"},
    {VMX_CHECK_PIN_RESERVED, "every bit must be allowed by IA32_VMX_(TRUE_)PINBASED_CTLS"},
    {VMX_CHECK_EXIT_RESERVED, "every bit must be allowed by IA32_VMX_(TRUE_)EXIT_CTLS"},
    {VMX_CHECK_ENTRY_RESERVED, "every bit must be allowed by IA32_VMX_(TRUE_)ENTRY_CTLS"},
    {VMX_CHECK_CR3_TARGET_COUNT, "the CR3-target count must be at most 4"},
};

void vmxinfo_explain_failure(const struct vmx_check_failure *f, unsigned insn_error, char *buf, size_t n)
{
    struct sbuf b = {buf, n, 0};
    buf[0] = 0;
    if (f->id == VMX_CHECK_NONE) {
        sb_printf(&b, "No VM-entry failure is recorded.");
        return;
    }
    bool high = false;
    const struct vmcs_field_info *fi = f->field ? vmcs_field_lookup(f->field, &high) : NULL;
    sb_printf(&b, "VM entry failed check %s (SDM 3C §%s)", vmx_check_name(f->id), vmx_check_section(f->id));
    if (insn_error)
        sb_printf(&b, " with VMfailValid, VM-instruction error %u", insn_error);
    else
        sb_printf(&b, " with a VM-entry failure exit");
    if (fi)
        sb_printf(&b, ": %s = %#llx", fi->name, (unsigned long long)f->value);
    else
        sb_printf(&b, ": value %#llx", (unsigned long long)f->value);
    sb_printf(&b, ". Failed: %s.", vmx_check_desc(f->id));
    for (size_t i = 0; i < ARRAY_SIZE(check_requires); i++)
        if (check_requires[i].id == f->id)
            sb_printf(&b, " Required: %s.", check_requires[i].requires);
}
