/* cpu/task.h — hardware task switches (SDM 3A §8.3) in legacy protected mode: far JMP/CALL
 * to a TSS or task gate, IRET with NT = 1, interrupts and exceptions through task gates; and
 * the inner-privilege stacks the TSS holds for interrupts and call gates. */
#ifndef HVSIM_CPU_TASK_H
#define HVSIM_CPU_TASK_H

#include "cpu/cpu.h"

/* What started a task switch; the values are the VMX task-switch exit qualification's
 * bits 31:30 (SDM 3C Table 28-2). */
enum task_source { TASK_CALL = 0, TASK_IRET = 1, TASK_JMP = 2, TASK_INT = 3 };

/* Far JMP/CALL to a TSS descriptor or a task gate (sel, descriptor desc read from the GDT or
 * LDT): the privilege, type and presence checks of SDM 2A "JMP"/"CALL", then the switch. */
void task_far_transfer(struct cpu *c, u16 sel, u64 desc, enum task_source src);

/* IRET with NT = 1 outside IA-32e mode: return to the task named by the current TSS's
 * previous-task link (SDM 2A "IRET" TASK-RETURN). */
void task_iret(struct cpu *c);

/* An interrupt or exception through the task gate `gate` of the IDT (SDM 2A "INT n"
 * TASK-GATE): switch with nesting, then push the error code when has_err. ext: the EXT bit
 * of error codes. */
void task_gate_event(struct cpu *c, u64 gate, bool has_err, u32 err, u32 ext);

/* The stack of inner privilege level `cpl` from the current TSS (SDM 3A §6.12.1, §5.8.5):
 * outside IA-32e mode SS:ESP of a 32- or 16-bit TSS with the new SS checked (#TS/#SS, error
 * codes with EXT = ext) and its cache, descriptor and descriptor address filled in; in
 * IA-32e mode RSPn, or ISTn when ist != 0, which must be canonical (#SS), sel/ss untouched. */
struct inner_stack {
    u16 sel;
    u64 sp;
    struct seg ss;
    la_t dla;
    u64 desc;
};
void task_inner_stack(struct cpu *c, unsigned cpl, unsigned ist, u32 ext, struct inner_stack *out);

#endif
