/* devices/pci.h — PCI bus 0 behind a host bridge with configuration mechanism #1 (PCI Local
 * Bus Specification 3.0 §3.2.2.3.2): CONFIG_ADDRESS at 0xcf8 (dword accesses only) and
 * CONFIG_DATA at 0xcfc-0xcff (byte, word, dword). As in QEMU (and unlike the spec), bits 1:0
 * of CONFIG_ADDRESS are kept and ORed into the register number; kvm-unit-tests relies on it. The PIIX reset control register at 0xcf9
 * (byte access; bit 2 RST_CPU requests a reset) shares the range (Intel PIIX4 datasheet §4.1).
 *
 * Functions (there is no firmware, so hvsim leaves them as a BIOS would, enabled):
 *   00:00.0  host bridge, Intel 440FX 8086:1237, class 06/00/00
 *   00:01.0  ISA bridge, Intel PIIX3 8086:7000, class 06/01/00, multi-function header
 *   00:02.0  QEMU pci-testdev 1b36:0005, class 00/ff/00; BAR0 4 KiB memory at 0xfe000000,
 *            BAR1 256 bytes of I/O at 0xc000 (devices/pci_testdev.h)
 * BARs follow the sizing protocol (write all-ones, read back ~(size-1) | type bits). A BAR
 * moved elsewhere by the guest is not remapped: the device stops decoding until the BAR holds
 * its fixed address again (logged as unimplemented). Absent functions and buses other than 0
 * read as all-ones. Writable: command (I/O, memory, bus master), cache line size, latency
 * timer, interrupt line, BARs, and the device-specific area 0x40-0xff of the two bridges. */
#ifndef HVSIM_DEVICES_PCI_H
#define HVSIM_DEVICES_PCI_H

#include "base/iomap.h"
#include "base/log.h"
#include "devices/pci_testdev.h"

enum {
    PCI_CONFIG_ADDRESS = 0xcf8, PCI_CONFIG_DATA = 0xcfc,
    PCI_FUNCS = 3,                                     /* host, ISA, testdev */
    PCI_TESTDEV_MEM_BASE = 0xfe000000u, PCI_TESTDEV_IO_BASE = 0xc000,
};

struct pci_state {
    u32 config_address;
    u8 reset_control;             /* 0xcf9 */
    u8 cfg[PCI_FUNCS][256];       /* configuration spaces of 00:00.0, 00:01.0, 00:02.0 */
};

struct pci_host {
    struct pci_state s;
    struct pci_testdev testdev;
    void (*reset)(void *opaque, const char *why);   /* 0xcf9 RST_CPU; may be NULL */
    void *opaque;
    const struct log *log;
};

void pci_host_init(struct pci_host *p, void (*reset)(void *opaque, const char *why), void *opaque,
                   const struct log *log);
/* Power-on state: configuration spaces as hvsim's "firmware" leaves them, BARs at their fixed
 * addresses with decoding enabled. */
void pci_host_reset(struct pci_host *p);
/* Register 0xcf8-0xcff and the pci-testdev windows. Returns 0, or -1 with a message in err. */
int pci_host_register(struct pci_host *p, struct iomap *ports, struct iomap *mem, char *err,
                      size_t errlen) MUST_CHECK;
/* Configuration read/write of `size` bytes (1, 2, 4) at bus/dev/fn/reg, as through 0xcfc. */
u32 pci_config_read(struct pci_host *p, unsigned bus, unsigned dev, unsigned fn, unsigned reg,
                    unsigned size);
void pci_config_write(struct pci_host *p, unsigned bus, unsigned dev, unsigned fn, unsigned reg,
                      u32 v, unsigned size);

#endif
