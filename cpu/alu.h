/* cpu/alu.h — pure integer semantics: results and arithmetic flags (SDM 1 §3.4.3, App. A).
 * Every function works on the low `size` bytes (1, 2, 4, 8), returns the zero-extended
 * result and updates the arithmetic flags in *rf (full RFLAGS, other bits untouched). */
#ifndef HVSIM_CPU_ALU_H
#define HVSIM_CPU_ALU_H

#include "base/types.h"

u64 alu_add(unsigned size, u64 a, u64 b, u64 *rf);
u64 alu_adc(unsigned size, u64 a, u64 b, u64 *rf);
u64 alu_sub(unsigned size, u64 a, u64 b, u64 *rf);
u64 alu_sbb(unsigned size, u64 a, u64 b, u64 *rf);
u64 alu_and(unsigned size, u64 a, u64 b, u64 *rf);
u64 alu_or(unsigned size, u64 a, u64 b, u64 *rf);
u64 alu_xor(unsigned size, u64 a, u64 b, u64 *rf);
u64 alu_inc(unsigned size, u64 a, u64 *rf);   /* CF unchanged */
u64 alu_dec(unsigned size, u64 a, u64 *rf);
u64 alu_neg(unsigned size, u64 a, u64 *rf);

/* Group-2 shifts and rotates; op is 0..7 in ModRM.reg order (ROL ROR RCL RCR SHL SHR SAL SAR).
 * The count is masked to 5 bits (6 for 64-bit); a masked count of 0 changes nothing. */
u64 alu_shift(unsigned op, unsigned size, u64 a, unsigned count, u64 *rf);
/* SHLD/SHRD (left = true for SHLD). */
u64 alu_shxd(bool left, unsigned size, u64 a, u64 b, unsigned count, u64 *rf);

/* Unsigned/signed multiply of the low `size` bytes: *hi gets the upper half. CF=OF=(upper
 * half significant). */
u64 alu_mul(unsigned size, u64 a, u64 b, u64 *hi, u64 *rf);
u64 alu_imul(unsigned size, u64 a, u64 b, u64 *hi, u64 *rf);
/* Divide hi:lo by d; false on #DE (zero divisor or quotient overflow). */
bool alu_div(unsigned size, u64 hi, u64 lo, u64 d, u64 *q, u64 *r);
bool alu_idiv(unsigned size, u64 hi, u64 lo, u64 d, u64 *q, u64 *r);

/* Condition codes 0..15 of Jcc/SETcc/CMOVcc (SDM 1 App. B). */
bool alu_cond(unsigned cc, u64 rflags);

/* Set PF/ZF/SF from a result and clear CF/OF/AF (logic-op flags). */
void alu_flags_logic(unsigned size, u64 res, u64 *rf);

#endif
