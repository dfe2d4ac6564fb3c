/* Unit tests for the HPET: capabilities, counter at 100 MHz, enable/halt, one-shot and periodic
 * timers (edge and level), 32-bit mode, legacy replacement routing, 32/64-bit accesses. */
#include <check.h>

#include "devices/hpet.h"
#include "fake_clock.h"

static struct iomap mem;
static struct hpet h;
static struct log quiet;

/* Lines 0..23 are I/O APIC pins; legacy IRQ 0 / IRQ 8 use lines 24 / 25. */
static void setup(void)
{
    char err[200];
    fake_ns = 0;
    fake_lines_clear();
    iomap_init(&mem, "memory");
    struct irq_line legacy[2] = {fake_line(24), fake_line(25)}, gsi[24];
    for (int n = 0; n < 24; n++)
        gsi[n] = fake_line(n);
    hpet_init(&h, fake_clock(), legacy, gsi, &quiet);
    ck_assert_int_eq(hpet_register(&h, &mem, HPET_BASE, err, sizeof err), 0);
}

static void teardown(void) { iomap_destroy(&mem); }

static u64 rd(u64 off, unsigned size) { return iomap_read(&mem, HPET_BASE + off, size); }
static void wr(u64 off, u64 v, unsigned size) { iomap_write(&mem, HPET_BASE + off, v, size); }
static u64 tconf(unsigned n) { return HPET_TIMER0 + HPET_TIMER_STRIDE * n; }
static u64 tcmp(unsigned n) { return tconf(n) + 8; }

START_TEST(capabilities_and_counter)
{
    u64 cap = rd(HPET_ID, 8);
    ck_assert_uint_eq(cap >> 32, 10000000);            /* 10 ns */
    ck_assert_uint_eq((cap >> 8) & 0x1f, 2);            /* three timers */
    ck_assert_uint_eq(cap & (1u << 13), 1u << 13);      /* 64-bit counter */
    ck_assert_uint_eq(cap & (1u << 15), 1u << 15);      /* legacy route capable */
    ck_assert_uint_eq(rd(HPET_ID + 4, 4), 10000000);
    fake_ns = 1000;
    ck_assert_uint_eq(rd(HPET_COUNTER, 8), 0);          /* halted */
    wr(HPET_CONFIG, HPET_CFG_ENABLE, 4);
    fake_ns = 1000 + 1000000;                           /* 1 ms = 100000 ticks */
    ck_assert_uint_eq(rd(HPET_COUNTER, 8), 100000);
    ck_assert_uint_eq(rd(HPET_COUNTER, 4), 100000);
    wr(HPET_CONFIG, 0, 4);
    fake_ns += 5000000;
    ck_assert_uint_eq(rd(HPET_COUNTER, 8), 100000);     /* stopped */
    wr(HPET_COUNTER + 4, 1, 4);                         /* set the high half while halted */
    ck_assert_uint_eq(rd(HPET_COUNTER, 8), (1ull << 32) | 100000);
    ck_assert_uint_eq(rd(tconf(0) + 4, 4), 0x00ff0000); /* route capability: pins 16-23 */
    ck_assert_uint_eq(rd(tcmp(1), 8), ~0ull);
}
END_TEST

START_TEST(one_shot_edge_on_ioapic_pin)
{
    wr(tconf(2), HPET_TN_ENABLE | (20u << HPET_TN_ROUTE_SHIFT), 4);
    wr(tcmp(2), 5000, 8);                                /* 50 µs */
    ck_assert_uint_eq(hpet_next_event(&h), UINT64_MAX); /* main counter halted */
    wr(HPET_CONFIG, HPET_CFG_ENABLE, 8);
    ck_assert_uint_eq(hpet_next_event(&h), 50000);
    hpet_run(&h, 49990);
    ck_assert_uint_eq(line_edges[20], 0);
    hpet_run(&h, 50000);
    ck_assert_uint_eq(line_edges[20], 1);
    ck_assert_int_eq(line_level[20], 0);                /* edge: a pulse */
    ck_assert_uint_eq(hpet_next_event(&h), UINT64_MAX); /* 64-bit one-shot: done */
    ck_assert_uint_eq(rd(HPET_ISR, 8), 0);
}
END_TEST

START_TEST(periodic_with_valset)
{
    wr(tconf(0), HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL | (16u << HPET_TN_ROUTE_SHIFT), 4);
    wr(tcmp(0), 1000, 8);            /* first match at 1000, then ... */
    wr(tcmp(0), 250, 8);             /* ... every 250 ticks (SETVAL was cleared) */
    ck_assert_uint_eq(rd(tcmp(0), 8), 1000);
    wr(HPET_CONFIG, HPET_CFG_ENABLE, 4);
    u64 expect[] = {10000, 12500, 15000, 17500};
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_uint_eq(hpet_next_event(&h), expect[i]);
        hpet_run(&h, expect[i]);
        ck_assert_uint_eq(line_edges[16], i + 1);
    }
    hpet_run(&h, 100000);            /* missed periods coalesce */
    ck_assert_uint_eq(line_edges[16], 5);
    ck_assert_uint_eq(rd(tcmp(0), 8), 10250);
}
END_TEST

START_TEST(level_mode_and_status)
{
    wr(tconf(1), HPET_TN_ENABLE | HPET_TN_LEVEL | (17u << HPET_TN_ROUTE_SHIFT), 4);
    wr(tcmp(1), 100, 8);
    wr(HPET_CONFIG, HPET_CFG_ENABLE, 4);
    hpet_run(&h, 1000);
    ck_assert_int_eq(line_level[17], 1);
    ck_assert_uint_eq(rd(HPET_ISR, 4), 2);
    wr(HPET_ISR, 1, 4);                                 /* another timer's bit: no effect */
    ck_assert_int_eq(line_level[17], 1);
    wr(HPET_ISR, 2, 4);
    ck_assert_int_eq(line_level[17], 0);
    ck_assert_uint_eq(rd(HPET_ISR, 4), 0);
}
END_TEST

START_TEST(legacy_routing_and_32bit_mode)
{
    wr(HPET_CONFIG, HPET_CFG_ENABLE | HPET_CFG_LEGACY, 4);
    wr(tconf(0), HPET_TN_ENABLE, 4);
    wr(tcmp(0), 10, 4);   /* low half only: the high half keeps its reset all-ones ... */
    wr(tcmp(0) + 4, 0, 4);   /* ... until written */
    wr(tconf(1), HPET_TN_ENABLE | HPET_TN_32BIT, 4);
    wr(tcmp(1), 0x1234567800000020ull, 8);              /* 32-bit mode drops the high half */
    ck_assert_uint_eq(rd(tcmp(1), 8), 0x20);
    hpet_run(&h, 1000);
    ck_assert_uint_eq(line_edges[24], 1);               /* timer 0 → IRQ 0 */
    ck_assert_uint_eq(line_edges[25], 1);               /* timer 1 → IRQ 8 */
    ck_assert_uint_eq(line_edges[0] + line_edges[2] + line_edges[8], 0);
    /* A 32-bit comparator behind the counter matches again after the 32-bit wrap. */
    u64 next = hpet_next_event(&h);
    ck_assert_uint_eq(next, ((1ull << 32) + 0x20) * 10);
}
END_TEST

START_TEST(bad_accesses_are_harmless)
{
    wr(0x3f8, ~0ull, 8);
    wr(HPET_ID, 0, 8);
    ck_assert_uint_eq(rd(HPET_ID, 4) & 0xff, 1);
    ck_assert_uint_eq(rd(1, 1), 0);                     /* byte/unaligned: 0 */
    wr(tconf(2), HPET_TN_ENABLE | (31u << HPET_TN_ROUTE_SHIFT) | HPET_TN_FSB_ENABLE, 4);
    wr(HPET_CONFIG, HPET_CFG_ENABLE, 4);
    wr(tcmp(2), 1, 8);
    hpet_run(&h, 1000000);   /* pin 31 does not exist: the match goes nowhere */
    unsigned edges = 0;
    for (int n = 0; n < 32; n++)
        edges += line_edges[n];
    ck_assert_uint_eq(edges, 0);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("hpet");
    TCase *tc = tcase_create("hpet");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, capabilities_and_counter);
    tcase_add_test(tc, one_shot_edge_on_ioapic_pin);
    tcase_add_test(tc, periodic_with_valset);
    tcase_add_test(tc, level_mode_and_status);
    tcase_add_test(tc, legacy_routing_and_32bit_mode);
    tcase_add_test(tc, bad_accesses_are_harmless);
    suite_add_tcase(s, tc);
    return s;
}
