/* Unit tests for the 8254 PIT and port 0x61: counting in each mode, latch and read-back,
 * BCD, access modes, channel 0 IRQ edges and event times, channel 2 gate/output, refresh toggle. */
#include <check.h>

#include "devices/pit8254.h"
#include "fake_clock.h"

static struct iomap io;
static struct pit8254 pit;
static struct log quiet;

/* ns at which `ticks` PIT clocks have elapsed (rounded up). */
static u64 at_tick(u64 ticks) { return (ticks * 1000000000ull + PIT_HZ - 1) / PIT_HZ; }

static void ctl(u8 v) { iomap_write(&io, 0x43, v, 1); }
static void out8(unsigned port, u8 v) { iomap_write(&io, port, v, 1); }
static u8 in8(unsigned port) { return (u8)iomap_read(&io, port, 1); }
static u16 read_word(unsigned ch) { u8 lo = in8(0x40 + ch); return (u16)(lo | in8(0x40 + ch) << 8); }

static void setup(void)
{
    char err[200];
    fake_ns = 0;
    fake_lines_clear();
    iomap_init(&io, "ports");
    pit8254_init(&pit, fake_clock(), fake_line(0), &quiet);
    ck_assert_int_eq(pit8254_register(&pit, &io, err, sizeof err), 0);
}

static void teardown(void) { iomap_destroy(&io); }

START_TEST(mode2_rate_generator_irq)
{
    ctl(0x34);                 /* ch0, lo/hi, mode 2, binary */
    out8(0x40, 100);
    out8(0x40, 0);             /* N = 100 */
    ck_assert_int_eq(line_level[0], 1);   /* mode 2 output idles high */
    unsigned edges0 = line_edges[0];
    u64 t = pit8254_next_event(&pit);
    ck_assert_uint_eq(t, at_tick(100));
    for (int k = 1; k <= 5; k++) {
        t = pit8254_next_event(&pit);
        ck_assert_uint_eq(t, at_tick(100 * (u64)k));
        pit8254_run(&pit, t);
    }
    ck_assert_uint_eq(line_edges[0] - edges0, 5);
    ck_assert_int_eq(line_level[0], 1);
    /* Missed periods coalesce into one edge. */
    pit8254_run(&pit, at_tick(1000));
    ck_assert_uint_eq(line_edges[0] - edges0, 6);
    /* Counter value: counts N..1. */
    fake_ns = at_tick(1030);
    ck_assert_uint_eq(read_word(0), 70);
}
END_TEST

START_TEST(mode0_one_shot_and_latch)
{
    ctl(0x30);                 /* ch0, lo/hi, mode 0 */
    ck_assert_int_eq(line_level[0], 0);
    out8(0x40, 0x10);
    out8(0x40, 0x27);          /* N = 10000 */
    ck_assert_int_eq(line_level[0], 0);
    fake_ns = at_tick(2500);
    ctl(0x00);                 /* latch ch0 */
    fake_ns = at_tick(4000);
    ck_assert_uint_eq(read_word(0), 7500);   /* latched value, not the live one */
    ck_assert_uint_eq(read_word(0), 6000);   /* live again */
    ck_assert_uint_eq(pit8254_next_event(&pit), at_tick(10000));
    pit8254_run(&pit, at_tick(9999));
    ck_assert_int_eq(line_level[0], 0);
    pit8254_run(&pit, at_tick(10000));
    ck_assert_int_eq(line_level[0], 1);
    ck_assert_uint_eq(line_edges[0], 1);
    ck_assert_uint_eq(pit8254_next_event(&pit), UINT64_MAX);   /* one shot */
    fake_ns = at_tick(10001);
    ck_assert_uint_eq(read_word(0), 0xffff);  /* keeps counting, wrapped */
}
END_TEST

START_TEST(readback_status_and_bcd)
{
    ctl(0xb7);                 /* ch2, lo/hi, mode 3, BCD */
    ctl(0xe8);                 /* read-back status of ch2 only (count not latched) */
    ck_assert_uint_eq(in8(0x42), 0x80 | 0x40 | 0x37);   /* out high, null count, rw/mode/bcd */
    out8(0x42, 0x00);
    out8(0x42, 0x10);          /* BCD 1000 */
    out8(0x61, 1);             /* gate on: restart */
    fake_ns = at_tick(100);
    ctl(0xc8);                 /* read-back count and status of ch2 */
    ck_assert_uint_eq(in8(0x42) & 0x40, 0);              /* status first: count loaded */
    u16 v = read_word(2);      /* mode 3 counts by two: 1000 - 200 = 800 in BCD */
    ck_assert_uint_eq(v, 0x0800);
    /* Lobyte-only access. */
    ctl(0x50);                 /* ch1, lobyte, mode 0 */
    out8(0x41, 50);
    fake_ns += at_tick(20) - at_tick(0);
    u8 lo = in8(0x41);
    ck_assert(lo <= 30 && lo >= 29);
}
END_TEST

START_TEST(channel2_gate_and_port61)
{
    ctl(0xb0);                 /* ch2, lo/hi, mode 0 */
    out8(0x42, 0xe8);
    out8(0x42, 0x03);          /* N = 1000 */
    ck_assert_uint_eq(in8(0x61) & 0x20, 0);   /* output low, gate low: not counting */
    fake_ns = at_tick(5000);
    ck_assert_uint_eq(read_word(2), 1000);
    out8(0x61, 0x03);          /* gate on, speaker data */
    ck_assert_uint_eq(in8(0x61) & 0x0f, 0x03);
    fake_ns += at_tick(999) - at_tick(0);
    ck_assert_uint_eq(in8(0x61) & 0x20, 0);
    fake_ns += at_tick(2);
    ck_assert_uint_eq(in8(0x61) & 0x20, 0x20);   /* terminal count reached */
    /* Refresh toggle (bit 4) flips every 15.085 us of modelled time. */
    fake_ns = 15085 * 10;
    u8 a = in8(0x61) & 0x10;
    fake_ns += 15085;
    u8 b = in8(0x61) & 0x10;
    ck_assert_uint_ne(a, b);
}
END_TEST

START_TEST(mode1_gate_trigger_and_mode4_strobe)
{
    ctl(0xb2);                 /* ch2, lo/hi, mode 1 */
    out8(0x42, 100);
    out8(0x42, 0);
    ck_assert_uint_eq(in8(0x61) & 0x20, 0x20);   /* high until triggered */
    fake_ns = at_tick(10);
    out8(0x61, 1);             /* trigger */
    fake_ns = at_tick(60);
    ck_assert_uint_eq(in8(0x61) & 0x20, 0);
    fake_ns = at_tick(110);
    ck_assert_uint_eq(in8(0x61) & 0x20, 0x20);
    /* Mode 4 on channel 0: one clock low at terminal count, IRQ edge after it. */
    ctl(0x38);
    out8(0x40, 20);
    out8(0x40, 0);
    ck_assert_int_eq(line_level[0], 1);
    ck_assert(!pit8254_out(&pit, 0, fake_ns + at_tick(20) - at_tick(0)));
    pit8254_run(&pit, pit8254_next_event(&pit));
    ck_assert_uint_eq(line_edges[0], 2);   /* control word raised it once, the strobe once */
    ck_assert_uint_eq(pit8254_next_event(&pit), UINT64_MAX);
}
END_TEST

START_TEST(bad_input_is_harmless)
{
    out8(0x40, 0x12);          /* count before any control word: rw defaults to lo/hi */
    iomap_write(&io, 0x40, 0x12345678, 4);
    ck_assert_uint_eq(in8(0x43), 0xff);
    ctl(0xfe);                 /* read-back with every bit set */
    ctl(0x3e);                 /* ch0 mode 7 (= 3) */
    out8(0x40, 1);
    out8(0x40, 0);             /* N = 1 in mode 3 */
    pit8254_run(&pit, 1000000);
    ck_assert(pit8254_next_event(&pit) > 1000000);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("pit8254");
    TCase *tc = tcase_create("pit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, mode2_rate_generator_irq);
    tcase_add_test(tc, mode0_one_shot_and_latch);
    tcase_add_test(tc, readback_status_and_bcd);
    tcase_add_test(tc, channel2_gate_and_port61);
    tcase_add_test(tc, mode1_gate_trigger_and_mode4_strobe);
    tcase_add_test(tc, bad_input_is_harmless);
    suite_add_tcase(s, tc);
    return s;
}
