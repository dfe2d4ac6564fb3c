/* cpu/regs.h — architectural register vocabulary: GPR indices, RFLAGS, CR0/CR4, EFER,
 * segment indices and the descriptor cache (SDM 3A §2.3-2.5, §3.4). */
#ifndef HVSIM_CPU_REGS_H
#define HVSIM_CPU_REGS_H

#include "base/bits.h"
#include "base/types.h"

enum gpr {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15,
};

enum seg_reg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

#define RFLAGS_CF BIT(0)
#define RFLAGS_FIXED1 BIT(1)
#define RFLAGS_PF BIT(2)
#define RFLAGS_AF BIT(4)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_SF BIT(7)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_DF BIT(10)
#define RFLAGS_OF BIT(11)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_IOPL_SHIFT 12
#define RFLAGS_NT BIT(14)
#define RFLAGS_RF BIT(16)
#define RFLAGS_VM BIT(17)
#define RFLAGS_AC BIT(18)
#define RFLAGS_VIF BIT(19)
#define RFLAGS_VIP BIT(20)
#define RFLAGS_ID BIT(21)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_AM BIT(18)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)

#define CR4_VME BIT(0)
#define CR4_PVI BIT(1)
#define CR4_TSD BIT(2)
#define CR4_DE BIT(3)
#define CR4_PSE BIT(4)
#define CR4_PAE BIT(5)
#define CR4_MCE BIT(6)
#define CR4_PGE BIT(7)
#define CR4_PCE BIT(8)
#define CR4_OSFXSR BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_UMIP BIT(11)
#define CR4_LA57 BIT(12)
#define CR4_VMXE BIT(13)
#define CR4_SMXE BIT(14)
#define CR4_FSGSBASE BIT(16)
#define CR4_PCIDE BIT(17)
#define CR4_OSXSAVE BIT(18)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)
#define CR4_PKE BIT(22)
#define CR4_CET BIT(23)
#define CR4_PKS BIT(24)

#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define EFER_SVME BIT(12)
#define EFER_LMSLE BIT(13)
#define EFER_FFXSR BIT(14)
#define EFER_TCE BIT(15)

#define DR6_FIXED1 0xffff0ff0ull
#define DR7_FIXED1 0x400ull

/* Exception vectors (SDM 3A Table 6-1). */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
    EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14,
    EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19, EXC_VE = 20, EXC_CP = 21,
};

/* Segment access rights in the VMX "access rights" layout (SDM 3C §25.4.1), which is the
 * descriptor's bits 40..55 with bit 16 = unusable:
 *   3..0 type, 4 S, 6..5 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G, 16 unusable. */
#define SEG_AR_TYPE 0xfu
#define SEG_AR_ACCESSED 0x1u
#define SEG_AR_S BIT(4)
#define SEG_AR_DPL_SHIFT 5
#define SEG_AR_P BIT(7)
#define SEG_AR_AVL BIT(12)
#define SEG_AR_L BIT(13)
#define SEG_AR_DB BIT(14)
#define SEG_AR_G BIT(15)
#define SEG_AR_UNUSABLE BIT(16)

struct seg {
    u16 sel;
    u64 base;
    u32 limit;   /* byte-granular (G already applied) */
    u32 ar;      /* SEG_AR_* */
};

struct dtr {
    u64 base;
    u16 limit;
};

static inline unsigned seg_dpl(const struct seg *s)
{
    return (s->ar >> SEG_AR_DPL_SHIFT) & 3;
}

#endif
