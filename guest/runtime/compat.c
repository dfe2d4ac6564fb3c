/* guest/runtime/compat.c — see compat.h. */
#include "compat.h"

static const uint64_t gdt[4] = {
    0,
    0x00af9b000000ffffull,   /* 0x08: 64-bit code, as boot.S */
    0x00cf93000000ffffull,   /* 0x10: data */
    0x00cf9b000000ffffull,   /* 0x18: 32-bit code (L = 0, D = 1) */
};

void compat_setup(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = {sizeof gdt - 1, (uintptr_t)gdt};
    __asm__ volatile("lgdt %0" ::"m"(gdtr) : "memory");
}

uint32_t compat_enter(uint64_t fn, uint64_t arg);
__asm__(".text\n"
        /* compat_enter(fn, arg): LRETQ to compat_32 in COMPAT_CODE32; it calls fn with EBX = arg
           and comes back through a far return to 0x08:compat_64. */
        "compat_enter:\n"
        "  pushq %rbx\n"
        "  movq %rdi, %rax\n"
        "  movq %rsi, %rbx\n"
        "  pushq $0x18\n"
        "  leaq compat_32(%rip), %rcx\n"
        "  pushq %rcx\n"
        "  lretq\n"
        "compat_64:\n"
        "  popq %rbx\n"
        "  ret\n"
        ".code32\n"
        "compat_32:\n"
        "  call *%eax\n"
        "  pushl $0x08\n"
        "  pushl $compat_64\n"
        "  lret\n"
        ".code64\n");

uint32_t compat_call(const void *fn, uint32_t arg)
{
    uint32_t r;
    __asm__ volatile("call compat_enter"
                     : "=a"(r), "+D"(fn), "+S"(arg)
                     :
                     : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
    return r;
}
