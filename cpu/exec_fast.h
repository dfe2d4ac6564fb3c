/* cpu/exec_fast.h — operand-specialised handlers for the commonest instruction forms. */
#ifndef HVSIM_CPU_EXEC_FAST_H
#define HVSIM_CPU_EXEC_FAST_H

#include "cpu/insn.h"

/* Replace in->exec by a specialised handler when the bound generic handler, its variant and
 * the operand kinds and sizes match one; otherwise leave it. Sets INSN_CHAIN on instructions
 * that change nothing the fetch depends on (the step loop's chained path, cpu/cpu.c). Called by dispatch_bind after
 * the generic binding (in->mode and the operands must be filled). */
void exec_fast_bind(struct insn *in);

#endif
