/* The guest of tests/guest/vmx_unrestricted.c, copied to URG_BASE (0x60000) and entered in real
 * mode with CS = DS = 0x6000, SS = 0x6200. Offsets below are from urg_begin; the hypervisor
 * checks each VM exit (numbered as in vmx_unrestricted.c). */
#define URG_BASE 0x60000
#define OFF(l) ((l) - urg_begin)

    .section .rodata
    .globl urg_begin, urg_end, urg_int40, urg_gdtr
    .code16
urg_begin:
    movw $0x1234, 0x1000            /* real-mode store through EPT: gpa 0x61000 */
    int $0x40                       /* through the IVT at IDTR.base: BX = 0x5678 */
    movw %bx, 0x100c
    movl %cr0, %eax
    movl %eax, 0x1004
    cpuid                           /* exit 1: CPUID in real mode */
    movw 0x5000, %cx                /* exit 2: EPT violation at gpa 0x65000 (then completes) */
    movw %cx, 0x1008
    lgdtl OFF(urg_gdtr)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0                 /* protected mode, paging off */
    ljmpl $0x08, $(URG_BASE + OFF(pm32))
    .code32
pm32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %ss
    movl $0x63000, %esp
    movl $0x33, %eax
    cpuid                           /* exit 3: CPUID in unpaged protected mode */
    ljmp $0x28, $0                  /* task-switch exit (the hypervisor skips it) */
    ljmp $0x18, $OFF(pm16)          /* 16-bit code segment based at URG_BASE */
    .code16
pm16:
    movw $0x20, %ax
    movw %ax, %ds
    movw %ax, %ss
    movl %cr0, %eax
    andl $~1, %eax
    movl %eax, %cr0                 /* back to real mode: allowed with unrestricted guest */
    ljmp $(URG_BASE >> 4), $OFF(rm_again)
rm_again:
    movw $(URG_BASE >> 4), %ax
    movw %ax, %ds
    movw $0x6200, %ax
    movw %ax, %ss
    cpuid                           /* exit 4: CPUID in real mode again */
    hlt                             /* exit 5: HLT */
urg_int40:
    movw $0x5678, %bx
    iret
    .p2align 3
urg_gdt:
    .quad 0
    .quad 0x00cf9b000000ffff        /* 0x08: 32-bit code, base 0, 4 GiB */
    .quad 0x00cf93000000ffff        /* 0x10: 32-bit data */
    .quad 0x00009b060000ffff        /* 0x18: 16-bit code, base URG_BASE */
    .quad 0x000093060000ffff        /* 0x20: 16-bit data, base URG_BASE */
    .quad 0x0000890660000067        /* 0x28: available 32-bit TSS at 0x66000 */
urg_gdtr:
    .word urg_gdtr - urg_gdt - 1
    .long URG_BASE + OFF(urg_gdt)
urg_end:
    .code64
