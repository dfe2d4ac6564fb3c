/* cpu/events.h — exceptions and interrupts: IDT delivery in every mode (SDM 3A §6.12,
 * §6.14, §20.1.4), #DF escalation (SDM 3A §6.15 Table 6-5), triple fault, and the
 * instruction-boundary service of pending events. */
#ifndef HVSIM_CPU_EVENTS_H
#define HVSIM_CPU_EVENTS_H

#include "cpu/cpu.h"

enum event_kind {
    EVT_EXTERNAL,   /* external interrupt or NMI: EXT = 1 in error codes */
    EVT_HW_EXC,     /* processor-detected exception */
    EVT_SW_INT,     /* INT n: gate DPL checked */
    EVT_SW_EXC,     /* INT3, INTO: gate DPL checked */
    EVT_PRIV_SW,    /* INT1 (ICEBP): no gate DPL check */
};

/* Does this vector push an error code when raised by the processor? */
bool event_has_error_code(unsigned vector);

/* Deliver an event through the IDT (or IVT) with return address c->rip. May fault (the
 * nested-fault rules then apply through cpu_fault). */
void event_deliver(struct cpu *c, unsigned vector, u32 err, enum event_kind kind);

/* Raise a software interrupt/exception from an instruction handler and unwind to the step
 * loop. c->rip must already point after the instruction. */
_Noreturn void event_raise_soft(struct cpu *c, unsigned vector, enum event_kind kind);

/* Called by the step loop when c->attention is set or the CPU is not running. */
void events_service(struct cpu *c);

/* The CPU is being shut down by a triple fault. */
void events_shutdown(struct cpu *c, const char *why);

#endif
