/* vmx/ept.c — EPT and VPID in VMX non-root operation: the 2-D walk (SDM 3C §28.3), the
 * EPT-violation and EPT-misconfiguration VM exits (§28.3.3, Table 28-7), TLB tags from the
 * VPID and the EPTP identity (§29.4), and the scopes of INVEPT/INVVPID (§29.4.3.3). */
#include <string.h>

#include "cpu/access.h"
#include "mmu/ept.h"
#include "vmx/hooks.h"
#include "vmx/vmx.h"

/* State of one 2-D walk; the walker callbacks get it as opaque. */
struct walk2d {
    struct cpu *c;
    struct ept_ctx ept;
    la_t la;
    bool has_la;       /* a linear address caused the access (qualification bit 7) */
    unsigned refs;     /* EPT paging-structure references */
};

static int ept_mem_read(void *opaque, pa_t pa, u64 *val, unsigned size)
{
    *val = phys_read(opaque, pa, size);
    return 0;
}

static int ept_mem_cmpxchg(void *opaque, pa_t pa, u64 old, u64 new_val, unsigned size, bool *ok)
{
    /* vCPUs interleave at instruction boundaries: read-compare-write is atomic. */
    *ok = phys_read(opaque, pa, size) == old;
    if (*ok)
        phys_write(opaque, pa, size, new_val);
    return 0;
}

static u32 proc2_of(const struct vmcs *v)
{
    return (v->proc_controls & PROC_SECONDARY) ? v->proc2_controls : 0;
}

static void ept_ctx_init(struct cpu *c, struct ept_ctx *e)
{
    u64 cap = vmx_caps_msr(&c->vmx->caps, MSR_IA32_VMX_EPT_VPID_CAP);
    *e = (struct ept_ctx){
        .eptp = c->vmx->vmcs.ept_pointer,
        .maxphyaddr = c->model.maxphyaddr,
        .exec_only = cap & EPT_CAP_EXEC_ONLY,
        .page_1g = cap & EPT_CAP_1G,
        .mbec = proc2_of(&c->vmx->vmcs) & PROC2_MBEC,
        .pml_full = vmx_pml_full(c),
        .opaque = c,
        .read = ept_mem_read,
        .cmpxchg = ept_mem_cmpxchg,
    };
}

/* STEP (§28.3.3): a fault-like VM exit for an EPT violation or misconfiguration at gpa.
 * `final`: the access was to the translation of the linear address (qualification bit 8). */
static _Noreturn void ept_exit(struct cpu *c, const struct walk2d *w, enum ept_status st,
                               const struct ept_result *r, gpa_t gpa, bool final)
{
    c->rip = c->insn_rip;
    c->gpr[RSP] = c->insn_rsp;
    c->dbg_pending = 0;
    struct vmx_exit_info e = {.reason = EXIT_REASON_EPT_MISCONFIG};
    /* An EPT violation invalidates the combined mappings for its linear address under the
       current VPID and EP4TA (SDM 3C §29.4.3.1). */
    if (st == EPT_VIOLATION && w->has_la)
        tlb_flush_addr_match(&c->tlb, ~TLB_PCID_MASK, c->tlb_tag & ~TLB_PCID_MASK, w->la);
    if (st == EPT_VIOLATION) {
        e.reason = EXIT_REASON_EPT_VIOLATION;
        e.qual = r->qual;
        if (w->has_la) {
            e.qual |= EPT_QUAL_GLA_VALID | (final ? EPT_QUAL_GLA_FINAL : 0);
            e.guest_linear = w->la;
            e.has_linear = true;
        }
        vmx_ve_try(c, r->suppress_ve, e.qual, e.guest_linear, gpa);   /* #VE instead? */
    }
    c->vmx->vmcs.guest_physical_address = gpa;
    log_printf(c->bus.log, LOG_VMX, "cpu%d: EPT %s gpa=%#llx qual=%#llx", c->id,
               st == EPT_VIOLATION ? "violation" : "misconfiguration", (unsigned long long)gpa,
               (unsigned long long)e.qual);
    vmx_vmexit(c, &e);
    longjmp(c->step_env, 1);
}

/* One EPT translation of the 2-D walk: its VM exits, and page-modification logging. */
static void translate_gpa(struct walk2d *w, gpa_t gpa, unsigned access, bool final, struct ept_result *r)
{
    enum ept_status st = ept_walk(&w->ept, gpa, access, r);
    w->refs += r->refs;
    w->c->walk_refs += r->refs;
    if (st == EPT_PML_FULL)
        vmx_pml_full_exit(w->c);
    if (st != EPT_OK)
        ept_exit(w->c, w, st == EPT_VIOLATION ? EPT_VIOLATION : EPT_MISCONFIG, r, gpa, final);
    if (r->dirtied) {
        vmx_pml_log(w->c, gpa);
        w->ept.pml_full = vmx_pml_full(w->c);
    }
}

static pa_t translate(struct walk2d *w, gpa_t gpa, unsigned access, bool final)
{
    struct ept_result r;
    translate_gpa(w, gpa, access, final, &r);
    return r.pa;
}

/* Guest paging-structure accesses: reads count as writes when EPT A/D is on (§28.3.3.2). */
static int gpa_read(void *opaque, pa_t gpa, u64 *val, unsigned size)
{
    struct walk2d *w = opaque;
    unsigned acc = (w->ept.eptp & EPTP_AD) ? EPT_R | EPT_W : EPT_R;
    pa_t pa = translate(w, gpa, acc, false);
    w->c->walk_refs++;
    *val = phys_read(w->c, pa, size);
    return 0;
}

static int gpa_cmpxchg(void *opaque, pa_t gpa, u64 old, u64 new_val, unsigned size, bool *ok)
{
    struct walk2d *w = opaque;
    pa_t pa = translate(w, gpa, EPT_R | EPT_W, false);
    *ok = phys_read(w->c, pa, size) == old;
    if (*ok)
        phys_write(w->c, pa, size, new_val);
    return 0;
}

/* The paging permission mask EPT allows for one linear address. With mode-based execute
   control a fetch needs XU for a user-mode address and XS otherwise, whatever the CPL. */
static u16 ept_perm_mask(unsigned ept_perm, bool mbec, bool user_la)
{
    unsigned x = (mbec && user_la) ? EPT_XU : EPT_X;
    u16 m = 0;
    for (unsigned priv = PAGING_USER; priv <= PAGING_SUP_AC; priv++) {
        if (ept_perm & EPT_R) m |= (u16)PAGING_PERM_BIT(PAGING_READ, priv);
        if (ept_perm & EPT_W) m |= (u16)PAGING_PERM_BIT(PAGING_WRITE, priv);
        if (ept_perm & x) m |= (u16)PAGING_PERM_BIT(PAGING_EXEC, priv);
    }
    return m;
}

enum paging_status vmx_ept_walk(struct cpu *c, la_t la, enum paging_kind kind, enum paging_priv priv,
                                struct paging_result *out)
{
    struct walk2d w = {.c = c, .la = la, .has_la = true};
    ept_ctx_init(c, &w.ept);
    struct paging_ctx ctx;
    access_paging_ctx(c, &ctx);
    ctx.opaque = &w;
    ctx.read = gpa_read;
    ctx.cmpxchg = gpa_cmpxchg;
    enum paging_status st = paging_walk(&ctx, la, kind, priv, out);
    if (st == PAGING_OK) {
        unsigned acc = kind == PAGING_READ ? EPT_R : kind == PAGING_WRITE ? EPT_W : EPT_X;
        if (kind == PAGING_EXEC && out->user)
            acc |= EPT_UMODE;
        struct ept_result r;
        translate_gpa(&w, out->pa, acc, true, &r);
        out->pa = r.pa;
        if (r.page_size < out->page_size)
            out->page_size = r.page_size;
        out->perm &= ept_perm_mask(r.perm, w.ept.mbec, out->user);
    }
    out->refs += w.refs;
    c->vmx->ept_refs += w.refs;
    c->vmx->walks2d++;                 /* -stats: 2-D walks and their references (miss path) */
    c->vmx->walk2d_refs += out->refs;
    return st;
}

/* PDPTE loads (MOV CR3/CR0/CR4 with PAE paging) read guest-physical memory through EPT with
 * no linear address (qualification bit 7 clear). The context's opaque points into vmx state. */
void vmx_ept_paging_ctx(struct cpu *c, struct paging_ctx *ctx)
{
    struct walk2d *w = (struct walk2d *)c->vmx->walk_scratch;
    _Static_assert(sizeof(struct walk2d) <= sizeof(c->vmx->walk_scratch), "walk scratch too small");
    memset(w, 0, sizeof(*w));
    w->c = c;
    ept_ctx_init(c, &w->ept);
    ctx->opaque = w;
    ctx->read = gpa_read;
    ctx->cmpxchg = gpa_cmpxchg;
}

/* ---- TLB tags (§29.4.1): VPID in bits 47:32, EPTP identity in bits 63:48 ---- */

/* The identity (1..VMX_EPT_IDS) of an EPTP's EP4TA, allocating one (and flushing the entries
 * of the one it replaces) when new. */
static unsigned ept_id(struct cpu *c, u64 eptp)
{
    struct vmx_cpu *x = c->vmx;
    u64 ep4ta = eptp & GENMASK(51, 12);
    for (unsigned i = 0; i < VMX_EPT_IDS; i++)
        if (x->ept_ids[i] == (ep4ta | 1))
            return i + 1;
    unsigned i = x->ept_next++ % VMX_EPT_IDS;
    if (x->ept_ids[i]) {
        tlb_count(&c->tlb, TLB_CAUSE_EPT_ID);
        tlb_flush_match(&c->tlb, TLB_EPT_MASK, (u64)(i + 1) << TLB_EPT_SHIFT, false);
    }
    x->ept_ids[i] = ep4ta | 1;   /* bit 0 marks the slot used */
    return i + 1;
}

u64 vmx_tlb_vtag(struct cpu *c)
{
    const struct vmcs *v = &c->vmx->vmcs;
    u32 proc2 = proc2_of(v);
    u64 vtag = 0;
    if (proc2 & PROC2_VPID)
        vtag |= (u64)v->vpid << TLB_VPID_SHIFT;
    if (proc2 & PROC2_EPT)
        vtag |= (u64)ept_id(c, v->ept_pointer) << TLB_EPT_SHIFT;
    return vtag;
}

void vmx_invept_flush(struct cpu *c, unsigned type, u64 eptp)
{
    struct vmx_cpu *x = c->vmx;
    tlb_count(&c->tlb, TLB_CAUSE_INVEPT);
    if (type == VMX_INVEPT_ALL) {
        tlb_flush_nonzero(&c->tlb, TLB_EPT_MASK);
        return;
    }
    u64 ep4ta = eptp & GENMASK(51, 12);
    for (unsigned i = 0; i < VMX_EPT_IDS; i++)
        if (x->ept_ids[i] == (ep4ta | 1))
            tlb_flush_match(&c->tlb, TLB_EPT_MASK, (u64)(i + 1) << TLB_EPT_SHIFT, false);
}

void vmx_invvpid_flush(struct cpu *c, unsigned type, u16 vpid, la_t la)
{
    u64 val = (u64)vpid << TLB_VPID_SHIFT;
    tlb_count(&c->tlb, TLB_CAUSE_INVVPID);
    switch (type) {
    case VMX_INVVPID_ADDR: tlb_flush_addr_match(&c->tlb, TLB_VPID_MASK, val, la); break;
    case VMX_INVVPID_SINGLE: tlb_flush_match(&c->tlb, TLB_VPID_MASK, val, false); break;
    case VMX_INVVPID_ALL: tlb_flush_nonzero(&c->tlb, TLB_VPID_MASK); break;
    default: tlb_flush_match(&c->tlb, TLB_VPID_MASK, val, true); break;
    }
}

/* ---- looking without touching (the debugger): RAM only, no A/D updates, no exits ---- */

static int peek_ram(void *opaque, pa_t pa, u64 *val, unsigned size)
{
    struct cpu *c = opaque;
    const struct iomap_range *r = iomap_find(c->bus.phys->mem, pa);
    if (!r || !r->host || pa - r->base + size > r->len)
        return -1;   /* never a device read */
    *val = 0;
    memcpy(val, r->host + (pa - r->base), size);
    return 0;
}

static int peek_cmpxchg(void *opaque, pa_t pa, u64 old, u64 new_val, unsigned size, bool *ok)
{
    (void)opaque, (void)pa, (void)old, (void)new_val, (void)size;
    *ok = true;   /* pretend the flag was set; change nothing */
    return 0;
}

enum ept_status vmx_ept_peek(struct cpu *c, gpa_t gpa, unsigned access, struct ept_result *r)
{
    struct ept_ctx e;
    ept_ctx_init(c, &e);
    e.eptp &= ~EPTP_AD;   /* no accessed/dirty updates (and no dirty-based W masking) */
    e.read = peek_ram;
    e.cmpxchg = peek_cmpxchg;
    return ept_walk(&e, gpa, access, r);
}

static int peek_gpa_read(void *opaque, pa_t gpa, u64 *val, unsigned size)
{
    struct cpu *c = opaque;
    struct ept_result r;
    if (vmx_ept_peek(c, gpa, EPT_R, &r) != EPT_OK)
        return -1;
    return peek_ram(c, r.pa, val, size);
}

void vmx_ept_peek_ctx(struct cpu *c, struct paging_ctx *ctx)
{
    ctx->opaque = c;
    ctx->read = peek_gpa_read;
    ctx->cmpxchg = peek_cmpxchg;
}

int vmx_ept_debug_translate(struct cpu *c, la_t la, pa_t *pa)
{
    struct paging_ctx ctx;
    struct paging_result pr;
    access_paging_ctx(c, &ctx);
    vmx_ept_peek_ctx(c, &ctx);
    if (paging_walk(&ctx, la, PAGING_READ, PAGING_SUP_AC, &pr) != PAGING_OK)
        return -1;
    struct ept_result r;
    if (vmx_ept_peek(c, pr.pa, EPT_R, &r) != EPT_OK)
        return -1;
    *pa = r.pa;
    return 0;
}
