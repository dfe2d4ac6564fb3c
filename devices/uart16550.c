/* devices/uart16550.c — PC16550D UART. Register and bit names follow the National/TI
 * PC16550D datasheet (Table II "Summary of Registers", Table IV "Interrupt Control Functions"). */
#include "devices/uart16550.h"

#include <string.h>

enum {
    UART_RBR_THR = 0, UART_IER = 1, UART_IIR_FCR = 2, UART_LCR = 3,
    UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};
enum { UART_IER_ERBFI = 0x01, UART_IER_ETBEI = 0x02, UART_IER_ELSI = 0x04, UART_IER_EDSSI = 0x08 };
/* IIR interrupt identification codes (bits 3:0), highest priority first. */
enum {
    UART_IIR_RLS = 0x06,       /* receiver line status: OE/PE/FE/BI */
    UART_IIR_RDA = 0x04,       /* received data available / FIFO trigger level reached */
    UART_IIR_CTI = 0x0c,       /* character timeout (FIFO mode) */
    UART_IIR_THRE = 0x02,      /* transmitter holding register empty */
    UART_IIR_MSI = 0x00,       /* modem status */
    UART_IIR_NONE = 0x01,      /* no interrupt pending */
    UART_IIR_FIFO = 0xc0,      /* FIFOs enabled */
};
enum { UART_FCR_ENABLE = 0x01, UART_FCR_CLEAR_RX = 0x02, UART_FCR_STORED = 0xc8 };
enum { UART_LCR_DLAB = 0x80 };
enum { UART_MCR_DTR = 0x01, UART_MCR_RTS = 0x02, UART_MCR_OUT1 = 0x04, UART_MCR_OUT2 = 0x08,
       UART_MCR_LOOP = 0x10 };
enum { UART_LSR_DR = 0x01, UART_LSR_OE = 0x02, UART_LSR_THRE = 0x20, UART_LSR_TEMT = 0x40 };
enum { UART_MSR_CTS = 0x10, UART_MSR_DSR = 0x20, UART_MSR_RI = 0x40, UART_MSR_DCD = 0x80 };
/* Modem inputs seen outside loopback: a null-modem cable to a host that is always ready. */
enum { UART_MSR_CABLE = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD };

static bool uart_fifo_on(const struct uart16550 *u)
{
    return u->s.fcr & UART_FCR_ENABLE;
}

static unsigned uart_rx_capacity(const struct uart16550 *u)
{
    return uart_fifo_on(u) ? UART16550_FIFO_SIZE : 1;
}

/* FCR bits 7:6 select the receive trigger level: 1, 4, 8 or 14 bytes. */
static unsigned uart_rx_trigger(const struct uart16550 *u)
{
    static const u8 levels[4] = {1, 4, 8, 14};
    return levels[u->s.fcr >> 6];
}

/* The highest-priority pending interrupt as an IIR code (datasheet Table IV). */
static u8 uart_iir_source(const struct uart16550 *u)
{
    const struct uart16550_state *s = &u->s;
    if ((s->ier & UART_IER_ELSI) && s->lsr_err)
        return UART_IIR_RLS;
    if ((s->ier & UART_IER_ERBFI) && s->rx_count) {
        if (uart_fifo_on(u) && s->rx_count < uart_rx_trigger(u))
            return UART_IIR_CTI;   /* no baud clock: the timeout is taken as already expired */
        return UART_IIR_RDA;
    }
    if ((s->ier & UART_IER_ETBEI) && s->thr_irq_pending)
        return UART_IIR_THRE;
    if ((s->ier & UART_IER_EDSSI) && s->msr_delta)
        return UART_IIR_MSI;
    return UART_IIR_NONE;
}

static void uart_update_irq(struct uart16550 *u)
{
    bool level = uart_iir_source(u) != UART_IIR_NONE;
    if (level != u->s.irq_level) {
        u->s.irq_level = level;
        irq_set(&u->irq, level);
    }
}

/* Modem-status inputs (MSR bits 7:4). In loopback the outputs feed them internally:
 * RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD (datasheet, MCR bit 4 description). */
static u8 uart_msr_inputs(const struct uart16550 *u)
{
    u8 mcr = u->s.mcr;
    if (!(mcr & UART_MCR_LOOP))
        return UART_MSR_CABLE;
    return (u8)(((mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) | ((mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
                ((mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) | ((mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
}

/* A character completed in the receive shift register. On overrun it is lost in FIFO mode
 * (the FIFO is kept) and overwrites RBR in 16450 mode; either way LSR.OE is set. */
static void uart_receive(struct uart16550 *u, u8 byte)
{
    struct uart16550_state *s = &u->s;
    if (s->rx_count < uart_rx_capacity(u)) {
        s->rx[(s->rx_head + s->rx_count) % UART16550_FIFO_SIZE] = byte;
        s->rx_count++;
    } else {
        if (!uart_fifo_on(u))
            s->rx[s->rx_head] = byte;
        s->lsr_err |= UART_LSR_OE;
    }
    uart_update_irq(u);
}

static void uart_clear_rx(struct uart16550 *u)
{
    u->s.rx_head = 0;
    u->s.rx_count = 0;
}

void uart16550_init(struct uart16550 *u, struct irq_line irq, void (*tx)(void *opaque, u8 byte),
                    void *opaque)
{
    memset(u, 0, sizeof(*u));
    u->irq = irq;
    u->tx = tx;
    u->tx_opaque = opaque;
    uart16550_reset(u);
}

void uart16550_reset(struct uart16550 *u)
{
    bool was_high = u->s.irq_level;
    memset(&u->s, 0, sizeof(u->s));
    u->s.dll = 12;   /* 1.8432 MHz / (16 * 12) = 9600 baud until the guest programs it */
    if (was_high)
        irq_set(&u->irq, 0);
}

bool uart16550_push_rx(struct uart16550 *u, u8 byte)
{
    if ((u->s.mcr & UART_MCR_LOOP) || u->s.rx_count >= uart_rx_capacity(u))
        return false;
    uart_receive(u, byte);
    return true;
}

static u8 uart_read_rbr(struct uart16550 *u)
{
    struct uart16550_state *s = &u->s;
    u8 b = s->rx[s->rx_head];   /* empty: RBR still holds the last character */
    if (s->rx_count) {
        s->rx_count--;
        if (s->rx_count)
            s->rx_head = (u8)((s->rx_head + 1) % UART16550_FIFO_SIZE);
        uart_update_irq(u);
    }
    return b;
}

static u64 uart_read(void *opaque, u64 off, unsigned size)
{
    struct uart16550 *u = opaque;
    struct uart16550_state *s = &u->s;
    bool dlab = s->lcr & UART_LCR_DLAB;
    switch (off) {
    case UART_RBR_THR:
        return dlab ? s->dll : uart_read_rbr(u);
    case UART_IER:
        return dlab ? s->dlm : s->ier;
    case UART_IIR_FCR: {
        u8 src = uart_iir_source(u);
        if (src == UART_IIR_THRE) {
            /* Reading IIR clears a THRE interrupt only when it is the one reported. */
            s->thr_irq_pending = false;
            uart_update_irq(u);
        }
        return src | (uart_fifo_on(u) ? UART_IIR_FIFO : 0);
    }
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR: {
        u8 v = UART_LSR_THRE | UART_LSR_TEMT | s->lsr_err | (s->rx_count ? UART_LSR_DR : 0);
        s->lsr_err = 0;   /* reading LSR clears OE and the line-status interrupt */
        uart_update_irq(u);
        return v;
    }
    case UART_MSR: {
        u8 v = uart_msr_inputs(u) | s->msr_delta;
        s->msr_delta = 0;   /* reading MSR clears the delta bits and the modem interrupt */
        uart_update_irq(u);
        return v;
    }
    default:
        return s->scr;
    }
}

static void uart_write_thr(struct uart16550 *u, u8 b)
{
    /* Writing THR clears the THRE interrupt; the byte leaves at once, so THR is empty again
       and THRE re-arms. The line therefore pulses low then high, giving an edge-triggered
       receiver the fresh edge real hardware produces one character time later. */
    u->s.thr_irq_pending = false;
    uart_update_irq(u);
    if (u->s.mcr & UART_MCR_LOOP)
        uart_receive(u, b);
    else if (u->tx)
        u->tx(u->tx_opaque, b);
    u->s.thr_irq_pending = true;
    uart_update_irq(u);
}

static void uart_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct uart16550 *u = opaque;
    struct uart16550_state *s = &u->s;
    u8 b = (u8)v;
    bool dlab = s->lcr & UART_LCR_DLAB;
    switch (off) {
    case UART_RBR_THR:
        if (dlab)
            s->dll = b;
        else
            uart_write_thr(u, b);
        break;
    case UART_IER:
        if (dlab) {
            s->dlm = b;
            break;
        }
        /* Turning ETBEI on while THR is empty raises THRE even if an IIR read had cleared it
           (not in the datasheet, but what 16550 parts, Bochs and QEMU do, and Windows needs). */
        if ((b ^ s->ier) & UART_IER_ETBEI)
            s->thr_irq_pending = b & UART_IER_ETBEI;
        s->ier = b & 0x0f;   /* bits 7:4 are always 0 on the 16550 */
        uart_update_irq(u);
        break;
    case UART_IIR_FCR:
        /* FCR: changing FCR0 clears both FIFOs; the other bits are only programmed while
           FCR0 is (being) set; FCR1 clears the receive FIFO (FCR2, transmit, is a no-op here). */
        if ((b ^ s->fcr) & UART_FCR_ENABLE)
            uart_clear_rx(u);
        if (b & UART_FCR_ENABLE) {
            if (b & UART_FCR_CLEAR_RX)
                uart_clear_rx(u);
            s->fcr = (b & UART_FCR_STORED) | UART_FCR_ENABLE;
        } else {
            s->fcr &= UART_FCR_STORED;
        }
        uart_update_irq(u);
        break;
    case UART_LCR:
        s->lcr = b;
        break;
    case UART_MCR: {
        u8 before = uart_msr_inputs(u);
        s->mcr = b & 0x1f;   /* bits 7:5 are always 0 */
        u8 after = uart_msr_inputs(u);
        u8 changed = before ^ after;
        if (changed & UART_MSR_CTS)
            s->msr_delta |= 0x01;   /* DCTS */
        if (changed & UART_MSR_DSR)
            s->msr_delta |= 0x02;   /* DDSR */
        if ((before & UART_MSR_RI) && !(after & UART_MSR_RI))
            s->msr_delta |= 0x04;   /* TERI: RI went inactive */
        if (changed & UART_MSR_DCD)
            s->msr_delta |= 0x08;   /* DDCD */
        uart_update_irq(u);
        break;
    }
    case UART_SCR:
        s->scr = b;
        break;
    default:
        break;   /* LSR and MSR: writes are for factory test only; ignored */
    }
}

int uart16550_register(struct uart16550 *u, struct iomap *ports, u64 base, char *err, size_t errlen)
{
    return iomap_add_device(ports, base, 8, "uart16550", u, uart_read, uart_write, IOMAP_W8, err,
                            errlen);
}
