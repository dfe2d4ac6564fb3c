/* devices/uart16550.h — a 16550A UART (COM1 at 0x3f8). Transmit is immediate (THR empty at
 * once), so LSR always reports THRE|TEMT; received bytes queue for RBR. Interrupts per IER
 * on an irq_line (16550A datasheet, "Interrupt Identification Register"). */
#ifndef HVSIM_DEVICES_UART16550_H
#define HVSIM_DEVICES_UART16550_H

#include "base/iomap.h"
#include "base/irq.h"

struct uart16550_state {
    u8 ier, lcr, mcr, scr, dll, dlm, fcr;
    u8 rx[64];
    unsigned rx_head, rx_count;
    bool thr_irq_pending;   /* THRE interrupt armed (cleared by reading IIR) */
};

struct uart16550 {
    struct uart16550_state s;
    struct irq_line irq;
    void (*tx)(void *opaque, u8 byte);
    void *tx_opaque;
};

void uart16550_init(struct uart16550 *u, struct irq_line irq, void (*tx)(void *, u8), void *opaque);
void uart16550_reset(struct uart16550 *u);
/* Register the 8 ports at base. */
int uart16550_register(struct uart16550 *u, struct iomap *ports, u16 base, char *err, size_t errlen) MUST_CHECK;
/* Queue a received byte (e.g. from stdin). Returns false when the FIFO is full. */
bool uart16550_push_rx(struct uart16550 *u, u8 byte);

#endif
