/* tests/unit/fake_clock.h — a settable modelled clock and a recording interrupt line for device
 * unit tests (header-only; each test binary has its own copy of the statics). */
#ifndef HVSIM_TESTS_FAKE_CLOCK_H
#define HVSIM_TESTS_FAKE_CLOCK_H

#include "base/clock.h"
#include "base/irq.h"

static u64 fake_ns;
static u64 fake_now(void *opaque) { (void)opaque; return fake_ns; }
static inline struct vclock fake_clock(void) { return (struct vclock){.now_ns = fake_now}; }

/* Up to 32 lines: current level and count of rising edges. */
static int line_level[32];
static unsigned line_edges[32];
static void line_set(void *opaque, int n, int level)
{
    (void)opaque;
    if (n < 0 || n >= 32)
        return;
    if (level && !line_level[n])
        line_edges[n]++;
    line_level[n] = level != 0;
}
static inline struct irq_line fake_line(int n) { return (struct irq_line){.set = line_set, .n = n}; }
static inline void fake_lines_clear(void)
{
    for (int i = 0; i < 32; i++)
        line_level[i] = 0, line_edges[i] = 0;
}

#endif
