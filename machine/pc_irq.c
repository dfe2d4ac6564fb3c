/* machine/pc_irq.c — wiring of the PC interrupt controllers (see pc_irq.h). */
#include "machine/pc_irq.h"

#include <stdlib.h>
#include <string.h>

#include "machine/vcpu_apic.h"

static void pic_intr(void *opaque, int n, int level)
{
    struct pc_irq *p = opaque;
    lapic_set_lint(&p->lapics[0], 0, level);
}

static int pic_inta(void *opaque)
{
    return pic8259_ack(opaque);
}

static void isa_irq(void *opaque, int irq, int level)
{
    struct pc_irq *p = opaque;
    pic8259_set_irq(&p->pic, irq, level);
    ioapic_set_irq(&p->ioapic, irq == 0 ? 2 : irq, level);
}

/* An IPI ends the sender's time slice so the receiver runs soon (deterministically). */
static void ipi_sent(void *opaque, struct lapic *src)
{
    struct pc_irq *p = opaque;
    p->ipis++;
    cpu_signal(src->host.opaque, CPU_SIG_YIELD, 0);
}

int pc_irq_init(struct pc_irq *p, struct cpu *cpus, unsigned n, struct iomap *mem, struct iomap *io,
                const struct log *log, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->lapics = calloc(n, sizeof(*p->lapics));
    p->lapic_ptrs = calloc(n, sizeof(*p->lapic_ptrs));
    if (!p->lapics || !p->lapic_ptrs) {
        snprintf(err, errlen, "out of memory for %u local APICs", n);
        return -1;
    }
    p->ncpus = n;
    p->bus = (struct apicbus){.lapics = p->lapic_ptrs, .count = n, .eoi = ioapic_eoi,
                              .eoi_opaque = &p->ioapic, .on_ipi = ipi_sent,
                              .ipi_opaque = p};
    for (unsigned i = 0; i < n; i++) {
        p->lapic_ptrs[i] = &p->lapics[i];
        vcpu_apic_connect(&cpus[i], &p->lapics[i], &p->bus, pic_inta, &p->pic);
    }
    ioapic_init(&p->ioapic, n, &p->bus, log);   /* the first APIC ID after the processors' */
    pic8259_init(&p->pic, (struct irq_line){.set = pic_intr, .opaque = p}, log);
    if (ioapic_register(&p->ioapic, mem, IOAPIC_BASE, err, errlen) ||
        pic8259_register(&p->pic, io, err, errlen))
        return -1;
    /* What firmware leaves on QEMU's pc board: the BSP's LINT0 unmasked in ExtINT mode, so 8259
       interrupts reach the processor once its APIC is software-enabled (SVR stays 0xff). */
    p->lapics[0].s.lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
    return 0;
}

void pc_irq_destroy(struct pc_irq *p)
{
    free(p->lapics);
    free(p->lapic_ptrs);
    p->lapics = NULL;
    p->lapic_ptrs = NULL;
}

struct irq_line pc_irq_isa_line(struct pc_irq *p, int irq)
{
    return (struct irq_line){.set = isa_irq, .opaque = p, .n = irq};
}
