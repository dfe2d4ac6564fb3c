/* machine/config.h — what the command line (or an embedding program) asks the machine to
 * be. Parsed by machine/cli.c with QEMU's option spellings. */
#ifndef HVSIM_MACHINE_CONFIG_H
#define HVSIM_MACHINE_CONFIG_H

#include "base/types.h"
#include "cpu/model.h"

enum serial_mode { SERIAL_STDIO, SERIAL_FILE, SERIAL_NONE };
enum display_mode { DISPLAY_NONE, DISPLAY_SDL };

struct machine_config {
    const char *kernel;          /* -kernel */
    const char *append;          /* -append (NULL: none) */
    const char *initrd;          /* -initrd */
    u64 ram_size;                /* -m, bytes */
    unsigned smp;                /* -smp */
    struct cpu_model model;      /* -cpu */
    const char *cpu_spec;
    enum serial_mode serial;     /* -serial */
    const char *serial_path;
    enum display_mode display;   /* -display */
    bool no_reboot;              /* -no-reboot */
    bool no_shutdown;            /* -no-shutdown: keep the display window open after the run */
    u32 log_mask;                /* -d */
    const char *log_file;        /* -D */
    bool stats;                  /* -stats: print counters at exit */
    u64 max_insns;               /* -max-insns N: stop after N instructions per vCPU (0: no limit) */
    /* The debugger (debugger/, docs/debugger.md). */
    bool debug;                  /* -debug: stop before the first instruction at the prompt */
    struct { const char *text; bool file; } debug_cmds[16];   /* -x FILE / -ex CMD, in order */
    unsigned ndebug_cmds;
    bool batch;                  /* -batch: exit after the -x/-ex commands */
    unsigned gdb_port;           /* -s / -gdb tcp::PORT (0: no gdbstub) */
    bool start_stopped;          /* -S: wait for the gdb client before running */
};

/* Outcome of parsing. CLI_EXIT_OK: --help/--version printed, exit 0. */
enum cli_result { CLI_RUN, CLI_EXIT_OK, CLI_ERROR };

/* Parse argv into cfg. On CLI_ERROR, err holds one line (no trailing newline). --help and
 * --version text go to `out`. */
enum cli_result cli_parse(int argc, char **argv, struct machine_config *cfg, FILE *out,
                          char *err, size_t errlen);

/* Parse a QEMU -m size: "512" (MiB), "512M", "4G", "1T", "size=2G". 0 on error. */
u64 cli_parse_size(const char *s);

#endif
