/* cpu/alu_core.h — the inline cores of ADD/SUB and the ZF/SF/PF computation, shared by the
 * out-of-line functions of cpu/alu.c and the operand-specialised handlers of
 * cpu/exec_fast.c, so both produce bit-identical flags (SDM 1 §3.4.3, App. A). */
#ifndef HVSIM_CPU_ALU_CORE_H
#define HVSIM_CPU_ALU_CORE_H

#include "base/bits.h"
#include "cpu/regs.h"

static inline u64 alu_core_msb(unsigned size, u64 v)
{
    return (v >> (size * 8 - 1)) & 1;
}

/* ZF, SF and PF (even parity of the low byte) of a result, without branches. */
static inline __attribute__((always_inline)) u64 alu_core_szp(unsigned size, u64 res)
{
    return (u64)(res == 0) << 6 | alu_core_msb(size, res) << 7 |
           (u64)!__builtin_parity((unsigned)(res & 0xff)) << 2;
}

static inline __attribute__((always_inline)) void alu_core_set(u64 *rf, u64 f)
{
    *rf = (*rf & ~RFLAGS_ARITH) | f;
}

/* a + b + cin on the low `size` bytes; all six arithmetic flags. */
static inline __attribute__((always_inline)) u64 alu_core_add(unsigned size, u64 a, u64 b, u64 cin, u64 *rf)
{
    u64 m = bits_mask_bytes(size);
    a &= m, b &= m;
    u64 sum = a + b + cin;
    u64 res = sum & m;
    u64 cf = size == 8 ? (u64)(res < a || (cin && res == a)) : (sum >> (size * 8)) & 1;
    u64 of = alu_core_msb(size, (a ^ res) & (b ^ res));
    alu_core_set(rf, alu_core_szp(size, res) | cf | of << 11 | ((a ^ b ^ res) & RFLAGS_AF));
    return res;
}

/* a - b - bin on the low `size` bytes; all six arithmetic flags. */
static inline __attribute__((always_inline)) u64 alu_core_sub(unsigned size, u64 a, u64 b, u64 bin, u64 *rf)
{
    u64 m = bits_mask_bytes(size);
    a &= m, b &= m;
    u64 res = (a - b - bin) & m;
    u64 cf = a < b || (bin && a == b);
    u64 of = alu_core_msb(size, (a ^ b) & (a ^ res));
    alu_core_set(rf, alu_core_szp(size, res) | cf | of << 11 | ((a ^ b ^ res) & RFLAGS_AF));
    return res;
}

/* Logic ops: PF/ZF/SF from the result, CF/OF/AF cleared. */
static inline __attribute__((always_inline)) void alu_core_logic(unsigned size, u64 res, u64 *rf)
{
    alu_core_set(rf, alu_core_szp(size, res));
}

#endif
