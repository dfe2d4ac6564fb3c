/* vmx/insn.c — VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH,
 * VMRESUME and VMCALL, following the Operation sections of SDM 3C Chapter 31. */
#include "vmx/insn.h"

#include "cpu/events.h"
#include "cpu/operand.h"
#include "mmu/ept.h"
#include "vmx/vmx.h"

/* VM-exit instruction information for VMX instructions (SDM 3C §28.2.5 Table 28-13):
 * scaling, address size, memory/register, segment, index, base and the register operand. */
static u32 insn_info(const struct insn *in, int mem_or_reg1, int reg2)
{
    u32 info = 0;
    const struct opnd *o = mem_or_reg1 >= 0 ? &in->op[mem_or_reg1] : NULL;
    if (o && o->kind == OPND_MEM) {
        unsigned scale = o->scale == 8 ? 3 : o->scale == 4 ? 2 : o->scale == 2 ? 1 : 0;
        info |= scale;
        info |= (in->addrsize == 8 ? 2u : in->addrsize == 4 ? 1u : 0u) << 7;
        info |= (u32)o->seg << 15;
        if (o->index == OPND_BASE_NONE) info |= BIT(22); else info |= (u32)o->index << 18;
        if (o->base == OPND_BASE_NONE || o->base == OPND_BASE_RIP) info |= BIT(27); else info |= (u32)o->base << 23;
    } else if (o && o->kind == OPND_REG) {
        info |= BIT(10) | (u32)o->reg << 3;
    }
    if (reg2 >= 0)
        info |= (u32)in->op[reg2].reg << 28;
    return info;
}

u32 vmx_insn_info(const struct insn *in, int mem_or_reg1, int reg2)
{
    return insn_info(in, mem_or_reg1, reg2);
}

static u64 mem_qual(const struct insn *in, int mem)
{
    return (mem >= 0 && in->op[mem].kind == OPND_MEM) ? in->op[mem].disp : 0;
}

static bool compat_or_v86(const struct cpu *c)
{
    return (c->rflags & RFLAGS_VM) || ((c->efer & EFER_LMA) && !(c->seg[SEG_CS].ar & SEG_AR_L));
}

/* The checks every VMX instruction but VMXON starts with: #UD outside VMX operation or in
 * compatibility/virtual-8086 mode, VM exit in non-root operation, #GP(0) at CPL > 0. */
static void vmx_prologue(struct cpu *c, const struct insn *in, u32 reason, int mem, int reg2)
{
    if (!c->vmx_on || !(c->cr0 & CR0_PE) || compat_or_v86(c))
        cpu_fault(c, EXC_UD, 0);
    if (c->vmx_nonroot)
        vmx_exit_insn(c, in, reason, mem_qual(in, mem), insn_info(in, mem, reg2));
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
}

static u64 read_m64(struct cpu *c, const struct insn *in, int i)
{
    const struct opnd *o = &in->op[i];
    if (o->kind != OPND_MEM)
        cpu_fault(c, EXC_UD, 0);
    return mem_read(c, o->seg, opnd_ea(c, in, o), 8);
}

static bool bad_vmcs_addr(const struct cpu *c, u64 pa)
{
    return (pa & 0xfff) || (pa >> c->vmx->caps.maxphyaddr);
}

void exec_vmxon(struct cpu *c, const struct insn *in)
{
    struct vmx_cpu *x = c->vmx;
    if (in->op[0].kind != OPND_MEM || !(c->cr0 & CR0_PE) || !(c->cr4 & CR4_VMXE) || compat_or_v86(c) ||
        !vmx_caps_msr(&x->caps, MSR_IA32_VMX_BASIC))
        cpu_fault(c, EXC_UD, 0);
    if (!c->vmx_on) {
        /* IA32_FEATURE_CONTROL: lock (bit 0) and VMXON outside SMX (bit 2). */
        u64 fc = c->msr.feature_control;
        if (c->cpl != 0 || !vmx_caps_cr0_ok(&x->caps, c->cr0) || !vmx_caps_cr4_ok(&x->caps, c->cr4) ||
            !(fc & 1) || !(fc & 4))
            cpu_fault(c, EXC_GP, 0);
        u64 pa = read_m64(c, in, 0);
        if (bad_vmcs_addr(c, pa)) {
            vmx_fail_invalid(c);
            return;
        }
        u32 rev = (u32)phys_read(c, pa, 4);
        if (rev != VMX_REVISION) {   /* bits 30:0 must match and bit 31 must be 0 */
            vmx_fail_invalid(c);
            return;
        }
        x->vmxon_ptr = pa;
        x->current = VMX_NO_VMCS;
        c->vmx_on = true;   /* INIT is now blocked (SDM 3C §24.8) */
        vmx_succeed(c);
        return;
    }
    if (c->vmx_nonroot)
        vmx_exit_insn(c, in, EXIT_REASON_VMXON, mem_qual(in, 0), insn_info(in, 0, -1));
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
    vmx_fail(c, VMXERR_VMXON_IN_ROOT);
}

void exec_vmxoff(struct cpu *c, const struct insn *in)
{
    vmx_prologue(c, in, EXIT_REASON_VMXOFF, -1, -1);
    /* Leaving VMX operation; hvsim also writes the current VMCS back, which the SDM allows
       (software must VMCLEAR first for defined results). */
    vmx_vmcs_flush(c);
    c->vmx->current = VMX_NO_VMCS;
    c->vmx_on = false;
    vmx_succeed(c);
    if (c->init_pending)
        c->attention = true;   /* a blocked INIT is now taken */
}

void exec_vmclear(struct cpu *c, const struct insn *in)
{
    struct vmx_cpu *x = c->vmx;
    vmx_prologue(c, in, EXIT_REASON_VMCLEAR, 0, -1);
    u64 pa = read_m64(c, in, 0);
    if (bad_vmcs_addr(c, pa)) {
        vmx_fail(c, VMXERR_VMCLEAR_BAD_ADDR);
        return;
    }
    if (pa == x->vmxon_ptr) {
        vmx_fail(c, VMXERR_VMCLEAR_VMXON_PTR);
        return;
    }
    if (pa == x->current) {
        x->launch = VMCS_CLEAR;
        vmx_vmcs_flush(c);
        x->current = VMX_NO_VMCS;
    } else {
        phys_write(c, pa + VMCS_REGION_LAUNCH, 4, VMCS_CLEAR);
    }
    vmx_succeed(c);
}

void exec_vmptrld(struct cpu *c, const struct insn *in)
{
    struct vmx_cpu *x = c->vmx;
    vmx_prologue(c, in, EXIT_REASON_VMPTRLD, 0, -1);
    u64 pa = read_m64(c, in, 0);
    if (bad_vmcs_addr(c, pa)) {
        vmx_fail(c, VMXERR_VMPTRLD_BAD_ADDR);
        return;
    }
    if (pa == x->vmxon_ptr) {
        vmx_fail(c, VMXERR_VMPTRLD_VMXON_PTR);
        return;
    }
    u32 rev = (u32)phys_read(c, pa, 4);
    /* Bit 31 (shadow VMCS) needs VMCS shadowing, which is not advertised. */
    if (rev != VMX_REVISION) {
        vmx_fail(c, VMXERR_VMPTRLD_BAD_REVISION);
        return;
    }
    if (pa != x->current) {
        vmx_vmcs_flush(c);
        vmx_vmcs_load(c, pa);
    }
    vmx_succeed(c);
}

void exec_vmptrst(struct cpu *c, const struct insn *in)
{
    vmx_prologue(c, in, EXIT_REASON_VMPTRST, 0, -1);
    const struct opnd *o = &in->op[0];
    if (o->kind != OPND_MEM)
        cpu_fault(c, EXC_UD, 0);
    mem_write(c, o->seg, opnd_ea(c, in, o), 8, c->vmx->current);
    vmx_succeed(c);
}

/* Field encoding from a register operand; encodings with bits 63:32 set name no field. */
static const struct vmcs_field_info *field_of(struct cpu *c, u64 enc, bool *high)
{
    const struct vmcs_field_info *f = enc >> 32 ? NULL : vmcs_field_lookup((u32)enc, high);
    if (f && !vmx_caps_field_exists(&c->vmx->caps, f))
        f = NULL;
    return f;
}

void exec_vmread(struct cpu *c, const struct insn *in)
{
    struct vmx_cpu *x = c->vmx;
    vmx_prologue(c, in, EXIT_REASON_VMREAD, 0, 1);
    if (x->current == VMX_NO_VMCS) {
        vmx_fail_invalid(c);
        return;
    }
    unsigned sz = c->mode == MODE_LONG64 ? 8 : 4;
    bool high = false;
    const struct vmcs_field_info *f = field_of(c, gpr_read(c, in->op[1].reg, sz), &high);
    if (!f) {
        vmx_fail_valid(c, VMXERR_UNSUPPORTED_FIELD);
        return;
    }
    u64 v = vmcs_get(&x->vmcs, f);
    if (high)
        v >>= 32;
    const struct opnd *d = &in->op[0];
    if (d->kind == OPND_MEM)
        mem_write(c, d->seg, opnd_ea(c, in, d), sz, v);
    else
        gpr_write(c, d->reg, sz, v);
    vmx_succeed(c);
}

void exec_vmwrite(struct cpu *c, const struct insn *in)
{
    struct vmx_cpu *x = c->vmx;
    vmx_prologue(c, in, EXIT_REASON_VMWRITE, 1, 0);
    if (x->current == VMX_NO_VMCS) {
        vmx_fail_invalid(c);
        return;
    }
    unsigned sz = c->mode == MODE_LONG64 ? 8 : 4;
    const struct opnd *s = &in->op[1];
    u64 v = s->kind == OPND_MEM ? mem_read(c, s->seg, opnd_ea(c, in, s), sz) : gpr_read(c, s->reg, sz);
    bool high = false;
    const struct vmcs_field_info *f = field_of(c, gpr_read(c, in->op[0].reg, sz), &high);
    if (!f) {
        vmx_fail_valid(c, VMXERR_UNSUPPORTED_FIELD);
        return;
    }
    if (f->type == RO && !(vmx_caps_msr(&x->caps, MSR_IA32_VMX_MISC) & VMX_MISC_VMWRITE_RO)) {
        vmx_fail_valid(c, VMXERR_VMWRITE_RO);
        return;
    }
    if (high)
        v = (vmcs_get(&x->vmcs, f) & 0xffffffffull) | (v << 32);
    vmcs_set(&x->vmcs, f, v);
    vmx_succeed(c);
}

static void launch_or_resume(struct cpu *c, const struct insn *in, bool launch)
{
    struct vmx_cpu *x = c->vmx;
    vmx_prologue(c, in, launch ? EXIT_REASON_VMLAUNCH : EXIT_REASON_VMRESUME, -1, -1);
    if (x->current == VMX_NO_VMCS) {
        vmx_fail_invalid(c);
        return;
    }
    /* Blocking by MOV SS: the shadow of a MOV SS/POP SS right before this instruction. */
    if (c->intr_shadow && c->shadow_at == c->insns && c->movss_shadow) {
        vmx_fail_valid(c, VMXERR_ENTRY_MOVSS);
        return;
    }
    if (launch && x->launch != VMCS_CLEAR) {
        vmx_fail_valid(c, VMXERR_VMLAUNCH_NOT_CLEAR);
        return;
    }
    if (!launch && x->launch != VMCS_LAUNCHED) {
        vmx_fail_valid(c, VMXERR_VMRESUME_NOT_LAUNCHED);
        return;
    }
    vmx_vmentry(c, launch);
}

void exec_vmlaunch(struct cpu *c, const struct insn *in) { launch_or_resume(c, in, true); }
void exec_vmresume(struct cpu *c, const struct insn *in) { launch_or_resume(c, in, false); }

void exec_vmcall(struct cpu *c, const struct insn *in)
{
    if (!c->vmx_on)
        cpu_fault(c, EXC_UD, 0);
    if (c->vmx_nonroot)
        vmx_exit_insn(c, in, EXIT_REASON_VMCALL, 0, 0);
    if (compat_or_v86(c))
        cpu_fault(c, EXC_UD, 0);
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
    /* No dual-monitor treatment: IA32_SMM_MONITOR_CTL[0] = 0 (SDM 3C "VMCALL" Operation). */
    vmx_fail(c, VMXERR_VMCALL_ROOT);
}

/* The 128-bit descriptor of INVEPT/INVVPID (operand 1, memory only). */
static void read_desc(struct cpu *c, const struct insn *in, u64 desc[2])
{
    const struct opnd *o = &in->op[1];
    if (o->kind != OPND_MEM)
        cpu_fault(c, EXC_UD, 0);
    u64 ea = opnd_ea(c, in, o);
    desc[0] = mem_read(c, o->seg, ea, 8);
    desc[1] = mem_read(c, o->seg, ea + 8, 8);
}

static u64 ept_vpid_cap(const struct cpu *c)
{
    return vmx_caps_msr(&c->vmx->caps, MSR_IA32_VMX_EPT_VPID_CAP);
}

/* INVEPT (SDM 3C §31.3 "INVEPT" Operation): type 1 single-context (the EP4TA of a valid
 * EPTP), type 2 all contexts; any other type, or an EPTP that VM entry would reject, is
 * VMfail(28). */
void exec_invept(struct cpu *c, const struct insn *in)
{
    u64 cap = c->vmx_on ? ept_vpid_cap(c) : 0;
    if (!(cap & EPT_CAP_INVEPT))
        cpu_fault(c, EXC_UD, 0);
    vmx_prologue(c, in, EXIT_REASON_INVEPT, 1, 0);
    u64 type = gpr_read(c, in->op[0].reg, c->mode == MODE_LONG64 ? 8 : 4);
    bool ok = (type == VMX_INVEPT_SINGLE && (cap & EPT_CAP_INVEPT_SINGLE)) ||
              (type == VMX_INVEPT_ALL && (cap & EPT_CAP_INVEPT_ALL));
    if (!ok) {
        vmx_fail(c, VMXERR_INVEPT_INVVPID);
        return;
    }
    u64 desc[2];
    read_desc(c, in, desc);
    if (type == VMX_INVEPT_SINGLE && !ept_eptp_valid(desc[0], cap, c->model.maxphyaddr)) {
        vmx_fail(c, VMXERR_INVEPT_INVVPID);
        return;
    }
    vmx_invept_flush(c, (unsigned)type, desc[0]);
    vmx_succeed(c);
}

/* INVVPID (SDM 3C §31.3 "INVVPID" Operation): type 0 individual address, 1 single context,
 * 2 all contexts but VPID 0, 3 single context retaining globals. */
void exec_invvpid(struct cpu *c, const struct insn *in)
{
    u64 cap = c->vmx_on ? ept_vpid_cap(c) : 0;
    if (!(cap & EPT_CAP_INVVPID))
        cpu_fault(c, EXC_UD, 0);
    vmx_prologue(c, in, EXIT_REASON_INVVPID, 1, 0);
    u64 type = gpr_read(c, in->op[0].reg, c->mode == MODE_LONG64 ? 8 : 4);
    if (type > 3 || !(cap & (EPT_CAP_INVVPID_ADDR << type))) {
        vmx_fail(c, VMXERR_INVEPT_INVVPID);
        return;
    }
    u64 desc[2];
    read_desc(c, in, desc);
    u16 vpid = (u16)desc[0];
    bool bad = (desc[0] >> 16) != 0 ||
               (type != VMX_INVVPID_ALL && vpid == 0) ||
               (type == VMX_INVVPID_ADDR && !bits_is_canonical(desc[1], c->la_width));
    if (bad) {
        vmx_fail(c, VMXERR_INVEPT_INVVPID);
        return;
    }
    vmx_invvpid_flush(c, (unsigned)type, vpid, desc[1]);
    vmx_succeed(c);
}
