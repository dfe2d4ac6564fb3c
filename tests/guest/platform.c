/* Guest test: the PC platform devices as a firmware-less kernel sees them — ACPI tables found by
 * the RSDP scan and checksummed, the PM timer advancing at 3.579545 MHz, pc-testdev echo, CMOS
 * time and memory bytes, PCI enumeration, and timer interrupts waking HLT: the PIT through the
 * I/O APIC (IRQ0 → GSI2) and through the 8259 in ExtINT mode, the HPET through the I/O APIC,
 * the RTC periodic interrupt on IRQ 8. */
#include "guest.h"

#define LAPIC 0xfee00000ul
#define IOAPIC 0xfec00000ul
#define HPET 0xfed00000ul

static inline uint32_t mmio32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void mmio32_w(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t mmio64(uintptr_t a) { return *(volatile uint64_t *)a; }
static inline void mmio64_w(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

static void ioapic_route(unsigned pin, uint8_t vector, bool masked)
{
    mmio32_w(IOAPIC, 0x10 + 2 * pin + 1);
    mmio32_w(IOAPIC + 0x10, 0);                       /* destination APIC 0 */
    mmio32_w(IOAPIC, 0x10 + 2 * pin);
    mmio32_w(IOAPIC + 0x10, vector | (masked ? 1u << 16 : 0));   /* fixed, physical, edge, high */
}

static uint8_t cmos(uint8_t reg) { outb(0x70, reg); return inb(0x71); }

static bool sum_ok(const uint8_t *p, uint32_t len)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += p[i];
    return s == 0;
}

static bool sig_is(const void *p, const char *sig)
{
    const char *c = p;
    return c[0] == sig[0] && c[1] == sig[1] && c[2] == sig[2] && c[3] == sig[3];
}

static uint32_t pm_tmr_port;

static void test_acpi(void)
{
    const uint8_t *rsdp = 0;
    for (uintptr_t a = 0xe0000; a < 0x100000; a += 16) {
        const char *p = (const char *)a;
        if (p[0] == 'R' && p[1] == 'S' && p[2] == 'D' && p[3] == ' ' && p[4] == 'P' && p[5] == 'T' &&
            p[6] == 'R' && p[7] == ' ') {
            rsdp = (const uint8_t *)a;
            break;
        }
    }
    report(rsdp != 0, "RSDP found in 0xe0000-0xfffff");
    if (!rsdp)
        return;
    report(sum_ok(rsdp, 20) && rsdp[15] >= 2 && sum_ok(rsdp, 36), "RSDP checksums (revision %u)", rsdp[15]);
    const uint8_t *xsdt = (const uint8_t *)(uintptr_t) * (const uint64_t *)(rsdp + 24);
    uint32_t xlen = *(const uint32_t *)(xsdt + 4);
    report(sig_is(xsdt, "XSDT") && sum_ok(xsdt, xlen), "XSDT signature and checksum");
    const uint8_t *fadt = 0, *madt = 0, *hpet = 0;
    for (uint32_t o = 36; o + 8 <= xlen; o += 8) {
        const uint8_t *t = (const uint8_t *)(uintptr_t) * (const uint64_t *)(xsdt + o);
        if (sig_is(t, "FACP")) fadt = t;
        if (sig_is(t, "APIC")) madt = t;
        if (sig_is(t, "HPET")) hpet = t;
    }
    report(fadt && sum_ok(fadt, *(const uint32_t *)(fadt + 4)), "FADT found, checksum ok");
    report(madt && sum_ok(madt, *(const uint32_t *)(madt + 4)), "MADT found, checksum ok");
    report(hpet && *(const uint64_t *)(hpet + 44) == HPET, "HPET table points at 0xfed00000");
    if (fadt) {
        pm_tmr_port = *(const uint32_t *)(fadt + 76);
        const uint8_t *facs = (const uint8_t *)(uintptr_t) * (const uint32_t *)(fadt + 36);
        report(sig_is(facs, "FACS") && ((uintptr_t)facs & 63) == 0, "FACS at %p, 64-byte aligned", facs);
        report(fadt[108] == 0x32, "FADT CENTURY = 0x32");
    }
    if (madt) {
        unsigned lapics = 0, ioapics = 0, iso0 = 0;
        uint32_t len = *(const uint32_t *)(madt + 4);
        for (uint32_t o = 44; o + 2 <= len && madt[o + 1]; o += madt[o + 1]) {
            if (madt[o] == 0) lapics++;
            if (madt[o] == 1 && *(const uint32_t *)(madt + o + 4) == IOAPIC) ioapics++;
            if (madt[o] == 2 && madt[o + 3] == 0 && *(const uint32_t *)(madt + o + 4) == 2) iso0++;
        }
        report(lapics == 1 && ioapics == 1 && iso0 == 1,
               "MADT: %u local APIC, %u I/O APIC, IRQ0->GSI2 override %u", lapics, ioapics, iso0);
    }
}

static void test_pm_timer(void)
{
    if (!pm_tmr_port) {
        report_skip("PM timer (no FADT)");
        return;
    }
    uint32_t a = inl(pm_tmr_port) & 0xffffff;
    uint64_t t0 = rdtsc();
    while (rdtsc() - t0 < 20000000)   /* 10 ms at 2 GHz */
        ;
    uint32_t b = inl(pm_tmr_port) & 0xffffff;
    uint64_t t1 = rdtsc();
    uint32_t ticks = (b - a) & 0xffffff;
    report(ticks > 0, "PM timer advances (%u ticks)", ticks);
    if (guest_on_qemu_tcg()) {
        report_skip("PM timer rate vs TSC (TCG TSC is not 2 GHz)");
    } else {
        uint64_t per_tick = (t1 - t0) / ticks;   /* 2e9 / 3579545 = 558.7 */
        report(per_tick >= 550 && per_tick <= 570, "PM timer at 3.58 MHz of a 2 GHz TSC (%lu cycles/tick)",
               (unsigned long)per_tick);
    }
}

static void test_pctestdev_cmos_pci(void)
{
    bool tcg = guest_on_qemu_tcg();   /* the QEMU runner adds no pc-testdev/pci-testdev */
    if (tcg) {
        report_skip("pc-testdev (not on the QEMU runner's command line)");
    } else {
        outl(0xe0, 0xcafe1234);
        report(inl(0xe0) == 0xcafe1234 && inw(0xe2) == 0xcafe && inb(0xe1) == 0x12, "pc-testdev 0xe0 echo");
        outb(0xe1, 0x55);
        report(inl(0xe0) == 0xcafe5534, "pc-testdev byte write merges");
    }

    uint8_t a = cmos(0x0a), d = cmos(0x0d), sec = cmos(0x00), cent = cmos(0x32), mon = cmos(0x08);
    report((a & 0x7f) == 0x26 && d == 0x80, "CMOS registers A=%#x D=%#x", a, d);
    report((sec & 0xf) <= 9 && (sec >> 4) <= 5 && mon >= 1 && mon <= 0x12 && cent == 0x20,
           "CMOS time is BCD (sec %#x month %#x century %#x)", sec, mon, cent);
    uint32_t ext16 = cmos(0x34) | cmos(0x35) << 8;   /* 64 KiB units above 16 MiB */
    uint32_t upper = guest_mbi()->mem_upper;          /* KiB above 1 MiB */
    report(ext16 == (upper - 15 * 1024) / 64, "CMOS 0x34/0x35 (%u) agrees with Multiboot mem_upper (%u KiB)",
           ext16, upper);

    outl(0xcf8, 0x80000000);
    uint32_t host = inl(0xcfc);
    outl(0xcf8, 0x80000000 | 2 << 11);
    uint32_t td = inl(0xcfc);
    outl(0xcf8, 0x80000000 | 2 << 11 | 0x10);
    uint32_t bar0 = inl(0xcfc);
    report(host == 0x12378086, "PCI: 440FX host bridge at 00:00.0");
    if (tcg)
        report_skip("pci-testdev at 00:02.0 (not on the QEMU runner's command line)");
    else
        report(td == 0x00051b36 && bar0 == 0xfe000000, "PCI: pci-testdev at 00:02.0, BAR0 %#x", bar0);
}

static volatile unsigned ticks_ioapic, ticks_pic, ticks_hpet, ticks_rtc;

static void on_ioapic_pit(struct exc_frame *f) { (void)f; ticks_ioapic++; mmio32_w(LAPIC + 0xb0, 0); }
static void on_pic_pit(struct exc_frame *f) { (void)f; ticks_pic++; outb(0x20, 0x20); }
static void on_hpet(struct exc_frame *f) { (void)f; ticks_hpet++; mmio32_w(LAPIC + 0xb0, 0); }
static void on_rtc(struct exc_frame *f) { (void)f; ticks_rtc++; (void)cmos(0x0c); mmio32_w(LAPIC + 0xb0, 0); }

/* Halt with interrupts on until *count reaches n (each wake-up is an interrupt). */
static uint64_t wait_for(volatile unsigned *count, unsigned n)
{
    uint64_t t0 = rdtsc();
    while (*count < n)
        __asm__ volatile("sti; hlt; cli");
    return rdtsc() - t0;
}

static void pit_periodic(uint16_t count)
{
    outb(0x43, 0x34);           /* channel 0, lo/hi, mode 2 */
    outb(0x40, count & 0xff);
    outb(0x40, count >> 8);
}

static void test_timers(void)
{
    bool tcg = guest_on_qemu_tcg();
    mmio32_w(LAPIC + 0xf0, 0x1ff);                   /* APIC software enable */
    outb(0x21, 0xff);                                /* 8259s masked */
    outb(0xa1, 0xff);

    /* PIT → I/O APIC pin 2 (the MADT's IRQ0 override). */
    guest_set_handler(0x30, on_ioapic_pit);
    ioapic_route(2, 0x30, false);
    pit_periodic(11932);                             /* 10 ms */
    wait_for(&ticks_ioapic, 1);   /* the control word itself may raise OUT (mode 2 idles high) */
    uint64_t dt = wait_for(&ticks_ioapic, 3);
    report(ticks_ioapic == 3, "PIT IRQ0 through the I/O APIC wakes HLT (3 ticks)");
    if (!tcg)
        report(dt >= 2 * 20000000ull - 200000 && dt <= 2 * 20000000ull + 200000,
               "2 PIT periods of 10 ms took %lu cycles (2 GHz TSC)", (unsigned long)dt);
    ioapic_route(2, 0x30, true);

    /* PIT → 8259 (vector base 0x20) → LAPIC LINT0 in ExtINT mode. */
    guest_set_handler(0x20, on_pic_pit);
    mmio32_w(LAPIC + 0x350, 0x700);                  /* LINT0: ExtINT, unmasked */
    outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x01);
    outb(0xa0, 0x11); outb(0xa1, 0x28); outb(0xa1, 0x02); outb(0xa1, 0x01);
    outb(0x21, 0xfe);                                /* only IRQ 0 */
    outb(0xa1, 0xff);
    wait_for(&ticks_pic, 2);
    report(ticks_pic == 2, "PIT IRQ0 through the 8259 (ExtINT) wakes HLT");
    outb(0x21, 0xff);
    outb(0x43, 0x30);                                /* PIT back to mode 0, no count: quiet */

    /* HPET timer 2, one-shot, edge, I/O APIC pin 20. */
    uint64_t cap = mmio64(HPET);
    report((cap >> 32) == 10000000 && ((cap >> 8) & 0x1f) == 2, "HPET: 10 ns period, 3 timers");
    guest_set_handler(0x31, on_hpet);
    ioapic_route(20, 0x31, false);
    mmio64_w(HPET + 0x140, (1u << 2) | (20u << 9));  /* timer 2: interrupt enable, route 20 */
    mmio64_w(HPET + 0x10, 1);                        /* enable the main counter */
    uint64_t c0 = mmio64(HPET + 0xf0);
    mmio64_w(HPET + 0x148, c0 + 100000);             /* 1 ms */
    wait_for(&ticks_hpet, 1);
    uint64_t c1 = mmio64(HPET + 0xf0);
    report(ticks_hpet == 1 && c1 - c0 >= 100000, "HPET one-shot through the I/O APIC (counter +%lu)",
           (unsigned long)(c1 - c0));
    mmio64_w(HPET + 0x10, 0);

    /* HPET legacy replacement: timer 0 owns IRQ 0 (GSI 2) and the PIT is cut off meanwhile. */
    ticks_ioapic = 0;
    ioapic_route(2, 0x30, false);
    mmio64_w(HPET + 0x100, 1u << 2);                 /* timer 0: interrupt enable, edge, one-shot */
    mmio64_w(HPET + 0x10, 3);                        /* enable + LEG_RT_CNF */
    pit_periodic(1193);                              /* PIT at 1 ms: must not be heard */
    c0 = mmio64(HPET + 0xf0);
    mmio64_w(HPET + 0x108, c0 + 500000);             /* 5 ms */
    dt = wait_for(&ticks_ioapic, 1);
    report(ticks_ioapic == 1 && (tcg || (dt >= 9900000 && dt <= 10100000)),
           "HPET legacy mode: first IRQ 0 is timer 0 after 5 ms, the 1 ms PIT is disconnected (%lu cycles)",
           (unsigned long)dt);
    mmio64_w(HPET + 0x10, 0);                        /* legacy off: the PIT has IRQ 0 again */
    wait_for(&ticks_ioapic, 4);
    report(ticks_ioapic == 4, "PIT IRQ 0 is back after the HPET leaves legacy mode");
    outb(0x43, 0x30);
    ioapic_route(2, 0x30, true);

    /* RTC periodic interrupt (1024 Hz) on IRQ 8 = I/O APIC pin 8. */
    guest_set_handler(0x32, on_rtc);
    ioapic_route(8, 0x32, false);
    outb(0x70, 0x0b);
    uint8_t b = inb(0x71);
    outb(0x70, 0x0b);
    outb(0x71, b | 0x40);                            /* PIE */
    (void)cmos(0x0c);
    wait_for(&ticks_rtc, 4);
    report(ticks_rtc == 4, "RTC periodic interrupt on IRQ 8 wakes HLT");
    outb(0x70, 0x0b);
    outb(0x71, b);
    ioapic_route(8, 0x32, true);
}

int main(void)
{
    test_acpi();
    test_pm_timer();
    test_pctestdev_cmos_pci();
    test_timers();
    return report_summary();
}
