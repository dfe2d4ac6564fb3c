/* machine/vcpu_apic.h — wiring between a vCPU and its local APIC: the CPU's cpu_apic interface
 * is implemented by devices/lapic.c, and the APIC's lapic_host by the CPU. */
#ifndef HVSIM_MACHINE_VCPU_APIC_H
#define HVSIM_MACHINE_VCPU_APIC_H

#include "cpu/cpu.h"
#include "devices/apicbus.h"
#include "devices/lapic.h"

/* Create vCPU c's APIC on `bus` and connect both directions. `extint_ack` answers INTA cycles
 * for ExtINT (the 8259) with `extint_opaque`. */
void vcpu_apic_connect(struct cpu *c, struct lapic *l, struct apicbus *bus,
                       int (*extint_ack)(void *opaque), void *extint_opaque);

#endif
