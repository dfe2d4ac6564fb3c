#include "devices/uart16550.h"

#include <string.h>

enum { UART_IER_RDI = 1, UART_IER_THRI = 2 };
enum { UART_LSR_DR = 0x01, UART_LSR_THRE = 0x20, UART_LSR_TEMT = 0x40 };
enum { UART_MCR_LOOP = 0x10 };

static void uart_update_irq(struct uart16550 *u)
{
    bool rx = (u->s.ier & UART_IER_RDI) && u->s.rx_count;
    bool tx = (u->s.ier & UART_IER_THRI) && u->s.thr_irq_pending;
    irq_set(&u->irq, rx || tx);
}

void uart16550_init(struct uart16550 *u, struct irq_line irq, void (*tx)(void *, u8), void *opaque)
{
    memset(u, 0, sizeof(*u));
    u->irq = irq;
    u->tx = tx;
    u->tx_opaque = opaque;
    uart16550_reset(u);
}

void uart16550_reset(struct uart16550 *u)
{
    memset(&u->s, 0, sizeof(u->s));
    u->s.dll = 12;   /* 9600 baud until the guest programs it */
}

bool uart16550_push_rx(struct uart16550 *u, u8 byte)
{
    if (u->s.rx_count == sizeof(u->s.rx))
        return false;
    u->s.rx[(u->s.rx_head + u->s.rx_count++) % sizeof(u->s.rx)] = byte;
    uart_update_irq(u);
    return true;
}

static u64 uart_read(void *opaque, u64 off, unsigned size)
{
    struct uart16550 *u = opaque;
    (void)size;
    bool dlab = u->s.lcr & 0x80;
    switch (off) {
    case 0:
        if (dlab)
            return u->s.dll;
        if (u->s.rx_count) {
            u8 b = u->s.rx[u->s.rx_head];
            u->s.rx_head = (u->s.rx_head + 1) % sizeof(u->s.rx);
            u->s.rx_count--;
            uart_update_irq(u);
            return b;
        }
        return 0;
    case 1: return dlab ? u->s.dlm : u->s.ier;
    case 2: {
        /* IIR: receive data has priority over THR empty; FIFO bits when FCR enabled. */
        u8 fifo = (u->s.fcr & 1) ? 0xc0 : 0;
        if ((u->s.ier & UART_IER_RDI) && u->s.rx_count)
            return fifo | 0x04;
        if ((u->s.ier & UART_IER_THRI) && u->s.thr_irq_pending) {
            u->s.thr_irq_pending = false;   /* reading IIR clears the THRE interrupt */
            uart_update_irq(u);
            return fifo | 0x02;
        }
        return fifo | 0x01;
    }
    case 3: return u->s.lcr;
    case 4: return u->s.mcr;
    case 5: return UART_LSR_THRE | UART_LSR_TEMT | (u->s.rx_count ? UART_LSR_DR : 0);
    case 6:   /* MSR: in loopback, outputs feed inputs; otherwise CTS|DSR|DCD */
        if (u->s.mcr & UART_MCR_LOOP)
            return (u8)((u->s.mcr & 0x0f) << 4);
        return 0xb0;
    default: return u->s.scr;
    }
}

static void uart_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct uart16550 *u = opaque;
    (void)size;
    u8 b = (u8)v;
    bool dlab = u->s.lcr & 0x80;
    switch (off) {
    case 0:
        if (dlab) {
            u->s.dll = b;
        } else if (u->s.mcr & UART_MCR_LOOP) {
            uart16550_push_rx(u, b);
        } else {
            if (u->tx)
                u->tx(u->tx_opaque, b);
            u->s.thr_irq_pending = true;
            uart_update_irq(u);
        }
        break;
    case 1:
        if (dlab) {
            u->s.dlm = b;
        } else {
            /* Enabling THRI with an empty THR raises the interrupt at once. */
            if ((b & UART_IER_THRI) && !(u->s.ier & UART_IER_THRI))
                u->s.thr_irq_pending = true;
            u->s.ier = b & 0x0f;
            uart_update_irq(u);
        }
        break;
    case 2:
        u->s.fcr = b & 0xc9;
        if (b & 2) {   /* clear the receive FIFO */
            u->s.rx_count = 0;
            uart_update_irq(u);
        }
        break;
    case 3: u->s.lcr = b; break;
    case 4: u->s.mcr = b & 0x1f; break;
    case 7: u->s.scr = b; break;
    default: break;   /* LSR/MSR are read-only */
    }
}

int uart16550_register(struct uart16550 *u, struct iomap *ports, u16 base, char *err, size_t errlen)
{
    return iomap_add_device(ports, base, 8, "uart16550", u, uart_read, uart_write, IOMAP_W8, err, errlen);
}
