/* devices/acpi_tables.h — the ACPI tables hvsim's board presents (there is no firmware to build
 * them), written straight into guest RAM in the BIOS F-segment, where OSes and kvm-unit-tests'
 * lib/acpi.c look for the RSDP (16-byte aligned scan of 0xe0000-0xfffff, ACPI 6.4 §5.2.5.1):
 *
 *   0xf0000 RSDP (revision 2) → RSDT and XSDT → FADT (revision 3, ACPI 2.0 layout, 244 bytes)
 *           FADT → FACS (64-byte aligned) and DSDT (header + \_S3 and \_S5 packages only)
 *           MADT: a processor local APIC per vCPU (APIC ids 0..n-1), the I/O APIC, interrupt
 *           source overrides IRQ0→GSI2 and IRQ9→GSI9 (SCI, level, active high), local APIC NMI
 *           on LINT1 for every processor
 *           HPET table for the block at 0xfed00000
 *
 * Everything is little-endian with correct checksums; OEM id "HVSIM ". More than 255 vCPUs
 * would need x2APIC MADT entries, which are not generated (acpi_tables_build fails). */
#ifndef HVSIM_DEVICES_ACPI_TABLES_H
#define HVSIM_DEVICES_ACPI_TABLES_H

#include "base/types.h"

enum { ACPI_TABLES_BASE = 0xf0000, ACPI_TABLES_END = 0x100000 };

struct acpi_config {
    unsigned ncpus;      /* 1..255 */
    u32 ioapic_id;
    u64 ioapic_base;
    u16 pm_base;         /* PM1a_EVT; PM1a_CNT at +4, PM_TMR at +8 (devices/acpi_pm.h) */
    u8 sci_irq;
    u64 hpet_base;
    u32 hpet_block_id;   /* low 32 bits of the HPET capabilities register */
    u8 century_index;    /* CMOS index of the century byte (0x32) */
};

/* Where each table landed (guest-physical addresses). */
struct acpi_layout {
    u64 rsdp, rsdt, xsdt, fadt, facs, dsdt, madt, hpet, end;
};

/* Build every table into ram[ACPI_TABLES_BASE .. ACPI_TABLES_END), where `ram` maps guest
 * physical address 0 and is `ram_len` bytes long. Returns 0, or -1 with a message in err
 * (RAM too small, too many vCPUs). */
int acpi_tables_build(u8 *ram, u64 ram_len, const struct acpi_config *cfg, struct acpi_layout *out,
                      char *err, size_t errlen) MUST_CHECK;

/* Sum of len bytes mod 256 (0 for a correctly checksummed table). */
u8 acpi_checksum(const u8 *p, u64 len);

/* Offsets of fields the machine reads back. */
enum { ACPI_FACS_WAKING_VECTOR = 12, ACPI_FACS_X_WAKING_VECTOR = 24 };

#endif
