/* tests/unit/apic_fixture.h — a board of N local APICs on one APIC bus with fake processors:
 * each processor's TSC is a plain variable and the signals it receives are counted. Shared by
 * the local-APIC and I/O-APIC suites. */
#ifndef HVSIM_TESTS_APIC_FIXTURE_H
#define HVSIM_TESTS_APIC_FIXTURE_H

#include "devices/apicbus.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"

enum { FIX_CPUS = 4 };

struct fake_cpu {
    u64 tsc;
    unsigned intr, nmi, init, sipi, smi;   /* signals received */
    u8 sipi_vector;
};

struct apic_fixture {
    struct fake_cpu cpu[FIX_CPUS];
    struct lapic lapic[FIX_CPUS];
    struct lapic *ptrs[FIX_CPUS];
    struct apicbus bus;
    struct ioapic ioapic;
    struct log log;
    unsigned ipis;                         /* on_ipi callbacks */
};

/* Build `n` APICs with ids 0..n-1 (APIC 0 is the BSP), all features on, and an I/O APIC with
 * id n on the same bus. */
void fixture_init(struct apic_fixture *f, unsigned n);

/* Software-enable APIC i (SVR = 0x1ff). */
void fixture_sw_enable(struct apic_fixture *f, unsigned i);

/* Highest vector in APIC i's IRR or ISR, -1 when empty. */
int fixture_highest_irr(const struct lapic *l);
int fixture_highest_isr(const struct lapic *l);

#endif
