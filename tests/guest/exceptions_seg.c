/* Guest test: selector, gate and stack exceptions in IA-32e mode, with their error codes (SDM 3A
 * §6.13: selector index | TI | IDT | EXT) — #NP #SS #GP #TS from segment loads, from IDT gates
 * and from the stack of an event delivery (SDM 2A "INT n/INTO/INT3/INT1" Operation), and #OF
 * (INTO) and #BR (BOUND) in a compatibility-mode code segment. */
#include "exc_check.h"
#include "ring3.h"

#define SEL_CODE32 0x38   /* 32-bit code, DPL 0: compatibility mode */
#define SEL_NP_DATA 0x40  /* data, not present */
#define SEL_XO_CODE 0x48  /* 32-bit execute-only code */
#define SEL_NP_CODE64 0x50 /* 64-bit code, not present */
#define GDT_LIMIT (8 * RING3_GDT_SLOTS - 1)
#define VEC 0x40          /* the vector the gate tests use */

void compat_call(void (*entry32)(void));
void c32_into_of(void), c32_into_no(void), c32_bound_out(void), c32_bound_in(void), c32_mov_ss_np(void);
volatile uint32_t c32_bounds[2] = {10, 20};

/* compat_call(entry): far return to SEL_CODE32:entry; the 32-bit code ends with a far jump to
   compat_back, which returns from compat_call. The c32_* snippets record their addresses as
   TRIGGER does (the upper halves of the 64-bit variables stay 0: the image is below 4 GiB). */
__asm__(".text\n"
        ".global compat_call\n"
        "compat_call:\n\t"
        "push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15\n\t"
        "mov %rsp, compat_saved_rsp(%rip)\n\t"
        "pushq $0x38\n\t"
        "pushq %rdi\n\t"
        "lretq\n"
        "compat_back:\n\t"
        "mov compat_saved_rsp(%rip), %rsp\n\t"
        "pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp\n\t"
        "ret\n"
        ".code32\n"
#define C32_TRIGGER(name, setup, insn)                                                 \
        ".global " name "\n" name ":\n\t"                                              \
        "movl $1f, exc_resume; movl $1f, exc_next_rip; movl $2f, exc_fault_rip\n\t"    \
        setup "\n"                                                                     \
        "2: " insn "\n"                                                                \
        "1: ljmp $0x08, $compat_back\n"
        C32_TRIGGER("c32_into_of", "movl $0x7fffffff, %eax; addl $1, %eax", "into")
        C32_TRIGGER("c32_into_no", "xorl %eax, %eax", "into")
        C32_TRIGGER("c32_bound_out", "movl $21, %eax", "bound %eax, c32_bounds")
        C32_TRIGGER("c32_bound_in", "movl $20, %eax", "bound %eax, c32_bounds")
        C32_TRIGGER("c32_mov_ss_np", "movl $0x40, %eax", "movw %ax, %ss")
        ".code64\n");
uint64_t compat_saved_rsp;

static void test_compat(void)
{
    compat_call(c32_into_of);
    expect(4, 0, true, "#OF from INTO with OF = 1 in compatibility mode (trap)");
    report(seen.cs == SEL_CODE32, "#OF frame: CS %#lx is the compatibility-mode segment", (unsigned long)seen.cs);
    seen.vec = ~0ull;
    compat_call(c32_into_no);
    report(seen.vec == ~0ull, "INTO with OF = 0: no exception (vector %ld)", (long)seen.vec);
    compat_call(c32_bound_out);
    expect(5, 0, false, "#BR from BOUND 21 outside [10, 20] (fault)");
    compat_call(c32_bound_in);
    report(seen.vec == ~0ull, "BOUND 20 inside [10, 20]: no exception (vector %ld)", (long)seen.vec);
    compat_call(c32_mov_ss_np);
    expect(12, SEL_NP_DATA, false, "#SS(selector) from MOV SS of a not-present segment (compatibility mode)");
}

static void test_selectors(void)
{
    TRIGGER("movw %%ax, %%ds", "a"(SEL_NP_DATA));
    expect(11, SEL_NP_DATA, false, "#NP(selector) from MOV DS of a not-present segment");
    TRIGGER("movw %%ax, %%ss", "a"(SEL_NP_DATA));
    expect(12, SEL_NP_DATA, false, "#SS(selector) from MOV SS of a not-present segment");
    TRIGGER("movw %%ax, %%ds", "a"(GDT_LIMIT + 1));
    expect(13, GDT_LIMIT + 1, false, "#GP(selector) from MOV DS beyond the GDT limit");
    TRIGGER("movw %%ax, %%es", "a"(SEL_XO_CODE));
    expect(13, SEL_XO_CODE, false, "#GP(selector) from MOV ES of an execute-only code segment");
    TRIGGER("movw %%ax, %%ss", "a"(RING3_KDATA | 3));
    expect(13, RING3_KDATA, false, "#GP(selector) from MOV SS with RPL 3 at CPL 0");
    TRIGGER("movw %%ax, %%fs", "a"(0x44));   /* TI = 1, no LDT loaded */
    expect(13, 0x44, false, "#GP(selector) from MOV FS of an LDT selector without an LDT");
    TRIGGER("ltr %%ax", "a"(RING3_TSS));
    expect(13, RING3_TSS, false, "#GP(selector) from LTR of the busy current TSS");
}

/* A fault while delivering through gate VEC: the nested exception with the IDT bit. */
static void test_gates(void)
{
    uint64_t *g = idt_gate(VEC), save0 = g[0], save1 = g[1];
    guest_set_handler(VEC, exc_record);
    gate_set_present(VEC, false);
    TRIGGER("int $0x40");
    expect(11, VEC * 8 + 2, false, "#NP(vector, IDT) from INT n through a not-present gate");
    g[0] = save0;
    gate_set_present(13, false);
    TRIGGER("int $0x0d");
    expect(11, 13 * 8 + 2, false, "INT 13 through a not-present gate is #NP, not #DF (INT n is no #GP)");
    gate_set_present(13, true);
    gate_set_present(6, false);
    TRIGGER("ud2");
    expect(11, 6 * 8 + 3, false, "#NP(vector, IDT, EXT) from #UD through a not-present gate");
    gate_set_present(6, true);
    gate_set_present(1, false);
    TRIGGER(".byte 0xf1");
    expect(11, 1 * 8 + 3, false, "INT1 through a not-present gate: #NP with EXT = 1 (INT1 is not INT n)");
    gate_set_present(1, true);
    g[0] = (save0 & ~(0xfull << 40)) | 0xcull << 40;   /* a call gate type: not valid in the IDT */
    TRIGGER("int $0x40");
    expect(13, VEC * 8 + 2, false, "#GP(vector, IDT) from a gate of the wrong type");
    g[0] = (save0 & ~(0xffffull << 16));                /* null code selector */
    TRIGGER("int $0x40");
    expect(13, 0, false, "#GP(0) from a gate with a null code selector (INT n: EXT = 0)");
    g[0] = (save0 & ~(0xffffull << 16)) | (uint64_t)RING3_KDATA << 16;
    TRIGGER("int $0x40");
    expect(13, RING3_KDATA, false, "#GP(selector) from a gate whose selector is a data segment");
    g[0] = (save0 & ~(0xffffull << 16)) | (uint64_t)SEL_CODE32 << 16;
    TRIGGER("int $0x40");
    expect(13, SEL_CODE32, false, "#GP(selector) from a gate to a non-64-bit code segment");
    g[0] = (save0 & ~(0xffffull << 16)) | (uint64_t)SEL_NP_CODE64 << 16;
    TRIGGER("int $0x40");
    expect(11, SEL_NP_CODE64, false, "#NP(selector) from a gate to a not-present code segment");
    uint64_t *ug = idt_gate(6), usave = ug[0];
    ug[0] = (usave & ~(0xffffull << 16)) | (uint64_t)RING3_KDATA << 16;
    TRIGGER("ud2");
    expect(13, RING3_KDATA | 1, false, "#GP(selector | EXT) delivering #UD through a gate to a data segment");
    ug[0] = usave;
    g[0] = save0;
    g[1] = 0x8000;                                      /* offset bits 63:32 -> non-canonical */
    TRIGGER("int $0x40");
    expect(13, 0, false, "#GP(0) from a gate with a non-canonical offset (RIP of the INT)");
    g[1] = save1;

    /* IDT limit: the gate must lie within it (16-byte gates in IA-32e mode). */
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr, small;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    small = idtr;
    small.limit = VEC * 16 + 14;   /* one byte short of gate VEC */
    __asm__ volatile("lidt %0" ::"m"(small));
    TRIGGER("int $0x40");
    __asm__ volatile("lidt %0" ::"m"(idtr));
    expect(13, VEC * 8 + 2, false, "#GP(vector, IDT) from INT n past the IDT limit");
}

/* IST slots, the TSS limit, and canonical stack addresses in event delivery. */
static uint8_t ist_stack[4096] __attribute__((aligned(16)));

static void test_stacks(void)
{
    uint64_t *g = idt_gate(VEC), save0 = g[0];
    ring3_set_ist(1, (uintptr_t)(ist_stack + sizeof ist_stack));
    gate_set_ist(12, 1);   /* #SS on a good stack, whatever RSP is */
    TRIGGER("movq (%%rsp,%%rax), %%r11", "a"(0x8000000000000000ull));
    expect(12, 0, false, "#SS(0) from a non-canonical stack reference (RSP base)");
    __asm__ volatile("leaq 1f(%%rip), %%r11; movq %%r11, exc_resume(%%rip); leaq 2f(%%rip), %%r11;"
                     "movq %%r11, exc_fault_rip(%%rip); mov %%rsp, %%r11; mov %%rax, %%rsp;"
                     "2: pushq $0; 1: mov %%r11, %%rsp"
                     ::"a"(0x8000000000001000ull) : "r11", "memory");
    expect(12, 0, false, "#SS(0) from PUSH with a non-canonical RSP");
    __asm__ volatile("leaq 1f(%%rip), %%r11; movq %%r11, exc_resume(%%rip); leaq 2f(%%rip), %%r11;"
                     "movq %%r11, exc_fault_rip(%%rip); mov %%rsp, %%r11; mov %%rax, %%rsp;"
                     "2: int $0x40; 1: mov %%r11, %%rsp"
                     ::"a"(0x8000000000001000ull) : "r11", "memory");
    expect(12, 0, false, "#SS(0) delivering INT n onto a non-canonical RSP (same privilege)");
    report(seen.frame_top == (uintptr_t)(ist_stack + sizeof ist_stack), "the #SS arrived on its IST stack");
    gate_set_ist(12, 0);

    /* IST7 lies at 54H-5BH of the TSS: a limit of 5AH cuts it off, RSP0 still fits. */
    ring3_set_ist(7, (uintptr_t)(ist_stack + sizeof ist_stack));
    gate_set_ist(VEC, 7);
    ring3_set_tss_limit(0x5a);
    TRIGGER("int $0x40");
    expect(10, RING3_TSS, false, "#TS(TSS selector) from INT n whose IST slot is past the TSS limit");
    gate_set_ist(6, 7);
    TRIGGER("ud2");
    expect(10, RING3_TSS | 1, false, "#TS(TSS selector | EXT) delivering #UD through that IST slot");
    gate_set_ist(6, 0);
    ring3_set_tss_limit(RING3_TSS_LIMIT);
    TRIGGER("int $0x40");
    report(seen.vec == VEC && seen.frame_top == (uintptr_t)(ist_stack + sizeof ist_stack),
           "with the full TSS limit INT n arrives on IST7 (vector %ld)", (long)seen.vec);
    seen.vec = ~0ull;
    g[0] = save0;
}

int main(void)
{
    exc_catch_all();
    ring3_setup(0, NULL);
    ring3_set_gdt_entry(SEL_CODE32 >> 3, 0x00cf9b000000ffffull);
    ring3_set_gdt_entry(SEL_NP_DATA >> 3, 0x00cf13000000ffffull);
    ring3_set_gdt_entry(SEL_XO_CODE >> 3, 0x00cf99000000ffffull);
    ring3_set_gdt_entry(SEL_NP_CODE64 >> 3, 0x00af1b000000ffffull);
    test_compat();
    test_selectors();
    test_gates();
    test_stacks();
    return report_summary();
}
