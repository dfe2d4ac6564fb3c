/* Unit tests for the debugger's VMX knowledge (debugger/vmxinfo.c) on fake VMCSs: exit-reason
 * names and parsing, exit qualifications decoded into named bits, control words, and the
 * `explain` sentences for exits and failed entries; plus the VMX command names. */
#include <check.h>
#include <string.h>

#include "debugger/cmds.h"
#include "debugger/dbg.h"
#include "debugger/vmxinfo.h"
#include "vmx/controls.h"

static int parse(const char *s)
{
    return vmxinfo_reason_parse(s, strlen(s));
}

START_TEST(reason_names)
{
    ck_assert_int_eq(parse("cpuid"), 10);
    ck_assert_int_eq(parse("CPUID"), 10);
    ck_assert_int_eq(parse("hlt"), 12);
    ck_assert_int_eq(parse("io"), 30);
    ck_assert_int_eq(parse("cr"), 28);
    ck_assert_int_eq(parse("cr-access"), 28);
    ck_assert_int_eq(parse("msr-read"), 31);
    ck_assert_int_eq(parse("rdmsr"), 31);
    ck_assert_int_eq(parse("msr-write"), 32);
    ck_assert_int_eq(parse("ept-violation"), 48);
    ck_assert_int_eq(parse("Invalid-Guest-State"), 33);
    ck_assert_int_eq(parse("18"), 18);
    ck_assert_int_eq(parse("0x1e"), 30);
    ck_assert_int_eq(parse("nosuch"), -1);
    ck_assert_int_eq(parse("12x"), -1);
    ck_assert_int_eq(parse("99999"), -1);
    ck_assert_int_eq(vmxinfo_reason_parse("cpuid hlt", 5), 10);   /* length-bounded */
    ck_assert_str_eq(vmxinfo_reason_name(10), "cpuid");
    ck_assert_str_eq(vmxinfo_reason_name(31), "msr-read");
    ck_assert_ptr_null(vmxinfo_reason_name(35));
    ck_assert_ptr_null(vmxinfo_reason_name(1000));
    ck_assert_str_eq(vmxinfo_intr_type_name(INTR_TYPE_HW_EXC), "hardware exception");
    ck_assert_str_eq(vmxinfo_intr_type_name(INTR_TYPE_NMI), "NMI");
    ck_assert_str_eq(vmxinfo_vector_name(13), "#GP");
    ck_assert_str_eq(vmxinfo_vector_name(0x80), "interrupt");
    /* Every named reason parses back to itself. */
    for (unsigned r = 0; r < 100; r++) {
        const char *n = vmxinfo_reason_name(r);
        if (n)
            ck_assert_int_eq(parse(n), (int)r);
    }
}
END_TEST

static void qual_of(u32 reason, u64 qual, char *buf, size_t n)
{
    struct vmcs v = {0};
    v.exit_reason = reason;
    v.exit_qualification = qual;
    vmxinfo_format_qual(&v, buf, n);
}

START_TEST(qualifications)
{
    char b[256];
    /* CR access (SDM 3C Table 28-3): MOV to CR3 from RAX; MOV from CR8 into R9; CLTS; LMSW. */
    qual_of(EXIT_REASON_CR_ACCESS, 0x3, b, sizeof b);
    ck_assert_str_eq(b, "cr=3 access=mov-to-cr gpr=rax");
    qual_of(EXIT_REASON_CR_ACCESS, 0x918, b, sizeof b);
    ck_assert_str_eq(b, "cr=8 access=mov-from-cr gpr=r9");
    qual_of(EXIT_REASON_CR_ACCESS, 0x20, b, sizeof b);
    ck_assert_str_eq(b, "cr=0 access=clts");
    qual_of(EXIT_REASON_CR_ACCESS, 0x000b0070, b, sizeof b);
    ck_assert_str_eq(b, "cr=0 access=lmsw lmsw-operand=memory lmsw-source=0xb");
    /* I/O (Table 28-5): OUT DX, AL to 0x3f8; REP INSD from 0x60 with an immediate port... */
    qual_of(EXIT_REASON_IO, 0x3f80000, b, sizeof b);
    ck_assert_str_eq(b, "size=1 direction=out string=0 rep=0 operand=dx port=0x3f8");
    qual_of(EXIT_REASON_IO, 0x0060007b, b, sizeof b);
    ck_assert_str_eq(b, "size=4 direction=in string=1 rep=1 operand=immediate port=0x60");
    /* MOV DR (Table 28-4). */
    qual_of(EXIT_REASON_DR_ACCESS, 0x317, b, sizeof b);
    ck_assert_str_eq(b, "dr=7 direction=mov-from-dr gpr=rbx");
    /* Exception: #PF with error code, fault address in the qualification. */
    struct vmcs v = {0};
    v.exit_reason = EXIT_REASON_EXCEPTION_NMI;
    v.exit_intr_info = INTR_INFO_VALID | INTR_INFO_HAS_ERROR | (INTR_TYPE_HW_EXC << 8) | 14;
    v.exit_intr_error_code = 2;
    v.exit_qualification = 0xdead000;
    vmxinfo_format_qual(&v, b, sizeof b);
    ck_assert_str_eq(b, "vector=14 (#PF) type=hardware exception error-code-valid=1 error-code=0x2 fault-address=0xdead000");
    v.exit_intr_info = INTR_INFO_VALID | (INTR_TYPE_SW_EXC << 8) | 3;
    v.exit_qualification = 0;
    vmxinfo_format_qual(&v, b, sizeof b);
    ck_assert_str_eq(b, "vector=3 (#BP) type=software exception error-code-valid=0");
    /* EPT violation (Table 28-7): a write to a read-only page, final translation. */
    memset(&v, 0, sizeof v);
    v.exit_reason = EXIT_REASON_EPT_VIOLATION;
    v.exit_qualification = 0x18a;
    v.guest_physical_address = 0x5000;
    vmxinfo_format_qual(&v, b, sizeof b);
    ck_assert_str_eq(b, "read=0 write=1 fetch=0 readable=1 writable=0 executable=0 linear-valid=1 final-translation gpa=0x5000");
    /* Task switch; no qualification for CPUID. */
    qual_of(EXIT_REASON_TASK_SWITCH, 0xc0000028, b, sizeof b);
    ck_assert_str_eq(b, "selector=0x28 source=idt-task-gate");
    qual_of(EXIT_REASON_CPUID, 0, b, sizeof b);
    ck_assert_str_eq(b, "");
    /* A too-small buffer is truncated, never overrun. */
    char small[8];
    memset(small, 'x', sizeof small);
    qual_of(EXIT_REASON_IO, 0x3f80000, small, 6);
    ck_assert_str_eq(small, "size=");
    ck_assert_int_eq(small[6], 'x');
}
END_TEST

START_TEST(control_words)
{
    char b[512];
    ck_assert(vmxinfo_format_control(VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC_HLT | PROC_CR3_LOAD | PROC_IO_BITMAPS, b, sizeof b));
    ck_assert_str_eq(b, "HLT exiting(7), CR3-load exiting(15), use I/O bitmaps(25)");
    ck_assert(vmxinfo_format_control(VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR | PIN_DEFAULT1, b, sizeof b));
    ck_assert_str_eq(b, "external-interrupt exiting(0)");
    ck_assert(vmxinfo_format_control(VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_EPT | PROC2_VPID, b, sizeof b));
    ck_assert_str_eq(b, "enable EPT(1), enable VPID(5)");
    ck_assert(vmxinfo_format_control(VMCS_VM_ENTRY_CONTROLS, ENTRY_IA32E | ENTRY_LOAD_EFER, b, sizeof b));
    ck_assert_str_eq(b, "IA-32e mode guest(9), load IA32_EFER(15)");
    ck_assert(vmxinfo_format_control(VMCS_VM_EXIT_CONTROLS, EXIT_HOST_ADDR64 | EXIT_ACK_INTR, b, sizeof b));
    ck_assert_str_eq(b, "host address-space size(9), acknowledge interrupt on exit(15)");
    ck_assert(!vmxinfo_format_control(VMCS_GUEST_RIP, 0, b, sizeof b));
}
END_TEST

/* Fake guest memory for the bitmaps: one page of I/O bitmap A at 0x1000, MSR bitmap at 0x3000. */
struct fake_mem {
    u8 bytes[0x4000];
};

static bool fake_read(void *opaque, u64 pa, u8 *byte)
{
    struct fake_mem *m = opaque;
    if (pa >= sizeof m->bytes)
        return false;
    *byte = m->bytes[pa];
    return true;
}

static void explain(const struct vmcs *v, u32 ecx, struct fake_mem *m, char *b, size_t n)
{
    vmxinfo_explain_exit(v, ecx, fake_read, m, b, n);
}

START_TEST(explain_exits)
{
    static struct fake_mem m;
    memset(&m, 0, sizeof m);
    char b[512];
    struct vmcs v = {0};
    v.exit_reason = EXIT_REASON_CPUID;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_ptr_nonnull(strstr(b, "CPUID always causes a VM exit"));
    v.exit_reason = EXIT_REASON_HLT;
    v.proc_controls = PROC_HLT;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_str_eq(b, "HLT exiting (primary processor-based controls bit 7) is set.");
    /* CR3 load, with and without CR3-target values. */
    v.exit_reason = EXIT_REASON_CR_ACCESS;
    v.exit_qualification = 0x3;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_str_eq(b, "CR3-load exiting (primary processor-based controls bit 15) is set and CR3_TARGET_COUNT is 0, "
                        "so every MOV to CR3 exits.");
    v.cr3_target_count = 2;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_ptr_nonnull(strstr(b, "matches none of the 2 CR3-target values"));
    v.exit_qualification = 0x818;   /* MOV from CR8 into RAX */
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_str_eq(b, "CR8-store exiting (primary processor-based controls bit 20) is set, so MOV from CR8 exits.");
    v.exit_qualification = 0x4;     /* MOV to CR4 */
    v.cr4_guest_host_mask = 0x2000;
    v.cr4_read_shadow = 0;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_ptr_nonnull(strstr(b, "CR4 guest/host mask (0x2000)"));
    /* I/O: through bitmap A, bitmap B, and unconditional. */
    v = (struct vmcs){0};
    v.exit_reason = EXIT_REASON_IO;
    v.exit_qualification = 0x3f8ull << 16;
    v.proc_controls = PROC_IO_BITMAPS;
    v.io_bitmap_a = 0x1000;
    v.io_bitmap_b = 0x2000;
    m.bytes[0x1000 + 0x3f8 / 8] = 1u << (0x3f8 % 8);
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_ptr_eq(strstr(b, "I/O bitmap A bit for port 0x3f8 is set"), b);
    v.exit_qualification = (0x8004ull << 16) | 1;   /* 2-byte access to 0x8004 */
    m.bytes[0x2000 + 0] = 1u << 5;                  /* port 0x8005 */
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_ptr_eq(strstr(b, "I/O bitmap B bit for port 0x8005 is set"), b);
    v.proc_controls = PROC_UNCOND_IO;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_ptr_eq(strstr(b, "Unconditional I/O exiting (primary processor-based controls bit 24) is set"), b);
    /* RDMSR/WRMSR through the MSR bitmap (read low at +0, write high at +0xc00). */
    v = (struct vmcs){0};
    v.exit_reason = EXIT_REASON_RDMSR;
    v.proc_controls = PROC_MSR_BITMAPS;
    v.msr_bitmap = 0x3000;
    m.bytes[0x3000 + 0x1b / 8] = 1u << (0x1b % 8);
    explain(&v, 0x1b, &m, b, sizeof b);
    ck_assert_ptr_eq(strstr(b, "The MSR bitmap read bit for MSR 0x1b is set (read bitmap for low MSRs"), b);
    v.exit_reason = EXIT_REASON_WRMSR;
    explain(&v, 0xc0000080u, &m, b, sizeof b);
    ck_assert_ptr_eq(strstr(b, "The MSR bitmap write bit for MSR 0xc0000080 is clear (write bitmap for high MSRs"), b);
    ck_assert_ptr_nonnull(strstr(b, "+ 0xc00"));
    explain(&v, 0x40000000u, &m, b, sizeof b);
    ck_assert_ptr_nonnull(strstr(b, "outside the ranges the MSR bitmap covers"));
    v.proc_controls = 0;
    explain(&v, 0x10, &m, b, sizeof b);
    ck_assert_str_eq(b, "Use MSR bitmaps (primary processor-based controls bit 28) is clear, so every WRMSR exits.");
    /* Exceptions: the exception bitmap; #PF with mask/match; NMI exiting. */
    v = (struct vmcs){0};
    v.exit_reason = EXIT_REASON_EXCEPTION_NMI;
    v.exception_bitmap = BIT(6);
    v.exit_intr_info = INTR_INFO_VALID | (INTR_TYPE_HW_EXC << 8) | 6;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_str_eq(b, "Exception bitmap (EXCEPTION_BITMAP = 0x40) bit 6 (#UD) is set.");
    v.exit_intr_info = INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | 2;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_str_eq(b, "NMI exiting (pin-based controls bit 3) is set, so the NMI caused a VM exit.");
    /* One-control exits: preemption timer, MTF, RDRAND, external interrupt. */
    v = (struct vmcs){0};
    v.exit_reason = EXIT_REASON_PREEMPT_TIMER;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_str_eq(b, "Activate VMX-preemption timer (pin-based controls bit 6) is set.");
    v.exit_reason = EXIT_REASON_MTF;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_str_eq(b, "Monitor trap flag (primary processor-based controls bit 27) is set.");
    v.exit_reason = EXIT_REASON_RDRAND;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_str_eq(b, "RDRAND exiting (secondary processor-based controls bit 11) is set.");
    v.exit_reason = EXIT_REASON_EXTERNAL_INTR;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_str_eq(b, "External-interrupt exiting (pin-based controls bit 0) is set.");
    v.exit_reason = EXIT_REASON_VMCALL;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_ptr_eq(strstr(b, "VMCALL always causes a VM exit"), b);
    v.exit_reason = EXIT_REASON_INVALID_GUEST | EXIT_REASON_ENTRY_FAIL;
    explain(&v, 0, &m, b, sizeof b);
    ck_assert_ptr_eq(strstr(b, "The VM entry failed (exit reason 33"), b);
}
END_TEST

START_TEST(explain_failures)
{
    char b[512];
    struct vmx_check_failure f = {VMX_CHECK_GUEST_RFLAGS_RESERVED, VMCS_GUEST_RFLAGS, 0};
    vmxinfo_explain_failure(&f, 0, b, sizeof b);
    ck_assert_str_eq(b, "VM entry failed check GUEST_RFLAGS_RESERVED (SDM 3C §27.3.1.4) with a VM-entry failure exit: "
                        "GUEST_RFLAGS = 0. Failed: guest RFLAGS reserved bits. Required: bits 63:22, 15, 5 and 3 "
                        "must be 0 and bit 1 must be 1.");
    f = (struct vmx_check_failure){VMX_CHECK_HOST_TR_NULL, VMCS_HOST_TR_SELECTOR, 0};
    vmxinfo_explain_failure(&f, 8, b, sizeof b);
    ck_assert_ptr_eq(strstr(b, "VM entry failed check HOST_TR_NULL (SDM 3C §27.2.3) with VMfailValid, VM-instruction "
                               "error 8: HOST_TR_SELECTOR = 0."), b);
    /* A check without a field, and one without a requirement text. */
    f = (struct vmx_check_failure){VMX_CHECK_GUEST_SS_CS_RPL, 0, 3};
    vmxinfo_explain_failure(&f, 0, b, sizeof b);
    ck_assert_str_eq(b, "VM entry failed check GUEST_SS_CS_RPL (SDM 3C §27.3.1.2) with a VM-entry failure exit: "
                        "value 0x3. Failed: guest SS.RPL differs from CS.RPL.");
    f = (struct vmx_check_failure){0};
    vmxinfo_explain_failure(&f, 0, b, sizeof b);
    ck_assert_str_eq(b, "No VM-entry failure is recorded.");
}
END_TEST

START_TEST(command_names)
{
    unsigned n;
    ck_assert_ptr_eq(cmdtab_lookup(dbg_cmd_tables, dbg_cmd_ntables, "explain", 7, &n)->fn, cmd_explain);
    ck_assert_ptr_eq(cmdtab_lookup(dbg_cmd_tables, dbg_cmd_ntables, "step-exit", 9, &n)->fn, cmd_step_exit);
    ck_assert_ptr_eq(cmdtab_lookup(dbg_cmd_tables, dbg_cmd_ntables, "step-entry", 10, &n)->fn, cmd_step_entry);
    ck_assert_ptr_eq(cmdtab_lookup(dbg_cmd_tables, dbg_cmd_ntables, "vmcs", 4, &n)->fn, cmd_vmcs);
    ck_assert_ptr_eq(cmdtab_lookup(dbg_cmd_tables, dbg_cmd_ntables, "stepi", 5, &n)->fn, cmd_stepi);
    ck_assert_ptr_eq(cmdtab_lookup(dbg_info_tables, dbg_info_ntables, "vmcs", 4, &n)->fn, cmd_info_vmcs);
    ck_assert_ptr_eq(cmdtab_lookup(dbg_info_tables, dbg_info_ntables, "exits", 5, &n)->fn, cmd_info_exits);
    ck_assert_ptr_null(cmdtab_lookup(dbg_cmd_tables, dbg_cmd_ntables, "step-e", 6, &n));   /* exit or entry */
    ck_assert_uint_eq(n, 2);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("debugger_vmx");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, reason_names);
    tcase_add_test(tc, qualifications);
    tcase_add_test(tc, control_words);
    tcase_add_test(tc, explain_exits);
    tcase_add_test(tc, explain_failures);
    tcase_add_test(tc, command_names);
    suite_add_tcase(s, tc);
    return s;
}
