/* debugger/xfmt.h — gdb's x/NFU: the count, format letter (x d u o t a c f s i) and unit
 * size (b h w g), and how one unit is printed. Pure. */
#ifndef HVSIM_DEBUGGER_XFMT_H
#define HVSIM_DEBUGGER_XFMT_H

#include <stddef.h>

#include "base/types.h"

struct xfmt {
    unsigned count;   /* units (instructions for 'i', strings for 's') */
    char fmt;         /* x d u o t a c f s i */
    unsigned size;    /* 1, 2, 4, 8 */
};

/* Parse the letters after '/' at *s ("4xb", "i", "10gx"), starting from *f (gdb keeps the last
 * format and size); advance *s past them. Count defaults to 1. 0, or -1 with err. */
int xfmt_parse(const char **s, struct xfmt *f, char *err, size_t errlen);

/* Units printed per line for a format and size (gdb: 8 bytes, 8 halfwords, 4 words, 2 giants). */
unsigned xfmt_per_line(const struct xfmt *f);

/* One unit v of `size` bytes in format `fmt` (not 's' or 'i'), as gdb prints it:
 * x 0x0a, d -1, u 255, o 012, t 00001010, a 0x1000, c 65 'A', f 1.5. */
void xfmt_value(char *buf, size_t n, char fmt, unsigned size, u64 v);

#endif
