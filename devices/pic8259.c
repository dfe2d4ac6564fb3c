/* devices/pic8259.c — master/slave Intel 8259A pair. Section names below refer to the Intel
 * 8259A datasheet (order 231468): "Initialization Command Words", "Operation Command Words",
 * "The Special Fully Nest Mode", "Poll Command", "Edge and Level Triggered Modes". */
#include "devices/pic8259.h"

#include <string.h>

enum { PIC_MASTER = 0, PIC_SLAVE = 1 };
/* PIIX ELCR: IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge triggered. */
static const u8 pic_elcr_mask[2] = {0xf8, 0xde};

/* Inputs whose IRR follows the pin level: LTIM (ICW1 bit 3) makes the whole chip level
 * triggered; otherwise the ELCR decides per pin. */
static u8 chip_level_mask(const struct pic8259_chip_state *c)
{
    return c->ltim ? 0xff : c->elcr;
}

/* Edge mode latches a request in IRR on a rising edge and keeps it until INTA. (The datasheet
 * wants the pin held high until INTA, else a default IR7 results; simulated devices pulse
 * their lines in zero time, so the latch is kept when the pin falls, as QEMU and Bochs do.)
 * Level mode makes IRR follow the pin. */
static void chip_set_input(struct pic8259_chip_state *c, int pin, bool level)
{
    u8 m = (u8)(1u << pin);
    if (level) {
        if ((chip_level_mask(c) & m) || !(c->input & m))
            c->irr |= m;
        c->input |= m;
    } else {
        c->input &= (u8)~m;
        if (chip_level_mask(c) & m)
            c->irr &= (u8)~m;
    }
}

/* Priority rank (0 = highest) of the best IR in `mask`, or 8 when mask is empty. The IR
 * after `lowest` has rank 0 ("Automatic Rotation", "Specific Rotation"). */
static int chip_rank(const struct pic8259_chip_state *c, u8 mask)
{
    if (!mask)
        return 8;
    int rank = 0;
    while (!(mask & (1u << ((rank + c->lowest + 1) & 7))))
        rank++;
    return rank;
}

static int chip_ir_of_rank(const struct pic8259_chip_state *c, int rank)
{
    return (rank + c->lowest + 1) & 7;
}

/* The IR this chip would present on INT, or -1: the best unmasked request that outranks
 * everything in service. In special mask mode a masked in-service level does not block.
 * In special fully nested mode the master also lets IR2 through while IR2 is in service,
 * so a higher-priority slave request can nest ("The Special Fully Nest Mode"). */
static int chip_pending(const struct pic8259_chip_state *c, bool master)
{
    int rank = chip_rank(c, c->irr & (u8)~c->imr);
    if (rank == 8)
        return -1;
    u8 in_service = c->isr;
    if (c->special_mask)
        in_service &= (u8)~c->imr;
    int cur = chip_rank(c, in_service);
    int ir = chip_ir_of_rank(c, rank);
    if (rank < cur)
        return ir;
    if (master && c->sfnm && ir == PIC8259_CASCADE_IRQ && rank == cur)
        return ir;
    return -1;
}

/* The INTA (or poll) side effects on one chip: set ISR (unless auto-EOI, which may rotate),
 * clear an edge request from IRR. */
static void chip_ack(struct pic8259_chip_state *c, int ir)
{
    u8 m = (u8)(1u << ir);
    if (c->auto_eoi) {
        if (c->rotate_on_aeoi)
            c->lowest = (u8)ir;
    } else {
        c->isr |= m;
    }
    if (!(chip_level_mask(c) & m))
        c->irr &= (u8)~m;
}

/* Propagate the slave's INT to master IR2 and the master's INT to the INTR output. */
static void pic_update(struct pic8259 *pic)
{
    struct pic8259_state *s = &pic->s;
    chip_set_input(&s->chip[PIC_MASTER], PIC8259_CASCADE_IRQ,
                   chip_pending(&s->chip[PIC_SLAVE], false) >= 0);
    bool intr = chip_pending(&s->chip[PIC_MASTER], true) >= 0;
    if (intr != s->intr) {
        s->intr = intr;
        irq_set(&pic->intr, intr);
    }
}

/* After an INTA or poll that took master IR2, resample the cascade line: a slave that still
 * requests presents a fresh edge instead of being lost behind the consumed one. */
static void pic_resample_cascade(struct pic8259 *pic)
{
    pic->s.chip[PIC_MASTER].input &= (u8)~(1u << PIC8259_CASCADE_IRQ);
}

void pic8259_init(struct pic8259 *pic, struct irq_line intr, const struct log *log)
{
    memset(pic, 0, sizeof(*pic));
    pic->intr = intr;
    pic->log = log;
    pic8259_reset(pic);
}

void pic8259_reset(struct pic8259 *pic)
{
    bool was_high = pic->s.intr;
    memset(&pic->s, 0, sizeof(pic->s));
    for (int i = 0; i < 2; i++)
        pic->s.chip[i].lowest = 7;
    if (was_high)
        irq_set(&pic->intr, 0);
}

void pic8259_set_irq(void *opaque, int irq, int level)
{
    struct pic8259 *pic = opaque;
    if (irq < 0 || irq > 15)
        return;
    if (irq == PIC8259_CASCADE_IRQ)
        irq = 9;   /* AT bus: the ISA IRQ2 pin is wired to slave IR1 */
    chip_set_input(&pic->s.chip[irq >> 3], irq & 7, level != 0);
    pic_update(pic);
}

int pic8259_ack(struct pic8259 *pic)
{
    struct pic8259_chip_state *m = &pic->s.chip[PIC_MASTER];
    struct pic8259_chip_state *sl = &pic->s.chip[PIC_SLAVE];
    int vector;
    int ir = chip_pending(m, true);
    if (ir < 0) {
        /* Request vanished before INTA: default IR7, no ISR bit ("Edge and Level..."). */
        vector = m->irq_base + 7;
    } else {
        chip_ack(m, ir);
        if (ir == PIC8259_CASCADE_IRQ) {
            /* The AT wiring is fixed: ICW3 and SNGL are stored but not consulted. */
            pic_resample_cascade(pic);
            int ir2 = chip_pending(sl, false);
            if (ir2 >= 0) {
                chip_ack(sl, ir2);
                vector = sl->irq_base + ir2;
            } else {
                vector = sl->irq_base + 7;   /* spurious IRQ 15; master ISR2 stays set */
            }
        } else {
            vector = m->irq_base + ir;
        }
    }
    pic_update(pic);
    return vector;
}

bool pic8259_intr_pending(const struct pic8259 *pic)
{
    return pic->s.intr;
}

/* "Poll Command": the read acts as INTA on this chip and returns 0x80 | IR, or 0. */
static u8 pic_poll(struct pic8259 *pic, int idx)
{
    struct pic8259_chip_state *c = &pic->s.chip[idx];
    c->poll = false;
    int ir = chip_pending(c, idx == PIC_MASTER);
    if (ir < 0)
        return 0;
    chip_ack(c, ir);
    if (idx == PIC_MASTER && ir == PIC8259_CASCADE_IRQ)
        pic_resample_cascade(pic);
    pic_update(pic);
    return (u8)(0x80 | ir);
}

static u64 pic_read(struct pic8259 *pic, int idx, u64 off)
{
    struct pic8259_chip_state *c = &pic->s.chip[idx];
    if (c->poll)
        return pic_poll(pic, idx);
    if (off == 0)
        return c->read_isr ? c->isr : c->irr;
    return c->imr;
}

static void pic_write_icw1(struct pic8259 *pic, struct pic8259_chip_state *c, u8 b)
{
    /* ICW1 (datasheet "Initialization Command Words" a-f): edge sense reset, IMR cleared,
       IR7 lowest priority, special mask cleared, status read = IRR, ICW4 functions zero.
       ISR is cleared too, as QEMU and Bochs do, so a re-initialisation starts clean. */
    u8 elcr = c->elcr, input = c->input;
    memset(c, 0, sizeof(*c));
    c->elcr = elcr;
    c->input = input;
    c->lowest = 7;
    c->icw4_needed = b & 0x01;
    c->single = b & 0x02;
    c->ltim = b & 0x08;
    c->irr = input & chip_level_mask(c);   /* edge requests need a new rising edge */
    c->init_step = 2;
    if (!c->icw4_needed)
        log_printf(pic->log, LOG_UNIMP, "pic8259: ICW1 without ICW4 selects MCS-80/85 mode, "
                   "which is not modelled (8086 INTA is used)");
}

static void pic_write_icw(struct pic8259 *pic, struct pic8259_chip_state *c, u8 b)
{
    switch (c->init_step) {
    case 2:   /* ICW2: vector base T7-T3 */
        c->irq_base = b & 0xf8;
        c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3:   /* ICW3: slave mask (master) or slave id (slave) */
        c->icw3 = b;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    default:  /* ICW4: uPM, AEOI, M/S, BUF, SFNM */
        if (!(b & 0x01))
            log_printf(pic->log, LOG_UNIMP, "pic8259: ICW4 uPM=0 (MCS-80/85 mode) not modelled");
        c->auto_eoi = b & 0x02;
        c->sfnm = b & 0x10;
        c->init_step = 0;
        break;
    }
}

static void pic_write_ocw2(struct pic8259_chip_state *c, u8 b)
{
    int level = b & 7;
    switch (b >> 5) {
    case 0: c->rotate_on_aeoi = false; break;   /* rotate in AEOI mode (clear) */
    case 4: c->rotate_on_aeoi = true; break;    /* rotate in AEOI mode (set) */
    case 1:                                      /* non-specific EOI */
    case 5: {                                    /* rotate on non-specific EOI */
        int rank = chip_rank(c, c->isr);
        if (rank < 8) {
            int ir = chip_ir_of_rank(c, rank);
            c->isr &= (u8)~(1u << ir);
            if (b >> 5 == 5)
                c->lowest = (u8)ir;
        }
        break;
    }
    case 3: c->isr &= (u8)~(1u << level); break;   /* specific EOI */
    case 7:                                         /* rotate on specific EOI */
        c->isr &= (u8)~(1u << level);
        c->lowest = (u8)level;
        break;
    case 6: c->lowest = (u8)level; break;           /* set priority */
    default: break;                                 /* 2: no operation */
    }
}

static void pic_write(struct pic8259 *pic, int idx, u64 off, u8 b)
{
    struct pic8259_chip_state *c = &pic->s.chip[idx];
    if (off == 0) {
        if (b & 0x10) {
            pic_write_icw1(pic, c, b);
        } else if (b & 0x08) {   /* OCW3 */
            if (b & 0x04)
                c->poll = true;
            if (b & 0x02)
                c->read_isr = b & 0x01;
            if (b & 0x40)
                c->special_mask = b & 0x20;
        } else {
            pic_write_ocw2(c, b);
        }
    } else if (c->init_step) {
        pic_write_icw(pic, c, b);
    } else {
        c->imr = b;   /* OCW1 */
    }
    pic_update(pic);
}

static u64 pic_master_read(void *opaque, u64 off, unsigned size)
{
    return pic_read(opaque, PIC_MASTER, off);
}

static u64 pic_slave_read(void *opaque, u64 off, unsigned size)
{
    return pic_read(opaque, PIC_SLAVE, off);
}

static void pic_master_write(void *opaque, u64 off, u64 v, unsigned size)
{
    pic_write(opaque, PIC_MASTER, off, (u8)v);
}

static void pic_slave_write(void *opaque, u64 off, u64 v, unsigned size)
{
    pic_write(opaque, PIC_SLAVE, off, (u8)v);
}

static u64 pic_elcr_read(void *opaque, u64 off, unsigned size)
{
    struct pic8259 *pic = opaque;
    return pic->s.chip[off].elcr;
}

static void pic_elcr_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct pic8259 *pic = opaque;
    struct pic8259_chip_state *c = &pic->s.chip[off];
    c->elcr = (u8)v & pic_elcr_mask[off];
    u8 level = chip_level_mask(c);
    c->irr = (u8)((c->irr & ~level) | (c->input & level));
    pic_update(pic);
}

int pic8259_register(struct pic8259 *pic, struct iomap *ports, char *err, size_t errlen)
{
    if (iomap_add_device(ports, PIC8259_MASTER_PORT, 2, "pic8259-master", pic, pic_master_read,
                         pic_master_write, IOMAP_W8, err, errlen) ||
        iomap_add_device(ports, PIC8259_SLAVE_PORT, 2, "pic8259-slave", pic, pic_slave_read,
                         pic_slave_write, IOMAP_W8, err, errlen))
        return -1;
    return iomap_add_device(ports, PIC8259_ELCR_PORT, 2, "pic8259-elcr", pic, pic_elcr_read,
                            pic_elcr_write, IOMAP_W8, err, errlen);
}
