/* debugger/cmdtab.h — the debugger's command tables and gdb-style name lookup (any unique
 * prefix; short aliases match exactly). Tables are plain arrays, so a later layer (VMX: `info
 * vmcs`, `explain`, `break vmexit`) adds its own table to the list without touching these. */
#ifndef HVSIM_DEBUGGER_CMDTAB_H
#define HVSIM_DEBUGGER_CMDTAB_H

#include <stddef.h>

struct dbg;

/* A command: args is the rest of the line after the name (leading spaces skipped; for
 * `x/4xb 0x10` it starts at the slash). Returns 0, or -1 after printing an error. */
typedef int dbg_cmd_fn(struct dbg *d, const char *args);

enum {
    CMD_REPEAT = 1,   /* an empty line repeats it (interactive only) */
    CMD_ALIAS = 2,    /* a short alias: matches only when typed in full */
};

struct dbg_cmd {
    const char *name;
    dbg_cmd_fn *fn;
    unsigned flags;
    const char *usage;   /* e.g. "stepi [N]" */
    const char *help;    /* one line */
};

struct dbg_cmd_table {
    const struct dbg_cmd *cmds;
    size_t n;
};

/* The command `word` (len bytes) names in the tables: an exact name or alias first, else the
 * only non-alias command it is a prefix of. NULL when unknown (*ncand = 0) or ambiguous
 * (*ncand = number of candidates). */
const struct dbg_cmd *cmdtab_lookup(const struct dbg_cmd_table *tabs, size_t ntabs, const char *word,
                                    size_t len, unsigned *ncand);

/* The first word of s (letters, digits, '_', '-') after leading spaces: its start, with *len
 * set; *rest points past it and following spaces. A '/' ends a word (x/4xb). */
const char *cmdtab_word(const char *s, size_t *len, const char **rest);

/* Completion: the i-th (from 0) command name in the tables starting with prefix, or NULL. */
const char *cmdtab_complete(const struct dbg_cmd_table *tabs, size_t ntabs, const char *prefix, unsigned i);

#endif
