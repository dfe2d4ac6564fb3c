/* Unit tests for the i8042 keyboard controller and port 0x92 as reset sources. */
#include <check.h>
#include <string.h>

#include "devices/i8042.h"
#include "devices/port92.h"
#include "fake_clock.h"

static struct iomap io;
static struct i8042 kbc;
static struct port92 p92;
static struct log quiet;
static unsigned resets;
static char why[128];

static void on_reset(void *o, const char *w) { (void)o; resets++; snprintf(why, sizeof why, "%s", w); }

static void setup(void)
{
    char err[200];
    resets = 0;
    fake_lines_clear();
    iomap_init(&io, "ports");
    i8042_init(&kbc, fake_line(1), on_reset, NULL, &quiet);
    port92_init(&p92, on_reset, NULL, &quiet);
    ck_assert_int_eq(i8042_register(&kbc, &io, err, sizeof err), 0);
    ck_assert_int_eq(port92_register(&p92, &io, err, sizeof err), 0);
}

static void teardown(void) { iomap_destroy(&io); }

START_TEST(status_and_self_test)
{
    u8 st = (u8)iomap_read(&io, 0x64, 1);
    ck_assert_uint_eq(st & (I8042_STS_OBF | I8042_STS_IBF), 0);   /* nothing to read, ready */
    iomap_write(&io, 0x64, 0xaa, 1);
    ck_assert_uint_eq(iomap_read(&io, 0x64, 1) & I8042_STS_OBF, I8042_STS_OBF);
    ck_assert_int_eq(line_level[1], 1);                   /* command byte bit 0 is set */
    ck_assert_uint_eq(iomap_read(&io, 0x60, 1), 0x55);
    ck_assert_uint_eq(iomap_read(&io, 0x64, 1) & I8042_STS_OBF, 0);
    ck_assert_int_eq(line_level[1], 0);
    /* Command byte round trip with interrupts off. */
    iomap_write(&io, 0x64, 0x60, 1);
    iomap_write(&io, 0x60, 0x44, 1);
    iomap_write(&io, 0x64, 0x20, 1);
    ck_assert_int_eq(line_level[1], 0);
    ck_assert_uint_eq(iomap_read(&io, 0x60, 1), 0x44);
    /* Keyboard reset answers ACK then self-test passed. */
    iomap_write(&io, 0x60, 0xff, 1);
    ck_assert_uint_eq(iomap_read(&io, 0x60, 1), 0xfa);
    ck_assert_uint_eq(iomap_read(&io, 0x60, 1), 0xaa);
    ck_assert_uint_eq(resets, 0);
}
END_TEST

START_TEST(reset_via_0xfe_and_output_port)
{
    iomap_write(&io, 0x64, 0xfe, 1);
    ck_assert_uint_eq(resets, 1);
    ck_assert(strstr(why, "0xfe") != NULL);
    iomap_write(&io, 0x64, 0xff, 1);   /* pulse nothing */
    ck_assert_uint_eq(resets, 1);
    iomap_write(&io, 0x64, 0xd1, 1);
    iomap_write(&io, 0x60, 0x02, 1);   /* output port with bit 0 (reset line) low */
    ck_assert_uint_eq(resets, 2);
    iomap_write(&io, 0x64, 0x77, 1);   /* unknown command: ignored */
    ck_assert_uint_eq(resets, 2);
}
END_TEST

START_TEST(port92_fast_reset)
{
    ck_assert_uint_eq(iomap_read(&io, 0x92, 1), 0x02);
    iomap_write(&io, 0x92, 0x02, 1);
    ck_assert_uint_eq(resets, 0);
    iomap_write(&io, 0x92, 0x03, 1);
    ck_assert_uint_eq(resets, 1);
    ck_assert(strstr(why, "0x92") != NULL);
    ck_assert_uint_eq(iomap_read(&io, 0x92, 1) & 1, 0);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("kbc_port92");
    TCase *tc = tcase_create("reset_sources");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, status_and_self_test);
    tcase_add_test(tc, reset_via_0xfe_and_output_port);
    tcase_add_test(tc, port92_fast_reset);
    suite_add_tcase(s, tc);
    return s;
}
