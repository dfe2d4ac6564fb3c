/* tests/guest/modes_16.S — the 16-bit code of tests/guest/modes.c, copied to LOW_BASE
 * (70000H) and run there: 16-bit protected mode (CS base LOW_BASE), real mode (CS = 7000H,
 * same offsets) and virtual-8086 mode. Offsets are from modes_low_begin; results go to
 * DS:RES16(i) with DS based at LOW_BASE in every mode. */
#include "modes.h"

#define OFF(l) ((l) - modes_low_begin)

    .section .rodata
    .globl modes_low_begin, modes_low_end, modes_rm_after_int, modes_v86_after_int, modes_v86_cli
    .globl modes_rm_gp_insn, modes_v86_task_after_int, modes_v86_int_insn, modes_v86_io_insn
    .globl modes_task16_iret, modes_rm_ss_pop, modes_rm_ss_iret, modes_g16_int, modes_g16_trap
    .globl modes_g16_after_int
    .code16
modes_low_begin:
    /* Jump table at fixed offsets (LOW_ENTRY_*), 4 bytes apart. */
    .org LOW_ENTRY_PM16
    jmp pm16_entry
    .org LOW_ENTRY_V86
    jmp v86_entry
    .org LOW_ENTRY_V86_CLI
    jmp modes_v86_cli
    .org LOW_ENTRY_V86_TASK
    jmp v86_task
    .org LOW_ENTRY_V86_INT
    jmp modes_v86_int_insn
    .org LOW_ENTRY_V86_IO
    jmp v86_io
    .org LOW_ENTRY_TASK16
    jmp task16
    .org LOW_ENTRY_G16
    jmp g16_r3

/* 16-bit protected mode: CS = SEL_CODE16 (D = 0), entered from 32-bit protected mode. */
pm16_entry:
    movw $SEL_DATA16, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl $0xfff0, %esp
    movw $SEL_DATA, %ax             /* FS: flat 4 GiB, kept into real mode ("unreal") */
    movw %ax, %fs
    movl $0xaaaaaaaa, %eax
    .byte 0xb8                      /* MOV AX, imm16: only AX changes */
    .word 0x1234
    movl %eax, RES16(R16_PM16_MOV)
    movw %sp, %bx
    pushw %ax                       /* 16-bit SS (B = 0): SP - 2 */
    movw %sp, %cx
    popw %ax
    subw %cx, %bx
    movzwl %bx, %ebx
    movl %ebx, RES16(R16_PM16_PUSH)
    movl %cr0, %eax
    movl %eax, RES16(R16_PM16_CR0)
    /* To real mode (SDM 3A §10.9.2): segment registers hold real-mode-like descriptors
     * (64 KiB, byte granular, writable); IVT at 0; clear PE; far jump. */
    lidtl OFF(rm_idtr)
    movl %cr0, %eax
    andl $~1, %eax
    movl %eax, %cr0
    ljmp $LOW_SEG, $OFF(rm_entry)

rm_entry:
    movw $LOW_SEG, %ax
    movw %ax, %ds
    movw %ax, %ss
    movw $0xfff0, %sp
    movl %cr0, %eax
    movl %eax, RES16(R16_RM_CR0)
    movl $0xaaaaaaaa, %eax
    .byte 0xb8
    .word 0x5678
    movl %eax, RES16(R16_RM_MOV)
    /* Segment arithmetic: ES:DI = 7800:0345 is linear 78345H = DS(7000H):8345H. */
    movw $LOW_SEGTEST_SEG, %ax
    movw %ax, %es
    movw $LOW_SEGTEST_OFF, %di
    movw $0xbeef, %es:(%di)
    movzwl LOW_SEGTEST_VIA_DS, %eax
    movl %eax, RES16(R16_RM_SEGREAD)
    /* INT n through the IVT (IDTR.base = 0): vector VEC_RM -> 7000:rm_int. */
    xorw %ax, %ax
    movw %ax, %es
    movw $OFF(rm_int), %es:(4 * VEC_RM)
    movw $LOW_SEG, %es:(4 * VEC_RM + 2)
    pushfl
    orl $(1 << 18), (%esp)          /* AC: cleared by a real-mode INT (SDM 2A "INT n") */
    popfl
    std
    stc
    int $VEC_RM
modes_rm_after_int:
    pushfl
    popl %eax
    cld
    movl %eax, RES16(R16_RM_AFTER_EFLAGS)
    movzwl %sp, %eax
    movl %eax, RES16(R16_RM_AFTER_SP)
    /* Stack operand sizes in real mode. */
    movw %sp, %bx
    pushw %ax
    movw %sp, %cx
    subw %cx, %bx
    movzwl %bx, %ebx
    movl %ebx, RES16(R16_RM_PUSHW)
    movw %sp, %bx
    popw %ax
    movw %sp, %cx
    subw %bx, %cx
    movzwl %cx, %ecx
    movl %ecx, RES16(R16_RM_POPW)
    movw %sp, %bx
    pushl %eax
    movw %sp, %cx
    subw %cx, %bx
    movzwl %bx, %ebx
    movl %ebx, RES16(R16_RM_PUSHL)
    popl %eax
    movw %sp, %bx
    pushw %ds
    movw %sp, %cx
    popw %ax
    subw %cx, %bx
    movzwl %bx, %ebx
    movl %ebx, RES16(R16_RM_PUSHSEG)
    /* A segment register not reloaded keeps its descriptor cache: FS reaches 4 GiB. */
    movl $modes_unreal_mark, %esi
    movl %fs:(%esi), %eax
    movl %eax, RES16(R16_RM_UNREAL)
    /* A word at DS:FFFFH crosses the 64 KiB limit: #GP, interrupt 13 through the IVT. */
    xorw %ax, %ax
    movw %ax, %es
    movw $OFF(rm_gp), %es:(4 * 13)
    movw $LOW_SEG, %es:(4 * 13 + 2)
modes_rm_gp_insn:
    movw 0xffff, %ax
rm_gp_fix:
    movl $0x5253, RES16(R16_RM_MARK)
    /* A word popped across the SS limit: #SS, interrupt 12 through the IVT, the frame naming
     * the POP / IRET (SDM 2A "POP", "IRET" real-address mode exceptions). */
    movl $modes_on_tcg, %esi        /* QEMU TCG checks no limits: the IRET would go astray */
    cmpl $0, %fs:(%esi)
    jne rm_ss_fix
    movw $OFF(rm_ss), %es:(4 * 12)
    movw $LOW_SEG, %es:(4 * 12 + 2)
    movw $0xffff, %sp
modes_rm_ss_pop:
    popw %ax
    movw $0xfffb, %sp               /* IP at FFFBH, CS at FFFDH, FLAGS across FFFFH */
modes_rm_ss_iret:
    iret
rm_ss_fix:
    movw $0xfff0, %sp
    /* SMSW r16 writes AX only; LMSW loads MP EM TS (and could set PE) (SDM 2A "LMSW"). */
    movl $0xdead0000, %eax
    smsw %ax
    movl %eax, RES16(R16_RM_SMSW)
    orw $8, %ax
    lmsw %ax
    movl $0xffffffff, RES16(R16_RM_LMSW_TS)
    smsw RES16(R16_RM_LMSW_TS)
    clts
    /* Back to protected mode: LMSW sets PE, then a far jump to the 32-bit code segment. */
    smsw %ax
    orw $1, %ax
    lmsw %ax
    ljmpl $SEL_CODE32, $modes_pm32_back

rm_int:
    movw %sp, %bp
    movzwl %sp, %eax
    movl %eax, RES16(R16_RM_INT_SP)
    movzwl 0(%bp), %eax
    movl %eax, RES16(R16_RM_INT_IP)
    movzwl 2(%bp), %eax
    movl %eax, RES16(R16_RM_INT_CS)
    movzwl 4(%bp), %eax
    movl %eax, RES16(R16_RM_INT_FLAGS)
    pushfl
    popl %eax
    movl %eax, RES16(R16_RM_INT_EFLAGS)
    iret

rm_gp:
    movw %sp, %bp
    movl $13, RES16(R16_RM_GP_VEC)
    movzwl 0(%bp), %eax
    movl %eax, RES16(R16_RM_GP_IP)
    movw $OFF(rm_gp_fix), 0(%bp)
    iret

rm_ss:                              /* #SS: the first one from the POP, the second from IRET */
    movw %sp, %bp
    movzwl 0(%bp), %eax
    movw $OFF(rm_ss_fix), %bx
    cmpw $OFF(modes_rm_ss_pop), %ax
    jne 1f
    movl $12, RES16(R16_RM_SS_POP)
    movl %eax, RES16(R16_RM_SS_POP + 1)
    movw $OFF(modes_rm_ss_pop) + 1, %bx
    jmp 2f
1:  movl $12, RES16(R16_RM_SS_IRET)
    movl %eax, RES16(R16_RM_SS_IRET + 1)
2:  movw %bx, 0(%bp)
    iret

/* CPL 3 16-bit code (CS = SEL_CODE16_R3, SS = SEL_DATA16_R3, SP = LOW_G16_SP), entered by
 * IRET from CPL 0 with IF = 1: INT n through a 16-bit interrupt gate and a 16-bit trap gate
 * to CPL 0 (SEL_CODE16), the stack switched to TSS A's SS0:ESP0 (SDM 3A §6.12.1). */
g16_r3:
    movw $(SEL_DATA16_R3 | 3), %ax
    movw %ax, %ds
    movzwl %sp, %eax
    movl %eax, RES16(R16_G16_R3_SP)
    int $VEC_G16_INT
modes_g16_after_int:
    movzwl %sp, %eax
    movl %eax, RES16(R16_G16_AFTER_SP)
    pushfw
    popw %ax
    movzwl %ax, %eax
    movl %eax, RES16(R16_G16_AFTER_FLAGS)
    STORE_SEG %cs, RES16(R16_G16_AFTER_CS)
    int $VEC_G16_TRAP
1:  jmp 1b
modes_g16_int:                      /* CPL 0, 16-bit code, 32-bit SS (ESP) */
    movl %esp, RES16(R16_G16_ESP)
    xorl %ecx, %ecx
1:  movzwl (%esp, %ecx, 2), %eax
    movl %eax, RES16(R16_G16_FRAME)(, %ecx, 4)
    incl %ecx
    cmpl $5, %ecx
    jb 1b
    pushfw
    popw %ax
    movzwl %ax, %eax
    movl %eax, RES16(R16_G16_HFLAGS)
    STORE_SEG %cs, RES16(R16_G16_HCS)
    iret                            /* 16-bit operand size: IP CS FLAGS SP SS */
modes_g16_trap:
    pushfw
    popw %ax
    cli
    movzwl %ax, %eax
    movl %eax, RES16(R16_G16_TFLAGS)
    movl %esp, RES16(R16_G16_TESP)
    ljmpl $SEL_CODE32, $modes_g16_back

/* Virtual-8086 mode, entered by IRET from ring 0 with CS = DS = SS = LOW_SEG. */
v86_entry:
    movl $0x5a5a, RES16(R16_V86_MARK)
    int $VEC_V86_INT                /* IOPL 3: through the IDT to a ring-0 handler */
modes_v86_after_int:
    movl $0x6b6b, RES16(R16_V86_AFTER)
    int $VEC_V86_EXIT               /* leaves virtual-8086 mode */
1:  jmp 1b
v86_task:                           /* task V: DS = 7000H from its TSS */
    movl $0x7a5c, RES16(R16_V86T_MARK)
    int $VEC_V86_TASK_EXIT
modes_v86_task_after_int:
1:  jmp 1b
/* A task with a 16-bit TSS, entered by CALL: CS = SEL_CODE16, DS = SS = SEL_DATA16 (base
 * LOW_BASE), ES = SEL_DATA (flat, for the TSS and GDT). IRET with NT returns to task A. */
task16:
    STORE_GPRS RES16(R16_T16_REGS)
    pushfl
    popl %eax
    movl %eax, RES16(R16_T16_FLAGS)
    str %ax
    movzwl %ax, %eax
    movl %eax, RES16(R16_T16_STR)
    movl $modes_tss16, %esi
    movzwl %es:(%esi), %eax
    movl %eax, RES16(R16_T16_LINK)
    movl $(modes_gdt + SEL_TSS16 + 5), %esi
    movzbl %es:(%esi), %eax
    movl %eax, RES16(R16_T16_BUSY)
    STORE_SEG %cs, RES16(R16_T16_SEGS + 0)
    STORE_SEG %ss, RES16(R16_T16_SEGS + 1)
    STORE_SEG %ds, RES16(R16_T16_SEGS + 2)
    STORE_SEG %es, RES16(R16_T16_SEGS + 3)
modes_task16_iret:
    iret
1:  jmp 1b
modes_v86_cli:
    cli                             /* IOPL 0: #GP(0) */
1:  jmp 1b
modes_v86_int_insn:
    int $VEC_V86_INT                /* IOPL 0: #GP(0) */
1:  jmp 1b
v86_io:
    inb $0x80, %al                  /* allowed by the TSS I/O bitmap */
    movl $0x10c, RES16(R16_V86_IO_OK)
modes_v86_io_insn:
    inb $0x81, %al                  /* denied: #GP(0) even with IOPL 3 */
1:  jmp 1b

    .p2align 2
rm_idtr:
    .word 0x3ff
    .long 0
modes_low_end:

    .section .note.GNU-stack, "", @progbits
