/* machine/machine.h — the board and hvsim's public embedding API: create a machine from a
 * config, load the kernel, run, read results. Everything hangs off struct machine; several
 * machines can live in one process (no globals). */
#ifndef HVSIM_MACHINE_MACHINE_H
#define HVSIM_MACHINE_MACHINE_H

#include <stdio.h>

#include "machine/config.h"

struct machine;

/* Why machine_run returned. */
enum machine_exit {
    MEXIT_DEBUG_EXIT,      /* guest wrote to port 0xf4: status in machine_exit_status() */
    MEXIT_SHUTDOWN,        /* triple fault */
    MEXIT_HALTED,          /* every vCPU halted with nothing left that could wake it */
    MEXIT_UNIMPLEMENTED,   /* the guest needs something hvsim does not model yet */
    MEXIT_INSN_LIMIT,      /* -max-insns reached */
    MEXIT_FRONTEND,        /* the display front end asked to stop (window closed): status 0 */
    MEXIT_PAUSED,          /* machine_pause or the debugger's poll stopped the run; the machine
                              can run again (machine_run, machine_step) */
};

/* A display front end (the SDL window). The run loop calls `refresh` about 60 times a second of
 * host time to draw and handle input; returning false stops the machine (MEXIT_FRONTEND). Not
 * set: the loop pays one predictable branch per round. */
struct machine_frontend {
    bool (*refresh)(void *opaque);
    void *opaque;
};

/* Build the board (RAM, devices, vCPUs) and load the kernel. Returns NULL with one line in
 * err on failure (bad kernel file, out of memory, ...). */
struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen);
void machine_destroy(struct machine *m);

/* Run until the guest exits or stops. */
enum machine_exit machine_run(struct machine *m);

/* Process exit status for the last exit, QEMU-compatible: (V << 1) | 1 after a debug-exit
 * write of V, 0 after a triple fault. */
int machine_exit_status(const struct machine *m);

/* A one-line description of why the run ended (for stderr). */
const char *machine_exit_message(const struct machine *m);

/* Print -stats counters. */
void machine_print_stats(const struct machine *m, FILE *out);

/* Access to a vCPU for tests and the debugger. */
struct cpu *machine_cpu(struct machine *m, unsigned idx);

/* The debugger as the board sees it: `poll` is called once per scheduling round while the
 * machine runs (Ctrl-C flag, gdbstub socket); returning true pauses the run (MEXIT_PAUSED).
 * Not set: one predictable branch per round. */
struct machine_debugger {
    bool (*poll)(void *opaque);
    void *opaque;
};

/* Install (or, with poll = NULL, remove) the debugger's poll. */
void machine_set_debugger(struct machine *m, const struct machine_debugger *d);

/* Ask the run to pause at the running vCPU's next instruction boundary, before any other vCPU
 * runs again (callable from CPU debug hooks); machine_run then returns MEXIT_PAUSED and the
 * next machine_run continues the round with that vCPU. */
void machine_pause(struct machine *m);

/* Run vCPU idx alone for up to n instructions (the debugger's stepi), letting modelled time
 * pass while it is halted. Returns MEXIT_PAUSED when the steps are done or a pause was asked
 * for, or why the machine stopped. */
enum machine_exit machine_step(struct machine *m, unsigned idx, u64 n);

/* Number of vCPUs. */
unsigned machine_ncpus(const struct machine *m);

/* Has the machine stopped for good (guest exit, shutdown, ...)? */
bool machine_exited(const struct machine *m);

/* Install (or, with refresh = NULL, remove) the display front end. */
void machine_set_frontend(struct machine *m, const struct machine_frontend *fe);

/* The VGA text-mode device, for a display front end to render (devices/vga_text.h). */
struct vga_text;
const struct vga_text *machine_vga(const struct machine *m);

#endif
