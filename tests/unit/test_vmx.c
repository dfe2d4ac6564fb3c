/* VMX tests: every VMCS field through VMWRITE/VMREAD, every VMfail and #UD/#GP case of the
 * VMX instructions, one mutation per VM-entry check id against a valid baseline VMCS, and a
 * VM entry/exit round trip on a bare CPU (tests/unit/cpu_harness.c). Byte strings were
 * produced with GNU as; the source is in each comment. */
#include <check.h>
#include <string.h>

#include "cpu/msr.h"
#include "tests/unit/cpu_harness.h"
#include "vmx/vmx.h"

static struct harness H;

#define VMXON_PA 0x400000ull
#define VMCS_PA 0x401000ull
#define VMCS2_PA 0x402000ull

static void put32(u64 pa, u32 v) { memcpy(H.ram + pa, &v, 4); }
static void put64(u64 pa, u64 v) { memcpy(H.ram + pa, &v, 8); }
static u64 get64(u64 pa) { u64 v; memcpy(&v, H.ram + pa, 8); return v; }

/* 64-bit IDT gate for `vector` to `handler`, IDT at 0x5000. */
static void idt_gate(unsigned vector, u64 handler)
{
    u64 lo = (handler & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((handler >> 16) & 0xffff) << 48;
    u64 hi = handler >> 32;
    memcpy(H.ram + 0x5000 + 16 * vector, &lo, 8);
    memcpy(H.ram + 0x5000 + 16 * vector + 8, &hi, 8);
    H.cpu.idtr.base = 0x5000;
    H.cpu.idtr.limit = 0xfff;
}

static void setup(void)
{
    harness_init(&H, "intel");
    harness_long_mode(&H);
    H.cpu.cr4 |= CR4_VMXE;
    H.cpu.msr.feature_control = 5;   /* locked, VMXON outside SMX */
    put32(VMXON_PA, VMX_REVISION);
    put32(VMCS_PA, VMX_REVISION);
    put32(VMCS2_PA, VMX_REVISION);
    put64(0x3000, VMXON_PA);
    put64(0x3008, VMCS_PA);
    put64(0x3010, VMCS_PA);
    /* #UD and #GP handlers: mov $vector,%r15d; hlt */
    memcpy(H.ram + 0x200000, "\x41\xbf\x06\x00\x00\x00\xf4", 7);
    memcpy(H.ram + 0x200010, "\x41\xbf\x0d\x00\x00\x00\xf4", 7);
    idt_gate(6, 0x200000);
    idt_gate(13, 0x200010);
    /* A 64-bit TSS whose RSP0 takes exceptions raised at CPL 3 (tests poke cpl directly). */
    put64(0x6000 + 4, 0x78000);
    H.cpu.tr = (struct seg){0x28, 0x6000, 0x67, 0x8b};
}

static void teardown(void) { harness_destroy(&H); }

/* Run one instruction followed by pushfq; pop %r14; hlt. Returns the vector of an exception
 * it raised (#UD, #GP) or -1; *flags gets RFLAGS after the instruction. */
static int exec1(const char *code, size_t len, u64 *flags)
{
    u8 buf[64];
    memcpy(buf, code, len);
    memcpy(buf + len, "\x9c\x41\x5e\xf4", 4);
    H.cpu.rip = HARNESS_CODE;
    H.cpu.gpr[RSP] = HARNESS_STACK;
    H.cpu.state = CPU_RUNNING;
    H.cpu.gpr[R15] = 0xff;
    H.cpu.gpr[R14] = 0;
    ck_assert_int_eq(harness_run(&H, buf, len + 4, 1000), STOP_HALT);
    if (flags)
        *flags = H.cpu.gpr[R14];
    return H.cpu.gpr[R15] == 0xff ? -1 : (int)H.cpu.gpr[R15];
}
#define EXEC(code, flags) exec1(code, sizeof(code) - 1, flags)

#define I_VMXON "\xf3\x0f\xc7\x34\x25\x00\x30\x00\x00"   /* vmxon 0x3000 */
#define I_VMPTRLD "\x0f\xc7\x34\x25\x08\x30\x00\x00"     /* vmptrld 0x3008 */
#define I_VMCLEAR "\x66\x0f\xc7\x34\x25\x10\x30\x00\x00" /* vmclear 0x3010 */
#define I_VMREAD "\x0f\x78\xc3"                          /* vmread %rax,%rbx */
#define I_VMWRITE "\x0f\x79\xc3"                         /* vmwrite %rbx,%rax */
#define I_VMLAUNCH "\x0f\x01\xc2"
#define I_VMRESUME "\x0f\x01\xc3"
#define I_VMCALL "\x0f\x01\xc1"
#define I_VMXOFF "\x0f\x01\xc4"
#define I_MOV_CR4 "\x0f\x22\xe0"                         /* mov %rax,%cr4 */
#define I_MOV_CR0 "\x0f\x22\xc0"                         /* mov %rax,%cr0 */
#define I_VMPTRST "\x0f\xc7\x3c\x25\x18\x30\x00\x00"     /* vmptrst 0x3018 */

#define STATUS (RFLAGS_CF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF | RFLAGS_PF | RFLAGS_AF)
static bool succeeded(u64 fl) { return !(fl & STATUS); }
static bool failed_invalid(u64 fl) { return (fl & STATUS) == RFLAGS_CF; }
static bool failed_valid(u64 fl, u32 err)
{
    return (fl & STATUS) == RFLAGS_ZF && H.cpu.vmx->vmcs.vm_instruction_error == err;
}

static void vmxon_and_load(void)
{
    u64 fl;
    ck_assert_int_eq(EXEC(I_VMXON, &fl), -1);
    ck_assert(succeeded(fl));
    ck_assert_int_eq(EXEC(I_VMPTRLD, &fl), -1);
    ck_assert(succeeded(fl));
}

/* ---- VMWRITE/VMREAD of every field ---- */

START_TEST(fields_roundtrip)
{
    /* vmxon 0x3000; vmclear 0x3008; vmptrld 0x3008;
       1: mov (%r8),%rax; cmp $-1,%rax; je 2f; vmwrite 8(%r8),%rax; pushfq; pop %r14;
          mov %r14,16(%r8); vmread %rax,24(%r8); add $32,%r8; jmp 1b; 2: hlt
       Table entries: {encoding, value, flags after VMWRITE, value read back}. */
    static const char prog[] =
        "\xf3\x0f\xc7\x34\x25\x00\x30\x00\x00\x66\x0f\xc7\x34\x25\x08\x30\x00\x00\x0f\xc7\x34\x25"
        "\x08\x30\x00\x00\x49\x8b\x00\x48\x83\xf8\xff\x74\x17\x41\x0f\x79\x40\x08\x9c\x41\x5e\x4d"
        "\x89\x70\x10\x41\x0f\x78\x40\x18\x49\x83\xc0\x20\xeb\xe0\xf4";
    const u64 table = 0x500000;
    unsigned n = 0;
    for (unsigned i = 0; i < VMCS_NFIELDS; i++) {
        const struct vmcs_field_info *f = &vmcs_fields[i];
        u64 val = 0xdeadbeef00000000ull | (u64)f->enc << 8 | 0x5a;
        put64(table + 32 * n, f->enc);
        put64(table + 32 * n + 8, val);
        put64(table + 32 * n + 24, 0x1111);
        n++;
        if (f->width == W64) {   /* the high half */
            put64(table + 32 * n, f->enc | 1);
            put64(table + 32 * n + 8, 0x77665544);
            put64(table + 32 * n + 24, 0x1111);
            n++;
        }
    }
    /* Encodings that name no field: reserved bit 12, index 63, high access to a 32-bit field. */
    const u64 bogus[] = {0x1000, 0x207e, 0x4001, 0x100000000ull | 0x681e};
    for (unsigned i = 0; i < 4; i++) {
        put64(table + 32 * n, bogus[i]);
        put64(table + 32 * n + 8, 1);
        put64(table + 32 * n + 24, 0x1111);
        n++;
    }
    put64(table + 32 * n, ~0ull);
    H.cpu.gpr[R8] = table;
    put64(0x3008, VMCS_PA);
    ck_assert_int_eq(harness_run(&H, prog, sizeof(prog) - 1, 100000), STOP_HALT);

    const struct vmx_caps *caps = &H.cpu.vmx->caps;
    unsigned k = 0, exist = 0;
    u32 max_index = 0;
    for (unsigned i = 0; i < VMCS_NFIELDS; i++) {
        const struct vmcs_field_info *f = &vmcs_fields[i];
        u64 val = get64(table + 32 * k + 8), fl = get64(table + 32 * k + 16), rd = get64(table + 32 * k + 24);
        bool ex = vmx_caps_field_exists(caps, f);
        if (ex) {
            exist++;
            if (((f->enc >> 1) & 0x1ff) > max_index)
                max_index = (f->enc >> 1) & 0x1ff;
            u64 want = f->width == W16 ? (u16)val : f->width == W32 ? (u32)val : val;
            if (f->enc >= VMCS_GUEST_ES_AR_BYTES && f->enc <= VMCS_GUEST_TR_AR_BYTES)
                want &= 0x1f0ff;
            ck_assert_msg(succeeded(fl), "VMWRITE %s flags %#llx", f->name, (unsigned long long)fl);
            ck_assert_msg(rd == want, "VMREAD %s: %#llx, want %#llx", f->name, (unsigned long long)rd,
                          (unsigned long long)want);
        } else {
            ck_assert_msg((fl & STATUS) == RFLAGS_ZF, "VMWRITE of absent %s must fail valid", f->name);
            ck_assert_msg(rd == 0x1111, "VMREAD of absent %s must not write", f->name);
        }
        k++;
        if (f->width == W64) {
            u64 hfl = get64(table + 32 * k + 16), hrd = get64(table + 32 * k + 24);
            if (ex) {
                ck_assert_msg(succeeded(hfl) && hrd == 0x77665544, "high half of %s", f->name);
                ck_assert_uint_eq(vmcs_get(&H.cpu.vmx->vmcs, f), 0x77665544ull << 32 | (u32)val);
            } else {
                ck_assert((hfl & STATUS) == RFLAGS_ZF);
            }
            k++;
        }
    }
    for (unsigned i = 0; i < 4; i++, k++) {
        ck_assert((get64(table + 32 * k + 16) & STATUS) == RFLAGS_ZF);
        ck_assert_uint_eq(get64(table + 32 * k + 24), 0x1111);
    }
    ck_assert_uint_eq(H.cpu.vmx->vmcs.vm_instruction_error, VMXERR_UNSUPPORTED_FIELD);
    ck_assert_uint_ge(exist, 120);
    u64 vmcs_enum;
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_VMCS_ENUM, &vmcs_enum));
    ck_assert_uint_eq(vmcs_enum, (u64)max_index << 1);
}
END_TEST

START_TEST(field_lookup_is_exact)
{
    for (unsigned i = 0; i < VMCS_NFIELDS; i++) {
        bool high = true;
        ck_assert_ptr_eq(vmcs_field_lookup(vmcs_fields[i].enc, &high), &vmcs_fields[i]);
        ck_assert(!high);
        ck_assert_uint_eq((vmcs_fields[i].enc >> 13) & 3, vmcs_fields[i].width);
        ck_assert_uint_eq((vmcs_fields[i].enc >> 10) & 3, vmcs_fields[i].type);
    }
    bool high;
    ck_assert_ptr_null(vmcs_field_lookup(0xffffffffu, &high));
    ck_assert_ptr_null(vmcs_field_lookup(0x8000, &high));
}
END_TEST

START_TEST(vmclear_writes_back_and_vmptrld_reloads)
{
    vmxon_and_load();
    u64 fl;
    H.cpu.gpr[RAX] = VMCS_GUEST_RIP;
    H.cpu.gpr[RBX] = 0x123456789ull;
    ck_assert_int_eq(EXEC(I_VMWRITE, &fl), -1);
    ck_assert(succeeded(fl));
    ck_assert_int_eq(EXEC(I_VMPTRST, &fl), -1);
    ck_assert_uint_eq(get64(0x3018), VMCS_PA);
    ck_assert_int_eq(EXEC(I_VMCLEAR, &fl), -1);
    ck_assert(succeeded(fl));
    ck_assert_uint_eq(H.cpu.vmx->current, VMX_NO_VMCS);
    ck_assert_int_eq(EXEC(I_VMPTRST, &fl), -1);
    ck_assert_uint_eq(get64(0x3018), ~0ull);
    memset(&H.cpu.vmx->vmcs, 0, sizeof(H.cpu.vmx->vmcs));
    ck_assert_int_eq(EXEC(I_VMPTRLD, &fl), -1);
    H.cpu.gpr[RBX] = 0;
    ck_assert_int_eq(EXEC(I_VMREAD, &fl), -1);
    ck_assert(succeeded(fl));
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0x123456789ull);
}
END_TEST

/* ---- #UD / #GP / VMfail cases (SDM 3C Chapter 31 Operation sections) ---- */

START_TEST(vmxon_faults)
{
    u64 fl;
    H.cpu.cr4 &= ~CR4_VMXE;
    ck_assert_int_eq(EXEC(I_VMXON, &fl), EXC_UD);            /* CR4.VMXE = 0 */
    H.cpu.cr4 |= CR4_VMXE;
    H.cpu.msr.feature_control = 0;
    ck_assert_int_eq(EXEC(I_VMXON, &fl), EXC_GP);            /* not locked */
    H.cpu.msr.feature_control = 1;
    ck_assert_int_eq(EXEC(I_VMXON, &fl), EXC_GP);            /* VMXON outside SMX disabled */
    H.cpu.msr.feature_control = 5;
    H.cpu.cr0 &= ~CR0_NE;
    ck_assert_int_eq(EXEC(I_VMXON, &fl), EXC_GP);            /* CR0 fixed bit */
    H.cpu.cr0 |= CR0_NE;
    H.cpu.cpl = 3;
    ck_assert_int_eq(EXEC(I_VMXON, &fl), EXC_GP);            /* CPL > 0 */
    H.cpu.cpl = 0;
    ck_assert_int_eq(EXEC(I_VMREAD, &fl), EXC_UD);           /* outside VMX operation */
    ck_assert_int_eq(EXEC(I_VMCALL, &fl), EXC_UD);
}
END_TEST

START_TEST(vmxon_fail_invalid)
{
    u64 fl;
    put64(0x3000, VMXON_PA + 8);                             /* not 4 KiB aligned */
    ck_assert_int_eq(EXEC(I_VMXON, &fl), -1);
    ck_assert(failed_invalid(fl));
    put64(0x3000, 1ull << 40);                               /* beyond MAXPHYADDR */
    ck_assert_int_eq(EXEC(I_VMXON, &fl), -1);
    ck_assert(failed_invalid(fl));
    put64(0x3000, VMXON_PA);
    put32(VMXON_PA, VMX_REVISION | 0x80000000u);             /* shadow bit set */
    ck_assert_int_eq(EXEC(I_VMXON, &fl), -1);
    ck_assert(failed_invalid(fl));
    put32(VMXON_PA, VMX_REVISION + 1);
    ck_assert_int_eq(EXEC(I_VMXON, &fl), -1);
    ck_assert(failed_invalid(fl));
    ck_assert(!H.cpu.vmx_on);
    put32(VMXON_PA, VMX_REVISION);
    ck_assert_int_eq(EXEC(I_VMXON, &fl), -1);
    ck_assert(succeeded(fl) && H.cpu.vmx_on);
    ck_assert_int_eq(EXEC(I_VMXON, &fl), -1);                /* in root, no current VMCS */
    ck_assert(failed_invalid(fl));
    ck_assert_int_eq(EXEC(I_VMPTRLD, &fl), -1);
    ck_assert_int_eq(EXEC(I_VMXON, &fl), -1);                /* in root, current VMCS */
    ck_assert(failed_valid(fl, VMXERR_VMXON_IN_ROOT));
}
END_TEST

START_TEST(vmx_operation_cr_rules)
{
    vmxon_and_load();
    u64 fl;
    H.cpu.gpr[RAX] = H.cpu.cr4 & ~CR4_VMXE;
    ck_assert_int_eq(EXEC(I_MOV_CR4, &fl), EXC_GP);          /* clearing CR4.VMXE */
    H.cpu.gpr[RAX] = H.cpu.cr0 & ~CR0_NE;
    ck_assert_int_eq(EXEC(I_MOV_CR0, &fl), EXC_GP);          /* CR0.NE fixed to 1 */
    H.cpu.cpl = 3;
    ck_assert_int_eq(EXEC(I_VMREAD, &fl), EXC_GP);
    H.cpu.cpl = 3;   /* the #GP handler ran at CPL 0 */
    ck_assert_int_eq(EXEC(I_VMXOFF, &fl), EXC_GP);
    H.cpu.cpl = 0;
    ck_assert_int_eq(EXEC(I_VMXOFF, &fl), -1);
    ck_assert(succeeded(fl) && !H.cpu.vmx_on);
    H.cpu.gpr[RAX] = H.cpu.cr4 & ~CR4_VMXE;
    ck_assert_int_eq(EXEC(I_MOV_CR4, &fl), -1);              /* allowed again */
}
END_TEST

START_TEST(init_blocked_in_root)
{
    vmxon_and_load();
    cpu_signal(&H.cpu, CPU_SIG_INIT, 0);
    u64 fl;
    ck_assert_int_eq(EXEC(I_VMPTRST, &fl), -1);              /* runs: INIT is held */
    ck_assert(H.cpu.init_pending);
    ck_assert(H.cpu.efer & EFER_LMA);
}
END_TEST

START_TEST(vmclear_vmptrld_fail_valid)
{
    vmxon_and_load();
    u64 fl;
    put64(0x3010, VMCS2_PA + 0x10);
    ck_assert_int_eq(EXEC(I_VMCLEAR, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_VMCLEAR_BAD_ADDR));
    put64(0x3010, VMXON_PA);
    ck_assert_int_eq(EXEC(I_VMCLEAR, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_VMCLEAR_VMXON_PTR));
    put64(0x3008, 1ull << 45);
    ck_assert_int_eq(EXEC(I_VMPTRLD, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_VMPTRLD_BAD_ADDR));
    put64(0x3008, VMXON_PA);
    ck_assert_int_eq(EXEC(I_VMPTRLD, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_VMPTRLD_VMXON_PTR));
    put32(VMCS2_PA, 0x1234);
    put64(0x3008, VMCS2_PA);
    ck_assert_int_eq(EXEC(I_VMPTRLD, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_VMPTRLD_BAD_REVISION));
    /* Without a current VMCS the same failures are VMfailInvalid. */
    put64(0x3010, VMCS_PA);
    ck_assert_int_eq(EXEC(I_VMCLEAR, &fl), -1);
    ck_assert(succeeded(fl));
    put64(0x3010, VMXON_PA);
    ck_assert_int_eq(EXEC(I_VMCLEAR, &fl), -1);
    ck_assert(failed_invalid(fl));
}
END_TEST

START_TEST(vmfunc_ud_outside_non_root)
{
    /* VMFUNC (0F 01 D4) is #UD outside VMX operation and in root operation (Vol. 2B VMFUNC). */
    ck_assert_int_eq(EXEC("\x0f\x01\xd4", NULL), 6);
    vmxon_and_load();
    ck_assert_int_eq(EXEC("\x0f\x01\xd4", NULL), 6);
}
END_TEST

START_TEST(vmread_vmwrite_fail)
{
    u64 fl;
    ck_assert_int_eq(EXEC(I_VMXON, &fl), -1);
    H.cpu.gpr[RAX] = VMCS_GUEST_RIP;
    ck_assert_int_eq(EXEC(I_VMREAD, &fl), -1);               /* no current VMCS */
    ck_assert(failed_invalid(fl));
    ck_assert_int_eq(EXEC(I_VMWRITE, &fl), -1);
    ck_assert(failed_invalid(fl));
    ck_assert_int_eq(EXEC(I_VMPTRLD, &fl), -1);
    H.cpu.gpr[RAX] = VMCS_VMREAD_BITMAP;                     /* VMCS shadowing not modelled yet */
    ck_assert_int_eq(EXEC(I_VMREAD, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_UNSUPPORTED_FIELD));
    H.cpu.gpr[RAX] = 0x6001;                                 /* high access to a natural field */
    ck_assert_int_eq(EXEC(I_VMWRITE, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_UNSUPPORTED_FIELD));
    H.cpu.gpr[RAX] = VMCS_VM_EXIT_REASON;                    /* RO, but MISC[29] allows it */
    H.cpu.gpr[RBX] = 42;
    ck_assert_int_eq(EXEC(I_VMWRITE, &fl), -1);
    ck_assert(succeeded(fl));
    ck_assert_uint_eq(H.cpu.vmx->vmcs.exit_reason, 42);
}
END_TEST

START_TEST(launch_resume_vmcall_fail)
{
    u64 fl;
    ck_assert_int_eq(EXEC(I_VMXON, &fl), -1);
    ck_assert_int_eq(EXEC(I_VMLAUNCH, &fl), -1);
    ck_assert(failed_invalid(fl));
    ck_assert_int_eq(EXEC(I_VMCALL, &fl), -1);
    ck_assert(failed_invalid(fl));
    ck_assert_int_eq(EXEC(I_VMPTRLD, &fl), -1);
    ck_assert_int_eq(EXEC(I_VMRESUME, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_VMRESUME_NOT_LAUNCHED));
    ck_assert_int_eq(EXEC(I_VMCALL, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_VMCALL_ROOT));
    H.cpu.vmx->launch = VMCS_LAUNCHED;
    ck_assert_int_eq(EXEC(I_VMLAUNCH, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_VMLAUNCH_NOT_CLEAR));
    H.cpu.vmx->launch = VMCS_CLEAR;
    ck_assert_int_eq(EXEC(I_VMLAUNCH, &fl), -1);             /* all-zero VMCS: bad controls */
    ck_assert(failed_valid(fl, VMXERR_ENTRY_BAD_CONTROL));
    ck_assert_int_eq(H.cpu.vmx->last_failure.id, VMX_CHECK_PIN_RESERVED);
}
END_TEST

START_TEST(capability_msrs)
{
    u64 basic, pin, tpin, proc, tproc, f0, f1, v;
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_BASIC, &basic));
    ck_assert_uint_eq(basic & 0x7fffffff, VMX_REVISION);
    ck_assert_uint_eq((basic >> 32) & 0x1fff, 4096);
    ck_assert_uint_eq((basic >> 50) & 0xf, 6);
    ck_assert(basic & VMX_BASIC_TRUE_CTLS);
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_PINBASED_CTLS, &pin));
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_TRUE_PINBASED_CTLS, &tpin));
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_PROCBASED_CTLS, &proc));
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_TRUE_PROCBASED_CTLS, &tproc));
    ck_assert_uint_eq((u32)pin, PIN_DEFAULT1);
    ck_assert_uint_eq((u32)proc, PROC_DEFAULT1);
    ck_assert_uint_eq((u32)tproc & ~(u32)proc, 0);           /* TRUE allows more 0s only */
    ck_assert_uint_eq(tproc >> 32, proc >> 32);
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_CR0_FIXED0, &f0));
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_CR0_FIXED1, &f1));
    ck_assert_uint_eq(f0 & ~f1, 0);
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_PROCBASED_CTLS2, &v));
    ck_assert_uint_eq(v >> 32 & (PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED | PROC2_MBEC | PROC2_PML | PROC2_VMFUNC | PROC2_EPT_VE),
                      PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED | PROC2_MBEC | PROC2_PML | PROC2_VMFUNC | PROC2_EPT_VE);
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_VMFUNC, &v));
    ck_assert_uint_eq(v, VMFUNC_EPTP_SWITCHING);
    ck_assert(msr_read(&H.cpu, MSR_IA32_VMX_EPT_VPID_CAP, &v));
    /* Execute-only, 4/5-level, UC/WB, 2 MiB, INVEPT types 1-2, A/D, INVVPID types 0-3. */
    ck_assert_uint_eq(v & ~BIT(17), 0xf01063141c1ull);
    ck_assert(!msr_write(&H.cpu, MSR_IA32_VMX_BASIC, 0));
    /* IA32_FEATURE_CONTROL: writable until locked. */
    H.cpu.msr.feature_control = 0;
    ck_assert(msr_write(&H.cpu, MSR_IA32_FEATURE_CONTROL, 5));
    ck_assert(!msr_write(&H.cpu, MSR_IA32_FEATURE_CONTROL, 1));
    /* -cpu vmx-* features shape the MSRs: no MBEC, and without EPT none of its capabilities. */
    struct cpu_model m;
    struct vmx_caps caps;
    char err[100];
    ck_assert_int_eq(model_parse("max,-vmx-mbec", &m, err, sizeof err), 0);
    vmx_caps_compute(&m, &caps);
    ck_assert_uint_eq(vmx_caps_msr(&caps, MSR_IA32_VMX_PROCBASED_CTLS2) >> 32 & (PROC2_EPT | PROC2_MBEC), PROC2_EPT);
    ck_assert_int_eq(model_parse("max,-vmx-ept", &m, err, sizeof err), 0);
    vmx_caps_compute(&m, &caps);
    ck_assert_uint_eq(vmx_caps_msr(&caps, MSR_IA32_VMX_PROCBASED_CTLS2) >> 32 & (PROC2_EPT | PROC2_MBEC | PROC2_VPID), PROC2_VPID);
    ck_assert_uint_eq(vmx_caps_msr(&caps, MSR_IA32_VMX_EPT_VPID_CAP) & 0xffffffffull, 0);
    ck_assert(!caps.fcap[FC_EPT]);
    /* An AMD model has no VMX MSRs. */
    struct harness a;
    harness_init(&a, "amd");
    ck_assert(!msr_read(&a.cpu, MSR_IA32_VMX_BASIC, &v));
    harness_destroy(&a);
}
END_TEST

/* ---- VM-entry checks: a valid baseline and one mutation per check id ---- */

static bool no_phys(void *opaque, u64 pa, unsigned size, u64 *v)
{
    (void)opaque, (void)pa, (void)size;
    *v = 0;
    return true;
}

static const struct vmx_caps *test_caps(void)
{
    static struct vmx_caps caps;
    struct cpu_model m;
    char err[100];
    ck_assert_int_eq(model_parse("intel", &m, err, sizeof err), 0);
    vmx_caps_compute(&m, &caps);
    return &caps;
}

/* A 64-bit host and a 64-bit guest, every check satisfied. */
static void baseline(struct vmcs *v, const struct vmx_caps *caps)
{
    memset(v, 0, sizeof(*v));
    v->pin_controls = (u32)vmx_caps_ctl(caps, MSR_IA32_VMX_PINBASED_CTLS);
    v->proc_controls = (u32)vmx_caps_ctl(caps, MSR_IA32_VMX_PROCBASED_CTLS);
    v->exit_controls = (u32)vmx_caps_ctl(caps, MSR_IA32_VMX_EXIT_CTLS) | EXIT_HOST_ADDR64;
    v->entry_controls = (u32)vmx_caps_ctl(caps, MSR_IA32_VMX_ENTRY_CTLS) | ENTRY_IA32E;
    v->host_cr0 = v->guest_cr0 = CR0_PE | CR0_NE | CR0_PG | CR0_ET | CR0_WP;
    v->host_cr4 = v->guest_cr4 = CR4_PAE | CR4_VMXE;
    v->host_cr3 = v->guest_cr3 = HARNESS_PT;
    v->host_cs_sel = 0x08;
    v->host_ss_sel = v->host_ds_sel = v->host_es_sel = 0x10;
    v->host_tr_sel = 0x20;
    v->host_rip = 0x300000;
    v->host_rsp = 0x70000;
    v->guest_cs_sel = 0x08;
    v->guest_ss_sel = v->guest_ds_sel = v->guest_es_sel = v->guest_fs_sel = v->guest_gs_sel = 0x10;
    v->guest_tr_sel = 0x20;
    v->guest_cs_ar = 0x9b | SEG_AR_L | SEG_AR_G;
    v->guest_ss_ar = v->guest_ds_ar = v->guest_es_ar = v->guest_fs_ar = v->guest_gs_ar = 0x93 | SEG_AR_DB | SEG_AR_G;
    v->guest_cs_limit = v->guest_ss_limit = v->guest_ds_limit = v->guest_es_limit = 0xffffffff;
    v->guest_fs_limit = v->guest_gs_limit = 0xffffffff;
    v->guest_tr_ar = 0x8b;
    v->guest_tr_limit = 0x67;
    v->guest_ldtr_ar = SEG_AR_UNUSABLE;
    v->guest_gdtr_limit = v->guest_idtr_limit = 0xffff;
    v->guest_rip = 0x280000;
    v->guest_rsp = 0x60000;
    v->guest_rflags = RFLAGS_FIXED1;
    v->vmcs_link_pointer = ~0ull;
}

struct mutation {
    enum vmx_check_id id;
    u32 enc[6];
    u64 val[6];
};

#define M1(ID, e, x) {VMX_CHECK_##ID, {e}, {x}}
#define M2(ID, e1, x1, e2, x2) {VMX_CHECK_##ID, {e1, e2}, {x1, x2}}
#define M3(ID, e1, x1, e2, x2, e3, x3) {VMX_CHECK_##ID, {e1, e2, e3}, {x1, x2, x3}}
#define M5(ID, e1, x1, e2, x2, e3, x3, e4, x4, e5, x5) {VMX_CHECK_##ID, {e1, e2, e3, e4, e5}, {x1, x2, x3, x4, x5}}
#define PIN PIN_DEFAULT1
#define PROC 0x0401e172u
#define EXIT0 (0x00036dffu & ~EXIT_SAVE_DEBUG)
#define ENTRY0 (0x000011ffu & ~ENTRY_LOAD_DEBUG)
#define CR0OK (CR0_PE | CR0_NE | CR0_PG | CR0_ET)
#define CODE64 (0x9b | SEG_AR_L | SEG_AR_G)
#define DATA (0x93 | SEG_AR_DB | SEG_AR_G)

static const struct mutation mutations[] = {
    M1(PIN_RESERVED, VMCS_PIN_BASED_VM_EXEC_CONTROL, 0),
    M1(PIN_RESERVED, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN | PIN_POSTED_INTR),
    M1(PROC_RESERVED, VMCS_CPU_BASED_VM_EXEC_CONTROL, PROC & ~BIT(1)),
    M1(PROC_RESERVED, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_TPR_SHADOW),
    M2(PROC2_RESERVED, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_SHADOW_VMCS),
    M2(UNRESTRICTED_NEEDS_EPT, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_UNRESTRICTED),
    M3(VPID_ZERO, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VPID, VMCS_VIRTUAL_PROCESSOR_ID, 0),
    M3(NONE, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_EPT, VMCS_EPT_POINTER, 0x5000 | 6 | 3 << 3 | BIT(6)),
    M3(NONE, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_EPT, VMCS_EPT_POINTER, 0x5000 | 0 | 4 << 3),
    M3(EPTP, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_EPT, VMCS_EPT_POINTER, 0x5000 | 1 | 3 << 3),
    M3(EPTP, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_EPT, VMCS_EPT_POINTER, 0x5000 | 6 | 2 << 3),
    M3(EPTP, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_EPT, VMCS_EPT_POINTER, 0x5000 | 6 | 3 << 3 | BIT(9)),
    M3(EPTP, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_EPT, VMCS_EPT_POINTER, 1ull << 52 | 6 | 3 << 3),
    M1(VNMI_NEEDS_NMI_EXIT, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN | PIN_VIRTUAL_NMIS),
    M1(NMI_WINDOW_NEEDS_VNMI, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_NMI_WINDOW),
    M1(EXIT_SAVE_PREEMPT, VMCS_VM_EXIT_CONTROLS, EXIT0 | EXIT_HOST_ADDR64 | EXIT_SAVE_PREEMPT),
    M3(GUEST_INTR_VNMI, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN | PIN_NMI | PIN_VIRTUAL_NMIS, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 2u << 8 | 2,
       VMCS_GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_NMI),
    M2(MBEC_NEEDS_EPT, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_MBEC),
    M3(NONE, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_MBEC | PROC2_EPT, VMCS_EPT_POINTER, 0x5000 | 6 | 3 << 3),
    M3(VMFUNC_RESERVED, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VMFUNC, VMCS_VM_FUNCTION_CONTROL, 2),
    M3(EPTP_SWITCHING_NEEDS_EPT, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VMFUNC, VMCS_VM_FUNCTION_CONTROL, 1),
    M5(EPTP_LIST_ADDRESS, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VMFUNC | PROC2_EPT,
       VMCS_EPT_POINTER, 0x5000 | 6 | 3 << 3, VMCS_VM_FUNCTION_CONTROL, 1, VMCS_EPTP_LIST_ADDRESS, 0x6008),
    M5(NONE, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VMFUNC | PROC2_EPT,
       VMCS_EPT_POINTER, 0x5000 | 6 | 3 << 3, VMCS_VM_FUNCTION_CONTROL, 1, VMCS_EPTP_LIST_ADDRESS, 0x6000),
    M3(NONE, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_VMFUNC, VMCS_EPTP_LIST_ADDRESS, 0x6008),
    M2(PML_NEEDS_EPT, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_PML),
    M5(PML_ADDRESS, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_PML | PROC2_EPT,
       VMCS_EPT_POINTER, 0x5000 | 6 | 3 << 3 | BIT(6), VMCS_PML_ADDRESS, 1ull << 39, VMCS_GUEST_PML_INDEX, 511),
    M5(NONE, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_PML | PROC2_EPT,
       VMCS_EPT_POINTER, 0x5000 | 6 | 3 << 3 | BIT(6), VMCS_PML_ADDRESS, 0x7000, VMCS_GUEST_PML_INDEX, 0xffff),
    M3(VE_INFO_ADDRESS, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_EPT_VE, VMCS_VE_INFO_ADDRESS, 0x8010),
    M3(VE_INFO_ADDRESS, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_EPT_VE, VMCS_VE_INFO_ADDRESS, 1ull << 45),
    M3(NONE, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY, VMCS_SECONDARY_VM_EXEC_CONTROL, PROC2_EPT_VE, VMCS_VE_INFO_ADDRESS, 0x8000),
    M1(CR3_TARGET_COUNT, VMCS_CR3_TARGET_COUNT, 5),
    M2(IO_BITMAP_A, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_IO_BITMAPS, VMCS_IO_BITMAP_A, 0x1001),
    M3(IO_BITMAP_B, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_IO_BITMAPS, VMCS_IO_BITMAP_A, 0x1000, VMCS_IO_BITMAP_B, 1ull << 50),
    M2(MSR_BITMAP, VMCS_CPU_BASED_VM_EXEC_CONTROL, (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_MSR_BITMAPS, VMCS_MSR_BITMAP, 0x800),
    M1(EXIT_RESERVED, VMCS_VM_EXIT_CONTROLS, EXIT_HOST_ADDR64),
    M1(EXIT_RESERVED, VMCS_VM_EXIT_CONTROLS, EXIT0 | EXIT_HOST_ADDR64 | BIT(31)),
    M2(EXIT_MSR_STORE_ADDR, VMCS_VM_EXIT_MSR_STORE_ADDR, 0x1008, VMCS_VM_EXIT_MSR_STORE_COUNT, 1),
    M2(EXIT_MSR_LOAD_ADDR, VMCS_VM_EXIT_MSR_LOAD_ADDR, (1ull << 39) - 16, VMCS_VM_EXIT_MSR_LOAD_COUNT, 2),
    M1(ENTRY_RESERVED, VMCS_VM_ENTRY_CONTROLS, ENTRY_IA32E),
    M1(ENTRY_RESERVED, VMCS_VM_ENTRY_CONTROLS, ENTRY0 | ENTRY_IA32E | ENTRY_SMM),
    M1(ENTRY_INTR_TYPE, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 1u << 8 | 32),
    M1(ENTRY_INTR_VECTOR, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 7u << 8 | 1),
    M1(ENTRY_INTR_VECTOR, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 2u << 8 | 3),
    M1(ENTRY_INTR_VECTOR, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 3u << 8 | 32),
    M1(ENTRY_INTR_ERROR_BIT, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 3u << 8 | 13),
    M1(ENTRY_INTR_ERROR_BIT, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_INFO_HAS_ERROR | 3u << 8 | 6),
    M1(ENTRY_INTR_RESERVED, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | BIT(20) | 32),
    M2(ENTRY_ERROR_CODE, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_INFO_HAS_ERROR | 3u << 8 | 13, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000),
    M1(ENTRY_INSN_LEN, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 4u << 8 | 0x80),
    M2(ENTRY_INSN_LEN, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 6u << 8 | 3, VMCS_VM_ENTRY_INSTRUCTION_LEN, 16),
    M2(ENTRY_MSR_LOAD_ADDR, VMCS_VM_ENTRY_MSR_LOAD_ADDR, 0x1004, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 1),
    M1(HOST_CR0, VMCS_HOST_CR0, CR0OK & ~CR0_NE),
    M1(HOST_CR4, VMCS_HOST_CR4, CR4_PAE),
    M1(HOST_CR3, VMCS_HOST_CR3, 1ull << 40),
    M1(HOST_SYSENTER_ESP, VMCS_HOST_IA32_SYSENTER_ESP, 0x0000800000000000ull),
    M1(HOST_SYSENTER_EIP, VMCS_HOST_IA32_SYSENTER_EIP, 0x8000000000000000ull),
    M2(HOST_PERF_GLOBAL, VMCS_VM_EXIT_CONTROLS, EXIT0 | EXIT_HOST_ADDR64 | EXIT_LOAD_PERF_GLOBAL, VMCS_HOST_IA32_PERF_GLOBAL_CTRL, BIT(40)),
    M2(HOST_PERF_GLOBAL, VMCS_VM_EXIT_CONTROLS, EXIT0 | EXIT_HOST_ADDR64 | EXIT_LOAD_PERF_GLOBAL, VMCS_HOST_IA32_PERF_GLOBAL_CTRL, BIT(35)),
    M2(NONE, VMCS_VM_EXIT_CONTROLS, EXIT0 | EXIT_HOST_ADDR64 | EXIT_LOAD_PERF_GLOBAL, VMCS_HOST_IA32_PERF_GLOBAL_CTRL, 0xff | BIT(34)),
    M2(HOST_PAT, VMCS_VM_EXIT_CONTROLS, EXIT0 | EXIT_HOST_ADDR64 | EXIT_LOAD_PAT, VMCS_HOST_IA32_PAT, 2),
    M2(HOST_EFER_RESERVED, VMCS_VM_EXIT_CONTROLS, EXIT0 | EXIT_HOST_ADDR64 | EXIT_LOAD_EFER, VMCS_HOST_IA32_EFER, EFER_LMA | EFER_LME | BIT(2)),
    M2(HOST_EFER_LMA, VMCS_VM_EXIT_CONTROLS, EXIT0 | EXIT_HOST_ADDR64 | EXIT_LOAD_EFER, VMCS_HOST_IA32_EFER, EFER_LME),
    M2(HOST_EFER_LME, VMCS_VM_EXIT_CONTROLS, EXIT0 | EXIT_HOST_ADDR64 | EXIT_LOAD_EFER, VMCS_HOST_IA32_EFER, EFER_LMA),
    M1(HOST_SEL_RPL_TI, VMCS_HOST_DS_SELECTOR, 0x13),
    M1(HOST_SEL_RPL_TI, VMCS_HOST_TR_SELECTOR, 0x24),
    M1(HOST_CS_NULL, VMCS_HOST_CS_SELECTOR, 0),
    M1(HOST_TR_NULL, VMCS_HOST_TR_SELECTOR, 0),
    M3(HOST_SS_NULL, VMCS_HOST_SS_SELECTOR, 0, VMCS_VM_EXIT_CONTROLS, EXIT0, VMCS_VM_ENTRY_CONTROLS, ENTRY0),
    M1(HOST_BASE_CANONICAL, VMCS_HOST_FS_BASE, 0x0000800000000000ull),
    M1(HOST_BASE_CANONICAL, VMCS_HOST_TR_BASE, 0xffff000000000000ull),
    M1(HOST_ADDR_IA32E, VMCS_VM_EXIT_CONTROLS, EXIT0),
    M1(HOST_ADDR64_PAE, VMCS_HOST_CR4, CR4_VMXE),
    M1(HOST_ADDR64_RIP, VMCS_HOST_RIP, 0x0000800000000000ull),
    M1(GUEST_CR0, VMCS_GUEST_CR0, CR0OK & ~CR0_PE),
    M1(GUEST_CR4, VMCS_GUEST_CR4, CR4_PAE),
    M2(GUEST_DEBUGCTL, VMCS_VM_ENTRY_CONTROLS, ENTRY0 | ENTRY_IA32E | ENTRY_LOAD_DEBUG, VMCS_GUEST_IA32_DEBUGCTL, BIT(5)),
    M1(GUEST_IA32E_PAE, VMCS_GUEST_CR4, CR4_VMXE),
    M2(GUEST_PCIDE, VMCS_VM_ENTRY_CONTROLS, ENTRY0, VMCS_GUEST_CR4, CR4_PAE | CR4_VMXE | CR4_PCIDE),
    M1(GUEST_CR3, VMCS_GUEST_CR3, 1ull << 41),
    M2(GUEST_DR7, VMCS_VM_ENTRY_CONTROLS, ENTRY0 | ENTRY_IA32E | ENTRY_LOAD_DEBUG, VMCS_GUEST_DR7, 1ull << 32),
    M1(GUEST_SYSENTER_ESP, VMCS_GUEST_SYSENTER_ESP, 0x0000800000000000ull),
    M1(GUEST_SYSENTER_EIP, VMCS_GUEST_SYSENTER_EIP, 0x0001000000000000ull),
    M2(GUEST_PERF_GLOBAL, VMCS_VM_ENTRY_CONTROLS, ENTRY0 | ENTRY_IA32E | ENTRY_LOAD_PERF_GLOBAL, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, BIT(8)),
    M2(NONE, VMCS_VM_ENTRY_CONTROLS, ENTRY0 | ENTRY_IA32E | ENTRY_LOAD_PERF_GLOBAL, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, 0xff | BIT(32)),
    M2(GUEST_PAT, VMCS_VM_ENTRY_CONTROLS, ENTRY0 | ENTRY_IA32E | ENTRY_LOAD_PAT, VMCS_GUEST_IA32_PAT, 0x0800),
    M2(GUEST_EFER_RESERVED, VMCS_VM_ENTRY_CONTROLS, ENTRY0 | ENTRY_IA32E | ENTRY_LOAD_EFER, VMCS_GUEST_IA32_EFER, EFER_LMA | EFER_LME | BIT(1)),
    M2(GUEST_EFER_LMA, VMCS_VM_ENTRY_CONTROLS, ENTRY0 | ENTRY_IA32E | ENTRY_LOAD_EFER, VMCS_GUEST_IA32_EFER, EFER_LME),
    M2(GUEST_EFER_LME, VMCS_VM_ENTRY_CONTROLS, ENTRY0 | ENTRY_IA32E | ENTRY_LOAD_EFER, VMCS_GUEST_IA32_EFER, EFER_LMA),
    M1(GUEST_TR_TI, VMCS_GUEST_TR_SELECTOR, 0x24),
    M2(GUEST_LDTR_TI, VMCS_GUEST_LDTR_SELECTOR, 0x2c, VMCS_GUEST_LDTR_AR_BYTES, 0x82),
    M1(GUEST_SS_CS_RPL, VMCS_GUEST_SS_SELECTOR, 0x13),
    M1(GUEST_TR_BASE, VMCS_GUEST_TR_BASE, 0x0000800000000000ull),
    M1(GUEST_FS_GS_BASE, VMCS_GUEST_GS_BASE, 0x0000800000000000ull),
    M2(GUEST_LDTR_BASE, VMCS_GUEST_LDTR_AR_BYTES, 0x82, VMCS_GUEST_LDTR_BASE, 0x0000800000000000ull),
    M1(GUEST_CS_BASE, VMCS_GUEST_CS_BASE, 1ull << 32),
    M1(GUEST_SEG_BASE, VMCS_GUEST_DS_BASE, 1ull << 32),
    M1(GUEST_CS_TYPE, VMCS_GUEST_CS_AR_BYTES, (CODE64 & ~0xfu) | 0x3),
    M1(GUEST_SS_TYPE, VMCS_GUEST_SS_AR_BYTES, (DATA & ~0xfu) | 0x1),
    M1(GUEST_DATA_TYPE, VMCS_GUEST_FS_AR_BYTES, DATA & ~1u),
    M1(GUEST_DATA_TYPE, VMCS_GUEST_ES_AR_BYTES, (DATA & ~0xfu) | 0x9),
    M1(GUEST_SEG_S, VMCS_GUEST_GS_AR_BYTES, DATA & ~SEG_AR_S),
    M1(GUEST_CS_DPL, VMCS_GUEST_CS_AR_BYTES, CODE64 | 3u << 5),
    M2(GUEST_SS_DPL, VMCS_GUEST_SS_AR_BYTES, DATA | 3u << 5, VMCS_GUEST_CS_AR_BYTES, CODE64 | 3u << 5),
    M2(GUEST_DATA_DPL, VMCS_GUEST_DS_SELECTOR, 0x13, VMCS_GUEST_DS_AR_BYTES, DATA),
    M1(GUEST_SEG_P, VMCS_GUEST_DS_AR_BYTES, DATA & ~SEG_AR_P),
    M1(GUEST_SEG_AR_RESERVED, VMCS_GUEST_CS_AR_BYTES, CODE64 | BIT(8) | 0),
    M1(GUEST_CS_L_DB, VMCS_GUEST_CS_AR_BYTES, CODE64 | SEG_AR_DB),
    M1(GUEST_SEG_G, VMCS_GUEST_SS_LIMIT, 0xffffe),
    M1(GUEST_TR_TYPE, VMCS_GUEST_TR_AR_BYTES, 0x83),
    M1(GUEST_TR_S, VMCS_GUEST_TR_AR_BYTES, 0x9b),
    M1(GUEST_TR_P, VMCS_GUEST_TR_AR_BYTES, 0x0b),
    M1(GUEST_TR_AR_RESERVED, VMCS_GUEST_TR_AR_BYTES, 0x8b | BIT(9)),
    M1(GUEST_TR_G, VMCS_GUEST_TR_LIMIT, 0x100000),
    M1(GUEST_TR_UNUSABLE, VMCS_GUEST_TR_AR_BYTES, 0x8b | SEG_AR_UNUSABLE),
    M1(GUEST_LDTR_TYPE, VMCS_GUEST_LDTR_AR_BYTES, 0x83),
    M1(GUEST_LDTR_S, VMCS_GUEST_LDTR_AR_BYTES, 0x92),
    M1(GUEST_LDTR_P, VMCS_GUEST_LDTR_AR_BYTES, 0x02),
    M1(GUEST_LDTR_AR_RESERVED, VMCS_GUEST_LDTR_AR_BYTES, 0x82 | BIT(10)),
    M2(GUEST_LDTR_G, VMCS_GUEST_LDTR_AR_BYTES, 0x82 | SEG_AR_G, VMCS_GUEST_LDTR_LIMIT, 0xff),
    M1(GUEST_DTR_BASE, VMCS_GUEST_IDTR_BASE, 0x0000800000000000ull),
    M1(GUEST_DTR_LIMIT, VMCS_GUEST_GDTR_LIMIT, 0x10000),
    M2(GUEST_RIP_HIGH, VMCS_GUEST_CS_AR_BYTES, DATA | 0x8, VMCS_GUEST_RIP, 1ull << 32),
    M1(GUEST_RIP_CANONICAL, VMCS_GUEST_RIP, 0x0000800000000000ull),
    M1(GUEST_RFLAGS_RESERVED, VMCS_GUEST_RFLAGS, 0),
    M1(GUEST_RFLAGS_RESERVED, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1 | BIT(15)),
    M1(GUEST_RFLAGS_IF, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 0x20),
    M1(GUEST_ACTIVITY, VMCS_GUEST_ACTIVITY_STATE, 4),
    M5(GUEST_ACTIVITY_HLT_DPL, VMCS_GUEST_ACTIVITY_STATE, 1, VMCS_GUEST_SS_AR_BYTES, DATA | 3u << 5, VMCS_GUEST_SS_SELECTOR, 0x13,
       VMCS_GUEST_CS_SELECTOR, 0x0b, VMCS_GUEST_CS_AR_BYTES, CODE64 | 3u << 5),
    M3(GUEST_ACTIVITY_BLOCKING, VMCS_GUEST_ACTIVITY_STATE, 1, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_MOVSS, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0),
    M2(GUEST_ACTIVITY_INJECT, VMCS_GUEST_ACTIVITY_STATE, 1, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 3u << 8 | 6),
    M1(GUEST_INTR_RESERVED, VMCS_GUEST_INTERRUPTIBILITY_INFO, BIT(5)),
    M2(GUEST_INTR_STI_MOVSS, VMCS_GUEST_INTERRUPTIBILITY_INFO, 3, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_IF),
    M1(GUEST_INTR_STI_IF, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_STI),
    M3(GUEST_INTR_INJECT, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_MOVSS, VMCS_VM_ENTRY_INTR_INFO, INTR_INFO_VALID | 2u << 8 | 2, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1),
    M1(GUEST_INTR_SMI, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_SMI),
    M1(GUEST_PENDING_DBG, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, BIT(4)),
    M3(GUEST_PENDING_DBG_BS, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_MOVSS, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_TF, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0),
    M1(GUEST_LINK_PTR, VMCS_VMCS_LINK_POINTER, 0x1000),
    M1(GUEST_LINK_PTR, VMCS_VMCS_LINK_POINTER, 0x1008),
};

static void apply(struct vmcs *v, const struct mutation *m)
{
    /* Raw stores: the checks must also reject values VMWRITE would not keep (AR bits). */
    for (int i = 0; i < 6 && m->enc[i]; i++) {
        bool high;
        const struct vmcs_field_info *f = vmcs_field_lookup(m->enc[i], &high);
        ck_assert_ptr_nonnull(f);
        unsigned n = f->width == W16 ? 2 : f->width == W32 ? 4 : 8;
        memcpy((u8 *)v + f->offset, &m->val[i], n);
    }
}

static enum vmx_check_id run_checks_caps(const struct vmx_caps *caps, const struct vmcs *v, u64 *qual)
{
    struct vmx_check_env env = {.caps = caps, .cpu_ia32e = true, .la_width = 48, .read_phys = no_phys};
    struct vmx_check_failure f = {0};
    u64 pd[4];
    *qual = 0;
    if (!vmx_check_controls(&env, v, &f) || !vmx_check_host(&env, v, &f) || !vmx_check_guest(&env, v, &f, qual, pd))
        return f.id;
    return VMX_CHECK_NONE;
}

static enum vmx_check_id run_checks(const struct vmcs *v, u64 *qual)
{
    return run_checks_caps(test_caps(), v, qual);
}

START_TEST(entry_checks_baseline_passes)
{
    struct vmcs v;
    baseline(&v, test_caps());
    u64 q;
    ck_assert_str_eq(vmx_check_name(run_checks(&v, &q)), "NONE");
}
END_TEST

START_TEST(entry_check_mutation)
{
    const struct mutation *m = &mutations[_i];
    struct vmcs v;
    baseline(&v, test_caps());
    apply(&v, m);
    u64 q;
    enum vmx_check_id got = run_checks(&v, &q);
    ck_assert_msg(got == m->id, "mutation %d: expected %s, got %s", _i, vmx_check_name(m->id), vmx_check_name(got));
    if (m->id == VMX_CHECK_GUEST_LINK_PTR)
        ck_assert_uint_eq(q, 4);
}
END_TEST

/* RFLAGS.VM needs virtual-8086-valid segments to get past §27.3.1.2. */
START_TEST(entry_check_rflags_vm)
{
    struct vmcs v;
    baseline(&v, test_caps());
    v.guest_rflags = RFLAGS_FIXED1 | RFLAGS_VM;
    u16 *sel[] = {&v.guest_es_sel, &v.guest_cs_sel, &v.guest_ss_sel, &v.guest_ds_sel, &v.guest_fs_sel, &v.guest_gs_sel};
    u64 *base[] = {&v.guest_es_base, &v.guest_cs_base, &v.guest_ss_base, &v.guest_ds_base, &v.guest_fs_base, &v.guest_gs_base};
    u32 *lim[] = {&v.guest_es_limit, &v.guest_cs_limit, &v.guest_ss_limit, &v.guest_ds_limit, &v.guest_fs_limit, &v.guest_gs_limit};
    u32 *ar[] = {&v.guest_es_ar, &v.guest_cs_ar, &v.guest_ss_ar, &v.guest_ds_ar, &v.guest_fs_ar, &v.guest_gs_ar};
    u64 q;
    for (int i = 0; i < 6; i++) {
        *base[i] = (u64)*sel[i] << 4;
        *lim[i] = 0xffff;
        *ar[i] = 0xf3;
    }
    ck_assert_str_eq(vmx_check_name(run_checks(&v, &q)), "GUEST_RFLAGS_VM");
    *lim[SEG_DS] = 0xfffff;
    ck_assert_str_eq(vmx_check_name(run_checks(&v, &q)), "GUEST_V86_LIMIT");
    *lim[SEG_DS] = 0xffff;
    *base[SEG_ES] += 0x10;
    ck_assert_str_eq(vmx_check_name(run_checks(&v, &q)), "GUEST_V86_BASE");
    *base[SEG_ES] -= 0x10;
    *ar[SEG_GS] = 0xf1;
    ck_assert_str_eq(vmx_check_name(run_checks(&v, &q)), "GUEST_V86_AR");
}
END_TEST

/* Checks reachable only when unrestricted guest is allowed (hvsim does not advertise it
   yet): the same model's capabilities with "unrestricted guest" allowed-1. */
START_TEST(entry_checks_unrestricted_guest)
{
    struct vmx_caps caps = *test_caps();
    caps.msr[MSR_IA32_VMX_PROCBASED_CTLS2 - VMX_CAP_MSR_FIRST] |= (u64)PROC2_UNRESTRICTED << 32;
    struct vmcs v;
    u64 q;
    baseline(&v, &caps);
    v.proc_controls = (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY;
    v.proc2_controls = PROC2_UNRESTRICTED;
    ck_assert_str_eq(vmx_check_name(run_checks_caps(&caps, &v, &q)), "UNRESTRICTED_NEEDS_EPT");
    v.proc2_controls = PROC2_UNRESTRICTED | PROC2_EPT;
    v.ept_pointer = 0x5000 | 6 | 3 << 3;
    ck_assert_str_eq(vmx_check_name(run_checks_caps(&caps, &v, &q)), "NONE");
    v.guest_cr0 = CR0_PG | CR0_NE | CR0_ET;              /* fixed bits pass: PE/PG free */
    ck_assert_str_eq(vmx_check_name(run_checks_caps(&caps, &v, &q)), "GUEST_CR0_PG_PE");
    v.guest_cr0 = CR0_PE | CR0_NE | CR0_ET;              /* IA-32e mode guest without paging */
    ck_assert_str_eq(vmx_check_name(run_checks_caps(&caps, &v, &q)), "GUEST_IA32E_PG");
}
END_TEST

/* §27.3.1.6: PDPTEs of a 32-bit PAE guest, from memory at CR3 or (with EPT) the VMCS. */
static bool bad_pdptes(void *opaque, u64 pa, unsigned size, u64 *v)
{
    (void)opaque, (void)size;
    *v = pa == HARNESS_PT + 16 ? 1 | BIT(1) : 0;        /* PDPTE 2: present, reserved bit 1 */
    return true;
}

START_TEST(entry_check_pdpte)
{
    const struct vmx_caps *caps = test_caps();
    struct vmx_check_env env = {.caps = caps, .cpu_ia32e = true, .la_width = 48, .read_phys = bad_pdptes};
    struct vmx_check_failure f;
    struct vmcs v;
    u64 q, pd[4];
    baseline(&v, caps);
    v.entry_controls &= ~ENTRY_IA32E;
    v.guest_cs_ar = 0x9b | SEG_AR_DB | SEG_AR_G;
    ck_assert(!vmx_check_guest(&env, &v, &f, &q, pd));
    ck_assert_str_eq(vmx_check_name(f.id), "GUEST_PDPTE");
    ck_assert_uint_eq(q, 2);
    env.read_phys = no_phys;
    ck_assert(vmx_check_guest(&env, &v, &f, &q, pd));
    v.proc_controls = (PROC & ~(PROC_CR3_LOAD | PROC_CR3_STORE)) | PROC_SECONDARY;
    v.proc2_controls = PROC2_EPT;
    v.guest_pdpte1 = 1 | BIT(5);                         /* with EPT: the VMCS field */
    ck_assert(!vmx_check_guest(&env, &v, &f, &q, pd));
    ck_assert_str_eq(vmx_check_name(f.id), "GUEST_PDPTE");
    ck_assert_uint_eq(f.field, VMCS_GUEST_PDPTE1);
    ck_assert_uint_eq(q, 2);
}
END_TEST

START_TEST(tsc_scaling_product)
{
    ck_assert_uint_eq(vmx_tsc_scale(1000, 2ull << 48), 2000);
    ck_assert_uint_eq(vmx_tsc_scale(1000, 3ull << 47), 1500);        /* 1.5 */
    ck_assert_uint_eq(vmx_tsc_scale(1ull << 60, 1ull << 48), 1ull << 60);   /* 124-bit product */
    ck_assert_uint_eq(vmx_tsc_scale(~0ull, 1), 0xffff);
    ck_assert_uint_eq(vmx_tsc_scale(12345, 0), 0);
}
END_TEST

/* Every check id is broken on purpose somewhere in this file: by a mutation above or by the
   dedicated tests listed here. A new check without a test fails this. */
START_TEST(entry_check_ids_all_tested)
{
    static const enum vmx_check_id dedicated[] = {
        VMX_CHECK_GUEST_RFLAGS_VM, VMX_CHECK_GUEST_V86_LIMIT, VMX_CHECK_GUEST_V86_BASE,
        VMX_CHECK_GUEST_V86_AR, VMX_CHECK_UNRESTRICTED_NEEDS_EPT, VMX_CHECK_GUEST_CR0_PG_PE,
        VMX_CHECK_GUEST_IA32E_PG, VMX_CHECK_GUEST_PDPTE, VMX_CHECK_MSR_LOAD,
        VMX_CHECK_HOST_ADDR_OUTSIDE_IA32E, VMX_CHECK_HOST_ADDR32_RIP, VMX_CHECK_HOST_ADDR32_PCIDE,
    };
    bool seen[VMX_CHECK_COUNT] = {false};
    for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++)
        seen[mutations[i].id] = true;
    for (size_t i = 0; i < sizeof(dedicated) / sizeof(dedicated[0]); i++)
        seen[dedicated[i]] = true;
    for (int id = 1; id < VMX_CHECK_COUNT; id++)
        ck_assert_msg(seen[id], "entry check %s has no test", vmx_check_name(id));
}
END_TEST

START_TEST(entry_check_ids_have_sections)
{
    for (int id = 1; id < VMX_CHECK_COUNT; id++) {
        ck_assert(strlen(vmx_check_section(id)) >= 4);
        ck_assert(strlen(vmx_check_desc(id)) > 5);
    }
}
END_TEST

/* 32-bit host/guest: the address-space-size checks of §27.2.4 and PDPTE loading. */
START_TEST(entry_checks_address_space)
{
    struct vmcs v;
    const struct vmx_caps *caps = test_caps();
    struct vmx_check_env env = {.caps = caps, .cpu_ia32e = false, .la_width = 48, .read_phys = no_phys};
    struct vmx_check_failure f;
    baseline(&v, caps);
    ck_assert(!vmx_check_host(&env, &v, &f));
    ck_assert_int_eq(f.id, VMX_CHECK_HOST_ADDR_OUTSIDE_IA32E);
    v.exit_controls &= ~EXIT_HOST_ADDR64;
    v.entry_controls &= ~ENTRY_IA32E;
    v.host_rip = 1ull << 32;
    ck_assert(!vmx_check_host(&env, &v, &f));
    ck_assert_int_eq(f.id, VMX_CHECK_HOST_ADDR32_RIP);
    v.host_rip = 0x1000;
    v.host_cr4 |= CR4_PCIDE;
    ck_assert(!vmx_check_host(&env, &v, &f));
    ck_assert_int_eq(f.id, VMX_CHECK_HOST_ADDR32_PCIDE);
    v.host_cr4 &= ~CR4_PCIDE;
    ck_assert(vmx_check_host(&env, &v, &f));
    /* IA-32e guest without CR0.PG (checked after the fixed bits, which need PG: drop it via UG-free path) */
    env.cpu_ia32e = true;
    baseline(&v, caps);
    v.guest_cr0 = CR0_PE | CR0_NE | CR0_PG;
    v.entry_controls &= ~ENTRY_IA32E;
    v.guest_cs_ar = 0x9b | SEG_AR_DB | SEG_AR_G;
    u64 q, pd[4];
    ck_assert(vmx_check_guest(&env, &v, &f, &q, pd));   /* 32-bit PAE guest with all-zero PDPTEs */
}
END_TEST

/* ---- a VM entry and exit on the bare CPU ---- */

START_TEST(launch_cpuid_exit)
{
    vmxon_and_load();
    struct vmcs *v = &H.cpu.vmx->vmcs;
    baseline(v, &H.cpu.vmx->caps);
    v->host_cr4 = H.cpu.cr4;
    v->guest_cr4 = H.cpu.cr4;
    v->host_gdtr_base = v->guest_gdtr_base = HARNESS_GDT;
    v->host_idtr_base = 0x5000;
    v->exit_controls |= EXIT_LOAD_EFER | EXIT_SAVE_EFER;
    v->host_efer = H.cpu.efer;
    v->entry_controls |= ENTRY_LOAD_EFER;
    v->guest_efer = H.cpu.efer;
    /* Host continues at 0x300000: hlt. Guest at 0x280000: mov $7,%eax; cpuid; (never) hlt */
    memcpy(H.ram + 0x300000, "\xf4", 1);
    memcpy(H.ram + 0x280000, "\xb8\x07\x00\x00\x00\x0f\xa2\xf4", 8);
    u64 fl;
    ck_assert_int_eq(EXEC(I_VMLAUNCH, &fl), -1);             /* ends at the host's HLT */
    ck_assert_uint_eq(v->exit_reason, EXIT_REASON_CPUID);
    ck_assert_uint_eq(v->guest_rip, 0x280005);
    ck_assert_uint_eq(v->exit_instruction_len, 2);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 7);                    /* guest state stays in GPRs */
    ck_assert_uint_eq(H.cpu.rip, 0x300001);
    ck_assert_uint_eq(H.cpu.gpr[RSP], 0x70000);
    ck_assert(!H.cpu.vmx_nonroot);
    ck_assert_uint_eq(H.cpu.vmx->launch, VMCS_LAUNCHED);
    ck_assert_uint_eq(H.cpu.seg[SEG_CS].sel, 0x08);
    ck_assert(H.cpu.efer & EFER_LMA);
    /* VMRESUME re-executes the CPUID: another exit at the same RIP. */
    H.cpu.vmx->vmcs.exit_reason = 0;
    ck_assert_int_eq(EXEC(I_VMRESUME, &fl), -1);
    ck_assert_uint_eq(v->exit_reason, EXIT_REASON_CPUID);
    ck_assert_uint_eq(H.cpu.vmx->exits, 2);
}
END_TEST

/* A #GP raised while delivering INT 30h through an empty IDT gate, intercepted by the
 * exception bitmap: the exit reports the #GP and, as IDT-vectoring information, the INT. */
START_TEST(exit_during_delivery_reports_idt_vectoring)
{
    vmxon_and_load();
    struct vmcs *v = &H.cpu.vmx->vmcs;
    baseline(v, &H.cpu.vmx->caps);
    v->host_cr4 = v->guest_cr4 = H.cpu.cr4;
    v->host_gdtr_base = v->guest_gdtr_base = HARNESS_GDT;
    v->guest_idtr_base = 0x5000;
    v->guest_idtr_limit = 0xfff;
    v->exception_bitmap = 1u << EXC_GP;
    memcpy(H.ram + 0x300000, "\xf4", 1);
    memcpy(H.ram + 0x280000, "\xcd\x30\xf4", 3);             /* int $0x30; hlt */
    u64 fl;
    ck_assert_int_eq(EXEC(I_VMLAUNCH, &fl), -1);
    ck_assert_uint_eq(v->exit_reason, EXIT_REASON_EXCEPTION_NMI);
    ck_assert_uint_eq(v->exit_intr_info, INTR_INFO_VALID | INTR_INFO_HAS_ERROR | 3u << 8 | EXC_GP);
    ck_assert_uint_eq(v->exit_intr_error_code, 0x30 * 8 + 2);
    ck_assert_uint_eq(v->idt_vectoring_info, INTR_INFO_VALID | 4u << 8 | 0x30);
    ck_assert_uint_eq(v->exit_instruction_len, 2);
    ck_assert_uint_eq(v->guest_rip, 0x280000);
}
END_TEST

/* Launch the harness guest with `code` at 0x280000 (HLT exiting on) and return the exit reason. */
static u32 run_guest(const char *code, size_t len)
{
    struct vmcs *v = &H.cpu.vmx->vmcs;
    memcpy(H.ram + 0x280000, code, len);
    for (size_t off = 0; off < len; off += 64)
        phys_note_write(&H.phys, 0x280000 + off, 1);
    v->guest_rip = 0x280000;
    H.cpu.vmx->launch = VMCS_CLEAR;
    u64 fl;
    ck_assert_int_eq(EXEC(I_VMLAUNCH, &fl), -1);
    ck_assert(succeeded(fl));
    return v->exit_reason;
}
#define RUN_GUEST(code) run_guest(code, sizeof(code) - 1)

static void guest_baseline(void)
{
    vmxon_and_load();
    struct vmcs *v = &H.cpu.vmx->vmcs;
    baseline(v, &H.cpu.vmx->caps);
    v->host_cr4 = v->guest_cr4 = H.cpu.cr4;
    v->host_gdtr_base = v->guest_gdtr_base = HARNESS_GDT;
    v->proc_controls |= PROC_HLT;
    memcpy(H.ram + 0x300000, "\xf4", 1);
}

START_TEST(cr_masks_and_shadows)
{
    guest_baseline();
    struct vmcs *v = &H.cpu.vmx->vmcs;
    v->cr0_guest_host_mask = CR0_TS;
    v->cr0_read_shadow = CR0_TS;
    H.cpu.gpr[RAX] = 0;
    ck_assert_uint_eq(RUN_GUEST("\x0f\x20\xc0\xf4"), EXIT_REASON_HLT);   /* mov %cr0,%rax; hlt */
    ck_assert(H.cpu.gpr[RAX] & CR0_TS);                                    /* the shadow */
    ck_assert(!(v->guest_cr0 & CR0_TS));                                   /* the real CR0 */
    ck_assert_uint_eq(RUN_GUEST("\x0f\x06\xf4"), EXIT_REASON_CR_ACCESS);  /* clts */
    ck_assert_uint_eq(v->exit_qualification, 2u << 4);
    /* Writing the shadow's value to a host-owned bit does not exit and keeps CR0.TS. */
    ck_assert_uint_eq(RUN_GUEST("\x0f\x20\xc0\x0f\x22\xc0\xf4"), EXIT_REASON_HLT);
    ck_assert(!(v->guest_cr0 & CR0_TS));
    /* Changing it exits with the GPR in the qualification. */
    v->cr0_read_shadow = 0;
    ck_assert_uint_eq(RUN_GUEST("\x0f\x20\xc0\x48\x0f\xba\xe8\x03\x0f\x22\xc0\xf4"), EXIT_REASON_CR_ACCESS);
    ck_assert_uint_eq(v->exit_qualification, 0);                          /* CR0, MOV to, RAX */
}
END_TEST

START_TEST(io_and_msr_bitmaps)
{
    guest_baseline();
    struct vmcs *v = &H.cpu.vmx->vmcs;
    v->proc_controls |= PROC_IO_BITMAPS | PROC_MSR_BITMAPS;
    v->io_bitmap_a = 0x8000;
    v->io_bitmap_b = 0x9000;
    v->msr_bitmap = 0xa000;
    memset(H.ram + 0x8000, 0, 0x3000);
    H.ram[0x9000] = 1;                                  /* port 8000H */
    H.ram[0xa000 + 0x400 + 0x80 / 8] = 1;               /* read of C0000080H */
    /* mov $0x7ffe,%edx; out %ax,(%dx); hlt: ports 7FFEH-7FFFH, no exit */
    ck_assert_uint_eq(RUN_GUEST("\xba\xfe\x7f\x00\x00\x66\xef\xf4"), EXIT_REASON_HLT);
    /* mov $0x7fff,%edx; out %ax,(%dx): the word reaches port 8000H in bitmap B */
    ck_assert_uint_eq(RUN_GUEST("\xba\xff\x7f\x00\x00\x66\xef\xf4"), EXIT_REASON_IO);
    ck_assert_uint_eq(v->exit_qualification, 0x7fff0001ull);
    ck_assert_uint_eq(v->exit_instruction_len, 2);
    /* mov $0xc0000081,%ecx; rdmsr; hlt: STAR not intercepted */
    ck_assert_uint_eq(RUN_GUEST("\xb9\x81\x00\x00\xc0\x0f\x32\xf4"), EXIT_REASON_HLT);
    /* mov $0xc0000080,%ecx; rdmsr */
    ck_assert_uint_eq(RUN_GUEST("\xb9\x80\x00\x00\xc0\x0f\x32\xf4"), EXIT_REASON_RDMSR);
    /* TSC offsetting reaches RDMSR of IA32_TSC: mov $0x10,%ecx; rdmsr; hlt */
    v->proc_controls |= PROC_TSC_OFFSET;
    v->tsc_offset = 1ull << 40;
    ck_assert_uint_eq(RUN_GUEST("\xb9\x10\x00\x00\x00\x0f\x32\xf4"), EXIT_REASON_HLT);
    ck_assert_uint_ge(H.cpu.gpr[RDX], 1u << 8);
    /* an MSR outside both ranges always exits: mov $0x40000000,%ecx; rdmsr */
    ck_assert_uint_eq(RUN_GUEST("\xb9\x00\x00\x00\x40\x0f\x32\xf4"), EXIT_REASON_RDMSR);
}
END_TEST

START_TEST(launch_guest_state_failure)
{
    vmxon_and_load();
    struct vmcs *v = &H.cpu.vmx->vmcs;
    baseline(v, &H.cpu.vmx->caps);
    v->host_cr4 = v->guest_cr4 = H.cpu.cr4;
    v->guest_rflags = 0;                                     /* bit 1 clear */
    memcpy(H.ram + 0x300000, "\xf4", 1);
    u64 fl;
    ck_assert_int_eq(EXEC(I_VMLAUNCH, &fl), -1);
    ck_assert_uint_eq(v->exit_reason, EXIT_REASON_INVALID_GUEST | EXIT_REASON_ENTRY_FAIL);
    ck_assert_int_eq(H.cpu.vmx->last_failure.id, VMX_CHECK_GUEST_RFLAGS_RESERVED);
    ck_assert_uint_eq(H.cpu.vmx->launch, VMCS_CLEAR);
    ck_assert_uint_eq(H.cpu.rip, 0x300001);
    /* An invalid VM-entry MSR-load entry (x2APIC range): reason 34, qualification = its index. */
    v->guest_rflags = RFLAGS_FIXED1;
    put64(0x7000, 0x0000000000000174ull);                   /* SYSENTER_CS: fine */
    put64(0x7008, 0x10);
    put64(0x7010, 0x0000000000000808ull);                   /* x2APIC TPR: not allowed */
    put64(0x7018, 0);
    v->entry_msr_load_addr = 0x7000;
    v->entry_msr_load_count = 2;
    ck_assert_int_eq(EXEC(I_VMLAUNCH, &fl), -1);
    ck_assert_uint_eq(v->exit_reason, EXIT_REASON_MSR_LOAD_FAIL | EXIT_REASON_ENTRY_FAIL);
    ck_assert_uint_eq(v->exit_qualification, 2);
    ck_assert_int_eq(H.cpu.vmx->last_failure.id, VMX_CHECK_MSR_LOAD);
    ck_assert_uint_eq(H.cpu.vmx->launch, VMCS_CLEAR);
    v->entry_msr_load_count = 0xffffffffu;                   /* hostile count: bounded */
    put64(0x7010, 0x0000000000000174ull);
    ck_assert_int_eq(EXEC(I_VMLAUNCH, &fl), -1);
    ck_assert_uint_eq(v->exit_reason, EXIT_REASON_MSR_LOAD_FAIL | EXIT_REASON_ENTRY_FAIL);
    v->entry_msr_load_count = 0;
    /* A bad host field is VMfailValid(8) instead, and the host continues after VMLAUNCH. */
    v->host_tr_sel = 0;
    ck_assert_int_eq(EXEC(I_VMLAUNCH, &fl), -1);
    ck_assert(failed_valid(fl, VMXERR_ENTRY_BAD_HOST));
    ck_assert_int_eq(H.cpu.vmx->last_failure.id, VMX_CHECK_HOST_TR_NULL);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("vmx");
    TCase *t = tcase_create("vmx");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, fields_roundtrip);
    tcase_add_test(t, field_lookup_is_exact);
    tcase_add_test(t, vmclear_writes_back_and_vmptrld_reloads);
    tcase_add_test(t, vmxon_faults);
    tcase_add_test(t, vmxon_fail_invalid);
    tcase_add_test(t, vmx_operation_cr_rules);
    tcase_add_test(t, init_blocked_in_root);
    tcase_add_test(t, vmclear_vmptrld_fail_valid);
    tcase_add_test(t, vmread_vmwrite_fail);
    tcase_add_test(t, vmfunc_ud_outside_non_root);
    tcase_add_test(t, launch_resume_vmcall_fail);
    tcase_add_test(t, capability_msrs);
    tcase_add_test(t, entry_checks_baseline_passes);
    tcase_add_loop_test(t, entry_check_mutation, 0, (int)(sizeof(mutations) / sizeof(mutations[0])));
    tcase_add_test(t, entry_check_ids_have_sections);
    tcase_add_test(t, entry_check_ids_all_tested);
    tcase_add_test(t, tsc_scaling_product);
    tcase_add_test(t, entry_check_rflags_vm);
    tcase_add_test(t, entry_checks_unrestricted_guest);
    tcase_add_test(t, entry_check_pdpte);
    tcase_add_test(t, entry_checks_address_space);
    tcase_add_test(t, launch_cpuid_exit);
    tcase_add_test(t, launch_guest_state_failure);
    tcase_add_test(t, exit_during_delivery_reports_idt_vectoring);
    tcase_add_test(t, cr_masks_and_shadows);
    tcase_add_test(t, io_and_msr_bitmaps);
    suite_add_tcase(s, t);
    return s;
}
