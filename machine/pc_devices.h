/* machine/pc_devices.h — the PC platform devices beyond the interrupt controllers, UART and
 * fw_cfg: CMOS/RTC, 8254 PIT with port 0x61, i8042 and port 0x92 (reset sources), QEMU's
 * pc-testdev, the PCI host with pci-testdev, the ACPI tables and PM registers, and the HPET.
 * One place creates, registers, resets and runs their timers (docs/devices.md describes each).
 *
 * Time: every device reads modelled time through `clock` (the current vCPU's time). Timer
 * events are not callbacks: the machine asks pc_devices_next_event() when the earliest one is
 * due and calls pc_devices_run() at or after that time. */
#ifndef HVSIM_MACHINE_PC_DEVICES_H
#define HVSIM_MACHINE_PC_DEVICES_H

#include "base/clock.h"
#include "base/iomap.h"
#include "devices/acpi_pm.h"
#include "devices/acpi_tables.h"
#include "devices/cmos.h"
#include "devices/hpet.h"
#include "devices/i8042.h"
#include "devices/pci.h"
#include "devices/pctestdev.h"
#include "devices/pit8254.h"
#include "devices/port92.h"
#include "machine/pc_irq.h"

/* 2026-01-01 00:00:00 UTC: the RTC's reading at modelled time 0 unless the board says otherwise. */
#define PC_RTC_EPOCH_DEFAULT 1767225600ull

struct pc_devices_config {
    struct iomap *mem, *io;
    struct pc_irq *irq;
    struct vclock clock;
    u8 *ram_low;                  /* guest physical 0 .. below_4g */
    u64 below_4g, above_4g;       /* RAM sizes */
    unsigned ncpus;
    u64 rtc_epoch;                /* Unix seconds at modelled time 0 */
    const struct log *log;
    /* Board callbacks (any may be NULL). */
    void (*reset)(void *opaque, const char *why);      /* i8042 0xfe, port 0x92, 0xcf9 */
    void (*sleep)(void *opaque, unsigned slp_typ);     /* ACPI PM1a_CNT.SLP_EN */
    void (*flush_page)(void *opaque, u64 gpa);         /* pc-testdev port 0xe4 */
    void *opaque;
};

struct pc_devices {
    struct cmos cmos;
    struct pit8254 pit;
    struct i8042 kbc;
    struct port92 p92;
    struct pctestdev testdev;
    struct pci_host pci;
    struct acpi_pm pm;
    struct hpet hpet;
    struct acpi_layout acpi;
    struct pc_irq *irq;
    bool pit_level, rtc_level;    /* PIT/RTC outputs, held back in HPET legacy mode */
    bool legacy_seen;             /* HPET legacy replacement as of the last pc_devices_run */
};

/* Create every device, register its ports/MMIO, fill the CMOS and write the ACPI tables into
 * RAM. Returns 0, or -1 with a message in err. */
int pc_devices_init(struct pc_devices *d, const struct pc_devices_config *cfg, char *err,
                    size_t errlen) MUST_CHECK;
/* System reset of every device (CMOS time and NVRAM survive). */
void pc_devices_reset(struct pc_devices *d);
/* Modelled ns of the earliest device timer event, UINT64_MAX when none is pending. */
u64 pc_devices_next_event(const struct pc_devices *d);
/* Fire every device event due at or before now_ns. */
void pc_devices_run(struct pc_devices *d, u64 now_ns);
/* The FACS firmware waking vector the guest stored (for S3 resume). */
u32 pc_devices_waking_vector(const struct pc_devices *d, const u8 *ram_low);

#endif
