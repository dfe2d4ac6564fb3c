/* devices/cmos.h — Motorola MC146818 RTC and 128-byte CMOS RAM at 0x70 (index, bit 7 = NMI
 * mask on the PC/AT) and 0x71 (data).
 *
 * The clock is derived, never free-running: guest time = epoch + modelled time (vclock) + an
 * offset the guest changes by writing the time registers, so reads are deterministic. Seconds
 * tick at modelled-time multiples of 1 s. Registers A (divider, rate select, UIP), B (SET, PIE,
 * AIE, UIE, DM binary/BCD, 24/12-hour), C (IRQF, PF, AF, UF; read-clears) and D (VRT = 1)
 * behave as in the MC146818A data sheet; the century lives at 0x32 as on the IBM AT and in
 * QEMU (ACPI FADT "CENTURY").
 *
 * Interrupts: periodic (rate from register A RS3-0), alarm (seconds/minutes/hours with the
 * 0xc0-0xff "don't care" codes) and update-ended, on ISA IRQ 8, asserted while C.IRQF is set
 * (cleared by reading C). UIP reads 1 during the 244 µs before each update (data sheet
 * "update cycle"); the update itself is instantaneous. Not modelled: daylight-saving (DSE),
 * the square-wave output, divider reset/test modes other than "stopped" (A bits 6:4 = 11x). */
#ifndef HVSIM_DEVICES_CMOS_H
#define HVSIM_DEVICES_CMOS_H

#include "base/clock.h"
#include "base/iomap.h"
#include "base/irq.h"
#include "base/log.h"

enum {
    CMOS_PORT = 0x70, CMOS_IRQ = 8,
    CMOS_SECONDS = 0x00, CMOS_SECONDS_ALARM = 0x01, CMOS_MINUTES = 0x02, CMOS_MINUTES_ALARM = 0x03,
    CMOS_HOURS = 0x04, CMOS_HOURS_ALARM = 0x05, CMOS_WEEKDAY = 0x06,
    CMOS_DAY = 0x07, CMOS_MONTH = 0x08, CMOS_YEAR = 0x09,
    CMOS_REG_A = 0x0a, CMOS_REG_B = 0x0b, CMOS_REG_C = 0x0c, CMOS_REG_D = 0x0d,
    CMOS_EQUIPMENT = 0x14, CMOS_CENTURY = 0x32,
    CMOS_SIZE = 128,
};
enum { CMOS_A_UIP = 0x80 };
enum { CMOS_B_SET = 0x80, CMOS_B_PIE = 0x40, CMOS_B_AIE = 0x20, CMOS_B_UIE = 0x10,
       CMOS_B_SQWE = 0x08, CMOS_B_DM_BINARY = 0x04, CMOS_B_24H = 0x02, CMOS_B_DSE = 0x01 };
enum { CMOS_C_IRQF = 0x80, CMOS_C_PF = 0x40, CMOS_C_AF = 0x20, CMOS_C_UF = 0x10 };
enum { CMOS_D_VRT = 0x80 };

/* Everything a snapshot needs; no pointers. While register B.SET is 1 the time bytes in ram[]
 * hold the frozen/written values; otherwise they are recomputed on each read. */
struct cmos_state {
    u8 index;          /* 7-bit register index */
    bool nmi_masked;   /* bit 7 of the last index write */
    u8 ram[CMOS_SIZE];
    i64 offset;        /* guest seconds - (epoch + modelled seconds) */
    u64 seen_ns;       /* modelled time up to which register C's flags are current */
};

struct cmos {
    struct cmos_state s;
    struct vclock clock;
    u64 epoch;         /* Unix seconds (UTC) at modelled time 0 */
    struct irq_line irq;
    const struct log *log;
};

/* Construct: NVRAM zero, register A 0x26 (32.768 kHz, 1024 Hz), B 0x02 (24-hour, BCD),
 * C 0, D 0x80, the clock reading `epoch` (Unix seconds, UTC) at modelled time 0. */
void cmos_init(struct cmos *c, const struct log *log, struct vclock clock, u64 epoch,
               struct irq_line irq);

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

/* Read/write a register as the guest would through 0x70/0x71 (NMI mask untouched). */
u8 cmos_read_reg(struct cmos *c, u8 index);
void cmos_write_reg(struct cmos *c, u8 index, u8 value);

/* Modelled ns of the next event that can raise IRQ 8, or UINT64_MAX. */
u64 cmos_next_event(const struct cmos *c);
/* Bring the interrupt flags up to modelled time now_ns (raising IRQ 8 as enabled). */
void cmos_run(struct cmos *c, u64 now_ns);

/* Calendar helpers (proleptic Gregorian, UTC), exported for tests. */
i64 cmos_days_from_civil(i64 y, unsigned m, unsigned d);
void cmos_civil_from_days(i64 days, i64 *y, unsigned *m, unsigned *d);

#endif
