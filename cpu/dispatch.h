/* cpu/dispatch.h — mnemonic -> handler, variant and modelled cost. Implemented with the
 * Zydis mnemonic enum in cpu/dispatch.c; callers pass the value through as unsigned. */
#ifndef HVSIM_CPU_DISPATCH_H
#define HVSIM_CPU_DISPATCH_H

#include "cpu/insn.h"

/* Fill in->exec, in->sub and in->cycles for a decoded mnemonic. */
void dispatch_bind(unsigned mnemonic, struct insn *in);

#endif
