/* Unit tests for pc-testdev: scratch register at every width/offset, byte window, flush-page
 * callback, IRQ lines, iomem window; registration coexists with the debug ports. */
#include <check.h>

#include "devices/debugport.h"
#include "devices/pctestdev.h"
#include "fake_clock.h"

static struct iomap io, mem;
static struct pctestdev td;
static struct debugport dbg;
static struct log quiet;
static u64 flushed[4];
static unsigned nflush;

static void on_flush(void *o, u64 gpa) { (void)o; if (nflush < 4) flushed[nflush] = gpa; nflush++; }

static void setup(void)
{
    char err[200];
    nflush = 0;
    fake_lines_clear();
    iomap_init(&io, "ports");
    iomap_init(&mem, "memory");
    struct irq_line lines[PCTESTDEV_IRQS];
    for (int n = 0; n < PCTESTDEV_IRQS; n++)
        lines[n] = fake_line(n);
    pctestdev_init(&td, lines, on_flush, NULL, &quiet);
    dbg = (struct debugport){0};
    ck_assert_int_eq(debugport_register(&dbg, &io, err, sizeof err), 0);
    ck_assert_msg(pctestdev_register(&td, &io, &mem, err, sizeof err) == 0, "%s", err);
}

static void teardown(void) { iomap_destroy(&io); iomap_destroy(&mem); }

START_TEST(scratch_echo)
{
    iomap_write(&io, 0xe0, 0x12345678, 4);
    ck_assert_uint_eq(iomap_read(&io, 0xe0, 4), 0x12345678);
    ck_assert_uint_eq(iomap_read(&io, 0xe0, 2), 0x5678);
    ck_assert_uint_eq(iomap_read(&io, 0xe2, 2), 0x1234);
    ck_assert_uint_eq(iomap_read(&io, 0xe3, 1), 0x12);
    iomap_write(&io, 0xe1, 0xab, 1);
    ck_assert_uint_eq(iomap_read(&io, 0xe0, 4), 0x1234ab78);
    iomap_write(&io, 0xe2, 0xbeef, 2);
    ck_assert_uint_eq(iomap_read(&io, 0xe0, 4), 0xbeefab78);
    /* Byte window 0xe8/0xea/0xeb sees the same register; 0xe9 stays the console. */
    ck_assert_uint_eq(iomap_read(&io, 0xe8, 1), 0x78);
    ck_assert_uint_eq(iomap_read(&io, 0xeb, 1), 0xbe);
    iomap_write(&io, 0xea, 0x11, 1);
    ck_assert_uint_eq(iomap_read(&io, 0xe0, 4), 0xbe11ab78);
    ck_assert_uint_eq(iomap_read(&io, 0xe9, 1), 0xe9);
}
END_TEST

START_TEST(flush_page_and_irq_lines)
{
    iomap_write(&io, 0xe4, 0x00123abc, 4);
    ck_assert_uint_eq(nflush, 1);
    ck_assert_uint_eq(flushed[0], 0x00123000);
    iomap_write(&io, 0xe4, 0x5, 1);            /* wrong width: ignored */
    ck_assert_uint_eq(nflush, 1);
    iomap_write(&io, 0x2000 + 14, 1, 1);
    ck_assert_int_eq(line_level[14], 1);
    iomap_write(&io, 0x2000 + 14, 0, 1);
    ck_assert_int_eq(line_level[14], 0);
    iomap_write(&io, 0x2000 + 23, 0x80, 1);
    ck_assert_int_eq(line_level[23], 1);
    ck_assert_uint_eq(line_edges[14] + line_edges[23], 2);
    ck_assert_uint_eq(iomap_read(&io, 0x2000, 1), 0xff);
}
END_TEST

START_TEST(iomem_window)
{
    iomap_write(&mem, 0xff000000u + 8, 0x1122334455667788ull, 8);
    ck_assert_uint_eq(iomap_read(&mem, 0xff000000u + 8, 8), 0x1122334455667788ull);
    ck_assert_uint_eq(iomap_read(&mem, 0xff000000u + 9, 2), 0x6677);
    iomap_write(&mem, 0xff00fffeu, 0xaabbccdd, 4);   /* straddles the end: the tail is dropped */
    ck_assert_uint_eq(iomap_read(&mem, 0xff00fffeu, 2), 0xccdd);
    pctestdev_reset(&td);
    ck_assert_uint_eq(iomap_read(&io, 0xe0, 4), 0);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("pctestdev");
    TCase *tc = tcase_create("pctestdev");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, scratch_echo);
    tcase_add_test(tc, flush_page_and_irq_lines);
    tcase_add_test(tc, iomem_window);
    suite_add_tcase(s, tc);
    return s;
}
