/* devices/port92.c — system control port A (see port92.h). */
#include "devices/port92.h"

#include <string.h>

static u64 p92_read(void *opaque, u64 off, unsigned size)
{
    struct port92 *p = opaque;
    (void)off, (void)size;
    return p->s.value;
}

static void p92_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct port92 *p = opaque;
    (void)off, (void)size;
    bool init = (v & 1) && !(p->s.value & 1);
    p->s.value = (u8)(v & ~1u);   /* FAST_INIT self-clears once the reset pulse is sent */
    if (init) {
        log_printf(p->log, LOG_CPU_RESET, "port 0x92: fast init (system reset)");
        if (p->reset)
            p->reset(p->opaque, "system reset requested through port 0x92");
    }
}

void port92_reset(struct port92 *p)
{
    p->s.value = 0x02;
}

void port92_init(struct port92 *p, void (*reset)(void *opaque, const char *why), void *opaque,
                 const struct log *log)
{
    memset(p, 0, sizeof(*p));
    p->reset = reset;
    p->opaque = opaque;
    p->log = log;
    port92_reset(p);
}

int port92_register(struct port92 *p, struct iomap *ports, char *err, size_t errlen)
{
    return iomap_add_device(ports, PORT92_PORT, 1, "port-92", p, p92_read, p92_write, IOMAP_W8,
                            err, errlen);
}
