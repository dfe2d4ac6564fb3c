/* debugger/debugger.h — hvsim's debugger: the gdb-like command line (-debug, -x, -ex, -batch)
 * and the gdb remote protocol server (-s, -gdb, -S). docs/debugger.md is the manual. */
#ifndef HVSIM_DEBUGGER_DEBUGGER_H
#define HVSIM_DEBUGGER_DEBUGGER_H

#include "machine/machine.h"

/* Run the machine under the debugger as cfg asks (cfg->debug and/or cfg->gdb_port) until the
 * user quits or, without a prompt, the guest stops. Returns the process exit status: the
 * guest's (machine_exit_status) once it has stopped, else 0, or 1 when the last command of a
 * -batch run failed. */
int debugger_main(struct machine *m, const struct machine_config *cfg);

#endif
