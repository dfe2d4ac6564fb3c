/* devices/cmos.h — Motorola MC146818 RTC and 128-byte CMOS RAM at 0x70 (index, bit 7 = NMI
 * mask on the PC/AT) and 0x71 (data).
 *
 * The clock is derived, never free-running: guest time = now_seconds() + an offset the guest
 * changes by writing the time registers. now_seconds() is supplied by the machine (modelled
 * time plus an epoch option), so reads are deterministic. Registers A (UIP always 0), B (SET,
 * DM binary/BCD, 24/12-hour), C (read-clears) and D (VRT = 1) behave as in the MC146818A data
 * sheet; the century lives at 0x32 as on the IBM AT and in QEMU (ACPI FADT "CENTURY").
 *
 * Not modelled yet (they need the machine clock): periodic, alarm and update-ended interrupts
 * (IRQ 8) and their register C flags; daylight-saving (DSE) adjustment. */
#ifndef HVSIM_DEVICES_CMOS_H
#define HVSIM_DEVICES_CMOS_H

#include "base/iomap.h"
#include "base/log.h"

enum {
    CMOS_PORT = 0x70,
    CMOS_SECONDS = 0x00, CMOS_MINUTES = 0x02, CMOS_HOURS = 0x04, CMOS_WEEKDAY = 0x06,
    CMOS_DAY = 0x07, CMOS_MONTH = 0x08, CMOS_YEAR = 0x09,
    CMOS_REG_A = 0x0a, CMOS_REG_B = 0x0b, CMOS_REG_C = 0x0c, CMOS_REG_D = 0x0d,
    CMOS_CENTURY = 0x32,
    CMOS_SIZE = 128,
};
enum { CMOS_B_SET = 0x80, CMOS_B_PIE = 0x40, CMOS_B_AIE = 0x20, CMOS_B_UIE = 0x10,
       CMOS_B_SQWE = 0x08, CMOS_B_DM_BINARY = 0x04, CMOS_B_24H = 0x02, CMOS_B_DSE = 0x01 };
enum { CMOS_D_VRT = 0x80 };

/* Everything a snapshot needs; no pointers. While register B.SET is 1 the time bytes in ram[]
 * hold the frozen/written values; otherwise they are recomputed on each read. */
struct cmos_state {
    u8 index;          /* 7-bit register index */
    bool nmi_masked;   /* bit 7 of the last index write */
    u8 ram[CMOS_SIZE];
    i64 offset;        /* guest seconds - now_seconds() */
};

struct cmos {
    struct cmos_state s;
    u64 (*now_seconds)(void *opaque);
    void *opaque;
    const struct log *log;
};

/* Construct: NVRAM zero, register A 0x26 (32.768 kHz, 1024 Hz), B 0x02 (24-hour, BCD),
 * C 0, D 0x80, clock = now_seconds() (Unix seconds, UTC). `log` must not be NULL. */
void cmos_init(struct cmos *c, const struct log *log, u64 (*now_seconds)(void *opaque),
               void *opaque);

/* The RESET pin: clears B.PIE/AIE/UIE/SQWE and register C; time, NVRAM, the index register
 * and the NMI mask are kept (the chip is battery-backed). */
void cmos_reset(struct cmos *c);

/* Register the index/data port pair at `base` (0x70). Returns 0, or -1 with a message. */
int cmos_register(struct cmos *c, struct iomap *ports, u64 base, char *err,
                  size_t errlen) MUST_CHECK;

/* True when the last write to the index port had bit 7 set (NMIs masked). */
bool cmos_nmi_masked(const struct cmos *c);

/* Set NVRAM byte `index` (0x0e-0x7f, not the century byte; others are ignored): the machine's
 * way to fill in equipment, boot-order or SMP-count bytes. */
void cmos_set_byte(struct cmos *c, u8 index, u8 value);

/* Fill in the memory-size bytes as QEMU's pc_cmos_init does: 0x15/0x16 base memory in KiB
 * (<= 640), 0x17/0x18 and 0x30/0x31 KiB above 1 MiB (<= 65535), 0x34/0x35 64-KiB units above
 * 16 MiB below 4 GiB (<= 65535), 0x5b-0x5d 64-KiB units above 4 GiB. */
void cmos_set_memory_size(struct cmos *c, u64 below_4g, u64 above_4g);

#endif
