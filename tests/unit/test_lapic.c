/* Unit tests for the local APIC and the APIC bus (SDM 3A ch. 11): registers, priorities,
 * EOI, the timer in all three modes, IA32_APIC_BASE transitions, x2APIC MSRs, IPIs and
 * destination matching. No CPU: the fixture's fake processors count signals. */
#include <check.h>

#include "apic_fixture.h"

static struct apic_fixture f;
static struct lapic *a0, *a1;

static void setup(void)
{
    fixture_init(&f, 2);
    a0 = &f.lapic[0];
    a1 = &f.lapic[1];
}

static u64 msr_rd(struct lapic *l, u32 idx, bool *ok)
{
    u64 v = 0;
    ck_assert(lapic_msr_read(l, idx, &v, ok));
    return v;
}

static bool msr_wr(struct lapic *l, u32 idx, u64 v)
{
    bool ok;
    ck_assert(lapic_msr_write(l, idx, v, &ok));
    return ok;
}

START_TEST(reset_state)
{
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_VERSION), 0x50014);
    ck_assert_uint_eq(lapic_mmio_read(a1, APIC_ID), 1u << 24);
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_SVR), 0xff);
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_DFR), 0xffffffffu);
    for (u32 off = APIC_LVT_TIMER; off <= APIC_LVT_ERROR; off += 0x10)
        ck_assert_uint_eq(lapic_mmio_read(a0, off), 1u << 16);   /* masked */
    bool ok;
    ck_assert_uint_eq(msr_rd(a0, LAPIC_MSR_BASE, &ok), 0xfee00900u);   /* EN | BSP */
    ck_assert_uint_eq(msr_rd(a1, LAPIC_MSR_BASE, &ok), 0xfee00800u);
    ck_assert_uint_eq(lapic_mmio_page(a0), 0xfee00000u);
}
END_TEST

START_TEST(priority_ack_and_eoi)
{
    fixture_sw_enable(&f, 0);
    lapic_accept(a0, APIC_DM_FIXED, 0x31, false);
    lapic_accept(a0, APIC_DM_FIXED, 0x51, false);
    ck_assert_uint_ge(f.cpu[0].intr, 2);
    ck_assert(lapic_intr_pending(a0));
    lapic_write_cr8(a0, 5);                          /* TPR class 5 masks 0x51 (SDM 3A §11.8.3.1) */
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_TPR), 0x50);
    ck_assert(!lapic_intr_pending(a0));
    lapic_write_cr8(a0, 0);
    ck_assert_int_eq(lapic_intr_ack(a0), 0x51);
    ck_assert_int_eq(fixture_highest_isr(a0), 0x51);
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_PPR), 0x50);
    ck_assert(!lapic_intr_pending(a0));              /* 0x31 is below the in-service class */
    lapic_mmio_write(a0, APIC_EOI, 0);
    ck_assert_int_eq(fixture_highest_isr(a0), -1);
    ck_assert(lapic_intr_pending(a0));
    ck_assert_int_eq(lapic_intr_ack(a0), 0x31);
    ck_assert_int_eq(fixture_highest_irr(a0), -1);
    /* Nothing pending: INTA returns the spurious vector from SVR. */
    ck_assert_int_eq(lapic_intr_ack(a0), 0xff);
}
END_TEST

START_TEST(software_disabled_accepts_only_nmi_init_sipi)
{
    lapic_accept(a0, APIC_DM_FIXED, 0x40, false);
    ck_assert_int_eq(fixture_highest_irr(a0), -1);
    lapic_accept(a0, APIC_DM_NMI, 0, false);
    lapic_accept(a0, APIC_DM_INIT, 0, false);
    lapic_accept(a0, APIC_DM_SIPI, 0x9a, false);
    ck_assert_uint_eq(f.cpu[0].nmi, 1);
    ck_assert_uint_eq(f.cpu[0].init, 1);
    ck_assert_uint_eq(f.cpu[0].sipi, 1);
    ck_assert_uint_eq(f.cpu[0].sipi_vector, 0x9a);
    /* LVT writes keep the mask bit while software-disabled (SDM 3A §11.4.7.2). */
    lapic_mmio_write(a0, APIC_LVT_TIMER, 0x40);
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_LVT_TIMER), 0x10040);
}
END_TEST

START_TEST(timer_one_shot_and_periodic)
{
    fixture_sw_enable(&f, 0);
    lapic_mmio_write(a0, APIC_TDCR, 0xb);            /* divide by 1 */
    lapic_mmio_write(a0, APIC_LVT_TIMER, 0x40);      /* one-shot, vector 0x40 */
    f.cpu[0].tsc = 1000;
    lapic_mmio_write(a0, APIC_TMICT, 500);
    ck_assert_uint_eq(lapic_next_event(a0), 1500);
    f.cpu[0].tsc = 1200;
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_TMCCT), 300);
    lapic_run_timers(a0, 1200);
    ck_assert_int_eq(fixture_highest_irr(a0), -1);   /* not yet */
    f.cpu[0].tsc = 1500;
    lapic_run_timers(a0, 1500);
    ck_assert_int_eq(fixture_highest_irr(a0), 0x40);
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_TMCCT), 0);
    ck_assert_uint_eq(lapic_next_event(a0), UINT64_MAX);
    ck_assert_int_eq(lapic_intr_ack(a0), 0x40);
    lapic_mmio_write(a0, APIC_EOI, 0);

    /* Periodic with divide-by-8: period 8 * 100 ticks. */
    lapic_mmio_write(a0, APIC_TDCR, 0x2);
    lapic_mmio_write(a0, APIC_LVT_TIMER, 0x20041);
    f.cpu[0].tsc = 2000;
    lapic_mmio_write(a0, APIC_TMICT, 100);
    ck_assert_uint_eq(lapic_next_event(a0), 2800);
    f.cpu[0].tsc = 2400;
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_TMCCT), 50);
    lapic_run_timers(a0, 2800);
    ck_assert_int_eq(fixture_highest_irr(a0), 0x41);
    ck_assert_uint_eq(lapic_next_event(a0), 3600);   /* re-armed */
    /* Several missed periods coalesce into one IRR bit and the phase is kept. */
    lapic_run_timers(a0, 5000);
    ck_assert_uint_eq(lapic_next_event(a0), 5200);
    /* Writing TMICT = 0 stops the timer. */
    lapic_mmio_write(a0, APIC_TMICT, 0);
    ck_assert_uint_eq(lapic_next_event(a0), UINT64_MAX);
}
END_TEST

START_TEST(timer_tsc_deadline)
{
    fixture_sw_enable(&f, 0);
    bool ok;
    /* Not in TSC-deadline mode: the MSR reads 0 and writes are ignored. */
    ck_assert(msr_wr(a0, LAPIC_MSR_TSC_DEADLINE, 5000));
    ck_assert_uint_eq(msr_rd(a0, LAPIC_MSR_TSC_DEADLINE, &ok), 0);
    lapic_mmio_write(a0, APIC_LVT_TIMER, 0x40042);   /* TSC-deadline mode, vector 0x42 */
    ck_assert(msr_wr(a0, LAPIC_MSR_TSC_DEADLINE, 5000));
    ck_assert_uint_eq(msr_rd(a0, LAPIC_MSR_TSC_DEADLINE, &ok), 5000);
    ck_assert_uint_eq(lapic_next_event(a0), 5000);
    lapic_mmio_write(a0, APIC_TMICT, 77);            /* ignored in this mode */
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_TMICT), 0);
    lapic_run_timers(a0, 4999);
    ck_assert_int_eq(fixture_highest_irr(a0), -1);
    lapic_run_timers(a0, 5000);
    ck_assert_int_eq(fixture_highest_irr(a0), 0x42);
    ck_assert_uint_eq(msr_rd(a0, LAPIC_MSR_TSC_DEADLINE, &ok), 0);   /* cleared on expiry */
    /* Leaving TSC-deadline mode disarms (SDM 3A §11.5.4.1). */
    ck_assert(msr_wr(a0, LAPIC_MSR_TSC_DEADLINE, 9000));
    lapic_mmio_write(a0, APIC_LVT_TIMER, 0x42);
    ck_assert_uint_eq(lapic_next_event(a0), UINT64_MAX);
}
END_TEST

START_TEST(apic_base_transitions)
{
    u64 xapic = 0xfee00900u, x2 = xapic | LAPIC_BASE_EXTD, off = 0xfee00100u;
    bool ok;
    ck_assert(!msr_wr(a0, LAPIC_MSR_BASE, xapic | 1));            /* reserved bit 0 */
    ck_assert(!msr_wr(a0, LAPIC_MSR_BASE, xapic | 1ull << 40));   /* above MAXPHYADDR */
    ck_assert(!msr_wr(a0, LAPIC_MSR_BASE, off | LAPIC_BASE_EXTD));   /* EXTD without EN */
    ck_assert(msr_wr(a0, LAPIC_MSR_BASE, x2));                     /* xAPIC -> x2APIC */
    ck_assert(lapic_x2apic_mode(a0));
    ck_assert_uint_eq(lapic_mmio_page(a0), UINT64_MAX);            /* MMIO not decoded */
    ck_assert(!msr_wr(a0, LAPIC_MSR_BASE, xapic));                 /* x2APIC -> xAPIC: #GP */
    ck_assert(msr_wr(a0, LAPIC_MSR_BASE, off));                    /* -> disabled */
    ck_assert(!lapic_hw_enabled(a0));
    ck_assert(!msr_wr(a0, LAPIC_MSR_BASE, x2));                    /* disabled -> x2APIC: #GP */
    /* BSP is read-only; the base moves. */
    ck_assert(msr_wr(a0, LAPIC_MSR_BASE, 0xfed00800u));
    ck_assert_uint_eq(msr_rd(a0, LAPIC_MSR_BASE, &ok), 0xfed00900u);
    ck_assert_uint_eq(lapic_mmio_page(a0), 0xfed00000u);
}
END_TEST

START_TEST(global_disable_resets_registers)
{
    fixture_sw_enable(&f, 0);
    lapic_mmio_write(a0, APIC_TPR, 0x20);
    lapic_mmio_write(a0, APIC_LVT_TIMER, 0x30);
    lapic_accept(a0, APIC_DM_FIXED, 0x80, false);
    ck_assert(msr_wr(a0, LAPIC_MSR_BASE, 0xfee00100u));
    ck_assert(msr_wr(a0, LAPIC_MSR_BASE, 0xfee00900u));
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_SVR), 0xff);
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_TPR), 0);
    ck_assert_int_eq(fixture_highest_irr(a0), -1);
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_LVT_TIMER), 0x10000);   /* reset value */
}
END_TEST

START_TEST(x2apic_registers)
{
    bool ok;
    ck_assert(!lapic_msr_read(a0, 0x10, &(u64){0}, &ok));   /* not an APIC MSR */
    lapic_mmio_write(a1, APIC_ID, 7u << 24);                 /* xAPIC ID is writable ... */
    ck_assert_uint_eq(lapic_mmio_read(a1, APIC_ID), 7u << 24);
    msr_rd(a1, 0x802, &ok);
    ck_assert(!ok);                                          /* xAPIC mode: x2APIC MSRs #GP */
    ck_assert(msr_wr(a1, LAPIC_MSR_BASE, 0xfee00c00u));
    ck_assert_uint_eq(msr_rd(a1, 0x802, &ok), 1);            /* ... the x2APIC ID is the initial one */
    ck_assert(ok);
    ck_assert_uint_eq(msr_rd(a1, 0x80d, &ok), 1u << 1);      /* LDR: cluster 0, bit 1 */
    ck_assert(!msr_wr(a1, 0x802, 5));                        /* ID read-only */
    ck_assert(!msr_wr(a1, 0x80d, 5));                        /* LDR read-only */
    msr_rd(a1, 0x80e, &ok);
    ck_assert(!ok);                                          /* no DFR in x2APIC mode */
    ck_assert(!msr_wr(a1, 0x80b, 1));                        /* EOI must be 0 */
    ck_assert(!msr_wr(a1, 0x808, 0x100));                    /* TPR reserved bits */
    ck_assert(msr_wr(a1, 0x80f, 0x1ff));
    /* Self IPI register (0x83f) and a 64-bit ICR write. */
    ck_assert(msr_wr(a1, 0x83f, 0x55));
    ck_assert_int_eq(fixture_highest_irr(a1), 0x55);
    ck_assert(!msr_wr(a1, 0x83f, 0x155));
    ck_assert(!msr_wr(a1, 0x830, 1ull << 13));              /* ICR reserved bit */
    fixture_sw_enable(&f, 0);
    ck_assert(msr_wr(a1, 0x830, 0x66));                     /* fixed 0x66 to x2APIC id 0 */
    ck_assert_int_eq(fixture_highest_irr(a0), 0x66);
    ck_assert_uint_eq(msr_rd(a1, 0x830, &ok), 0x66);
}
END_TEST

START_TEST(destination_matching)
{
    /* Physical. */
    ck_assert(lapic_match_dest(a1, 1, false, false));
    ck_assert(!lapic_match_dest(a1, 0, false, false));
    ck_assert(lapic_match_dest(a1, 0xff, false, false));     /* xAPIC broadcast */
    /* Flat logical: LDR bits 31:24 ANDed with the destination. */
    lapic_mmio_write(a1, APIC_LDR, 0x04000000u);
    ck_assert(lapic_match_dest(a1, 0x0c, true, false));
    ck_assert(!lapic_match_dest(a1, 0x03, true, false));
    /* Cluster logical: high nibble = cluster, low nibble = members. */
    lapic_mmio_write(a1, APIC_DFR, 0x0fffffffu);
    lapic_mmio_write(a1, APIC_LDR, 0x32000000u);
    ck_assert(lapic_match_dest(a1, 0x36, true, false));
    ck_assert(!lapic_match_dest(a1, 0x26, true, false));
    ck_assert(!lapic_match_dest(a1, 0x31, true, false));
    /* x2APIC cluster: cluster in 31:16, member bits in 15:0. */
    ck_assert(msr_wr(a1, LAPIC_MSR_BASE, 0xfee00c00u));
    ck_assert(lapic_match_dest(a1, 0x00000002u, true, true));
    ck_assert(!lapic_match_dest(a1, 0x00010002u, true, true));
    ck_assert(lapic_match_dest(a1, 0xffffffffu, false, true));
    /* 8-bit destinations (I/O APIC) reaching an x2APIC: zero-extended, 0xff broadcasts. */
    ck_assert(lapic_match_dest(a1, 0x0e, true, false));   /* id 1 = cluster 0 bit 1 */
    ck_assert(!lapic_match_dest(a1, 0x01, true, false));
    ck_assert(lapic_match_dest(a1, 0xff, true, false));
    ck_assert(lapic_match_dest(a1, 0x01, false, false));
    ck_assert(lapic_match_dest(a1, 0xff, false, false));
    ck_assert(!lapic_match_dest(a1, 0x02, false, false));
}
END_TEST

START_TEST(ipi_shorthands_and_lowest_priority)
{
    fixture_init(&f, 3);
    for (unsigned i = 0; i < 3; i++)
        fixture_sw_enable(&f, i);
    struct lapic *a2 = &f.lapic[2];
    a0 = &f.lapic[0];
    a1 = &f.lapic[1];
    /* All excluding self. */
    lapic_mmio_write(a0, APIC_ICR, 3u << 18 | 0x70);
    ck_assert_int_eq(fixture_highest_irr(a0), -1);
    ck_assert_int_eq(fixture_highest_irr(a1), 0x70);
    ck_assert_int_eq(fixture_highest_irr(a2), 0x70);
    ck_assert_uint_eq(f.ipis, 1);
    /* Self. */
    lapic_mmio_write(a0, APIC_ICR, 1u << 18 | 0x71);
    ck_assert_int_eq(fixture_highest_irr(a0), 0x71);
    /* Lowest priority to all three (logical flat 0xff): the lowest TPR wins, ties to the first. */
    lapic_intr_ack(a1);
    lapic_mmio_write(a1, APIC_EOI, 0);
    lapic_intr_ack(a2);
    lapic_mmio_write(a2, APIC_EOI, 0);
    lapic_mmio_write(a0, APIC_TPR, 0x90);
    lapic_mmio_write(a1, APIC_TPR, 0x40);
    lapic_mmio_write(a2, APIC_TPR, 0x30);
    for (unsigned i = 0; i < 3; i++)
        lapic_mmio_write(&f.lapic[i], APIC_LDR, 0x01000000u << i);
    lapic_mmio_write(a0, APIC_ICR2, 0x07000000u);
    lapic_mmio_write(a0, APIC_ICR, 1u << 11 | 1u << 8 | 0x72);
    ck_assert_int_eq(fixture_highest_irr(a2), 0x72);
    ck_assert_int_eq(fixture_highest_irr(a1), -1);
    /* INIT and SIPI by physical destination. */
    lapic_mmio_write(a0, APIC_ICR2, 0x02000000u);
    lapic_mmio_write(a0, APIC_ICR, 1u << 14 | 5u << 8);
    lapic_mmio_write(a0, APIC_ICR, 6u << 8 | 0x9f);
    ck_assert_uint_eq(f.cpu[2].init, 1);
    ck_assert_uint_eq(f.cpu[2].sipi, 1);
    ck_assert_uint_eq(f.cpu[2].sipi_vector, 0x9f);
    ck_assert_uint_eq(f.cpu[1].init, 0);
    /* INIT level de-assert is only a bus message. */
    lapic_mmio_write(a0, APIC_ICR, 1u << 15 | 5u << 8);
    ck_assert_uint_eq(f.cpu[2].init, 1);
}
END_TEST

START_TEST(esr_illegal_vector)
{
    fixture_sw_enable(&f, 0);
    fixture_sw_enable(&f, 1);
    lapic_mmio_write(a0, APIC_ICR2, 0x01000000u);
    lapic_mmio_write(a0, APIC_ICR, 0x05);            /* fixed vector 5: send illegal vector */
    ck_assert_int_eq(fixture_highest_irr(a1), -1);
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_ESR), 0);   /* latched only by an ESR write */
    lapic_mmio_write(a0, APIC_ESR, 0);
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_ESR), 1u << 5);
    lapic_mmio_write(a0, APIC_ESR, 0);
    ck_assert_uint_eq(lapic_mmio_read(a0, APIC_ESR), 0);
}
END_TEST

START_TEST(lint_extint_and_nmi)
{
    /* Hardware-disabled: LINT0 is INTR and LINT1 is NMI, straight through. */
    bool ok;
    ck_assert(lapic_msr_write(a0, LAPIC_MSR_BASE, 0xfee00100u, &ok) && ok);
    lapic_set_lint(a0, 0, true);
    ck_assert(lapic_intr_pending(a0));
    lapic_set_lint(a0, 0, false);
    ck_assert(!lapic_intr_pending(a0));
    lapic_set_lint(a0, 1, true);
    ck_assert_uint_eq(f.cpu[0].nmi, 1);
    lapic_set_lint(a0, 1, false);
    /* Enabled, LINT0 in ExtINT mode unmasked; LINT1 in NMI mode. */
    ck_assert(lapic_msr_write(a0, LAPIC_MSR_BASE, 0xfee00900u, &ok) && ok);
    fixture_sw_enable(&f, 0);
    lapic_mmio_write(a0, APIC_LVT_LINT0, 0x700);
    lapic_mmio_write(a0, APIC_LVT_LINT1, 0x400);
    lapic_set_lint(a0, 0, true);
    ck_assert(lapic_intr_pending(a0));
    lapic_set_lint(a1, 1, true);
    lapic_set_lint(a0, 1, true);
    ck_assert_uint_eq(f.cpu[0].nmi, 2);
    /* Masked ExtINT is not pending. */
    lapic_mmio_write(a0, APIC_LVT_LINT0, 0x10700);
    ck_assert(!lapic_intr_pending(a0));
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("lapic");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, reset_state);
    tcase_add_test(tc, priority_ack_and_eoi);
    tcase_add_test(tc, software_disabled_accepts_only_nmi_init_sipi);
    tcase_add_test(tc, timer_one_shot_and_periodic);
    tcase_add_test(tc, timer_tsc_deadline);
    tcase_add_test(tc, apic_base_transitions);
    tcase_add_test(tc, global_disable_resets_registers);
    tcase_add_test(tc, x2apic_registers);
    tcase_add_test(tc, destination_matching);
    tcase_add_test(tc, ipi_shorthands_and_lowest_priority);
    tcase_add_test(tc, esr_illegal_vector);
    tcase_add_test(tc, lint_extint_and_nmi);
    suite_add_tcase(s, tc);
    return s;
}
