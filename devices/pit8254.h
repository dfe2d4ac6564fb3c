/* devices/pit8254.h — Intel 8254 programmable interval timer at 0x40-0x43 and the PC/AT
 * system control port B at 0x61 (Intel 8254 datasheet, order 231164; IBM AT technical
 * reference for port 0x61).
 *
 * Three 16-bit down counters clocked at 1.193182 MHz of modelled time (the vclock): modes 0-5,
 * binary and BCD counting, lobyte/hibyte/word access, counter latch, read-back (count and
 * status), null count. Counter values are computed from the time since the count was loaded,
 * never ticked. Channel 0 drives ISA IRQ 0 (its gate is tied high); channel 1 (DRAM refresh)
 * counts but drives nothing; channel 2's gate is port 0x61 bit 0 and its output reads back as
 * port 0x61 bit 5. Port 0x61 also holds the speaker-data bit 1 and the parity-check enables
 * (bits 2-3, stored), and bit 4 toggles every 15.085 µs of modelled time (the refresh-request
 * toggle that firmware delay loops poll). No sound is produced.
 *
 * Simplifications (documented in docs/devices.md): a count written while a mode 2/3 period is
 * in progress takes effect at once (the data sheet waits for the period to end); in mode 3 with
 * an odd count the output is high for (N+1)/2 clocks and low for (N-1)/2; mode 0's "first byte
 * of a two-byte count stops counting" is not modelled. */
#ifndef HVSIM_DEVICES_PIT8254_H
#define HVSIM_DEVICES_PIT8254_H

#include "base/clock.h"
#include "base/iomap.h"
#include "base/irq.h"
#include "base/log.h"

enum { PIT_PORT = 0x40, PIT_PORT_B = 0x61, PIT_HZ = 1193182, PIT_CHANNELS = 3 };

struct pit_channel_state {
    u16 count;          /* count register as loaded (0 = 65536, or 10000 in BCD) */
    u8 mode, rw, bcd;   /* control word fields */
    bool gate;
    bool counting;      /* a count is loaded (and, in modes 1/5, triggered) */
    bool null_count;    /* count written but not yet moved to the counting element */
    u64 load_tick;      /* input clock at which counting (re)started */
    u64 paused_d;       /* elapsed clocks frozen while the gate is low (modes 0, 2, 3, 4) */
    bool write_hi;      /* rw = 3: next count byte written is the high byte */
    u8 write_lo;
    bool read_hi;       /* rw = 3: next unlatched read returns the high byte */
    u8 latched;         /* bytes of latched count still to be read (0-2) */
    u16 latch;
    bool status_latched;
    u8 status;
};

struct pit_state {
    struct pit_channel_state ch[PIT_CHANNELS];
    u8 port_b;           /* bits 0-3 of port 0x61 as written */
    u64 irq_seen_tick;   /* channel 0 output edges are delivered up to this clock */
    bool irq_level;
};

struct pit8254 {
    struct pit_state s;
    struct vclock clock;
    struct irq_line irq0;
    const struct log *log;
};

/* Construct and reset. `irq0` receives channel 0's output (ISA IRQ 0). */
void pit8254_init(struct pit8254 *p, struct vclock clock, struct irq_line irq0, const struct log *log);
/* Reset: every channel in mode 0 without a count, output low (channel 0: IRQ 0 low), gates of
 * channels 0 and 1 high, channel 2 gate low (port 0x61 = 0). */
void pit8254_reset(struct pit8254 *p);
/* Register 0x40-0x43 and 0x61. Returns 0, or -1 with a message in err. */
int pit8254_register(struct pit8254 *p, struct iomap *ports, char *err, size_t errlen) MUST_CHECK;

/* Output pin and current count of channel `n` at modelled time now_ns (for tests). */
bool pit8254_out(const struct pit8254 *p, unsigned n, u64 now_ns);
u16 pit8254_count(const struct pit8254 *p, unsigned n, u64 now_ns);

/* Modelled ns of channel 0's next rising output edge, or UINT64_MAX. */
u64 pit8254_next_event(const struct pit8254 *p);
/* Deliver channel 0's output edges up to now_ns to IRQ 0. */
void pit8254_run(struct pit8254 *p, u64 now_ns);

#endif
