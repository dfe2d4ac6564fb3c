/* base/log.h — per-machine log with QEMU-style `-d` items, written to `-D` file or stderr.
 * Checking whether an item is on costs one load and one branch (log_on). */
#ifndef HVSIM_BASE_LOG_H
#define HVSIM_BASE_LOG_H

#include <stdio.h>

#include "base/types.h"

enum log_item {
    LOG_INT = 1u << 0,         /* interrupts and exceptions delivered */
    LOG_CPU_RESET = 1u << 1,   /* CPU reset and INIT */
    LOG_UNIMP = 1u << 2,       /* unimplemented instructions, MSRs, ports, MMIO */
    LOG_IO = 1u << 3,          /* port I/O */
    LOG_GUEST_ERRORS = 1u << 4,/* guest did something architecturally odd */
    LOG_VMX = 1u << 5,         /* VM entries, exits and entry failures */
    LOG_SVM = 1u << 6,         /* VMRUN / #VMEXIT */
    LOG_EXEC = 1u << 7,        /* every executed instruction (slow) */
    LOG_MMU = 1u << 8,         /* page walks and TLB fills */
};

struct log {
    u32 mask;   /* enabled items */
    FILE *out;  /* NULL = stderr */
};

static inline bool log_on(const struct log *l, enum log_item item)
{
    return unlikely(l->mask & item);
}

/* Print one line (a newline is appended) when `item` is enabled. */
void log_printf(const struct log *l, enum log_item item, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parse a comma-separated -d item list ("int,unimp" or "help").
 * Returns 0 and sets *mask, or -1 and writes the offending item into err. */
int log_parse_items(const char *items, u32 *mask, char *err, size_t errlen);

/* A one-line list of the item names, for --help and "-d help". */
const char *log_item_names(void);

#endif
