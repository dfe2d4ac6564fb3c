/* devices/pic8259.h — the PC/AT pair of Intel 8259A programmable interrupt controllers:
 * master at 0x20/0x21 (IRQ 0-7), slave at 0xa0/0xa1 (IRQ 8-15) cascaded on master IR2, and
 * the PIIX edge/level control registers (ELCR) at 0x4d0/0x4d1.
 *
 * Implements ICW1-ICW4 (8086 mode; the MCS-80/85 CALL sequence is not modelled), OCW1 (IMR),
 * OCW2 (non-specific/specific EOI, rotation, set priority), OCW3 (read IRR/ISR, poll, special
 * mask), auto-EOI, special fully nested mode, edge and level triggering, and spurious IRQ 7/15.
 * References: Intel 8259A datasheet (order 231468); Intel PIIX4 datasheet §3.6 for ELCR. */
#ifndef HVSIM_DEVICES_PIC8259_H
#define HVSIM_DEVICES_PIC8259_H

#include "base/iomap.h"
#include "base/irq.h"
#include "base/log.h"

enum {
    PIC8259_MASTER_PORT = 0x20,
    PIC8259_SLAVE_PORT = 0xa0,
    PIC8259_ELCR_PORT = 0x4d0,   /* 0x4d0 master, 0x4d1 slave */
    PIC8259_CASCADE_IRQ = 2,
};

/* One 8259A; no pointers. */
struct pic8259_chip_state {
    u8 input;          /* current level of each IR pin */
    u8 irr, isr, imr;
    u8 elcr;           /* 1 = level triggered (PIIX ELCR) */
    u8 irq_base;       /* ICW2 T7-T3 */
    u8 icw3;
    u8 lowest;         /* IR with the lowest priority (7 after ICW1; moved by rotation) */
    u8 init_step;      /* 0 = operational; 2, 3, 4 = the next ICW expected */
    bool icw4_needed, single, ltim;
    bool auto_eoi, rotate_on_aeoi, sfnm;
    bool read_isr;     /* OCW3 RR/RIS: port base reads ISR instead of IRR */
    bool poll;         /* OCW3 P: next read is a poll */
    bool special_mask;
};

struct pic8259_state {
    struct pic8259_chip_state chip[2];   /* [0] master, [1] slave */
    bool intr;                           /* current INTR output level */
};

struct pic8259 {
    struct pic8259_state s;
    struct irq_line intr;                /* INTR output to the CPU (or LAPIC LINT0) */
    const struct log *log;
};

/* Construct and reset. `intr` is the INTR output; `log` must not be NULL. */
void pic8259_init(struct pic8259 *pic, struct irq_line intr, const struct log *log);

/* Power-on/board reset: both chips as after an ICW1 with IR pins low, IMR 0, vector bases 0,
 * ELCR 0. Lowers INTR if it was high. */
void pic8259_reset(struct pic8259 *pic);

/* Register the master, slave and ELCR ports at their fixed PC addresses (the three ranges are
 * unrelated, so there is no base argument). Returns 0, or -1 with a message in err. */
int pic8259_register(struct pic8259 *pic, struct iomap *ports, char *err, size_t errlen) MUST_CHECK;

/* Drive ISA interrupt input `irq` (0-15) to `level` (0 or non-zero). Usable as an irq_set_fn
 * with `opaque` = the pic. IRQ 2 is the cascade input on the AT, so a device asserting ISA IRQ 2
 * reaches slave IR1 (IRQ 9), as the AT bus wires it. Out-of-range irqs are ignored. */
void pic8259_set_irq(void *opaque, int irq, int level);

/* Interrupt acknowledge (the CPU's INTA cycle): returns the vector for the highest-priority
 * unmasked request and moves it from IRR to ISR (unless auto-EOI). With nothing to deliver,
 * returns the spurious IRQ 7 vector (master base + 7, no ISR bit set); a request on IR2 whose
 * slave has nothing returns slave base + 7 with master ISR2 set. Updates INTR. */
int pic8259_ack(struct pic8259 *pic);

/* True when INTR is asserted (an unmasked request outranks everything in service). */
bool pic8259_intr_pending(const struct pic8259 *pic);

#endif
