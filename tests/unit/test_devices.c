/* Unit tests for the 16550 UART and the debug ports, driven only through the port map. */
#include <check.h>
#include <string.h>

#include "devices/debugport.h"
#include "devices/uart16550.h"

static struct iomap io;
static struct uart16550 uart;
static struct debugport dbg;
static char txbuf[64];
static unsigned txlen, exits, irq_level, irq_edges;
static u32 exit_value;

static void tx(void *o, u8 b) { (void)o; if (txlen < sizeof txbuf) txbuf[txlen++] = (char)b; }
static void on_exit_(void *o, u32 v) { (void)o; exits++; exit_value = v; }
static void irq(void *o, int n, int level) { (void)o, (void)n; if (level && !irq_level) irq_edges++; irq_level = (unsigned)level; }

static void setup(void)
{
    char err[200];
    iomap_init(&io, "ports");
    txlen = exits = irq_level = irq_edges = 0;
    uart16550_init(&uart, (struct irq_line){irq, NULL, 4}, tx, NULL);
    dbg = (struct debugport){.on_exit = on_exit_, .console = tx};
    ck_assert_int_eq(uart16550_register(&uart, &io, 0x3f8, err, sizeof err), 0);
    ck_assert_int_eq(debugport_register(&dbg, &io, err, sizeof err), 0);
}

static void teardown(void) { iomap_destroy(&io); }

START_TEST(init_sequence_and_transmit)
{
    /* kvm-unit-tests' serial_init, then "hi". */
    u8 lcr = (u8)iomap_read(&io, 0x3fb, 1);
    iomap_write(&io, 0x3fb, lcr | 0x80, 1);
    iomap_write(&io, 0x3f8, 1, 1);
    iomap_write(&io, 0x3f9, 0, 1);
    ck_assert_uint_eq(iomap_read(&io, 0x3f8, 1), 1);   /* DLL readable with DLAB */
    iomap_write(&io, 0x3fb, lcr & ~0x80, 1);
    iomap_write(&io, 0x3f9, 0, 1);
    iomap_write(&io, 0x3fb, 3, 1);
    iomap_write(&io, 0x3fa, 0, 1);
    iomap_write(&io, 0x3fc, 3, 1);
    ck_assert_uint_eq(txlen, 0);   /* divisor writes are not data */
    ck_assert_uint_eq(iomap_read(&io, 0x3fd, 1) & 0x60, 0x60);
    iomap_write(&io, 0x3f8, 'h', 1);
    iomap_write(&io, 0x3f8, 'i', 1);
    ck_assert_uint_eq(txlen, 2);
    ck_assert(memcmp(txbuf, "hi", 2) == 0);
    ck_assert_uint_eq(iomap_read(&io, 0x3fb, 1), 3);
}
END_TEST

START_TEST(loopback_and_rx_interrupt)
{
    iomap_write(&io, 0x3fc, 0x10, 1);            /* loopback */
    iomap_write(&io, 0x3f9, 1, 1);               /* IER: received data */
    iomap_write(&io, 0x3f8, 'x', 1);
    ck_assert_uint_eq(txlen, 0);                 /* looped back, not transmitted */
    ck_assert_uint_eq(irq_level, 1);
    ck_assert_uint_eq(iomap_read(&io, 0x3fd, 1) & 1, 1);   /* LSR.DR */
    ck_assert_uint_eq(iomap_read(&io, 0x3fa, 1) & 0xf, 4); /* IIR: RX data */
    ck_assert_uint_eq(iomap_read(&io, 0x3f8, 1), 'x');
    ck_assert_uint_eq(irq_level, 0);
    ck_assert_uint_eq(iomap_read(&io, 0x3fa, 1) & 0xf, 1); /* no interrupt pending */
}
END_TEST

START_TEST(thre_interrupt)
{
    iomap_write(&io, 0x3f9, 2, 1);               /* IER: THR empty -> interrupt at once */
    ck_assert_uint_eq(irq_level, 1);
    ck_assert_uint_eq(iomap_read(&io, 0x3fa, 1) & 0xf, 2);
    ck_assert_uint_eq(irq_level, 0);             /* reading IIR cleared it */
    iomap_write(&io, 0x3f8, 'a', 1);
    ck_assert_uint_eq(irq_level, 1);
    ck_assert_uint_eq(irq_edges, 2);
}
END_TEST

START_TEST(debug_exit_and_console)
{
    iomap_write(&io, 0xf4, 0x21, 4);
    ck_assert_uint_eq(exits, 1);
    ck_assert_uint_eq(exit_value, 0x21);
    iomap_write(&io, 0xf4, 3, 1);
    ck_assert_uint_eq(exit_value, 3);
    ck_assert_uint_eq(iomap_read(&io, 0xe9, 1), 0xe9);
    iomap_write(&io, 0xe9, 'Z', 1);
    ck_assert_uint_eq(txbuf[txlen - 1], 'Z');
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("devices");
    TCase *tc = tcase_create("uart_debugport");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, init_sequence_and_transmit);
    tcase_add_test(tc, loopback_and_rx_interrupt);
    tcase_add_test(tc, thre_interrupt);
    tcase_add_test(tc, debug_exit_and_console);
    suite_add_tcase(s, tc);
    return s;
}
