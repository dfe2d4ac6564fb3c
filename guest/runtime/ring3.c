/* guest/runtime/ring3.c — see ring3.h. */
#include "ring3.h"

static uint64_t gdt[RING3_GDT_SLOTS];
static struct __attribute__((packed)) {
    uint32_t rsvd0;
    uint64_t rsp[3], ist[8];   /* ist[0] is the reserved quadword at 1CH; IST1 is at 24H */
    uint64_t rsvd2;
    uint16_t rsvd1, iomap;     /* I/O map base at 66H: 104 bytes in all (SDM 3A Figure 7-11) */
} tss;
_Static_assert(sizeof tss == RING3_TSS_LIMIT + 1, "64-bit TSS layout");
static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint8_t user_stack[16384] __attribute__((aligned(16)));

/* ring3_run's saved kernel RSP, restored by the RING3_DONE_VECTOR stub. */
uint64_t ring3_saved_rsp;
void ring3_done_entry(void);
void ring3_enter(void (*fn)(void), void *user_rsp);

__asm__(".text\n"
        /* ring3_enter(fn, user_rsp): save callee-saved registers and RSP, IRETQ to ring 3. */
        ".global ring3_enter\n"
        "ring3_enter:\n\t"
        "push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15\n\t"
        "mov %rsp, ring3_saved_rsp(%rip)\n\t"
        "pushq $0x1b\n\t"          /* SS */
        "pushq %rsi\n\t"           /* RSP */
        "pushq $2\n\t"             /* RFLAGS: IF = 0 */
        "pushq $0x23\n\t"          /* CS */
        "pushq %rdi\n\t"           /* RIP */
        "iretq\n"
        /* The done vector: back on the saved kernel stack, return from ring3_enter. */
        ".global ring3_done_entry\n"
        "ring3_done_entry:\n\t"
        "mov ring3_saved_rsp(%rip), %rsp\n\t"
        "mov $0x10, %eax; mov %eax, %ss; mov %eax, %ds; mov %eax, %es\n\t"
        "pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp\n\t"
        "ret\n");

/* A DPL-3 64-bit interrupt gate (type 0xe) at `vector` of the current IDT. */
static void set_user_gate(unsigned vector, void (*handler)(void))
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    uint32_t *g = (uint32_t *)(uintptr_t)(idtr.base + 16 * vector);
    uint64_t h = (uintptr_t)handler;
    g[0] = (uint32_t)(RING3_KCODE << 16 | (h & 0xffff));
    g[1] = (uint32_t)((h & 0xffff0000) | 0xee00);   /* P, DPL 3, interrupt gate */
    g[2] = (uint32_t)(h >> 32);
    g[3] = 0;
}

/* Set the U/S bit on every entry of boot.S's identity map (PML4[0], its PDPT and PDs). */
static void make_identity_map_user(void)
{
    uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
    pml4[0] |= 4;
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0xffffffffff000ull);
    for (int i = 0; i < 4; i++) {
        pdpt[i] |= 4;
        uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[i] & 0xffffffffff000ull);
        for (int j = 0; j < 512; j++)
            pd[j] |= 4;
    }
    write_cr3(read_cr3());
}

void ring3_setup(unsigned vector, void (*handler)(void))
{
    gdt[1] = 0x00af9b000000ffffull;   /* 0x08: 64-bit kernel code */
    gdt[2] = 0x00cf93000000ffffull;   /* 0x10: kernel data */
    gdt[3] = 0x00cff3000000ffffull;   /* 0x18: user data, DPL 3 */
    gdt[4] = 0x00affb000000ffffull;   /* 0x20: 64-bit user code, DPL 3 */
    tss.rsp[0] = (uintptr_t)(kernel_stack + sizeof kernel_stack);
    tss.iomap = sizeof tss;
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = {sizeof gdt - 1, (uintptr_t)gdt};
    __asm__ volatile("lgdt %0" ::"m"(gdtr) : "memory");
    ring3_set_tss_limit(sizeof tss - 1);
    make_identity_map_user();
    if (handler)
        set_user_gate(vector, handler);
    set_user_gate(RING3_DONE_VECTOR, ring3_done_entry);
}

void ring3_run(void (*fn)(void))
{
    ring3_enter(fn, user_stack + sizeof user_stack);
}

void ring3_set_gdt_entry(unsigned index, uint64_t desc)
{
    if (index >= RING3_GDT_FREE && index < RING3_GDT_SLOTS)
        gdt[index] = desc;
}

void ring3_set_ist(unsigned n, uint64_t rsp)
{
    if (n >= 1 && n <= 7)
        tss.ist[n] = rsp;
}

/* A 64-bit available TSS descriptor (type 9) for `tss` with this limit in slots 5-6 (0x28), then
   LTR, which needs it not busy and marks it busy (SDM 3A §7.2.3, §7.2.4). */
void ring3_set_tss_limit(uint32_t limit)
{
    uint64_t t = (uintptr_t)&tss;
    gdt[5] = (limit & 0xffff) | (t & 0xffffff) << 16 | 0x89ull << 40 | (uint64_t)(limit >> 16 & 0xf) << 48 |
             ((t >> 24) & 0xff) << 56;
    gdt[6] = t >> 32;
    __asm__ volatile("ltr %w0" ::"r"(RING3_TSS) : "memory");
}

uint64_t ring3_kernel_stack_top(void)
{
    return tss.rsp[0];
}

void ring3_run_on(void (*fn)(void), void *user_rsp)
{
    ring3_enter(fn, user_rsp);
}
