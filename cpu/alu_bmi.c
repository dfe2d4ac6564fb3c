/* cpu/alu_bmi.c — see alu_bmi.h. */
#include "cpu/alu_bmi.h"

#include "base/bits.h"
#include "cpu/alu_core.h"
#include "cpu/regs.h"

/* ZF/SF/PF from the result, AF cleared, plus the given CF/OF (SDM: "OF = 0" everywhere). */
static u64 bmi_flags(unsigned size, u64 res, bool cf, bool zf_defined)
{
    u64 f = alu_core_szp(size, res) | (cf ? RFLAGS_CF : 0);
    if (!zf_defined)
        f &= ~RFLAGS_ZF;
    return f;
}

u64 alu_bmi(enum alu_bmi_op op, unsigned size, u64 a, u64 b, u64 *rf)
{
    unsigned bits = size * 8;
    u64 m = bits_mask_bytes(size);
    a &= m, b &= m;
    u64 res;
    switch (op) {
    case BMI_ANDN:
        res = ~a & b & m;
        alu_core_set(rf, bmi_flags(size, res, false, true));
        return res;
    case BMI_BEXTR: {
        unsigned start = b & 0xff, len = (b >> 8) & 0xff;
        res = start < bits ? a >> start : 0;
        if (len < bits)
            res &= (1ull << len) - 1;
        alu_core_set(rf, bmi_flags(size, res, false, true));
        return res;
    }
    case BMI_BLSI:
        res = -a & a & m;
        alu_core_set(rf, bmi_flags(size, res, a != 0, true));
        return res;
    case BMI_BLSMSK:   /* ZF is cleared: the mask is never 0 */
        res = ((a - 1) ^ a) & m;
        alu_core_set(rf, bmi_flags(size, res, a == 0, false));
        return res;
    case BMI_BLSR:
        res = (a - 1) & a & m;
        alu_core_set(rf, bmi_flags(size, res, a == 0, true));
        return res;
    case BMI_BZHI: {
        unsigned n = b & 0xff;
        res = n < bits ? a & ((1ull << n) - 1) : a;
        alu_core_set(rf, bmi_flags(size, res, n > bits - 1, true));
        return res;
    }
    case BMI_PDEP: {   /* scatter the low bits of a to the set bits of mask b */
        res = 0;
        for (u64 mask = b, k = 1; mask; mask &= mask - 1, k <<= 1)
            if (a & k)
                res |= mask & -mask;
        return res;
    }
    case BMI_PEXT: {   /* gather the bits of a selected by mask b into the low bits */
        res = 0;
        for (u64 mask = b, k = 1; mask; mask &= mask - 1, k <<= 1)
            if (a & mask & -mask)
                res |= k;
        return res;
    }
    case BMI_SARX:
        return (u64)((i64)bits_sext_bytes(a, size) >> (b & (bits - 1))) & m;
    case BMI_SHLX:
        return (a << (b & (bits - 1))) & m;
    case BMI_SHRX:
        return a >> (b & (bits - 1));
    case BMI_RORX: {
        unsigned n = b & (bits - 1);
        return n ? ((a >> n) | (a << (bits - n))) & m : a;
    }
    default:   /* BMI_MULX: not a single-result operation */
        return 0;
    }
}

u64 alu_adx(bool ox, unsigned size, u64 a, u64 b, u64 *rf)
{
    u64 flag = ox ? RFLAGS_OF : RFLAGS_CF;
    u64 m = bits_mask_bytes(size);
    a &= m, b &= m;
    u64 cin = (*rf & flag) ? 1 : 0;
    u64 res = (a + b + cin) & m;
    bool cout = size == 8 ? res < a || (cin && res == a) : ((a + b + cin) >> (size * 8)) & 1;
    *rf = (*rf & ~flag) | (cout ? flag : 0);
    return res;
}
