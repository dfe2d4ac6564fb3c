/* devices/port92.h — PS/2 "system control port A" at 0x92 (IBM PS/2 reference; Intel PIIX4
 * datasheet §4.1 "Port 92h"): bit 0 FAST_INIT — writing 1 where it was 0 requests a system
 * reset (the callback); bit 1 FAST_A20 — stored and read back, masking is not modelled
 * (A20 is always enabled). Other bits are stored. */
#ifndef HVSIM_DEVICES_PORT92_H
#define HVSIM_DEVICES_PORT92_H

#include "base/iomap.h"
#include "base/log.h"

enum { PORT92_PORT = 0x92 };

struct port92_state {
    u8 value;
};

struct port92 {
    struct port92_state s;
    void (*reset)(void *opaque, const char *why);   /* may be NULL */
    void *opaque;
    const struct log *log;
};

/* Construct and reset. `reset` is called for each fast-init request. */
void port92_init(struct port92 *p, void (*reset)(void *opaque, const char *why), void *opaque,
                 const struct log *log);
/* Reset: 0x02 (A20 enabled, as after firmware). */
void port92_reset(struct port92 *p);
/* Register port 0x92. Returns 0, or -1 with a message in err. */
int port92_register(struct port92 *p, struct iomap *ports, char *err, size_t errlen) MUST_CHECK;

#endif
