/* cpu/gate.h — far CALL/JMP through call gates (SDM 3A §5.8.3-5.8.6). */
#ifndef HVSIM_CPU_GATE_H
#define HVSIM_CPU_GATE_H

#include "cpu/cpu.h"

/* Far CALL (call = true) or JMP through the call gate `gate` named by gsel, read at linear
 * address gla: the gate and target checks of SDM 2A "CALL"/"JMP", then the transfer; a CALL
 * to a more privileged non-conforming segment switches to the TSS stack and copies the
 * gate's parameter count of stack entries (none for 64-bit gates). CALL pushes CS and c->rip,
 * which must already point after the instruction. */
void gate_far_transfer(struct cpu *c, u16 gsel, u64 gate, la_t gla, bool call);

#endif
