/* machine/pc_irq.h — the PC's interrupt fabric: the 8259 pair, the I/O APIC, one local APIC per
 * vCPU and the APIC bus joining them. ISA IRQ n reaches 8259 input n and I/O APIC pin n, except
 * that IRQ 0 (the PIT) is wired to I/O APIC pin 2, as on QEMU's pc board and in the MADT's
 * interrupt-source override. The 8259's INTR goes to LINT0 of the bootstrap processor's APIC. */
#ifndef HVSIM_MACHINE_PC_IRQ_H
#define HVSIM_MACHINE_PC_IRQ_H

#include "base/iomap.h"
#include "base/irq.h"
#include "cpu/cpu.h"
#include "devices/apicbus.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "devices/pic8259.h"

struct pc_irq {
    struct pic8259 pic;
    struct ioapic ioapic;
    struct apicbus bus;
    struct lapic *lapics;          /* [ncpus] */
    struct lapic **lapic_ptrs;     /* the bus's view of lapics[] */
    unsigned ncpus;
    u64 ipis;                      /* IPIs sent so far (the board shortens slices while vCPUs talk) */
};

/* Build the fabric for cpus[0..n) and register the 8259 ports and the I/O APIC window. Leaves the
 * BSP's LINT0 in ExtINT mode, as PC firmware does. Returns 0, or -1 with a
 * message in err (pc_irq_destroy is still safe then). */
int pc_irq_init(struct pc_irq *p, struct cpu *cpus, unsigned n, struct iomap *mem, struct iomap *io,
                const struct log *log, char *err, size_t errlen) MUST_CHECK;
void pc_irq_destroy(struct pc_irq *p);

/* The line for ISA IRQ `irq` (0-15). */
struct irq_line pc_irq_isa_line(struct pc_irq *p, int irq);

#endif
