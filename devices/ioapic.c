/* devices/ioapic.c — I/O APIC registers and pin logic (82093AA datasheet §3.2). */
#include "devices/ioapic.h"

#include <string.h>

#define RTE_DELIVERY_STATUS (1ull << 12)
#define RTE_POLARITY_LOW (1ull << 13)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
#define RTE_WRITABLE 0xff0000000001afffull

void ioapic_init(struct ioapic *io, u32 id, struct apicbus *bus, const struct log *log)
{
    memset(io, 0, sizeof(*io));
    io->bus = bus;
    io->log = log;
    io->s.id = (id & 0xf) << 24;
    ioapic_reset(io);
}

void ioapic_reset(struct ioapic *io)
{
    u32 id = io->s.id, levels = io->s.pin_level;
    memset(&io->s, 0, sizeof(io->s));
    io->s.id = id;
    io->s.pin_level = levels;
    for (int i = 0; i < IOAPIC_PINS; i++)
        io->s.redir[i] = RTE_MASKED;
}

static bool asserted(const struct ioapic *io, int pin)
{
    bool level = io->s.pin_level >> pin & 1;
    return level != !!(io->s.redir[pin] & RTE_POLARITY_LOW);
}

static void deliver(struct ioapic *io, int pin)
{
    u64 e = io->s.redir[pin];
    struct apic_msg m = {
        .dest = (u32)(e >> 56), .logical = e & (1ull << 11), .x2 = false,
        .shorthand = APIC_SH_NONE, .dm = (enum apic_dm)((e >> 8) & 7), .vector = e & 0xff,
        .level_trig = e & RTE_LEVEL,
    };
    if (m.level_trig && (m.dm == APIC_DM_FIXED || m.dm == APIC_DM_LOWEST))
        io->s.redir[pin] |= RTE_REMOTE_IRR;
    apicbus_send(io->bus, &m, NULL);
}

/* Level pins: deliver while asserted, unmasked and not awaiting an EOI. */
static void service_level(struct ioapic *io, int pin)
{
    u64 e = io->s.redir[pin];
    if ((e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) && asserted(io, pin))
        deliver(io, pin);
}

void ioapic_set_irq(void *opaque, int pin, int level)
{
    struct ioapic *io = opaque;
    if (pin < 0 || pin >= IOAPIC_PINS)
        return;
    bool was = asserted(io, pin);
    if (level)
        io->s.pin_level |= 1u << pin;
    else
        io->s.pin_level &= ~(1u << pin);
    u64 e = io->s.redir[pin];
    if (e & RTE_LEVEL)
        service_level(io, pin);
    else if (!was && asserted(io, pin) && !(e & RTE_MASKED))
        deliver(io, pin);
}

void ioapic_eoi(void *opaque, u8 vector)
{
    struct ioapic *io = opaque;
    for (int i = 0; i < IOAPIC_PINS; i++) {
        u64 e = io->s.redir[i];
        if ((e & RTE_LEVEL) && (e & 0xff) == vector && (e & RTE_REMOTE_IRR)) {
            io->s.redir[i] &= ~RTE_REMOTE_IRR;
            service_level(io, i);
        }
    }
}

u32 ioapic_read_reg(struct ioapic *io, u8 reg)
{
    switch (reg) {
    case 0: return io->s.id;
    case 1: return (u32)(IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
    case 2: return io->s.id;   /* arbitration ID follows the APIC ID */
    }
    if (reg >= 0x10 && reg < 0x10 + 2 * IOAPIC_PINS) {
        u64 e = io->s.redir[(reg - 0x10) / 2];
        return (reg & 1) ? (u32)(e >> 32) : (u32)e;
    }
    return 0xffffffffu;
}

void ioapic_write_reg(struct ioapic *io, u8 reg, u32 v)
{
    if (reg == 0) {
        io->s.id = v & 0x0f000000u;
        return;
    }
    if (reg < 0x10 || reg >= 0x10 + 2 * IOAPIC_PINS) {
        log_printf(io->log, LOG_GUEST_ERRORS, "ioapic: write %#x to read-only register %#x", v, reg);
        return;
    }
    int pin = (reg - 0x10) / 2;
    u64 e = io->s.redir[pin];
    u64 nv = (reg & 1) ? (e & 0xffffffffull) | (u64)v << 32 : (e & ~0xffffffffull) | v;
    io->s.redir[pin] = (nv & RTE_WRITABLE) | (e & (RTE_REMOTE_IRR | RTE_DELIVERY_STATUS));
    if (!(io->s.redir[pin] & RTE_LEVEL))
        io->s.redir[pin] &= ~RTE_REMOTE_IRR;   /* edge entries have no remote IRR */
    service_level(io, pin);   /* unmasking an asserted level pin delivers it */
}

static u64 mmio_read(void *opaque, u64 off, unsigned size)
{
    struct ioapic *io = opaque;
    u32 v = 0;
    if ((off & ~3ull) == 0x00)
        v = io->s.regsel;
    else if ((off & ~3ull) == 0x10)
        v = ioapic_read_reg(io, io->s.regsel);
    return (v >> (8 * (off & 3))) & (~0ull >> (64 - 8 * size));
}

static void mmio_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct ioapic *io = opaque;
    if (off == 0x00)
        io->s.regsel = (u8)v;
    else if (off == 0x10 && size == 4)
        ioapic_write_reg(io, io->s.regsel, (u32)v);
    else
        log_printf(io->log, LOG_GUEST_ERRORS, "ioapic: ignored %u-byte write at +%#llx", size,
                   (unsigned long long)off);
}

int ioapic_register(struct ioapic *io, struct iomap *mem, u64 base, char *err, size_t errlen)
{
    return iomap_add_device(mem, base, 0x1000, "ioapic", io, mmio_read, mmio_write, IOMAP_W8 | IOMAP_W16 | IOMAP_W32, err, errlen);
}
