/* devices/i8042.c — minimal PC/AT keyboard controller (see i8042.h; IBM PC AT Technical
 * Reference, "Keyboard Controller" commands). */
#include "devices/i8042.h"

#include <string.h>

static void kbc_update_irq(struct i8042 *k)
{
    irq_set(&k->irq1, k->s.qlen && (k->s.cmd_byte & 1));
}

static void kbc_push(struct i8042 *k, u8 v)
{
    if (k->s.qlen < I8042_QUEUE)
        k->s.queue[k->s.qlen++] = v;
    kbc_update_irq(k);
}

static void kbc_request_reset(struct i8042 *k, const char *why)
{
    log_printf(k->log, LOG_CPU_RESET, "i8042: %s", why);
    if (k->reset)
        k->reset(k->opaque, why);
}

static void kbc_write_outport(struct i8042 *k, u8 v)
{
    k->s.outport = v;
    if (!(v & 1))
        kbc_request_reset(k, "system reset through the keyboard controller output port");
}

static void kbc_command(struct i8042 *k, u8 cmd)
{
    k->s.status |= I8042_STS_CMD;
    if (cmd >= 0xf0) {   /* pulse output lines whose bit is 0 in the low nibble; bit 0 = reset */
        if (!(cmd & 1))
            kbc_request_reset(k, "system reset requested with keyboard controller command 0xfe");
        return;
    }
    switch (cmd) {
    case 0x20: kbc_push(k, k->s.cmd_byte); break;
    case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4: k->s.pending = cmd; break;
    case 0xa7: k->s.cmd_byte |= 0x20; break;
    case 0xa8: k->s.cmd_byte &= (u8)~0x20; break;
    case 0xa9: kbc_push(k, 0x00); break;             /* mouse interface test: OK */
    case 0xaa: k->s.status |= I8042_STS_SYS; kbc_push(k, 0x55); break;
    case 0xab: kbc_push(k, 0x00); break;             /* keyboard interface test: OK */
    case 0xad: k->s.cmd_byte |= 0x10; break;
    case 0xae: k->s.cmd_byte &= (u8)~0x10; break;
    case 0xd0: kbc_push(k, k->s.outport); break;
    case 0xdd: kbc_write_outport(k, k->s.outport & (u8)~2); break;   /* A20 off (not modelled) */
    case 0xdf: kbc_write_outport(k, k->s.outport | 2); break;
    default:
        log_printf(k->log, LOG_UNIMP, "i8042: controller command %#x ignored", cmd);
        break;
    }
}

static void kbc_data(struct i8042 *k, u8 v)
{
    u8 cmd = k->s.pending;
    k->s.pending = 0;
    k->s.status &= (u8)~I8042_STS_CMD;
    switch (cmd) {
    case 0x60:
        k->s.cmd_byte = v;
        if (v & 4)
            k->s.status |= I8042_STS_SYS;
        kbc_update_irq(k);
        return;
    case 0xd1: kbc_write_outport(k, v); return;
    case 0xd2: kbc_push(k, v); return;   /* write keyboard output buffer */
    case 0xd3: kbc_push(k, v); return;   /* write mouse output buffer */
    case 0xd4: kbc_push(k, 0xfe); return;/* to the mouse: there is none (resend) */
    default: break;
    }
    /* A byte for the keyboard itself. */
    kbc_push(k, 0xfa);
    if (v == 0xff)
        kbc_push(k, 0xaa);   /* reset: self-test passed */
    else if (v == 0xf2) {
        kbc_push(k, 0xab);   /* identify: MF2 keyboard */
        kbc_push(k, 0x83);
    }
}

static u64 kbc_read_status(void *opaque, u64 off, unsigned size)
{
    struct i8042 *k = opaque;
    (void)off, (void)size;
    return (u64)k->s.status | (k->s.qlen ? I8042_STS_OBF : 0);
}

static u64 kbc_read_data(void *opaque, u64 off, unsigned size)
{
    struct i8042 *k = opaque;
    (void)off, (void)size;
    if (k->s.qlen) {
        k->s.last = k->s.queue[0];
        memmove(k->s.queue, k->s.queue + 1, --k->s.qlen);
        kbc_update_irq(k);
    }
    return k->s.last;
}

static void kbc_write_cmd(void *opaque, u64 off, u64 v, unsigned size)
{
    (void)off, (void)size;
    kbc_command(opaque, (u8)v);
}

static void kbc_write_data(void *opaque, u64 off, u64 v, unsigned size)
{
    (void)off, (void)size;
    kbc_data(opaque, (u8)v);
}

void i8042_reset(struct i8042 *k)
{
    memset(&k->s, 0, sizeof k->s);
    k->s.status = I8042_STS_SYS | I8042_STS_UNLOCKED;
    k->s.cmd_byte = 0x45;
    k->s.outport = 0x03;
    kbc_update_irq(k);
}

void i8042_init(struct i8042 *k, struct irq_line irq1, void (*reset)(void *opaque, const char *why),
                void *opaque, const struct log *log)
{
    memset(k, 0, sizeof(*k));
    k->irq1 = irq1;
    k->reset = reset;
    k->opaque = opaque;
    k->log = log;
    i8042_reset(k);
}

int i8042_register(struct i8042 *k, struct iomap *ports, char *err, size_t errlen)
{
    /* 0x60 and 0x64 with 0x61 (port B, devices/pit8254.c) between them: one range per port. */
    if (iomap_add_device(ports, I8042_DATA, 1, "i8042-data", k, kbc_read_data, kbc_write_data, IOMAP_W8,
                         err, errlen))
        return -1;
    return iomap_add_device(ports, I8042_CMD, 1, "i8042-cmd", k, kbc_read_status, kbc_write_cmd, IOMAP_W8,
                            err, errlen);
}
