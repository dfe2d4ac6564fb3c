/* devices/acpi_pm.h — ACPI fixed-hardware power-management registers (ACPI 6.4 §4.8): the PM1a
 * event block (PM1_STS, PM1_EN), the PM1a control block (PM1_CNT) and the PM timer, at
 * hvsim's own I/O base 0x600 (the ICH9/Q35 location; QEMU's PIIX4 uses 0xb000):
 *
 *   0x600  PM1a_STS  16 bits, write-1-to-clear: TMR_STS 0, PWRBTN_STS 8, RTC_STS 10, WAK_STS 15
 *   0x602  PM1a_EN   16 bits: TMR_EN 0, PWRBTN_EN 8, RTC_EN 10
 *   0x604  PM1a_CNT  16 bits: SCI_EN 0 (always 1: there is no SMI_CMD, the system is always in
 *                    ACPI mode), SLP_TYP 12:10, SLP_EN 13 (write-only)
 *   0x608  PM_TMR    24-bit free-running counter at 3.579545 MHz of modelled time (read-only)
 *
 * SCI is ISA IRQ 9, level, asserted while (PM1_STS & PM1_EN) has a bit set. TMR_STS is set when
 * timer bit 23 changes. Writing SLP_EN hands SLP_TYP to the machine's sleep callback (hvsim's
 * DSDT declares \_S3 = 1 and \_S5 = 0). No GPE blocks, no PM2, no power button source. */
#ifndef HVSIM_DEVICES_ACPI_PM_H
#define HVSIM_DEVICES_ACPI_PM_H

#include "base/clock.h"
#include "base/iomap.h"
#include "base/irq.h"
#include "base/log.h"

enum {
    ACPI_PM_BASE = 0x600, ACPI_PM_LEN = 12,
    ACPI_PM1_EVT = 0x600, ACPI_PM1_CNT = 0x604, ACPI_PM_TMR = 0x608,
    ACPI_PM_TIMER_HZ = 3579545, ACPI_SCI_IRQ = 9,
    ACPI_SLP_TYP_S3 = 1, ACPI_SLP_TYP_S5 = 0,
};
enum { ACPI_PM1_TMR = 1u << 0, ACPI_PM1_PWRBTN = 1u << 8, ACPI_PM1_RTC = 1u << 10,
       ACPI_PM1_WAK = 1u << 15 };
enum { ACPI_CNT_SCI_EN = 1u << 0, ACPI_CNT_SLP_TYP_SHIFT = 10, ACPI_CNT_SLP_EN = 1u << 13 };

struct acpi_pm_state {
    u16 sts, en, cnt;
    u64 tmr_seen;        /* timer ticks when TMR_STS was last brought up to date */
};

struct acpi_pm {
    struct acpi_pm_state s;
    struct vclock clock;
    struct irq_line sci;
    void (*sleep)(void *opaque, unsigned slp_typ);   /* SLP_EN written; may be NULL */
    void *opaque;
    const struct log *log;
};

/* Construct and reset. `sleep` receives SLP_TYP (0-7) when the guest writes SLP_EN. */
void acpi_pm_init(struct acpi_pm *pm, struct vclock clock, struct irq_line sci,
                  void (*sleep)(void *opaque, unsigned slp_typ), void *opaque, const struct log *log);
/* Reset: status and enables 0, SCI_EN 1; the timer keeps counting (it is modelled time). */
void acpi_pm_reset(struct acpi_pm *pm);
/* Register the 12-byte block at `base` (0x600). Returns 0, or -1 with a message in err. */
int acpi_pm_register(struct acpi_pm *pm, struct iomap *ports, u64 base, char *err,
                     size_t errlen) MUST_CHECK;
/* The PM timer's 24-bit value at modelled time now_ns. */
u32 acpi_pm_timer(u64 now_ns);
/* Set status bits from a wake source (RTC alarm: ACPI_PM1_RTC; resume: ACPI_PM1_WAK). */
void acpi_pm_raise(struct acpi_pm *pm, u16 sts_bits);
/* Modelled ns of the next TMR_STS event when TMR_EN is set, else UINT64_MAX. */
u64 acpi_pm_next_event(const struct acpi_pm *pm);
/* Bring TMR_STS and the SCI up to modelled time now_ns. */
void acpi_pm_run(struct acpi_pm *pm, u64 now_ns);

#endif
