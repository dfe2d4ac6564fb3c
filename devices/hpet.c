/* devices/hpet.c — HPET timer block (see hpet.h; IA-PC HPET spec 1.0a §2.3 registers, §2.3.9
 * timer operation, §2.3.9.2.2 periodic mode with TN_VAL_SET_CNF). */
#include "devices/hpet.h"

#include <string.h>

u64 hpet_capabilities(void)
{
    return (u64)HPET_PERIOD_FS << 32 | 0x8086u << 16 | 1u << 15 /* LEG_RT_CAP */ |
           1u << 13 /* COUNT_SIZE_CAP: 64-bit */ | (HPET_TIMERS - 1) << 8 | 0x01 /* REV_ID */;
}

static bool hpet_enabled(const struct hpet *h) { return h->s.config & HPET_CFG_ENABLE; }

static u64 hpet_counter_at(const struct hpet *h, u64 now)
{
    if (!hpet_enabled(h) || now <= h->s.counter_ns)
        return h->s.counter;
    return h->s.counter + (now - h->s.counter_ns) / HPET_NS_PER_TICK;
}

static const struct irq_line hpet_no_line;   /* routes past the last I/O APIC pin go nowhere */

static const struct irq_line *hpet_route(const struct hpet *h, unsigned n)
{
    if ((h->s.config & HPET_CFG_LEGACY) && n < 2)
        return &h->legacy[n];
    unsigned pin = (unsigned)((h->s.t[n].config & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT);
    return pin < ARRAY_SIZE(h->gsi) ? &h->gsi[pin] : &hpet_no_line;
}

static void hpet_set_output(struct hpet *h, unsigned n, bool level)
{
    u8 bit = (u8)(1u << n);
    if (level == !!(h->s.level & bit))
        return;
    h->s.level = level ? h->s.level | bit : h->s.level & (u8)~bit;
    irq_set(hpet_route(h, n), level);
}

/* Timer n matched (§2.3.9.1): edge mode pulses the line; level mode sets the status bit and
   holds the line until software clears the bit. */
static void hpet_fire(struct hpet *h, unsigned n)
{
    const struct hpet_timer_state *t = &h->s.t[n];
    if (t->config & HPET_TN_LEVEL) {
        h->s.isr |= 1u << n;
        hpet_set_output(h, n, true);
    } else {
        hpet_set_output(h, n, false);
        const struct irq_line *l = hpet_route(h, n);
        irq_set(l, 1);
        irq_set(l, 0);
    }
}

/* Counter value of timer n's next match strictly after `seen`, or UINT64_MAX. */
static u64 hpet_match_after(const struct hpet_timer_state *t, u64 seen)
{
    if (t->config & HPET_TN_32BIT) {
        u64 delta = (u32)((u32)t->cmp - (u32)seen);
        return seen + (delta ? delta : 1ull << 32);
    }
    return t->cmp > seen ? t->cmp : UINT64_MAX;
}

void hpet_run(struct hpet *h, u64 now_ns)
{
    u64 c = hpet_counter_at(h, now_ns);
    if (!hpet_enabled(h) || c <= h->s.seen) {
        if (c > h->s.seen)
            h->s.seen = c;
        return;
    }
    for (unsigned n = 0; n < HPET_TIMERS; n++) {
        struct hpet_timer_state *t = &h->s.t[n];
        if (!(t->config & HPET_TN_ENABLE))
            continue;
        u64 m = hpet_match_after(t, h->s.seen);
        if (m > c)
            continue;
        hpet_fire(h, n);
        if ((t->config & HPET_TN_PERIODIC) && t->period) {
            u64 k = (c - m) / t->period + 1;   /* missed periods are coalesced */
            t->cmp = m + k * t->period;
            if (t->config & HPET_TN_32BIT)
                t->cmp &= 0xffffffffu;
        }
    }
    h->s.seen = c;
}

u64 hpet_next_event(const struct hpet *h)
{
    if (!hpet_enabled(h))
        return UINT64_MAX;
    u64 best = UINT64_MAX;
    for (unsigned n = 0; n < HPET_TIMERS; n++) {
        const struct hpet_timer_state *t = &h->s.t[n];
        if (!(t->config & HPET_TN_ENABLE))
            continue;
        u64 m = hpet_match_after(t, h->s.seen);
        if (m == UINT64_MAX || m < h->s.counter || m - h->s.counter > UINT64_MAX / 16)
            continue;
        u64 ns = h->s.counter_ns + (m - h->s.counter) * HPET_NS_PER_TICK;
        if (ns < best)
            best = ns;
    }
    return best;
}

static u64 hpet_read64(struct hpet *h, u64 reg, u64 now)
{
    if (reg == HPET_ID)
        return hpet_capabilities();
    if (reg == HPET_CONFIG)
        return h->s.config;
    if (reg == HPET_ISR)
        return h->s.isr;
    if (reg == HPET_COUNTER)
        return hpet_counter_at(h, now);
    if (reg >= HPET_TIMER0 && reg < HPET_TIMER0 + HPET_TIMERS * HPET_TIMER_STRIDE) {
        const struct hpet_timer_state *t = &h->s.t[(reg - HPET_TIMER0) / HPET_TIMER_STRIDE];
        switch ((reg - HPET_TIMER0) % HPET_TIMER_STRIDE) {
        case 0: return t->config | HPET_TN_PERIODIC_CAP | HPET_TN_SIZE_CAP | HPET_INT_ROUTE_CAP << 32;
        case 8: return t->cmp;
        default: return 0;   /* FSB route: FSB delivery not supported */
        }
    }
    return 0;
}

/* Merge a write of `size` bytes at byte `shift` of a 64-bit register. */
static u64 merge(u64 old, u64 v, unsigned shift, unsigned size)
{
    u64 mask = (size == 8 ? ~0ull : 0xffffffffull) << shift;
    return (old & ~mask) | ((v << shift) & mask);
}

static void hpet_write_timer(struct hpet *h, unsigned n, unsigned field, u64 v, unsigned shift,
                             unsigned size)
{
    struct hpet_timer_state *t = &h->s.t[n];
    if (field == 0) {
        const u64 writable = HPET_TN_LEVEL | HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL |
                             HPET_TN_32BIT | HPET_TN_ROUTE_MASK;
        u64 nc = merge(t->config, v, shift, size) & writable;
        unsigned route = (unsigned)((nc & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT);
        if (!((HPET_INT_ROUTE_CAP >> route) & 1) && shift == 0) {
            log_printf(h->log, LOG_GUEST_ERRORS, "hpet: timer %u routed to pin %u outside the capability",
                       n, route);
        }
        if (v & HPET_TN_FSB_ENABLE && shift == 0)
            log_printf(h->log, LOG_UNIMP, "hpet: FSB interrupt delivery not supported");
        /* A level output falls when the timer leaves level mode, is disabled or re-routed. */
        if ((h->s.level >> n) & 1 &&
            (!(nc & HPET_TN_LEVEL) || !(nc & HPET_TN_ENABLE) ||
             (nc & HPET_TN_ROUTE_MASK) != (t->config & HPET_TN_ROUTE_MASK)))
            hpet_set_output(h, n, false);
        t->config = nc;
        if (nc & HPET_TN_32BIT) {
            t->cmp &= 0xffffffffu;
            t->period &= 0xffffffffu;
        }
        return;
    }
    if (field == 8) {
        if ((t->config & HPET_TN_32BIT) && shift)
            return;   /* the high half does not exist in 32-bit mode */
        u64 nv = merge(t->cmp, v, shift, size);
        if (t->config & HPET_TN_32BIT)
            nv &= 0xffffffffu;
        if (!(t->config & HPET_TN_PERIODIC) || (t->config & HPET_TN_SETVAL))
            t->cmp = nv;
        t->period = merge(t->period, v, shift, size);
        if (t->config & HPET_TN_32BIT)
            t->period &= 0xffffffffu;
        t->config &= ~(u64)HPET_TN_SETVAL;
    }
}

static void hpet_write64(struct hpet *h, u64 reg, u64 v, unsigned shift, unsigned size, u64 now)
{
    if (reg == HPET_CONFIG) {
        u64 old = h->s.config;
        u64 nc = merge(old, v, shift, size) & (HPET_CFG_ENABLE | HPET_CFG_LEGACY);
        if ((old ^ nc) & HPET_CFG_ENABLE) {
            h->s.counter = hpet_counter_at(h, now);
            h->s.counter_ns = now;
            h->s.seen = h->s.counter;
        }
        if ((old ^ nc) & HPET_CFG_LEGACY)   /* outputs move between lines: drop them first */
            for (unsigned n = 0; n < 2; n++)
                hpet_set_output(h, n, false);
        h->s.config = nc;
    } else if (reg == HPET_ISR) {
        u64 clear = merge(0, v, shift, size);
        for (unsigned n = 0; n < HPET_TIMERS; n++)
            if ((clear >> n) & 1 && (h->s.isr >> n) & 1) {
                h->s.isr &= ~(1ull << n);
                hpet_set_output(h, n, false);
            }
    } else if (reg == HPET_COUNTER) {
        if (hpet_enabled(h))
            log_printf(h->log, LOG_GUEST_ERRORS, "hpet: main counter written while running");
        h->s.counter = merge(hpet_counter_at(h, now), v, shift, size);
        h->s.counter_ns = now;
        h->s.seen = h->s.counter;
    } else if (reg >= HPET_TIMER0 && reg < HPET_TIMER0 + HPET_TIMERS * HPET_TIMER_STRIDE) {
        hpet_write_timer(h, (unsigned)((reg - HPET_TIMER0) / HPET_TIMER_STRIDE),
                         (unsigned)((reg - HPET_TIMER0) % HPET_TIMER_STRIDE), v, shift, size);
    }
}

u64 hpet_read(struct hpet *h, u64 off, unsigned size)
{
    u64 now = vclock_now(&h->clock);
    hpet_run(h, now);
    u64 v = hpet_read64(h, off & ~7ull, now) >> (8 * (off & 7));
    return size == 8 ? v : v & 0xffffffffu;
}

void hpet_write(struct hpet *h, u64 off, u64 v, unsigned size)
{
    u64 now = vclock_now(&h->clock);
    hpet_run(h, now);
    hpet_write64(h, off & ~7ull, v, 8 * (unsigned)(off & 7), size, now);
    hpet_run(h, now);
}

static u64 hpet_mmio_read(void *opaque, u64 off, unsigned size)
{
    if (size < 4 || (off & (size - 1)))   /* the spec allows only aligned 32/64-bit access */
        return 0;
    return hpet_read(opaque, off, size);
}

static void hpet_mmio_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct hpet *h = opaque;
    if (size < 4 || (off & (size - 1))) {
        log_printf(h->log, LOG_GUEST_ERRORS, "hpet: %u-byte write at %#llx ignored", size,
                   (unsigned long long)off);
        return;
    }
    hpet_write(h, off, v, size);
}

void hpet_reset(struct hpet *h)
{
    for (unsigned n = 0; n < HPET_TIMERS; n++)
        hpet_set_output(h, n, false);
    memset(&h->s, 0, sizeof h->s);
    h->s.counter_ns = vclock_now(&h->clock);
    for (unsigned n = 0; n < HPET_TIMERS; n++)
        h->s.t[n].cmp = ~0ull;   /* comparators reset to all-ones (§2.3.9) */
}

void hpet_init(struct hpet *h, struct vclock clock, const struct irq_line legacy[2],
               const struct irq_line gsi[24], const struct log *log)
{
    memset(h, 0, sizeof(*h));
    h->clock = clock;
    memcpy(h->legacy, legacy, sizeof h->legacy);
    memcpy(h->gsi, gsi, sizeof h->gsi);
    h->log = log;
    hpet_reset(h);
}

int hpet_register(struct hpet *h, struct iomap *mem, u64 base, char *err, size_t errlen)
{
    return iomap_add_device(mem, base, HPET_LEN, "hpet", h, hpet_mmio_read, hpet_mmio_write,
                            IOMAP_W8 | IOMAP_W16 | IOMAP_W32 | IOMAP_W64, err, errlen);
}
