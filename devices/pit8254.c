/* devices/pit8254.c — Intel 8254 PIT and port 0x61 (see pit8254.h). Counter values and outputs
 * are pure functions of the clocks elapsed since counting started (Intel 8254 datasheet,
 * "Modes" section, figures for modes 0-5). */
#include "devices/pit8254.h"

#include <string.h>

enum { REFRESH_NS = 15085 };   /* port 0x61 bit 4 half-period (IBM AT: ~15 µs) */

static u64 pit_ticks(u64 ns) { return (u64)((u128)ns * PIT_HZ / 1000000000u); }
static u64 pit_tick_ns(u64 t) { return (u64)(((u128)t * 1000000000u + PIT_HZ - 1) / PIT_HZ); }

/* The counting modulus N: the count register with 0 meaning the maximum. */
static u64 pit_modulus(const struct pit_channel_state *ch)
{
    return ch->count ? ch->count : (ch->bcd ? 10000 : 65536);
}

static bool gate_pauses(const struct pit_channel_state *ch)
{
    return ch->mode == 0 || ch->mode == 2 || ch->mode == 3 || ch->mode == 4;
}

/* Clocks counted so far at input clock t. */
static u64 pit_elapsed(const struct pit_channel_state *ch, u64 t)
{
    if (!ch->counting)
        return 0;
    if (!ch->gate && gate_pauses(ch))
        return ch->paused_d;
    return t > ch->load_tick ? t - ch->load_tick : 0;
}

static u16 pit_value(const struct pit_channel_state *ch, u64 d)
{
    u64 n = pit_modulus(ch), m = ch->bcd ? 10000 : 65536, v;
    if (!ch->counting)
        v = n % m;
    else switch (ch->mode) {
    case 2:
        v = n - d % n;
        break;
    case 3: {
        u64 p = d % n, h = (n + 1) / 2;
        v = p < h ? n - 2 * p : n - 2 * (p - h);
        break;
    }
    default:
        v = (n + m - d % m) % m;
        break;
    }
    v %= m;
    if (ch->bcd)
        v = (v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10;
    return (u16)v;
}

static bool pit_out_at(const struct pit_channel_state *ch, u64 d)
{
    u64 n = pit_modulus(ch);
    if (!ch->counting)
        return ch->mode != 0;
    switch (ch->mode) {
    case 0: case 1: return d >= n;
    case 2: return n <= 1 || d % n != n - 1;
    case 3: return d % n < (n + 1) / 2;
    default: return d != n;   /* modes 4, 5: one clock low at terminal count */
    }
}

/* Rising output edges with elapsed clocks in (d0, d1]. */
static u64 pit_rising_edges(const struct pit_channel_state *ch, u64 d0, u64 d1)
{
    u64 n = pit_modulus(ch);
    if (!ch->counting || d1 <= d0)
        return 0;
    switch (ch->mode) {
    case 0: case 1: return d0 < n && n <= d1;
    case 2: case 3: return d1 / n - d0 / n;
    default: return d0 < n + 1 && n + 1 <= d1;
    }
}

/* Elapsed clocks of the first rising edge after d0, or UINT64_MAX. */
static u64 pit_next_edge(const struct pit_channel_state *ch, u64 d0)
{
    u64 n = pit_modulus(ch);
    if (!ch->counting)
        return UINT64_MAX;
    switch (ch->mode) {
    case 0: case 1: return d0 < n ? n : UINT64_MAX;
    case 2: case 3: return (d0 / n + 1) * n;
    default: return d0 < n + 1 ? n + 1 : UINT64_MAX;
    }
}

bool pit8254_out(const struct pit8254 *p, unsigned n, u64 now_ns)
{
    const struct pit_channel_state *ch = &p->s.ch[n % PIT_CHANNELS];
    return pit_out_at(ch, pit_elapsed(ch, pit_ticks(now_ns)));
}

u16 pit8254_count(const struct pit8254 *p, unsigned n, u64 now_ns)
{
    const struct pit_channel_state *ch = &p->s.ch[n % PIT_CHANNELS];
    return pit_value(ch, pit_elapsed(ch, pit_ticks(now_ns)));
}

static void pit_set_irq(struct pit8254 *p, bool level)
{
    if (level != p->s.irq_level) {
        p->s.irq_level = level;
        irq_set(&p->irq0, level);
    }
}

void pit8254_run(struct pit8254 *p, u64 now_ns)
{
    u64 t = pit_ticks(now_ns);
    if (t < p->s.irq_seen_tick)
        return;   /* a vCPU behind the one that last ran the PIT */
    const struct pit_channel_state *ch = &p->s.ch[0];
    u64 d0 = pit_elapsed(ch, p->s.irq_seen_tick), d1 = pit_elapsed(ch, t);
    bool level = pit_out_at(ch, d1);
    if (pit_rising_edges(ch, d0, d1)) {
        pit_set_irq(p, false);   /* make the edge visible to edge-triggered inputs */
        pit_set_irq(p, true);
    }
    pit_set_irq(p, level);
    p->s.irq_seen_tick = t;
}

u64 pit8254_next_event(const struct pit8254 *p)
{
    const struct pit_channel_state *ch = &p->s.ch[0];
    u64 d = pit_next_edge(ch, pit_elapsed(ch, p->s.irq_seen_tick));
    if (d == UINT64_MAX || d > (UINT64_MAX >> 32))
        return UINT64_MAX;
    return pit_tick_ns(ch->load_tick + d);
}

static u16 bcd_to_bin(u16 v)
{
    unsigned r = 0;
    for (int i = 3; i >= 0; i--) {
        unsigned digit = (v >> (4 * i)) & 15;
        r = r * 10 + (digit > 9 ? 9 : digit);
    }
    return (u16)r;
}

static void pit_load(struct pit8254 *p, unsigned n, u16 raw, u64 now_ns)
{
    struct pit_channel_state *ch = &p->s.ch[n];
    u64 t = pit_ticks(now_ns);
    if (n == 0)
        pit8254_run(p, now_ns);
    ch->count = ch->bcd ? bcd_to_bin(raw) : raw;
    ch->null_count = false;
    switch (ch->mode) {
    case 1: case 5:
        break;   /* waits for a gate trigger */
    default:
        ch->counting = true;
        ch->load_tick = t;
        ch->paused_d = 0;
        break;
    }
    if (n == 0) {
        p->s.irq_seen_tick = t;
        pit_set_irq(p, pit_out_at(ch, 0));
    }
}

static u8 pit_status(const struct pit_channel_state *ch, u64 t)
{
    return (u8)((pit_out_at(ch, pit_elapsed(ch, t)) << 7) | (ch->null_count << 6) | (ch->rw << 4) |
                (ch->mode << 1) | ch->bcd);
}

static void pit_latch_count(struct pit_channel_state *ch, u64 t)
{
    if (ch->latched)
        return;   /* a second latch before the first is read is ignored */
    ch->latch = pit_value(ch, pit_elapsed(ch, t));
    ch->latched = ch->rw == 3 ? 2 : 1;
}

static void pit_control(struct pit8254 *p, u8 v, u64 now_ns)
{
    u64 t = pit_ticks(now_ns);
    unsigned sc = v >> 6;
    if (sc == 3) {   /* read-back */
        for (unsigned n = 0; n < PIT_CHANNELS; n++) {
            if (!(v & (2u << n)))
                continue;
            struct pit_channel_state *ch = &p->s.ch[n];
            if (!(v & 0x20))
                pit_latch_count(ch, t);
            if (!(v & 0x10) && !ch->status_latched) {
                ch->status = pit_status(ch, t);
                ch->status_latched = true;
            }
        }
        return;
    }
    struct pit_channel_state *ch = &p->s.ch[sc];
    unsigned rw = (v >> 4) & 3;
    if (rw == 0) {
        pit_latch_count(ch, t);
        return;
    }
    if (sc == 0)
        pit8254_run(p, now_ns);
    unsigned mode = (v >> 1) & 7;
    ch->mode = (u8)(mode >= 6 ? mode - 4 : mode);
    ch->rw = (u8)rw;
    ch->bcd = v & 1;
    ch->counting = false;
    ch->null_count = true;
    ch->write_hi = ch->read_hi = false;
    ch->latched = 0;
    ch->status_latched = false;
    if (sc == 0) {
        p->s.irq_seen_tick = t;
        pit_set_irq(p, pit_out_at(ch, 0));
    }
}

static u64 pit_read(void *opaque, u64 off, unsigned size)
{
    struct pit8254 *p = opaque;
    (void)size;
    if (off == 3)
        return 0xff;   /* the control word register is write-only */
    struct pit_channel_state *ch = &p->s.ch[off];
    if (ch->status_latched) {
        ch->status_latched = false;
        return ch->status;
    }
    u16 v;
    bool hi;
    if (ch->latched) {
        v = ch->latch;
        hi = ch->rw == 2 || (ch->rw == 3 && ch->latched == 1);
        ch->latched--;
        if (ch->rw != 3)
            ch->latched = 0;
    } else {
        v = pit_value(ch, pit_elapsed(ch, pit_ticks(vclock_now(&p->clock))));
        hi = ch->rw == 2 || (ch->rw == 3 && ch->read_hi);
        if (ch->rw == 3)
            ch->read_hi = !ch->read_hi;
    }
    return hi ? v >> 8 : v & 0xff;
}

static void pit_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct pit8254 *p = opaque;
    u64 now = vclock_now(&p->clock);
    (void)size;
    if (off == 3) {
        pit_control(p, (u8)v, now);
        return;
    }
    struct pit_channel_state *ch = &p->s.ch[off];
    switch (ch->rw) {
    case 1: pit_load(p, (unsigned)off, (u8)v, now); break;
    case 2: pit_load(p, (unsigned)off, (u16)((v & 0xff) << 8), now); break;
    case 3:
        if (!ch->write_hi) {
            ch->write_lo = (u8)v;
            ch->write_hi = true;
        } else {
            ch->write_hi = false;
            pit_load(p, (unsigned)off, (u16)(ch->write_lo | (v & 0xff) << 8), now);
        }
        break;
    default:
        log_printf(p->log, LOG_GUEST_ERRORS, "pit: count write to channel %u before a control word",
                   (unsigned)off);
        break;
    }
}

/* Channel 2's gate (port 0x61 bit 0). */
static void pit_set_gate2(struct pit8254 *p, bool gate, u64 now_ns)
{
    struct pit_channel_state *ch = &p->s.ch[2];
    u64 t = pit_ticks(now_ns);
    if (gate == ch->gate)
        return;
    if (!gate) {
        if (gate_pauses(ch))
            ch->paused_d = pit_elapsed(ch, t);
        ch->gate = false;
        return;
    }
    ch->gate = true;
    switch (ch->mode) {
    case 1: case 5:   /* trigger (or retrigger) */
        if (!ch->null_count || ch->count) {
            ch->counting = true;
            ch->load_tick = t;
        }
        break;
    case 2: case 3:   /* a rising gate reloads the count */
        ch->load_tick = t;
        break;
    default:          /* modes 0, 4: counting resumes */
        ch->load_tick = t - (ch->paused_d < t ? ch->paused_d : t);
        break;
    }
}

static u64 portb_read(void *opaque, u64 off, unsigned size)
{
    struct pit8254 *p = opaque;
    (void)off, (void)size;
    u64 now = vclock_now(&p->clock);
    u8 v = p->s.port_b & 0x0f;
    if ((now / REFRESH_NS) & 1)
        v |= 0x10;
    if (pit8254_out(p, 2, now))
        v |= 0x20;
    return v;
}

static void portb_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct pit8254 *p = opaque;
    (void)off, (void)size;
    p->s.port_b = (u8)(v & 0x0f);
    pit_set_gate2(p, v & 1, vclock_now(&p->clock));
}

void pit8254_reset(struct pit8254 *p)
{
    memset(&p->s, 0, sizeof p->s);
    p->s.ch[0].gate = p->s.ch[1].gate = true;
    for (unsigned n = 0; n < PIT_CHANNELS; n++)
        p->s.ch[n].rw = 3;
    p->s.irq_seen_tick = pit_ticks(vclock_now(&p->clock));
    irq_set(&p->irq0, 0);
}

void pit8254_init(struct pit8254 *p, struct vclock clock, struct irq_line irq0, const struct log *log)
{
    memset(p, 0, sizeof(*p));
    p->clock = clock;
    p->irq0 = irq0;
    p->log = log;
    pit8254_reset(p);
}

int pit8254_register(struct pit8254 *p, struct iomap *ports, char *err, size_t errlen)
{
    if (iomap_add_device(ports, PIT_PORT, 4, "pit8254", p, pit_read, pit_write, IOMAP_W8, err, errlen))
        return -1;
    return iomap_add_device(ports, PIT_PORT_B, 1, "port-61", p, portb_read, portb_write, IOMAP_W8,
                            err, errlen);
}
