/* cpu/alu_bmi.h — pure semantics of the BMI1/BMI2 general-purpose bit-manipulation
 * instructions and ADX (SDM 2A/2B, each instruction's page). Sizes are 4 or 8 bytes. */
#ifndef HVSIM_CPU_ALU_BMI_H
#define HVSIM_CPU_ALU_BMI_H

#include "base/types.h"

/* insn.sub of exec_bmi (cpu/exec_bmi.c). */
enum alu_bmi_op {
    BMI_ANDN, BMI_BEXTR, BMI_BLSI, BMI_BLSMSK, BMI_BLSR,          /* BMI1 */
    BMI_BZHI, BMI_PDEP, BMI_PEXT, BMI_SARX, BMI_SHLX, BMI_SHRX, BMI_RORX, BMI_MULX,   /* BMI2 */
};

/* The result of `op` on the low `size` bytes of a and b, zero-extended; updates the
 * arithmetic flags in *rf for ANDN, BEXTR, BLSI, BLSMSK, BLSR and BZHI (the others leave
 * them alone). Operands in the order of the instruction's page:
 *   ANDN  ~a & b            BEXTR  a, control b        BLSI/BLSMSK/BLSR  a
 *   BZHI  a, index b        PDEP/PEXT  source a, mask b
 *   SARX/SHLX/SHRX  a, count b                          RORX  a, imm8 b
 * Flags the SDM leaves undefined (AF, PF; SF for BEXTR) are set as for a logic operation on
 * the result: PF from its low byte, AF = 0. MULX is done by exec_bmi (two results). */
u64 alu_bmi(enum alu_bmi_op op, unsigned size, u64 a, u64 b, u64 *rf);

/* ADCX (ox = false: carry in and out through CF) and ADOX (through OF): a + b + carry, the
 * other flags unchanged (SDM 2A "ADCX", "ADOX"). */
u64 alu_adx(bool ox, unsigned size, u64 a, u64 b, u64 *rf);

#endif
