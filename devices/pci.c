/* devices/pci.c — PCI host bridge, configuration mechanism #1 and bus-0 functions (see pci.h). */
#include "devices/pci.h"

#include <string.h>

enum { CFG_VENDOR = 0x00, CFG_COMMAND = 0x04, CFG_REVISION = 0x08, CFG_CACHE_LINE = 0x0c,
       CFG_LATENCY = 0x0d, CFG_HEADER = 0x0e, CFG_BAR0 = 0x10, CFG_SUBSYS = 0x2c,
       CFG_INT_LINE = 0x3c, CFG_INT_PIN = 0x3d };
enum { CMD_IO = 1, CMD_MEM = 2, CMD_MASTER = 4 };
enum { FN_HOST, FN_ISA, FN_TESTDEV };

struct pci_bar_desc {
    u32 size;    /* 0: not implemented */
    bool io;
    u32 base;    /* fixed address */
};

/* BARs of each function (only the test device has any). */
static const struct pci_bar_desc pci_bars[PCI_FUNCS][6] = {
    [FN_TESTDEV] = {{PCI_TESTDEV_MEM_SIZE, false, PCI_TESTDEV_MEM_BASE},
                    {PCI_TESTDEV_IO_SIZE, true, PCI_TESTDEV_IO_BASE}},
};

static void put16(u8 *c, unsigned off, u16 v) { c[off] = (u8)v, c[off + 1] = (u8)(v >> 8); }
static void put32(u8 *c, unsigned off, u32 v) { put16(c, off, (u16)v), put16(c, off + 2, (u16)(v >> 16)); }
static u32 get32(const u8 *c, unsigned off)
{
    return c[off] | c[off + 1] << 8 | c[off + 2] << 16 | (u32)c[off + 3] << 24;
}

static void pci_ident(u8 *c, u16 vendor, u16 device, u8 rev, u32 class, u8 header)
{
    put16(c, CFG_VENDOR, vendor);
    put16(c, CFG_VENDOR + 2, device);
    c[CFG_REVISION] = rev;
    c[0x09] = (u8)class, c[0x0a] = (u8)(class >> 8), c[0x0b] = (u8)(class >> 16);
    c[CFG_HEADER] = header;
    put16(c, CFG_SUBSYS, 0x1af4);        /* subsystem: Red Hat/QEMU, as QEMU's pc board */
    put16(c, CFG_SUBSYS + 2, 0x1100);
}

/* Keep the test device's decode enables in step with its command register and BARs. */
static void pci_update_decode(struct pci_host *p)
{
    const u8 *c = p->s.cfg[FN_TESTDEV];
    const struct pci_bar_desc *b = pci_bars[FN_TESTDEV];
    p->testdev.mem_on = (c[CFG_COMMAND] & CMD_MEM) && (get32(c, CFG_BAR0) & ~0xfu) == b[0].base;
    p->testdev.io_on = (c[CFG_COMMAND] & CMD_IO) && (get32(c, CFG_BAR0 + 4) & ~0x3u) == b[1].base;
}

void pci_host_reset(struct pci_host *p)
{
    memset(&p->s, 0, sizeof p->s);
    pci_ident(p->s.cfg[FN_HOST], 0x8086, 0x1237, 0x02, 0x060000, 0x00);
    pci_ident(p->s.cfg[FN_ISA], 0x8086, 0x7000, 0x00, 0x060100, 0x80);
    pci_ident(p->s.cfg[FN_TESTDEV], PCI_TESTDEV_VENDOR, PCI_TESTDEV_DEVICE, 0x00, 0x00ff00, 0x00);
    for (unsigned f = 0; f < PCI_FUNCS; f++) {
        p->s.cfg[f][CFG_COMMAND] = CMD_IO | CMD_MEM;
        for (unsigned i = 0; i < 6; i++)
            if (pci_bars[f][i].size)
                put32(p->s.cfg[f], CFG_BAR0 + 4 * i, pci_bars[f][i].base | pci_bars[f][i].io);
    }
    put16(p->s.cfg[FN_HOST], 0x06, 0x0000);
    pci_testdev_reset(&p->testdev);
    pci_update_decode(p);
}

/* Function index for bus/dev/fn, or -1 when nothing answers. */
static int pci_func(unsigned bus, unsigned dev, unsigned fn)
{
    if (bus != 0 || fn != 0)
        return -1;
    return dev < PCI_FUNCS ? (int)dev : -1;
}

u32 pci_config_read(struct pci_host *p, unsigned bus, unsigned dev, unsigned fn, unsigned reg,
                    unsigned size)
{
    int f = pci_func(bus, dev, fn);
    if (f < 0 || reg + size > 256)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    u32 v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (u32)p->s.cfg[f][reg + i] << (8 * i);
    return v;
}

static void pci_write_byte(struct pci_host *p, int f, unsigned reg, u8 v)
{
    u8 *c = p->s.cfg[f];
    if (reg >= CFG_BAR0 && reg < CFG_BAR0 + 24) {
        const struct pci_bar_desc *b = &pci_bars[f][(reg - CFG_BAR0) / 4];
        if (!b->size)
            return;   /* unimplemented BARs read as 0 */
        unsigned shift = 8 * ((reg - CFG_BAR0) % 4);
        u32 mask = ~(b->size - 1) & (b->io ? ~0x3u : ~0xfu);
        c[reg] = (u8)(((u32)v << shift & mask) >> shift) | (shift == 0 ? (u8)b->io : 0);
        return;
    }
    switch (reg) {
    case CFG_COMMAND: c[reg] = v & (CMD_IO | CMD_MEM | CMD_MASTER); return;
    case CFG_CACHE_LINE: case CFG_LATENCY: case CFG_INT_LINE: c[reg] = v; return;
    default: break;
    }
    if (reg >= 0x40 && f != FN_TESTDEV)
        c[reg] = v;   /* bridge device-specific registers: stored, no effect */
}

void pci_config_write(struct pci_host *p, unsigned bus, unsigned dev, unsigned fn, unsigned reg,
                      u32 v, unsigned size)
{
    int f = pci_func(bus, dev, fn);
    if (f < 0 || reg + size > 256)
        return;
    for (unsigned i = 0; i < size; i++)
        pci_write_byte(p, f, reg + i, (u8)(v >> (8 * i)));
    if (f == FN_TESTDEV) {
        bool mem = p->testdev.mem_on, io = p->testdev.io_on;
        pci_update_decode(p);
        const u8 *c = p->s.cfg[f];
        u32 bar0 = get32(c, CFG_BAR0), bar1 = get32(c, CFG_BAR0 + 4);
        bool sizing0 = (bar0 | 0xfffu) == 0xffffffffu, sizing1 = (bar1 | 0xffu) == 0xffffffffu;
        if ((mem && !p->testdev.mem_on && !sizing0 && (c[CFG_COMMAND] & CMD_MEM)) ||
            (io && !p->testdev.io_on && !sizing1 && (c[CFG_COMMAND] & CMD_IO)))
            log_printf(p->log, LOG_UNIMP, "pci: pci-testdev BAR moved (%#x, %#x): relocation not "
                       "supported, the window stops decoding", bar0, bar1);
    }
}

/* The register a CONFIG_DATA access at port offset `off` (4-7) reaches. The PCI spec makes
   CONFIG_ADDRESS bits 1:0 read-only 0; QEMU keeps them and ORs them into the register number,
   and kvm-unit-tests' pci_config_readw(dev, 2) relies on that (outl(addr | 2), inw(0xcfc)), so
   hvsim does the same. */
static unsigned pci_config_reg(u32 a, u64 off)
{
    return (a & 0xff) | (unsigned)(off - 4);
}

static u64 pci_port_read(void *opaque, u64 off, unsigned size)
{
    struct pci_host *p = opaque;
    if (off < 4) {
        if (off == 0 && size == 4)
            return p->s.config_address;
        if (off == 1 && size == 1)
            return p->s.reset_control;
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    u32 a = p->s.config_address;
    if (!(a & 0x80000000u))
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    return pci_config_read(p, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7,
                           pci_config_reg(a, off), size);
}

static void pci_port_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct pci_host *p = opaque;
    if (off < 4) {
        if (off == 0 && size == 4) {
            p->s.config_address = (u32)v & 0x80ffffffu;
        } else if (off == 1 && size == 1) {
            bool rst = (v & 4) && !(p->s.reset_control & 4);
            p->s.reset_control = (u8)(v & 0x0a);   /* RST_CPU self-clears */
            if (rst && p->reset)
                p->reset(p->opaque, "system reset requested through port 0xcf9");
        }
        return;
    }
    u32 a = p->s.config_address;
    if (a & 0x80000000u)
        pci_config_write(p, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7,
                         pci_config_reg(a, off), (u32)v, size);
}

void pci_host_init(struct pci_host *p, void (*reset)(void *opaque, const char *why), void *opaque,
                   const struct log *log)
{
    memset(p, 0, sizeof(*p));
    p->reset = reset;
    p->opaque = opaque;
    p->log = log;
    pci_testdev_init(&p->testdev, log);
    pci_host_reset(p);
}

int pci_host_register(struct pci_host *p, struct iomap *ports, struct iomap *mem, char *err,
                      size_t errlen)
{
    if (iomap_add_device(ports, PCI_CONFIG_ADDRESS, 8, "pci-config", p, pci_port_read,
                         pci_port_write, IOMAP_W8 | IOMAP_W16 | IOMAP_W32, err, errlen))
        return -1;
    return pci_testdev_register(&p->testdev, mem, PCI_TESTDEV_MEM_BASE, ports, PCI_TESTDEV_IO_BASE,
                                err, errlen);
}
