/* guest/runtime/boot.S — Multiboot-1 entry: 32-bit protected mode -> own GDT, identity
 * paging of the first 4 GiB with 2 MiB pages -> long mode -> runtime_start() -> main().
 * Nothing here zeroes memory: the page tables and stack live in .bss, which the Multiboot
 * loader zeroes (ELF p_memsz > p_filesz). */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

    .section .text.boot, "ax"
    .code32
    .global _start
_start:
    cli                        /* Multiboot promises IF=0; DF is unspecified, the C ABI needs 0 */
    cld
    mov %eax, mb_magic
    mov %ebx, mb_info
    lgdt gdt_desc
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    /* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; PDn: 512 x 2 MiB pages each. */
    movl $pdpt + 3, pml4
    movl $pd + 0x0003, pdpt
    movl $pd + 0x1003, pdpt + 8
    movl $pd + 0x2003, pdpt + 16
    movl $pd + 0x3003, pdpt + 24
    mov $pd, %edi
    mov $0x83, %eax            /* P | RW | PS */
    xor %edx, %edx
    mov $2048, %ecx
1:  mov %eax, (%edi)
    mov %edx, 4(%edi)
    add $0x200000, %eax
    adc $0, %edx
    add $8, %edi
    loop 1b
    mov $pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $0x20, %eax             /* PAE */
    mov %eax, %cr4
    mov $0xc0000080, %ecx      /* EFER.LME */
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax       /* PG | PE */
    mov %eax, %cr0
    ljmp $0x08, $start64

    .code64
start64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    lea stack_top(%rip), %rsp
    call runtime_start         /* never returns */
1:  hlt
    jmp 1b

/* Interrupt stubs for all 256 vectors, 16 bytes apart (runtime.c computes gate addresses
 * from that), so an unexpected exception or a stray interrupt is reported, not a triple fault.
 * Vectors whose exceptions push an error code (#DF #TS #NP #SS #GP #PF #AC #CP, AMD #VC #SX)
 * don't push one of their own; the rest push 0 so the frame layout is uniform. */
    .align 16
    .global isr_stubs
isr_stubs:
    .set vec, 0
    .rept 256
    .align 16
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp isr_common
    .set vec, vec + 1
    .endr

isr_common:
    /* Save the interrupted context, let C handle it, and return with IRETQ if it returns. */
    push %rax
    push %rcx
    push %rdx
    push %rbx
    push %rbp
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi             /* -> struct exc_frame */
    mov %rsp, %rbx
    and $~0xf, %rsp
    call runtime_exception
    mov %rbx, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rbp
    pop %rbx
    pop %rdx
    pop %rcx
    pop %rax
    add $16, %rsp              /* vector and error code */
    iretq

    .section .rodata
    .align 8
gdt:
    .quad 0
    .quad 0x00af9b000000ffff   /* 0x08: 64-bit code */
    .quad 0x00cf93000000ffff   /* 0x10: data */
gdt_end:
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt

    .section .bss
    .align 4096
pml4: .skip 4096
pdpt: .skip 4096
pd:   .skip 4 * 4096
    .align 16
stack: .skip 65536
stack_top:
    .global mb_magic, mb_info
mb_magic: .long 0
mb_info: .long 0

    .section .note.GNU-stack, "", @progbits
