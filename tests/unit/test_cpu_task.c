/* Hardware task switches (SDM 3A §8.3, cpu/task.c) in 32-bit protected mode: far JMP and
 * CALL to a TSS and through a GDT task gate, IRET with NT back to the caller, an exception
 * through an IDT task gate with its error code pushed on the new task's stack, IRET into a
 * virtual-8086 task and an exception from it back through a task gate, and the #GP/#TS cases
 * (busy TSS, TSS limit below 67H), and a fault while loading the new task's segments, taken
 * in the new task. Byte strings were produced with GNU as (--32); the source
 * is in each comment. */
#include <check.h>
#include <string.h>

#include "tests/unit/cpu_harness.h"

#define TSS_A 0x18
#define TSS_B 0x20
#define TSS_C 0x28
#define GATE_B 0x30
#define TSS_V86 0x38
#define TSS_SMALL 0x40
#define TSS_BASE(sel) (0x3000u + ((sel) - TSS_A) * 0x20)   /* 0x100 apart */
#define IDT 0x5000u
#define CODE_B 0x101000u
#define CODE_C 0x102000u
#define V86_CODE 0x42000u

static struct harness H;


static void tss_desc(unsigned sel, u32 base, u32 limit, unsigned type)
{
    harness_put64(&H, HARNESS_GDT + sel, (limit & 0xffff) | (u64)(base & 0xffffff) << 16 | (u64)(0x80 | type) << 40 |
                                 (u64)((limit >> 16) & 0xf) << 48 | (u64)(base >> 24) << 56);
}

static u64 task_gate(unsigned tss_sel)
{
    return (u64)tss_sel << 16 | 0x85ull << 40;
}

/* A 32-bit TSS image: EIP, EFLAGS, EAX = tag, ESP, flat selectors (CS 0x08, data 0x10). */
static void tss_image(unsigned sel, u32 eip, u32 eflags, u32 tag, u32 esp)
{
    u32 b = TSS_BASE(sel);
    memset(H.ram + b, 0, 0x68);
    harness_put32(&H, b + 0x20, eip);
    harness_put32(&H, b + 0x24, eflags);
    harness_put32(&H, b + 0x28, tag);
    harness_put32(&H, b + 0x38, esp);
    for (unsigned s = 0; s < 6; s++)
        harness_put32(&H, b + 0x48 + 4 * s, s == SEG_CS ? 0x08 : 0x10);
}

static void setup(void)
{
    harness_init(&H, "intel");
    harness_prot32_mode(&H);
    H.cpu.gdtr.limit = 0x47;
    tss_desc(TSS_A, TSS_BASE(TSS_A), 0x67, 0x9);
    tss_desc(TSS_B, TSS_BASE(TSS_B), 0x67, 0x9);
    tss_desc(TSS_C, TSS_BASE(TSS_C), 0x67, 0x9);
    harness_put64(&H, HARNESS_GDT + GATE_B, task_gate(TSS_B));
    tss_desc(TSS_V86, TSS_BASE(TSS_V86), 0x67, 0xb);
    tss_desc(TSS_SMALL, TSS_BASE(TSS_SMALL), 0x20, 0x9);
    memset(H.ram + TSS_BASE(TSS_A), 0, 0x68);
    /* #UD -> task A, #TS and #GP -> task C. */
    harness_put64(&H, IDT + 8 * EXC_UD, task_gate(TSS_A));
    harness_put64(&H, IDT + 8 * EXC_TS, task_gate(TSS_C));
    harness_put64(&H, IDT + 8 * EXC_GP, task_gate(TSS_C));
    H.cpu.idtr.base = IDT;
    H.cpu.idtr.limit = 0xff;
    memcpy(H.ram + CODE_B, "\xbb\x0b\x00\x00\x00\xf4", 6);   /* mov $0xb,%ebx; hlt */
    memcpy(H.ram + CODE_C, "\x59\xf4", 2);                   /* pop %ecx; hlt */
    tss_image(TSS_B, CODE_B, 0x2, 0xb0b0, 0x70000);
    tss_image(TSS_C, CODE_C, 0x2, 0xc0c0, 0x60000);
}

static void teardown(void) { harness_destroy(&H); }

static unsigned gdt_type(unsigned sel) { return H.ram[HARNESS_GDT + sel + 5] & 0xf; }

START_TEST(jmp_to_tss_saves_old_and_loads_new)
{
    H.cpu.gpr[RDX] = 0xd00d;
    /* mov $0x18,%ax; ltr %ax; ljmp $0x20,$0; hlt */
    ck_assert_int_eq(harness_run(&H, "\x66\xb8\x18\x00\x0f\x00\xd8\xea\x00\x00\x00\x00\x20\x00\xf4", 15, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.tr.sel, TSS_B);
    ck_assert_uint_eq(H.cpu.rip, CODE_B + 6);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 0xb0b0);                       /* loaded from B */
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0xb);
    ck_assert_uint_eq(H.cpu.gpr[RSP], 0x70000);
    ck_assert(H.cpu.cr0 & CR0_TS);
    ck_assert(!(H.cpu.rflags & RFLAGS_NT));                           /* JMP does not nest */
    ck_assert_uint_eq(gdt_type(TSS_A), 0x9);                          /* old task not busy */
    ck_assert_uint_eq(gdt_type(TSS_B), 0xb);
    ck_assert_uint_eq(harness_get32(&H, TSS_BASE(TSS_A) + 0x20), HARNESS_CODE + 14);   /* A's EIP: after the JMP */
    ck_assert_uint_eq(harness_get32(&H, TSS_BASE(TSS_A) + 0x28 + 4 * RDX), 0xd00d);
    ck_assert_uint_eq(harness_get16(&H, TSS_BASE(TSS_B)), 0);                     /* no back link */
}
END_TEST

START_TEST(call_nests_and_iret_returns)
{
    memcpy(H.ram + CODE_B, "\xbb\x0b\x00\x00\x00\xcf\xbb\xbb\x00\x00\x00\xcf", 12);   /* mov $0xb,%ebx; iret; mov $0xbb,%ebx; iret */
    H.cpu.gpr[RAX] = 0xa0a0;
    /* mov $0x18,%ax; ltr %ax; lcall $0x20,$0; mov $0xa2,%edx; hlt */
    ck_assert_int_eq(harness_run(&H, "\x66\xb8\x18\x00\x0f\x00\xd8\x9a\x00\x00\x00\x00\x20\x00\xba\xa2\x00\x00\x00\xf4",
                                 20, 100),
                     STOP_HALT);
    ck_assert_uint_eq(H.cpu.tr.sel, TSS_A);
    ck_assert_uint_eq(H.cpu.gpr[RDX], 0xa2);
    ck_assert_uint_eq(H.cpu.gpr[RAX], 0x18);                          /* A's own EAX, saved at the CALL */
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0);                             /* A's EBX, not B's 0xb */
    ck_assert_uint_eq(harness_get16(&H, TSS_BASE(TSS_B)), TSS_A);                 /* back link */
    ck_assert_uint_eq(gdt_type(TSS_B), 0x9);                          /* IRET: B no longer busy */
    ck_assert_uint_eq(gdt_type(TSS_A), 0xb);
    ck_assert_uint_eq(harness_get32(&H, TSS_BASE(TSS_B) + 0x20), CODE_B + 6);     /* B resumes after its IRET */
    ck_assert(!(harness_get32(&H, TSS_BASE(TSS_B) + 0x24) & RFLAGS_NT));          /* saved with NT clear */
    ck_assert(!(H.cpu.rflags & RFLAGS_NT));
}
END_TEST

START_TEST(jmp_through_gdt_task_gate)
{
    /* mov $0x18,%ax; ltr %ax; ljmp $0x30,$0; hlt */
    ck_assert_int_eq(harness_run(&H, "\x66\xb8\x18\x00\x0f\x00\xd8\xea\x00\x00\x00\x00\x30\x00\xf4", 15, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.tr.sel, TSS_B);
    ck_assert_uint_eq(H.cpu.gpr[RBX], 0xb);
}
END_TEST

START_TEST(exception_through_task_gate_pushes_error_code)
{
    /* mov $0x18,%ax; ltr %ax; mov $0x1234,%ax; mov %ax,%es; hlt */
    ck_assert_int_eq(harness_run(&H, "\x66\xb8\x18\x00\x0f\x00\xd8\x66\xb8\x34\x12\x8e\xc0\xf4", 14, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.tr.sel, TSS_C);
    ck_assert_uint_eq(H.cpu.gpr[RCX], 0x1234);                        /* #GP(selector, TI = 1) popped by C */
    ck_assert_uint_eq(H.cpu.gpr[RSP], 0x60000);
    ck_assert(H.cpu.rflags & RFLAGS_NT);
    ck_assert_uint_eq(harness_get16(&H, TSS_BASE(TSS_C)), TSS_A);
    ck_assert_uint_eq(harness_get32(&H, TSS_BASE(TSS_A) + 0x20), HARNESS_CODE + 11);   /* the faulting MOV */
    ck_assert_uint_eq(gdt_type(TSS_A), 0xb);                          /* nested: A stays busy */
}
END_TEST

START_TEST(busy_and_short_tss_fault)
{
    /* mov $0x18,%ax; ltr %ax; ljmp $0x18,$0; hlt -- A is busy: #GP(0x18) */
    ck_assert_int_eq(harness_run(&H, "\x66\xb8\x18\x00\x0f\x00\xd8\xea\x00\x00\x00\x00\x18\x00\xf4", 15, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.tr.sel, TSS_C);
    ck_assert_uint_eq(H.cpu.gpr[RCX], TSS_A);
    /* Again with a TSS whose limit is 20H: #TS(0x40). */
    teardown();
    setup();
    /* mov $0x18,%ax; ltr %ax; ljmp $0x40,$0; hlt */
    ck_assert_int_eq(harness_run(&H, "\x66\xb8\x18\x00\x0f\x00\xd8\xea\x00\x00\x00\x00\x40\x00\xf4", 15, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.tr.sel, TSS_C);
    ck_assert_uint_eq(H.cpu.gpr[RCX], TSS_SMALL);
    ck_assert_uint_eq(gdt_type(TSS_SMALL), 0x9);                      /* nothing was switched */
}
END_TEST

START_TEST(fault_loading_new_segments_is_taken_in_new_task)
{
    /* TSS B's DS selector is past the GDT limit: #TS(DS) comes after the commit point, so it
       is taken in task B, with B's first instruction and B's ESP as its state (SDM 3A
       "Interrupt 10", Saved Instruction Pointer). #TS goes through the task gate to C, which
       pops the error code. */
    harness_put32(&H, TSS_BASE(TSS_B) + 0x48 + 4 * SEG_DS, 0x1238);
    /* mov $0x18,%ax; ltr %ax; ljmp $0x20,$0; hlt */
    ck_assert_int_eq(harness_run(&H, "\x66\xb8\x18\x00\x0f\x00\xd8\xea\x00\x00\x00\x00\x20\x00\xf4", 15, 100), STOP_HALT);
    ck_assert_uint_eq(H.cpu.tr.sel, TSS_C);
    ck_assert_uint_eq(H.cpu.gpr[RCX], 0x1238);                        /* #TS(DS selector) */
    ck_assert_uint_eq(harness_get16(&H, TSS_BASE(TSS_C)), TSS_B);                 /* interrupted task: B */
    ck_assert_uint_eq(harness_get32(&H, TSS_BASE(TSS_B) + 0x20), CODE_B);         /* B's first instruction */
    ck_assert_uint_eq(harness_get32(&H, TSS_BASE(TSS_B) + 0x38), 0x70000);        /* B's own ESP */
    ck_assert_uint_eq(harness_get32(&H, TSS_BASE(TSS_B) + 0x28), 0xb0b0);         /* B's EAX */
    ck_assert_uint_eq(harness_get32(&H, TSS_BASE(TSS_A) + 0x20), HARNESS_CODE + 14);   /* A: after the JMP */
    ck_assert_uint_eq(gdt_type(TSS_A), 0x9);
    ck_assert_uint_eq(gdt_type(TSS_B), 0xb);
}
END_TEST

START_TEST(iret_into_v86_task_and_back)
{
    /* The virtual-8086 task (busy, as if it had been called) runs UD2 at 4200:0002; #UD goes
       through the task gate back to A, which continues after its IRET. */
    memcpy(H.ram + V86_CODE + 2, "\x0f\x0b", 2);
    tss_image(TSS_V86, 2, 0x20002, 0x8686, 0x100);
    u32 vb = TSS_BASE(TSS_V86);
    harness_put32(&H, vb + 0x48 + 4 * SEG_CS, V86_CODE >> 4);
    harness_put32(&H, vb + 0x48 + 4 * SEG_SS, 0x5000);
    harness_put32(&H, vb + 0x48 + 4 * SEG_DS, 0x1234);
    harness_put32(&H, vb + 0x48 + 4 * SEG_ES, 0x2345);
    harness_put32(&H, TSS_BASE(TSS_A), TSS_V86);                                  /* A's back link */
    /* mov $0x18,%ax; ltr %ax; pushf; orl $0x4000,(%esp); popf; iret; mov $0xa4,%edx; hlt */
    ck_assert_int_eq(harness_run(&H, "\x66\xb8\x18\x00\x0f\x00\xd8\x9c\x81\x0c\x24\x00\x40\x00\x00\x9d\xcf\xba\xa4"
                                     "\x00\x00\x00\xf4",
                                 23, 100),
                     STOP_HALT);
    ck_assert_uint_eq(H.cpu.tr.sel, TSS_A);
    ck_assert_uint_eq(H.cpu.gpr[RDX], 0xa4);
    ck_assert_int_eq(H.cpu.mode, MODE_PROT32);
    /* What the #UD task switch saved of the virtual-8086 task. */
    ck_assert_uint_eq(harness_get32(&H, vb + 0x20), 2);                           /* EIP of the UD2 */
    ck_assert(harness_get32(&H, vb + 0x24) & RFLAGS_VM);
    ck_assert_uint_eq(harness_get32(&H, vb + 0x48 + 4 * SEG_CS) & 0xffff, V86_CODE >> 4);
    ck_assert_uint_eq(harness_get32(&H, vb + 0x48 + 4 * SEG_DS) & 0xffff, 0x1234);
    ck_assert_uint_eq(harness_get32(&H, vb + 0x28), 0x8686);
    ck_assert_uint_eq(harness_get16(&H, TSS_BASE(TSS_A)), TSS_V86);               /* nested by the #UD */
}
END_TEST

START_TEST(iret_to_v86_and_interrupt_back)
{
    /* A 32-bit IRET at CPL 0 whose EFLAGS image has VM = 1 (SDM 2A "IRET"
       RETURN-TO-VIRTUAL-8086-MODE) enters 4200:0002, which runs UD2; #UD goes through an
       interrupt gate to ring 0 on the TSS's ESP0, pushing GS, FS, DS, ES, SS, ESP, EFLAGS, CS,
       EIP (SDM 3A §20.3.1.1). */
    memcpy(H.ram + V86_CODE + 2, "\x0f\x0b", 2);
    harness_put32(&H, TSS_BASE(TSS_A) + 4, 0x90000);                 /* ESP0 */
    harness_put32(&H, TSS_BASE(TSS_A) + 8, 0x10);                    /* SS0 */
    u32 handler = 0x103000;
    H.ram[handler] = 0xf4;
    harness_put64(&H, IDT + 8 * EXC_UD, (handler & 0xffff) | 0x08ull << 16 | 0x8eull << 40 | (u64)(handler >> 16) << 48);
    /* mov $0x18,%ax; ltr %ax; push $0x3456 (GS), $0x2345 (FS), $0x1234 (DS), $0x0123 (ES),
       $0x5000 (SS), $0x100 (ESP), $0x20002 (EFLAGS.VM), $0x4200 (CS), $2 (EIP); iret */
    ck_assert_int_eq(harness_run(&H, "\x66\xb8\x18\x00\x0f\x00\xd8\x68\x56\x34\x00\x00\x68\x45\x23\x00"
                                     "\x00\x68\x34\x12\x00\x00\x68\x23\x01\x00\x00\x68\x00\x50\x00\x00"
                                     "\x68\x00\x01\x00\x00\x68\x02\x00\x02\x00\x68\x00\x42\x00\x00\x6a"
                                     "\x02\xcf",
                                 50, 100),
                     STOP_HALT);
    ck_assert_uint_eq(H.cpu.rip, handler + 1);
    ck_assert_int_eq(H.cpu.mode, MODE_PROT32);
    u32 sp = (u32)H.cpu.gpr[RSP];
    ck_assert_uint_eq(sp, 0x90000 - 36);
    static const u32 frame[9] = {2, 0x4200, 0, 0x100, 0x5000, 0x0123, 0x1234, 0x2345, 0x3456};
    for (unsigned i = 0; i < 9; i++)
        if (i != 2)
            ck_assert_uint_eq(harness_get32(&H, sp + 4 * i) & 0xffff, frame[i]);
    ck_assert(harness_get32(&H, sp + 8) & RFLAGS_VM);                 /* interrupted in v86 */
    ck_assert_uint_eq(H.cpu.seg[SEG_DS].sel, 0);                      /* data segments nulled */
}
END_TEST

Suite *unit_suite(void);
Suite *unit_suite(void)
{
    Suite *s = suite_create("cpu_task");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, jmp_to_tss_saves_old_and_loads_new);
    tcase_add_test(tc, call_nests_and_iret_returns);
    tcase_add_test(tc, jmp_through_gdt_task_gate);
    tcase_add_test(tc, exception_through_task_gate_pushes_error_code);
    tcase_add_test(tc, busy_and_short_tss_fault);
    tcase_add_test(tc, fault_loading_new_segments_is_taken_in_new_task);
    tcase_add_test(tc, iret_into_v86_task_and_back);
    tcase_add_test(tc, iret_to_v86_and_interrupt_back);
    suite_add_tcase(s, tc);
    return s;
}
