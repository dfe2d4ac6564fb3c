/* devices/i8042.h — the PC/AT keyboard controller (Intel 8042 with IBM firmware) at 0x60 (data)
 * and 0x64 (status/command), modelled only as far as firmware-less guests use it: status reads,
 * the controller commands for the command byte (0x20/0x60), self tests (0xaa, 0xab), output
 * port (0xd0/0xd1, bit 0 = system reset, bit 1 = A20 gate), interface enables (0xad/0xae,
 * 0xa7/0xa8) and pulse-output-line commands (0xf0-0xff: 0xfe pulses the reset line). Bytes
 * written to 0x60 with no command pending go to the keyboard, which acknowledges (0xfa; reset
 * 0xff also answers 0xaa). There is no keyboard input and no mouse. IRQ 1 is asserted while the
 * output buffer is full and command-byte bit 0 is set.
 *
 * A reset request calls the machine's callback; A20 masking is not modelled (always enabled). */
#ifndef HVSIM_DEVICES_I8042_H
#define HVSIM_DEVICES_I8042_H

#include "base/iomap.h"
#include "base/irq.h"
#include "base/log.h"

enum { I8042_DATA = 0x60, I8042_CMD = 0x64, I8042_IRQ = 1, I8042_QUEUE = 4 };
enum { I8042_STS_OBF = 0x01, I8042_STS_IBF = 0x02, I8042_STS_SYS = 0x04, I8042_STS_CMD = 0x08,
       I8042_STS_UNLOCKED = 0x10 };

struct i8042_state {
    u8 status;          /* SYS, CMD and UNLOCKED bits; OBF derives from the queue */
    u8 cmd_byte;
    u8 outport;
    u8 pending;         /* controller command waiting for its data byte (0 = none) */
    u8 queue[I8042_QUEUE];
    u8 qlen;
    u8 last;            /* the last byte read from the output buffer */
};

struct i8042 {
    struct i8042_state s;
    struct irq_line irq1;
    void (*reset)(void *opaque, const char *why);   /* may be NULL */
    void *opaque;
    const struct log *log;
};

/* Construct and reset. `reset` is called for each system reset request. */
void i8042_init(struct i8042 *k, struct irq_line irq1, void (*reset)(void *opaque, const char *why),
                void *opaque, const struct log *log);
/* Reset: empty output buffer, command byte 0x45 (kbd interrupt, system flag, translation),
 * output port 0x03 (reset line inactive, A20 on), status SYS|UNLOCKED as left by POST. */
void i8042_reset(struct i8042 *k);
/* Register 0x60 and 0x64. Returns 0, or -1 with a message in err. */
int i8042_register(struct i8042 *k, struct iomap *ports, char *err, size_t errlen) MUST_CHECK;

#endif
