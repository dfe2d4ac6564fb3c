/* base/bits.h — bit helpers. */
#ifndef HVSIM_BASE_BITS_H
#define HVSIM_BASE_BITS_H

#include <string.h>

#include "base/types.h"

#define BIT(n) (1ull << (n))

/* Little-endian host loads and stores of `size` bytes: 1, 2, 4, or anything else meaning 8.
   Constant-size copies, which the compiler turns into one move (a variable-size memcpy is a
   library call). */
static inline u64 bits_load_le(const u8 *p, unsigned size)
{
    switch (size) {
    case 1: return *p;
    case 2: { u16 v; memcpy(&v, p, 2); return v; }
    case 4: { u32 v; memcpy(&v, p, 4); return v; }
    default: { u64 v; memcpy(&v, p, 8); return v; }
    }
}

static inline void bits_store_le(u8 *p, unsigned size, u64 v)
{
    switch (size) {
    case 1: *p = (u8)v; break;
    case 2: { u16 t = (u16)v; memcpy(p, &t, 2); break; }
    case 4: { u32 t = (u32)v; memcpy(p, &t, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

/* GENMASK(hi, lo): bits hi..lo set (inclusive), hi <= 63. */
#define GENMASK(hi, lo) ((~0ull >> (63 - (hi))) & (~0ull << (lo)))

/* Mask of the low `bytes` bytes (1, 2, 4 or 8). */
static inline u64 bits_mask_bytes(unsigned bytes)
{
    return bytes >= 8 ? ~0ull : (1ull << (bytes * 8)) - 1;
}

/* Sign-extend the low `bytes` bytes of v to 64 bits. */
static inline u64 bits_sext_bytes(u64 v, unsigned bytes)
{
    unsigned shift = 64 - bytes * 8;
    return bytes >= 8 ? v : (u64)((i64)(v << shift) >> shift);
}

/* Sign-extend the low `nbits` bits of v (1..64). */
static inline u64 bits_sext(u64 v, unsigned nbits)
{
    unsigned shift = 64 - nbits;
    return nbits >= 64 ? v : (u64)((i64)(v << shift) >> shift);
}

/* Extract bits hi..lo of v, shifted down. */
static inline u64 bits_get(u64 v, unsigned hi, unsigned lo)
{
    return (v & GENMASK(hi, lo)) >> lo;
}

/* True iff la is canonical for a linear-address width of `width` bits (48 or 57). */
static inline bool bits_is_canonical(u64 la, unsigned width)
{
    return bits_sext(la, width) == la;
}

#endif
