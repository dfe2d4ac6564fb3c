#include "tests/unit/cpu_harness.h"

#include <stdlib.h>
#include <string.h>

static u64 port_read(void *opaque, u64 off, unsigned size)
{
    (void)opaque, (void)size;
    return 0x40 + off;
}

static void port_write(void *opaque, u64 off, u64 v, unsigned size)
{
    struct harness *h = opaque;
    (void)size;
    h->last_out_port = (u32)off;
    h->last_out_value = v;
    h->outs++;
}

void harness_init(struct harness *h, const char *model_name)
{
    char err[200];
    memset(h, 0, sizeof(*h));
    h->ram = calloc(1, HARNESS_RAM);
    iomap_init(&h->mem, "memory");
    iomap_init(&h->io, "ports");
    if (iomap_add_ram(&h->mem, 0, HARNESS_RAM, h->ram, false, "ram", err, sizeof err) ||
        iomap_add_device(&h->io, 0x80, 0x10, "testport", h, port_read, port_write,
                         IOMAP_W8 | IOMAP_W16 | IOMAP_W32, err, sizeof err) ||
        phys_init(&h->phys, &h->mem, HARNESS_RAM))
        abort();
    struct cpu_model m;
    if (model_parse(model_name, &m, err, sizeof err))
        abort();
    struct cpu_bus bus = {.phys = &h->phys, .io = &h->io, .log = &h->log};
    if (cpu_init(&h->cpu, 0, &m, &bus))
        abort();
}

void harness_destroy(struct harness *h)
{
    cpu_destroy(&h->cpu);
    phys_destroy(&h->phys);
    iomap_destroy(&h->mem);
    iomap_destroy(&h->io);
    free(h->ram);
}

static void flat(struct seg *s, u16 sel, u32 ar)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffff;
    s->ar = ar;
}

void harness_long_mode(struct harness *h)
{
    struct cpu *c = &h->cpu;
    /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = 2 MiB identity pages (P|RW|US|PS). */
    harness_put64(h, HARNESS_PT, (HARNESS_PT + 0x1000) | 7);
    harness_put64(h, HARNESS_PT + 0x1000, (HARNESS_PT + 0x2000) | 7);
    for (u64 i = 0; i < 512; i++)
        harness_put64(h, HARNESS_PT + 0x2000 + 8 * i, (i << 21) | 0x87);
    /* GDT: null, 64-bit code (0x08), data (0x10), 32-bit code (0x18). */
    harness_put64(h, HARNESS_GDT + 8, 0x00af9b000000ffffull);
    harness_put64(h, HARNESS_GDT + 16, 0x00cf93000000ffffull);
    harness_put64(h, HARNESS_GDT + 24, 0x00cf9b000000ffffull);
    c->gdtr.base = HARNESS_GDT;
    c->gdtr.limit = 31;
    c->cr3 = HARNESS_PT;
    c->cr4 = CR4_PAE | CR4_PSE;
    c->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
    c->cr0 = CR0_PE | CR0_PG | CR0_ET | CR0_WP | CR0_NE;
    flat(&c->seg[SEG_CS], 0x08, 0x9b | SEG_AR_L | SEG_AR_G);
    for (int s = 0; s < SEG_COUNT; s++)
        if (s != SEG_CS)
            flat(&c->seg[s], 0x10, 0x93 | SEG_AR_DB | SEG_AR_G);
    c->cpl = 0;
    c->rip = HARNESS_CODE;
    c->gpr[RSP] = HARNESS_STACK;
    tlb_flush_all(&c->tlb);
    cpu_update_mode(c);
}

void harness_prot32_mode(struct harness *h)
{
    struct cpu *c = &h->cpu;
    harness_put64(h, HARNESS_GDT + 8, 0x00cf9b000000ffffull);
    harness_put64(h, HARNESS_GDT + 16, 0x00cf93000000ffffull);
    c->gdtr.base = HARNESS_GDT;
    c->gdtr.limit = 23;
    c->cr0 = CR0_PE | CR0_ET;
    flat(&c->seg[SEG_CS], 0x08, 0x9b | SEG_AR_DB | SEG_AR_G);
    for (int s = 0; s < SEG_COUNT; s++)
        if (s != SEG_CS)
            flat(&c->seg[s], 0x10, 0x93 | SEG_AR_DB | SEG_AR_G);
    c->cpl = 0;
    c->rip = HARNESS_CODE;
    c->gpr[RSP] = HARNESS_STACK;
    tlb_flush_all(&c->tlb);
    cpu_update_mode(c);
}

enum cpu_stop harness_run(struct harness *h, const void *code, size_t len, u64 max_insns)
{
    memcpy(h->ram + HARNESS_CODE, code, len);
    /* Loader-style write: invalidate any decoded code there. */
    for (size_t off = 0; off < len; off += 64)
        phys_note_write(&h->phys, HARNESS_CODE + off, 1);
    return cpu_run(&h->cpu, max_insns);
}
