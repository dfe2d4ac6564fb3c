#include "devices/debugport.h"

static u64 exit_read(void *opaque, u64 off, unsigned size)
{
    (void)opaque, (void)off;
    return ~0ull >> (64 - 8 * size);
}

static void exit_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct debugport *d = opaque;
    (void)size;
    /* QEMU's device takes the value written at the base; byte writes to the other three
       ports are folded in at their offset. */
    if (d->on_exit)
        d->on_exit(d->opaque, (u32)(v << (8 * off)));
}

static u64 e9_read(void *opaque, u64 off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0xe9;
}

static void e9_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct debugport *d = opaque;
    (void)off, (void)size;
    if (d->console)
        d->console(d->opaque, (u8)v);
}

int debugport_register(struct debugport *d, struct iomap *ports, char *err, size_t errlen)
{
    if (iomap_add_device(ports, 0xf4, 4, "isa-debug-exit", d, exit_read, exit_write,
                         IOMAP_W8 | IOMAP_W16 | IOMAP_W32, err, errlen))
        return -1;
    return iomap_add_device(ports, 0xe9, 1, "e9-console", d, e9_read, e9_write, IOMAP_W8, err, errlen);
}
