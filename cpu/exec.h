/* cpu/exec.h — instruction handlers (one family per exec_*.c file) and the helpers they
 * share. Every handler has the insn_fn signature of cpu/insn.h. */
#ifndef HVSIM_CPU_EXEC_H
#define HVSIM_CPU_EXEC_H

#include "cpu/cpu.h"

/* insn.sub values: which variant of a shared handler. */
enum insn_sub {
    SUB_NONE,
    SUB_ADD, SUB_OR, SUB_ADC, SUB_SBB, SUB_AND, SUB_SUB, SUB_XOR, SUB_CMP,   /* ALU group 1 order */
    SUB_ROL, SUB_ROR, SUB_RCL, SUB_RCR, SUB_SHL, SUB_SHR, SUB_SAL, SUB_SAR,  /* group 2 order */
    SUB_INC, SUB_DEC, SUB_BT, SUB_BTS, SUB_BTR, SUB_BTC,
    SUB_LGDT, SUB_LIDT, SUB_SGDT, SUB_SIDT, SUB_LTR, SUB_LLDT, SUB_STR, SUB_SLDT,
    SUB_RDTSC, SUB_RDTSCP, SUB_STAC, SUB_CLAC, SUB_FNINIT, SUB_FNSTSW, SUB_FNSTCW, SUB_FLDCW,
    SUB_FWAIT,
    SUB_MOVS, SUB_STOS, SUB_LODS, SUB_CMPS, SUB_SCAS, SUB_INS, SUB_OUTS,
    SUB_BSF, SUB_BSR, SUB_TZCNT, SUB_LZCNT, SUB_POPCNT,
    SUB_LAR, SUB_LSL, SUB_VERR, SUB_VERW,
    SUB_DAA, SUB_DAS, SUB_AAA, SUB_AAS, SUB_AAM, SUB_AAD, SUB_SALC,
    SUB_SSE_ALIGNED, SUB_MOVD, SUB_MOVQ,
};

/* Shared helpers. */
u64 branch_check(struct cpu *c, unsigned opsize, u64 target);
void branch_near(struct cpu *c, unsigned opsize, u64 target);
void far_return(struct cpu *c, unsigned osz, u16 cs, u64 ip, u64 popped, bool iret, u64 fl);
/* MOV to CR3 semantics (PAE PDPTE load with #GP(0), TLB invalidation); also task switches. */
void cpu_write_cr3(struct cpu *c, u64 v);
void io_check(struct cpu *c, u16 port, unsigned size);
u64 io_in(struct cpu *c, u16 port, unsigned size);
void io_out(struct cpu *c, u16 port, unsigned size, u64 v);

/* exec_mov.c */
insn_fn exec_mov, exec_mov_gpr, exec_movzx, exec_movsx, exec_lea, exec_xchg, exec_cmovcc, exec_setcc,
    exec_bswap, exec_movbe, exec_cbw, exec_cwd, exec_lahf, exec_sahf, exec_xlat, exec_nop, exec_pause,
    exec_flagop;
/* exec_branch.c */
insn_fn exec_jmp, exec_jcc, exec_jcxz, exec_loop, exec_call, exec_ret, exec_push, exec_pop,
    exec_pusha, exec_popa, exec_enter, exec_leave, exec_int, exec_int3, exec_into, exec_int1,
    exec_bound;
/* exec_far.c */
insn_fn exec_jmp_far, exec_call_far, exec_retf, exec_iret, exec_pushf, exec_popf;
/* exec_system.c */
insn_fn exec_lgdt_lidt, exec_sgdt_sidt, exec_lldt_ltr, exec_sldt_str, exec_mov_to_seg,
    exec_mov_crdr, exec_clts, exec_lmsw, exec_smsw, exec_invlpg, exec_wbinvd, exec_hlt,
    exec_cli, exec_sti, exec_rdmsr, exec_wrmsr, exec_cpuid, exec_rdtsc, exec_rdpid, exec_in,
    exec_out, exec_swapgs, exec_syscall, exec_sysret, exec_xgetbv, exec_xsetbv, exec_rdpkru,
    exec_wrpkru, exec_stac_clac, exec_x87_probe, exec_sysenter, exec_sysexit, exec_invpcid,
    exec_rdpmc, exec_monitor, exec_mwait, exec_getsec, exec_fxsave, exec_fxrstor;
/* exec_alu.c */
insn_fn exec_alu2, exec_test, exec_incdec, exec_neg, exec_not, exec_shift, exec_shxd,
    exec_mul, exec_imul, exec_div, exec_idiv, exec_bt, exec_bitscan, exec_xadd, exec_cmpxchg,
    exec_cmpxchg8b, exec_bcd;
/* exec_bmi.c (insn.sub: enum alu_bmi_op; for ADX 0 = ADCX, 1 = ADOX) */
insn_fn exec_bmi, exec_adx;
/* exec_desc.c */
insn_fn exec_lar_lsl, exec_verr_verw, exec_arpl, exec_rdrand, exec_load_far_ptr;
/* exec_string.c */
insn_fn exec_string;
/* exec_sse.c */
insn_fn exec_sse_mov, exec_movd_movq;

/* Anything decoded but not implemented: #UD, listed by -d unimp. */
insn_fn exec_unimplemented;

#endif
