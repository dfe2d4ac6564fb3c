/* Execution-engine tests: small programs run on a bare CPU (tests/unit/cpu_harness.c),
 * checking architectural results, exception delivery, mode switches and the decoded-
 * instruction cache. Byte strings were produced with GNU as; the source is in each comment. */
#include <check.h>
#include <string.h>

#include "cpu/msr.h"
#include "tests/unit/cpu_harness.h"

static struct harness H;

static void setup(void)
{
    harness_init(&H, "intel");
    harness_long_mode(&H);
}

static void teardown(void) { harness_destroy(&H); }

#define RUN(code) harness_run(&H, code, sizeof(code) - 1, 100000)

/* Install a 64-bit interrupt gate for `vector` pointing at `handler` (IDT at 0x5000). */
static void harness_gate(struct harness *h, unsigned vector, u64 handler)
{
    u64 lo = (handler & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((handler >> 16) & 0xffff) << 48;
    u64 hi = handler >> 32;
    memcpy(h->ram + 0x5000 + 16 * vector, &lo, 8);
    memcpy(h->ram + 0x5000 + 16 * vector + 8, &hi, 8);
    h->cpu.idtr.base = 0x5000;
    h->cpu.idtr.limit = 0xfff;
}

static void idt_gate(unsigned vector, u64 handler)
{
    harness_gate(&H, vector, handler);
}

START_TEST(loop_call_ret)
{
    /* mov $5,%ecx; xor %eax,%eax; 1: add %ecx,%eax; dec %ecx; jnz 1b; call f; hlt;
       f: lea 0x100(%rax),%rbx; ret */
    ck_assert_int_eq(RUN("\xb9\x05\x00\x00\x00\x31\xc0\x01\xc8\xff\xc9\x75\xfa\xe8\x01\x00\x00\x00"
                         "\xf4\x48\x8d\x98\x00\x01\x00\x00\xc3"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 15);
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0x10f);
    ck_assert_uint_eq(H.cpu.gpr[RSP], HARNESS_STACK);
    ck_assert(H.cpu.rflags & RFLAGS_ZF);
    ck_assert_uint_eq(H.cpu.rip, HARNESS_CODE + 19);   /* after the HLT */
}
END_TEST

START_TEST(memory_and_riprel)
{
    /* movabs $0x1122334455667788,%rax; mov %rax,0x2000; mov 0x2004,%ebx;
       lea data(%rip),%rsi; mov (%rsi),%rdx; hlt; data: .quad 0xcafebabe12345678 */
    ck_assert_int_eq(RUN("\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11\x48\x89\x04\x25\x00\x20\x00\x00"
                         "\x8b\x1c\x25\x04\x20\x00\x00\x48\x8d\x35\x04\x00\x00\x00\x48\x8b\x16\xf4"
                         "\x78\x56\x34\x12\xbe\xba\xfe\xca"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0x11223344);
    ck_assert_uint_eq(H.cpu.gpr[RDX], 0xcafebabe12345678ull);
    ck_assert_uint_eq(H.cpu.gpr[RSI], HARNESS_CODE + 36);
}
END_TEST

START_TEST(divide_error_through_idt)
{
    /* handler at 0x200000: mov $0xde,%r15d; hlt  (41 bf de 00 00 00 f4) */
    memcpy(H.ram + 0x200000, "\x41\xbf\xde\x00\x00\x00\xf4", 7);
    idt_gate(0, 0x200000);
    /* xor %ecx,%ecx; mov $7,%eax; xor %edx,%edx; div %ecx; hlt */
    ck_assert_int_eq(RUN("\x31\xc9\xb8\x07\x00\x00\x00\x31\xd2\xf7\xf1\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[R15], 0xde);
    /* The frame: RIP of the faulting DIV, CS, RFLAGS, RSP, SS (no error code for #DE). */
    u64 frame[5];
    memcpy(frame, H.ram + H.cpu.gpr[RSP], sizeof frame);
    ck_assert_uint_eq(frame[0], HARNESS_CODE + 9);
    ck_assert_uint_eq(frame[1], 0x08);
    ck_assert_uint_eq(frame[3], HARNESS_STACK);
    ck_assert_uint_eq(frame[4], 0x10);
    ck_assert_uint_eq(H.cpu.gpr[RSP], (HARNESS_STACK & ~0xfull) - 40);
}
END_TEST

START_TEST(page_fault_error_code_and_cr2)
{
    memcpy(H.ram + 0x200000, "\x41\xbf\x0e\x00\x00\x00\xf4", 7);
    idt_gate(14, 0x200000);
    /* mov $0x50000000,%rax; mov (%rax),%rbx; hlt — beyond the 1 GiB identity map */
    ck_assert_int_eq(RUN("\x48\xc7\xc0\x00\x00\x00\x50\x48\x8b\x18\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[R15], 14);
    ck_assert_uint_eq(H.cpu.cr2, 0x50000000);
    u64 err, rip;
    memcpy(&err, H.ram + H.cpu.gpr[RSP], 8);
    memcpy(&rip, H.ram + H.cpu.gpr[RSP] + 8, 8);
    ck_assert_uint_eq(err, 0);   /* not present, read, supervisor */
    ck_assert_uint_eq(rip, HARNESS_CODE + 7);
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0);   /* the faulting load did not commit */
}
END_TEST

START_TEST(software_int_with_an_exception_vector_is_benign)
{
    /* INT 14 finds no gate (IDT[14] is zero): #GP(14 * 8 + 2). INT n is benign whatever its
       vector (SDM 3A Table 6-4), so this is a plain #GP, not #PF-then-#GP = #DF. */
    memcpy(H.ram + 0x200000, "\x41\xbf\x0d\x00\x00\x00\xf4", 7);   /* mov $0xd,%r15d; hlt */
    idt_gate(13, 0x200000);
    ck_assert_int_eq(RUN("\xcd\x0e\xf4"), STOP_HALT);                   /* int $14; hlt */
    ck_assert_uint_eq(H.cpu.gpr[R15], 13);
    u64 err, rip;
    memcpy(&err, H.ram + H.cpu.gpr[RSP], 8);
    memcpy(&rip, H.ram + H.cpu.gpr[RSP] + 8, 8);
    ck_assert_uint_eq(err, 14 * 8 + 2);
    ck_assert_uint_eq(rip, HARNESS_CODE);
}
END_TEST

START_TEST(triple_fault_without_idt)
{
    H.cpu.idtr.limit = 0;
    ck_assert_int_eq(RUN("\x31\xc9\xb8\x07\x00\x00\x00\x31\xd2\xf7\xf1\xf4"), STOP_SHUTDOWN);
    ck_assert_int_eq(H.cpu.state, CPU_SHUTDOWN);
}
END_TEST

START_TEST(rep_stos_movs)
{
    /* mov $0x3000,%rdi; mov $0xab,%al; mov $100,%ecx; cld; rep stosb;
       mov $0x3000,%rsi; mov $0x4000,%rdi; mov $100,%ecx; rep movsb; hlt */
    ck_assert_int_eq(RUN("\x48\xc7\xc7\x00\x30\x00\x00\xb0\xab\xb9\x64\x00\x00\x00\xfc\xf3\xaa"
                         "\x48\xc7\xc6\x00\x30\x00\x00\x48\xc7\xc7\x00\x40\x00\x00\xb9\x64\x00\x00"
                         "\x00\xf3\xa4\xf4"), STOP_HALT);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(H.ram[0x4000 + i], 0xab);
    ck_assert_uint_eq(H.ram[0x4000 + 100], 0);
    ck_assert_uint_eq(H.cpu.gpr[RCX], 0);
    ck_assert_uint_eq(H.cpu.gpr[RSI], 0x3064);
    ck_assert_uint_eq(H.cpu.gpr[RDI], 0x4064);
}
END_TEST

START_TEST(self_modifying_code)
{
    /* movb $0x42, patch+1(%rip); patch: mov $0x11,%al; hlt — run twice: the second run must
       see the patched immediate too (the decoded copy is invalidated by the store). */
    ck_assert_int_eq(RUN("\xc6\x05\x01\x00\x00\x00\x42\xb0\x11\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX] & 0xff, 0x42);
    H.cpu.rip = HARNESS_CODE + 7;   /* re-execute the patched instruction from the cache */
    H.cpu.gpr[RAX] = 0;
    H.cpu.state = CPU_RUNNING;
    ck_assert_int_eq(cpu_run(&H.cpu, 10), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX] & 0xff, 0x42);
}
END_TEST

START_TEST(self_modifying_code_in_a_chained_loop)
{
    /* mov $2,%ecx; 1: mov $0x11,%al; movb $0x42,1b+1(%rip); dec %ecx; jnz 1b; hlt — the
       second pass reaches the patched MOV through the step loop's chained path (same page,
       chainable predecessors), which must notice the code page's new generation. */
    ck_assert_int_eq(RUN("\xb9\x02\x00\x00\x00\xb0\x11\xc6\x05\xf8\xff\xff\xff\x42\xff\xc9"
                         "\x75\xf3\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX] & 0xff, 0x42);
    ck_assert_uint_eq(H.cpu.gpr[RCX], 0);
}
END_TEST

START_TEST(self_modifying_code_inside_a_chained_run)
{
    /* mov $3,%ecx; xor %ebx,%ebx; lea data(%rip),%rdi; mov $0x42,%dl;
       1: mov $0x10,%al; add %al,%bl; mov %dl,(%rdi); lea 1b+1(%rip),%rdi; dec %ecx; jnz 1b; hlt
       with `data` 128 bytes in, a chunk of the page without code. The first pass's store
       changes no code; on the second every instruction of the loop is decoded and linked, so
       the store into the MOV's immediate happens inside a chained run, which holds the code
       generation read when it began: the store must end the run, or the third pass runs the
       stale MOV (0x10 + 0x10 + 0x42, not 0x30). */
    ck_assert_int_eq(RUN("\xb9\x03\x00\x00\x00\x31\xdb\x48\x8d\x3d\x72\x00\x00\x00\xb2\x42"
                         "\xb0\x10\x00\xc3\x88\x17\x48\x8d\x3d\xf4\xff\xff\xff\xff\xc9\x75\xef\xf4"),
                     STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RBX] & 0xff, 0x62);
}
END_TEST

START_TEST(chained_instructions_stop_at_the_budget)
{
    /* The loop of loop_call_ret, stopped after 7 instructions (mov, xor, then add/dec/jnz,
       add/dec): every one after the first runs chained, and the budget still ends the run. */
    u64 before = H.cpu.insns;
    ck_assert_int_eq(harness_run(&H, "\xb9\x05\x00\x00\x00\x31\xc0\x01\xc8\xff\xc9\x75\xfa\xf4", 14, 7),
                     STOP_BUDGET);
    ck_assert_uint_eq(H.cpu.insns - before, 7);
    ck_assert_uint_eq(H.cpu.rip, HARNESS_CODE + 11);   /* at the JNZ of the second pass */
    ck_assert_uint_eq(H.cpu.gpr[RAX], 9);
    ck_assert_uint_eq(H.cpu.gpr[RCX], 3);
    ck_assert_int_eq(cpu_run(&H.cpu, 100), STOP_HALT);   /* and resumes where it stopped */
    ck_assert_uint_eq(H.cpu.gpr[RAX], 15);
}
END_TEST

/* A fresh harness in 64-bit mode (the default of the chained-run comparisons below). */
static void init_long_mode_harness(struct harness *h)
{
    harness_init(h, "intel");
    harness_long_mode(h);
}

/* For every n in 1..nmax: `code` on a fresh harness (made by `init`) stopped by the budget
   after n instructions, which lets the step loop chain them, against n single steps on
   another, which never chains: instruction and cycle counts, RIP, the instruction's RIP,
   RFLAGS, CPL, the registers and `mem_len` bytes of RAM at `mem_pa` must agree. H is left
   with the chained run of nmax instructions. */
static void check_chained_equals_steps(void (*init)(struct harness *), const char *code, size_t len,
                                       unsigned nmax, u32 mem_pa, unsigned mem_len)
{
    for (unsigned n = 1; n <= nmax; n++) {
        struct harness s;
        init(&s);
        ck_assert_int_eq(harness_run(&s, code, len, 1), STOP_BUDGET);
        for (unsigned i = 1; i < n; i++)
            ck_assert_int_eq(cpu_run(&s.cpu, 1), STOP_BUDGET);
        harness_destroy(&H);
        init(&H);
        ck_assert_int_eq(harness_run(&H, code, len, n), STOP_BUDGET);
        ck_assert_uint_eq(H.cpu.insns, s.cpu.insns);
        ck_assert_uint_eq(H.cpu.cycles, s.cpu.cycles);
        ck_assert_uint_eq(H.cpu.rip, s.cpu.rip);
        ck_assert_uint_eq(H.cpu.insn_rip, s.cpu.insn_rip);
        ck_assert_uint_eq(H.cpu.rflags, s.cpu.rflags);
        ck_assert_int_eq(H.cpu.cpl, s.cpu.cpl);
        ck_assert_mem_eq(H.cpu.gpr, s.cpu.gpr, sizeof H.cpu.gpr);
        ck_assert_mem_eq(H.ram + mem_pa, s.ram + mem_pa, mem_len);
        harness_destroy(&s);
    }
}

START_TEST(chained_run_leaves_the_state_of_single_steps)
{
    /* mov $6,%ecx; xor %eax,%eax; mov $3,%ebx;
       1: add %rcx,%rax; imul %rbx,%rax; shl $2,%rbx; lea 7(%rax,%rbx),%rdx; mov %rdx,0x2000;
       sub $1,%rbx; cmp %rax,%rdx; cmovb %rdx,%rax; mov 0x2000,%rsi; and $0xffff,%rbx;
       dec %ecx; jnz 1b; hlt — register-only instructions (the chained run's pure ones, IMUL
       costing 3 cycles) between memory accesses and a branch. Stopped by the budget after
       every n of its 75 instructions, a chained run leaves exactly the state of n single
       steps: instruction and cycle counts, RIP, registers, flags, memory. */
    static const char code[] = "\xb9\x06\x00\x00\x00\x31\xc0\xbb\x03\x00\x00\x00\x48\x01\xc8\x48"
                               "\x0f\xaf\xc3\x48\xc1\xe3\x02\x48\x8d\x54\x18\x07\x48\x89\x14\x25"
                               "\x00\x20\x00\x00\x48\x83\xeb\x01\x48\x39\xc2\x48\x0f\x42\xc2\x48"
                               "\x8b\x34\x25\x00\x20\x00\x00\x48\x81\xe3\xff\xff\x00\x00\xff\xc9"
                               "\x75\xca\xf4";
    check_chained_equals_steps(init_long_mode_harness, code, sizeof code - 1, 75, 0x2000, 8);
    ck_assert_int_eq(cpu_run(&H.cpu, 10), STOP_HALT);   /* n = 75 resumes to the HLT */
    ck_assert_uint_eq(H.cpu.gpr[RCX], 0);
}
END_TEST

/* H's instruction and cycle counts, RIP, RFLAGS and registers equal those of s. */
static void check_same_state(const struct harness *s)
{
    ck_assert_uint_eq(H.cpu.insns, s->cpu.insns);
    ck_assert_uint_eq(H.cpu.cycles, s->cpu.cycles);
    ck_assert_uint_eq(H.cpu.rip, s->cpu.rip);
    ck_assert_uint_eq(H.cpu.rflags, s->cpu.rflags);
    ck_assert_mem_eq(H.cpu.gpr, s->cpu.gpr, sizeof H.cpu.gpr);
}

/* Runs code to a HLT, in single steps when `steps`, with the gate of `vector` at the
   code's byte 0x30 (a HLT there unless the code reaches that far). */
static void run_fault_vector_program(struct harness *h, const char *code, size_t len, bool steps,
                                     unsigned vector)
{
    harness_init(h, "intel");
    harness_long_mode(h);
    harness_gate(h, vector, HARNESS_CODE + 0x30);
    h->ram[HARNESS_CODE + 0x30] = 0xf4;
    enum cpu_stop st = harness_run(h, code, len, steps ? 1 : 1000);
    for (unsigned i = 0; steps && st == STOP_BUDGET && i < 100; i++)
        st = cpu_run(&h->cpu, 1);
    ck_assert_int_eq(st, STOP_HALT);
}

static void run_fault_program(struct harness *h, const char *code, size_t len, bool steps)
{
    run_fault_vector_program(h, code, len, steps, EXC_PF);
}

START_TEST(chained_run_memory_miss_and_fault_are_exact)
{
    /* mov $0x3000,%ebx; xor %esi,%esi; mov $2,%edi;
       1: mov $7,%eax; push %rax; add %rax,%rax; imul %rax,%rax; pop %rcx; mov %rcx,1(%rbx);
       add $1,%rcx; mov (%rbx,%rsi),%rdx; mov $0x40000000,%esi; dec %edi; jnz 1b; hlt;
       handler (0x30): hlt — on the second pass the loop runs chained: PUSH, POP and the MOVs
       in the pure lane; the misaligned store never takes the direct path (the full path
       completes it), and the load beyond the mapped 1 GiB faults (#PF from the full path).
       Chained and single-stepped, the results, the #PF frame, CR2 and the instruction and
       cycle counts agree. */
    static const char code[] = "\xbb\x00\x30\x00\x00\x31\xf6\xbf\x02\x00\x00\x00\xb8\x07\x00\x00"
                               "\x00\x50\x48\x01\xc0\x48\x0f\xaf\xc0\x59\x48\x89\x4b\x01\x48\x83"
                               "\xc1\x01\x48\x8b\x14\x33\xbe\x00\x00\x00\x40\xff\xcf\x75\xdd\xf4"
                               "\xf4";
    struct harness s;
    run_fault_program(&s, code, sizeof code - 1, true);
    harness_destroy(&H);
    run_fault_program(&H, code, sizeof code - 1, false);
    ck_assert_uint_eq(H.cpu.cr2, 0x40003000);
    ck_assert_uint_eq(H.cpu.gpr[RCX], 8);
    ck_assert_uint_eq(harness_get64(&H, 0x3001), 7);
    ck_assert_uint_eq(H.cpu.gpr[RSP], HARNESS_STACK - 48);   /* frame with error code */
    ck_assert_uint_eq(harness_get64(&H, HARNESS_STACK - 40), HARNESS_CODE + 0x22);   /* the load */
    ck_assert_uint_eq(harness_get64(&H, HARNESS_STACK - 48), 0);   /* not present, read, CPL 0 */
    check_same_state(&s);
    harness_destroy(&s);
}
END_TEST

/* The harness with SYSCALL set up to enter at HARNESS_CODE + 0x40 (CPL 0) and SYSRET back. */
static void init_syscall_harness(struct harness *h)
{
    harness_init(h, "intel");
    harness_long_mode(h);
    ck_assert(msr_write(&h->cpu, MSR_STAR, (0x08ull << 32) | (0x10ull << 48)));
    ck_assert(msr_write(&h->cpu, MSR_LSTAR, HARNESS_CODE + 0x40));
    ck_assert(msr_write(&h->cpu, MSR_SFMASK, RFLAGS_IF | RFLAGS_TF));
    h->cpu.idtr.limit = 0;
    memcpy(h->ram + HARNESS_CODE + 0x40, "\x49\x83\xc5\x01\x48\x0f\x07", 7);   /* add $1,%r13; sysretq */
}

START_TEST(chained_run_across_syscall_and_sysret_leaves_the_state_of_single_steps)
{
    /* mov $3,%ebx; 1: syscall; add $5,%r12; dec %ebx; jnz 1b; hlt; .org 0x40: add $1,%r13;
       sysretq — on the later passes a chained run goes on past SYSCALL and SYSRET (not
       chainable: they change the CPL and the code page) where they lead. Stopped by the
       budget after every n of its 19 instructions, it leaves exactly the state of n single
       steps; the HLT at CPL 3 then ends in a shutdown (no IDT). */
    static const char code[] = "\xbb\x03\x00\x00\x00\x0f\x05\x49\x83\xc4\x05\xff\xcb\x75\xf6\xf4";
    check_chained_equals_steps(init_syscall_harness, code, sizeof code - 1, 19, HARNESS_CODE, 0x48);
    ck_assert_int_eq(cpu_run(&H.cpu, 10), STOP_SHUTDOWN);
    ck_assert_uint_eq(H.cpu.gpr[R12], 15);
    ck_assert_uint_eq(H.cpu.gpr[R13], 3);
}
END_TEST

/* The harness with its first 2 MiB also mapped at the top of the lower canonical half
   (0x7fffffe00000, so HARNESS_CODE is at HIGH_CODE), RIP there, and the #GP gate at the
   identity address HARNESS_CODE + 0x40. */
#define HIGH_CODE (0x7fffffe00000ull + HARNESS_CODE)
static void init_high_code_harness(struct harness *h)
{
    harness_init(h, "intel");
    harness_long_mode(h);
    harness_put64(h, HARNESS_PT + 8 * 255, 0x20000 | 7);   /* PML4[255] */
    harness_put64(h, 0x20000 + 8 * 511, 0x21000 | 7);      /* PDPT[511] */
    harness_put64(h, 0x21000 + 8 * 511, 0x87);             /* PD[511]: 2 MiB at 0 */
    harness_gate(h, EXC_GP, HARNESS_CODE + 0x40);
    h->ram[HARNESS_CODE + 0x40] = 0xf4;   /* hlt */
    h->cpu.rip = HIGH_CODE;
}

START_TEST(chained_jcc_to_a_non_canonical_target_faults_exactly)
{
    /* mov $2,%ecx; 1: add $1,%eax; dec %ecx; jz 1f+0x100000; jmp 1b; 1: hlt at HIGH_CODE — on
       the second pass the JZ, run by the chained run's RIP lane, is taken to
       0x800000000012: #GP(0) at the JZ, raised by the full path. Chained and single-stepped,
       the frame and the counts agree. */
    static const char code[] = "\xb9\x02\x00\x00\x00\x83\xc0\x01\xff\xc9\x0f\x84\x02\x00\x10\x00\xeb\xf3\xf4";
    struct harness s;
    init_high_code_harness(&s);
    enum cpu_stop st = harness_run(&s, code, sizeof code - 1, 1);
    for (unsigned i = 0; st == STOP_BUDGET && i < 100; i++)
        st = cpu_run(&s.cpu, 1);
    ck_assert_int_eq(st, STOP_HALT);
    harness_destroy(&H);
    init_high_code_harness(&H);
    ck_assert_int_eq(harness_run(&H, code, sizeof code - 1, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 2);
    ck_assert_uint_eq(H.cpu.gpr[RSP], HARNESS_STACK - 48);
    ck_assert_uint_eq(harness_get64(&H, HARNESS_STACK - 40), HIGH_CODE + 0xa);   /* the JZ */
    ck_assert_uint_eq(harness_get64(&H, HARNESS_STACK - 48), 0);
    check_same_state(&s);
    harness_destroy(&s);
}
END_TEST

START_TEST(chained_calls_and_returns_leave_the_state_of_single_steps)
{
    /* mov $3,%ecx; 1: call f; jmp 2f; nop; 2: dec %ecx; jnz 1b; hlt;
       f: push %rbp; mov %rsp,%rbp; push $-5; add (%rsp),%eax; add $6,%eax; leave; ret —
       CALL, RET, JMP and JNZ run in the chained run's RIP lane on the later passes, PUSH,
       the memory ADD and LEAVE in the pure lane; stopped after every n of its 34
       instructions, the state equals n single steps. */
    static const char code[] = "\xb9\x03\x00\x00\x00\xe8\x08\x00\x00\x00\xeb\x01\x90\xff\xc9\x75\xf4\xf4"
                               "\x55\x48\x89\xe5\x6a\xfb\x03\x04\x24\x83\xc0\x06\xc9\xc3";
    check_chained_equals_steps(init_long_mode_harness, code, sizeof code - 1, 34, HARNESS_STACK - 24, 24);
    ck_assert_int_eq(cpu_run(&H.cpu, 10), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 3);
    ck_assert_uint_eq(H.cpu.gpr[RSP], HARNESS_STACK);
}
END_TEST

START_TEST(chained_ret_to_a_non_canonical_target_faults_exactly)
{
    /* mov $2,%ecx; movabs $0x800000000000,%rbx; 1: lea 2f(%rip),%rax; dec %ecx;
       cmovz %rbx,%rax; push %rax; ret; 2: jmp 1b — on the second pass the RET, run by the
       chained run's RIP lane, pops a non-canonical target: #GP(0) at the RET with RSP as
       before it (the pushed value still on the stack), from the full path. */
    static const char code[] = "\xb9\x02\x00\x00\x00\x48\xbb\x00\x00\x00\x00\x00\x80\x00\x00\x48"
                               "\x8d\x05\x08\x00\x00\x00\xff\xc9\x48\x0f\x44\xc3\x50\xc3\xeb\xef";
    struct harness s;
    run_fault_vector_program(&s, code, sizeof code - 1, true, EXC_GP);
    harness_destroy(&H);
    run_fault_vector_program(&H, code, sizeof code - 1, false, EXC_GP);
    /* Frame: error code, RIP, CS, RFLAGS, RSP, SS from the 16-byte aligned RSP below the
       pushed target (SDM 3A §6.14.2). */
    const u64 top = HARNESS_STACK - 16;
    ck_assert_uint_eq(H.cpu.gpr[RSP], top - 48);
    ck_assert_uint_eq(harness_get64(&H, top - 48), 0);
    ck_assert_uint_eq(harness_get64(&H, top - 40), HARNESS_CODE + 0x1d);   /* the RET */
    ck_assert_uint_eq(harness_get64(&H, top - 16), HARNESS_STACK - 8);   /* its RSP */
    ck_assert_uint_eq(harness_get64(&H, HARNESS_STACK - 8), 0x800000000000ull);
    check_same_state(&s);
    harness_destroy(&s);
}
END_TEST

/* The harness with the quadword 0x1122334455667788 on the page after the code (data on the
   code's own page would make every store a self-modifying one, which ends a chained run). */
static void init_data_page_harness(struct harness *h)
{
    init_long_mode_harness(h);
    harness_put64(h, HARNESS_CODE + 0x1000, 0x1122334455667788ull);
}

START_TEST(chained_rip_relative_accesses_leave_the_state_of_single_steps)
{
    /* mov $3,%ecx; 1: mov data(%rip),%rax; add $1,%rax; mov %rax,data(%rip);
       mov data+1(%rip),%rbx; lea data(%rip),%rdx; dec %ecx; jnz 1b; hlt; data at +0x1000 —
       RIP-relative operands run in the chained run's RIP lane on the later passes, the
       misaligned load through the full path each time; stopped after every n of its 22
       instructions, the state equals n single steps. */
    static const char code[] =
        "\xb9\x03\x00\x00\x00\x48\x8b\x05\xf4\x0f\x00\x00\x48\x83\xc0\x01\x48\x89\x05\xe9\x0f\x00\x00"
        "\x48\x8b\x1d\xe3\x0f\x00\x00\x48\x8d\x15\xdb\x0f\x00\x00\xff\xc9\x75\xdc\xf4";
    check_chained_equals_steps(init_data_page_harness, code, sizeof code - 1, 22, HARNESS_CODE + 0x1000, 16);
    ck_assert_int_eq(cpu_run(&H.cpu, 10), STOP_HALT);
    ck_assert_uint_eq(harness_get64(&H, HARNESS_CODE + 0x1000), 0x112233445566778bull);
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0x0011223344556677ull);   /* the misaligned load */
    ck_assert_uint_eq(H.cpu.gpr[RDX], HARNESS_CODE + 0x1000);
}
END_TEST

START_TEST(port_io)
{
    /* mov $0x1234,%ax; out %ax,$0x84; in $0x83,%al; hlt */
    ck_assert_int_eq(RUN("\x66\xb8\x34\x12\x66\xe7\x84\xe4\x83\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.last_out_port, 4);
    ck_assert_uint_eq(H.last_out_value, 0x1234);
    ck_assert_uint_eq(H.cpu.gpr[RAX] & 0xff, 0x43);
}
END_TEST

START_TEST(protected_to_long_mode)
{
    /* 32-bit code: CR4.PAE, CR3, EFER.LME, CR0.PG|PE, ljmp $0x08 to 64-bit code that loads DS
       and a 64-bit immediate. */
    struct cpu *c = &H.cpu;
    c->cr0 = CR0_PE | CR0_ET;
    c->cr4 = 0;
    c->efer = 0;
    c->seg[SEG_CS].sel = 0x18;
    c->seg[SEG_CS].ar = 0x9b | SEG_AR_DB | SEG_AR_G;
    cpu_update_mode(c);
    tlb_flush_all(&c->tlb);
    ck_assert_int_eq(c->mode, MODE_PROT32);
    ck_assert_int_eq(RUN("\x0f\x20\xe0\x83\xc8\x20\x0f\x22\xe0\xb8\x00\x00\x01\x00\x0f\x22\xd8\xb9"
                         "\x80\x00\x00\xc0\x0f\x32\x0d\x00\x01\x00\x00\x0f\x30\x0f\x20\xc0\x0d\x01"
                         "\x00\x00\x80\x0f\x22\xc0\xea\x31\x00\x10\x00\x08\x00\x66\xb8\x10\x00\x8e"
                         "\xd8\x48\xb8\x89\x67\x45\x23\x01\x00\x00\x00\xf4"), STOP_HALT);
    ck_assert_int_eq(c->mode, MODE_LONG64);
    ck_assert(c->efer & EFER_LMA);
    ck_assert_uint_eq(c->gpr[RAX], 0x123456789ull);
    ck_assert_uint_eq(c->seg[SEG_DS].sel, 0x10);
}
END_TEST

START_TEST(syscall_sysret)
{
    struct cpu *c = &H.cpu;
    ck_assert(msr_write(c, MSR_STAR, (0x08ull << 32) | (0x10ull << 48)));
    ck_assert(msr_write(c, MSR_LSTAR, HARNESS_CODE + 0x40));
    ck_assert(msr_write(c, MSR_SFMASK, RFLAGS_IF | RFLAGS_TF));
    c->idtr.limit = 0;
    /* mov $0x1000,%rsp; syscall; mov $0x77,%r12; hlt; .org 0x40; mov $0x99,%r13; sysretq
       The HLT at CPL 3 faults with no IDT: triple fault ends the run. */
    static const char code[] =
        "\x48\xc7\xc4\x00\x10\x00\x00\x0f\x05\x49\xc7\xc4\x77\x00\x00\x00\xf4";
    memcpy(H.ram + HARNESS_CODE + 0x40, "\x49\xc7\xc5\x99\x00\x00\x00\x48\x0f\x07", 10);
    ck_assert_int_eq(harness_run(&H, code, sizeof(code) - 1, 1000), STOP_SHUTDOWN);
    ck_assert_uint_eq(c->gpr[R13], 0x99);
    ck_assert_uint_eq(c->gpr[R12], 0x77);
    ck_assert_uint_eq(c->gpr[RCX], HARNESS_CODE + 9);
    ck_assert_int_eq(c->cpl, 3);
    ck_assert_uint_eq(c->seg[SEG_CS].sel, 0x23);
    ck_assert_uint_eq(c->seg[SEG_SS].sel, 0x1b);
}
END_TEST

/* The derived state (mode, CPL, la_width, TLB tag) equals what cpu_update_mode computes. */
static void check_derived_state(struct cpu *c)
{
    enum cpu_mode mode = c->mode;
    unsigned cpl = c->cpl, la_width = c->la_width;
    u64 tag = c->tlb_tag;
    cpu_update_mode(c);
    ck_assert_int_eq(c->mode, mode);
    ck_assert_uint_eq(c->cpl, cpl);
    ck_assert_uint_eq(c->la_width, la_width);
    ck_assert_uint_eq(c->tlb_tag, tag);
}

START_TEST(syscall_sysret_between_64_bit_code_keep_the_derived_state)
{
    /* SYSCALL from and SYSRETQ to 64-bit code only change the CPL (cpu_update_cpl_long64):
       with PCIDs and LA57 on, stop after each and compare with a full recompute. */
    struct cpu *c = &H.cpu;
    ck_assert(msr_write(c, MSR_STAR, (0x08ull << 32) | (0x10ull << 48)));
    ck_assert(msr_write(c, MSR_LSTAR, HARNESS_CODE + 0x40));
    ck_assert(msr_write(c, MSR_SFMASK, RFLAGS_IF | RFLAGS_TF));
    c->cr4 |= CR4_PCIDE;
    c->cr3 |= 5;
    cpu_update_mode(c);
    /* mov $0x1000,%rsp; syscall; mov $0x77,%r12; .org 0x40; mov $0x99,%r13; sysretq */
    static const char code[] = "\x48\xc7\xc4\x00\x10\x00\x00\x0f\x05\x49\xc7\xc4\x77\x00\x00\x00\xf4";
    memcpy(H.ram + HARNESS_CODE + 0x40, "\x49\xc7\xc5\x99\x00\x00\x00\x48\x0f\x07", 10);
    ck_assert_int_eq(harness_run(&H, code, sizeof(code) - 1, 2), STOP_BUDGET);   /* after SYSCALL */
    ck_assert_uint_eq(c->cpl, 0);
    ck_assert_uint_eq(c->tlb_tag, 5);
    check_derived_state(c);
    ck_assert_int_eq(cpu_run(c, 2), STOP_BUDGET);   /* after SYSRETQ */
    ck_assert_uint_eq(c->cpl, 3);
    ck_assert_int_eq(c->mode, MODE_LONG64);
    check_derived_state(c);
}
END_TEST

START_TEST(sysret_setting_if_asks_for_event_service)
{
    /* mov $0x1000,%rsp; mov $HARNESS_CODE+0x40,%rcx; mov $FLAGS,%r11; sysretq — run exactly
       these four: a SYSRET that sets IF must leave attention set, so that an interrupt
       pending (and blocked) until then is taken before the first user instruction; one that
       leaves IF clear has nothing new to look at. */
    struct cpu *c = &H.cpu;
    ck_assert(msr_write(c, MSR_STAR, (0x08ull << 32) | (0x10ull << 48)));
    for (unsigned sets_if = 0; sets_if < 2; sets_if++) {
        char code[] = "\x48\xc7\xc4\x00\x10\x00\x00\x48\xc7\xc1\x40\x00\x10\x00"
                      "\x49\xc7\xc3\x02\x00\x00\x00\x48\x0f\x07";
        if (sets_if)
            code[17] = 0x02, code[18] = 0x02;   /* R11 = 0x202 */
        c->rflags = RFLAGS_FIXED1;              /* IF = 0 in ring 0 */
        ck_assert_int_eq(harness_run(&H, code, sizeof(code) - 1, 4), STOP_BUDGET);
        ck_assert_int_eq(c->cpl, 3);
        ck_assert_uint_eq(c->rip, HARNESS_CODE + 0x40);
        ck_assert_int_eq(!!(c->rflags & RFLAGS_IF), sets_if);
        ck_assert_msg(c->attention == (bool)sets_if, "IF %u: attention %d", sets_if, c->attention);
        harness_long_mode(&H);   /* back to ring 0 for the next round */
    }
}
END_TEST

START_TEST(sign_extended_immediates)
{
    /* movq $-2,0x2000; mov 0x2000,%rax; push $-3; pop %rbx; imul $-5,%rbx,%rcx; hlt */
    ck_assert_int_eq(RUN("\x48\xc7\x04\x25\x00\x20\x00\x00\xfe\xff\xff\xff\x48\x8b\x04\x25\x00\x20"
                         "\x00\x00\x6a\xfd\x5b\x48\x6b\xcb\xfb\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX], (u64)-2);
    ck_assert_uint_eq(H.cpu.gpr[RBX], (u64)-3);
    ck_assert_uint_eq(H.cpu.gpr[RCX], 15);
}
END_TEST

START_TEST(descriptor_inspection_and_rdrand)
{
    /* mov $0x10,%eax; lsl %eax,%ebx; setz %r8b; lar %eax,%ecx; verw %ax; setz %r11b;
       mov $8,%eax; verw %ax; setz %r12b; mov $0x40,%eax; mov $7,%edx; lsl %eax,%edx; setz %r13b;
       rdrand %r9; setc %r10b; hlt */
    ck_assert_int_eq(RUN("\xb8\x10\x00\x00\x00\x0f\x03\xd8\x41\x0f\x94\xc0\x0f\x02\xc8\x0f\x00"
                         "\xe8\x41\x0f\x94\xc3\xb8\x08\x00\x00\x00\x0f\x00\xe8\x41\x0f\x94\xc4\xb8"
                         "\x40\x00\x00\x00\xba\x07\x00\x00\x00\x0f\x03\xd0\x41\x0f\x94\xc5\x49\x0f"
                         "\xc7\xf1\x41\x0f\x92\xc2\xf4"), STOP_HALT);
    struct cpu *c = &H.cpu;
    ck_assert_uint_eq(c->gpr[RBX], 0xffffffff);   /* LSL of the flat data segment */
    ck_assert_uint_eq(c->gpr[R8] & 0xff, 1);
    ck_assert_uint_eq(c->gpr[RCX], 0x00c09300);   /* LAR: access-rights bytes */
    ck_assert_uint_eq(c->gpr[R11] & 0xff, 1);     /* data segment is writable */
    ck_assert_uint_eq(c->gpr[R12] & 0xff, 0);     /* code segment is not */
    ck_assert_uint_eq(c->gpr[R13] & 0xff, 0);     /* selector beyond the GDT limit */
    ck_assert_uint_eq(c->gpr[RDX], 7);            /* ... leaves the destination alone */
    ck_assert_uint_eq(c->gpr[R10] & 0xff, 1);     /* RDRAND sets CF */
    ck_assert_uint_ne(c->gpr[R9], 0);
    /* Deterministic: a second machine gets the same value. */
    u64 first = c->gpr[R9];
    harness_destroy(&H);
    setup();
    ck_assert_int_eq(RUN("\x49\x0f\xc7\xf1\xf4"), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[R9], first);
}
END_TEST

START_TEST(sysenter_sysexit)
{
    struct cpu *c = &H.cpu;
    ck_assert(msr_write(c, MSR_IA32_SYSENTER_CS, 0x08));
    ck_assert(msr_write(c, MSR_IA32_SYSENTER_EIP, HARNESS_CODE + 0x40));
    ck_assert(msr_write(c, MSR_IA32_SYSENTER_ESP, 0x7000));
    c->idtr.limit = 0;
    /* sysenter; ... .org 0x40: mov $5,%r14; mov $0x100080,%edx; mov $0x9000,%ecx; sysexitq;
       .org 0x80: mov $7,%r15; hlt (HLT at CPL 3 faults; no IDT: shutdown) */
    static u8 code[0x88];
    memset(code, 0, sizeof code);
    memcpy(code, "\x0f\x34\xf4", 3);
    memcpy(code + 0x40, "\x49\xc7\xc6\x05\x00\x00\x00\xba\x80\x00\x10\x00\xb9\x00\x90\x00\x00\x48\x0f\x35", 20);
    memcpy(code + 0x80, "\x49\xc7\xc7\x07\x00\x00\x00\xf4", 8);
    ck_assert_int_eq(harness_run(&H, code, sizeof code, 100), STOP_SHUTDOWN);
    ck_assert_uint_eq(c->gpr[R14], 5);
    ck_assert_uint_eq(c->gpr[R15], 7);
    ck_assert_int_eq(c->cpl, 3);
    ck_assert_uint_eq(c->seg[SEG_CS].sel, 0x2b);   /* SYSENTER_CS + 32, RPL 3 */
    ck_assert_uint_eq(c->seg[SEG_SS].sel, 0x33);
    ck_assert_uint_eq(c->gpr[RSP], 0x9000);
}
END_TEST

START_TEST(instruction_crossing_into_unmapped_page)
{
    /* Put "mov $imm32,%eax" so that its last bytes fall in an unmapped page: place the code
       at the end of the 1 GiB identity map, where the next page is not present. */
    memcpy(H.ram + 0x200000, "\x41\xbf\x0e\x00\x00\x00\xf4", 7);
    idt_gate(14, 0x200000);
    struct cpu *c = &H.cpu;
    /* PDPT[1] -> PD at 0x13000; PD[0] -> PT at 0x14000; only PT[511] is present, so
       la 0x401ff000 maps to RAM 0x300000 and la 0x40200000 (PD[1]) is not present. */
    u64 pdpt1 = 0x13000ull | 7;
    memcpy(H.ram + HARNESS_PT + 0x1000 + 8, &pdpt1, 8);
    u64 pde = 0x14000 | 7;
    memcpy(H.ram + 0x13000, &pde, 8);
    u64 pte = 0x300000 | 7;
    memcpy(H.ram + 0x14000 + 8 * 511, &pte, 8);   /* la 0x401ff000 -> pa 0x300000 */
    memcpy(H.ram + 0x300000 + 0xffe, "\xb8\x01", 2); /* mov $imm32,%eax split: 2 bytes here */
    c->rip = 0x401ffffe;
    ck_assert_int_eq(cpu_run(c, 100), STOP_HALT);
    ck_assert_uint_eq(c->gpr[R15], 14);
    ck_assert_uint_eq(c->cr2, 0x40200000);
    u64 err;
    memcpy(&err, H.ram + c->gpr[RSP], 8);
    ck_assert_uint_eq(err, 0x10);   /* instruction fetch (I), not present, supervisor */
}
END_TEST

START_TEST(instruction_crossing_a_page_is_not_chained)
{
    /* mov $1,%eax across the page boundary at HARNESS_CODE + 0x1000, then HLT: it runs, is not
       cached (INSN_CROSS) and so is not marked chainable either. */
    memcpy(H.ram + HARNESS_CODE + 0xffd, "\xb8\x01\x00\x00\x00\xf4", 6);
    H.cpu.rip = HARNESS_CODE + 0xffd;
    ck_assert_int_eq(cpu_run(&H.cpu, 10), STOP_HALT);
    ck_assert_uint_eq(H.cpu.gpr[RAX] & 0xffffffff, 1);
    ck_assert(H.cpu.scratch.flags & INSN_CROSS);
    ck_assert(!(H.cpu.scratch.flags & INSN_CHAIN));
}
END_TEST

/* Random code must never crash the host: every run ends in a defined stop (halt, shutdown,
 * budget, or "unimplemented") with the CPU state consistent. Deterministic seeds; the
 * sanitizer build runs this too. */
START_TEST(random_code_never_crashes_the_host)
{
    if (_i >= 300)
        harness_prot32_mode(&H);   /* seeds 300..: 32-bit protected mode, paging off */
    u64 seed = 0x243f6a8885a308d3ull + (u64)_i * 0x9e3779b97f4a7c15ull;
    u8 code[4096];
    for (size_t i = 0; i < sizeof code; i++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        code[i] = (u8)seed;
    }
    idt_gate(0, HARNESS_CODE);   /* some exceptions re-enter the random code */
    enum cpu_stop st = harness_run(&H, code, sizeof code, 2000);
    ck_assert(st == STOP_BUDGET || st == STOP_HALT || st == STOP_SHUTDOWN || st == STOP_UNIMPLEMENTED);
    if (st == STOP_UNIMPLEMENTED)
        ck_assert_ptr_nonnull(strstr(H.cpu.stop_msg, "unimplemented: "));
    ck_assert_int_lt(H.cpu.mode, MODE_COUNT);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("cpu_exec");
    TCase *tc = tcase_create("programs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, loop_call_ret);
    tcase_add_test(tc, memory_and_riprel);
    tcase_add_test(tc, divide_error_through_idt);
    tcase_add_test(tc, page_fault_error_code_and_cr2);
    tcase_add_test(tc, software_int_with_an_exception_vector_is_benign);
    tcase_add_test(tc, triple_fault_without_idt);
    tcase_add_test(tc, rep_stos_movs);
    tcase_add_test(tc, self_modifying_code);
    tcase_add_test(tc, self_modifying_code_in_a_chained_loop);
    tcase_add_test(tc, self_modifying_code_inside_a_chained_run);
    tcase_add_test(tc, chained_instructions_stop_at_the_budget);
    tcase_add_test(tc, chained_run_leaves_the_state_of_single_steps);
    tcase_add_test(tc, chained_run_memory_miss_and_fault_are_exact);
    tcase_add_test(tc, chained_jcc_to_a_non_canonical_target_faults_exactly);
    tcase_add_test(tc, chained_calls_and_returns_leave_the_state_of_single_steps);
    tcase_add_test(tc, chained_ret_to_a_non_canonical_target_faults_exactly);
    tcase_add_test(tc, chained_rip_relative_accesses_leave_the_state_of_single_steps);
    tcase_add_test(tc, chained_run_across_syscall_and_sysret_leaves_the_state_of_single_steps);
    tcase_add_test(tc, port_io);
    tcase_add_test(tc, protected_to_long_mode);
    tcase_add_test(tc, syscall_sysret);
    tcase_add_test(tc, syscall_sysret_between_64_bit_code_keep_the_derived_state);
    tcase_add_test(tc, sysret_setting_if_asks_for_event_service);
    tcase_add_test(tc, sign_extended_immediates);
    tcase_add_test(tc, descriptor_inspection_and_rdrand);
    tcase_add_test(tc, sysenter_sysexit);
    tcase_add_test(tc, instruction_crossing_into_unmapped_page);
    tcase_add_test(tc, instruction_crossing_a_page_is_not_chained);
    tcase_add_loop_test(tc, random_code_never_crashes_the_host, 0, 500);
    suite_add_tcase(s, tc);
    return s;
}
