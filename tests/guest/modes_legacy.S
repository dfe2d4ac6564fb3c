/* tests/guest/modes_legacy.S — legacy-mode details of tests/guest/modes.c, run by
 * modes_32.S in 32-bit protected mode with 32-bit paging, CPL 0, TR = task A:
 * a task whose TSS has the debug trap bit, 16-bit interrupt and trap gates from CPL 3,
 * SYSENTER/SYSEXIT (and SYSCALL/SYSRET, #UD on Intel outside 64-bit mode), LMSW/SMSW,
 * CR4.PSE = 0 with a PDE whose PS bit is set. Results in modes_res[] (slots in modes.h). */
#include "modes.h"

#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define EFER 0xc0000080

/* WRMSR_IMM msr, value: the MSR := value (clobbers EAX ECX EDX). */
.macro WRMSR_IMM msr, value
    movl $\msr, %ecx
    movl $\value, %eax
    xorl %edx, %edx
    wrmsr
.endm

    .text
    .code32
    .globl modes_legacy
modes_legacy:
    call tss_trap
    call gates16
    call sys_enter_exit
    call msw
    call pse_off
    ret

/* ---- a task switch into a TSS with T = 1: #DB with DR6.BT in the new task, before its
 * first instruction (SDM 3A §8.2.1, SDM 3B §18.2.3) ---- */
tss_trap:
    IDT_INTGATE 1, tt_db
    xorl %eax, %eax
    movl %eax, %dr6
    movl $0, RES(R_TT_RAN)
    ljmp $SEL_TSS(T_T), $0
    IDT_RESTORE 1                   /* task T jumps back to here */
    ret
tt_db:
    movl %dr6, %eax
    movl %eax, RES(R_TT_DR6)
    movl (%esp), %eax
    movl %eax, RES(R_TT_EIP)
    str %eax
    movl %eax, RES(R_TT_STR)
    movl RES(R_TT_RAN), %eax
    movl %eax, RES(R_TT_RAN_AT_DB)
    xorl %eax, %eax
    movl %eax, %dr6
    iret
    .globl modes_task_t
modes_task_t:
    movl $1, RES(R_TT_RAN)
    ljmp $SEL_TSS(T_A), $0

/* ---- 16-bit interrupt and trap gates (SDM 3A §6.12.1, Figure 6-4): IRET to CPL 3 16-bit
 * code (modes_16.S, LOW_ENTRY_G16), which raises INT VEC_G16_INT and INT VEC_G16_TRAP; the
 * trap-gate handler comes back to modes_g16_back. The PICs are masked while IF = 1. ---- */
gates16:
    movl %esp, saved_esp_g16
    inb $0x21, %al
    movb %al, pic_masks
    inb $0xa1, %al
    movb %al, pic_masks + 1
    movb $0xff, %al
    outb %al, $0x21
    outb %al, $0xa1
    pushl $(SEL_DATA16_R3 | 3)
    pushl $LOW_G16_SP
    pushl $0x202                    /* IF */
    pushl $(SEL_CODE16_R3 | 3)
    pushl $LOW_ENTRY_G16
    iret
    .globl modes_g16_back
modes_g16_back:
    FLAT_DATA_SEGS
    movw %ax, %ss
    movl saved_esp_g16, %esp
    movb pic_masks, %al
    outb %al, $0x21
    movb pic_masks + 1, %al
    outb %al, $0xa1
    ret

/* ---- SYSENTER/SYSEXIT in legacy protected mode (SDM 2B "SYSENTER", "SYSEXIT"), SYSCALL and
 * SYSRET outside 64-bit mode (SDM 2B "SYSCALL", "SYSRET": #UD on Intel) ---- */
sys_enter_exit:
    WRMSR_IMM MSR_SYSENTER_CS, 0
    TRY 1f
    sysenter                        /* IA32_SYSENTER_CS = 0: #GP(0) */
1:  SAVE_EXC R_SE_CS0
    WRMSR_IMM MSR_SYSENTER_CS, SEL_SYS_CODE0
    WRMSR_IMM MSR_SYSENTER_ESP, modes_sysenter_esp
    WRMSR_IMM MSR_SYSENTER_EIP, sysenter_target
    movl %esp, saved_esp_se
    movl $sysexit_r3, %edx
    movl $modes_sysexit_esp, %ecx
    movl $5, %eax
    .byte 0x48                      /* DEC EAX outside 64-bit mode, not REX.W */
    sysexit
sysexit_r3:                         /* CPL 3: CS SS from IA32_SYSENTER_CS + 16 / + 24 */
    movl %eax, %ebx
    movl %cs, %eax
    movl %eax, RES(R_SE_R3)         /* DS (DPL 0) still loaded: usable until reloaded */
    movl %ss, %eax
    movl %eax, RES(R_SE_R3 + 1)
    movl %esp, RES(R_SE_R3 + 2)
    movl %ebx, RES(R_SE_R3 + 3)
    movw $(SEL_DATA_R3 | 3), %ax
    movw %ax, %ds
    movw %ax, %es
    TRY 1f
    sysexit                         /* CPL 3: #GP(0) */
1:  SAVE_EXC R_SE_SYSEXIT_R3
    sysenter
sysenter_target:                    /* CPL 0: CS SS from IA32_SYSENTER_CS and + 8 */
    pushfl
    popl RES(R_SE_CS + 3)
    movl %cs, %eax
    movl %eax, RES(R_SE_CS)
    movl %ss, %eax
    movl %eax, RES(R_SE_CS + 1)
    movl %esp, RES(R_SE_CS + 2)
    FLAT_DATA_SEGS
    movw %ax, %ss
    movl saved_esp_se, %esp
    cmpl $0, modes_try_syscall      /* AMD (and QEMU TCG) run them in legacy mode */
    je 2f
    movl $EFER, %ecx
    rdmsr
    pushl %eax
    orl $1, %eax                    /* SCE */
    wrmsr
    TRY 1f
    syscall
1:  SAVE_EXC R_SYSCALL_PM
    TRY 1f
    sysret
1:  SAVE_EXC R_SYSRET_PM
    popl %eax
    movl $EFER, %ecx
    wrmsr
2:  ret

/* ---- LMSW/SMSW in protected mode (SDM 2A "LMSW", 2B "SMSW") ---- */
msw:
    movl %cr0, %esi
    movl %esi, RES(R_MSW_CR0)
    movl $0xdead0000, %eax
    smsw %ax                        /* r16: only AX written */
    movl %eax, RES(R_SMSW_R16)
    smsw %eax
    movl %eax, RES(R_SMSW_R32)
    smsw RES(R_SMSW_M16)            /* m16: two bytes */
    movl %esi, %eax
    andl $0xfff0, %eax
    orl $0xe, %eax                  /* MP EM TS, PE clear: PE stays */
    lmsw %ax
    movl %cr0, %eax
    movl %eax, RES(R_LMSW_SET)
    movl $0xfff0, %eax              /* bits 15:4 ignored, MP EM TS cleared */
    lmsw %ax
    movl %cr0, %eax
    movl %eax, RES(R_LMSW_CLR)
    movl %esi, %cr0
    ret

/* ---- CR4.PSE = 0 under 32-bit paging: PS in a PDE is ignored and the PDE names a page
 * table (SDM 3A §4.3, Table 4-4 note). modes_pd_nopse maps 0-4 MiB with 4 KiB pages and
 * VA_4M with PDE PA_4M | PS: a 4 MiB page with PSE, a page table at PA_4M without. ---- */
pse_off:
    movl %cr3, %esi
    movl $modes_pd_nopse, %eax
    movl %eax, %cr3
    movl VA_4M + 0x1010, %eax
    movl %eax, RES(R_PSE1_READ)
    movl %cr4, %edi
    movl %edi, %eax
    andl $~0x10, %eax
    movl %eax, %cr4
    movl %eax, RES(R_PSE0_CR4)
    movl VA_4M + 0x1010, %eax
    movl %eax, RES(R_PSE0_READ)
    TRY 1f
    movl VA_4M + 0x10, %eax
1:  SAVE_EXC R_PSE0_NP
    movl exc_cr2, %eax
    movl %eax, RES(R_PSE0_NP_CR2)
    movl %edi, %cr4
    movl %esi, %cr3
    ret

    .section .bss
    .p2align 4
saved_esp_g16: .long 0
saved_esp_se: .long 0
pic_masks: .long 0
    .p2align 4
sysenter_stack: .skip 1024
    .globl modes_sysenter_esp
modes_sysenter_esp:
    .globl modes_sysexit_esp
ring3_stack2: .skip 1024
modes_sysexit_esp:

    .section .note.GNU-stack, "", @progbits
