/* cpu/exec_system.c — system instructions: descriptor tables, control and debug registers,
 * MSRs, CPUID, TSC, port I/O, HLT/CLI/STI, SWAPGS, SYSCALL/SYSRET, XGETBV/XSETBV, PKRU,
 * cache and TLB maintenance (SDM 2A-2D, SDM 3A §2.5, §4.10.4). */
#include "cpu/cpuid.h"
#include "cpu/debug.h"
#include "cpu/events.h"
#include "cpu/exec.h"
#include "cpu/msr.h"
#include "cpu/operand.h"
#include "cpu/pmu.h"
#include "cpu/seg.h"
#include "vmx/hooks.h"

static void require_cpl0(struct cpu *c)
{
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
}

static unsigned iopl(const struct cpu *c)
{
    return (c->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT;
}

/* UMIP: SGDT/SIDT/SLDT/SMSW/STR at CPL > 0 fault #GP(0) (SDM 3A §2.5 CR4.UMIP). */
static void umip_check(struct cpu *c)
{
    if ((c->cr4 & CR4_UMIP) && c->cpl > 0)
        cpu_fault(c, EXC_GP, 0);
}

/* ---- descriptor-table registers ---- */

void exec_lgdt_lidt(struct cpu *c, const struct insn *in)
{
    require_cpl0(c);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_DESC_GDT_IDT);
    const struct opnd *o = &in->op[0];
    u64 ea = opnd_ea(c, in, o);
    u16 limit = (u16)mem_read(c, o->seg, ea, 2);
    unsigned bsz = c->mode == MODE_LONG64 ? 8 : 4;
    u64 base = mem_read(c, o->seg, (ea + 2) & bits_mask_bytes(in->addrsize), bsz);
    if (c->mode != MODE_LONG64 && in->opsize == 2)
        base &= 0xffffff;
    if (c->mode == MODE_LONG64 && !bits_is_canonical(base, c->la_width))
        cpu_fault(c, EXC_GP, 0);
    struct dtr *d = in->sub == SUB_LGDT ? &c->gdtr : &c->idtr;
    d->base = base;
    d->limit = limit;
}

void exec_sgdt_sidt(struct cpu *c, const struct insn *in)
{
    umip_check(c);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_DESC_GDT_IDT);
    const struct opnd *o = &in->op[0];
    const struct dtr *d = in->sub == SUB_SGDT ? &c->gdtr : &c->idtr;
    u64 ea = opnd_ea(c, in, o);
    unsigned bsz = c->mode == MODE_LONG64 ? 8 : 4;
    la_t la = access_seg_la(c, o->seg, ea, 2 + bsz, true);
    access_probe_write(c, la, 2 + bsz, access_data_priv(c));
    mem_write(c, o->seg, ea, 2, d->limit);
    mem_write(c, o->seg, (ea + 2) & bits_mask_bytes(in->addrsize), bsz, d->base);
}

/* Load LDTR or TR from a GDT selector (SDM 2A "LLDT", "LTR"). */
void exec_lldt_ltr(struct cpu *c, const struct insn *in)
{
    if (c->mode == MODE_REAL || c->mode == MODE_V86)
        cpu_fault(c, EXC_UD, 0);
    require_cpl0(c);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_DESC_LDT_TR);
    bool ltr = in->sub == SUB_LTR;
    u16 sel = (u16)opnd_read(c, in, 0);
    if ((sel & ~3u) == 0) {
        if (ltr)
            cpu_fault(c, EXC_GP, 0);
        c->ldtr.sel = sel;
        c->ldtr.ar = SEG_AR_UNUSABLE;
        c->ldtr.base = 0;
        c->ldtr.limit = 0;
        return;
    }
    if (sel & 4)
        cpu_fault(c, EXC_GP, sel & ~3u);
    la_t dla;
    u64 desc = seg_read_desc(c, sel, EXC_GP, &dla);
    u64 hi = 0;
    if (c->efer & EFER_LMA) {
        if ((u32)(sel & ~7u) + 15 > c->gdtr.limit)
            cpu_fault(c, EXC_GP, sel & ~3u);
        hi = sys_read(c, dla + 8, 8);
        if ((hi >> 40) & 0x1f)   /* type field of the upper 8 bytes must be 0 (SDM 3A §7.2.3) */
            cpu_fault(c, EXC_GP, sel & ~3u);
    }
    unsigned type = (desc >> 40) & 0x1f;   /* S + type */
    bool ok = ltr ? (type == DESC_TSS_AVAIL || (!(c->efer & EFER_LMA) && type == DESC_TSS16_AVAIL))
                  : type == DESC_LDT;
    if (!ok)
        cpu_fault(c, EXC_GP, sel & ~3u);
    if (!(desc & (1ull << 47)))
        cpu_fault(c, EXC_NP, sel & ~3u);
    u64 base_hi = (c->efer & EFER_LMA) ? (hi & 0xffffffffull) << 32 : 0;
    if ((c->efer & EFER_LMA) && !bits_is_canonical(base_hi | (((desc >> 16) & 0xffffff) | ((desc >> 32) & 0xff000000ull)), c->la_width))
        cpu_fault(c, EXC_GP, sel & ~3u);
    struct seg *s = ltr ? &c->tr : &c->ldtr;
    if (ltr) {
        desc |= 2ull << 40;   /* mark busy */
        sys_write(c, dla + 5, 1, (u8)(desc >> 40));
    }
    seg_from_desc(s, sel, desc);
    s->base |= base_hi;
}

void exec_sldt_str(struct cpu *c, const struct insn *in)
{
    if (c->mode == MODE_REAL || c->mode == MODE_V86)
        cpu_fault(c, EXC_UD, 0);
    umip_check(c);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_DESC_LDT_TR);
    u16 sel = in->sub == SUB_STR ? c->tr.sel : c->ldtr.sel;
    if (in->op[0].kind == OPND_MEM)
        mem_write(c, in->op[0].seg, opnd_ea(c, in, &in->op[0]), 2, sel);
    else
        gpr_write(c, in->op[0].reg, in->op[0].size == 2 ? 2 : in->op[0].size, sel);
}

void exec_mov_to_seg(struct cpu *c, const struct insn *in)
{
    unsigned seg = in->op[0].reg;
    if (seg == SEG_CS)
        cpu_fault(c, EXC_UD, 0);
    u16 sel = (u16)opnd_read(c, in, 1);
    seg_load(c, seg, sel);
    if (seg == SEG_SS) {
        cpu_set_shadow_movss(c);   /* MOV SS: interrupts and #DB blocked for one instruction */
    }
}

/* ---- control registers (SDM 3A §2.5, §4.1.1-4.1.3) ---- */

static u64 cr4_reserved(const struct cpu *c)
{
    return ~model_cr4_valid(&c->model);
}

static void write_cr0(struct cpu *c, u64 v)
{
    if (c->mode != MODE_LONG64)
        v = (u32)v;
    if (v >> 32)
        cpu_fault(c, EXC_GP, 0);
    if ((v & CR0_PG) && !(v & CR0_PE))
        cpu_fault(c, EXC_GP, 0);
    if (unlikely(c->vmx_on) && !vmx_cr0_allowed(c, v | CR0_ET))
        cpu_fault(c, EXC_GP, 0);   /* VMX fixed bits (SDM 3C §24.8) */
    if ((v & CR0_NW) && !(v & CR0_CD))
        cpu_fault(c, EXC_GP, 0);
    u64 old = c->cr0;
    if ((v & CR0_PG) && !(old & CR0_PG) && (c->efer & EFER_LME)) {
        /* Activating IA-32e mode (SDM 3A §10.8.5): PAE required, CS.L must be 0. */
        if (!(c->cr4 & CR4_PAE) || (c->seg[SEG_CS].ar & SEG_AR_L))
            cpu_fault(c, EXC_GP, 0);
        c->efer |= EFER_LMA;
    }
    if (!(v & CR0_PG) && (old & CR0_PG) && (c->efer & EFER_LMA)) {
        if (c->mode == MODE_LONG64)
            cpu_fault(c, EXC_GP, 0);
        c->efer &= ~EFER_LMA;
    }
    if ((v & CR0_PG) && !(c->efer & EFER_LMA) && (c->cr4 & CR4_PAE) && !(old & CR0_PG)) {
        struct paging_ctx ctx;
        access_pdpte_ctx(c, &ctx);
        if (!paging_load_pdptes(&ctx, c->cr3, c->pdpte))
            cpu_fault(c, EXC_GP, 0);
    }
    c->cr0 = v | CR0_ET;
    if ((old ^ c->cr0) & (CR0_PG | CR0_WP | CR0_PE))
        cpu_tlb_flush_paging_ctl(c);
    cpu_update_mode(c);
}

void cpu_write_cr3(struct cpu *c, u64 v)
{
    bool noflush = false;
    if (c->cr4 & CR4_PCIDE) {
        noflush = v >> 63;
        v &= ~(1ull << 63);
    }
    if (c->efer & EFER_LMA) {
        if (v >> c->model.maxphyaddr)
            cpu_fault(c, EXC_GP, 0);
    } else {
        v = (u32)v;
        if ((c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE)) {
            struct paging_ctx ctx;
            access_pdpte_ctx(c, &ctx);
            if (!paging_load_pdptes(&ctx, v, c->pdpte))
                cpu_fault(c, EXC_GP, 0);
        }
    }
    c->cr3 = v;
    cpu_update_mode(c);   /* PCID part of the TLB tag */
    if (noflush || cpu_tlb_invalidating(c, TLB_CAUSE_CR3))
        return;
    if (c->cr4 & CR4_PCIDE)
        tlb_flush_pcid(&c->tlb, c->tlb_tag, true);
    else
        tlb_flush_nonglobal(&c->tlb, c->tlb_tag & ~TLB_PCID_MASK);
}

static void write_cr4(struct cpu *c, u64 v)
{
    if (v & cr4_reserved(c))
        cpu_fault(c, EXC_GP, 0);
    if (unlikely(c->vmx_on) && !vmx_cr4_allowed(c, v))
        cpu_fault(c, EXC_GP, 0);   /* CR4.VMXE and other fixed bits in VMX operation */
    u64 old = c->cr4;
    if ((c->efer & EFER_LMA) && !(v & CR4_PAE))
        cpu_fault(c, EXC_GP, 0);
    if ((c->efer & EFER_LMA) && ((v ^ old) & CR4_LA57))
        cpu_fault(c, EXC_GP, 0);
    if ((v & CR4_PCIDE) && !(old & CR4_PCIDE) && (!(c->efer & EFER_LMA) || (c->cr3 & 0xfff)))
        cpu_fault(c, EXC_GP, 0);
    if ((c->cr0 & CR0_PG) && (v & CR4_PAE) && !(c->efer & EFER_LMA) &&
        ((v ^ old) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP))) {
        struct paging_ctx ctx;
        access_pdpte_ctx(c, &ctx);
        if (!paging_load_pdptes(&ctx, c->cr3, c->pdpte))
            cpu_fault(c, EXC_GP, 0);
    }
    c->cr4 = v;
    if ((v ^ old) & CR4_DE)
        debug_update(c);   /* I/O breakpoints exist only with CR4.DE */
    /* SDM 3A §4.10.4.1: changing PGE, PAE, PSE, SMEP, SMAP, PKE or clearing PCIDE flushes. */
    if ((v ^ old) & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_PCIDE | CR4_LA57))
        cpu_tlb_flush_paging_ctl(c);
    cpu_update_mode(c);
}

static void write_cr8(struct cpu *c, u64 v)
{
    if (v & ~0xfull)
        cpu_fault(c, EXC_GP, 0);
    c->cr8 = v;
    if (c->apic.write_cr8)
        c->apic.write_cr8(c->apic.opaque, (u8)v);   /* CR8 is TPR[7:4] (SDM 3A §11.8.6.1) */
    c->attention = true;
}

void exec_mov_crdr(struct cpu *c, const struct insn *in)
{
    const struct opnd *d = &in->op[0], *s = &in->op[1];
    require_cpl0(c);
    if (d->kind == OPND_REG && d->regc == REGC_CR) {
        u64 v = c->gpr[s->reg] & (c->mode == MODE_LONG64 ? ~0ull : 0xffffffffull);
        if (unlikely(c->vmx_nonroot))
            v = vmx_cr_write(c, in, d->reg, s->reg, v);
        switch (d->reg) {
        case 0: write_cr0(c, v); break;
        case 2: c->cr2 = v; break;
        case 3: cpu_write_cr3(c, v); break;
        case 4: write_cr4(c, v); break;
        case 8: write_cr8(c, v); break;
        default: cpu_fault(c, EXC_UD, 0);
        }
        return;
    }
    if (s->kind == OPND_REG && s->regc == REGC_CR) {
        u64 v;
        switch (s->reg) {
        case 0: v = c->cr0; break;
        case 2: v = c->cr2; break;
        case 3: v = c->cr3; break;
        case 4: v = c->cr4; break;
        case 8: v = c->apic.read_cr8 ? c->apic.read_cr8(c->apic.opaque) : c->cr8; break;
        default: cpu_fault(c, EXC_UD, 0);
        }
        if (unlikely(c->vmx_nonroot))
            v = vmx_cr_read(c, in, s->reg, d->reg, v);
        gpr_write(c, d->reg, c->mode == MODE_LONG64 ? 8 : 4, v);
        return;
    }
    /* Debug registers (SDM 3B §18.2): DR4/5 alias DR6/7 unless CR4.DE. */
    unsigned n = d->regc == REGC_DR ? d->reg : s->reg;
    if (n == 4 || n == 5) {
        if (c->cr4 & CR4_DE)
            cpu_fault(c, EXC_UD, 0);
    }
    if (unlikely(c->vmx_nonroot))
        vmx_mov_dr(c, in, n, d->regc == REGC_DR ? s->reg : d->reg, d->regc == REGC_DR);
    if (n == 4 || n == 5)
        n += 2;
    if (n > 7)
        cpu_fault(c, EXC_UD, 0);
    debug_check_gd(c);
    if (d->regc == REGC_DR) {
        u64 v = c->gpr[s->reg];
        if (c->mode != MODE_LONG64)
            v = (u32)v;
        if ((n == 6 || n == 7) && (v >> 32))
            cpu_fault(c, EXC_GP, 0);
        if (n == 6)
            v = (v | DR6_FIXED1) & ~(BIT(12) | GENMASK(63, 32));
        if (n == 7)
            v = (v | DR7_FIXED1) & ~(BIT(11) | BIT(12) | BIT(14) | BIT(15));
        c->dr[n] = v;
        if (n != 6)
            debug_update(c);
    } else {
        gpr_write(c, d->reg, c->mode == MODE_LONG64 ? 8 : 4, c->dr[n]);
    }
}

void exec_clts(struct cpu *c, const struct insn *in)
{
    require_cpl0(c);
    if (unlikely(c->vmx_nonroot) && !vmx_clts(c, in))
        return;
    c->cr0 &= ~CR0_TS;
}

void exec_lmsw(struct cpu *c, const struct insn *in)
{
    require_cpl0(c);
    u64 v = opnd_read(c, in, 0) & 0xffff;
    if (unlikely(c->vmx_nonroot))
        v = vmx_lmsw(c, in, v);   /* the exit qualification reports all 16 source bits */
    v &= 0xf;
    /* LMSW can set PE but never clear it (SDM 2A "LMSW"). */
    v |= c->cr0 & CR0_PE;
    write_cr0(c, (c->cr0 & ~0xfull) | v);
}

void exec_smsw(struct cpu *c, const struct insn *in)
{
    umip_check(c);
    u64 v = c->cr0;
    if (unlikely(c->vmx_nonroot))
        v = vmx_cr_read(c, in, 0, 0, v);   /* host-owned bits read from the CR0 read shadow */
    if (in->op[0].kind == OPND_MEM)
        mem_write(c, in->op[0].seg, opnd_ea(c, in, &in->op[0]), 2, v);
    else
        gpr_write(c, in->op[0].reg, in->op[0].size, v);
}

void exec_invlpg(struct cpu *c, const struct insn *in)
{
    require_cpl0(c);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_INVLPG);
    const struct opnd *o = &in->op[0];
    u64 ea = opnd_ea(c, in, o);
    la_t la = (c->mode == MODE_LONG64 && o->seg < SEG_FS) ? ea : c->seg[o->seg].base + ea;
    if (c->mode != MODE_LONG64)
        la = (u32)la;
    if (!cpu_tlb_invalidating(c, TLB_CAUSE_INVLPG))
        tlb_flush_addr(&c->tlb, c->tlb_tag, la);
}

/* INVPCID (SDM 2A "INVPCID"): type 0 one address under one PCID (globals kept), 1 one PCID
 * (globals kept), 2 everything including globals, 3 everything but globals; all within the
 * current virtualization tag. */
void exec_invpcid(struct cpu *c, const struct insn *in)
{
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_INVPCID);   /* "enable INVPCID" #UD first, then INVLPG exiting */
    if (c->mode == MODE_V86)
        cpu_fault(c, EXC_UD, 0);
    require_cpl0(c);
    u64 type = opnd_read(c, in, 0);
    const struct opnd *m = &in->op[1];
    u64 ea = opnd_ea(c, in, m);
    u64 desc = mem_read(c, m->seg, ea, 8);
    u64 la = mem_read(c, m->seg, (ea + 8) & bits_mask_bytes(in->addrsize), 8);
    u64 pcid = desc & TLB_PCID_MASK;
    if (type > 3 || (desc >> 12))
        cpu_fault(c, EXC_GP, 0);
    if (type <= 1 && pcid && !(c->cr4 & CR4_PCIDE))
        cpu_fault(c, EXC_GP, 0);
    if (type == 0 && !bits_is_canonical(la, c->la_width))
        cpu_fault(c, EXC_GP, 0);
    u64 vtag = c->tlb_tag & ~TLB_PCID_MASK;
    if (cpu_tlb_invalidating(c, TLB_CAUSE_INVPCID))
        return;
    switch (type) {
    case 0: tlb_flush_addr_pcid(&c->tlb, vtag | pcid, la); break;
    case 1: tlb_flush_pcid(&c->tlb, vtag | pcid, true); break;
    case 2: tlb_flush_vtag(&c->tlb, vtag); break;
    default: tlb_flush_vtag_nonglobal(&c->tlb, vtag); break;
    }
}

void exec_wbinvd(struct cpu *c, const struct insn *in)
{
    require_cpl0(c);
    if (unlikely(c->vmx_nonroot))   /* INVD is 0F 08, WBINVD 0F 09 */
        vmx_intercept(c, in, in->bytes[in->len - 1] == 0x08 ? ICPT_INVD : ICPT_WBINVD);
}

void exec_hlt(struct cpu *c, const struct insn *in)
{
    require_cpl0(c);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_HLT);
    c->state = CPU_HALTED;
    c->attention = true;
}

void exec_cli(struct cpu *c, const struct insn *in)
{
    (void)in;
    if (c->mode != MODE_REAL && iopl(c) < c->cpl)
        cpu_fault(c, EXC_GP, 0);   /* no VME/PVI modelled yet */
    c->rflags &= ~RFLAGS_IF;
}

void exec_sti(struct cpu *c, const struct insn *in)
{
    (void)in;
    if (c->mode != MODE_REAL && iopl(c) < c->cpl)
        cpu_fault(c, EXC_GP, 0);
    if (!(c->rflags & RFLAGS_IF)) {
        c->rflags |= RFLAGS_IF;
        cpu_set_shadow(c);   /* STI blocks interrupts until after the next instruction */
    }
}

/* ---- MSRs, CPUID, TSC ---- */

void exec_rdmsr(struct cpu *c, const struct insn *in)
{
    require_cpl0(c);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_RDMSR);
    u64 v;
    u32 idx = (u32)c->gpr[RCX];
    if (!msr_read(c, idx, &v)) {
        log_printf(c->bus.log, LOG_UNIMP, "cpu%d: rdmsr %#x -> #GP", c->id, idx);
        cpu_fault(c, EXC_GP, 0);
    }
    if (unlikely(c->vmx_nonroot) && idx == MSR_IA32_TSC)
        v = vmx_guest_tsc(c, v);   /* TSC offsetting applies to RDMSR too (SDM 3C §26.3) */
    c->gpr[RAX] = (u32)v;
    c->gpr[RDX] = v >> 32;
}

void exec_wrmsr(struct cpu *c, const struct insn *in)
{
    require_cpl0(c);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_WRMSR);
    u32 idx = (u32)c->gpr[RCX];
    u64 v = (c->gpr[RDX] << 32) | (u32)c->gpr[RAX];
    if (!msr_write(c, idx, v)) {
        log_printf(c->bus.log, LOG_UNIMP, "cpu%d: wrmsr %#x <- %#llx -> #GP", c->id, idx,
                   (unsigned long long)v);
        cpu_fault(c, EXC_GP, 0);
    }
}

void exec_cpuid(struct cpu *c, const struct insn *in)
{
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_CPUID);
    u32 r[4];
    cpuid_query(c, (u32)c->gpr[RAX], (u32)c->gpr[RCX], r);
    c->gpr[RAX] = r[0];
    c->gpr[RBX] = r[1];
    c->gpr[RCX] = r[2];
    c->gpr[RDX] = r[3];
}

void exec_rdtsc(struct cpu *c, const struct insn *in)
{
    if ((c->cr4 & CR4_TSD) && c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
    u64 t = cpu_read_tsc(c);
    if (unlikely(c->vmx_nonroot)) {
        vmx_intercept(c, in, in->sub == SUB_RDTSCP ? ICPT_RDTSCP : ICPT_RDTSC);
        t = vmx_guest_tsc(c, t);
    }
    c->gpr[RAX] = (u32)t;
    c->gpr[RDX] = t >> 32;
    if (in->sub == SUB_RDTSCP)
        c->gpr[RCX] = (u32)c->msr.tsc_aux;
}

/* RDPMC (SDM 2B "RDPMC"): CPL > 0 needs CR4.PCE (a privilege check, so it comes before the
 * RDPMC-exiting VM exit, SDM 3C §26.1.1); ECX must name a counter of the model. */
void exec_rdpmc(struct cpu *c, const struct insn *in)
{
    if (c->cpl != 0 && !(c->cr4 & CR4_PCE))
        cpu_fault(c, EXC_GP, 0);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_RDPMC);
    u64 v;
    if (!pmu_rdpmc(c, (u32)c->gpr[RCX], &v))
        cpu_fault(c, EXC_GP, 0);
    c->gpr[RAX] = (u32)v;
    c->gpr[RDX] = (u32)(v >> 32);
}

/* The segment of an implicit DS operand: the last segment-override prefix, else DS. */
static unsigned implicit_ds(const struct insn *in)
{
    static const u8 prefix_seg[][2] = {{0x26, SEG_ES}, {0x2e, SEG_CS}, {0x36, SEG_SS},
                                       {0x3e, SEG_DS}, {0x64, SEG_FS}, {0x65, SEG_GS}};
    unsigned seg = SEG_DS;
    if (!(in->flags & INSN_SEG_OVR))
        return seg;
    for (unsigned i = 0; i < in->len && in->bytes[i] != 0x0f; i++)
        for (unsigned k = 0; k < 6; k++)
            if (in->bytes[i] == prefix_seg[k][0])
                seg = prefix_seg[k][1];
    return seg;
}

/* MONITOR (SDM 2B "MONITOR"): #UD at CPL > 0 (the model gates CPUID.1:ECX.MONITOR at
 * decode), VM exit with MONITOR exiting, #GP(0) for ECX != 0 (no extensions), then the
 * segment and paging checks of a 1-byte read at DS:rAX, which arms the monitor. */
void exec_monitor(struct cpu *c, const struct insn *in)
{
    if (c->cpl != 0)
        cpu_fault(c, EXC_UD, 0);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_MONITOR);
    if ((u32)c->gpr[RCX] != 0)
        cpu_fault(c, EXC_GP, 0);
    unsigned seg = implicit_ds(in);
    la_t la = access_seg_la(c, seg, c->gpr[RAX] & bits_mask_bytes(in->addrsize), 1, false);
    (void)access_read_la(c, la, 1, access_data_priv(c));
    c->monitor_armed = true;
}

/* MWAIT (SDM 2B "MWAIT"): #UD at CPL > 0, VM exit with MWAIT exiting, #GP(0) for ECX bits
 * other than 0 (interrupts as break events, CPUID.5:ECX[1]). hvsim does not model the
 * optimized state: MWAIT returns at once, which the SDM allows ("may exit for
 * implementation-specific reasons"), so a guest spinning on a flag keeps running. */
void exec_mwait(struct cpu *c, const struct insn *in)
{
    if (c->cpl != 0)
        cpu_fault(c, EXC_UD, 0);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_MWAIT);
    if ((u32)c->gpr[RCX] & ~1u)
        cpu_fault(c, EXC_GP, 0);
    c->monitor_armed = false;
}

/* GETSEC (SDM 2D "GETSEC"): #UD with CR4.SMXE = 0, which has priority over its unconditional
 * VM exit (SDM 3C §26.1.1-26.1.2). The model has no SMX, so CR4.SMXE cannot be set. */
void exec_getsec(struct cpu *c, const struct insn *in)
{
    if (!(c->cr4 & CR4_SMXE))
        cpu_fault(c, EXC_UD, 0);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_GETSEC);
    exec_unimplemented(c, in);
}

void exec_rdpid(struct cpu *c, const struct insn *in)
{
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_RDPID);
    gpr_write(c, in->op[0].reg, c->mode == MODE_LONG64 ? 8 : 4, (u32)c->msr.tsc_aux);
}

/* ---- port I/O (SDM 1 §19.5) ---- */

/* Protected-mode I/O permission: CPL <= IOPL, else the TSS I/O bitmap must allow every
 * byte of the access. */
void io_check(struct cpu *c, u16 port, unsigned size)
{
    if (c->mode == MODE_REAL || (c->mode != MODE_V86 && c->cpl <= iopl(c)))
        return;
    const struct seg *tr = &c->tr;
    unsigned type = tr->ar & SEG_AR_TYPE;
    if ((tr->ar & SEG_AR_UNUSABLE) || (type != DESC_TSS_BUSY && type != DESC_TSS_AVAIL) || tr->limit < 0x67)
        cpu_fault(c, EXC_GP, 0);
    u16 base = (u16)sys_read(c, tr->base + 0x66, 2);
    u32 off = base + port / 8;
    if (off + 1 > tr->limit)
        cpu_fault(c, EXC_GP, 0);
    u16 bits = (u16)sys_read(c, tr->base + off, 2);
    if ((bits >> (port & 7)) & ((1u << size) - 1))
        cpu_fault(c, EXC_GP, 0);
}

/* A port access leaves the core for the chipset: ~0.5 us (1000 cycles at the nominal 2 GHz).
   Linux's I/O delay relies on an OUT to port 0x80 taking about 1 us (arch/x86 io_delay). */
#define IO_BUS_CYCLES 1000

u64 io_in(struct cpu *c, u16 port, unsigned size)
{
    c->cycles += IO_BUS_CYCLES;
    if (unlikely(c->dbg_data_armed))
        debug_check_io(c, port, size);
    u64 v = iomap_read(c->bus.io, port, size);
    log_printf(c->bus.log, LOG_IO, "cpu%d: in%c %#x -> %#llx", c->id, "bw?l"[size - 1], port,
               (unsigned long long)v);
    return v;
}

void io_out(struct cpu *c, u16 port, unsigned size, u64 v)
{
    c->cycles += IO_BUS_CYCLES;
    if (unlikely(c->dbg_data_armed))
        debug_check_io(c, port, size);
    log_printf(c->bus.log, LOG_IO, "cpu%d: out%c %#x <- %#llx", c->id, "bw?l"[size - 1], port,
               (unsigned long long)v);
    iomap_write(c->bus.io, port, v, size);
}

void exec_in(struct cpu *c, const struct insn *in)
{
    unsigned size = in->op[0].size;
    u16 port = (u16)(in->op[1].kind == OPND_IMM ? in->op[1].imm & 0xff : c->gpr[RDX]);
    io_check(c, port, size);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept_io(c, in, port, size, true, false, false);
    gpr_write(c, RAX, size, io_in(c, port, size));
}

void exec_out(struct cpu *c, const struct insn *in)
{
    unsigned size = in->op[1].size;
    u16 port = (u16)(in->op[0].kind == OPND_IMM ? in->op[0].imm & 0xff : c->gpr[RDX]);
    io_check(c, port, size);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept_io(c, in, port, size, false, false, false);
    io_out(c, port, size, gpr_read(c, RAX, size));
}

/* ---- 64-bit system calls (SDM 2B "SYSCALL", "SYSRET", "SWAPGS") ---- */

void exec_swapgs(struct cpu *c, const struct insn *in)
{
    (void)in;
    if (c->mode != MODE_LONG64)
        cpu_fault(c, EXC_UD, 0);
    require_cpl0(c);
    u64 t = c->seg[SEG_GS].base;
    c->seg[SEG_GS].base = c->msr.kernel_gs_base;
    c->msr.kernel_gs_base = t;
}

static void flat_seg(struct seg *s, u16 sel, u32 ar)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffff;
    s->ar = ar;
}

/* Single-step for SYSCALL/SYSRET looks at TF after the instruction (so a kernel can mask TF
   with SFMASK, and a SYSRET that sets TF traps at once, in user mode): what hardware does and
   what KVM reproduces since CVE-2017-7518 (kvm-unit-tests syscall "TF handling"). */
static void syscall_single_step(struct cpu *c)
{
    if (c->rflags & RFLAGS_TF)
        debug_queue(c, DR6_BS);
}

/* SYSCALL (SDM 2B "SYSCALL", APM 3 "SYSCALL"). Intel: 64-bit mode only, else #UD. AMD also
   allows it in compatibility mode (target RIP = CSTAR) and in legacy protected mode (flat
   32-bit CS from STAR[47:32], EIP = STAR[31:0], VM/IF/RF cleared). */
void exec_syscall(struct cpu *c, const struct insn *in)
{
    (void)in;
    bool amd = c->model.vendor == VENDOR_AMD;
    if (!(c->efer & EFER_SCE) || c->mode == MODE_REAL || c->mode == MODE_V86 ||
        (!amd && c->mode != MODE_LONG64))
        cpu_fault(c, EXC_UD, 0);
    u16 sel = (u16)(c->msr.star >> 32);
    bool from64 = c->mode == MODE_LONG64;
    if (c->efer & EFER_LMA) {
        c->gpr[RCX] = c->rip;
        c->gpr[R11] = c->rflags & ~RFLAGS_RF;
        c->rflags &= ~(c->msr.sfmask | RFLAGS_RF);
        c->rflags |= RFLAGS_FIXED1;
        c->rip = c->mode == MODE_LONG64 ? c->msr.lstar : c->msr.cstar;
        flat_seg(&c->seg[SEG_CS], sel & 0xfffc, 0x9b | SEG_AR_L | SEG_AR_G);
    } else {
        c->gpr[RCX] = (u32)c->rip;
        c->rflags &= ~(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF);
        c->rip = (u32)c->msr.star;
        flat_seg(&c->seg[SEG_CS], sel & 0xfffc, 0x9b | SEG_AR_DB | SEG_AR_G);
    }
    flat_seg(&c->seg[SEG_SS], (sel + 8) & 0xfffc, 0x93 | SEG_AR_DB | SEG_AR_G);
    c->cpl = 0;
    if (from64)
        cpu_update_cpl_long64(c);   /* 64-bit code to 64-bit code */
    else
        cpu_update_mode(c);
    syscall_single_step(c);
}

/* SYSRET (SDM 2B "SYSRET", APM 3 "SYSRET"). Intel: 64-bit mode only; AMD also from
   compatibility and legacy protected mode (legacy: back to flat 32-bit CS/SS, EIP = ECX,
   IF set). */
void exec_sysret(struct cpu *c, const struct insn *in)
{
    bool amd = c->model.vendor == VENDOR_AMD;
    if (!(c->efer & EFER_SCE) || c->mode == MODE_REAL || (!amd && c->mode != MODE_LONG64))
        cpu_fault(c, EXC_UD, 0);
    if (c->mode == MODE_V86)
        cpu_fault(c, EXC_GP, 0);
    require_cpl0(c);
    if (!(c->efer & EFER_LMA)) {
        u16 lsel = (u16)(c->msr.star >> 48);
        flat_seg(&c->seg[SEG_CS], lsel | 3, 0xfb | SEG_AR_DB | SEG_AR_G);
        flat_seg(&c->seg[SEG_SS], (u16)((lsel + 8) | 3), 0xf3 | SEG_AR_DB | SEG_AR_G);
        c->rflags |= RFLAGS_IF;
        c->cpl = 3;
        cpu_update_mode(c);
        c->rip = (u32)c->gpr[RCX];
        c->attention = true;
        syscall_single_step(c);
        return;
    }
    bool to64 = in->opsize == 8;
    if (to64 && !bits_is_canonical(c->gpr[RCX], c->la_width))
        cpu_fault(c, EXC_GP, 0);   /* Intel: #GP in ring 0 (SDM 2B "SYSRET") */
    u16 sel = (u16)(c->msr.star >> 48);
    if (to64)
        flat_seg(&c->seg[SEG_CS], (sel + 16) | 3, 0xfb | SEG_AR_L | SEG_AR_G);
    else
        flat_seg(&c->seg[SEG_CS], sel | 3, 0xfb | SEG_AR_DB | SEG_AR_G);
    /* SS gets selector STAR[63:48]+8 with fixed attributes; the base/limit are not reloaded
       from the GDT (SDM 2B "SYSRET" Operation). */
    c->seg[SEG_SS].sel = (u16)((sel + 8) | 3);
    c->seg[SEG_SS].ar = 0xf3 | SEG_AR_DB | SEG_AR_G;
    c->seg[SEG_SS].limit = 0xffffffff;
    c->seg[SEG_SS].base = 0;
    u64 old_flags = c->rflags;
    c->rflags = (c->gpr[R11] & ~(RFLAGS_RF | RFLAGS_VM | BIT(3) | BIT(5) | BIT(15) | GENMASK(63, 22))) | RFLAGS_FIXED1;
    c->cpl = 3;
    if (to64 && c->mode == MODE_LONG64)
        cpu_update_cpl_long64(c);   /* 64-bit code to 64-bit code */
    else
        cpu_update_mode(c);
    c->rip = to64 ? c->gpr[RCX] : (u32)c->gpr[RCX];
    if (c->rflags & ~old_flags & RFLAGS_IF)
        c->attention = true;   /* a pending interrupt may be taken now */
    syscall_single_step(c);
}

/* ---- extended state, protection keys, SMAP ---- */

void exec_xgetbv(struct cpu *c, const struct insn *in)
{
    (void)in;
    if (!(c->cr4 & CR4_OSXSAVE))
        cpu_fault(c, EXC_UD, 0);
    if ((u32)c->gpr[RCX] != 0)
        cpu_fault(c, EXC_GP, 0);
    c->gpr[RAX] = (u32)c->xcr0;
    c->gpr[RDX] = c->xcr0 >> 32;
}

void exec_xsetbv(struct cpu *c, const struct insn *in)
{
    (void)in;
    if (!(c->cr4 & CR4_OSXSAVE))
        cpu_fault(c, EXC_UD, 0);
    require_cpl0(c);
    if (unlikely(c->vmx_nonroot))
        vmx_intercept(c, in, ICPT_XSETBV);
    u64 v = (c->gpr[RDX] << 32) | (u32)c->gpr[RAX];
    /* Only x87 state is modelled: XCR0 must be exactly 1 (SDM 1 §13.3). */
    if ((u32)c->gpr[RCX] != 0 || v != 1)
        cpu_fault(c, EXC_GP, 0);
    c->xcr0 = v;
}

void exec_rdpkru(struct cpu *c, const struct insn *in)
{
    (void)in;
    if (!(c->cr4 & CR4_PKE))
        cpu_fault(c, EXC_UD, 0);
    if ((u32)c->gpr[RCX] != 0)
        cpu_fault(c, EXC_GP, 0);
    c->gpr[RAX] = c->pkru;
    c->gpr[RDX] = 0;
}

void exec_wrpkru(struct cpu *c, const struct insn *in)
{
    (void)in;
    if (!(c->cr4 & CR4_PKE))
        cpu_fault(c, EXC_UD, 0);
    if ((u32)c->gpr[RCX] != 0 || (u32)c->gpr[RDX] != 0)
        cpu_fault(c, EXC_GP, 0);
    c->pkru = (u32)c->gpr[RAX];
    cpu_tlb_flush_paging_ctl(c);   /* permissions cached in the TLB depend on PKRU */
}

void exec_stac_clac(struct cpu *c, const struct insn *in)
{
    require_cpl0(c);
    if (in->sub == SUB_STAC)
        c->rflags |= RFLAGS_AC;
    else
        c->rflags &= ~RFLAGS_AC;
}

/* x87 just enough for kernels that probe for an FPU (FNINIT, FNSTSW, FNSTCW, FWAIT). #NM:
   an x87 instruction with CR0.EM or CR0.TS; WAIT/FWAIT only with CR0.MP and CR0.TS both set,
   CR0.EM does not affect it (SDM 3A §2.5 Table 2-2, SDM 2B "WAIT/FWAIT"). */
void exec_x87_probe(struct cpu *c, const struct insn *in)
{
    bool nm = in->sub == SUB_FWAIT ? ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
                                  : (c->cr0 & (CR0_EM | CR0_TS)) != 0;
    if (nm)
        cpu_fault(c, EXC_NM, 0);
    u16 *fcw = (u16 *)&c->fpu_state[0], *fsw = (u16 *)&c->fpu_state[2];
    switch (in->sub) {
    case SUB_FNINIT: *fcw = 0x37f; *fsw = 0; c->fpu_state[4] = 0; break;
    case SUB_FNSTSW: opnd_write(c, in, 0, *fsw); break;
    case SUB_FNSTCW: opnd_write(c, in, 0, *fcw); break;
    case SUB_FLDCW: *fcw = (u16)opnd_read(c, in, 0); break;
    default: break;   /* FWAIT, FNOP: nothing pending */
    }
}

/* ---- SYSENTER/SYSEXIT (SDM 2B "SYSENTER", "SYSEXIT") ---- */

void exec_sysenter(struct cpu *c, const struct insn *in)
{
    (void)in;
    bool lma = c->efer & EFER_LMA;
    if (lma && c->model.vendor == VENDOR_AMD)
        cpu_fault(c, EXC_UD, 0);   /* AMD: #UD in long mode (APM 3 "SYSENTER") */
    u16 cs = (u16)c->msr.sysenter_cs;
    if (c->mode == MODE_REAL || (cs & 0xfffc) == 0)
        cpu_fault(c, EXC_GP, 0);
    c->rflags &= ~(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF);
    flat_seg(&c->seg[SEG_CS], cs & 0xfffc, 0x9b | SEG_AR_G | (lma ? SEG_AR_L : SEG_AR_DB));
    flat_seg(&c->seg[SEG_SS], (cs + 8) & 0xfffc, 0x93 | SEG_AR_DB | SEG_AR_G);
    c->cpl = 0;
    cpu_update_mode(c);
    c->rip = lma ? c->msr.sysenter_eip : (u32)c->msr.sysenter_eip;
    c->gpr[RSP] = lma ? c->msr.sysenter_esp : (u32)c->msr.sysenter_esp;
}

void exec_sysexit(struct cpu *c, const struct insn *in)
{
    bool lma = c->efer & EFER_LMA;
    if (lma && c->model.vendor == VENDOR_AMD)
        cpu_fault(c, EXC_UD, 0);
    u16 cs = (u16)c->msr.sysenter_cs;
    if (c->mode == MODE_REAL || c->mode == MODE_V86 || c->cpl != 0 || (cs & 0xfffc) == 0)
        cpu_fault(c, EXC_GP, 0);
    bool to64 = in->opsize == 8;
    if (to64 && (!bits_is_canonical(c->gpr[RDX], c->la_width) || !bits_is_canonical(c->gpr[RCX], c->la_width)))
        cpu_fault(c, EXC_GP, 0);
    if (to64) {
        flat_seg(&c->seg[SEG_CS], (u16)((cs + 32) | 3), 0xfb | SEG_AR_L | SEG_AR_G);
        flat_seg(&c->seg[SEG_SS], (u16)((cs + 40) | 3), 0xf3 | SEG_AR_DB | SEG_AR_G);
    } else {
        flat_seg(&c->seg[SEG_CS], (u16)((cs + 16) | 3), 0xfb | SEG_AR_DB | SEG_AR_G);
        flat_seg(&c->seg[SEG_SS], (u16)((cs + 24) | 3), 0xf3 | SEG_AR_DB | SEG_AR_G);
    }
    c->cpl = 3;
    cpu_update_mode(c);
    c->rip = to64 ? c->gpr[RDX] : (u32)c->gpr[RDX];
    c->gpr[RSP] = to64 ? c->gpr[RCX] : (u32)c->gpr[RCX];
}
