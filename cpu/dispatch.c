/* cpu/dispatch.c — binds a decoded Zydis mnemonic to its handler, variant and modelled cost.
 *
 * Costs are base cycles per instruction for a Skylake-class core, rounded from Agner Fog's
 * "Instruction tables" (reciprocal throughput / latency of the common form) and Intel's
 * optimization manual; memory-operand and page-walk costs are added at run time. They are a
 * teaching model, not a timing simulator: see docs/cycle-model.md. */
#include "cpu/dispatch.h"

#include <Zydis/Zydis.h>

#include "cpu/alu_bmi.h"
#include "cpu/exec.h"
#include "cpu/exec_fast.h"
#include "vmx/insn.h"

#define B(fn, sub_, cyc) do { in->exec = fn; in->sub = sub_; in->cycles = cyc; return; } while (0)

static void bind_generic(unsigned mnemonic, struct insn *in)
{
    switch ((ZydisMnemonic)mnemonic) {
    /* data movement */
    case ZYDIS_MNEMONIC_MOV: {
        /* Moves between general registers, memory and immediates (almost all of them) skip
           the segment/control/debug-register dispatch of exec_mov. */
        bool special = false;
        for (unsigned i = 0; i < 2; i++)
            special |= in->op[i].kind == OPND_REG && in->op[i].regc != REGC_GPR && in->op[i].regc != REGC_GPR8H;
        B(special ? exec_mov : exec_mov_gpr, SUB_NONE, 1);
    }
    case ZYDIS_MNEMONIC_MOVZX: B(exec_movzx, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_MOVSX: case ZYDIS_MNEMONIC_MOVSXD: B(exec_movsx, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_LEA: B(exec_lea, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_XCHG: B(exec_xchg, SUB_NONE, 2);
    case ZYDIS_MNEMONIC_CMOVB: case ZYDIS_MNEMONIC_CMOVBE: case ZYDIS_MNEMONIC_CMOVL:
    case ZYDIS_MNEMONIC_CMOVLE: case ZYDIS_MNEMONIC_CMOVNB: case ZYDIS_MNEMONIC_CMOVNBE:
    case ZYDIS_MNEMONIC_CMOVNL: case ZYDIS_MNEMONIC_CMOVNLE: case ZYDIS_MNEMONIC_CMOVNO:
    case ZYDIS_MNEMONIC_CMOVNP: case ZYDIS_MNEMONIC_CMOVNS: case ZYDIS_MNEMONIC_CMOVNZ:
    case ZYDIS_MNEMONIC_CMOVO: case ZYDIS_MNEMONIC_CMOVP: case ZYDIS_MNEMONIC_CMOVS:
    case ZYDIS_MNEMONIC_CMOVZ: B(exec_cmovcc, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_SETB: case ZYDIS_MNEMONIC_SETBE: case ZYDIS_MNEMONIC_SETL:
    case ZYDIS_MNEMONIC_SETLE: case ZYDIS_MNEMONIC_SETNB: case ZYDIS_MNEMONIC_SETNBE:
    case ZYDIS_MNEMONIC_SETNL: case ZYDIS_MNEMONIC_SETNLE: case ZYDIS_MNEMONIC_SETNO:
    case ZYDIS_MNEMONIC_SETNP: case ZYDIS_MNEMONIC_SETNS: case ZYDIS_MNEMONIC_SETNZ:
    case ZYDIS_MNEMONIC_SETO: case ZYDIS_MNEMONIC_SETP: case ZYDIS_MNEMONIC_SETS:
    case ZYDIS_MNEMONIC_SETZ: B(exec_setcc, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_BSWAP: B(exec_bswap, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_MOVBE: B(exec_movbe, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_CBW: case ZYDIS_MNEMONIC_CWDE: case ZYDIS_MNEMONIC_CDQE: B(exec_cbw, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_CWD: case ZYDIS_MNEMONIC_CDQ: case ZYDIS_MNEMONIC_CQO: B(exec_cwd, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_LAHF: B(exec_lahf, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_SAHF: B(exec_sahf, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_XLAT: B(exec_xlat, SUB_NONE, 3);
    case ZYDIS_MNEMONIC_PAUSE: B(exec_pause, SUB_NONE, 140);
    case ZYDIS_MNEMONIC_NOP: case ZYDIS_MNEMONIC_PREFETCH:
    case ZYDIS_MNEMONIC_PREFETCHNTA: case ZYDIS_MNEMONIC_PREFETCHT0: case ZYDIS_MNEMONIC_PREFETCHT1:
    case ZYDIS_MNEMONIC_PREFETCHT2: case ZYDIS_MNEMONIC_PREFETCHW: case ZYDIS_MNEMONIC_LFENCE:
    case ZYDIS_MNEMONIC_MFENCE: case ZYDIS_MNEMONIC_SFENCE: case ZYDIS_MNEMONIC_ENDBR64:
    case ZYDIS_MNEMONIC_ENDBR32: B(exec_nop, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_CLFLUSH: case ZYDIS_MNEMONIC_CLFLUSHOPT: B(exec_nop, SUB_NONE, 2);
    case ZYDIS_MNEMONIC_CLC: case ZYDIS_MNEMONIC_STC: case ZYDIS_MNEMONIC_CMC:
    case ZYDIS_MNEMONIC_CLD: case ZYDIS_MNEMONIC_STD: B(exec_flagop, SUB_NONE, 1);

    /* arithmetic and logic */
    case ZYDIS_MNEMONIC_ADD: B(exec_alu2, SUB_ADD, 1);
    case ZYDIS_MNEMONIC_OR: B(exec_alu2, SUB_OR, 1);
    case ZYDIS_MNEMONIC_ADC: B(exec_alu2, SUB_ADC, 1);
    case ZYDIS_MNEMONIC_SBB: B(exec_alu2, SUB_SBB, 1);
    case ZYDIS_MNEMONIC_AND: B(exec_alu2, SUB_AND, 1);
    case ZYDIS_MNEMONIC_SUB: B(exec_alu2, SUB_SUB, 1);
    case ZYDIS_MNEMONIC_XOR: B(exec_alu2, SUB_XOR, 1);
    case ZYDIS_MNEMONIC_CMP: B(exec_alu2, SUB_CMP, 1);
    case ZYDIS_MNEMONIC_TEST: B(exec_test, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_INC: B(exec_incdec, SUB_INC, 1);
    case ZYDIS_MNEMONIC_DEC: B(exec_incdec, SUB_DEC, 1);
    case ZYDIS_MNEMONIC_NEG: B(exec_neg, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_NOT: B(exec_not, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_ROL: B(exec_shift, SUB_ROL, 1);
    case ZYDIS_MNEMONIC_ROR: B(exec_shift, SUB_ROR, 1);
    case ZYDIS_MNEMONIC_RCL: B(exec_shift, SUB_RCL, 3);
    case ZYDIS_MNEMONIC_RCR: B(exec_shift, SUB_RCR, 3);
    case ZYDIS_MNEMONIC_SHL: B(exec_shift, SUB_SHL, 1);
    case ZYDIS_MNEMONIC_SHR: B(exec_shift, SUB_SHR, 1);
    case ZYDIS_MNEMONIC_SAR: B(exec_shift, SUB_SAR, 1);
    case ZYDIS_MNEMONIC_SHLD: B(exec_shxd, SUB_SHL, 3);
    case ZYDIS_MNEMONIC_SHRD: B(exec_shxd, SUB_SHR, 3);
    case ZYDIS_MNEMONIC_MUL: B(exec_mul, SUB_NONE, 3);
    case ZYDIS_MNEMONIC_IMUL: B(exec_imul, SUB_NONE, 3);
    case ZYDIS_MNEMONIC_DIV: B(exec_div, SUB_NONE, 26);
    case ZYDIS_MNEMONIC_IDIV: B(exec_idiv, SUB_NONE, 26);
    case ZYDIS_MNEMONIC_BT: B(exec_bt, SUB_BT, 1);
    case ZYDIS_MNEMONIC_BTS: B(exec_bt, SUB_BTS, 1);
    case ZYDIS_MNEMONIC_BTR: B(exec_bt, SUB_BTR, 1);
    case ZYDIS_MNEMONIC_BTC: B(exec_bt, SUB_BTC, 1);
    case ZYDIS_MNEMONIC_BSF: B(exec_bitscan, SUB_BSF, 3);
    case ZYDIS_MNEMONIC_BSR: B(exec_bitscan, SUB_BSR, 3);
    case ZYDIS_MNEMONIC_TZCNT: B(exec_bitscan, SUB_TZCNT, 3);
    case ZYDIS_MNEMONIC_LZCNT: B(exec_bitscan, SUB_LZCNT, 3);
    case ZYDIS_MNEMONIC_POPCNT: B(exec_bitscan, SUB_POPCNT, 3);
    case ZYDIS_MNEMONIC_XADD: B(exec_xadd, SUB_NONE, 2);
    case ZYDIS_MNEMONIC_CMPXCHG: B(exec_cmpxchg, SUB_NONE, 5);
    case ZYDIS_MNEMONIC_CMPXCHG8B: case ZYDIS_MNEMONIC_CMPXCHG16B: B(exec_cmpxchg8b, SUB_NONE, 10);
    case ZYDIS_MNEMONIC_ANDN: B(exec_bmi, BMI_ANDN, 1);
    case ZYDIS_MNEMONIC_BEXTR: B(exec_bmi, BMI_BEXTR, 2);
    case ZYDIS_MNEMONIC_BLSI: B(exec_bmi, BMI_BLSI, 1);
    case ZYDIS_MNEMONIC_BLSMSK: B(exec_bmi, BMI_BLSMSK, 1);
    case ZYDIS_MNEMONIC_BLSR: B(exec_bmi, BMI_BLSR, 1);
    case ZYDIS_MNEMONIC_BZHI: B(exec_bmi, BMI_BZHI, 1);
    case ZYDIS_MNEMONIC_PDEP: B(exec_bmi, BMI_PDEP, 3);
    case ZYDIS_MNEMONIC_PEXT: B(exec_bmi, BMI_PEXT, 3);
    case ZYDIS_MNEMONIC_SARX: B(exec_bmi, BMI_SARX, 1);
    case ZYDIS_MNEMONIC_SHLX: B(exec_bmi, BMI_SHLX, 1);
    case ZYDIS_MNEMONIC_SHRX: B(exec_bmi, BMI_SHRX, 1);
    case ZYDIS_MNEMONIC_RORX: B(exec_bmi, BMI_RORX, 1);
    case ZYDIS_MNEMONIC_MULX: B(exec_bmi, BMI_MULX, 4);
    case ZYDIS_MNEMONIC_ADCX: B(exec_adx, 0, 1);
    case ZYDIS_MNEMONIC_ADOX: B(exec_adx, 1, 1);

    /* strings */
    case ZYDIS_MNEMONIC_MOVSB: case ZYDIS_MNEMONIC_MOVSW: case ZYDIS_MNEMONIC_MOVSD:
    case ZYDIS_MNEMONIC_MOVSQ: B(exec_string, SUB_MOVS, 1);
    case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_STOSW: case ZYDIS_MNEMONIC_STOSD:
    case ZYDIS_MNEMONIC_STOSQ: B(exec_string, SUB_STOS, 1);
    case ZYDIS_MNEMONIC_LODSB: case ZYDIS_MNEMONIC_LODSW: case ZYDIS_MNEMONIC_LODSD:
    case ZYDIS_MNEMONIC_LODSQ: B(exec_string, SUB_LODS, 1);
    case ZYDIS_MNEMONIC_CMPSB: case ZYDIS_MNEMONIC_CMPSW: case ZYDIS_MNEMONIC_CMPSD:
    case ZYDIS_MNEMONIC_CMPSQ: B(exec_string, SUB_CMPS, 1);
    case ZYDIS_MNEMONIC_SCASB: case ZYDIS_MNEMONIC_SCASW: case ZYDIS_MNEMONIC_SCASD:
    case ZYDIS_MNEMONIC_SCASQ: B(exec_string, SUB_SCAS, 1);
    case ZYDIS_MNEMONIC_INSB: case ZYDIS_MNEMONIC_INSW: case ZYDIS_MNEMONIC_INSD: B(exec_string, SUB_INS, 30);
    case ZYDIS_MNEMONIC_OUTSB: case ZYDIS_MNEMONIC_OUTSW: case ZYDIS_MNEMONIC_OUTSD: B(exec_string, SUB_OUTS, 30);

    /* control transfer and stack */
    case ZYDIS_MNEMONIC_JMP: B(exec_jmp, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_JB: case ZYDIS_MNEMONIC_JBE: case ZYDIS_MNEMONIC_JL: case ZYDIS_MNEMONIC_JLE:
    case ZYDIS_MNEMONIC_JNB: case ZYDIS_MNEMONIC_JNBE: case ZYDIS_MNEMONIC_JNL:
    case ZYDIS_MNEMONIC_JNLE: case ZYDIS_MNEMONIC_JNO: case ZYDIS_MNEMONIC_JNP:
    case ZYDIS_MNEMONIC_JNS: case ZYDIS_MNEMONIC_JNZ: case ZYDIS_MNEMONIC_JO: case ZYDIS_MNEMONIC_JP:
    case ZYDIS_MNEMONIC_JS: case ZYDIS_MNEMONIC_JZ: B(exec_jcc, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_JCXZ: case ZYDIS_MNEMONIC_JECXZ: case ZYDIS_MNEMONIC_JRCXZ: B(exec_jcxz, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_LOOP: case ZYDIS_MNEMONIC_LOOPE: case ZYDIS_MNEMONIC_LOOPNE: B(exec_loop, SUB_NONE, 2);
    case ZYDIS_MNEMONIC_CALL: B(exec_call, SUB_NONE, 2);
    case ZYDIS_MNEMONIC_RET: B((in->flags & INSN_FAR) ? exec_retf : exec_ret, SUB_NONE, 2);
    case ZYDIS_MNEMONIC_PUSH: B(exec_push, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_POP: B(exec_pop, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_PUSHA: case ZYDIS_MNEMONIC_PUSHAD: B(exec_pusha, SUB_NONE, 8);
    case ZYDIS_MNEMONIC_POPA: case ZYDIS_MNEMONIC_POPAD: B(exec_popa, SUB_NONE, 8);
    case ZYDIS_MNEMONIC_PUSHF: case ZYDIS_MNEMONIC_PUSHFD: case ZYDIS_MNEMONIC_PUSHFQ: B(exec_pushf, SUB_NONE, 3);
    case ZYDIS_MNEMONIC_POPF: case ZYDIS_MNEMONIC_POPFD: case ZYDIS_MNEMONIC_POPFQ: B(exec_popf, SUB_NONE, 9);
    case ZYDIS_MNEMONIC_ENTER: B(exec_enter, SUB_NONE, 12);
    case ZYDIS_MNEMONIC_LEAVE: B(exec_leave, SUB_NONE, 3);
    case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD: case ZYDIS_MNEMONIC_IRETQ: B(exec_iret, SUB_NONE, 70);
    case ZYDIS_MNEMONIC_INT: B(exec_int, SUB_NONE, 70);
    case ZYDIS_MNEMONIC_INT3: B(exec_int3, SUB_NONE, 70);
    case ZYDIS_MNEMONIC_INTO: B(exec_into, SUB_NONE, 70);
    case ZYDIS_MNEMONIC_INT1: B(exec_int1, SUB_NONE, 70);
    case ZYDIS_MNEMONIC_BOUND: B(exec_bound, SUB_NONE, 7);

    /* system */
    case ZYDIS_MNEMONIC_LGDT: B(exec_lgdt_lidt, SUB_LGDT, 30);
    case ZYDIS_MNEMONIC_LIDT: B(exec_lgdt_lidt, SUB_LIDT, 30);
    case ZYDIS_MNEMONIC_SGDT: B(exec_sgdt_sidt, SUB_SGDT, 10);
    case ZYDIS_MNEMONIC_SIDT: B(exec_sgdt_sidt, SUB_SIDT, 10);
    case ZYDIS_MNEMONIC_LTR: B(exec_lldt_ltr, SUB_LTR, 30);
    case ZYDIS_MNEMONIC_LLDT: B(exec_lldt_ltr, SUB_LLDT, 30);
    case ZYDIS_MNEMONIC_STR: B(exec_sldt_str, SUB_STR, 2);
    case ZYDIS_MNEMONIC_SLDT: B(exec_sldt_str, SUB_SLDT, 2);
    case ZYDIS_MNEMONIC_CLTS: B(exec_clts, SUB_NONE, 10);
    case ZYDIS_MNEMONIC_LMSW: B(exec_lmsw, SUB_NONE, 20);
    case ZYDIS_MNEMONIC_SMSW: B(exec_smsw, SUB_NONE, 2);
    case ZYDIS_MNEMONIC_INVLPG: B(exec_invlpg, SUB_NONE, 150);
    case ZYDIS_MNEMONIC_INVPCID: B(exec_invpcid, SUB_NONE, 150);
    case ZYDIS_MNEMONIC_WBINVD: case ZYDIS_MNEMONIC_INVD: B(exec_wbinvd, SUB_NONE, 500);
    case ZYDIS_MNEMONIC_HLT: B(exec_hlt, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_CLI: B(exec_cli, SUB_NONE, 3);
    case ZYDIS_MNEMONIC_STI: B(exec_sti, SUB_NONE, 3);
    case ZYDIS_MNEMONIC_RDMSR: B(exec_rdmsr, SUB_NONE, 100);
    case ZYDIS_MNEMONIC_WRMSR: B(exec_wrmsr, SUB_NONE, 150);
    case ZYDIS_MNEMONIC_CPUID: B(exec_cpuid, SUB_NONE, 100);
    case ZYDIS_MNEMONIC_RDTSC: B(exec_rdtsc, SUB_RDTSC, 25);
    case ZYDIS_MNEMONIC_RDTSCP: B(exec_rdtsc, SUB_RDTSCP, 32);
    case ZYDIS_MNEMONIC_RDPID: B(exec_rdpid, SUB_NONE, 10);
    case ZYDIS_MNEMONIC_RDPMC: B(exec_rdpmc, SUB_NONE, 35);
    case ZYDIS_MNEMONIC_MONITOR: B(exec_monitor, SUB_NONE, 30);
    case ZYDIS_MNEMONIC_MWAIT: B(exec_mwait, SUB_NONE, 30);
    case ZYDIS_MNEMONIC_GETSEC: B(exec_getsec, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_IN: B(exec_in, SUB_NONE, 30);
    case ZYDIS_MNEMONIC_OUT: B(exec_out, SUB_NONE, 30);
    case ZYDIS_MNEMONIC_SYSENTER: B(exec_sysenter, SUB_NONE, 40);
    case ZYDIS_MNEMONIC_SYSEXIT: B(exec_sysexit, SUB_NONE, 40);
    case ZYDIS_MNEMONIC_SWAPGS: B(exec_swapgs, SUB_NONE, 30);
    case ZYDIS_MNEMONIC_SYSCALL: B(exec_syscall, SUB_NONE, 40);
    case ZYDIS_MNEMONIC_SYSRET: B(exec_sysret, SUB_NONE, 40);
    case ZYDIS_MNEMONIC_XGETBV: B(exec_xgetbv, SUB_NONE, 10);
    case ZYDIS_MNEMONIC_XSETBV: B(exec_xsetbv, SUB_NONE, 60);
    case ZYDIS_MNEMONIC_RDPKRU: B(exec_rdpkru, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_WRPKRU: B(exec_wrpkru, SUB_NONE, 20);
    case ZYDIS_MNEMONIC_STAC: B(exec_stac_clac, SUB_STAC, 10);
    case ZYDIS_MNEMONIC_CLAC: B(exec_stac_clac, SUB_CLAC, 10);
    case ZYDIS_MNEMONIC_FNINIT: B(exec_x87_probe, SUB_FNINIT, 80);
    case ZYDIS_MNEMONIC_FXSAVE: case ZYDIS_MNEMONIC_FXSAVE64: B(exec_fxsave, SUB_NONE, 100);
    case ZYDIS_MNEMONIC_FXRSTOR: case ZYDIS_MNEMONIC_FXRSTOR64: B(exec_fxrstor, SUB_NONE, 100);
    case ZYDIS_MNEMONIC_FNSTSW: B(exec_x87_probe, SUB_FNSTSW, 3);
    case ZYDIS_MNEMONIC_FNSTCW: B(exec_x87_probe, SUB_FNSTCW, 3);
    case ZYDIS_MNEMONIC_FLDCW: B(exec_x87_probe, SUB_FLDCW, 7);
    case ZYDIS_MNEMONIC_FWAIT: B(exec_x87_probe, SUB_FWAIT, 1);
    case ZYDIS_MNEMONIC_FNOP: B(exec_x87_probe, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_LAR: B(exec_lar_lsl, SUB_LAR, 20);
    case ZYDIS_MNEMONIC_LSL: B(exec_lar_lsl, SUB_LSL, 20);
    case ZYDIS_MNEMONIC_VERR: B(exec_verr_verw, SUB_VERR, 20);
    case ZYDIS_MNEMONIC_VERW: B(exec_verr_verw, SUB_VERW, 20);
    case ZYDIS_MNEMONIC_ARPL: B(exec_arpl, SUB_NONE, 20);
    case ZYDIS_MNEMONIC_RDRAND: case ZYDIS_MNEMONIC_RDSEED: B(exec_rdrand, SUB_NONE, 300);
    case ZYDIS_MNEMONIC_LDS: B(exec_load_far_ptr, SEG_DS, 4);
    case ZYDIS_MNEMONIC_LES: B(exec_load_far_ptr, SEG_ES, 4);
    case ZYDIS_MNEMONIC_LSS: B(exec_load_far_ptr, SEG_SS, 4);
    case ZYDIS_MNEMONIC_LFS: B(exec_load_far_ptr, SEG_FS, 4);
    case ZYDIS_MNEMONIC_LGS: B(exec_load_far_ptr, SEG_GS, 4);
    case ZYDIS_MNEMONIC_DAA: B(exec_bcd, SUB_DAA, 3);
    case ZYDIS_MNEMONIC_DAS: B(exec_bcd, SUB_DAS, 3);
    case ZYDIS_MNEMONIC_AAA: B(exec_bcd, SUB_AAA, 3);
    case ZYDIS_MNEMONIC_AAS: B(exec_bcd, SUB_AAS, 3);
    case ZYDIS_MNEMONIC_AAM: B(exec_bcd, SUB_AAM, 11);
    case ZYDIS_MNEMONIC_AAD: B(exec_bcd, SUB_AAD, 4);
    case ZYDIS_MNEMONIC_SALC: B(exec_bcd, SUB_SALC, 1);
    case ZYDIS_MNEMONIC_MOVAPS: case ZYDIS_MNEMONIC_MOVAPD: case ZYDIS_MNEMONIC_MOVDQA:
        B(exec_sse_mov, SUB_SSE_ALIGNED, 1);
    case ZYDIS_MNEMONIC_MOVUPS: case ZYDIS_MNEMONIC_MOVUPD: case ZYDIS_MNEMONIC_MOVDQU:
        B(exec_sse_mov, SUB_NONE, 1);
    case ZYDIS_MNEMONIC_MOVD: B(exec_movd_movq, SUB_MOVD, 1);
    case ZYDIS_MNEMONIC_MOVQ: B(exec_movd_movq, SUB_MOVQ, 1);

    /* VMX (vmx/insn.c); costs are rough VM-transition figures, see docs/cycle-model.md */
    case ZYDIS_MNEMONIC_VMXON: B(exec_vmxon, SUB_NONE, 300);
    case ZYDIS_MNEMONIC_VMXOFF: B(exec_vmxoff, SUB_NONE, 300);
    case ZYDIS_MNEMONIC_VMCLEAR: B(exec_vmclear, SUB_NONE, 100);
    case ZYDIS_MNEMONIC_VMPTRLD: B(exec_vmptrld, SUB_NONE, 100);
    case ZYDIS_MNEMONIC_VMPTRST: B(exec_vmptrst, SUB_NONE, 20);
    case ZYDIS_MNEMONIC_VMREAD: B(exec_vmread, SUB_NONE, 20);
    case ZYDIS_MNEMONIC_VMWRITE: B(exec_vmwrite, SUB_NONE, 20);
    case ZYDIS_MNEMONIC_VMLAUNCH: B(exec_vmlaunch, SUB_NONE, 600);
    case ZYDIS_MNEMONIC_VMRESUME: B(exec_vmresume, SUB_NONE, 600);
    case ZYDIS_MNEMONIC_VMCALL: B(exec_vmcall, SUB_NONE, 600);
    case ZYDIS_MNEMONIC_INVEPT: B(exec_invept, SUB_NONE, 300);
    case ZYDIS_MNEMONIC_INVVPID: B(exec_invvpid, SUB_NONE, 300);
    case ZYDIS_MNEMONIC_VMFUNC: B(exec_vmfunc, SUB_NONE, 150);
    default: B(exec_unimplemented, SUB_NONE, 1);
    }
}

void dispatch_bind(unsigned mnemonic, struct insn *in)
{
    bind_generic(mnemonic, in);
    exec_fast_bind(in);   /* operand-specialised handler for the commonest forms */
}

void exec_unimplemented(struct cpu *c, const struct insn *in)
{
    log_printf(c->bus.log, LOG_UNIMP, "cpu%d: unimplemented instruction %s at %#llx -> #UD", c->id,
               ZydisMnemonicGetString((ZydisMnemonic)in->mnemonic), (unsigned long long)c->insn_rip);
    cpu_fault(c, EXC_UD, 0);
}
