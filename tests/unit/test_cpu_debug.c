/* Debug facilities and event-boundary details (cpu/debug.c, cpu/events.c): TF single-step,
 * MOV SS blocking of debug traps, data and instruction breakpoints, general detect, RF in
 * fault frames, NMI taken right after IRET, SYSCALL/SYSRET vendor differences and the TF
 * check at their end, and FS/GS bases surviving the segment nulling of an IRET to CPL 3.
 * Byte strings were produced with GNU as; the source is in each comment. */
#include <check.h>
#include <string.h>

#include "cpu/debug.h"
#include "cpu/msr.h"
#include "tests/unit/cpu_harness.h"

static struct harness H;

#define DB_HANDLER 0x200000u        /* records RIP, DR6 and RFLAGS of each #DB, sets RF */
#define DB_HANDLER_NOTF 0x200100u   /* the same, and clears TF in the frame */
#define UD_HANDLER 0x200200u        /* records the pushed RFLAGS, skips a 2-byte UD2 */
#define BP_HANDLER 0x200300u        /* records the pushed RFLAGS */
#define REC_COUNT 0x7000u           /* u64 count, then arrays of RIP, DR6, RFLAGS */
#define REC_RIP 0x7100u
#define REC_DR6 0x7200u
#define REC_RFLAGS 0x7300u

/* push %rax; push %rbx; mov 0x7000,%rbx; mov 16(%rsp),%rax; mov %rax,0x7100(,%rbx,8);
   mov %dr6,%rax; mov %rax,0x7200(,%rbx,8); mov 32(%rsp),%rax; mov %rax,0x7300(,%rbx,8);
   orq $0x10000,32(%rsp); incq 0x7000; pop %rbx; pop %rax; iretq */
static const char db_handler[] =
    "\x50\x53\x48\x8b\x1c\x25\x00\x70\x00\x00\x48\x8b\x44\x24\x10\x48\x89\x04\xdd\x00\x71\x00\x00\x0f"
    "\x21\xf0\x48\x89\x04\xdd\x00\x72\x00\x00\x48\x8b\x44\x24\x20\x48\x89\x04\xdd\x00\x73\x00\x00\x48"
    "\x81\x4c\x24\x20\x00\x00\x01\x00\x48\xff\x04\x25\x00\x70\x00\x00\x5b\x58\x48\xcf";
/* as db_handler with andq $~0x100,32(%rsp) before the incq */
static const char db_handler_notf[] =
    "\x50\x53\x48\x8b\x1c\x25\x00\x70\x00\x00\x48\x8b\x44\x24\x10\x48\x89\x04\xdd\x00\x71\x00\x00\x0f"
    "\x21\xf0\x48\x89\x04\xdd\x00\x72\x00\x00\x48\x8b\x44\x24\x20\x48\x89\x04\xdd\x00\x73\x00\x00\x48"
    "\x81\x4c\x24\x20\x00\x00\x01\x00\x48\x81\x64\x24\x20\xff\xfe\xff\xff\x48\xff\x04\x25\x00\x70\x00"
    "\x00\x5b\x58\x48\xcf";
/* mov 16(%rsp),%rax; mov %rax,0x7300; addq $2,(%rsp); iretq */
static const char ud_handler[] =
    "\x48\x8b\x44\x24\x10\x48\x89\x04\x25\x00\x73\x00\x00\x48\x83\x04\x24\x02\x48\xcf";
/* mov 16(%rsp),%rax; mov %rax,0x7300; iretq */
static const char bp_handler[] = "\x48\x8b\x44\x24\x10\x48\x89\x04\x25\x00\x73\x00\x00\x48\xcf";

static void idt_gate(unsigned vector, u64 handler)
{
    u64 lo = (handler & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((handler >> 16) & 0xffff) << 48;
    u64 hi = handler >> 32;
    memcpy(H.ram + 0x5000 + 16 * vector, &lo, 8);
    memcpy(H.ram + 0x5000 + 16 * vector + 8, &hi, 8);
    H.cpu.idtr.base = 0x5000;
    H.cpu.idtr.limit = 0xfff;
}

static void setup_model(const char *model)
{
    harness_init(&H, model);
    harness_long_mode(&H);
    memcpy(H.ram + DB_HANDLER, db_handler, sizeof db_handler - 1);
    memcpy(H.ram + DB_HANDLER_NOTF, db_handler_notf, sizeof db_handler_notf - 1);
    memcpy(H.ram + UD_HANDLER, ud_handler, sizeof ud_handler - 1);
    memcpy(H.ram + BP_HANDLER, bp_handler, sizeof bp_handler - 1);
    idt_gate(EXC_DB, DB_HANDLER);
    idt_gate(EXC_NMI, DB_HANDLER);
    idt_gate(EXC_UD, UD_HANDLER);
    idt_gate(EXC_BP, BP_HANDLER);
    /* GDT 0x20: user data, 0x28: user 64-bit code (after the harness's 0x08/0x10/0x18). */
    u64 udata = 0x00cff3000000ffffull, ucode = 0x00affb000000ffffull;
    memcpy(H.ram + HARNESS_GDT + 0x20, &udata, 8);
    memcpy(H.ram + HARNESS_GDT + 0x28, &ucode, 8);
    /* 0x30: user 32-bit code, 0x38: user data (the SYSRET-to-compatibility-mode pair). */
    u64 ucode32 = 0x00cffb000000ffffull;
    memcpy(H.ram + HARNESS_GDT + 0x30, &ucode32, 8);
    memcpy(H.ram + HARNESS_GDT + 0x38, &udata, 8);
    H.cpu.gdtr.limit = 63;
    /* 64-bit TSS image at linear 0 (the reset TR): RSP0 = 0x90000. */
    u64 rsp0 = 0x90000;
    memcpy(H.ram + 4, &rsp0, 8);
}

static void setup(void) { setup_model("intel"); }
static void setup_amd(void) { setup_model("amd"); }
static void teardown(void) { harness_destroy(&H); }

static u64 rec(u32 base, unsigned i)
{
    u64 v;
    memcpy(&v, H.ram + base + 8 * i, 8);
    return v;
}

#define RUN(code) harness_run(&H, code, sizeof(code) - 1, 100000)
#define AT(off) (HARNESS_CODE + (off))
#define DR6_IDLE 0xffff0ff0ull

START_TEST(single_step_traps_after_each_instruction)
{
    /* pushfq; orq $0x100,(%rsp); popfq; nop; a1: nop; a2: pushfq;
       a3: andq $~0x100,(%rsp); a4: popfq; a5: hlt */
    ck_assert_int_eq(RUN("\x9c\x48\x81\x0c\x24\x00\x01\x00\x00\x9d\x90\x90\x9c\x48\x81\x24\x24\xff\xfe"
                         "\xff\xff\x9d\xf4"), STOP_HALT);
    /* No trap after the POPF that sets TF; one after each later instruction, including the
       POPF that clears it. */
    ck_assert_uint_eq(rec(REC_COUNT, 0), 5);
    const unsigned at[5] = {11, 12, 13, 21, 22};
    for (unsigned i = 0; i < 5; i++) {
        ck_assert_uint_eq(rec(REC_RIP, i), AT(at[i]));
        ck_assert_uint_eq(rec(REC_DR6, i), DR6_IDLE | DR6_BS);
        ck_assert_int_eq(!!(rec(REC_RFLAGS, i) & RFLAGS_TF), i < 4);   /* image after the insn */
    }
    ck_assert(!(H.cpu.rflags & RFLAGS_TF));
}
END_TEST

START_TEST(mov_ss_holds_single_step_for_one_instruction)
{
    /* pushfq; orq $0x100,(%rsp); popfq; mov %ss,%eax; mov %eax,%ss; nop; b1: pushfq;
       andq $~0x100,(%rsp); popfq; hlt */
    ck_assert_int_eq(RUN("\x9c\x48\x81\x0c\x24\x00\x01\x00\x00\x9d\x8c\xd0\x8e\xd0\x90\x9c\x48\x81\x24"
                         "\x24\xff\xfe\xff\xff\x9d\xf4"), STOP_HALT);
    /* A trap after MOV from SS; the traps of MOV to SS and of the NOP merge into one #DB
       after the NOP; then PUSHFQ, ANDQ and POPFQ. */
    ck_assert_uint_eq(rec(REC_COUNT, 0), 5);
    ck_assert_uint_eq(rec(REC_RIP, 0), AT(12));
    ck_assert_uint_eq(rec(REC_RIP, 1), AT(15));
    ck_assert_uint_eq(rec(REC_RIP, 2), AT(16));
    ck_assert_uint_eq(rec(REC_DR6, 1), DR6_IDLE | DR6_BS);
}
END_TEST

START_TEST(data_breakpoint_on_writes)
{
    /* DR1 = 0x7800, DR7 = G1, R/W1 = write, LEN1 = 4 bytes:
       mov $0x7800,%rax; mov %rax,%dr1; mov $0xd00408,%rax; mov %rax,%dr7;
       movl $1,0x7800; c1: movl 0x7800,%eax; movb $2,0x7803; c2: movb $3,0x7804;
       add %eax,0x7800; c3: hlt */
    ck_assert_int_eq(RUN("\x48\xc7\xc0\x00\x78\x00\x00\x0f\x23\xc8\x48\xc7\xc0\x08\x04\xd0\x00\x0f\x23"
                         "\xf8\xc7\x04\x25\x00\x78\x00\x00\x01\x00\x00\x00\x8b\x04\x25\x00\x78\x00\x00"
                         "\xc6\x04\x25\x03\x78\x00\x00\x02\xc6\x04\x25\x04\x78\x00\x00\x03\x01\x04\x25"
                         "\x00\x78\x00\x00\xf4"), STOP_HALT);
    /* Traps after the write, the byte write inside the 4 bytes and the read-modify-write; not
       after the read or the byte just outside. */
    ck_assert_uint_eq(rec(REC_COUNT, 0), 3);
    ck_assert_uint_eq(rec(REC_RIP, 0), AT(31));
    ck_assert_uint_eq(rec(REC_RIP, 1), AT(46));
    ck_assert_uint_eq(rec(REC_RIP, 2), AT(61));
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(rec(REC_DR6, i), DR6_IDLE | DR6_B(1));
    ck_assert_uint_eq(H.ram[0x7803], 2);
    ck_assert_uint_eq(H.ram[0x7804], 3);
}
END_TEST

START_TEST(instruction_breakpoint_is_a_fault_and_rf_resumes)
{
    /* lea d1(%rip),%rax; mov %rax,%dr0; mov $0x401,%rax; mov %rax,%dr7; d1: nop; hlt */
    ck_assert_int_eq(RUN("\x48\x8d\x05\x0d\x00\x00\x00\x0f\x23\xc0\x48\xc7\xc0\x01\x04\x00\x00\x0f\x23"
                         "\xf8\x90\xf4"), STOP_HALT);
    /* One #DB before the NOP executes; its frame has RF = 0, and the handler's RF = 1 lets the
       NOP run once without a second hit. */
    ck_assert_uint_eq(rec(REC_COUNT, 0), 1);
    ck_assert_uint_eq(rec(REC_RIP, 0), AT(20));
    ck_assert_uint_eq(rec(REC_DR6, 0), DR6_IDLE | DR6_B(0));
    ck_assert(!(rec(REC_RFLAGS, 0) & RFLAGS_RF));
    ck_assert(!(H.cpu.rflags & RFLAGS_RF));   /* cleared when the NOP completed */
    ck_assert_uint_eq(H.cpu.rip, AT(22));
}
END_TEST

START_TEST(general_detect_faults_before_mov_dr)
{
    /* mov $0x2400,%rax; mov %rax,%dr7; e1: mov %dr6,%rax; hlt */
    ck_assert_int_eq(RUN("\x48\xc7\xc0\x00\x24\x00\x00\x0f\x23\xf8\x0f\x21\xf0\xf4"), STOP_HALT);
    ck_assert_uint_eq(rec(REC_COUNT, 0), 1);
    ck_assert_uint_eq(rec(REC_RIP, 0), AT(10));
    ck_assert_uint_eq(rec(REC_DR6, 0), DR6_IDLE | DR6_BD);
    ck_assert(rec(REC_RFLAGS, 0) & RFLAGS_RF);   /* a fault other than a code breakpoint */
    ck_assert(!(H.cpu.dr[7] & DR7_GD));
    ck_assert_uint_eq(H.cpu.gpr[RAX], DR6_IDLE | DR6_BD);   /* re-executed after the handler */
}
END_TEST

START_TEST(faults_push_rf_traps_do_not)
{
    /* ud2; mov 0x7300,%rbx; int3; mov 0x7300,%rcx; hlt */
    ck_assert_int_eq(RUN("\x0f\x0b\x48\x8b\x1c\x25\x00\x73\x00\x00\xcc\x48\x8b\x0c\x25\x00\x73\x00\x00"
                         "\xf4"), STOP_HALT);
    ck_assert(H.cpu.gpr[RBX] & RFLAGS_RF);    /* #UD frame */
    ck_assert(!(H.cpu.gpr[RCX] & RFLAGS_RF)); /* #BP frame */
    ck_assert(!(H.cpu.rflags & RFLAGS_RF));
}
END_TEST

START_TEST(rep_string_data_breakpoint_pushes_rf_until_the_last_iteration)
{
    /* mov $0x7805,%rax; mov %rax,%dr1; mov $0x100408,%rax (G1, R/W1 = write, LEN1 = 1);
       mov %rax,%dr7; mov $0x7800,%edi; mov $16,%ecx; mov $0xaa,%al; r1: rep stosb; r2: hlt */
    static const char code[] = "\x48\xc7\xc0\x05\x78\x00\x00\x0f\x23\xc8\x48\xc7\xc0\x08\x04\x10\x00"
                               "\x0f\x23\xf8\xbf\x00\x78\x00\x00\xb9\x10\x00\x00\x00\xb0\xaa\xf3\xaa\xf4";
    ck_assert_int_eq(RUN(code), STOP_HALT);
    /* The trap comes after the iteration that wrote 0x7805 with RIP at the REP STOSB (ten
       iterations remain), so RF is pushed as 1 (SDM 3B §18.3.1.1); the IRET resumes the rest. */
    ck_assert_uint_eq(rec(REC_COUNT, 0), 1);
    ck_assert_uint_eq(rec(REC_RIP, 0), AT(0x20));
    ck_assert_uint_eq(rec(REC_DR6, 0), DR6_IDLE | DR6_B(1));
    ck_assert(rec(REC_RFLAGS, 0) & RFLAGS_RF);
    ck_assert_uint_eq(H.cpu.gpr[RCX], 0);
    ck_assert_uint_eq(H.ram[0x780f], 0xaa);
    ck_assert(!(H.cpu.rflags & RFLAGS_RF));

    /* The same on the last byte: an ordinary trap after the instruction, RF pushed as 0. */
    harness_destroy(&H);
    setup();
    char last[sizeof code];
    memcpy(last, code, sizeof code);
    last[3] = 0x0f;
    ck_assert_int_eq(harness_run(&H, last, sizeof last - 1, 100000), STOP_HALT);
    ck_assert_uint_eq(rec(REC_COUNT, 0), 1);
    ck_assert_uint_eq(rec(REC_RIP, 0), AT(0x22));
    ck_assert(!(rec(REC_RFLAGS, 0) & RFLAGS_RF));
}
END_TEST

START_TEST(btf_single_steps_on_branches_and_is_cleared_by_the_db)
{
    /* mov $0x1d9,%ecx; mov $2,%eax; xor %edx,%edx; wrmsr (DEBUGCTL.BTF); pushfq;
       orq $0x100,(%rsp); popfq; nop; jmp t; ud2; t: nop; nop; pushfq; andq $~0x100,(%rsp);
       popfq; hlt */
    ck_assert_int_eq(RUN("\xb9\xd9\x01\x00\x00\xb8\x02\x00\x00\x00\x31\xd2\x0f\x30\x9c\x48\x81\x0c\x24"
                         "\x00\x01\x00\x00\x9d\x90\xeb\x02\x0f\x0b\x90\x90\x9c\x48\x81\x24\x24\xff\xfe"
                         "\xff\xff\x9d\xf4"), STOP_HALT);
    /* With BTF the NOP before the JMP reports nothing; the JMP traps (RIP = its target). That
       #DB clears BTF, so from there on every instruction traps (SDM 3B §18.4.3). */
    const unsigned at[6] = {0x1d, 0x1e, 0x1f, 0x20, 0x28, 0x29};
    ck_assert_uint_eq(rec(REC_COUNT, 0), 6);
    for (unsigned i = 0; i < 6; i++) {
        ck_assert_uint_eq(rec(REC_RIP, i), AT(at[i]));
        ck_assert_uint_eq(rec(REC_DR6, i), DR6_IDLE | DR6_BS);
    }
    ck_assert_uint_eq(H.cpu.msr.debugctl, 0);
}
END_TEST

START_TEST(single_stepped_rep_string_pushes_rf_until_the_last_iteration)
{
    /* pushfq; orq $0x100,(%rsp); popfq; mov $0x7800,%edi; mov $3,%ecx; r: rep stosb;
       pushfq; andq $~0x100,(%rsp); popfq; hlt */
    ck_assert_int_eq(RUN("\x9c\x48\x81\x0c\x24\x00\x01\x00\x00\x9d\xbf\x00\x78\x00\x00\xb9\x03\x00\x00"
                         "\x00\xf3\xaa\x9c\x48\x81\x24\x24\xff\xfe\xff\xff\x9d\xf4"), STOP_HALT);
    /* One trap per iteration; the handler resumes with RF = 1 each time, and the REP keeps it
       across an iteration that leaves more to do, so the next trap pushes RF = 1 again; the
       last iteration completes the instruction and clears it (SDM 3B §18.3.1.1). */
    const unsigned at[8] = {0x0f, 0x14, 0x14, 0x14, 0x16, 0x17, 0x1f, 0x20};
    ck_assert_uint_eq(rec(REC_COUNT, 0), 8);
    for (unsigned i = 0; i < 8; i++) {
        ck_assert_uint_eq(rec(REC_RIP, i), AT(at[i]));
        ck_assert_int_eq(!!(rec(REC_RFLAGS, i) & RFLAGS_RF), i == 2 || i == 3);
    }
}
END_TEST

START_TEST(nmi_held_until_iret_is_taken_right_after_it)
{
    H.cpu.nmi_blocked = true;   /* as inside an NMI handler */
    cpu_signal(&H.cpu, CPU_SIG_NMI, 0);
    /* mov %rsp,%rax; push $0x10; push %rax; pushfq; push $0x08; lea f1(%rip),%rax; push %rax;
       iretq; f1: nop; hlt */
    ck_assert_int_eq(RUN("\x48\x89\xe0\x6a\x10\x50\x9c\x6a\x08\x48\x8d\x05\x03\x00\x00\x00\x50\x48\xcf"
                         "\x90\xf4"), STOP_HALT);
    ck_assert_uint_eq(rec(REC_COUNT, 0), 1);
    ck_assert_uint_eq(rec(REC_RIP, 0), AT(19));   /* before the NOP, not at the HLT */
    ck_assert(!H.cpu.nmi_pending);
}
END_TEST

START_TEST(io_breakpoint_needs_cr4_de)
{
    /* CR4.DE = 1; DR3 = port 0x82, DR7 = L3, R/W3 = I/O, LEN3 = 2 bytes:
       mov %cr4,%rax; or $8,%rax; mov %rax,%cr4; mov $0x82,%eax; mov %rax,%dr3;
       mov $0x60000440,%eax; mov %rax,%dr7; out %al,$0x80; i1: out %al,$0x84; mov $0x81,%dx;
       out %ax,(%dx); i2: in $0x83,%al; i3: hlt */
    ck_assert_int_eq(RUN("\x0f\x20\xe0\x48\x83\xc8\x08\x0f\x22\xe0\xb8\x82\x00\x00\x00\x0f\x23\xd8\xb8"
                         "\x40\x04\x00\x60\x0f\x23\xf8\xe6\x80\xe6\x84\x66\xba\x81\x00\x66\xef\xe4"
                         "\x83\xf4"), STOP_HALT);
    /* Ports 0x80 and 0x84 miss; the word at 0x81 overlaps 0x82; 0x83 is inside. */
    ck_assert_uint_eq(rec(REC_COUNT, 0), 2);
    ck_assert_uint_eq(rec(REC_RIP, 0), AT(36));
    ck_assert_uint_eq(rec(REC_RIP, 1), AT(38));
    ck_assert_uint_eq(rec(REC_DR6, 0), DR6_IDLE | DR6_B(3));
}
END_TEST

START_TEST(io_breakpoint_ignored_without_cr4_de)
{
    /* The same program with the MOV to CR4 turned into NOPs: R/W = 10b means nothing. */
    static char code[] = "\x90\x90\x90\x48\x83\xc8\x08\x90\x90\x90\xb8\x82\x00\x00\x00\x0f\x23\xd8\xb8"
                         "\x40\x04\x00\x60\x0f\x23\xf8\xe6\x80\xe6\x84\x66\xba\x81\x00\x66\xef\xe4"
                         "\x83\xf4";
    ck_assert_int_eq(RUN(code), STOP_HALT);
    ck_assert_uint_eq(rec(REC_COUNT, 0), 0);
    ck_assert_uint_eq(H.outs, 3);
}
END_TEST

/* Code breakpoint on the instruction after MOV SS: lea 1f(%rip),%rax; mov %rax,%dr0;
   mov $0x401,%rax; mov %rax,%dr7; mov %ss,%eax; mov %eax,%ss; 1: xor %eax,%eax; hlt */
#define MOVSS_CODE_BP "\x48\x8d\x05\x11\x00\x00\x00\x0f\x23\xc0\x48\xc7\xc0\x01\x04\x00\x00\x0f\x23" \
                      "\xf8\x8c\xd0\x8e\xd0\x31\xc0\xf4"

START_TEST(code_breakpoint_after_mov_ss_inhibited_on_intel)
{
    ck_assert_int_eq(RUN(MOVSS_CODE_BP), STOP_HALT);
    ck_assert_uint_eq(rec(REC_COUNT, 0), 0);
}
END_TEST

START_TEST(code_breakpoint_after_mov_ss_reported_on_amd)
{
    ck_assert_int_eq(RUN(MOVSS_CODE_BP), STOP_HALT);
    ck_assert_uint_eq(rec(REC_COUNT, 0), 1);
    ck_assert_uint_eq(rec(REC_RIP, 0), AT(24));
    ck_assert_uint_eq(rec(REC_DR6, 0), DR6_IDLE | DR6_B(0));
}
END_TEST

/* SYSCALL from compatibility mode: #UD on Intel, CSTAR on AMD (APM 3 "SYSCALL"). */
static void run_compat_syscall(void)
{
    H.cpu.msr.star = 0x08ull << 32;
    H.cpu.msr.cstar = 0x210000;
    H.cpu.msr.lstar = 0x220000;
    H.ram[0x210000] = 0xf4;
    H.ram[0x220000] = 0xf4;
    memcpy(H.ram + 0x230000, "\x41\xbf\x06\x00\x00\x00\xf4", 7);   /* mov $6,%r15d; hlt */
    idt_gate(EXC_UD, 0x230000);
    H.cpu.seg[SEG_CS].sel = 0x18;
    H.cpu.seg[SEG_CS].ar = 0x9b | SEG_AR_DB | SEG_AR_G;
    cpu_update_mode(&H.cpu);
    ck_assert_int_eq(H.cpu.mode, MODE_COMPAT32);
    ck_assert_int_eq(RUN("\x0f\x05"), STOP_HALT);
}

START_TEST(compat_syscall_is_ud_on_intel)
{
    run_compat_syscall();
    ck_assert_uint_eq(H.cpu.gpr[R15], 6);
}
END_TEST

START_TEST(compat_syscall_uses_cstar_on_amd)
{
    run_compat_syscall();
    ck_assert_uint_eq(H.cpu.rip, 0x210001);
    ck_assert_uint_eq(H.cpu.gpr[RCX], AT(2));
    ck_assert_int_eq(H.cpu.mode, MODE_LONG64);
    ck_assert_uint_eq(H.cpu.seg[SEG_CS].sel, 0x08);
}
END_TEST

START_TEST(sysret_setting_tf_traps_at_once)
{
    idt_gate(EXC_DB, DB_HANDLER_NOTF);
    /* STAR[63:48] = 0x30; R11 = TF|IF: mov $0xc0000081,%ecx; xor %eax,%eax;
       mov $0x00300008,%edx; wrmsr; mov $0x302,%r11d; lea h1(%rip),%rcx; sysretl; h1: jmp h1 */
    ck_assert_int_eq(harness_run(&H, "\xb9\x81\x00\x00\xc0\x31\xc0\xba\x08\x00\x30\x00\x0f\x30\x41\xbb\x02"
                                     "\x03\x00\x00\x48\x8d\x0d\x02\x00\x00\x00\x0f\x07\xeb\xfe", 31, 200),
                     STOP_BUDGET);
    /* The #DB is taken in user mode at the SYSRET target, before its first instruction. */
    ck_assert_uint_eq(rec(REC_COUNT, 0), 1);
    ck_assert_uint_eq(rec(REC_RIP, 0), AT(29));
    ck_assert_uint_eq(rec(REC_DR6, 0), DR6_IDLE | DR6_BS);
    ck_assert_int_eq(H.cpu.cpl, 3);
    ck_assert_int_eq(H.cpu.mode, MODE_COMPAT32);
}
END_TEST

START_TEST(iret_to_user_keeps_gs_base)
{
    /* GS_BASE = 0x12345000 with GS = 0x10 (DPL 0), then IRETQ to CPL 3:
       mov $0xc0000101,%ecx; mov $0x12345000,%eax; xor %edx,%edx; wrmsr; mov %rsp,%rax;
       push $0x23; push %rax; pushfq; push $0x2b; lea g1(%rip),%rax; push %rax; iretq;
       g1: jmp g1 */
    ck_assert_int_eq(harness_run(&H, "\xb9\x01\x01\x00\xc0\xb8\x00\x50\x34\x12\x31\xd2\x0f\x30\x48\x89\xe0"
                                     "\x6a\x23\x50\x9c\x6a\x2b\x48\x8d\x05\x03\x00\x00\x00\x50\x48\xcf\xeb\xfe",
                                     35, 100),
                     STOP_BUDGET);
    ck_assert_int_eq(H.cpu.cpl, 3);
    ck_assert_uint_eq(H.cpu.seg[SEG_GS].sel, 0);   /* nulled: DPL 0 < CPL 3 */
    ck_assert(H.cpu.seg[SEG_GS].ar & SEG_AR_UNUSABLE);
    ck_assert_uint_eq(H.cpu.seg[SEG_GS].base, 0x12345000);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("cpu_debug");
    TCase *tc = tcase_create("intel");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, single_step_traps_after_each_instruction);
    tcase_add_test(tc, mov_ss_holds_single_step_for_one_instruction);
    tcase_add_test(tc, data_breakpoint_on_writes);
    tcase_add_test(tc, instruction_breakpoint_is_a_fault_and_rf_resumes);
    tcase_add_test(tc, general_detect_faults_before_mov_dr);
    tcase_add_test(tc, faults_push_rf_traps_do_not);
    tcase_add_test(tc, rep_string_data_breakpoint_pushes_rf_until_the_last_iteration);
    tcase_add_test(tc, btf_single_steps_on_branches_and_is_cleared_by_the_db);
    tcase_add_test(tc, single_stepped_rep_string_pushes_rf_until_the_last_iteration);
    tcase_add_test(tc, nmi_held_until_iret_is_taken_right_after_it);
    tcase_add_test(tc, compat_syscall_is_ud_on_intel);
    tcase_add_test(tc, sysret_setting_tf_traps_at_once);
    tcase_add_test(tc, iret_to_user_keeps_gs_base);
    tcase_add_test(tc, code_breakpoint_after_mov_ss_inhibited_on_intel);
    tcase_add_test(tc, io_breakpoint_needs_cr4_de);
    tcase_add_test(tc, io_breakpoint_ignored_without_cr4_de);
    suite_add_tcase(s, tc);
    TCase *amd = tcase_create("amd");
    tcase_add_checked_fixture(amd, setup_amd, teardown);
    tcase_add_test(amd, compat_syscall_uses_cstar_on_amd);
    tcase_add_test(amd, code_breakpoint_after_mov_ss_reported_on_amd);
    suite_add_tcase(s, amd);
    return s;
}
