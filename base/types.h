/* base/types.h — integer and address-space vocabulary shared by every module.
 *
 * Three address spaces never mix in one variable (DESIGN.md "Memory"):
 *   la_t  linear / guest-virtual address
 *   gpa_t guest-physical address (under EPT/NPT)
 *   pa_t  bus (host-physical) address of the simulated machine
 */
#ifndef HVSIM_BASE_TYPES_H
#define HVSIM_BASE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;
typedef int64_t i64;
typedef unsigned __int128 u128;
typedef __int128 i128;

typedef u64 la_t;
typedef u64 gpa_t;
typedef u64 pa_t;

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define MUST_CHECK __attribute__((warn_unused_result))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
