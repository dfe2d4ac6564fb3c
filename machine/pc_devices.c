/* machine/pc_devices.c — creation, wiring and timer scheduling of the PC platform devices
 * (see pc_devices.h). */
#include "machine/pc_devices.h"

#include <string.h>

/* The PIT's IRQ 0 and the RTC's IRQ 8 are disconnected while the HPET's legacy replacement
   route owns those lines (IA-PC HPET spec 1.0a §2.4.2 / Table 2-1). */
static bool hpet_legacy(const struct pc_devices *d) { return d->hpet.s.config & HPET_CFG_LEGACY; }

static void pit_irq(void *opaque, int n, int level)
{
    struct pc_devices *d = opaque;
    (void)n;
    d->pit_level = level;
    if (!hpet_legacy(d)) {
        struct irq_line l = pc_irq_isa_line(d->irq, 0);
        irq_set(&l, level);
    }
}

static void rtc_irq(void *opaque, int n, int level)
{
    struct pc_devices *d = opaque;
    (void)n;
    d->rtc_level = level;
    if (!hpet_legacy(d)) {
        struct irq_line l = pc_irq_isa_line(d->irq, CMOS_IRQ);
        irq_set(&l, level);
    }
}

static struct irq_line ioapic_pin(struct pc_irq *irq, int pin)
{
    return (struct irq_line){.set = ioapic_set_irq, .opaque = &irq->ioapic, .n = pin};
}

/* The CMOS bytes QEMU's pc_cmos_init fills in (hw/i386/pc.c): memory sizes, equipment byte
   (no floppy, FPU present, display: EGA/VGA), and the century. */
static void pc_fill_cmos(struct cmos *c, u64 below_4g, u64 above_4g)
{
    cmos_set_memory_size(c, below_4g, above_4g);
    cmos_set_byte(c, CMOS_EQUIPMENT, 0x02 /* FPU */ | 0x04 /* PS/2 mouse */);   /* display 00: EGA/VGA */
    cmos_set_byte(c, 0x10, 0x00);   /* no floppy drives */
    cmos_set_byte(c, 0x12, 0x00);   /* no fixed disks */
    cmos_set_byte(c, 0x3d, 0x02);   /* boot order: first device hard disk (firmware hint only) */
}

int pc_devices_init(struct pc_devices *d, const struct pc_devices_config *cfg, char *err,
                    size_t errlen)
{
    memset(d, 0, sizeof(*d));
    d->irq = cfg->irq;
    struct pc_irq *irq = cfg->irq;
    const struct log *log = cfg->log;

    cmos_init(&d->cmos, log, cfg->clock, cfg->rtc_epoch,
              (struct irq_line){.set = rtc_irq, .opaque = d, .n = CMOS_IRQ});
    pc_fill_cmos(&d->cmos, cfg->below_4g, cfg->above_4g);
    pit8254_init(&d->pit, cfg->clock, (struct irq_line){.set = pit_irq, .opaque = d}, log);
    i8042_init(&d->kbc, pc_irq_isa_line(irq, I8042_IRQ), cfg->reset, cfg->opaque, log);
    port92_init(&d->p92, cfg->reset, cfg->opaque, log);

    struct irq_line lines[PCTESTDEV_IRQS];
    for (int n = 0; n < PCTESTDEV_IRQS; n++)
        lines[n] = n < 16 ? pc_irq_isa_line(irq, n) : ioapic_pin(irq, n);
    pctestdev_init(&d->testdev, lines, cfg->flush_page, cfg->opaque, log);
    pci_host_init(&d->pci, cfg->reset, cfg->opaque, log);
    acpi_pm_init(&d->pm, cfg->clock, pc_irq_isa_line(irq, ACPI_SCI_IRQ), cfg->sleep, cfg->opaque, log);

    struct irq_line legacy[2] = {pc_irq_isa_line(irq, 0), pc_irq_isa_line(irq, CMOS_IRQ)};
    struct irq_line gsi[24];
    for (int n = 0; n < 24; n++)
        gsi[n] = ioapic_pin(irq, n);
    hpet_init(&d->hpet, cfg->clock, legacy, gsi, log);

    if (cmos_register(&d->cmos, cfg->io, CMOS_PORT, err, errlen) ||
        pit8254_register(&d->pit, cfg->io, err, errlen) ||
        i8042_register(&d->kbc, cfg->io, err, errlen) ||
        port92_register(&d->p92, cfg->io, err, errlen) ||
        pctestdev_register(&d->testdev, cfg->io, cfg->mem, err, errlen) ||
        pci_host_register(&d->pci, cfg->io, cfg->mem, err, errlen) ||
        acpi_pm_register(&d->pm, cfg->io, ACPI_PM_BASE, err, errlen) ||
        hpet_register(&d->hpet, cfg->mem, HPET_BASE, err, errlen))
        return -1;

    struct acpi_config acfg = {
        .ncpus = cfg->ncpus, .ioapic_id = cfg->ncpus, .ioapic_base = IOAPIC_BASE,
        .pm_base = ACPI_PM_BASE, .sci_irq = ACPI_SCI_IRQ, .hpet_base = HPET_BASE,
        .hpet_block_id = (u32)hpet_capabilities(), .century_index = CMOS_CENTURY,
    };
    return acpi_tables_build(cfg->ram_low, cfg->below_4g, &acfg, &d->acpi, err, errlen);
}

void pc_devices_reset(struct pc_devices *d)
{
    cmos_reset(&d->cmos);
    pit8254_reset(&d->pit);
    i8042_reset(&d->kbc);
    port92_reset(&d->p92);
    pctestdev_reset(&d->testdev);
    pci_host_reset(&d->pci);
    acpi_pm_reset(&d->pm);
    hpet_reset(&d->hpet);
}

static u64 min_u64(u64 a, u64 b) { return a < b ? a : b; }

u64 pc_devices_next_event(const struct pc_devices *d)
{
    u64 t = pit8254_next_event(&d->pit);
    t = min_u64(t, cmos_next_event(&d->cmos));
    t = min_u64(t, acpi_pm_next_event(&d->pm));
    return min_u64(t, hpet_next_event(&d->hpet));
}

void pc_devices_run(struct pc_devices *d, u64 now_ns)
{
    bool legacy = hpet_legacy(d);
    if (legacy != d->legacy_seen) {
        d->legacy_seen = legacy;
        if (!legacy) {   /* the PIT and the RTC get their lines back */
            struct irq_line l0 = pc_irq_isa_line(d->irq, 0), l8 = pc_irq_isa_line(d->irq, CMOS_IRQ);
            irq_set(&l0, d->pit_level);
            irq_set(&l8, d->rtc_level);
        }
    }
    pit8254_run(&d->pit, now_ns);
    cmos_run(&d->cmos, now_ns);
    acpi_pm_run(&d->pm, now_ns);
    hpet_run(&d->hpet, now_ns);
}

u32 pc_devices_waking_vector(const struct pc_devices *d, const u8 *ram_low)
{
    const u8 *p = ram_low + d->acpi.facs + ACPI_FACS_WAKING_VECTOR;
    return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}
