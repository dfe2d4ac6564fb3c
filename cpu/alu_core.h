/* cpu/alu_core.h — the inline cores of ADD/SUB and the ZF/SF/PF computation, shared by the
 * out-of-line functions of cpu/alu.c and the operand-specialised handlers of
 * cpu/exec_fast.c, so both produce bit-identical flags (SDM 1 §3.4.3, App. A). */
#ifndef HVSIM_CPU_ALU_CORE_H
#define HVSIM_CPU_ALU_CORE_H

#include "base/bits.h"
#include "cpu/alu_host.h"
#include "cpu/regs.h"

static inline u64 alu_core_msb(unsigned size, u64 v)
{
    return (v >> (size * 8 - 1)) & 1;
}

/* ZF, SF and PF (even parity of the low byte) of a result, without branches: the portable
   computation (alu_core_szp below takes them from the host where it can). */
static inline __attribute__((always_inline)) u64 alu_core_szp_c(unsigned size, u64 res)
{
    /* PF = 1 when the parity is even: written as a flip of the odd-parity bit, which the
       compiler turns into SETNP and a shift without a separate negation. */
    u64 pf = ((u64)(unsigned)__builtin_parity((unsigned)(res & 0xff)) << 2) ^ RFLAGS_PF;
    return (u64)(res == 0) << 6 | alu_core_msb(size, res) << 7 | pf;
}

static inline __attribute__((always_inline)) void alu_core_set(u64 *rf, u64 f)
{
    *rf = (*rf & ~RFLAGS_ARITH) | f;
}

static inline __attribute__((always_inline)) u64 alu_core_szp(unsigned size, u64 res)
{
    return ALU_HOST ? alu_host_szp(size, res) : alu_core_szp_c(size, res);
}

/* a + b + cin on the low `size` bytes; all six arithmetic flags. The portable computation;
   alu_core_add below takes the flags from the host where it can. */
static inline __attribute__((always_inline)) u64 alu_core_add_c(unsigned size, u64 a, u64 b, u64 cin, u64 *rf)
{
    u64 m = bits_mask_bytes(size);
    a &= m, b &= m;
    u64 sum = a + b + cin;
    u64 res = sum & m;
    u64 cf = size == 8 ? (u64)(res < a || (cin && res == a)) : (sum >> (size * 8)) & 1;
    /* x holds the carry into each bit; OF = carry into the sign bit ^ carry out of it. */
    u64 x = a ^ b ^ res;
    u64 of = alu_core_msb(size, x) ^ cf;
    alu_core_set(rf, alu_core_szp_c(size, res) | cf | of << 11 | (x & RFLAGS_AF));
    return res;
}

/* a - b - bin on the low `size` bytes; all six arithmetic flags (portable, as alu_core_add_c). */
static inline __attribute__((always_inline)) u64 alu_core_sub_c(unsigned size, u64 a, u64 b, u64 bin, u64 *rf)
{
    u64 m = bits_mask_bytes(size);
    a &= m, b &= m;
    u64 res = (a - b - bin) & m;
    u64 cf = a < b || (bin && a == b);
    /* x holds the borrow into each bit; OF = borrow into the sign bit ^ borrow out of it. */
    u64 x = a ^ b ^ res;
    u64 of = alu_core_msb(size, x) ^ cf;
    alu_core_set(rf, alu_core_szp_c(size, res) | cf | of << 11 | (x & RFLAGS_AF));
    return res;
}

/* The same two, with the flags from the host when there is no carry in (ADD, SUB, CMP,
   INC, DEC, NEG: the hot forms). */
static inline __attribute__((always_inline)) u64 alu_core_add(unsigned size, u64 a, u64 b, u64 cin, u64 *rf)
{
    if (ALU_HOST && __builtin_constant_p(cin) && cin == 0) {
        u64 f, res = alu_host_add(size, a, b, &f);
        alu_core_set(rf, f);
        return res;
    }
    return alu_core_add_c(size, a, b, cin, rf);
}

static inline __attribute__((always_inline)) u64 alu_core_sub(unsigned size, u64 a, u64 b, u64 bin, u64 *rf)
{
    if (ALU_HOST && __builtin_constant_p(bin) && bin == 0) {
        u64 f, res = alu_host_sub(size, a, b, &f);
        alu_core_set(rf, f);
        return res;
    }
    return alu_core_sub_c(size, a, b, bin, rf);
}

/* Logic ops: PF/ZF/SF from the result, CF/OF/AF cleared. */
static inline __attribute__((always_inline)) void alu_core_logic(unsigned size, u64 res, u64 *rf)
{
    alu_core_set(rf, alu_core_szp(size, res));
}

/* Two-operand IMUL (SDM 2A "IMUL"): the low half of the signed product; CF = OF = the
   product does not fit the destination; ZF/SF/PF from the low half, as alu_imul. */
static inline __attribute__((always_inline)) u64 alu_core_imul_lo(unsigned size, u64 a, u64 b, u64 *rf)
{
    u64 lo;
    bool ov;
    if (size == 8) {
        i64 p;
        ov = __builtin_mul_overflow((i64)a, (i64)b, &p);
        lo = (u64)p;
    } else {
        i64 p = (i64)bits_sext_bytes(a, size) * (i64)bits_sext_bytes(b, size);
        lo = (u64)p & bits_mask_bytes(size);
        ov = (i64)bits_sext_bytes(lo, size) != p;
    }
    alu_core_set(rf, alu_core_szp(size, lo) | (ov ? RFLAGS_CF | RFLAGS_OF : 0));
    return lo;
}

/* Group-2 shifts and rotates (see alu_shift in cpu/alu.h); op and size are constants in the
   specialised handlers, so the switch folds away there. */
static inline __attribute__((always_inline)) u64 alu_core_shift(unsigned op, unsigned size, u64 a,
                                                                unsigned count, u64 *rf)
{
    unsigned bits = size * 8;
    u64 m = bits_mask_bytes(size);
    a &= m;
    count &= size == 8 ? 63 : 31;
    if (count == 0)
        return a;
    u64 f = *rf & RFLAGS_ARITH, res;
    switch (op) {
    case 0: { /* ROL: CF = lsb, OF = msb ^ CF (SDM 2B "RCL/RCR/ROL/ROR") */
        unsigned n = count % bits;
        res = n ? ((a << n) | (a >> (bits - n))) & m : a;
        f &= ~(RFLAGS_CF | RFLAGS_OF);
        if (res & 1) f |= RFLAGS_CF;
        if (alu_core_msb(size, res) ^ (res & 1)) f |= RFLAGS_OF;
        break;
    }
    case 1: { /* ROR: CF = msb, OF = msb ^ msb-1 */
        unsigned n = count % bits;
        res = n ? ((a >> n) | (a << (bits - n))) & m : a;
        f &= ~(RFLAGS_CF | RFLAGS_OF);
        if (alu_core_msb(size, res)) f |= RFLAGS_CF;
        if (alu_core_msb(size, res) ^ ((res >> (bits - 2)) & 1)) f |= RFLAGS_OF;
        break;
    }
    case 2: case 3: { /* RCL/RCR through carry: rotate by count mod (bits+1) */
        unsigned n = count % (bits + 1);
        u64 cf = (*rf & RFLAGS_CF) ? 1 : 0;
        res = a;
        for (unsigned i = 0; i < n; i++) {
            if (op == 2) {
                u64 out = alu_core_msb(size, res);
                res = ((res << 1) | cf) & m;
                cf = out;
            } else {
                u64 out = res & 1;
                res = (res >> 1) | (cf << (bits - 1));
                cf = out;
            }
        }
        f &= ~(RFLAGS_CF | RFLAGS_OF);
        if (cf) f |= RFLAGS_CF;
        if (op == 2 ? (alu_core_msb(size, res) ^ cf) : (alu_core_msb(size, res) ^ ((res >> (bits - 2)) & 1)))
            f |= RFLAGS_OF;
        break;
    }
    case 4: case 6: { /* SHL/SAL */
        u64 cf = count <= bits ? (a >> (bits - count)) & 1 : 0;
        res = count < bits ? (a << count) & m : 0;
        f = alu_core_szp(size, res);
        if (cf) f |= RFLAGS_CF;
        if (alu_core_msb(size, res) ^ cf) f |= RFLAGS_OF;
        break;
    }
    case 5: { /* SHR: OF = msb of the original operand */
        u64 cf = count <= bits ? (a >> (count - 1)) & 1 : 0;
        res = count < bits ? a >> count : 0;
        f = alu_core_szp(size, res);
        if (cf) f |= RFLAGS_CF;
        if (alu_core_msb(size, a)) f |= RFLAGS_OF;
        break;
    }
    default: { /* SAR: OF = 0 */
        u64 sa = bits_sext_bytes(a, size);
        unsigned n = count < bits ? count : bits - 1;
        u64 cf = count < bits ? ((i64)sa >> (count - 1)) & 1 : alu_core_msb(size, a);
        res = (u64)((i64)sa >> n) & m;
        f = alu_core_szp(size, res);
        if (cf) f |= RFLAGS_CF;
        break;
    }
    }
    alu_core_set(rf, f);
    return res;
}

#endif
