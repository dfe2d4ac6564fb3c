/* tests/guest/modes.h — shared by modes.c (which builds the tables and checks) and
 * modes_32.S / modes_16.S (which run the experiments outside long mode): selectors of the
 * test's own GDT, addresses, and the result slots the assembly fills. */
#ifndef MODES_H
#define MODES_H

/* GDT of the test (modes_gdt). */
#define SEL_CODE64 0x08      /* 64-bit code */
#define SEL_DATA 0x10        /* flat 32-bit data */
#define SEL_CODE32 0x18      /* flat 32-bit code (compatibility mode and legacy protected mode) */
#define SEL_CODE16 0x20      /* 16-bit code, base LOW_BASE, limit FFFFH */
#define SEL_DATA16 0x28      /* 16-bit data, base LOW_BASE, limit FFFFH (real-mode-like) */
#define SEL_SMALL 0x30       /* data, base modes_small, limit FFFH */
#define SEL_EXPDOWN 0x38     /* expand-down data, base modes_small, limit FFFH, B = 1 */
#define SEL_NOTPRESENT 0x40  /* data, P = 0 */
#define SEL_LDT 0x48         /* LDT descriptor -> modes_ldt */
#define SEL_TSS0 0x50        /* modes_tss[i] has selector SEL_TSS0 + 8 * i */
#define T_A 0                /* the main task (LTR) */
#define T_B 1                /* JMP target */
#define T_C 2                /* CALL target */
#define T_D 3                /* reached through the GDT task gate */
#define T_E 4                /* reached through an IDT task gate by INT n */
#define T_F 5                /* reached through an IDT task gate by #GP */
#define T_SMALL 6            /* limit 60H: too small */
#define T_V 7                /* a virtual-8086 task (EFLAGS.VM = 1 in its TSS) */
#define T_G 8                /* DS selector past the GDT limit: #TS in the new task */
#define T_H 9                /* #TS handler task (IDT task gate) */
#define T_DF 10              /* #DF handler task (IDT task gate) */
#define T_T 11               /* TSS with the debug trap bit (T = 1) */
#define T_COUNT 12
#define SEL_TSS(i) (SEL_TSS0 + 8 * (i))
#define SEL_TASKGATE (SEL_TSS0 + 8 * T_COUNT)   /* task gate -> T_D */
#define SEL_TSS_NP (SEL_TASKGATE + 8)             /* 32-bit TSS descriptor, P = 0 */
#define SEL_CODE32_R3 (SEL_TSS_NP + 8)            /* flat 32-bit code, DPL 3 */
#define SEL_DATA_R3 (SEL_CODE32_R3 + 8)           /* flat data, DPL 3 */
#define SEL_CALLGATE (SEL_DATA_R3 + 8)            /* 32-bit call gate, DPL 3, 2 parameters -> CPL 0 */
#define SEL_TSS16 (SEL_CALLGATE + 8)              /* 16-bit TSS (type 1) -> modes_tss16 */
#define SEL_SYS_CODE0 (SEL_TSS16 + 8)             /* IA32_SYSENTER_CS: flat code, data (DPL 0), */
#define SEL_SYS_DATA0 (SEL_SYS_CODE0 + 8)         /* then flat 32-bit code, data with DPL 3 */
#define SEL_SYS_CODE3 (SEL_SYS_CODE0 + 16)
#define SEL_SYS_DATA3 (SEL_SYS_CODE0 + 24)
#define SEL_CODE16_R3 (SEL_SYS_CODE0 + 32)        /* 16-bit code, DPL 3, base LOW_BASE */
#define SEL_DATA16_R3 (SEL_SYS_CODE0 + 40)        /* 16-bit data, DPL 3, base LOW_BASE */
#define GDT_ENTRIES (SEL_DATA16_R3 / 8 + 1)
#define SEL_BEYOND 0x1f8     /* past the GDT limit */
#define LDT_SEL_DATA 0x0c    /* LDT index 1 (TI = 1): data, base modes_ldt_page */
#define TSS_SIZE 0x68

#define VEC_TASK_INT 0x50    /* IDT task gate -> T_E */
#define VEC_V86_INT 0x51     /* 32-bit interrupt gate, DPL 3: INT n from virtual-8086 mode */
#define VEC_V86_EXIT 0x52    /* the same, leaves virtual-8086 mode for good */
#define VEC_V86_TASK_EXIT 0x53 /* the same, from the virtual-8086 task: JMP back to task A */
#define VEC_RM 0x42
#define VEC_COMPAT 0x61      /* INT n in compatibility mode (the runtime's 64-bit IDT) */
#define VEC_NOTPRESENT 0x71  /* 32-bit IDT: interrupt gate with P = 0 */
#define VEC_EMPTY 0x70       /* 32-bit IDT: all-zero entry */
#define VEC_G16_INT 0x72     /* 16-bit interrupt gate (type 6), DPL 3 -> SEL_CODE16 */
#define VEC_G16_TRAP 0x73    /* 16-bit trap gate (type 7), DPL 3 -> SEL_CODE16 */

/* Low memory used in real mode, 16-bit protected mode and virtual-8086 mode: the 16-bit code
 * (modes_16.S) is copied to LOW_BASE; its results are at LOW_BASE + LOW_RES. */
#define LOW_BASE 0x70000
#define LOW_SEG (LOW_BASE >> 4)
#define LOW_RES 0x8000
#define LOW_SEGTEST_SEG 0x7800   /* ES:DI = 7800:0345 -> linear 78345H */
#define LOW_SEGTEST_OFF 0x0345
#define LOW_SEGTEST_VIA_DS 0x8345 /* the same byte as DS (7000H) : 8345H */
#define RES16(i) (LOW_RES + 4 * (i))
#define LOW_ENTRY_PM16 0         /* entry points: offsets of a jump table at the start */
#define LOW_ENTRY_V86 4
#define LOW_ENTRY_V86_CLI 8
#define LOW_ENTRY_V86_TASK 12
#define LOW_ENTRY_V86_INT 16
#define LOW_ENTRY_V86_IO 20
#define LOW_ENTRY_TASK16 24      /* the 16-bit task (16-bit TSS, CS = SEL_CODE16) */
#define LOW_ENTRY_G16 28         /* CPL 3 16-bit code calling the 16-bit gates */
#define LOW_G16_SP 0xa000
#define LOW_TASK16_SP 0xc000
#define LOW_V86_SP 0xe000
#define LOW_V86T_SP 0xd000

/* Paging experiments. */
#define VA_4M 0x80000000u       /* 4 MiB page (PDE 200H) -> PA_4M, or PA_4M_B in task B */
#define PA_4M 0x00400000u
#define PA_4M_B 0x00800000u
#define VA_PT 0x80400000u       /* PDE 201H -> page table: PTE 0 RW, PTE 1 read-only, PTE 2 absent */
#define VA_PAE_2M 0x3fe00000u   /* PAE: PDE 511 -> 2 MiB page at PA_4M */
#define VA_PAE_NP 0x3fc00000u   /* PAE: PDE 510 not present */
#define VA_PAE_XD 0x3fa00000u   /* PAE: PDE 509 has bit 63 (XD) set */

/* 32-bit results (modes_res[]). A "fault" slot pair holds vector then error code (-1 = none). */
#define R_COMPAT_EFER 0
#define R_COMPAT_DEC 1          /* 48H is DEC EAX in compatibility mode: 5 -> 4 */
#define R_COMPAT_PUSH 2         /* ESP delta of a PUSH */
#define R_COMPAT_CR0 3
#define R_PM_EFER 4
#define R_PM_CR0 5
#define R_PM_CR4 6
#define R_PM_MOV 7              /* B8 imm32 with 32-bit operand size */
#define R_PMB_CR0 8             /* protected mode again after real mode */
#define R_PMB_EFER 9
#define R_SEG_LIMIT 10          /* fault pair: read past a data segment limit */
#define R_SEG_INLIMIT 12        /* value read at the last dword inside the limit */
#define R_SEG_SS 13             /* fault pair: SS limit */
#define R_SEG_EXPDOWN_LO 15     /* fault pair: expand-down below the limit */
#define R_SEG_EXPDOWN_OK 17     /* fault pair: expand-down above the limit (no fault) */
#define R_SEG_EXPDOWN_VAL 19
#define R_SEG_NP 20             /* fault pair: MOV ES, not-present selector */
#define R_SEG_NULLSS 22         /* fault pair: MOV SS, null selector */
#define R_SEG_BEYOND 24         /* fault pair: MOV DS, selector past the GDT limit */
#define R_PG_CR0 26
#define R_PG_CR4 27
#define R_PG_CR3 28
#define R_PG_READ4M 29          /* read back through the identity map of PA_4M */
#define R_PG_RO 30              /* fault pair: write to a read-only 4 KiB page */
#define R_PG_RO_CR2 32
#define R_PG_NP 33              /* fault pair: read of a not-present 4 KiB page */
#define R_PG_NP_CR2 35
#define R_TS_STR_A 36
#define R_TS_BUSY_A0 37         /* access byte of TSS A's descriptor after LTR */
#define R_TS_B_EAX 38           /* task B: 8 GPRs as loaded (EAX..EDI, ESP too) */
#define R_TS_B_EFLAGS 46
#define R_TS_B_STR 47
#define R_TS_B_LDTR 48
#define R_TS_B_CR3 49
#define R_TS_B_CR0 50
#define R_TS_B_LDTREAD 51       /* read through the LDT selector */
#define R_TS_B_PAGE 52          /* read of VA_4M under task B's CR3 */
#define R_TS_B_BUSY_A 53
#define R_TS_B_BUSY_B 54
#define R_TS_B_SEGS 55          /* CS SS DS ES FS GS in task B */
#define R_TS_A_RET 61           /* task A after returning: EAX..EDI (8, ESP included) */
#define R_TS_A_EFLAGS 69
#define R_TS_A_LDTR 70
#define R_TS_A_BUSY_B 71
#define R_TS_C_EFLAGS 72
#define R_TS_C_LINK 73
#define R_TS_C_BUSY_A 74
#define R_TS_C_BUSY_C 75
#define R_TS_C_STR 76
#define R_TS_AC_EFLAGS 77       /* task A after IRET from C */
#define R_TS_AC_BUSY_A 78
#define R_TS_AC_BUSY_C 79
#define R_TS_D_STR 80
#define R_TS_D_LINK 81
#define R_TS_E_STR 82
#define R_TS_E_LINK 83
#define R_TS_E_EFLAGS 84
#define R_TS_F_ERR 85           /* error code found on task F's stack */
#define R_TS_F_ESP 86
#define R_TS_F_STR 87
#define R_TS_F_SAVED_EIP 88     /* TSS A's EIP as saved by the exception's task switch */
#define R_TS_BUSYJMP 89         /* fault pair: JMP to the busy TSS A */
#define R_TS_SMALL 91           /* fault pair: JMP to a TSS with limit 60H */
#define R_TS_AFTER_F 93         /* task A resumed after task F: marker */
#define R_PAE_CR0 94
#define R_PAE_CR4 95
#define R_PAE_CR3 96
#define R_PAE_NP 97             /* fault pair */
#define R_PAE_NP_CR2 99
#define R_LM_EFER 100
#define R_LM_CR0 101
#define R_V86_FRAME 102         /* 9 dwords: EIP CS EFLAGS ESP SS ES DS FS GS */
#define R_V86_HDS 111           /* DS in the ring-0 handler */
#define R_V86_HEFLAGS 112
#define R_V86_GP 113            /* v86 CLI at IOPL 0: vector, error code, EIP, CS, EFLAGS */
#define R_DONE 118
#define R_TS_A_ESP0 119         /* task A's ESP before the JMP */
#define R_TS_IRET_NB 120        /* fault pair: IRET with NT, back link to a TSS not busy */
#define R_TS_NP 122             /* fault pair: JMP to a not-present TSS */
#define R_PAE_RSVD 124          /* fault pair: MOV CR3 with a reserved bit in a present PDPTE */
#define R_PG_WP0 126            /* fault pair: write to a read-only page with CR0.WP = 0 */
#define R_PM_LME_NOPAE 128      /* fault pair: CR0.PG with EFER.LME = 1 and CR4.PAE = 0 */
#define R_V86T_FRAME 130        /* virtual-8086 task: 9-dword frame of its INT n */
#define R_V86T_STR 139          /* TR in the ring-0 handler */
#define R_V86T_BUSY_A 140       /* TSS A busy while task V runs (JMP: no) */
#define R_V86T_BUSY_V 141       /* TSS V busy after the JMP back to A (no) */
#define R_R3_DS 142             /* ring 3 after IRET: DS (DPL 0 data: nulled), ES (DPL 3: kept), CS */
#define R_R3_ES 143
#define R_R3_CS 144
#define R_GATE_FRAME 145        /* call gate to CPL 0: EIP CS P1 P2 ESP SS (6 dwords) */
#define R_GATE_R3_ESP 151       /* ring 3 ESP at the LCALL */
#define R_LAR_TSS 152           /* LAR of TSS A (busy): value, ZF */
#define R_LSL_SMALL 154         /* LSL of the 60H-limit TSS: value, ZF */
#define R_LAR_GATE 156          /* LAR of the GDT task gate: value, ZF */
#define R_LSL_GATE 158          /* LSL of the GDT task gate: value, ZF (0: not valid for LSL) */
#define R_G_DS 160              /* task G once running: DS */
#define R_G_RAN 161
#define R_H_ERR 162             /* task H: #TS error code on its stack */
#define R_H_LINK 163
#define R_H_G_EIP 164           /* TSS G's saved EIP and ESP when the #TS was taken */
#define R_H_G_ESP 165
#define R_H_BUSY_A 166
#define R_H_BUSY_G 167
#define R_H_STR 168
#define R_DF_ERR 169            /* task DF: error code, ESP, TR, back link */
#define R_DF_ESP 170
#define R_DF_STR 171
#define R_DF_LINK 172
#define R_AFTER_DF 173          /* task A resumed after the #DF task */
#define R_H_G_RAN 174           /* had task G executed an instruction before the #TS? */
#define R_V86_GP_INT 176        /* v86 INT n at IOPL 0: 5 slots as R_V86_GP */
#define R_V86_GP_IO 181         /* v86 IN from a port the I/O bitmap denies, IOPL 3 */
#define R_COMPAT_INT_ESP 186    /* ESP at the INT n in compatibility mode */
#define R_INT_NP 187            /* fault pair: INT n to a not-present gate */
#define R_INT_NOTGATE 189       /* fault pair: INT n to an all-zero IDT entry */
#define R_R3_INT_DPL 191        /* fault pair: INT 13 from CPL 3 (gate DPL 0) */
#define R_R3_RETF_ESP 194       /* CPL 3 after RETF 8 from the call gate: ESP, DS, ES */
#define R_R3_RETF_DS 195
#define R_R3_RETF_ES 196
#define R_PAE_PDPTE_OLD 197     /* read through VA_PAE_2M after the PDPT changed in memory */
#define R_PAE_PDPTE_NEW 198     /* ... and after MOV CR3 reloaded the PDPTE registers */
#define R_PAE_XD 199            /* fault pair: PDE with bit 63 set while EFER.NXE = 0 */
#define R_PAE_XD_CR2 201
#define R_PAE_EFER 202
#define R_T16_BUSY_A 204        /* CALL to the 16-bit TSS: busy bits seen by task A after the IRET */
#define R_T16_BUSY_16 205
#define R_T16_EFLAGS 206        /* task A after the IRET */
#define R_TT_DR6 208            /* TSS T bit: DR6 in the #DB handler, pushed EIP, TR, task ran yet? */
#define R_TT_EIP 209
#define R_TT_STR 210
#define R_TT_RAN_AT_DB 211
#define R_TT_RAN 212
#define R_SE_CS0 213            /* fault pair: SYSENTER with IA32_SYSENTER_CS = 0 */
#define R_SE_R3 215             /* after SYSEXIT: CS SS ESP EAX (48H is DEC EAX, not REX.W) */
#define R_SE_CS 219             /* after SYSENTER: CS SS ESP EFLAGS */
#define R_SE_SYSEXIT_R3 223     /* fault pair: SYSEXIT at CPL 3 */
#define R_SYSCALL_PM 225        /* fault pair: SYSCALL in legacy protected mode, EFER.SCE = 1 */
#define R_SYSRET_PM 227         /* fault pair: SYSRET likewise */
#define R_MSW_CR0 229           /* CR0 before the LMSW/SMSW experiments */
#define R_SMSW_R16 230          /* SMSW AX over EAX = DEAD0000H */
#define R_SMSW_R32 231
#define R_SMSW_M16 232          /* SMSW m16 over FFFFFFFFH */
#define R_LMSW_SET 233          /* CR0 after LMSW with MP EM TS set and PE clear */
#define R_LMSW_CLR 234          /* CR0 after LMSW FFF0H */
#define R_PSE1_READ 235         /* VA_4M + 1010H with CR4.PSE = 1 (4 MiB page) */
#define R_PSE0_READ 236         /* ... with CR4.PSE = 0 (the PDE names a page table) */
#define R_PSE0_NP 237           /* fault pair: VA_4M + 10H, PSE = 0 (PTE 0 of that table is 0) */
#define R_PSE0_NP_CR2 239
#define R_PSE0_CR4 240
#define R_COUNT 241

/* 16-bit results (LOW_BASE + LOW_RES, dwords). */
#define R16_PM16_MOV 0          /* B8 imm16 with 16-bit operand size over EAX = AAAAAAAAH */
#define R16_PM16_PUSH 1         /* SP delta of PUSH AX with a 16-bit SS */
#define R16_PM16_CR0 2
#define R16_RM_CR0 3
#define R16_RM_MOV 4
#define R16_RM_SEGREAD 5        /* the word stored at ES:DI read back through DS */
#define R16_RM_INT_SP 6         /* SP in the INT handler */
#define R16_RM_INT_IP 7         /* frame: IP, CS, FLAGS */
#define R16_RM_INT_CS 8
#define R16_RM_INT_FLAGS 9
#define R16_RM_INT_EFLAGS 10    /* EFLAGS in the handler */
#define R16_RM_AFTER_SP 11
#define R16_RM_AFTER_EFLAGS 12
#define R16_RM_PUSHW 13         /* SP delta of PUSH AX */
#define R16_RM_PUSHL 14         /* SP delta of PUSH EAX (66H) */
#define R16_RM_POPW 15          /* SP delta of POP */
#define R16_RM_PUSHSEG 16       /* SP delta of PUSH DS */
#define R16_RM_MARK 17
#define R16_V86_MARK 18
#define R16_V86_AFTER 19
#define R16_RM_GP_VEC 20        /* real-mode #GP (word at DS:FFFFH) through the IVT */
#define R16_RM_GP_IP 21
#define R16_RM_UNREAL 22        /* FS keeps its 4 GiB limit from protected mode */
#define R16_V86T_MARK 23        /* written by the virtual-8086 task through DS from its TSS */
#define R16_V86_IO_OK 24        /* after an IN the I/O bitmap allows */
#define R16_T16_REGS 26         /* 16-bit task: AX CX DX BX SP BP SI DI as loaded (8 slots) */
#define R16_T16_FLAGS 34
#define R16_T16_STR 35
#define R16_T16_LINK 36         /* its TSS's link field (read through ES = flat data) */
#define R16_T16_SEGS 37         /* CS SS DS ES */
#define R16_T16_BUSY 41         /* access byte of the 16-bit TSS descriptor while it runs */
#define R16_RM_SS_POP 42        /* real mode POP at SP = FFFFH: vector, pushed IP */
#define R16_RM_SS_IRET 44       /* real mode IRET at SP = FFFBH: vector, pushed IP */
#define R16_RM_SMSW 46          /* real mode: SMSW AX over EAX = DEAD0000H */
#define R16_RM_LMSW_TS 47       /* real mode: SMSW m16 after LMSW set TS (PE stays 0) */
#define R16_G16_R3_SP 48        /* CPL 3 SP before INT VEC_G16_INT */
#define R16_G16_FRAME 49        /* 16-bit gate frame: IP CS FLAGS SP SS (5 slots) */
#define R16_G16_ESP 54          /* ESP in the CPL 0 handler */
#define R16_G16_HFLAGS 55       /* FLAGS in the interrupt-gate handler */
#define R16_G16_HCS 56
#define R16_G16_AFTER_SP 57     /* CPL 3 after the 16-bit IRET: SP, FLAGS, CS */
#define R16_G16_AFTER_FLAGS 58
#define R16_G16_AFTER_CS 59
#define R16_G16_TFLAGS 60       /* FLAGS in the trap-gate handler, its ESP */
#define R16_G16_TESP 61
#define R16_COUNT 62

#ifdef __ASSEMBLER__
/* STORE_GPRS addr: EAX ECX EDX EBX ESP EBP ESI EDI to 8 dwords at addr (in any mode). */
.macro STORE_GPRS addr
    movl %eax, \addr
    movl %ecx, \addr + 4
    movl %edx, \addr + 8
    movl %ebx, \addr + 12
    movl %esp, \addr + 16
    movl %ebp, \addr + 20
    movl %esi, \addr + 24
    movl %edi, \addr + 28
.endm
/* STORE_SEG sreg, addr: the selector, zero-extended, to the dword at addr (clobbers EAX). */
.macro STORE_SEG sreg, addr
    movw \sreg, %ax
    movzwl %ax, %eax
    movl %eax, \addr
.endm
/* Macros of the 32-bit experiments (modes_32.S, modes_legacy.S). Results: RES(slot). */
#define RES(i) (modes_res + 4 * (i))
/* TRY fix: an exception before `fix` resumes at `fix` (vector/error recorded).
 * SAVE_EXC slot: the recorded vector and error code (-1 when nothing happened). */
.macro TRY fix
    movl $-1, exc_vec
    movl $-1, exc_err
    movl $\fix, exc_fixup
.endm
.macro SAVE_EXC slot
    movl $0, exc_fixup
    pushl %eax
    movl exc_vec, %eax
    movl %eax, RES(\slot)
    movl exc_err, %eax
    movl %eax, RES(\slot + 1)
    popl %eax
.endm
.macro IDT_RESTORE vec
    popl modes_idt32 + 8 * \vec + 4
    popl modes_idt32 + 8 * \vec
.endm
.macro FLAT_DATA_SEGS                 /* DS ES FS GS := SEL_DATA (AX too) */
    movw $SEL_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
.endm
.macro SET_CR0 and, or
    movl %cr0, %eax
    andl $\and, %eax
    orl $\or, %eax
    movl %eax, %cr0
.endm
/* IDT_INTGATE vec, handler: IDT[vec] := 32-bit interrupt gate, DPL 0, to handler (clobbers
 * EAX); the old entry is pushed for IDT_RESTORE. */
.macro IDT_INTGATE vec, handler
    pushl modes_idt32 + 8 * \vec
    pushl modes_idt32 + 8 * \vec + 4
    movl $\handler, %eax
    movw %ax, modes_idt32 + 8 * \vec
    movw $SEL_CODE32, modes_idt32 + 8 * \vec + 2
    movw $0x8e00, modes_idt32 + 8 * \vec + 4
    shrl $16, %eax
    movw %ax, modes_idt32 + 8 * \vec + 6
.endm
#endif

#endif
