/* cpu/access.c — segmentation checks, TLB fills and the slow memory path. */
#include "cpu/access.h"

#include "base/bits.h"
#include "cpu/debug.h"
#include "vmx/hooks.h"

/* ---- segmentation (SDM 3A §5.3 limit checking, §3.4.5.1 types) ---- */

static _Noreturn void seg_fault(struct cpu *c, unsigned seg)
{
    cpu_fault(c, seg == SEG_SS ? EXC_SS : EXC_GP, 0);
}

la_t access_seg_la_slow(struct cpu *c, unsigned seg, u64 off, unsigned size, bool write)
{
    const struct seg *s = &c->seg[seg];
    if (likely(c->mode == MODE_LONG64)) {
        la_t la = off;
        if (seg >= SEG_FS)
            la += s->base;
        /* SDM 3A §3.3.7.1: a non-canonical address faults #GP(0), #SS(0) through SS. */
        if (unlikely(!bits_is_canonical(la, c->la_width) ||
                     !bits_is_canonical(la + size - 1, c->la_width)))
            seg_fault(c, seg);
        return la;
    }
    u32 eoff = (u32)off;
    if (c->mode == MODE_REAL || c->mode == MODE_V86) {
        if (unlikely((u64)eoff + size - 1 > s->limit))
            seg_fault(c, seg);
        return (u32)(s->base + eoff);
    }
    if (unlikely(s->ar & SEG_AR_UNUSABLE))
        seg_fault(c, seg);
    unsigned type = s->ar & SEG_AR_TYPE;
    bool code = type & 8;
    if (write ? (code || !(type & 2)) : (code && !(type & 2)))
        seg_fault(c, seg);
    if (!code && (type & 4)) {
        /* Expand-down: valid offsets are limit+1 .. 0xffff or 0xffffffff (SDM 3A §3.4.5.1). */
        u64 upper = (s->ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;
        if ((u64)eoff <= s->limit || (u64)eoff + size - 1 > upper)
            seg_fault(c, seg);
    } else if (unlikely((u64)eoff + size - 1 > s->limit)) {
        seg_fault(c, seg);
    }
    return (u32)(s->base + eoff);
}

/* ---- physical memory ---- */

/* The xAPIC window is per processor, so it is decoded here rather than on the shared bus
   (SDM 3A §11.4.1); only naturally aligned accesses within a register reach the APIC. */
static u64 apic_read(struct cpu *c, pa_t pa, unsigned size)
{
    u32 off = pa & 0xfff;
    if (size > 4 || (off & 3) + size > 4)
        return ~0ull >> (64 - 8 * size);
    return (c->apic.mmio_read(c->apic.opaque, off & ~3u) >> (8 * (off & 3))) & (~0ull >> (64 - 8 * size));
}

/* phys_ram's search of the bus map, out of line: keeps the range found in c->ram_hint. */
static __attribute__((noinline)) u8 *phys_ram_lookup(struct cpu *c, pa_t pa, u64 size)
{
    const struct iomap_range *r = iomap_find(c->bus.phys->mem, pa);
    if (!r || !r->host || r->readonly || r->len - (pa - r->base) < size)
        return NULL;
    c->ram_hint.base = r->base;
    c->ram_hint.len = r->len;
    c->ram_hint.host = r->host;
    return r->host + (pa - r->base);
}

/* The host address of [pa, pa + size) when it lies in writable RAM, else NULL; a run of
   accesses to the same RAM range does not search the map. */
static inline __attribute__((always_inline)) u8 *phys_ram(struct cpu *c, pa_t pa, u64 size)
{
    u64 off = pa - c->ram_hint.base;
    if (likely(off < c->ram_hint.len && c->ram_hint.len - off >= size))
        return c->ram_hint.host + off;
    return phys_ram_lookup(c, pa, size);
}

u64 phys_read(struct cpu *c, pa_t pa, unsigned size)
{
    if (unlikely((pa & ~0xfffull) == c->apic_page))
        return apic_read(c, pa, size);
    if (!(size & (size - 1))) {   /* 1, 2, 4, 8: the sizes bits_load_le takes */
        const u8 *h = phys_ram(c, pa, size);
        if (h)
            return bits_load_le(h, size);
    }
    return iomap_read(c->bus.phys->mem, pa, size);
}

void phys_write(struct cpu *c, pa_t pa, unsigned size, u64 v)
{
    struct phys *p = c->bus.phys;
    if ((pa & 0xfff) + size > 0x1000) {
        unsigned first = 0x1000 - (pa & 0xfff);
        phys_write(c, pa, first, v);
        phys_write(c, pa + first, size - first, v >> (8 * first));
        return;
    }
    if (unlikely((pa & ~0xfffull) == c->apic_page)) {
        if (size == 4 && !(pa & 3))
            c->apic.mmio_write(c->apic.opaque, pa & 0xfff, (u32)v);
        else
            log_printf(c->bus.log, LOG_GUEST_ERRORS, "cpu%d: %u-byte APIC write at %#llx ignored",
                       c->id, size, (unsigned long long)pa);
        c->attention = true;
        return;
    }
    if (phys_note_write(p, pa, size))
        c->attention = true;   /* the step loop's chained path holds the code generation */
    iomap_write(p->mem, pa, v, size);
}

static int walk_read(void *opaque, pa_t pa, u64 *val, unsigned size)
{
    struct cpu *c = opaque;
    c->walk_refs++;
    const u8 *h;
    if (likely((pa & ~0xfffull) != c->apic_page && (size == 4 || size == 8)) && (h = phys_ram(c, pa, size)))
        *val = size == 8 ? bits_load_le(h, 8) : bits_load_le(h, 4);   /* paging-structure entry in RAM */
    else
        *val = phys_read(c, pa, size);
    return 0;
}

static int walk_cmpxchg(void *opaque, pa_t pa, u64 old, u64 new_val, unsigned size, bool *ok)
{
    struct cpu *c = opaque;
    /* vCPUs are interleaved at instruction boundaries, so read-compare-write is atomic
       with respect to the others. */
    u64 cur = phys_read(c, pa, size);
    *ok = cur == old;
    if (*ok)
        phys_write(c, pa, size, new_val);
    return 0;
}

static int walk_cmpxchg_none(void *opaque, pa_t pa, u64 old, u64 new_val, unsigned size, bool *ok)
{
    (void)opaque, (void)pa, (void)old, (void)new_val, (void)size;
    *ok = true;   /* debugger translation: pretend, change nothing */
    return 0;
}

void access_paging_ctx(struct cpu *c, struct paging_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    if (!(c->cr0 & CR0_PG))
        ctx->mode = PAGING_NONE;
    else if (c->efer & EFER_LMA)
        ctx->mode = (c->cr4 & CR4_LA57) ? PAGING_5LVL : PAGING_4LVL;
    else if (c->cr4 & CR4_PAE)
        ctx->mode = PAGING_PAE;
    else
        ctx->mode = PAGING_32;
    ctx->cr3 = c->cr3;
    memcpy(ctx->pdpte, c->pdpte, sizeof(ctx->pdpte));
    ctx->wp = c->cr0 & CR0_WP;
    ctx->pse = c->cr4 & CR4_PSE;
    ctx->smep = c->cr4 & CR4_SMEP;
    ctx->smap = c->cr4 & CR4_SMAP;
    ctx->pke = (c->cr4 & CR4_PKE) && (c->efer & EFER_LMA);
    ctx->nxe = c->efer & EFER_NXE;
    ctx->pdpe1gb = model_has(&c->model, FEAT_PDPE1GB);
    ctx->pkru = c->pkru;
    ctx->maxphyaddr = c->model.maxphyaddr;
    ctx->opaque = c;
    ctx->read = walk_read;
    ctx->cmpxchg = walk_cmpxchg;
}

void access_pdpte_ctx(struct cpu *c, struct paging_ctx *ctx)
{
    access_paging_ctx(c, ctx);
    if (unlikely(c->tlb_tag & TLB_EPT_MASK))
        vmx_ept_paging_ctx(c, ctx);   /* PDPTEs are read through EPT (SDM 3C §28.3.1) */
}

/* ---- translation and the TLB ---- */

struct tlb_entry *access_translate(struct cpu *c, la_t la, enum paging_kind kind,
                                   enum paging_priv priv)
{
    struct tlb_entry *e = tlb_lookup(&c->tlb, la, c->tlb_tag);
    if (e && (e->perm & PAGING_PERM_BIT(kind, priv)))
        return e;

    struct paging_result r;
    enum paging_status st;
    c->tlb_misses++;
    c->tlb_misses_nonroot += c->vmx_nonroot;
    if (unlikely(c->tlb_tag & TLB_EPT_MASK)) {
        st = vmx_ept_walk(c, la, kind, priv, &r);   /* 2-D walk; EPT exits do not return */
    } else {
        struct paging_ctx ctx;
        access_paging_ctx(c, &ctx);
        st = paging_walk(&ctx, la, kind, priv, &r);
    }
    c->cycles += r.refs * 4u;   /* cycle model: a paging-structure reference (cpu/cycles.c) */
    if (st != PAGING_OK) {
        /* A page fault invalidates the entries that would translate la (SDM 3A §4.10.4.1):
           the entry that lacked the permission must not answer a later access. */
        tlb_flush_addr(&c->tlb, c->tlb_tag, la);
        c->cr2 = la;
        log_printf(c->bus.log, LOG_MMU, "cpu%d: #PF la=%#llx err=%#x", c->id,
                   (unsigned long long)la, r.error_code);
        cpu_fault(c, EXC_PF, r.error_code);
    }
    pa_t pa_page = r.pa & ~0xfffull;
    uintptr_t host = 0;
    bool readonly = false;
    u8 flags = 0;
    u8 *ram = pa_page != c->apic_page ? phys_ram(c, pa_page, 0x1000) : NULL;
    if (ram) {
        host = (uintptr_t)ram;
    } else {
        const struct iomap_range *rg = iomap_find(c->bus.phys->mem, pa_page);
        if (rg && rg->host && pa_page - rg->base + 0x1000 <= rg->len && pa_page != c->apic_page) {
            host = (uintptr_t)(rg->host + (pa_page - rg->base));
            readonly = rg->readonly;
        } else {
            flags |= TLB_MMIO;
        }
    }
    if (r.global && (c->cr4 & CR4_PGE))
        flags |= TLB_GLOBAL;
    tlb_insert(&c->tlb, la, c->tlb_tag, pa_page, host, r.page_size, r.perm, flags);
    e = tlb_lookup(&c->tlb, la, c->tlb_tag);
    /* Direct host access: RAM only; writes only to pages without decoded code and not ROM. */
    u16 fast = host ? r.perm : 0;
    if (host && (readonly || (pa_page < c->bus.phys->limit && c->bus.phys->code[pa_page >> 12].chunks)))
        fast &= ~(PAGING_PERM_BIT(PAGING_WRITE, PAGING_USER) | PAGING_PERM_BIT(PAGING_WRITE, PAGING_SUP_SMAP) |
                  PAGING_PERM_BIT(PAGING_WRITE, PAGING_SUP_AC));
    /* A page holding a data breakpoint takes the slow path, which checks DR0-DR3. */
    if (unlikely(c->dbg_data_armed) && debug_page_watched(c, la, pa_page))
        fast = 0;
    e->fast = fast;
    return e;
}

int access_debug_translate(struct cpu *c, la_t la, pa_t *pa)
{
    struct paging_ctx ctx;
    struct paging_result r;
    if (unlikely(vmx_ept_active(c)))
        return vmx_ept_debug_translate(c, la, pa);   /* guest tables and the gpa through EPT */
    access_paging_ctx(c, &ctx);
    ctx.cmpxchg = walk_cmpxchg_none;
    if (paging_walk(&ctx, la, PAGING_READ, PAGING_SUP_AC, &r) != PAGING_OK)
        return -1;
    *pa = r.pa;
    return 0;
}

static u64 page_read(struct cpu *c, struct tlb_entry *e, la_t la, unsigned size)
{
    pa_t pa = e->pa | (la & 0xfff);
    if (e->host)
        return bits_load_le((const u8 *)(e->host + (la & 0xfff)), size);
    return phys_read(c, pa, size);
}

static void page_write(struct cpu *c, struct tlb_entry *e, la_t la, unsigned size, u64 v)
{
    phys_write(c, e->pa | (la & 0xfff), size, v);
}

void access_check_alignment(struct cpu *c)
{
    if ((c->cr0 & CR0_AM) && (c->rflags & RFLAGS_AC))
        cpu_fault(c, EXC_AC, 0);
}

u64 access_read_la_slow(struct cpu *c, la_t la, unsigned size, enum paging_priv priv)
{
    if (unlikely(c->dbg_data_armed))
        debug_check_data(c, la, size, false);
    unsigned in_page = 0x1000 - (la & 0xfff);
    if (size <= in_page) {
        struct tlb_entry *e = access_translate(c, la, PAGING_READ, priv);
        return page_read(c, e, la, size);
    }
    /* Crossing a page: translate both before reading (the entries may alias in the TLB). */
    struct tlb_entry e1 = *access_translate(c, la, PAGING_READ, priv);
    struct tlb_entry e2 = *access_translate(c, la + in_page, PAGING_READ, priv);
    u64 lo = page_read(c, &e1, la, in_page);
    u64 hi = page_read(c, &e2, la + in_page, size - in_page);
    return lo | hi << (8 * in_page);
}

void access_write_la_slow(struct cpu *c, la_t la, unsigned size, u64 v, enum paging_priv priv)
{
    if (unlikely(c->dbg_data_armed))
        debug_check_data(c, la, size, true);
    unsigned in_page = 0x1000 - (la & 0xfff);
    if (size <= in_page) {
        struct tlb_entry *e = access_translate(c, la, PAGING_WRITE, priv);
        page_write(c, e, la, size, v);
        return;
    }
    struct tlb_entry e1 = *access_translate(c, la, PAGING_WRITE, priv);
    struct tlb_entry e2 = *access_translate(c, la + in_page, PAGING_WRITE, priv);
    page_write(c, &e1, la, in_page, v);
    page_write(c, &e2, la + in_page, size - in_page, v >> (8 * in_page));
}

void access_probe_write(struct cpu *c, la_t la, unsigned size, enum paging_priv priv)
{
    unsigned in_page = 0x1000 - (la & 0xfff);
    access_translate(c, la, PAGING_WRITE, priv);
    if (size > in_page)
        access_translate(c, la + in_page, PAGING_WRITE, priv);
}
