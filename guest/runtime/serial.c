/* guest/runtime/serial.c — COM1 output, initialised as kvm-unit-tests does (115200 8N1). */
#include "guest.h"

#define COM1 0x3f8

void serial_init(void)
{
    uint8_t lcr = inb(COM1 + 3);
    outb(COM1 + 3, lcr | 0x80);   /* DLAB */
    outb(COM1 + 0, 1);            /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + 3, lcr & ~0x80);
    outb(COM1 + 1, 0);            /* no interrupts */
    outb(COM1 + 3, 3);            /* 8N1 */
    outb(COM1 + 2, 0);            /* FIFO off */
    outb(COM1 + 4, 3);            /* DTR | RTS */
}

void serial_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    while (!(inb(COM1 + 5) & 0x20))   /* wait for THR empty */
        ;
    outb(COM1, (uint8_t)c);
}

void guest_puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
}
