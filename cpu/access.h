/* cpu/access.h — the memory path of an instruction: segmentation (SDM 3A §3.4, §5.3),
 * then the TLB, then (on a miss) the page walk; RAM through host pointers, everything else
 * through the memory bus. Every function here may fault (longjmp via cpu_fault). */
#ifndef HVSIM_CPU_ACCESS_H
#define HVSIM_CPU_ACCESS_H

#include <string.h>

#include "base/bits.h"
#include "cpu/cpu.h"
#include "mmu/paging.h"

/* Privilege class of an explicit data access at the current CPL and RFLAGS.AC. */
static inline enum paging_priv access_data_priv(const struct cpu *c)
{
    if (c->cpl == 3)
        return PAGING_USER;
    return (c->rflags & RFLAGS_AC) ? PAGING_SUP_AC : PAGING_SUP_SMAP;
}

/* Linear address of seg:off for an access of `size` bytes, after the segment checks of the
 * current mode: limit/type/present outside 64-bit mode, canonical form in 64-bit mode.
 * Faults #GP(0), or #SS(0) for SS. */
la_t access_seg_la_slow(struct cpu *c, unsigned seg, u64 off, unsigned size, bool write);

static inline la_t access_seg_la(struct cpu *c, unsigned seg, u64 off, unsigned size, bool write)
{
    /* 64-bit mode, the common case: only FS/GS add a base, and both ends must be canonical
       (SDM 3A §3.3.7.1). When the access stays in one 4 KiB page, la canonical (bits 63..
       width-1 all equal) makes the last byte canonical too; a page-crossing access, and any
       fault, is out of line. */
    if (likely(c->mode == MODE_LONG64)) {
        la_t la = seg >= SEG_FS ? off + c->seg[seg].base : off;
        u64 top = (u64)((i64)la >> (c->la_width - 1)) + 1;   /* 0 or 1 when canonical */
        if (likely(top <= 1 && (la & 0xfff) + size <= 0x1000))
            return la;
    }
    return access_seg_la_slow(c, seg, off, size, write);
}

/* Translate la for one access; fills the TLB; #PF on failure. Returns the TLB entry. */
struct tlb_entry *access_translate(struct cpu *c, la_t la, enum paging_kind kind,
                                   enum paging_priv priv);

/* Linear-address reads and writes of 1..8 bytes; may cross a page (both pages are translated
 * before anything is written). */
u64 access_read_la_slow(struct cpu *c, la_t la, unsigned size, enum paging_priv priv);
void access_write_la_slow(struct cpu *c, la_t la, unsigned size, u64 v, enum paging_priv priv);

/* Check that a write of `size` bytes at la would succeed (faults now if not), so that
 * instructions with several writes commit all or nothing. */
void access_probe_write(struct cpu *c, la_t la, unsigned size, enum paging_priv priv);

static inline u8 *access_fast(struct cpu *c, la_t la, unsigned size, unsigned permbit)
{
    struct tlb_entry *e = tlb_lookup(&c->tlb, la, c->tlb_tag);
    if (likely(e && (e->fast & permbit) && (la & 0xfff) + size <= 0x1000))
        return (u8 *)(e->host + (la & 0xfff));
    return NULL;
}

static inline u64 access_read_la(struct cpu *c, la_t la, unsigned size, enum paging_priv priv)
{
    u8 *h = access_fast(c, la, size, PAGING_PERM_BIT(PAGING_READ, priv));
    if (likely(h))
        return bits_load_le(h, size);
    return access_read_la_slow(c, la, size, priv);
}

static inline void access_write_la(struct cpu *c, la_t la, unsigned size, u64 v, enum paging_priv priv)
{
    u8 *h = access_fast(c, la, size, PAGING_PERM_BIT(PAGING_WRITE, priv));
    if (likely(h)) {
        bits_store_le(h, size, v);
        return;
    }
    access_write_la_slow(c, la, size, v, priv);
}

/* Alignment check (SDM 3A §6.15, "Interrupt 17"): #AC(0) when CR0.AM and RFLAGS.AC are set.
   Only called for a misaligned data access at CPL 3. */
void access_check_alignment(struct cpu *c);

static inline la_t access_align(struct cpu *c, la_t la, unsigned size)
{
    if (unlikely((la & (size - 1)) && c->cpl == 3))
        access_check_alignment(c);
    return la;
}

/* seg:off data accesses at the current privilege. */
static inline u64 mem_read(struct cpu *c, unsigned seg, u64 off, unsigned size)
{
    la_t la = access_align(c, access_seg_la(c, seg, off, size, false), size);
    return access_read_la(c, la, size, access_data_priv(c));
}

static inline void mem_write(struct cpu *c, unsigned seg, u64 off, unsigned size, u64 v)
{
    la_t la = access_align(c, access_seg_la(c, seg, off, size, true), size);
    access_write_la(c, la, size, v, access_data_priv(c));
}

/* Supervisor-implicit accesses (descriptor tables, TSS, IDT): SDM 3A §4.6.1. */
static inline u64 sys_read(struct cpu *c, la_t la, unsigned size)
{
    return access_read_la(c, la, size, PAGING_SUP_SMAP);
}

static inline void sys_write(struct cpu *c, la_t la, unsigned size, u64 v)
{
    access_write_la(c, la, size, v, PAGING_SUP_SMAP);
}

/* Physical-memory accessors for the CPU's own use (page walks, VMCS regions, debugger). */
u64 phys_read(struct cpu *c, pa_t pa, unsigned size);
void phys_write(struct cpu *c, pa_t pa, unsigned size, u64 v);

/* Rebuild the paging context from CR0/CR3/CR4/EFER/PKRU. */
void access_paging_ctx(struct cpu *c, struct paging_ctx *ctx);

/* The context for loading PAE PDPTEs (MOV CR0/CR3/CR4): access_paging_ctx, with reads
 * through EPT in VMX non-root operation with EPT (an EPT violation exits). */
void access_pdpte_ctx(struct cpu *c, struct paging_ctx *ctx);

/* Translate la without side effects (debugger, loaders): 0 and *pa, or -1. */
int access_debug_translate(struct cpu *c, la_t la, pa_t *pa);

#endif
