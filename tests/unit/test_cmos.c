/* Unit tests for the MC146818 RTC/CMOS: calendar, BCD/binary and 12/24-hour encodings, SET,
 * writes moving the clock, UIP, periodic/alarm/update interrupts, NMI mask, memory bytes. */
#include <check.h>

#include "devices/cmos.h"
#include "fake_clock.h"

static struct iomap io;
static struct cmos rtc;
static struct log quiet;

/* 2026-03-14 15:09:26 UTC (a Saturday). */
#define EPOCH 1773500966ull

static u8 rd(u8 reg) { iomap_write(&io, 0x70, reg, 1); return (u8)iomap_read(&io, 0x71, 1); }
static void wr(u8 reg, u8 v) { iomap_write(&io, 0x70, reg, 1); iomap_write(&io, 0x71, v, 1); }

static void setup(void)
{
    char err[200];
    fake_ns = 0;
    fake_lines_clear();
    iomap_init(&io, "ports");
    cmos_init(&rtc, &quiet, fake_clock(), EPOCH, fake_line(8));
    ck_assert_int_eq(cmos_register(&rtc, &io, 0x70, err, sizeof err), 0);
}

static void teardown(void) { iomap_destroy(&io); }

START_TEST(calendar_round_trip)
{
    static const struct { i64 y; unsigned m, d; i64 days; } cases[] = {
        {1970, 1, 1, 0}, {2000, 2, 29, 11016}, {2000, 3, 1, 11017}, {1969, 12, 31, -1},
        {2100, 3, 1, 47541}, {2026, 3, 14, 20526},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_int_eq(cmos_days_from_civil(cases[i].y, cases[i].m, cases[i].d), cases[i].days);
        i64 y;
        unsigned m, d;
        cmos_civil_from_days(cases[i].days, &y, &m, &d);
        ck_assert_int_eq(y, cases[i].y);
        ck_assert_uint_eq(m, cases[i].m);
        ck_assert_uint_eq(d, cases[i].d);
    }
    for (i64 days = -800; days < 800000; days += 97) {   /* every 97th day for ~2000 years */
        i64 y;
        unsigned m, d;
        cmos_civil_from_days(days, &y, &m, &d);
        ck_assert_int_eq(cmos_days_from_civil(y, m, d), days);
    }
}
END_TEST

START_TEST(reads_bcd_then_binary_and_12h)
{
    ck_assert_uint_eq(rd(CMOS_SECONDS), 0x26);
    ck_assert_uint_eq(rd(CMOS_MINUTES), 0x09);
    ck_assert_uint_eq(rd(CMOS_HOURS), 0x15);
    ck_assert_uint_eq(rd(CMOS_WEEKDAY), 7);   /* Saturday; 1 = Sunday */
    ck_assert_uint_eq(rd(CMOS_DAY), 0x14);
    ck_assert_uint_eq(rd(CMOS_MONTH), 0x03);
    ck_assert_uint_eq(rd(CMOS_YEAR), 0x26);
    ck_assert_uint_eq(rd(CMOS_CENTURY), 0x20);
    ck_assert_uint_eq(rd(CMOS_REG_D), 0x80);
    fake_ns = 35ull * 1000000000;              /* 35 s later: 15:10:01 */
    ck_assert_uint_eq(rd(CMOS_SECONDS), 0x01);
    ck_assert_uint_eq(rd(CMOS_MINUTES), 0x10);
    wr(CMOS_REG_B, CMOS_B_DM_BINARY);          /* binary, 12-hour */
    ck_assert_uint_eq(rd(CMOS_MINUTES), 10);
    ck_assert_uint_eq(rd(CMOS_HOURS), 0x80 | 3);   /* 3 PM */
    ck_assert_uint_eq(rd(CMOS_YEAR), 26);
}
END_TEST

START_TEST(set_freezes_and_write_moves_clock)
{
    wr(CMOS_REG_B, CMOS_B_SET | CMOS_B_24H);
    fake_ns = 5ull * 1000000000;
    ck_assert_uint_eq(rd(CMOS_SECONDS), 0x26);   /* frozen while SET */
    wr(CMOS_HOURS, 0x23);
    wr(CMOS_MINUTES, 0x59);
    wr(CMOS_SECONDS, 0x58);
    wr(CMOS_DAY, 0x31);
    wr(CMOS_MONTH, 0x12);
    wr(CMOS_YEAR, 0x99);
    wr(CMOS_CENTURY, 0x19);
    wr(CMOS_REG_B, CMOS_B_24H);                  /* run from 1999-12-31 23:59:58 */
    fake_ns += 3ull * 1000000000;
    ck_assert_uint_eq(rd(CMOS_SECONDS), 0x01);
    ck_assert_uint_eq(rd(CMOS_MINUTES), 0x00);
    ck_assert_uint_eq(rd(CMOS_HOURS), 0x00);
    ck_assert_uint_eq(rd(CMOS_DAY), 0x01);
    ck_assert_uint_eq(rd(CMOS_MONTH), 0x01);
    ck_assert_uint_eq(rd(CMOS_YEAR), 0x00);
    ck_assert_uint_eq(rd(CMOS_CENTURY), 0x20);
    /* A write while running shifts the clock by the difference. */
    wr(CMOS_MINUTES, 0x30);
    fake_ns += 1000000000;
    ck_assert_uint_eq(rd(CMOS_MINUTES), 0x30);
    ck_assert_uint_eq(rd(CMOS_SECONDS), 0x02);
}
END_TEST

START_TEST(uip_window)
{
    fake_ns = 500000000;
    ck_assert_uint_eq(rd(CMOS_REG_A) & 0x80, 0);
    ck_assert_uint_eq(rd(CMOS_REG_A) & 0x7f, 0x26);
    fake_ns = 1000000000 - 100000;   /* 100 µs before the update */
    ck_assert_uint_eq(rd(CMOS_REG_A) & 0x80, 0x80);
    fake_ns = 1000000000 + 10;
    ck_assert_uint_eq(rd(CMOS_REG_A) & 0x80, 0);
}
END_TEST

START_TEST(periodic_interrupt)
{
    wr(CMOS_REG_A, 0x26);                        /* 1024 Hz */
    wr(CMOS_REG_B, CMOS_B_24H | CMOS_B_PIE);
    u64 next = cmos_next_event(&rtc);
    ck_assert_uint_eq(next, 976563);             /* ceil(1e9 / 1024) */
    cmos_run(&rtc, next - 1);
    ck_assert_int_eq(line_level[8], 0);
    cmos_run(&rtc, next);
    ck_assert_int_eq(line_level[8], 1);
    ck_assert_uint_eq(cmos_next_event(&rtc), UINT64_MAX);   /* line held until C is read */
    fake_ns = next;
    u8 c = rd(CMOS_REG_C);
    ck_assert_uint_eq(c & (CMOS_C_IRQF | CMOS_C_PF), CMOS_C_IRQF | CMOS_C_PF);
    ck_assert_int_eq(line_level[8], 0);
    ck_assert_uint_eq(rd(CMOS_REG_C), 0);
    ck_assert_uint_eq(cmos_next_event(&rtc), 1953125);
}
END_TEST

START_TEST(alarm_and_update_interrupts)
{
    /* Alarm at hh:mm:30 with hours and minutes "don't care", like kvm-unit-tests' s3. */
    wr(CMOS_SECONDS_ALARM, 0x30);
    wr(CMOS_MINUTES_ALARM, 0xc0);
    wr(CMOS_HOURS_ALARM, 0xff);
    wr(CMOS_REG_B, CMOS_B_24H | CMOS_B_AIE);
    unsigned fired_at = 0;
    for (unsigned s = 1; s <= 10 && !fired_at; s++) {
        u64 t = cmos_next_event(&rtc);
        ck_assert_uint_eq(t, s * 1000000000ull);
        cmos_run(&rtc, t);
        if (line_level[8])
            fired_at = s;
    }
    ck_assert_uint_eq(fired_at, 4);              /* 26 + 4 = 30 */
    fake_ns = 4000000000ull;
    u8 c = rd(CMOS_REG_C);
    ck_assert_uint_eq(c & (CMOS_C_IRQF | CMOS_C_AF | CMOS_C_UF), CMOS_C_IRQF | CMOS_C_AF | CMOS_C_UF);
    /* Update-ended interrupt every second. */
    wr(CMOS_REG_B, CMOS_B_24H | CMOS_B_UIE);
    cmos_run(&rtc, cmos_next_event(&rtc));
    ck_assert_int_eq(line_level[8], 1);
    ck_assert_uint_eq(line_edges[8], 2);
}
END_TEST

START_TEST(nmi_mask_and_nvram)
{
    iomap_write(&io, 0x70, 0x80 | 0x20, 1);
    ck_assert(cmos_nmi_masked(&rtc));
    iomap_write(&io, 0x71, 0x5a, 1);
    iomap_write(&io, 0x70, 0x20, 1);
    ck_assert(!cmos_nmi_masked(&rtc));
    ck_assert_uint_eq(iomap_read(&io, 0x71, 1), 0x5a);
    cmos_set_memory_size(&rtc, 3ull << 30, 2ull << 30);   /* 3 GiB low, 2 GiB high */
    ck_assert_uint_eq(rd(0x15) | rd(0x16) << 8, 640);
    ck_assert_uint_eq(rd(0x17) | rd(0x18) << 8, 65535);
    ck_assert_uint_eq(rd(0x30) | rd(0x31) << 8, 65535);
    ck_assert_uint_eq(rd(0x34) | rd(0x35) << 8, ((3ull << 30) - (16 << 20)) >> 16);
    ck_assert_uint_eq(rd(0x5b) | rd(0x5c) << 8 | rd(0x5d) << 16, (2ull << 30) >> 16);
    cmos_set_memory_size(&rtc, 8 << 20, 0);
    ck_assert_uint_eq(rd(0x17) | rd(0x18) << 8, 7168);
    ck_assert_uint_eq(rd(0x34) | rd(0x35) << 8, 0);
}
END_TEST

START_TEST(reset_clears_enables_keeps_time)
{
    wr(CMOS_REG_B, CMOS_B_24H | CMOS_B_PIE | CMOS_B_UIE);
    cmos_run(&rtc, 2000000000ull);
    ck_assert_int_eq(line_level[8], 1);
    cmos_reset(&rtc);
    ck_assert_int_eq(line_level[8], 0);
    ck_assert_uint_eq(rd(CMOS_REG_B), CMOS_B_24H);
    ck_assert_uint_eq(rd(CMOS_REG_C), 0);
    ck_assert_uint_eq(rd(CMOS_MINUTES), 0x09);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("cmos");
    TCase *tc = tcase_create("rtc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, calendar_round_trip);
    tcase_add_test(tc, reads_bcd_then_binary_and_12h);
    tcase_add_test(tc, set_freezes_and_write_moves_clock);
    tcase_add_test(tc, uip_window);
    tcase_add_test(tc, periodic_interrupt);
    tcase_add_test(tc, alarm_and_update_interrupts);
    tcase_add_test(tc, nmi_mask_and_nvram);
    tcase_add_test(tc, reset_clears_enables_keeps_time);
    suite_add_tcase(s, tc);
    return s;
}
