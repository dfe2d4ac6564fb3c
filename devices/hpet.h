/* devices/hpet.h — High Precision Event Timer block at 0xfed00000 (IA-PC HPET Specification
 * 1.0a): a 64-bit main counter at 100 MHz of modelled time (period 10 ns = 10 000 000 fs, as
 * QEMU), three timers with 64-bit comparators (32-bit mode selectable), one-shot and periodic
 * mode on every timer (with TN_VAL_SET_CNF), edge or level interrupts, I/O APIC routing through
 * TN_INT_ROUTE_CNF (pins 16-23 allowed) and legacy replacement routing (timer 0 → ISA IRQ 0,
 * i.e. GSI 2, and timer 1 → ISA IRQ 8). Registers accept 32- and 64-bit accesses.
 *
 * In legacy replacement mode the board (machine/pc_devices.c) disconnects the PIT's IRQ 0 and
 * the RTC's IRQ 8. Not modelled: FSB (MSI) delivery; a 64-bit comparator set behind the counter
 * waits for the 64-bit wrap (a 32-bit one matches after the 32-bit wrap, as specified). */
#ifndef HVSIM_DEVICES_HPET_H
#define HVSIM_DEVICES_HPET_H

#include "base/clock.h"
#include "base/iomap.h"
#include "base/irq.h"
#include "base/log.h"

enum {
    HPET_BASE = 0xfed00000u, HPET_LEN = 0x400, HPET_TIMERS = 3, HPET_PERIOD_FS = 10000000,
    HPET_NS_PER_TICK = 10,
    HPET_ID = 0x000, HPET_CONFIG = 0x010, HPET_ISR = 0x020, HPET_COUNTER = 0x0f0,
    HPET_TIMER0 = 0x100, HPET_TIMER_STRIDE = 0x20,   /* +0 config/cap, +8 comparator, +0x10 FSB */
};
enum { HPET_CFG_ENABLE = 1u << 0, HPET_CFG_LEGACY = 1u << 1 };
enum { HPET_TN_LEVEL = 1u << 1, HPET_TN_ENABLE = 1u << 2, HPET_TN_PERIODIC = 1u << 3,
       HPET_TN_PERIODIC_CAP = 1u << 4, HPET_TN_SIZE_CAP = 1u << 5, HPET_TN_SETVAL = 1u << 6,
       HPET_TN_32BIT = 1u << 8, HPET_TN_ROUTE_SHIFT = 9, HPET_TN_ROUTE_MASK = 0x1fu << 9,
       HPET_TN_FSB_ENABLE = 1u << 14, HPET_TN_FSB_CAP = 1u << 15 };
#define HPET_INT_ROUTE_CAP 0x00ff0000ull   /* I/O APIC pins 16-23 */

struct hpet_timer_state {
    u64 config;
    u64 cmp;          /* comparator (the next match value) */
    u64 period;       /* periodic increment */
};

struct hpet_state {
    u64 config;
    u64 isr;
    u64 counter;      /* main counter at `counter_ns` (frozen while disabled) */
    u64 counter_ns;
    u64 seen;         /* comparators have been checked up to this counter value */
    struct hpet_timer_state t[HPET_TIMERS];
    u8 level;         /* bit n: timer n's interrupt output currently asserted */
};

struct hpet {
    struct hpet_state s;
    struct vclock clock;
    struct irq_line legacy[2];     /* ISA IRQ 0 and ISA IRQ 8 */
    struct irq_line gsi[24];       /* I/O APIC pins */
    const struct log *log;
};

/* Construct and reset. `legacy` = {ISA IRQ 0, ISA IRQ 8}; `gsi` = I/O APIC pins 0-23. */
void hpet_init(struct hpet *h, struct vclock clock, const struct irq_line legacy[2],
               const struct irq_line gsi[24], const struct log *log);
/* Reset (spec §2.3): halted counter at 0, timers disabled, comparators all-ones, outputs low. */
void hpet_reset(struct hpet *h);
/* Register the 1 KiB window at `base`. Returns 0, or -1 with a message in err. */
int hpet_register(struct hpet *h, struct iomap *mem, u64 base, char *err, size_t errlen) MUST_CHECK;
/* General capabilities and ID register (also the ACPI HPET table's block id, low 32 bits). */
u64 hpet_capabilities(void);
/* Register access at byte offset `off` (size 4 or 8), as the guest would. */
u64 hpet_read(struct hpet *h, u64 off, unsigned size);
void hpet_write(struct hpet *h, u64 off, u64 v, unsigned size);
/* Modelled ns of the next comparator match that interrupts, or UINT64_MAX. */
u64 hpet_next_event(const struct hpet *h);
/* Fire every comparator match up to modelled time now_ns. */
void hpet_run(struct hpet *h, u64 now_ns);

#endif
