/* Unit tests for the I/O APIC (82093AA datasheet §3.2, SDM 3A §11.1): identification registers,
 * edge and level pins, remote IRR and EOI, masking, polarity and destinations, through the APIC
 * bus into real local APICs. */
#include <check.h>

#include "apic_fixture.h"

static struct apic_fixture f;
static struct ioapic *io;

static void setup(void)
{
    fixture_init(&f, 2);
    fixture_sw_enable(&f, 0);
    fixture_sw_enable(&f, 1);
    io = &f.ioapic;
}

static void rte(int pin, u64 v)
{
    ioapic_write_reg(io, (u8)(0x10 + 2 * pin), (u32)v);
    ioapic_write_reg(io, (u8)(0x11 + 2 * pin), (u32)(v >> 32));
}

static u64 rte_read(int pin)
{
    return ioapic_read_reg(io, (u8)(0x10 + 2 * pin)) |
           (u64)ioapic_read_reg(io, (u8)(0x11 + 2 * pin)) << 32;
}

/* Take the interrupt on APIC i and EOI it; returns the vector. */
static int take(unsigned i)
{
    int v = lapic_intr_ack(&f.lapic[i]);
    lapic_mmio_write(&f.lapic[i], APIC_EOI, 0);
    return v;
}

START_TEST(identification)
{
    ck_assert_uint_eq(ioapic_read_reg(io, 0), 2u << 24);
    ck_assert_uint_eq(ioapic_read_reg(io, 1), 0x170011);   /* 24 entries, version 0x11 */
    ioapic_write_reg(io, 0, 0xffffffffu);
    ck_assert_uint_eq(ioapic_read_reg(io, 0), 0x0f000000u);   /* only bits 27:24 */
    ck_assert_uint_eq(ioapic_read_reg(io, 2), 0x0f000000u);   /* arbitration follows */
    ioapic_write_reg(io, 1, 0);
    ck_assert_uint_eq(ioapic_read_reg(io, 1), 0x170011);
    ck_assert_uint_eq(rte_read(5), 1u << 16);                  /* masked at reset */
    /* Reserved bits and the read-only status bits do not stick. */
    rte(5, 0xffffffffffffffffull);
    ck_assert_uint_eq(rte_read(5), 0xff0000000001afffull);
}
END_TEST

START_TEST(edge_pin)
{
    rte(3, 0x0000000000000031ull | 1ull << 56);   /* fixed, physical dest 1, edge, high */
    ioapic_set_irq(io, 3, 1);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[1]), 0x31);
    ck_assert_int_eq(take(1), 0x31);
    ioapic_set_irq(io, 3, 1);                      /* no new edge */
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[1]), -1);
    ioapic_set_irq(io, 3, 0);
    ioapic_set_irq(io, 3, 1);
    ck_assert_int_eq(take(1), 0x31);
    /* Masked: the edge is not delivered. */
    ioapic_set_irq(io, 3, 0);
    rte(3, 0x31 | 1ull << 16 | 1ull << 56);
    ioapic_set_irq(io, 3, 1);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[1]), -1);
    ck_assert_uint_eq(rte_read(3) & (1u << 14), 0);   /* edge entries never set remote IRR */
}
END_TEST

START_TEST(level_pin_remote_irr_and_eoi)
{
    rte(7, 0x42 | 1ull << 15);                    /* fixed, level, dest 0 */
    ioapic_set_irq(io, 7, 1);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[0]), 0x42);
    ck_assert(rte_read(7) & (1u << 14));           /* remote IRR */
    ck_assert_uint_eq(lapic_mmio_read(&f.lapic[0], APIC_TMR + 0x20), 1u << 2);   /* TMR bit 0x42 */
    /* Still asserted at EOI: delivered again. */
    ck_assert_int_eq(take(0), 0x42);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[0]), 0x42);
    ck_assert(rte_read(7) & (1u << 14));
    /* Deasserted before the EOI: remote IRR clears and nothing more comes. */
    ioapic_set_irq(io, 7, 0);
    ck_assert_int_eq(take(0), 0x42);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[0]), -1);
    ck_assert_uint_eq(rte_read(7) & (1u << 14), 0);
}
END_TEST

START_TEST(level_pin_masked_then_unmasked)
{
    rte(9, 0x43 | 1ull << 15 | 1ull << 16);
    ioapic_set_irq(io, 9, 1);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[0]), -1);
    rte(9, 0x43 | 1ull << 15);                     /* unmasking an asserted level pin delivers */
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[0]), 0x43);
}
END_TEST

START_TEST(active_low_polarity)
{
    rte(4, 0x44 | 1ull << 13);                     /* edge, active low */
    ioapic_set_irq(io, 4, 1);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[0]), -1);
    ioapic_set_irq(io, 4, 0);                      /* falling edge = assertion */
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[0]), 0x44);
}
END_TEST

START_TEST(logical_destination)
{
    lapic_mmio_write(&f.lapic[0], APIC_LDR, 0x01000000u);
    lapic_mmio_write(&f.lapic[1], APIC_LDR, 0x02000000u);
    rte(10, 0x50 | 1ull << 11 | 3ull << 56);       /* logical, both */
    ioapic_set_irq(io, 10, 1);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[0]), 0x50);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[1]), 0x50);
    rte(11, 0x51 | 1ull << 11 | 2ull << 56);       /* logical, APIC 1 only */
    ioapic_set_irq(io, 11, 1);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[1]), 0x51);
    ck_assert_int_eq(fixture_highest_irr(&f.lapic[0]), 0x50);
    ck_assert_uint_eq(f.ipis, 0);                  /* I/O APIC messages are not IPIs */
}
END_TEST

START_TEST(mmio_window)
{
    struct iomap mem;
    char err[128];
    iomap_init(&mem, "memory");
    ck_assert_int_eq(ioapic_register(io, &mem, IOAPIC_BASE, err, sizeof err), 0);
    iomap_write(&mem, IOAPIC_BASE, 0x01, 4);       /* IOREGSEL = version */
    ck_assert_uint_eq(iomap_read(&mem, IOAPIC_BASE + 0x10, 4), 0x170011);
    ck_assert_uint_eq(iomap_read(&mem, IOAPIC_BASE, 1), 0x01);
    iomap_write(&mem, IOAPIC_BASE, 0x12, 1);        /* redirection entry 1, low half */
    iomap_write(&mem, IOAPIC_BASE + 0x10, 0x33, 4);
    ck_assert_uint_eq(rte_read(1), 0x33);
    iomap_destroy(&mem);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("ioapic");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, identification);
    tcase_add_test(tc, edge_pin);
    tcase_add_test(tc, level_pin_remote_irr_and_eoi);
    tcase_add_test(tc, level_pin_masked_then_unmasked);
    tcase_add_test(tc, active_low_polarity);
    tcase_add_test(tc, logical_destination);
    tcase_add_test(tc, mmio_window);
    suite_add_tcase(s, tc);
    return s;
}
