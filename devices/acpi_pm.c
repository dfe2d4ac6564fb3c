/* devices/acpi_pm.c — ACPI PM1a event/control blocks and PM timer (see acpi_pm.h). */
#include "devices/acpi_pm.h"

#include <string.h>

static u64 pm_ticks(u64 now_ns)
{
    return (u64)((u128)now_ns * ACPI_PM_TIMER_HZ / 1000000000u);
}

u32 acpi_pm_timer(u64 now_ns)
{
    return (u32)(pm_ticks(now_ns) & 0xffffff);
}

static void pm_update_sci(struct acpi_pm *pm)
{
    irq_set(&pm->sci, (pm->s.cnt & ACPI_CNT_SCI_EN) && (pm->s.sts & pm->s.en) != 0);
}

/* TMR_STS is set whenever bit 23 of the timer changed since it was last looked at. Time seen
   through the clock can step back a little when another vCPU (behind this one) reads it; that
   is not a toggle. */
static void pm_update_timer(struct acpi_pm *pm, u64 now_ns)
{
    u64 t = pm_ticks(now_ns);
    if (t <= pm->s.tmr_seen)
        return;
    if ((t >> 23) != (pm->s.tmr_seen >> 23))
        pm->s.sts |= ACPI_PM1_TMR;
    pm->s.tmr_seen = t;
}

void acpi_pm_reset(struct acpi_pm *pm)
{
    pm->s.sts = 0;
    pm->s.en = 0;
    pm->s.cnt = ACPI_CNT_SCI_EN;
    pm->s.tmr_seen = pm_ticks(vclock_now(&pm->clock));
    pm_update_sci(pm);
}

void acpi_pm_init(struct acpi_pm *pm, struct vclock clock, struct irq_line sci,
                  void (*sleep)(void *opaque, unsigned slp_typ), void *opaque, const struct log *log)
{
    memset(pm, 0, sizeof(*pm));
    pm->clock = clock;
    pm->sci = sci;
    pm->sleep = sleep;
    pm->opaque = opaque;
    pm->log = log;
    acpi_pm_reset(pm);
}

void acpi_pm_raise(struct acpi_pm *pm, u16 sts_bits)
{
    pm->s.sts |= sts_bits;
    pm_update_sci(pm);
}

static u8 pm_read_byte(struct acpi_pm *pm, unsigned off, u64 now)
{
    switch (off) {
    case 0: case 1:
        pm_update_timer(pm, now);
        return (u8)(pm->s.sts >> (8 * off));
    case 2: case 3: return (u8)(pm->s.en >> (8 * (off - 2)));
    case 4: case 5: return (u8)((pm->s.cnt & ~ACPI_CNT_SLP_EN) >> (8 * (off - 4)));
    case 8: case 9: case 10: return (u8)(acpi_pm_timer(now) >> (8 * (off - 8)));
    default: return 0;   /* PM_TMR bits 31:24 read 0 (24-bit timer); 0x606-0x607 reserved */
    }
}

static void pm_write_byte(struct acpi_pm *pm, unsigned off, u8 v, u64 now)
{
    switch (off) {
    case 0: case 1:
        pm_update_timer(pm, now);
        pm->s.sts &= (u16)~((u16)v << (8 * off));   /* write 1 to clear */
        break;
    case 2: case 3: {
        u16 mask = (u16)(0xff << (8 * (off - 2)));
        pm->s.en = (u16)((pm->s.en & ~mask) | (((u16)v << (8 * (off - 2))) & mask));
        pm->s.en &= ACPI_PM1_TMR | ACPI_PM1_PWRBTN | ACPI_PM1_RTC;
        pm_update_timer(pm, now);
        break;
    }
    case 4:
        /* SCI_EN stays set: with no SMI_CMD the OS cannot leave ACPI mode (ACPI 6.4 §4.8.2.5). */
        pm->s.cnt = (u16)((pm->s.cnt & 0xff00) | v | ACPI_CNT_SCI_EN);
        break;
    case 5:
        pm->s.cnt = (u16)((pm->s.cnt & 0x00ff) | ((u16)(v & 0x1f) << 8));   /* bits 15:13 write-only/reserved */
        if (v & (ACPI_CNT_SLP_EN >> 8)) {
            unsigned typ = (pm->s.cnt >> ACPI_CNT_SLP_TYP_SHIFT) & 7;
            log_printf(pm->log, LOG_IO, "acpi-pm: SLP_EN with SLP_TYP %u", typ);
            if (pm->sleep)
                pm->sleep(pm->opaque, typ);
        }
        break;
    case 8: case 9: case 10: case 11:
        log_printf(pm->log, LOG_GUEST_ERRORS, "acpi-pm: write to the read-only PM timer ignored");
        break;
    default:
        break;
    }
}

static u64 pm_read(void *opaque, u64 off, unsigned size)
{
    struct acpi_pm *pm = opaque;
    u64 now = vclock_now(&pm->clock), v = 0;
    for (unsigned i = 0; i < size && off + i < ACPI_PM_LEN; i++)
        v |= (u64)pm_read_byte(pm, (unsigned)off + i, now) << (8 * i);
    pm_update_sci(pm);
    return v;
}

static void pm_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct acpi_pm *pm = opaque;
    u64 now = vclock_now(&pm->clock);
    for (unsigned i = 0; i < size && off + i < ACPI_PM_LEN; i++)
        pm_write_byte(pm, (unsigned)off + i, (u8)(v >> (8 * i)), now);
    pm_update_sci(pm);
}

int acpi_pm_register(struct acpi_pm *pm, struct iomap *ports, u64 base, char *err, size_t errlen)
{
    return iomap_add_device(ports, base, ACPI_PM_LEN, "acpi-pm", pm, pm_read, pm_write,
                            IOMAP_W8 | IOMAP_W16 | IOMAP_W32, err, errlen);
}

u64 acpi_pm_next_event(const struct acpi_pm *pm)
{
    if (!(pm->s.en & ACPI_PM1_TMR) || (pm->s.sts & ACPI_PM1_TMR))
        return UINT64_MAX;
    u64 ticks = ((pm->s.tmr_seen >> 23) + 1) << 23;
    return (u64)(((u128)ticks * 1000000000u + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ);
}

void acpi_pm_run(struct acpi_pm *pm, u64 now_ns)
{
    pm_update_timer(pm, now_ns);
    pm_update_sci(pm);
}
