/* devices/debugport.h — the two debug ports every test kernel uses:
 *   0xf4  QEMU isa-debug-exit (iosize 4): a write of V ends the run with status (V<<1)|1;
 *   0xe9  Bochs/QEMU console: written bytes go to the console; reads return 0xe9. */
#ifndef HVSIM_DEVICES_DEBUGPORT_H
#define HVSIM_DEVICES_DEBUGPORT_H

#include "base/iomap.h"

struct debugport {
    void (*on_exit)(void *opaque, u32 value);
    void (*console)(void *opaque, u8 byte);
    void *opaque;
};

int debugport_register(struct debugport *d, struct iomap *ports, char *err, size_t errlen) MUST_CHECK;

#endif
