/* base/clock.h — modelled time as devices see it. The machine's clock counts modelled CPU
 * cycles (TSC = cycles, DESIGN.md "Time and the cycle model"); devices with timers (PIT, PM
 * timer, HPET, RTC) read it in nanoseconds through this interface and never look at the host
 * clock, so runs are deterministic. The nominal TSC frequency fixes the conversion. */
#ifndef HVSIM_BASE_CLOCK_H
#define HVSIM_BASE_CLOCK_H

#include "base/types.h"

enum { CLOCK_TSC_KHZ = 2000000 };   /* nominal TSC: 2 GHz, so 1 ns = 2 cycles */

struct vclock {
    u64 (*now_ns)(void *opaque);   /* monotonic; the current vCPU's modelled time */
    void *opaque;
};

static inline u64 vclock_now(const struct vclock *c) { return c->now_ns(c->opaque); }

static inline u64 clock_cycles_to_ns(u64 cycles) { return cycles / (CLOCK_TSC_KHZ / 1000000); }
static inline u64 clock_ns_to_cycles(u64 ns) { return ns * (CLOCK_TSC_KHZ / 1000000); }

#endif
