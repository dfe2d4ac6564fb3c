/* tests/guest/modes_32.S — the mode-switch walk of tests/guest/modes.c:
 * long mode -> compatibility mode -> 32-bit protected mode without paging -> 16-bit protected
 * mode -> real mode (modes_16.S) -> 32-bit protected mode (segmentation checks) -> 32-bit
 * paging (4 MiB and 4 KiB pages, #PF; hardware task switches; virtual-8086 mode) -> PAE
 * paging -> long mode, back to C. Every result goes to modes_res[] (slots in modes.h); the
 * tables (GDT, IDT, TSSs, page tables) are built by modes.c. SDM 3A §10.8.5 and §10.9
 * (entering and leaving IA-32e mode, real mode), chapter 8 (tasks), chapter 20 (v86). */
#include "modes.h"

#define EFER 0xc0000080
#define TSS(i) (modes_tss + TSS_SIZE * (i))
#define GDT_AR(sel) (modes_gdt + (sel) + 5)    /* access byte of a descriptor */

.macro BUSY slot, sel               /* the descriptor's busy bit (type bit 1) */
    movzbl GDT_AR(\sel), %eax
    shrl $1, %eax
    andl $1, %eax
    movl %eax, RES(\slot)
.endm
.macro IDT_TASKGATE vec, sel          /* IDT[vec] := task gate to sel; old entry pushed */
    pushl modes_idt32 + 8 * \vec
    pushl modes_idt32 + 8 * \vec + 4
    movl $((\sel) << 16), modes_idt32 + 8 * \vec
    movl $0x8500, modes_idt32 + 8 * \vec + 4
.endm
.macro PM32_ENTER                     /* flat segments, our 32-bit stack and IDT */
    FLAT_DATA_SEGS
    movw %ax, %ss
    movl $stack32_top, %esp
    lidt idtr32
.endm
/* COPY_FRAME disp, slot, n: n dwords at disp(%esp) to modes_res[slot..] (clobbers EAX, ECX). */
.macro COPY_FRAME disp, slot, n
    xorl %ecx, %ecx
1:  movl \disp(%esp, %ecx, 4), %eax
    movl %eax, modes_res + 4 * (\slot)(, %ecx, 4)
    incl %ecx
    cmpl $\n, %ecx
    jb 1b
.endm
/* V86_IRET eflags, eip: IRET (from CPL 0) to LOW_SEG:eip in virtual-8086 mode, the frame
 * GS FS DS ES SS ESP EFLAGS CS EIP with every segment LOW_SEG and SP = LOW_V86_SP. */
.macro V86_IRET eflags, eip
    .rept 5
    pushl $LOW_SEG
    .endr
    pushl $LOW_V86_SP
    pushl \eflags
    pushl $LOW_SEG
    pushl \eip
    iret
.endm
.macro SAVE_CRS slot                 /* CR0 CR4 CR3 to modes_res[slot..slot+2] */
    movl %cr0, %eax
    movl %eax, RES(\slot)
    movl %cr4, %eax
    movl %eax, RES(\slot + 1)
    movl %cr3, %eax
    movl %eax, RES(\slot + 2)
.endm
.macro SAVE_TR_LINK t, str_slot, link_slot   /* TR, and the previous-task link of TSS t */
    str %eax
    movl %eax, RES(\str_slot)
    movzwl TSS(\t), %eax
    movl %eax, RES(\link_slot)
.endm
/* DESC_QUERY insn, sel, slot: LAR or LSL of sel into modes_res[slot], ZF into [slot + 1]
 * (the destination starts at 0, so a failed query leaves 0). */
.macro DESC_QUERY insn, sel, slot
    movl $\sel, %ecx
    xorl %eax, %eax
    \insn %ecx, %eax
    setz %dl
    movl %eax, RES(\slot)
    movzbl %dl, %edx
    movl %edx, RES(\slot + 1)
.endm

    .text
    .code64
    .globl modes_run
/* void modes_run(void): the whole walk; returns in long mode with the runtime's GDT/IDT. */
modes_run:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, saved_rsp
    sgdt saved_gdtr
    sidt saved_idtr
    movq %cr3, %rax
    movq %rax, saved_cr3
    movq %cr0, %rax
    movq %rax, saved_cr0
    movq %cr4, %rax
    movq %rax, saved_cr4
    lgdt gdtr64
    pushq $SEL_CODE32
    pushq $compat
    lretq

    .code32
compat:
    /* Compatibility mode: LMA = 1, 32-bit operand size, 48H is DEC EAX (not REX.W). */
    movl $EFER, %ecx
    rdmsr
    movl %eax, RES(R_COMPAT_EFER)
    movl $5, %eax
    .byte 0x48
    movl %eax, RES(R_COMPAT_DEC)
    movl %esp, %ebx
    pushl %eax
    movl %esp, %ecx
    popl %eax
    subl %ecx, %ebx
    movl %ebx, RES(R_COMPAT_PUSH)
    movl %cr0, %eax
    movl %eax, RES(R_COMPAT_CR0)
    /* INT n in compatibility mode goes through the runtime's 64-bit IDT: a 64-bit frame with
     * SS:RSP, RSP aligned to 16 first (SDM 3A §6.14.2); IRETQ comes back here. */
    movl %esp, %ebx
    andl $~15, %esp
    subl $4, %esp
    movl %esp, RES(R_COMPAT_INT_ESP)
    int $VEC_COMPAT
    .globl modes_compat_after_int
modes_compat_after_int:
    movl %ebx, %esp
    /* Leave IA-32e mode (SDM 3A §10.8.5.4): paging off (LMA -> 0), then LME off. */
    SET_CR0 0x7fffffff, 0
    movl $EFER, %ecx
    rdmsr
    andl $~0x100, %eax
    wrmsr
    PM32_ENTER
    movl $EFER, %ecx
    rdmsr
    movl %eax, RES(R_PM_EFER)
    movl %cr0, %eax
    movl %eax, RES(R_PM_CR0)
    movl %cr4, %eax
    movl %eax, RES(R_PM_CR4)
    movl $0x55555555, %eax
    .byte 0xb8                      /* MOV EAX, imm32 */
    .long 0x12345678
    movl %eax, RES(R_PM_MOV)
    /* To 16-bit protected mode and on to real mode (modes_16.S), which returns below. */
    ljmp $SEL_CODE16, $LOW_ENTRY_PM16

    .globl modes_pm32_back
modes_pm32_back:
    PM32_ENTER
    movl %cr0, %eax
    movl %eax, RES(R_PMB_CR0)
    movl $EFER, %ecx
    rdmsr
    movl %eax, RES(R_PMB_EFER)

    /* ---- segmentation (SDM 3A §5.3, §5.4; MOV to Sreg in SDM 2B) ---- */
    movw $SEL_SMALL, %ax
    movw %ax, %es
    movl %es:0xffc, %eax
    movl %eax, RES(R_SEG_INLIMIT)
    TRY 1f
    movl %es:0xffe, %eax            /* last byte at 1001H > limit FFFH: #GP(0) */
1:  SAVE_EXC R_SEG_LIMIT
    movl %esp, %ebp
    movw $SEL_SMALL, %ax
    movw %ax, %ss
    movl $0xff0, %esp
    TRY 1f
    movl 0x10(%esp), %eax           /* offset 1000H > SS limit: #SS(0) */
1:  movw $SEL_DATA, %ax
    movw %ax, %ss
    movl %ebp, %esp
    SAVE_EXC R_SEG_SS
    movw $SEL_EXPDOWN, %ax
    movw %ax, %es
    TRY 1f
    movl %es:0x800, %eax            /* expand-down, limit FFFH: offsets <= FFFH fault */
1:  SAVE_EXC R_SEG_EXPDOWN_LO
    TRY 1f
    movl %es:0x1000, %eax
    movl %eax, RES(R_SEG_EXPDOWN_VAL)
1:  SAVE_EXC R_SEG_EXPDOWN_OK
    TRY 1f
    movw $SEL_NOTPRESENT, %ax
    movw %ax, %es                   /* #NP(selector) */
1:  SAVE_EXC R_SEG_NP
    TRY 1f
    xorl %eax, %eax
    movw %ax, %ss                   /* null SS at CPL 0 outside 64-bit mode: #GP(0) */
1:  SAVE_EXC R_SEG_NULLSS
    TRY 1f
    movw $SEL_BEYOND, %ax
    movw %ax, %ds                   /* past the GDT limit: #GP(selector) */
1:  SAVE_EXC R_SEG_BEYOND
    TRY 1f
    int $VEC_NOTPRESENT             /* interrupt gate with P = 0: #NP(vector * 8 + 2) */
1:  SAVE_EXC R_INT_NP
    TRY 1f
    int $VEC_EMPTY                  /* not a gate: #GP(vector * 8 + 2) */
1:  SAVE_EXC R_INT_NOTGATE
    movw $SEL_DATA, %ax
    movw %ax, %ds
    movw %ax, %es

    /* ---- 32-bit paging (SDM 3A §4.3): PSE for the 4 MiB page, WP for the read-only one ---- */
    movl $modes_pd32, %eax
    movl %eax, %cr3
    movl %cr4, %eax
    andl $~0x20, %eax               /* PAE off */
    orl $0x10, %eax                 /* PSE */
    movl %eax, %cr4
    /* Paging with EFER.LME = 1 but CR4.PAE = 0: #GP(0) (SDM 3A §10.8.5). */
    movl $EFER, %ecx
    rdmsr
    orl $0x100, %eax
    wrmsr
    TRY 1f
    SET_CR0 0xffffffff, 0x80000000
1:  SAVE_EXC R_PM_LME_NOPAE
    movl $EFER, %ecx
    rdmsr
    andl $~0x100, %eax
    wrmsr
    SET_CR0 0xffffffff, 0x80010000  /* PG | WP */
    SAVE_CRS R_PG_CR0
    movl $0x4d4d4d4d, VA_4M + 0x1234
    movl PA_4M + 0x1234, %eax       /* the identity map of the same frame */
    movl %eax, RES(R_PG_READ4M)
    movl $0x4b4b4b4b, VA_PT + 0x10  /* 4 KiB page (PTE 0) -> modes_page4k */
    TRY 1f
    movl $1, VA_PT + 0x1020         /* PTE 1 read-only, CR0.WP: #PF, P|W */
1:  SAVE_EXC R_PG_RO
    movl exc_cr2, %eax
    movl %eax, RES(R_PG_RO_CR2)
    SET_CR0 0xfffeffff, 0           /* WP = 0: supervisor writes ignore R/W */
    TRY 1f
    movl $0x77777777, VA_PT + 0x1024
1:  SAVE_EXC R_PG_WP0
    SET_CR0 0xffffffff, 0x10000
    TRY 1f
    movl VA_PT + 0x2030, %eax       /* PTE 2 not present: #PF, read */
1:  SAVE_EXC R_PG_NP
    movl exc_cr2, %eax
    movl %eax, RES(R_PG_NP_CR2)

    call tasks
    call v86
    call ring3
    call lar_lsl
    call modes_legacy             /* modes_legacy.S */

    /* ---- PAE paging (SDM 3A §4.4): paging off, PAE on, CR3 -> PDPT, paging on ---- */
    SET_CR0 0x7fffffff, 0
    movl $modes_pdpt, %eax
    movl %eax, %cr3
    movl %cr4, %eax
    orl $0x20, %eax
    movl %eax, %cr4
    SET_CR0 0xffffffff, 0x80000000
    SAVE_CRS R_PAE_CR0
    movl $0x2d2d2d2d, VA_PAE_2M + 0x5678
    /* A present PDPTE with a reserved bit (bit 1): MOV to CR3 faults (SDM 3A §4.4.1). */
    movl modes_pdpt, %eax
    orl $2, %eax
    movl %eax, modes_pdpt + 8
    TRY 1f
    movl %cr3, %eax
    movl %eax, %cr3
1:  SAVE_EXC R_PAE_RSVD
    movl $0, modes_pdpt + 8
    /* Translation uses the PDPTE registers loaded by MOV CR3, not the PDPT in memory: point
     * PDPTE 0 at a second directory (VA_PAE_2M -> PA_4M_B) behind the processor's back; only
     * after MOV CR3 does that take effect (SDM 3A §4.4.1). INVLPG drops the TLB entry only. */
    movl modes_pdpt, %esi
    movl $modes_pd_pae_b + 1, modes_pdpt
    invlpg VA_PAE_2M
    movl VA_PAE_2M + 0x1234, %eax
    movl %eax, RES(R_PAE_PDPTE_OLD)
    movl %cr3, %eax
    movl %eax, %cr3
    movl VA_PAE_2M + 0x1234, %eax
    movl %eax, RES(R_PAE_PDPTE_NEW)
    movl %esi, modes_pdpt
    movl %cr3, %eax
    movl %eax, %cr3
    /* Bit 63 (XD) of a PDE is reserved while EFER.NXE = 0: #PF with RSVD. */
    TRY 1f
    movl VA_PAE_XD + 4, %eax
1:  SAVE_EXC R_PAE_XD
    movl exc_cr2, %eax
    movl %eax, RES(R_PAE_XD_CR2)
    movl $EFER, %ecx
    rdmsr
    movl %eax, RES(R_PAE_EFER)
    TRY 1f
    movl VA_PAE_NP + 8, %eax
1:  SAVE_EXC R_PAE_NP
    movl exc_cr2, %eax
    movl %eax, RES(R_PAE_NP_CR2)

    /* ---- back to IA-32e mode (SDM 3A §10.8.5): paging off, CR3 = the runtime's PML4, PAE,
     * LME, paging on (LMA = 1, compatibility mode), far jump to the 64-bit CS ---- */
    SET_CR0 0x7fffffff, 0
    movl saved_cr3, %eax
    movl %eax, %cr3
    movl $EFER, %ecx
    rdmsr
    orl $0x100, %eax
    wrmsr
    SET_CR0 0xffffffff, 0x80000000
    movl $EFER, %ecx
    rdmsr
    movl %eax, RES(R_LM_EFER)
    movl %cr0, %eax
    movl %eax, RES(R_LM_CR0)
    movl $1, RES(R_DONE)
    ljmp $SEL_CODE64, $back64

    .code64
back64:
    movq saved_cr0, %rax            /* clears CR0.TS (set by the task switches) and WP */
    movq %rax, %cr0
    movq saved_cr4, %rax
    movq %rax, %cr4
    lgdt saved_gdtr
    lidt saved_idtr
    movw $0x10, %ax                 /* the runtime's data selector (boot.S) */
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    movq saved_rsp, %rsp
    pushq $0x08                     /* the runtime's CS, from its GDT */
    pushq $1f
    lretq
1:  popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret

    .code32
/* ---- hardware task switches (SDM 3A §8.3, Table 8-2), with 32-bit paging on ---- */
tasks:
    movw $SEL_TSS(T_A), %ax
    ltr %ax
    xorl %eax, %eax
    str %eax
    movl %eax, RES(R_TS_STR_A)
    movzbl GDT_AR(SEL_TSS(T_A)), %eax
    movl %eax, RES(R_TS_BUSY_A0)
    clts
    /* JMP to TSS B: A's state goes to TSS A, B's comes from TSS B. */
    pushl %ebp
    movl %esp, RES(R_TS_A_ESP0)
    movl $0xa0a0a001, %eax
    movl $0xa0a0a002, %ecx
    movl $0xa0a0a003, %edx
    movl $0xa0a0a004, %ebx
    movl $0xa0a0a006, %ebp
    movl $0xa0a0a007, %esi
    movl $0xa0a0a008, %edi
    pushl $0xc93                    /* OF DF SF AF CF */
    popfl
    ljmp $SEL_TSS(T_B), $0
    .globl modes_a_after_jmp
modes_a_after_jmp:
    pushfl
    cld
    popl RES(R_TS_A_EFLAGS)
    STORE_GPRS RES(R_TS_A_RET)
    popl %ebp
    sldt %eax
    movl %eax, RES(R_TS_A_LDTR)
    BUSY R_TS_A_BUSY_B, SEL_TSS(T_B)
    /* CALL to TSS C (nesting), IRET back. */
    lcall $SEL_TSS(T_C), $0
    pushfl
    popl RES(R_TS_AC_EFLAGS)
    BUSY R_TS_AC_BUSY_A, SEL_TSS(T_A)
    BUSY R_TS_AC_BUSY_C, SEL_TSS(T_C)
    /* CALL through the task gate in the GDT (to TSS D). */
    lcall $SEL_TASKGATE, $0
    /* INT n through a task gate in the IDT (to TSS E). */
    int $VEC_TASK_INT
    /* An exception through a task gate: IDT[13] -> TSS F, which finds the error code on its
     * stack and makes task A resume at 1f. */
    IDT_TASKGATE 13, SEL_TSS(T_F)
    movl $-1, RES(R_TS_AFTER_F)
    movw $SEL_BEYOND, %ax
    .globl modes_a_gp_insn
modes_a_gp_insn:
    movw %ax, %fs                   /* #GP(SEL_BEYOND) -> task F */
    movl $0xdead, RES(R_TS_AFTER_F) /* skipped: task F moves the return point */
    .globl modes_a_after_f
modes_a_after_f:
    addl $1, RES(R_TS_AFTER_F)      /* -1 -> 0 */
    IDT_RESTORE 13
    /* A fault while the new task's segments are loaded (TSS G: DS past the GDT limit) is
     * taken in the new task: #TS(DS) through a task gate to H, which sees G as the previous
     * task with G's first instruction as the saved EIP, repairs TSS G and returns to it. */
    cmpl $0, modes_on_tcg           /* QEMU TCG resumes G at A's JMP (modes.c) */
    jne 1f
    IDT_TASKGATE 10, SEL_TSS(T_H)
    movl $0, RES(R_G_RAN)
    ljmp $SEL_TSS(T_G), $0
    IDT_RESTORE 10
1:
    /* #GP while IDT[13] is not present: #NP during delivery, a double fault, delivered
     * through a task gate (SDM 3A §6.15 "Interrupt 8", Table 6-5). */
    IDT_TASKGATE 8, SEL_TSS(T_DF)
    andl $~0x8000, modes_idt32 + 8 * 13 + 4
    movl $-1, RES(R_AFTER_DF)
    movw $SEL_BEYOND, %ax
    movw %ax, %fs
    movl $0xdead, RES(R_AFTER_DF)
    .globl modes_a_after_df
modes_a_after_df:
    addl $1, RES(R_AFTER_DF)
    orl $0x8000, modes_idt32 + 8 * 13 + 4
    IDT_RESTORE 8
    /* JMP to a busy TSS: #GP(selector). A TSS limit below 67H: #TS(selector). */
    TRY 1f
    ljmp $SEL_TSS(T_A), $0
1:  SAVE_EXC R_TS_BUSYJMP
    TRY 1f
    ljmp $SEL_TSS(T_SMALL), $0
1:  SAVE_EXC R_TS_SMALL
    TRY 1f
    ljmp $SEL_TSS_NP, $0            /* #NP(selector) */
1:  SAVE_EXC R_TS_NP
    /* IRET with NT = 1 whose back link names a TSS that is not busy: #TS(link). */
    movw $SEL_TSS(T_B), TSS(T_A)
    TRY 1f
    pushfl
    orl $0x4000, (%esp)
    popfl
    iret
1:  pushfl
    andl $~0x4000, (%esp)
    popfl
    SAVE_EXC R_TS_IRET_NB
    /* CALL to a 16-bit TSS (SDM 3A §8.7, Figure 8-11) and IRET back. */
    lcall $SEL_TSS16, $0
    pushfl
    popl RES(R_T16_EFLAGS)
    BUSY R_T16_BUSY_A, SEL_TSS(T_A)
    BUSY R_T16_BUSY_16, SEL_TSS16
    /* JMP to a TSS whose EFLAGS has VM = 1: the new task runs in virtual-8086 mode, its
     * segment registers loaded as real-mode-style selectors (SDM 3A §20.2.5). */
    ljmp $SEL_TSS(T_V), $0
    BUSY R_V86T_BUSY_V, SEL_TSS(T_V)
    ret

    .globl modes_v86_task_exit
modes_v86_task_exit:                /* VEC_V86_TASK_EXIT, in task V at CPL 0 */
    movw $SEL_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    COPY_FRAME 0, R_V86T_FRAME, 9
    str %eax
    movl %eax, RES(R_V86T_STR)
    BUSY R_V86T_BUSY_A, SEL_TSS(T_A)
    ljmp $SEL_TSS(T_A), $0

    .globl modes_task_b
modes_task_b:
    STORE_GPRS RES(R_TS_B_EAX)
    pushfl
    popl RES(R_TS_B_EFLAGS)
    str %eax
    movl %eax, RES(R_TS_B_STR)
    sldt %eax
    movl %eax, RES(R_TS_B_LDTR)
    movl %cr3, %eax
    movl %eax, RES(R_TS_B_CR3)
    movl %cr0, %eax
    movl %eax, RES(R_TS_B_CR0)
    movl VA_4M + 0x1234, %eax       /* task B's page directory maps VA_4M to PA_4M_B */
    movl %eax, RES(R_TS_B_PAGE)
    BUSY R_TS_B_BUSY_A, SEL_TSS(T_A)
    BUSY R_TS_B_BUSY_B, SEL_TSS(T_B)
    STORE_SEG %cs, RES(R_TS_B_SEGS + 0)
    STORE_SEG %ss, RES(R_TS_B_SEGS + 1)
    STORE_SEG %ds, RES(R_TS_B_SEGS + 2)
    STORE_SEG %es, RES(R_TS_B_SEGS + 3)
    STORE_SEG %fs, RES(R_TS_B_SEGS + 4)
    STORE_SEG %gs, RES(R_TS_B_SEGS + 5)
    movw $LDT_SEL_DATA, %ax
    movw %ax, %fs
    movl %fs:0, %eax
    movl %eax, RES(R_TS_B_LDTREAD)
    /* Snapshot TSS A as the switch left it (C checks the saved state). */
    movl $TSS(T_A), %esi
    movl $modes_tss_a_snap, %edi
    movl $(TSS_SIZE / 4), %ecx
    cld
    rep movsl
    /* Neither CR3 nor LDTR is saved in the outgoing TSS: change both before leaving. */
    movl $modes_pd32, %eax
    movl %eax, %cr3
    xorl %eax, %eax
    lldt %ax
    ljmp $SEL_TSS(T_A), $0

    .globl modes_task_c, modes_task_c_iret
modes_task_c:
    pushfl
    popl RES(R_TS_C_EFLAGS)
    SAVE_TR_LINK T_C, R_TS_C_STR, R_TS_C_LINK
    BUSY R_TS_C_BUSY_A, SEL_TSS(T_A)
    BUSY R_TS_C_BUSY_C, SEL_TSS(T_C)
modes_task_c_iret:
    iret                            /* NT = 1: return to task A */

    .globl modes_task_d
modes_task_d:
    SAVE_TR_LINK T_D, R_TS_D_STR, R_TS_D_LINK
    iret

    .globl modes_task_e
modes_task_e:
    SAVE_TR_LINK T_E, R_TS_E_STR, R_TS_E_LINK
    pushfl
    popl RES(R_TS_E_EFLAGS)
    iret

    .globl modes_task_g, modes_task_h, modes_task_df
modes_task_g:
    movl %ds, %eax
    movl %eax, RES(R_G_DS)
    movl $1, RES(R_G_RAN)
    ljmp $SEL_TSS(T_A), $0
modes_task_h:
    movl (%esp), %eax
    movl %eax, RES(R_H_ERR)
    SAVE_TR_LINK T_H, R_H_STR, R_H_LINK
    movl TSS(T_G) + 0x20, %eax
    movl %eax, RES(R_H_G_EIP)
    movl TSS(T_G) + 0x38, %eax
    movl %eax, RES(R_H_G_ESP)
    movl RES(R_G_RAN), %eax
    movl %eax, RES(R_H_G_RAN)
    BUSY R_H_BUSY_A, SEL_TSS(T_A)
    BUSY R_H_BUSY_G, SEL_TSS(T_G)
    movw $SEL_DATA, TSS(T_G) + 0x54 /* TSS G's DS */
    iret
modes_task_df:
    movl (%esp), %eax
    movl %eax, RES(R_DF_ERR)
    movl %esp, RES(R_DF_ESP)
    SAVE_TR_LINK T_DF, R_DF_STR, R_DF_LINK
    movl $modes_a_after_df, TSS(T_A) + 0x20   /* the saved EIP of a #DF is undefined */
    iret

    .globl modes_task_f
modes_task_f:
    movl (%esp), %eax               /* the #GP error code, pushed on this task's stack */
    movl %eax, RES(R_TS_F_ERR)
    movl %esp, RES(R_TS_F_ESP)
    str %eax
    movl %eax, RES(R_TS_F_STR)
    movl TSS(T_A) + 0x20, %eax
    movl %eax, RES(R_TS_F_SAVED_EIP)
    movl $modes_a_after_f, TSS(T_A) + 0x20
    iret

/* ---- virtual-8086 mode (SDM 3A chapter 20), from task A at CPL 0 ---- */
v86:
    movl %esp, saved_esp_v86
    V86_IRET $0x00023002, $LOW_ENTRY_V86   /* VM | IOPL 3 | reserved bit 1 */
    .globl modes_v86_int, modes_v86_exit
modes_v86_int:                      /* VEC_V86_INT: 32-bit interrupt gate, DPL 3 */
    pushl %eax
    pushl %ds
    movw $SEL_DATA, %ax
    movw %ax, %ds
    popl %eax
    movl %eax, RES(R_V86_HDS)
    pushfl
    popl RES(R_V86_HEFLAGS)
    pushl %ecx
    COPY_FRAME 8, R_V86_FRAME, 9   /* EIP CS EFLAGS ESP SS ES DS FS GS */
    popl %ecx
    popl %eax
    iret                            /* back to virtual-8086 mode */
modes_v86_exit:                     /* VEC_V86_EXIT */
    FLAT_DATA_SEGS
    movl saved_esp_v86, %esp
    /* IOPL-sensitive instructions and port I/O in virtual-8086 mode, each expected to #GP(0):
     * CLI and INT n with IOPL 0; IN with IOPL 3 through the TSS I/O bitmap, which allows
     * port 80H but not 81H (SDM 3A §20.2.7, §20.2.8.1). */
    movl $RES(R_V86_GP), %eax
    movl $0x00020002, %ecx          /* VM, IOPL 0 */
    movl $LOW_ENTRY_V86_CLI, %edx
    call v86_expect_gp
    movl $RES(R_V86_GP_INT), %eax
    movl $0x00020002, %ecx
    movl $LOW_ENTRY_V86_INT, %edx
    call v86_expect_gp
    movl $RES(R_V86_GP_IO), %eax
    movl $0x00023002, %ecx          /* VM, IOPL 3 */
    movl $LOW_ENTRY_V86_IO, %edx
    call v86_expect_gp
    ret

/* IRET to LOW_SEG:EDX in virtual-8086 mode with EFLAGS = ECX; the #GP the code there must
 * raise reaches v86_gp through IDT[13], which stores vector, error code, EIP, CS and EFLAGS
 * at EAX and returns from here. */
v86_expect_gp:
    movl %eax, v86_gp_slot
    pushl modes_idt32 + 8 * 13
    pushl modes_idt32 + 8 * 13 + 4
    movl $v86_gp, %eax
    movw %ax, modes_idt32 + 8 * 13
    shrl $16, %eax
    movw %ax, modes_idt32 + 8 * 13 + 6
    movl %esp, saved_esp_v86
    V86_IRET %ecx, %edx
v86_gp:
    FLAT_DATA_SEGS
    movl v86_gp_slot, %ebx
    movl $13, (%ebx)
    xorl %ecx, %ecx
1:  movl (%esp, %ecx, 4), %eax      /* error code, EIP, CS, EFLAGS */
    movl %eax, 4(%ebx, %ecx, 4)
    incl %ecx
    cmpl $4, %ecx
    jb 1b
    movl saved_esp_v86, %esp
    popl modes_idt32 + 8 * 13 + 4
    popl modes_idt32 + 8 * 13
    ret

/* ---- ring 3: IRET to an outer level nulls data segments the new CPL may not use; a call
 * gate back to CPL 0 switches stacks and copies parameters (SDM 3A §5.8.5, §5.8.6) ---- */
ring3:
    movl %esp, saved_esp_r3
    movl $0, gate_entries
    movw $(SEL_DATA_R3 | 3), %ax
    movw %ax, %es
    pushl $(SEL_DATA_R3 | 3)
    pushl $ring3_stack_top
    pushl $2
    pushl $(SEL_CODE32_R3 | 3)
    pushl $r3_code
    iret
r3_code:                            /* CPL 3: DS (DPL 0) is null now, ES (DPL 3) kept */
    movl %ds, %eax
    movl %eax, %es:RES(R_R3_DS)
    movl %es, %eax
    movl %eax, %es:RES(R_R3_ES)
    movl %cs, %eax
    movl %eax, %es:RES(R_R3_CS)
    movw $(SEL_DATA_R3 | 3), %ax
    movw %ax, %ds
    TRY 1f
    int $13                         /* gate DPL 0 < CPL 3: #GP(13 * 8 + 2) */
1:  SAVE_EXC R_R3_INT_DPL
    pushl $0x22222222
    pushl $0x11111111
    movl %esp, %es:RES(R_GATE_R3_ESP)
    lcall $(SEL_CALLGATE | 3), $0
    .globl modes_r3_after_lcall
modes_r3_after_lcall:               /* back at CPL 3 by RETF 8: DS, ES (DPL 0) nulled */
    movl %esp, %ss:RES(R_R3_RETF_ESP)
    movl %ds, %eax
    movl %eax, %ss:RES(R_R3_RETF_DS)
    movl %es, %eax
    movl %eax, %ss:RES(R_R3_RETF_ES)
    pushl $0x44444444
    pushl $0x33333333
    lcall $(SEL_CALLGATE | 3), $0   /* to CPL 0 for good */
1:  jmp 1b
    .globl modes_gate_target
modes_gate_target:                  /* CPL 0 on TSS A's ESP0 stack */
    movw $SEL_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    cmpl $0, gate_entries
    jne 2f
    incl gate_entries
    COPY_FRAME 0, R_GATE_FRAME, 6
    lret $8                         /* to CPL 3, releasing the parameters on both stacks */
2:  movl saved_esp_r3, %esp
    ret

/* ---- LAR / LSL on system descriptors (SDM 2A "LAR", "LSL") ---- */
lar_lsl:
    DESC_QUERY larl, SEL_TSS(T_A), R_LAR_TSS
    DESC_QUERY lsll, SEL_TSS(T_SMALL), R_LSL_SMALL
    DESC_QUERY larl, SEL_TASKGATE, R_LAR_GATE
    DESC_QUERY lsll, SEL_TASKGATE, R_LSL_GATE
    ret

/* ---- 32-bit exception stubs (IDT vectors 0-31), 16 bytes apart ---- */
    .p2align 4
    .globl modes_stubs32
modes_stubs32:
    .set vec, 0
    .rept 32
    .p2align 4
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17)
    .else
    pushl $0
    .endif
    pushl $vec
    jmp exc32
    .set vec, vec + 1
    .endr
exc32:
    pushl %eax
    movl 4(%esp), %eax
    movl %eax, exc_vec
    movl 8(%esp), %eax
    movl %eax, exc_err
    movl %cr2, %eax
    movl %eax, exc_cr2
    movl exc_fixup, %eax
    testl %eax, %eax
    jz exc32_unexpected
    movl %eax, 12(%esp)             /* resume at the fixup */
    movl $0, exc_fixup
    popl %eax
    addl $8, %esp
    iret
exc32_unexpected:                   /* no TRY: report on COM1 and end the run with code 3 */
    movl 12(%esp), %ebx
    movl $unexpected_msg, %esi
1:  lodsb
    testb %al, %al
    jz 2f
    movw $0x3f8, %dx
    outb %al, %dx
    jmp 1b
2:  movl exc_vec, %eax
    call put_hex
    movl %ebx, %eax
    call put_hex
    movl exc_err, %eax
    call put_hex
    movb $'\n', %al
    movw $0x3f8, %dx
    outb %al, %dx
    movl $3, %eax
    outl %eax, $0xf4
3:  cli
    hlt
    jmp 3b
put_hex:                            /* " %08x" of EAX on COM1 */
    movl %eax, %ebp
    movw $0x3f8, %dx
    movb $' ', %al
    outb %al, %dx
    movl $8, %ecx
1:  roll $4, %ebp
    movl %ebp, %eax
    andl $0xf, %eax
    movb hex_digits(%eax), %al
    outb %al, %dx
    loop 1b
    ret


    .section .rodata
unexpected_msg:
    .asciz "unexpected exception outside long mode (vector eip error):"
hex_digits:
    .ascii "0123456789abcdef"
    .p2align 3
gdtr64:
    .word 8 * GDT_ENTRIES - 1
    .quad modes_gdt
idtr32:
    .word 8 * 256 - 1
    .long modes_idt32

    .section .bss
    .p2align 3
saved_rsp: .quad 0
saved_cr3: .quad 0
saved_gdtr: .skip 16
saved_idtr: .skip 16
saved_cr0: .quad 0
saved_cr4: .quad 0
saved_esp_v86: .long 0
saved_esp_r3: .long 0
v86_gp_slot: .long 0
gate_entries: .long 0
    .globl exc_vec, exc_err, exc_cr2, exc_fixup
exc_vec: .long 0
exc_err: .long 0
exc_cr2: .long 0
exc_fixup: .long 0
    .p2align 4
stack32: .skip 16384
stack32_top:
ring3_stack: .skip 4096
ring3_stack_top:

    .section .note.GNU-stack, "", @progbits
