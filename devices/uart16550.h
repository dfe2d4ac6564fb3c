/* devices/uart16550.h — a National/TI PC16550D-compatible UART (COM1 at 0x3f8, IRQ 4).
 *
 * Transmission is immediate: a THR write reaches the tx sink at once, so LSR always reports
 * THRE|TEMT. Received bytes queue in the receiver (1 byte in 16450 mode, a 16-byte FIFO when
 * FCR bit 0 is set). Interrupts follow the datasheet's IIR priority table (PC16550D,
 * "Interrupt Identification Register", Table IV) and drive an irq_line.
 *
 * There is no modelled baud-rate clock: the FIFO character-timeout interrupt (IIR 0x0c) is
 * reported as soon as data sits below the trigger level, i.e. as if the four character times
 * had already elapsed. */
#ifndef HVSIM_DEVICES_UART16550_H
#define HVSIM_DEVICES_UART16550_H

#include "base/iomap.h"
#include "base/irq.h"

enum { UART16550_FIFO_SIZE = 16 };

/* Everything a snapshot needs; no pointers. */
struct uart16550_state {
    u8 ier, lcr, mcr, scr, dll, dlm, fcr;
    u8 lsr_err;                    /* sticky LSR error bits (OE), cleared by reading LSR */
    u8 msr_delta;                  /* MSR bits 3:0, cleared by reading MSR */
    u8 rx[UART16550_FIFO_SIZE];    /* receive FIFO (only rx[rx_head] is used in 16450 mode) */
    u8 rx_head, rx_count;
    bool thr_irq_pending;          /* THRE interrupt armed (cleared by IIR read or THR write) */
    bool irq_level;                /* current level driven on the irq line */
};

struct uart16550 {
    struct uart16550_state s;
    struct irq_line irq;
    void (*tx)(void *opaque, u8 byte);
    void *tx_opaque;
};

/* Construct and reset. `irq` is the interrupt output (may be unconnected); `tx` receives
 * every transmitted byte (may be NULL) with `opaque`. */
void uart16550_init(struct uart16550 *u, struct irq_line irq, void (*tx)(void *opaque, u8 byte),
                    void *opaque);

/* Master reset (datasheet Table III): IER=0, IIR=1, FCR=0, LCR=0, MCR=0, LSR=0x60, MSR deltas 0,
 * FIFOs empty; the divisor latch is set to 12 (9600 baud). Lowers the irq line if it was high. */
void uart16550_reset(struct uart16550 *u);

/* Register the eight byte-wide ports at `base` (0x3f8 for COM1). Returns 0, or -1 with a
 * message in err. */
int uart16550_register(struct uart16550 *u, struct iomap *ports, u64 base, char *err,
                       size_t errlen) MUST_CHECK;

/* Deliver one byte arriving on the serial input (e.g. from stdin). Returns false, taking
 * nothing, when the receiver is full (1 byte in 16450 mode, 16 in FIFO mode) or in loopback
 * (the input is disconnected then); the caller keeps the byte and offers it again later. */
bool uart16550_push_rx(struct uart16550 *u, u8 byte);

#endif
