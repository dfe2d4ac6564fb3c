/* tests/unit/apic_fixture.c — see apic_fixture.h. */
#include "apic_fixture.h"

#include <string.h>

static u64 fake_now(void *o) { return ((struct fake_cpu *)o)->tsc; }

static void fake_signal(void *o, enum lapic_signal s, u8 vector)
{
    struct fake_cpu *c = o;
    switch (s) {
    case LAPIC_SIG_INTR: c->intr++; break;
    case LAPIC_SIG_NMI: c->nmi++; break;
    case LAPIC_SIG_INIT: c->init++; break;
    case LAPIC_SIG_SIPI: c->sipi++; c->sipi_vector = vector; break;
    case LAPIC_SIG_SMI: c->smi++; break;
    }
}

static void on_ipi(void *o, struct lapic *src)
{
    (void)src;
    ((struct apic_fixture *)o)->ipis++;
}

void fixture_init(struct apic_fixture *f, unsigned n)
{
    memset(f, 0, sizeof(*f));
    f->bus = (struct apicbus){.lapics = f->ptrs, .count = n, .eoi = ioapic_eoi,
                              .eoi_opaque = &f->ioapic, .on_ipi = on_ipi, .ipi_opaque = f};
    for (unsigned i = 0; i < n; i++) {
        struct lapic_config cfg = {.id = i, .bsp = i == 0, .x2apic = true, .tsc_deadline = true,
                                   .maxphyaddr = 39};
        struct lapic_host host = {.now = fake_now, .signal = fake_signal, .opaque = &f->cpu[i]};
        f->ptrs[i] = &f->lapic[i];
        lapic_init(&f->lapic[i], &cfg, &f->bus, &host, &f->log);
    }
    ioapic_init(&f->ioapic, n, &f->bus, &f->log);
}

void fixture_sw_enable(struct apic_fixture *f, unsigned i)
{
    lapic_mmio_write(&f->lapic[i], APIC_SVR, 0x1ff);
}

static int highest(const u32 *bm)
{
    for (int i = 7; i >= 0; i--)
        if (bm[i])
            return i * 32 + 31 - __builtin_clz(bm[i]);
    return -1;
}

int fixture_highest_irr(const struct lapic *l) { return highest(l->s.irr); }
int fixture_highest_isr(const struct lapic *l) { return highest(l->s.isr); }
