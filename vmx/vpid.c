/* vmx/vpid.c — what VM entry and VM exit do to the TLB (SDM 3C §29.1 "VPIDs", §29.4.3.1
 * "Operations that Invalidate Cached Mappings", §29.4.3.2 "... Need Not Invalidate ..."):
 *  - with "enable VPID" = 0 both transitions invalidate the linear and combined mappings of
 *    VPID 0000H (root's and the guest's alike, for all PCIDs and EP4TAs);
 *  - with "enable VPID" = 1 (and so a non-zero VPID) neither invalidates anything: the
 *    guest's entries (tag: VPID, EPTP identity, PCID) and root's (tag 0) both survive, and
 *    the tags keep either side from using the other's.
 * hvsim caches permissions already combined with the paging controls (CR0.WP, CR4.SMEP/SMAP/
 * PKE/PGE, EFER.NXE, PKRU, the paging mode) where hardware applies them at use. So an entry may
 * only survive while its side runs under the same controls: root's controls are recorded at
 * VM entry and compared at VM exit, the guest's per tag at VM exit and compared at the next
 * entry with that tag; a difference flushes that side's entries (an unknown tag too). */
#include "vmx/vmx.h"

/* The paging controls that TLB permissions are computed with (cpu/access.c). */
static void controls_of(const struct cpu *c, struct vmx_tlb_ctl *out)
{
    out->ctl = (c->cr0 & (CR0_PG | CR0_WP | CR0_PE)) | (c->efer & (EFER_NXE | EFER_LMA)) |
               (c->cr4 & (CR4_PAE | CR4_PSE | CR4_PGE | CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_PCIDE | CR4_LA57)) << 32;
    out->pkru = c->pkru;
}

static bool same_controls(const struct vmx_tlb_ctl *a, const struct vmx_tlb_ctl *b)
{
    return a->ctl == b->ctl && a->pkru == b->pkru;
}

static bool vpid_enabled(const struct vmcs *v)
{
    return (v->proc_controls & PROC_SECONDARY) && (v->proc2_controls & PROC2_VPID) && v->vpid;
}

/* The kept-tag slot for vtag, or NULL. */
static struct vmx_tlb_kept *kept_find(struct vmx_cpu *x, u64 vtag)
{
    for (unsigned i = 0; i < VMX_KEPT_TAGS; i++)
        if (x->kept[i].vtag == vtag)
            return &x->kept[i];
    return NULL;
}

static void kept_record(struct vmx_cpu *x, u64 vtag, const struct vmx_tlb_ctl *ctl)
{
    struct vmx_tlb_kept *k = kept_find(x, vtag);
    if (!k)
        k = &x->kept[x->kept_next++ % VMX_KEPT_TAGS];   /* an evicted tag is flushed when next entered */
    k->vtag = vtag;
    k->ctl = *ctl;
}

/* Invalidate the entries whose tag matches val under mask: exactly in tlb=strict, everything
   otherwise (cheaper: a flush-all touches only the entries filled since the last one, where
   a scoped flush may have to scan the whole TLB). */
static void flush_scope(struct cpu *c, enum tlb_cause why, u64 mask, u64 val)
{
    tlb_count(&c->tlb, why);
    if (c->tlb.mode == TLB_MODE_STRICT)
        tlb_flush_match(&c->tlb, mask, val, false);
    else
        tlb_flush_all(&c->tlb);
}

void vmx_tlb_controls(const struct cpu *c, struct vmx_tlb_ctl *out)
{
    controls_of(c, out);
}

void vmx_tlb_enter(struct cpu *c, const struct vmx_tlb_ctl *root)
{
    struct vmx_cpu *x = c->vmx;
    x->root_ctl = *root;
    if (c->tlb.mode == TLB_MODE_FLUSH) {
        tlb_count(&c->tlb, TLB_CAUSE_VMENTRY);
        tlb_flush_all(&c->tlb);
        return;
    }
    if (!vpid_enabled(&x->vmcs)) {
        flush_scope(c, TLB_CAUSE_VMENTRY, TLB_VPID_MASK, 0);   /* VPID 0000H */
        return;
    }
    u64 vtag = c->tlb_tag & ~TLB_PCID_MASK;
    struct vmx_tlb_ctl now;
    controls_of(c, &now);
    struct vmx_tlb_kept *k = kept_find(x, vtag);
    if (!k || !same_controls(&k->ctl, &now)) {
        flush_scope(c, TLB_CAUSE_VMENTRY, ~TLB_PCID_MASK, vtag);   /* built under other controls */
        kept_record(x, vtag, &now);
    }
}

void vmx_tlb_exit(struct cpu *c, u64 guest_vtag, const struct vmx_tlb_ctl *guest)
{
    struct vmx_cpu *x = c->vmx;
    bool vpid = vpid_enabled(&x->vmcs);
    if (vpid && (guest_vtag & TLB_VPID_MASK))
        kept_record(x, guest_vtag, guest);
    if (c->tlb.mode == TLB_MODE_FLUSH) {
        tlb_count(&c->tlb, TLB_CAUSE_VMEXIT);
        tlb_flush_all(&c->tlb);
        return;
    }
    if (!vpid) {
        flush_scope(c, TLB_CAUSE_VMEXIT, TLB_VPID_MASK, 0);   /* VPID 0000H */
        return;
    }
    struct vmx_tlb_ctl now;
    controls_of(c, &now);
    if (!same_controls(&x->root_ctl, &now))
        flush_scope(c, TLB_CAUSE_VMEXIT, ~TLB_PCID_MASK, 0);   /* root's entries, other controls */
}
