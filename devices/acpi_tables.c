/* devices/acpi_tables.c — builds the RSDP, RSDT, XSDT, FADT, FACS, DSDT, MADT and HPET tables
 * (ACPI 6.4 ch. 5; IA-PC HPET spec 1.0a §3.2.4). See acpi_tables.h for the layout. */
#include "devices/acpi_tables.h"

#include <stdio.h>
#include <string.h>

/* Little-endian stores. */
static void put8(u8 *p, unsigned off, u8 v) { p[off] = v; }
static void put16(u8 *p, unsigned off, u16 v) { p[off] = (u8)v, p[off + 1] = (u8)(v >> 8); }
static void put32(u8 *p, unsigned off, u32 v)
{
    for (int i = 0; i < 4; i++)
        p[off + i] = (u8)(v >> (8 * i));
}
static void put64(u8 *p, unsigned off, u64 v)
{
    for (int i = 0; i < 8; i++)
        p[off + i] = (u8)(v >> (8 * i));
}

u8 acpi_checksum(const u8 *p, u64 len)
{
    u8 s = 0;
    for (u64 i = 0; i < len; i++)
        s = (u8)(s + p[i]);
    return s;
}

/* The 36-byte System Description Table header (ACPI 6.4 §5.2.6); checksum filled by seal(). */
static void sdt_header(u8 *t, const char sig[4], u32 len, u8 rev)
{
    memcpy(t, sig, 4);
    put32(t, 4, len);
    put8(t, 8, rev);
    memcpy(t + 10, "HVSIM ", 6);         /* OEMID */
    memcpy(t + 16, "HVSIMPC ", 8);       /* OEM table id */
    put32(t, 24, 1);                     /* OEM revision */
    memcpy(t + 28, "HVSM", 4);           /* creator id */
    put32(t, 32, 1);                     /* creator revision */
}

static void seal(u8 *t, u32 len, unsigned sum_off)
{
    t[sum_off] = 0;
    t[sum_off] = (u8)(0u - acpi_checksum(t, len));
}

/* Generic Address Structure, system I/O space (ACPI 6.4 §5.2.3.2). */
static void gas_io(u8 *p, unsigned off, u8 bits, u64 port)
{
    put8(p, off, 1);         /* address space: system I/O */
    put8(p, off + 1, bits);  /* register bit width */
    put8(p, off + 2, 0);     /* bit offset */
    put8(p, off + 3, bits == 32 ? 3 : bits == 16 ? 2 : 1);   /* access size */
    put64(p, off + 4, port);
}

enum { FADT_LEN = 244, FACS_LEN = 64, RSDP_LEN = 36 };

/* FADT flags (ACPI 6.4 Table 5.10). */
enum { FADT_WBINVD = 1u << 0, FADT_PROC_C1 = 1u << 2, FADT_SLP_BUTTON = 1u << 5,
       FADT_RTC_S4 = 1u << 7 };

/* DSDT body: Name(_S3, Package(){1, 1}) and Name(_S5, Package(){0, 0}) — SLP_TYP values the
   PM1 control block understands (ACPI 6.4 §7.4.2; AML encoding §20.2.5). */
static const u8 dsdt_aml[] = {
    0x08, '_', 'S', '3', '_', 0x12, 0x04, 0x02, 0x01, 0x01,
    0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x00,
};

int acpi_tables_build(u8 *ram, u64 ram_len, const struct acpi_config *cfg, struct acpi_layout *out,
                      char *err, size_t errlen)
{
    if (ram_len < ACPI_TABLES_END) {
        snprintf(err, errlen, "ACPI tables need RAM up to %#x", ACPI_TABLES_END);
        return -1;
    }
    if (cfg->ncpus < 1 || cfg->ncpus > 255) {
        snprintf(err, errlen, "ACPI MADT: %u vCPUs unsupported (1-255)", cfg->ncpus);
        return -1;
    }
    u8 *area = ram + ACPI_TABLES_BASE;
    memset(area, 0, ACPI_TABLES_END - ACPI_TABLES_BASE);
    struct acpi_layout l = {.rsdp = ACPI_TABLES_BASE, .facs = ACPI_TABLES_BASE + 0x40};
    u64 at = l.facs + FACS_LEN;
#define TAKE(field, len) (l.field = at, at = (at + (len) + 15) & ~15ull, ram + l.field)

    /* FACS (ACPI 6.4 §5.2.10): no checksum; version 2. */
    u8 *facs = ram + l.facs;
    memcpy(facs, "FACS", 4);
    put32(facs, 4, FACS_LEN);
    put8(facs, 32, 2);

    u32 dsdt_len = 36 + sizeof dsdt_aml;
    u8 *dsdt = TAKE(dsdt, dsdt_len);
    sdt_header(dsdt, "DSDT", dsdt_len, 2);
    memcpy(dsdt + 36, dsdt_aml, sizeof dsdt_aml);
    seal(dsdt, dsdt_len, 9);

    /* FADT (ACPI 6.4 §5.2.9, Table 5.9), revision 3 = the ACPI 2.0 layout. */
    u8 *fadt = TAKE(fadt, FADT_LEN);
    sdt_header(fadt, "FACP", FADT_LEN, 3);
    put32(fadt, 36, (u32)l.facs);
    put32(fadt, 40, (u32)l.dsdt);
    put8(fadt, 45, 0);                       /* preferred PM profile: unspecified */
    put16(fadt, 46, cfg->sci_irq);
    put32(fadt, 48, 0);                      /* SMI_CMD 0: always in ACPI mode */
    put32(fadt, 56, cfg->pm_base);           /* PM1a_EVT_BLK */
    put32(fadt, 64, cfg->pm_base + 4u);      /* PM1a_CNT_BLK */
    put32(fadt, 76, cfg->pm_base + 8u);      /* PM_TMR_BLK */
    put8(fadt, 88, 4);                       /* PM1_EVT_LEN */
    put8(fadt, 89, 2);                       /* PM1_CNT_LEN */
    put8(fadt, 91, 4);                       /* PM_TMR_LEN */
    put16(fadt, 96, 0xfff);                  /* P_LVL2_LAT > 100: C2 unsupported */
    put16(fadt, 98, 0xfff);                  /* P_LVL3_LAT > 1000: C3 unsupported */
    put8(fadt, 108, cfg->century_index);     /* CENTURY */
    put16(fadt, 109, 1u << 1);               /* IAPC_BOOT_ARCH: 8042 present */
    put32(fadt, 112, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_RTC_S4);
    put64(fadt, 132, l.facs);                /* X_FIRMWARE_CTRL */
    put64(fadt, 140, l.dsdt);                /* X_DSDT */
    gas_io(fadt, 148, 32, cfg->pm_base);     /* X_PM1a_EVT_BLK */
    gas_io(fadt, 172, 16, cfg->pm_base + 4u);/* X_PM1a_CNT_BLK */
    gas_io(fadt, 208, 32, cfg->pm_base + 8u);/* X_PM_TMR_BLK */
    seal(fadt, FADT_LEN, 9);

    /* MADT (ACPI 6.4 §5.2.12). */
    u32 madt_len = 44 + 8 * cfg->ncpus + 12 + 10 + 10 + 6;
    u8 *madt = TAKE(madt, madt_len);
    sdt_header(madt, "APIC", madt_len, 3);
    put32(madt, 36, 0xfee00000u);            /* local APIC address */
    put32(madt, 40, 1);                      /* PCAT_COMPAT: dual 8259s present */
    unsigned o = 44;
    for (unsigned i = 0; i < cfg->ncpus; i++, o += 8) {
        put8(madt, o, 0);                    /* processor local APIC */
        put8(madt, o + 1, 8);
        put8(madt, o + 2, (u8)i);            /* ACPI processor UID */
        put8(madt, o + 3, (u8)i);            /* APIC id */
        put32(madt, o + 4, 1);               /* enabled */
    }
    put8(madt, o, 1), put8(madt, o + 1, 12); /* I/O APIC */
    put8(madt, o + 2, (u8)cfg->ioapic_id);
    put32(madt, o + 4, (u32)cfg->ioapic_base);
    put32(madt, o + 8, 0);                   /* GSI base */
    o += 12;
    put8(madt, o, 2), put8(madt, o + 1, 10); /* override: ISA IRQ0 → GSI2, conforming */
    put8(madt, o + 2, 0), put8(madt, o + 3, 0);
    put32(madt, o + 4, 2);
    put16(madt, o + 8, 0);
    o += 10;
    put8(madt, o, 2), put8(madt, o + 1, 10); /* override: SCI, level, active high */
    put8(madt, o + 2, 0), put8(madt, o + 3, cfg->sci_irq);
    put32(madt, o + 4, cfg->sci_irq);
    put16(madt, o + 8, 0x000d);
    o += 10;
    put8(madt, o, 4), put8(madt, o + 1, 6);  /* local APIC NMI: all processors, LINT1 */
    put8(madt, o + 2, 0xff);
    put16(madt, o + 3, 0);
    put8(madt, o + 5, 1);
    seal(madt, madt_len, 9);

    /* HPET description table (IA-PC HPET spec 1.0a §3.2.4). */
    u8 *hpet = TAKE(hpet, 56);
    sdt_header(hpet, "HPET", 56, 1);
    put32(hpet, 36, cfg->hpet_block_id);
    put8(hpet, 40, 0);                       /* base address: system memory, 64-bit */
    put8(hpet, 41, 64);
    put64(hpet, 44, cfg->hpet_base);
    put8(hpet, 52, 0);                       /* HPET number */
    put16(hpet, 53, 100);                    /* minimum clock ticks in periodic mode */
    put8(hpet, 55, 0);                       /* no page protection */
    seal(hpet, 56, 9);

    /* RSDT (32-bit entries) and XSDT (64-bit entries) list FADT, MADT, HPET. */
    const u64 entries[] = {l.fadt, l.madt, l.hpet};
    u32 rsdt_len = 36 + 4 * ARRAY_SIZE(entries), xsdt_len = 36 + 8 * ARRAY_SIZE(entries);
    u8 *rsdt = TAKE(rsdt, rsdt_len);
    sdt_header(rsdt, "RSDT", rsdt_len, 1);
    for (unsigned i = 0; i < ARRAY_SIZE(entries); i++)
        put32(rsdt, 36 + 4 * i, (u32)entries[i]);
    seal(rsdt, rsdt_len, 9);
    u8 *xsdt = TAKE(xsdt, xsdt_len);
    sdt_header(xsdt, "XSDT", xsdt_len, 1);
    for (unsigned i = 0; i < ARRAY_SIZE(entries); i++)
        put64(xsdt, 36 + 8 * i, entries[i]);
    seal(xsdt, xsdt_len, 9);
#undef TAKE

    /* RSDP (ACPI 6.4 §5.2.5.3): checksum over the first 20 bytes, extended over all 36. */
    u8 *rsdp = ram + l.rsdp;
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "HVSIM ", 6);
    put8(rsdp, 15, 2);
    put32(rsdp, 16, (u32)l.rsdt);
    put32(rsdp, 20, RSDP_LEN);
    put64(rsdp, 24, l.xsdt);
    seal(rsdp, 20, 8);
    seal(rsdp, RSDP_LEN, 32);

    l.end = at;
    *out = l;
    return 0;
}
