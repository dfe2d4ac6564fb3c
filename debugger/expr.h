/* debugger/expr.h — the debugger's integer expressions: numbers (0x hex, 0b binary, decimal),
 * $registers through a callback, unary - ~ !, binary * / % + - << >> & ^ | with C precedence,
 * parentheses. Pure: no machine state. */
#ifndef HVSIM_DEBUGGER_EXPR_H
#define HVSIM_DEBUGGER_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "base/types.h"

/* Value of register `name` (len bytes, without the '$'): true and *v, or false if unknown. */
typedef bool expr_reg_fn(void *opaque, const char *name, size_t len, u64 *v);

/* Parse one expression at *s (leading spaces skipped); on success advance *s past it (and
 * trailing spaces) and return 0. It ends at a character that cannot continue it, so
 * "0x1000 5" parses as 0x1000 leaving "5". -1 with one line in err. */
int expr_parse(const char **s, u64 *v, expr_reg_fn *reg, void *opaque, char *err, size_t errlen);

#endif
