/* cpu/alu_host.h — arithmetic flags read from the host's own flags register after the host
 * ran the same operation: on an x86-64 host an ADD, SUB or TEST of the guest's operand size
 * leaves CF PF AF ZF SF OF exactly as the guest instruction defines them (SDM 1 §3.4.3), and
 * LAHF + SETO fetch them in two instructions where computing them takes about twenty.
 * Only defined flags are taken from the host (AMD and Intel differ in undefined ones).
 * ALU_HOST is 0 on other hosts; the portable computations of cpu/alu_core.h then serve,
 * and tests/unit/test_alu_host.c checks both against each other on every build that has
 * both. */
#ifndef HVSIM_CPU_ALU_HOST_H
#define HVSIM_CPU_ALU_HOST_H

#include "base/bits.h"

#if defined(__x86_64__)
#define ALU_HOST 1

/* RFLAGS bits from LAHF's AH (SF ZF AF PF CF sit where RFLAGS has them) and SETO. */
#define ALU_HOST_FLAGS(ax, of) ((((ax) >> 8) & 0xd5) | (u64)(of) << 11)

/* One host operation of each size: `op` is the mnemonic without its size suffix. The
   result register is rewritten in full for sizes 4 and 8 and in its low bytes for 1 and 2;
   the caller masks the result to the size. */
#define ALU_HOST_OP(op, size, r, b, ax, of)                                                   \
    do {                                                                                      \
        switch (size) {                                                                       \
        case 1: __asm__(op "b %b[b], %b[r]\n\tlahf\n\tseto %[o]"                               \
                        : [r] "+q"(r), "=a"(ax), [o] "=q"(of) : [b] "q"(b) : "cc"); break;      \
        case 2: __asm__(op "w %w[b], %w[r]\n\tlahf\n\tseto %[o]"                               \
                        : [r] "+r"(r), "=a"(ax), [o] "=q"(of) : [b] "r"(b) : "cc"); break;      \
        case 4: __asm__(op "l %k[b], %k[r]\n\tlahf\n\tseto %[o]"                               \
                        : [r] "+r"(r), "=a"(ax), [o] "=q"(of) : [b] "r"(b) : "cc"); break;      \
        default: __asm__(op "q %[b], %[r]\n\tlahf\n\tseto %[o]"                                \
                         : [r] "+r"(r), "=a"(ax), [o] "=q"(of) : [b] "r"(b) : "cc"); break;     \
        }                                                                                     \
    } while (0)

/* a + b on `size` bytes: the result (masked) and all six arithmetic flags in *f. */
static inline __attribute__((always_inline)) u64 alu_host_add(unsigned size, u64 a, u64 b, u64 *f)
{
    u64 r = a, ax;
    u8 of;
    ALU_HOST_OP("add", size, r, b, ax, of);
    *f = ALU_HOST_FLAGS(ax, of);
    return r & bits_mask_bytes(size);
}

/* a - b on `size` bytes: the result (masked) and all six arithmetic flags in *f. */
static inline __attribute__((always_inline)) u64 alu_host_sub(unsigned size, u64 a, u64 b, u64 *f)
{
    u64 r = a, ax;
    u8 of;
    ALU_HOST_OP("sub", size, r, b, ax, of);
    *f = ALU_HOST_FLAGS(ax, of);
    return r & bits_mask_bytes(size);
}

/* ZF, SF and PF of a result of `size` bytes (TEST of the result with itself). */
static inline __attribute__((always_inline)) u64 alu_host_szp(unsigned size, u64 res)
{
    u64 ax;
    switch (size) {
    case 1: __asm__("testb %b[v], %b[v]\n\tlahf" : "=a"(ax) : [v] "q"(res) : "cc"); break;
    case 2: __asm__("testw %w[v], %w[v]\n\tlahf" : "=a"(ax) : [v] "r"(res) : "cc"); break;
    case 4: __asm__("testl %k[v], %k[v]\n\tlahf" : "=a"(ax) : [v] "r"(res) : "cc"); break;
    default: __asm__("testq %[v], %[v]\n\tlahf" : "=a"(ax) : [v] "r"(res) : "cc"); break;
    }
    return (ax >> 8) & 0xc4;
}

#else
#define ALU_HOST 0
static inline u64 alu_host_add(unsigned size, u64 a, u64 b, u64 *f) { (void)size, (void)a, (void)b, (void)f; __builtin_unreachable(); }
static inline u64 alu_host_sub(unsigned size, u64 a, u64 b, u64 *f) { (void)size, (void)a, (void)b, (void)f; __builtin_unreachable(); }
static inline u64 alu_host_szp(unsigned size, u64 res) { (void)size, (void)res; __builtin_unreachable(); }
#endif

#endif
