/* devices/ioapic.h — an 82093AA-style I/O APIC at 0xfec00000 (Intel 82093AA datasheet §3; SDM 3A
 * §11.1): IOREGSEL at +0x00, IOWIN at +0x10; ID, version (0x11, 24 pins), arbitration ID and the
 * redirection table. Edge pins deliver on an asserted edge; level pins deliver while asserted and
 * the remote IRR is clear, and the remote IRR clears on an EOI broadcast of the entry's vector
 * (after which a still-asserted pin delivers again). Delivery is instantaneous, so the delivery
 * status bit always reads 0. Messages go out through the APIC bus. */
#ifndef HVSIM_DEVICES_IOAPIC_H
#define HVSIM_DEVICES_IOAPIC_H

#include "base/iomap.h"
#include "base/log.h"
#include "devices/apicbus.h"

enum { IOAPIC_BASE = 0xfec00000u, IOAPIC_PINS = 24, IOAPIC_VERSION = 0x11 };

struct ioapic_state {
    u32 id;              /* bits 27:24 */
    u8 regsel;
    u64 redir[IOAPIC_PINS];
    u32 pin_level;       /* raw input levels */
};

struct ioapic {
    struct ioapic_state s;
    struct apicbus *bus;
    const struct log *log;
};

void ioapic_init(struct ioapic *io, u32 id, struct apicbus *bus, const struct log *log);
void ioapic_reset(struct ioapic *io);
int ioapic_register(struct ioapic *io, struct iomap *mem, u64 base, char *err, size_t errlen) MUST_CHECK;
/* Drive input pin n; usable as an irq_set_fn with opaque = the ioapic. */
void ioapic_set_irq(void *opaque, int pin, int level);
/* EOI broadcast from a local APIC (apicbus_eoi_fn). */
void ioapic_eoi(void *opaque, u8 vector);
/* Register access through IOREGSEL/IOWIN, exported for tests. */
u32 ioapic_read_reg(struct ioapic *io, u8 reg);
void ioapic_write_reg(struct ioapic *io, u8 reg, u32 v);

#endif
