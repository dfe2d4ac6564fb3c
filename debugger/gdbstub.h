/* debugger/gdbstub.h — the gdb remote serial protocol server (-s, -gdb tcp::PORT, -S): one
 * client at a time, one thread per vCPU, linear addresses for m/M/Z as in QEMU, and qRcmd
 * running the debugger's own commands (gdb's `monitor info registers`). */
#ifndef HVSIM_DEBUGGER_GDBSTUB_H
#define HVSIM_DEBUGGER_GDBSTUB_H

#include <stddef.h>

#include "debugger/dbg.h"

/* Listen on 127.0.0.1:port. NULL with one line in err. */
struct gdbstub *gdbstub_open(struct dbg *d, unsigned port, char *err, size_t errlen);
void gdbstub_close(struct gdbstub *g);

/* The descriptor to wait on for the stub's next input (the listener or the client). */
int gdbstub_fd(const struct gdbstub *g);
bool gdbstub_connected(const struct gdbstub *g);

/* Input is ready on gdbstub_fd: accept the client or handle its packets (a `c` or `s` runs the
 * machine before this returns). */
void gdbstub_service(struct gdbstub *g);

/* While the machine runs (the run loop's poll): true when the client sent Ctrl-C or a new
 * client is waiting to connect. Never blocks. */
bool gdbstub_poll(struct gdbstub *g);

/* The machine stopped because of something other than the client (the prompt ran it): tell
 * the client if it is waiting for a stop reply. */
void gdbstub_notify_stop(struct gdbstub *g);

/* The g-packet register file of vCPU c, as hex, into out (at least GDBSTUB_G_HEX + 1 bytes). */
#define GDBSTUB_G_BYTES 608
#define GDBSTUB_G_HEX (2 * GDBSTUB_G_BYTES)
void gdbstub_encode_regs(const struct cpu *c, char *out);

#endif
