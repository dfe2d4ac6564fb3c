/* vmx/intercept.c — what causes VM exits in VMX non-root operation (SDM 3C §26.1-26.3):
 * instruction intercepts, I/O and MSR bitmaps, CR/DR access, the exception bitmap, and the
 * boundary events (INIT, NMI, external interrupt, interrupt window). */
#include "cpu/events.h"
#include "cpu/exec.h"
#include "cpu/operand.h"
#include "vmx/hooks.h"
#include "vmx/vmx.h"

static u32 proc2_of(const struct vmcs *v)
{
    return (v->proc_controls & PROC_SECONDARY) ? v->proc2_controls : 0;
}

/* MSR bitmap lookup (SDM 3C §25.6.9): read-low, read-high, write-low, write-high KiB. */
static bool msr_exits(struct cpu *c, u32 idx, bool write)
{
    const struct vmcs *v = &c->vmx->vmcs;
    if (!(v->proc_controls & PROC_MSR_BITMAPS))
        return true;
    u64 off;
    if (idx <= 0x1fff)
        off = 0;
    else if (idx >= 0xc0000000u && idx <= 0xc0001fffu)
        off = 0x400;
    else
        return true;
    if (write)
        off += 0x800;
    u32 bit = idx & 0x1fff;
    return (phys_read(c, v->msr_bitmap + off + bit / 8, 1) >> (bit % 8)) & 1;
}

void vmx_intercept(struct cpu *c, const struct insn *in, enum vmx_icpt what)
{
    const struct vmcs *v = &c->vmx->vmcs;
    u32 proc = v->proc_controls, proc2 = proc2_of(v);
    switch (what) {
    case ICPT_CPUID: vmx_exit_insn(c, in, EXIT_REASON_CPUID, 0, 0);
    case ICPT_GETSEC: vmx_exit_insn(c, in, EXIT_REASON_GETSEC, 0, 0);
    case ICPT_INVD: vmx_exit_insn(c, in, EXIT_REASON_INVD, 0, 0);
    case ICPT_XSETBV: vmx_exit_insn(c, in, EXIT_REASON_XSETBV, 0, 0);
    case ICPT_HLT:
        if (proc & PROC_HLT)
            vmx_exit_insn(c, in, EXIT_REASON_HLT, 0, 0);
        return;
    case ICPT_INVLPG:
        if (proc & PROC_INVLPG) {
            const struct opnd *o = &in->op[0];
            u64 ea = o->kind == OPND_MEM ? opnd_ea(c, in, o) : 0;
            la_t la = (c->mode == MODE_LONG64 && o->seg < SEG_FS) ? ea : c->seg[o->seg].base + ea;
            if (c->mode != MODE_LONG64)
                la = (u32)la;
            vmx_exit_insn(c, in, EXIT_REASON_INVLPG, la, 0);
        }
        return;
    case ICPT_RDTSC:
        if (proc & PROC_RDTSC)
            vmx_exit_insn(c, in, EXIT_REASON_RDTSC, 0, 0);
        return;
    case ICPT_RDTSCP:
        /* SDM 3C §26.3: RDTSCP with "enable RDTSCP" = 0 is #UD. */
        if (!(proc2 & PROC2_RDTSCP))
            cpu_fault(c, EXC_UD, 0);
        if (proc & PROC_RDTSC)
            vmx_exit_insn(c, in, EXIT_REASON_RDTSCP, 0, 0);
        return;
    case ICPT_RDMSR:
    case ICPT_WRMSR: {
        bool wr = what == ICPT_WRMSR;
        if (msr_exits(c, (u32)c->gpr[RCX], wr))
            vmx_exit_insn(c, in, wr ? EXIT_REASON_WRMSR : EXIT_REASON_RDMSR, 0, 0);
        return;
    }
    case ICPT_WBINVD:
        if (proc2 & PROC2_WBINVD)
            vmx_exit_insn(c, in, EXIT_REASON_WBINVD, 0, 0);
        return;
    case ICPT_RDRAND:
        if (proc2 & PROC2_RDRAND)
            vmx_exit_insn(c, in, EXIT_REASON_RDRAND, 0, (u32)in->op[0].reg << 3 | (in->opsize == 8 ? 2u : in->opsize == 4 ? 1u : 0u) << 11);
        return;
    case ICPT_RDSEED:
        if (proc2 & PROC2_RDSEED)
            vmx_exit_insn(c, in, EXIT_REASON_RDSEED, 0, (u32)in->op[0].reg << 3 | (in->opsize == 8 ? 2u : in->opsize == 4 ? 1u : 0u) << 11);
        return;
    case ICPT_RDPMC:
        if (proc & PROC_RDPMC)
            vmx_exit_insn(c, in, EXIT_REASON_RDPMC, 0, 0);
        return;
    case ICPT_PAUSE:
        if (proc & PROC_PAUSE)
            vmx_exit_insn(c, in, EXIT_REASON_PAUSE, 0, 0);
        return;
    case ICPT_MWAIT:
        /* SDM 3C §28.2.1: bit 0 of the qualification is set if the monitor was armed. */
        if (proc & PROC_MWAIT)
            vmx_exit_insn(c, in, EXIT_REASON_MWAIT, c->monitor_armed ? 1 : 0, 0);
        return;
    case ICPT_MONITOR:
        if (proc & PROC_MONITOR)
            vmx_exit_insn(c, in, EXIT_REASON_MONITOR, 0, 0);
        return;
    case ICPT_RDPID:
        if (!(proc2 & PROC2_RDTSCP))
            cpu_fault(c, EXC_UD, 0);   /* SDM 3C §26.3: RDPID needs "enable RDTSCP" */
        return;
    case ICPT_DESC_GDT_IDT:
    case ICPT_DESC_LDT_TR:
        if (proc2 & PROC2_DESC_TABLE) {
            /* SDM 3C §28.2.5 Tables 28-10/28-11: identity in bits 29:28. */
            bool gdt = what == ICPT_DESC_GDT_IDT;
            unsigned id = gdt ? (in->sub == SUB_SGDT ? 0 : in->sub == SUB_SIDT ? 1 : in->sub == SUB_LGDT ? 2 : 3)
                              : (in->sub == SUB_SLDT ? 0 : in->sub == SUB_STR ? 1 : in->sub == SUB_LLDT ? 2 : 3);
            const struct opnd *o = &in->op[0];
            u32 info = (u32)id << 28;
            if (o->kind == OPND_MEM) {
                info |= (o->scale == 8 ? 3u : o->scale == 4 ? 2u : o->scale == 2 ? 1u : 0u);
                info |= (in->addrsize == 8 ? 2u : in->addrsize == 4 ? 1u : 0u) << 7;
                info |= (u32)o->seg << 15;
                info |= o->index == OPND_BASE_NONE ? BIT(22) : (u32)o->index << 18;
                info |= (o->base == OPND_BASE_NONE || o->base == OPND_BASE_RIP) ? BIT(27) : (u32)o->base << 23;
                if (gdt && in->opsize != 2)
                    info |= BIT(11);   /* 32-bit operand size */
            } else {
                info |= BIT(10) | (u32)o->reg << 3;
            }
            vmx_exit_insn(c, in, gdt ? EXIT_REASON_GDTR_IDTR : EXIT_REASON_LDTR_TR,
                          o->kind == OPND_MEM ? o->disp : 0, info);
        }
        return;
    case ICPT_INVPCID:
        /* SDM 3C §26.3: #UD without "enable INVPCID", ahead of every other exception; then
           the mode/CPL checks, then a VM exit if "INVLPG exiting" (§26.1.3), qualification
           and instruction information as for INVEPT (§28.2.1, §28.2.5). */
        if (!(proc2 & PROC2_INVPCID) || c->mode == MODE_V86)
            cpu_fault(c, EXC_UD, 0);
        if (c->cpl != 0)
            cpu_fault(c, EXC_GP, 0);
        if (proc & PROC_INVLPG)
            vmx_exit_insn(c, in, EXIT_REASON_INVPCID, in->op[1].disp, vmx_insn_info(in, 1, 0));
        return;
    }
}

/* I/O bitmaps (SDM 3C §25.6.4, §26.1.3): an access exits if any of its ports has its bit
 * set, or if it wraps past FFFFH. */
static bool io_exits(struct cpu *c, u16 port, unsigned size)
{
    const struct vmcs *v = &c->vmx->vmcs;
    if (!(v->proc_controls & PROC_IO_BITMAPS))
        return v->proc_controls & PROC_UNCOND_IO;
    for (unsigned i = 0; i < size; i++) {
        u32 p = (u32)port + i;
        if (p > 0xffff)
            return true;
        u64 bm = p < 0x8000 ? v->io_bitmap_a : v->io_bitmap_b;
        p &= 0x7fff;
        if ((phys_read(c, bm + p / 8, 1) >> (p % 8)) & 1)
            return true;
    }
    return false;
}

void vmx_intercept_io(struct cpu *c, const struct insn *in, u16 port, unsigned size, bool is_in,
                      bool string, bool rep)
{
    if (!io_exits(c, port, size))
        return;
    /* Exit qualification, SDM 3C Table 28-5. */
    bool imm = !string && (is_in ? in->op[1].kind == OPND_IMM : in->op[0].kind == OPND_IMM);
    u64 qual = (size - 1) | (is_in ? BIT(3) : 0) | (string ? BIT(4) : 0) | (rep ? BIT(5) : 0) |
               (imm ? BIT(6) : 0) | (u64)port << 16;
    u32 info = 0;
    if (string) {
        /* INS/OUTS instruction information (§28.2.5 Table 28-9): address size, segment. */
        unsigned seg = is_in ? SEG_ES : in->op[1].kind == OPND_MEM ? in->op[1].seg : SEG_DS;
        info = (in->addrsize == 8 ? 2u : in->addrsize == 4 ? 1u : 0u) << 7 | (u32)seg << 15;
    }
    c->rip = c->insn_rip;
    c->gpr[RSP] = c->insn_rsp;
    struct vmx_exit_info e = {.reason = EXIT_REASON_IO, .qual = qual, .insn_len = in->len, .insn_info = info};
    if (string) {
        unsigned seg = is_in ? SEG_ES : in->op[1].kind == OPND_MEM ? in->op[1].seg : SEG_DS;
        u64 off = c->gpr[is_in ? RDI : RSI] & bits_mask_bytes(in->addrsize);
        e.guest_linear = (c->mode == MODE_LONG64 && seg < SEG_FS) ? off : c->seg[seg].base + off;
        e.has_linear = true;
    }
    vmx_vmexit(c, &e);
    longjmp(c->step_env, 1);
}

/* ---- control-register accesses (SDM 3C §26.1.3, §26.3 "Changes to Instruction Behavior") ---- */

static _Noreturn void cr_exit(struct cpu *c, const struct insn *in, unsigned cr, unsigned type, unsigned gpr, u64 lmsw_src)
{
    u64 qual = cr | (u64)type << 4 | (u64)gpr << 8 | (lmsw_src & 0xffff) << 16;
    if (type == 3 && in->op[0].kind == OPND_MEM)
        qual |= BIT(6);
    vmx_exit_insn(c, in, EXIT_REASON_CR_ACCESS, qual, 0);
}

u64 vmx_cr_write(struct cpu *c, const struct insn *in, unsigned cr, unsigned gpr, u64 v)
{
    const struct vmcs *vm = &c->vmx->vmcs;
    switch (cr) {
    case 0:
        if ((v ^ vm->cr0_read_shadow) & vm->cr0_guest_host_mask)
            cr_exit(c, in, 0, 0, gpr, 0);
        return (v & ~vm->cr0_guest_host_mask) | (c->cr0 & vm->cr0_guest_host_mask);
    case 4:
        if ((v ^ vm->cr4_read_shadow) & vm->cr4_guest_host_mask)
            cr_exit(c, in, 4, 0, gpr, 0);
        return (v & ~vm->cr4_guest_host_mask) | (c->cr4 & vm->cr4_guest_host_mask);
    case 3:
        if (vm->proc_controls & PROC_CR3_LOAD) {
            const u64 t[4] = {vm->cr3_target0, vm->cr3_target1, vm->cr3_target2, vm->cr3_target3};
            for (u32 i = 0; i < vm->cr3_target_count && i < 4; i++)
                if (t[i] == v)
                    return v;
            cr_exit(c, in, 3, 0, gpr, 0);
        }
        return v;
    case 8:
        if (vm->proc_controls & PROC_CR8_LOAD)
            cr_exit(c, in, 8, 0, gpr, 0);
        return v;
    default:
        return v;
    }
}

u64 vmx_cr_read(struct cpu *c, const struct insn *in, unsigned cr, unsigned gpr, u64 v)
{
    const struct vmcs *vm = &c->vmx->vmcs;
    switch (cr) {
    case 0: return (v & ~vm->cr0_guest_host_mask) | (vm->cr0_read_shadow & vm->cr0_guest_host_mask);
    case 4: return (v & ~vm->cr4_guest_host_mask) | (vm->cr4_read_shadow & vm->cr4_guest_host_mask);
    case 3:
        if (vm->proc_controls & PROC_CR3_STORE)
            cr_exit(c, in, 3, 1, gpr, 0);
        return v;
    case 8:
        if (vm->proc_controls & PROC_CR8_STORE)
            cr_exit(c, in, 8, 1, gpr, 0);
        return v;
    default:
        return v;
    }
}

bool vmx_clts(struct cpu *c, const struct insn *in)
{
    const struct vmcs *vm = &c->vmx->vmcs;
    if (vm->cr0_guest_host_mask & CR0_TS) {
        if (vm->cr0_read_shadow & CR0_TS)
            cr_exit(c, in, 0, 2, 0, 0);
        return false;   /* TS owned by the host and shadow clear: CR0.TS unchanged */
    }
    return true;
}

u64 vmx_lmsw(struct cpu *c, const struct insn *in, u64 src)
{
    const struct vmcs *vm = &c->vmx->vmcs;
    u64 mask = vm->cr0_guest_host_mask & 0xf, shadow = vm->cr0_read_shadow;
    /* Exit if a host-owned bit among 3:1 differs from the shadow, or PE is host-owned, clear
       in the shadow and being set (LMSW never clears PE). The qualification carries all 16
       source bits (Table 28-3); only bits 3:0 are loaded. */
    if (((src ^ shadow) & mask & 0xe) || ((mask & CR0_PE) && !(shadow & CR0_PE) && (src & CR0_PE)))
        cr_exit(c, in, 0, 3, 0, src);
    return ((src & ~mask) | (c->cr0 & mask)) & 0xf;
}

void vmx_mov_dr(struct cpu *c, const struct insn *in, unsigned dr, unsigned gpr, bool to_dr)
{
    if (c->vmx->vmcs.proc_controls & PROC_MOV_DR)
        vmx_exit_insn(c, in, EXIT_REASON_DR_ACCESS, dr | (to_dr ? 0 : BIT(4)) | (u64)gpr << 8, 0);
}

u64 vmx_guest_tsc(const struct cpu *c, u64 tsc)
{
    const struct vmcs *v = &c->vmx->vmcs;
    if (!(v->proc_controls & PROC_TSC_OFFSET))
        return tsc;
    /* SDM 3C §26.3 RDTSC/RDTSCP/RDMSR: with "use TSC scaling" the TSC is first multiplied by
       the TSC multiplier (bits 63:48 integer, 47:0 fraction) and shifted right by 48. */
    if (proc2_of(v) & PROC2_TSC_SCALING)
        tsc = vmx_tsc_scale(tsc, v->tsc_multiplier);
    return tsc + v->tsc_offset;
}

/* ---- exceptions and boundary events ---- */

void vmx_exception(struct cpu *c, unsigned vector, u32 err, int kind)
{
    struct vmx_cpu *x = c->vmx;
    const struct vmcs *v = &x->vmcs;
    /* MTF: an event delivered through the guest IDT ends the "instruction"; the MTF exit
       comes before the handler's first instruction (SDM 3C §26.7.2). */
    if (x->mtf_at != UINT64_MAX) {
        x->mtf_at = c->insns;
        c->attention = true;
    }
    if (vector >= 32 || kind == EVT_SW_INT)
        return;
    bool bit = (v->exception_bitmap >> vector) & 1;
    if (vector == EXC_PF && (err & v->pf_error_code_mask) != v->pf_error_code_match)
        bit = !bit;   /* SDM 3C §26.2 */
    if (!bit)
        return;
    unsigned type = kind == EVT_SW_EXC ? INTR_TYPE_SW_EXC : kind == EVT_PRIV_SW ? INTR_TYPE_PRIV_SW_EXC : INTR_TYPE_HW_EXC;
    bool has_err = kind == EVT_HW_EXC && event_has_error_code(vector) && (c->cr0 & CR0_PE);
    struct vmx_exit_info e = {
        .reason = EXIT_REASON_EXCEPTION_NMI,
        .qual = vector == EXC_PF ? c->cr2 : 0,
        .intr_info = vector | type << INTR_INFO_TYPE_SHIFT | (has_err ? INTR_INFO_HAS_ERROR : 0) | INTR_INFO_VALID,
        .intr_error = has_err ? err : 0,
        .insn_len = (type != INTR_TYPE_HW_EXC && c->cur) ? c->cur->len : 0,
    };
    c->rip = c->insn_rip;
    c->gpr[RSP] = c->insn_rsp;
    vmx_vmexit(c, &e);
    longjmp(c->step_env, 1);
}

_Noreturn void vmx_task_switch(struct cpu *c, u16 sel, unsigned source)
{
    /* CALL/IRET/JMP report their length; a task gate in the IDT reports the event through
       the IDT-vectoring information (and a software interrupt's length with it). */
    struct vmx_exit_info e = {
        .reason = EXIT_REASON_TASK_SWITCH,
        .qual = sel | (u64)source << 30,
        .insn_len = source != 3 && c->cur ? c->cur->len : 0,
    };
    c->rip = c->insn_rip;
    c->gpr[RSP] = c->insn_rsp;
    vmx_vmexit(c, &e);
    longjmp(c->step_env, 1);
}

void vmx_iret_unblock_nmi(struct cpu *c)
{
    c->vmx->iret_unblock_at = c->insns;
    c->nmi_blocked = false;
    if (c->nmi_pending)
        c->attention = true;
}

void vmx_note_delivery(struct cpu *c, unsigned vector, u32 err, int kind, bool has_err)
{
    /* The IRET's fault goes to the guest: its handler's instructions are no fault on IRET. */
    c->vmx->iret_unblock_at = UINT64_MAX;
    unsigned type;
    switch (kind) {
    case EVT_EXTERNAL: type = vector == EXC_NMI && c->nmi_blocked ? INTR_TYPE_NMI : INTR_TYPE_EXT; break;
    case EVT_SW_INT: type = INTR_TYPE_SW_INT; break;
    case EVT_SW_EXC: type = INTR_TYPE_SW_EXC; break;
    case EVT_PRIV_SW: type = INTR_TYPE_PRIV_SW_EXC; break;
    default: type = INTR_TYPE_HW_EXC; break;
    }
    c->vmx->delivering_info = (vector & 0xff) | type << INTR_INFO_TYPE_SHIFT |
                              (has_err ? INTR_INFO_HAS_ERROR : 0) | INTR_INFO_VALID;
    c->vmx->delivering_err = has_err ? err : 0;
    c->vmx->delivering_len = c->vmx->injecting ? c->vmx->vmcs.entry_instruction_len : c->cur ? c->cur->len : 0;
    c->vmx->injecting = false;
}

/* The VM exit for a #DB the exception bitmap intercepts: DR6 is left as it was and the bits it
   would have got go to the exit qualification (SDM 3C §28.2.1, Table 28-1). */
static _Noreturn void debug_exit(struct cpu *c, u32 bits)
{
    struct vmx_exit_info e = {
        .reason = EXIT_REASON_EXCEPTION_NMI,
        .qual = bits & (0xfu | BIT(13) | BIT(14)),
        .intr_info = EXC_DB | INTR_TYPE_HW_EXC << INTR_INFO_TYPE_SHIFT | INTR_INFO_VALID,
    };
    vmx_vmexit(c, &e);
    longjmp(c->step_env, 1);
}

void vmx_debug_fault(struct cpu *c, u32 bits)
{
    if (!((c->vmx->vmcs.exception_bitmap >> EXC_DB) & 1))
        return;
    c->rip = c->insn_rip;   /* a fault: the guest RIP is the instruction's */
    c->gpr[RSP] = c->insn_rsp;
    debug_exit(c, bits);
}

void vmx_debug_trap(struct cpu *c, u32 bits)
{
    struct vmx_cpu *x = c->vmx;
    const struct vmcs *v = &x->vmcs;
    if (!((v->exception_bitmap >> EXC_DB) & 1)) {
        if (!x->entry_dbg || c->cycles < x->preempt_deadline)
            return;
        /* Debug exceptions pending from VM entry are delivered through the guest IDT, then
           the expired preemption timer exits before the handler's first instruction. */
        c->dr[6] = (c->dr[6] & ~0xfull) | (bits & 0xf) | (bits & BIT(14));
        c->insn_rip = c->rip;
        c->insn_rsp = c->gpr[RSP];
        event_deliver(c, EXC_DB, 0, EVT_HW_EXC);
        struct vmx_exit_info t = {.reason = EXIT_REASON_PREEMPT_TIMER};
        vmx_vmexit(c, &t);
        longjmp(c->step_env, 1);
    }
    debug_exit(c, bits);
}

void vmx_triple_fault(struct cpu *c)
{
    struct vmx_exit_info e = {.reason = EXIT_REASON_TRIPLE_FAULT};
    c->rip = c->insn_rip;
    c->gpr[RSP] = c->insn_rsp;
    vmx_vmexit(c, &e);
}

bool vmx_events(struct cpu *c)
{
    struct vmx_cpu *x = c->vmx;
    const struct vmcs *v = &x->vmcs;
    bool shadow = c->intr_shadow && c->insns == c->shadow_at;
    bool vnmi = v->pin_controls & PIN_VIRTUAL_NMIS;
    struct vmx_exit_info e = {0};
    /* Priority (SDM 3C §26.2, §26.7): INIT, MTF, preemption timer (both ahead of pending
       debug traps, which are saved in the VMCS), NMI, NMI window, external interrupt,
       interrupt window. */
    if (x->preempt_deadline != UINT64_MAX && x->preempt_deadline < c->timer_at)
        c->timer_at = x->preempt_deadline;
    if (c->init_pending) {
        c->init_pending = false;
        e.reason = EXIT_REASON_INIT;
    } else if (c->sipi_pending && c->state == CPU_WAIT_SIPI) {
        c->sipi_pending = false;   /* SIPI VM exit: the vector is the qualification (§26.2) */
        e.reason = EXIT_REASON_SIPI;
        e.qual = c->sipi_vector;
    } else if (c->state == CPU_WAIT_SIPI) {
        c->sipi_pending = false;   /* nothing but INIT and SIPI reaches a waiting guest */
        return true;
    } else if (c->insns >= x->mtf_at) {
        e.reason = EXIT_REASON_MTF;
    } else if (c->cycles >= x->preempt_deadline && !(x->entry_dbg && c->dbg_pending)) {
        /* Debug exceptions pending from the VM entry are delivered first (§26.7.4). */
        e.reason = EXIT_REASON_PREEMPT_TIMER;
    } else if (c->nmi_pending && (v->pin_controls & PIN_NMI) && (vnmi || !c->nmi_blocked) &&
               !(shadow && c->movss_shadow)) {
        c->nmi_pending = false;
        e.reason = EXIT_REASON_EXCEPTION_NMI;
        e.intr_info = EXC_NMI | INTR_TYPE_NMI << INTR_INFO_TYPE_SHIFT | INTR_INFO_VALID;
    } else if (x->guest_shutdown && x->preempt_deadline == UINT64_MAX) {
        return true;   /* shutdown: only INIT, NMI exits and the timer end it */
    } else if ((v->proc_controls & PROC_NMI_WINDOW) && !c->nmi_blocked && !shadow) {
        e.reason = EXIT_REASON_NMI_WINDOW;   /* no virtual-NMI blocking (§26.7.6) */
    } else if ((v->pin_controls & PIN_EXT_INTR) && !shadow && c->apic.intr_pending &&
               c->apic.intr_pending(c->apic.opaque)) {
        /* RFLAGS.IF does not block external interrupts that cause VM exits (SDM 3C §25.3). */
        e.reason = EXIT_REASON_EXTERNAL_INTR;
        if (v->exit_controls & EXIT_ACK_INTR)
            e.intr_info = ((u32)c->apic.intr_ack(c->apic.opaque) & 0xff) | INTR_INFO_VALID;
    } else if ((v->proc_controls & PROC_INTR_WINDOW) && (c->rflags & RFLAGS_IF) && !shadow) {
        e.reason = EXIT_REASON_INTR_WINDOW;
    } else if (x->guest_shutdown) {
        c->cycles = x->preempt_deadline;
        e.reason = EXIT_REASON_PREEMPT_TIMER;
    } else if (c->state == CPU_HALTED && x->preempt_deadline != UINT64_MAX && !c->nmi_pending &&
               !((c->rflags & RFLAGS_IF) && c->apic.intr_pending && c->apic.intr_pending(c->apic.opaque))) {
        /* A guest halted with nothing else to wake it sleeps until the timer fires. */
        c->cycles = x->preempt_deadline;
        e.reason = EXIT_REASON_PREEMPT_TIMER;
    } else {
        /* A window or interrupt exit held by blocking, RFLAGS.IF = 0 or HLT is looked at
           again at the next boundary (IF can change without an event, e.g. by POPF). */
        if (v->proc_controls & (PROC_INTR_WINDOW | PROC_NMI_WINDOW) || x->mtf_at != UINT64_MAX)
            c->attention = true;
        return false;
    }
    vmx_vmexit(c, &e);
    return true;
}
