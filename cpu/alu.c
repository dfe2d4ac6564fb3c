/* cpu/alu.c — see alu.h. Undefined flags follow current Intel parts where known: after
 * logic ops AF = 0; after shifts by more than one OF is computed as for a 1-bit shift's
 * formula on the final result; after MUL/IMUL SF/ZF/PF follow the low result, AF = 0. */
#include "cpu/alu.h"

#include "base/bits.h"
#include "cpu/alu_core.h"
#include "cpu/regs.h"

void alu_flags_logic(unsigned size, u64 res, u64 *rf)
{
    alu_core_logic(size, res, rf);
}

u64 alu_add(unsigned s, u64 a, u64 b, u64 *rf) { return alu_core_add(s, a, b, 0, rf); }
u64 alu_adc(unsigned s, u64 a, u64 b, u64 *rf) { return alu_core_add(s, a, b, *rf & RFLAGS_CF, rf); }
u64 alu_sub(unsigned s, u64 a, u64 b, u64 *rf) { return alu_core_sub(s, a, b, 0, rf); }
u64 alu_sbb(unsigned s, u64 a, u64 b, u64 *rf) { return alu_core_sub(s, a, b, *rf & RFLAGS_CF, rf); }

u64 alu_and(unsigned s, u64 a, u64 b, u64 *rf) { u64 r = a & b & bits_mask_bytes(s); alu_flags_logic(s, r, rf); return r; }
u64 alu_or(unsigned s, u64 a, u64 b, u64 *rf) { u64 r = (a | b) & bits_mask_bytes(s); alu_flags_logic(s, r, rf); return r; }
u64 alu_xor(unsigned s, u64 a, u64 b, u64 *rf) { u64 r = (a ^ b) & bits_mask_bytes(s); alu_flags_logic(s, r, rf); return r; }

u64 alu_inc(unsigned s, u64 a, u64 *rf)
{
    u64 cf = *rf & RFLAGS_CF;
    u64 r = alu_core_add(s, a, 1, 0, rf);
    *rf = (*rf & ~RFLAGS_CF) | cf;
    return r;
}

u64 alu_dec(unsigned s, u64 a, u64 *rf)
{
    u64 cf = *rf & RFLAGS_CF;
    u64 r = alu_core_sub(s, a, 1, 0, rf);
    *rf = (*rf & ~RFLAGS_CF) | cf;
    return r;
}

u64 alu_neg(unsigned s, u64 a, u64 *rf)
{
    return alu_core_sub(s, 0, a, 0, rf);
}

u64 alu_shift(unsigned op, unsigned size, u64 a, unsigned count, u64 *rf)
{
    return alu_core_shift(op, size, a, count, rf);
}

u64 alu_shxd(bool left, unsigned size, u64 a, u64 b, unsigned count, u64 *rf)
{
    unsigned bits = size * 8;
    u64 m = bits_mask_bytes(size);
    a &= m, b &= m;
    count &= size == 8 ? 63 : 31;
    if (count == 0)
        return a;
    u128 wide;
    u64 res, cf;
    if (size == 2 && count > 16) {
        /* Intel: 16-bit operands with count > 16 rotate through a 32-bit b:a:b pattern. */
        u64 pat = left ? (a << 32 | b << 16 | a) : (a | b << 16 | a << 32);
        if (left) {
            res = (pat >> (48 - count)) & m;
            cf = (pat >> (48 - count + 16)) & 1;
        } else {
            res = (pat >> count) & m;
            cf = (pat >> (count - 1)) & 1;
        }
    } else if (left) {
        wide = ((u128)a << bits) | b;
        res = (u64)(wide >> (bits - count)) & m;
        cf = (u64)(wide >> (2 * bits - count)) & 1;
    } else {
        wide = ((u128)b << bits) | a;
        res = (u64)(wide >> count) & m;
        cf = (u64)(wide >> (count - 1)) & 1;
    }
    u64 f = alu_core_szp(size, res);
    if (cf) f |= RFLAGS_CF;
    if (alu_core_msb(size, res) ^ alu_core_msb(size, a)) f |= RFLAGS_OF;   /* defined for count 1 */
    alu_core_set(rf, f);
    return res;
}

u64 alu_mul(unsigned size, u64 a, u64 b, u64 *hi, u64 *rf)
{
    u64 m = bits_mask_bytes(size);
    u128 p = (u128)(a & m) * (b & m);
    u64 lo = (u64)p & m;
    *hi = size == 8 ? (u64)(p >> 64) : (u64)(p >> (size * 8)) & m;
    u64 f = alu_core_szp(size, lo);
    if (*hi) f |= RFLAGS_CF | RFLAGS_OF;
    alu_core_set(rf, f);
    return lo;
}

u64 alu_imul(unsigned size, u64 a, u64 b, u64 *hi, u64 *rf)
{
    u64 m = bits_mask_bytes(size);
    i128 p = (i128)(i64)bits_sext_bytes(a, size) * (i64)bits_sext_bytes(b, size);
    u64 lo = (u64)p & m;
    *hi = size == 8 ? (u64)((u128)p >> 64) : (u64)(p >> (size * 8)) & m;
    u64 f = alu_core_szp(size, lo);
    if ((i128)(i64)bits_sext_bytes(lo, size) != p) f |= RFLAGS_CF | RFLAGS_OF;
    alu_core_set(rf, f);
    return lo;
}

bool alu_div(unsigned size, u64 hi, u64 lo, u64 d, u64 *q, u64 *r)
{
    u64 m = bits_mask_bytes(size);
    d &= m;
    if (!d)
        return false;
    u128 n = size == 8 ? ((u128)hi << 64 | lo) : ((u128)(hi & m) << (size * 8) | (lo & m));
    u128 qq = n / d;
    if (qq > m)
        return false;
    *q = (u64)qq;
    *r = (u64)(n % d);
    return true;
}

bool alu_idiv(unsigned size, u64 hi, u64 lo, u64 d, u64 *q, u64 *r)
{
    u64 m = bits_mask_bytes(size);
    i64 sd = (i64)bits_sext_bytes(d, size);
    if (!sd)
        return false;
    i128 n = size == 8 ? (i128)((u128)hi << 64 | lo)
                       : (i128)(i64)bits_sext(((hi & m) << (size * 8)) | (lo & m), size * 16);
    if (sd == -1 && size == 8 && (u128)n == (u128)1 << 127)
        return false;
    i128 qq = n / sd, rr = n % sd;
    i128 lim = (i128)1 << (size * 8 - 1);
    if (qq >= lim || qq < -lim)
        return false;
    *q = (u64)qq & m;
    *r = (u64)rr & m;
    return true;
}

bool alu_cond(unsigned cc, u64 f)
{
    bool r;
    switch (cc >> 1) {
    case 0: r = f & RFLAGS_OF; break;
    case 1: r = f & RFLAGS_CF; break;
    case 2: r = f & RFLAGS_ZF; break;
    case 3: r = f & (RFLAGS_CF | RFLAGS_ZF); break;
    case 4: r = f & RFLAGS_SF; break;
    case 5: r = f & RFLAGS_PF; break;
    case 6: r = !(f & RFLAGS_SF) != !(f & RFLAGS_OF); break;
    default: r = (f & RFLAGS_ZF) || (!(f & RFLAGS_SF) != !(f & RFLAGS_OF)); break;
    }
    return (cc & 1) ? !r : r;
}
