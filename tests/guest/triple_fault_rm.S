/* tests/guest/triple_fault_rm.S — the "rmint" method of triple_fault.c: leave long mode for
 * real mode and raise INT n with SS:SP = 1000:0001, so the FLAGS word of the 6-byte frame
 * would cross the 64 KiB SS limit: #SS before anything is pushed, which needs the same stack,
 * then #DF, then shutdown (SDM 2A "INT n" real-address mode, SDM 3A §20.1.4). If the INT is
 * delivered instead, its IVT entry prints "still running" and exits with code 1.
 * tf_rm_begin..tf_rm_end is copied to TF_RM_BASE by triple_fault.c. */
#define TF_RM_BASE 0x60000
#define TF_RM_SEG (TF_RM_BASE >> 4)
#define OFF(l) ((l) - tf_rm_begin)
#define VEC 0x40

    .text
    .code64
    .globl tf_rm_run
tf_rm_run:                          /* void tf_rm_run(void): does not return */
    cli
    lgdt tf_gdtr(%rip)
    pushq $0x08
    leaq 1f(%rip), %rax
    pushq %rax
    lretq
    .code32
1:  movl %cr0, %eax                 /* compatibility mode: paging off leaves IA-32e mode */
    andl $0x7fffffff, %eax
    movl %eax, %cr0
    movw $0x20, %ax                 /* 16-bit data, base TF_RM_BASE, limit FFFFH */
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    ljmp $0x18, $0                  /* 16-bit code, base TF_RM_BASE: tf_rm_begin */

    .section .rodata
    .code16
    .globl tf_rm_begin, tf_rm_end
tf_rm_begin:
    movl %cr0, %eax
    andl $~1, %eax
    movl %eax, %cr0
    ljmp $TF_RM_SEG, $OFF(rm)
rm:
    movw $TF_RM_SEG, %ax
    movw %ax, %ds
    lidtl OFF(rm_idtr)
    xorw %ax, %ax
    movw %ax, %es
    movw $OFF(ran_on), %es:(4 * VEC)
    movw $TF_RM_SEG, %es:(4 * VEC + 2)
    movw $0x1000, %ax               /* the SS limit stays FFFFH */
    movw %ax, %ss
    movw $1, %sp
    int $VEC
ran_on:
    movw $OFF(msg), %si
    movw $0x3f8, %dx
1:  lodsb
    testb %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  movl $1, %eax
    outl %eax, $0xf4
3:  hlt
    jmp 3b
msg:
    .asciz "still running after the triple fault (real-mode INT n delivered with SP = 1)\n"
    .p2align 2
rm_idtr:
    .word 0x3ff
    .long 0
tf_rm_end:

    .p2align 3
tf_gdt:
    .quad 0
    .quad 0x00cf9b000000ffff        /* 08: flat 32-bit code */
    .quad 0
    .quad 0x00009b060000ffff        /* 18: 16-bit code, base TF_RM_BASE */
    .quad 0x000093060000ffff        /* 20: 16-bit data, base TF_RM_BASE */
tf_gdtr:
    .word 5 * 8 - 1
    .quad tf_gdt

    .section .note.GNU-stack, "", @progbits
