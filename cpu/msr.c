/* cpu/msr.c — RDMSR/WRMSR semantics. Unknown MSRs raise #GP(0), as on hardware. */
#include "cpu/msr.h"

#include "base/bits.h"
#include "cpu/pmu.h"
#include "vmx/hooks.h"

#define MCE_BANKS 10

static bool is_canonical_msr(const struct cpu *c, u64 v)
{
    return bits_is_canonical(v, c->la_width);
}

static u64 efer_allowed(const struct cpu *c)
{
    u64 ok = 0;
    if (model_has(&c->model, FEAT_SYSCALL)) ok |= EFER_SCE;
    if (model_has(&c->model, FEAT_LM)) ok |= EFER_LME | EFER_LMA;
    if (model_has(&c->model, FEAT_NX)) ok |= EFER_NXE;
    if (model_has(&c->model, FEAT_SVM)) ok |= EFER_SVME;
    return ok;
}

static bool mtrr_type_ok(u64 t)
{
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

bool msr_read(struct cpu *c, u32 idx, u64 *v)
{
    struct cpu_msrs *m = &c->msr;
    bool intel = c->model.vendor == VENDOR_INTEL;
    bool ok;
    if (c->apic.msr_read && c->apic.msr_read(c->apic.opaque, idx, v, &ok))
        return ok;   /* IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC registers */
    if (pmu_msr_read(c, idx, v, &ok))
        return ok;
    switch (idx) {
    case MSR_IA32_TSC: *v = cpu_read_tsc(c); return true;
    case MSR_IA32_PLATFORM_ID: *v = 0; return intel;
    case MSR_IA32_APIC_BASE: *v = m->apic_base; return true;
    case MSR_IA32_FEATURE_CONTROL: *v = m->feature_control; return intel;
    case MSR_IA32_TSC_ADJUST: *v = m->tsc_adjust; return model_has(&c->model, FEAT_TSC_ADJUST);
    case MSR_IA32_SPEC_CTRL: *v = m->spec_ctrl; return false;
    case MSR_IA32_BIOS_SIGN_ID: *v = 0; return true;
    case MSR_IA32_MPERF: case MSR_IA32_APERF: *v = c->cycles; return true;
    case MSR_IA32_MTRRCAP: *v = 0x508; return true;   /* 8 variable, fixed, WC */
    case MSR_IA32_SYSENTER_CS: *v = m->sysenter_cs; return true;
    case MSR_IA32_SYSENTER_ESP: *v = m->sysenter_esp; return true;
    case MSR_IA32_SYSENTER_EIP: *v = m->sysenter_eip; return true;
    case MSR_IA32_MCG_CAP: *v = MCE_BANKS | BIT(8); return true;   /* count, MCG_CTL_P (SDM 3B §16.3.1.1) */
    case MSR_IA32_MCG_STATUS: *v = m->mcg_status; return true;
    case MSR_IA32_MCG_CTL: *v = m->mcg_ctl; return true;
    case MSR_IA32_MISC_ENABLE: *v = m->misc_enable; return intel;
    case MSR_IA32_DEBUGCTL: *v = m->debugctl; return true;
    case MSR_IA32_PAT: *v = m->pat; return true;
    case MSR_IA32_MTRR_DEF_TYPE: *v = m->mtrr_def_type; return true;
    case MSR_IA32_MTRR_FIX64K: *v = m->mtrr_fix[0]; return true;
    case MSR_IA32_MTRR_FIX16K_80000: *v = m->mtrr_fix[1]; return true;
    case MSR_IA32_MTRR_FIX16K_A0000: *v = m->mtrr_fix[2]; return true;
    case MSR_IA32_PERF_CAPABILITIES: *v = 0; return intel;
    case MSR_EFER: *v = c->efer; return true;
    case MSR_STAR: *v = m->star; return true;
    case MSR_LSTAR: *v = m->lstar; return true;
    case MSR_CSTAR: *v = m->cstar; return true;
    case MSR_SFMASK: *v = m->sfmask; return true;
    case MSR_FS_BASE: *v = c->seg[SEG_FS].base; return true;
    case MSR_GS_BASE: *v = c->seg[SEG_GS].base; return true;
    case MSR_KERNEL_GS_BASE: *v = m->kernel_gs_base; return true;
    case MSR_TSC_AUX: *v = m->tsc_aux; return model_has(&c->model, FEAT_RDTSCP) || model_has(&c->model, FEAT_RDPID);
    }
    if (idx >= 0x480 && idx <= 0x491)
        return vmx_msr_read(c, idx, v);   /* IA32_VMX_* capabilities (vmx/caps.c) */
    if (idx >= MSR_IA32_MTRR_FIX4K_C0000 && idx < MSR_IA32_MTRR_FIX4K_C0000 + 8) {
        *v = m->mtrr_fix[3 + idx - MSR_IA32_MTRR_FIX4K_C0000];
        return true;
    }
    if (idx >= MSR_IA32_MTRR_PHYSBASE0 && idx < MSR_IA32_MTRR_PHYSBASE0 + 16) {
        *v = m->mtrr_var[idx - MSR_IA32_MTRR_PHYSBASE0];
        return true;
    }
    if (idx >= MSR_IA32_MC0_CTL && idx < MSR_IA32_MC0_CTL + 4 * MCE_BANKS) {
        *v = m->mc_regs[idx - MSR_IA32_MC0_CTL];
        return true;
    }
    return false;
}

bool msr_write(struct cpu *c, u32 idx, u64 v)
{
    struct cpu_msrs *m = &c->msr;
    bool intel = c->model.vendor == VENDOR_INTEL;
    bool ok;
    if (c->apic.msr_write && c->apic.msr_write(c->apic.opaque, idx, v, &ok)) {
        if (ok && idx == MSR_IA32_APIC_BASE) {
            bool r;
            (void)c->apic.msr_read(c->apic.opaque, idx, &m->apic_base, &r);   /* keep the mirror CPUID reads */
            cpu_apic_changed(c);
        }
        c->attention = true;   /* the timer or a pending interrupt may have changed */
        return ok;
    }
    if (pmu_msr_write(c, idx, v, &ok))
        return ok;
    switch (idx) {
    case MSR_IA32_TSC:
        /* Writing the TSC moves TSC_ADJUST by the same delta (SDM 3B §18.17.3). */
        m->tsc_adjust += v - cpu_read_tsc(c);
        m->tsc_offset = v - c->cycles;
        return true;
    case MSR_IA32_APIC_BASE:
        if (v & (GENMASK(63, c->model.maxphyaddr) | 0x2ff))
            return false;
        m->apic_base = (v & ~0x100ull) | (m->apic_base & 0x100);
        c->attention = true;
        return true;
    case MSR_IA32_FEATURE_CONTROL:
        if (!intel || (m->feature_control & 1) || (v & ~0x7ull))
            return false;   /* locked, or reserved bits */
        m->feature_control = v;
        return true;
    case MSR_IA32_TSC_ADJUST:
        if (!model_has(&c->model, FEAT_TSC_ADJUST))
            return false;
        m->tsc_offset += v - m->tsc_adjust;
        m->tsc_adjust = v;
        return true;
    case MSR_IA32_BIOS_SIGN_ID: return true;
    case MSR_IA32_SYSENTER_CS: m->sysenter_cs = v & 0xffff; return true;
    case MSR_IA32_SYSENTER_ESP: if (!is_canonical_msr(c, v)) return false; m->sysenter_esp = v; return true;
    case MSR_IA32_SYSENTER_EIP: if (!is_canonical_msr(c, v)) return false; m->sysenter_eip = v; return true;
    case MSR_IA32_MCG_STATUS: m->mcg_status = v; return true;
    case MSR_IA32_MCG_CTL: m->mcg_ctl = v; return true;
    case MSR_IA32_MISC_ENABLE: if (!intel) return false; m->misc_enable = v; return true;
    case MSR_IA32_DEBUGCTL: if (v & ~0x3ull) return false; m->debugctl = v; return true;
    case MSR_IA32_PAT:
        for (int i = 0; i < 8; i++) {
            u64 t = (v >> (8 * i)) & 0xff;
            if (t > 7 || t == 2 || t == 3)
                return false;
        }
        m->pat = v;
        return true;
    case MSR_IA32_MTRR_DEF_TYPE:
        if ((v & ~0xcffull) || !mtrr_type_ok(v & 0xff))
            return false;
        m->mtrr_def_type = v;
        return true;
    case MSR_IA32_MTRR_FIX64K: m->mtrr_fix[0] = v; return true;
    case MSR_IA32_MTRR_FIX16K_80000: m->mtrr_fix[1] = v; return true;
    case MSR_IA32_MTRR_FIX16K_A0000: m->mtrr_fix[2] = v; return true;
    case MSR_EFER: {
        if (v & ~efer_allowed(c))
            return false;
        /* LME cannot change while paging is on; LMA is read-only (SDM 3A §10.8.5). */
        if ((c->cr0 & CR0_PG) && ((v ^ c->efer) & EFER_LME))
            return false;
        c->efer = (v & ~EFER_LMA) | (c->efer & EFER_LMA);
        cpu_update_mode(c);
        cpu_tlb_flush_paging_ctl(c);   /* NXE changes permissions */
        return true;
    }
    case MSR_STAR: m->star = v; return true;
    case MSR_LSTAR: if (!is_canonical_msr(c, v)) return false; m->lstar = v; return true;
    case MSR_CSTAR: if (!is_canonical_msr(c, v)) return false; m->cstar = v; return true;
    case MSR_SFMASK: m->sfmask = v & 0xffffffffull; return true;
    case MSR_FS_BASE: if (!is_canonical_msr(c, v)) return false; c->seg[SEG_FS].base = v; return true;
    case MSR_GS_BASE: if (!is_canonical_msr(c, v)) return false; c->seg[SEG_GS].base = v; return true;
    case MSR_KERNEL_GS_BASE: if (!is_canonical_msr(c, v)) return false; m->kernel_gs_base = v; return true;
    case MSR_TSC_AUX:
        if (v >> 32 || !(model_has(&c->model, FEAT_RDTSCP) || model_has(&c->model, FEAT_RDPID)))
            return false;
        m->tsc_aux = v;
        return true;
    }
    if (idx >= MSR_IA32_MTRR_FIX4K_C0000 && idx < MSR_IA32_MTRR_FIX4K_C0000 + 8) {
        m->mtrr_fix[3 + idx - MSR_IA32_MTRR_FIX4K_C0000] = v;
        return true;
    }
    if (idx >= MSR_IA32_MTRR_PHYSBASE0 && idx < MSR_IA32_MTRR_PHYSBASE0 + 16) {
        m->mtrr_var[idx - MSR_IA32_MTRR_PHYSBASE0] = v;
        return true;
    }
    if (idx >= MSR_IA32_MC0_CTL && idx < MSR_IA32_MC0_CTL + 4 * MCE_BANKS) {
        unsigned reg = (idx - MSR_IA32_MC0_CTL) & 3;
        /* MCi_CTL takes all 0s or all 1s (SDM 3B §16.3.2.1; bits 0 and 10 may be clear, as
           some parts hard-wire them); MCi_STATUS can only be cleared: writing a 1 bit is
           #GP (SDM 3B §16.3.2.2). MCi_ADDR/MISC take any value. */
        if (reg == 0 && v != 0 && (v | BIT(10) | 1) != ~0ull)
            return false;
        if (reg == 1 && v != 0)
            return false;
        m->mc_regs[idx - MSR_IA32_MC0_CTL] = v;
        return true;
    }
    return false;
}
