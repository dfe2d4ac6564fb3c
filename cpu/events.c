/* cpu/events.c — event delivery. Every access that can fault is made before any register
 * is changed, so a fault during delivery leaves the state of the first event intact. */
#include "cpu/events.h"

#include "cpu/access.h"
#include "cpu/debug.h"
#include "cpu/seg.h"
#include "cpu/task.h"
#include "vmx/hooks.h"

bool event_has_error_code(unsigned v)
{
    return v == EXC_DF || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP ||
           v == EXC_PF || v == EXC_AC || v == EXC_CP;
}

/* exc_first for an event that is not a processor-detected exception (always benign). */
#define EXC_FIRST_BENIGN 0xff

static bool exc_contributory(unsigned v)
{
    return v == EXC_DE || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP;
}

/* Fault-class exceptions (SDM 3A Table 6-1) other than #DB: their RFLAGS image has RF = 1 so
   that an IRET back to the restarted instruction does not hit its instruction breakpoint
   again (SDM 3A §6.8.3, SDM 3B §18.3.1.1). #DB sets RF itself when it is a fault that wants
   it (general detect). */
static bool exc_is_fault(unsigned v)
{
    switch (v) {
    case EXC_DE: case EXC_BR: case EXC_UD: case EXC_NM: case EXC_TS: case EXC_NP: case EXC_SS:
    case EXC_GP: case EXC_PF: case EXC_MF: case EXC_AC: case EXC_XM: case EXC_VE: case EXC_CP:
        return true;
    default:
        return false;
    }
}

void events_shutdown(struct cpu *c, const char *why)
{
    if (unlikely(c->vmx_nonroot)) {
        vmx_triple_fault(c);   /* VM exit, reason 2 (SDM 3C §26.2) */
        return;
    }
    log_printf(c->bus.log, LOG_INT, "cpu%d: triple fault (%s) at rip=%#llx", c->id, why,
               (unsigned long long)c->rip);
    c->state = CPU_SHUTDOWN;
    c->stop_reason = STOP_SHUTDOWN;
    c->stop_request = true;
}

_Noreturn void cpu_fault(struct cpu *c, unsigned vector, u32 err)
{
    c->rip = c->insn_rip;
    c->gpr[RSP] = c->insn_rsp;
    /* A faulting instruction reports no debug traps, and one held by MOV SS blocking is lost
       with it (what hardware does; kvm-unit-tests debug "MOVSS blocking and DR7.GD"). */
    c->dbg_pending = 0;
    if (c->exc_depth > 3) {
        events_shutdown(c, "endless nested faults");
        longjmp(c->step_env, 1);
    }
    if (c->exc_depth > 0) {
        unsigned first = c->exc_first;
        /* SDM 3A Table 6-5: contributory after contributory, or contributory/#PF/#VE after #PF/#VE,
           gives #DF; a fault while delivering #DF is a triple fault. */
        if (first == EXC_DF) {
            events_shutdown(c, "fault while delivering #DF");
            longjmp(c->step_env, 1);
        }
        /* #VE is in the page-fault class with #PF (SDM 3A Table 6-4). */
        bool pf_class = first == EXC_PF || first == EXC_VE;
        bool df = (exc_contributory(first) && exc_contributory(vector)) ||
                  (pf_class && (exc_contributory(vector) || vector == EXC_PF || vector == EXC_VE));
        if (df) {
            vector = EXC_DF;
            err = 0;
        }
    }
    log_printf(c->bus.log, LOG_INT, "cpu%d: exception %u err=%#x at %#llx", c->id, vector, err,
               (unsigned long long)c->rip);
    if (exc_is_fault(vector))
        c->rflags |= RFLAGS_RF;   /* pushed as 1, cleared by the delivery */
    if (unlikely(c->vmx_nonroot))
        vmx_exception(c, vector, err, EVT_HW_EXC);   /* exception bitmap (SDM 3C §26.2) */
    event_deliver(c, vector, err, EVT_HW_EXC);
    longjmp(c->step_env, 1);
}

_Noreturn void event_raise_soft(struct cpu *c, unsigned vector, enum event_kind kind)
{
    if (unlikely(c->vmx_nonroot))
        vmx_exception(c, vector, 0, kind);
    event_deliver(c, vector, 0, kind);
    if (c->dbg_pending)
        c->attention = true;   /* a #DB held by MOV SS is taken before the handler's first insn */
    longjmp(c->step_env, 1);
}

/* ---- real mode and virtual-8086 redirection: IVT (SDM 3A §20.1.4) ---- */

static void deliver_real(struct cpu *c, unsigned vector)
{
    if (vector * 4 + 3 > c->idtr.limit)
        cpu_fault(c, EXC_GP, 0);   /* escalates to #DF then shutdown as on hardware */
    u32 ent = (u32)sys_read(c, c->idtr.base + vector * 4, 4);
    u16 sp = (u16)c->gpr[RSP];
    /* The 6-byte frame must fit in SS: each word within the SS limit, else #SS(0) before
       anything is pushed (SDM 2A "INT n" Operation, real-address mode; SDM 3A §20.1.4).
       SP = 1, 3 or 5 puts a word across 64 KiB; a limit kept from protected mode can be
       smaller. The #SS needs the same stack, so on hardware this ends in a shutdown. */
    la_t la[3];
    for (unsigned i = 0; i < 3; i++)
        la[i] = access_seg_la(c, SEG_SS, (u16)(sp - 2 * (i + 1)), 2, true);
    sys_write(c, la[0], 2, (u16)c->rflags);
    sys_write(c, la[1], 2, c->seg[SEG_CS].sel);
    sys_write(c, la[2], 2, (u16)c->rip);
    c->gpr[RSP] = (c->gpr[RSP] & ~0xffffull) | (u16)(sp - 6);
    c->rflags &= ~(RFLAGS_IF | RFLAGS_TF | RFLAGS_AC | RFLAGS_RF);
    struct seg *cs = &c->seg[SEG_CS];
    cs->sel = (u16)(ent >> 16);
    cs->base = (u64)cs->sel << 4;
    c->rip = ent & 0xffff;
}

/* ---- protected and long mode (SDM 3A §6.12.1, §6.14) ---- */

static void deliver_protected(struct cpu *c, unsigned vector, u32 err, bool has_err,
                              enum event_kind kind)
{
    /* EXT: 0 only for INT n, INT3 and INTO; 1 for everything else, INT1 included (SDM 2A "INT
       n/INTO/INT3/INT1" Operation, SDM 3A §6.13). */
    u32 ext = (kind == EVT_SW_INT || kind == EVT_SW_EXC) ? 0 : 1;
    bool lm = c->efer & EFER_LMA;
    unsigned gsize = lm ? 16 : 8;
    u32 idt_err = vector * 8 + 2 + ext;
    if (vector * gsize + gsize - 1 > c->idtr.limit)
        cpu_fault(c, EXC_GP, idt_err);
    la_t gla = c->idtr.base + vector * gsize;
    u64 lo = sys_read(c, gla, 8);
    u64 hi = lm ? sys_read(c, gla + 8, 8) : 0;
    unsigned type = (lo >> 40) & 0xf, gdpl = (lo >> 45) & 3;
    bool present = lo & (1ull << 47);
    bool gate32 = type == DESC_INT || type == DESC_TRAP;
    bool gate16 = type == DESC_INT16 || type == DESC_TRAP16;
    bool task = !lm && type == DESC_TASK;
    if (!task && (lm ? !gate32 : !(gate32 || gate16)))
        cpu_fault(c, EXC_GP, idt_err);
    if ((kind == EVT_SW_INT || kind == EVT_SW_EXC) && gdpl < c->cpl)
        cpu_fault(c, EXC_GP, idt_err);
    if (!present)
        cpu_fault(c, EXC_NP, idt_err);
    if (task) {
        task_gate_event(c, lo, has_err, err, ext);   /* interrupt task (SDM 3A §6.12.2) */
        return;
    }
    bool intgate = type == DESC_INT || type == DESC_INT16;
    u16 csel = (u16)(lo >> 16);
    u64 off = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ull) | (hi << 32);
    unsigned ist = lm ? (lo >> 32) & 7 : 0;
    if (gate16)
        off &= 0xffff;

    /* Target code segment (SDM 3A §6.12.1.1). */
    if ((csel & ~3u) == 0)
        cpu_fault(c, EXC_GP, ext);
    la_t cdla;
    u64 cdesc = seg_read_desc(c, csel, EXC_GP, &cdla);
    unsigned car = (cdesc >> 40) & 0xff, cdpl = (car >> 5) & 3;
    bool conforming = (car & 0x1c) == 0x1c;
    if ((car & 0x18) != 0x18 || cdpl > c->cpl)
        cpu_fault(c, EXC_GP, (csel & ~3u) | ext);
    if (!(car & 0x80))
        cpu_fault(c, EXC_NP, (csel & ~3u) | ext);
    if (lm && (!(cdesc & (1ull << 53)) || (cdesc & (1ull << 54))))
        cpu_fault(c, EXC_GP, (csel & ~3u) | ext);   /* must be a 64-bit code segment */
    bool v86 = c->rflags & RFLAGS_VM;
    unsigned new_cpl = conforming ? c->cpl : cdpl;
    if (v86 && new_cpl != 0)
        cpu_fault(c, EXC_GP, (csel & ~3u) | ext);

    /* Stack. */
    bool to_inner = new_cpl < c->cpl;
    struct inner_stack in = {.sel = c->seg[SEG_SS].sel, .sp = c->gpr[RSP], .ss = c->seg[SEG_SS]};
    if (to_inner || (lm && ist)) {
        task_inner_stack(c, new_cpl, ist, ext, &in);
        if (lm && to_inner)
            in.sel = (u16)new_cpl;
    }
    u16 ss_sel = in.sel;
    u64 sp = in.sp;
    struct seg new_ss = in.ss;
    la_t ss_dla = in.dla;
    u64 ss_desc = in.desc;

    u64 rfl = c->rflags;

    /* Build the final frame (highest address first). */
    u64 slots[10];
    unsigned n = 0;
    if (lm) {
        slots[n++] = c->seg[SEG_SS].sel;
        slots[n++] = c->gpr[RSP];
    } else if (to_inner) {
        if (v86) {
            slots[n++] = c->seg[SEG_GS].sel;
            slots[n++] = c->seg[SEG_FS].sel;
            slots[n++] = c->seg[SEG_DS].sel;
            slots[n++] = c->seg[SEG_ES].sel;
        }
        slots[n++] = c->seg[SEG_SS].sel;
        slots[n++] = c->gpr[RSP];
    }
    slots[n++] = rfl;
    slots[n++] = c->seg[SEG_CS].sel;
    slots[n++] = c->rip;
    if (has_err)
        slots[n++] = err;

    unsigned w = lm ? 8 : (gate32 ? 4 : 2);
    if (lm) {
        /* IA-32e mode: a non-canonical new RSP (or a frame that runs out of the canonical
           range) is #SS(EXT), a non-canonical handler RIP #GP(EXT), both before anything is
           pushed (SDM 2A "INT n/INTO/INT3/INT1" Operation). */
        sp &= ~0xfull;
        if (!bits_is_canonical(in.sp, c->la_width) || !bits_is_canonical(sp - n * 8, c->la_width))
            cpu_fault(c, EXC_SS, ext);
        if (!bits_is_canonical(off, c->la_width))
            cpu_fault(c, EXC_GP, ext);
    }
    bool ss32 = lm || (new_ss.ar & SEG_AR_DB);
    u64 spmask = lm ? ~0ull : (ss32 ? 0xffffffffull : 0xffffull);
    u64 nsp = sp;
    /* Probe then write: all stack writes happen before any register changes. */
    la_t ss_base = lm ? 0 : new_ss.base;
    for (unsigned i = 0; i < n; i++) {
        nsp = (nsp - w) & spmask;
        la_t la = ss_base + nsp;
        if (!lm) {
            la = (u32)la;
            if (!(new_ss.ar & SEG_AR_UNUSABLE) && (nsp & spmask) + w - 1 > new_ss.limit)
                cpu_fault(c, EXC_SS, to_inner ? ((ss_sel & ~3u) | ext) : ext);
        }
        access_write_la(c, la, w, slots[i], PAGING_SUP_SMAP);
    }

    /* Commit. */
    if (ss_dla)
        seg_set_accessed(c, ss_dla, ss_desc);
    seg_set_accessed(c, cdla, cdesc);
    if (to_inner || (lm && ist)) {
        if (lm) {
            if (to_inner) {
                c->seg[SEG_SS].sel = ss_sel;
                c->seg[SEG_SS].ar = SEG_AR_UNUSABLE | ((u32)new_cpl << SEG_AR_DPL_SHIFT);
                c->seg[SEG_SS].base = 0;
                c->seg[SEG_SS].limit = 0;
            }
        } else {
            c->seg[SEG_SS] = new_ss;
        }
    }
    c->gpr[RSP] = (lm || to_inner) ? nsp : ((c->gpr[RSP] & ~spmask) | nsp);
    if (v86) {
        for (unsigned s = SEG_ES; s < SEG_COUNT; s++)
            if (s != SEG_CS && s != SEG_SS) {
                c->seg[s].sel = 0;
                c->seg[s].base = 0;
                c->seg[s].limit = 0;
                c->seg[s].ar = SEG_AR_UNUSABLE;
            }
    }
    c->rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
    if (intgate)
        c->rflags &= ~RFLAGS_IF;
    seg_load_cs(c, csel, cdesc, new_cpl);
    c->rip = lm ? off : (gate16 ? off & 0xffff : (u32)off);
}

void event_deliver(struct cpu *c, unsigned vector, u32 err, enum event_kind kind)
{
    bool has_err = kind == EVT_HW_EXC && event_has_error_code(vector) && (c->cr0 & CR0_PE);
    /* The event now being delivered is what a fault during its delivery combines with
       (SDM 3A Table 6-5); a benign first event is simply replaced. Only processor-detected
       exceptions are classed: INT n with n = 13, say, or an external interrupt on vector 14 is
       not a #GP or #PF, so a fault while delivering it is delivered as is (SDM 3A §6.15
       "Interrupt 8", Table 6-4). */
    c->exc_first = kind == EVT_HW_EXC ? (u8)vector : EXC_FIRST_BENIGN;
    c->exc_depth++;
    if (unlikely(c->vmx_nonroot))
        vmx_note_delivery(c, vector, err, kind, has_err);   /* IDT-vectoring information */
    c->state = CPU_RUNNING;
    if (c->mode == MODE_REAL)
        deliver_real(c, vector);
    else
        deliver_protected(c, vector, err, has_err, kind);
    c->exc_depth = 0;
    c->intr_shadow = false;
}

/* Run the APIC's timers up to the current TSC and note when the next one is due, in cycles. */
static void service_timers(struct cpu *c)
{
    if (!c->apic.run_timers) {
        c->timer_at = c->horizon;
        return;
    }
    u64 tsc = cpu_read_tsc(c);
    c->apic.run_timers(c->apic.opaque, tsc);
    u64 next = c->apic.next_event(c->apic.opaque);
    if (next == UINT64_MAX)
        c->timer_at = UINT64_MAX;
    else
        c->timer_at = next > tsc ? c->cycles + (next - tsc) : c->cycles;
    if (c->horizon < c->timer_at)
        c->timer_at = c->horizon;
}

/* INIT (SDM 3A §9.1, Table 10-1): the BSP restarts at the reset vector, an AP waits for SIPI. */
static void take_init(struct cpu *c)
{
    c->init_pending = false;
    bool bsp = c->msr.apic_base & (1ull << 8);
    cpu_reset(c, true);
    c->state = bsp ? CPU_RUNNING : CPU_WAIT_SIPI;
}

/* Start-up IPI: only a processor in wait-for-SIPI reacts; it starts in real mode at VV00:0000
   (SDM 3A §9.4.4.1, §11.6.1). */
static void take_sipi(struct cpu *c)
{
    c->sipi_pending = false;
    if (c->state != CPU_WAIT_SIPI)
        return;
    struct seg *cs = &c->seg[SEG_CS];
    cs->sel = (u16)(c->sipi_vector << 8);
    cs->base = (u64)c->sipi_vector << 12;
    c->rip = 0;
    c->state = CPU_RUNNING;
    cpu_update_mode(c);
    log_printf(c->bus.log, LOG_INT, "cpu%d: SIPI vector %#x", c->id, c->sipi_vector);
}

/* Deliver an NMI or external interrupt at an instruction boundary. A fault during delivery
   unwinds to the step loop with this boundary as the faulting instruction. */
static void deliver_at_boundary(struct cpu *c, unsigned vector)
{
    c->insn_rip = c->rip;
    c->insn_rsp = c->gpr[RSP];
    log_printf(c->bus.log, LOG_INT, "cpu%d: %s vector %#x at rip=%#llx", c->id,
               vector == EXC_NMI ? "NMI" : "interrupt", vector, (unsigned long long)c->rip);
    event_deliver(c, vector, 0, EVT_EXTERNAL);
    c->attention = true;   /* another event may be waiting */
}

/* Pending events in priority order (SDM 3A §6.9 Table 6-2): INIT/SIPI, NMI, maskable
   interrupts; STI/MOV SS blocking holds NMIs and interrupts for one instruction. */
void events_service(struct cpu *c)
{
    if (c->stop_request)
        return;   /* a stop (debugger watchpoint, machine) comes before any event delivery */
    c->attention = false;
    service_timers(c);
    if (c->state == CPU_SHUTDOWN)
        return;
    if (unlikely(c->vmx_nonroot) && vmx_events(c))
        return;
    if (c->init_pending && !c->vmx_on)   /* INIT is blocked in VMX root operation */
        take_init(c);
    if (c->sipi_pending)
        take_sipi(c);
    if (c->state == CPU_WAIT_SIPI)
        return;
    bool shadow = c->intr_shadow && c->insns == c->shadow_at;
    if (!shadow)
        c->intr_shadow = false;
    bool intr = c->apic.intr_pending && (c->rflags & RFLAGS_IF) && c->apic.intr_pending(c->apic.opaque);
    bool nmi = c->nmi_pending && !c->nmi_blocked;
    /* Debug traps of the previous instruction come before NMI and INTR (SDM 3A Table 6-2);
       MOV SS blocking holds them, STI blocking does not. A CPU halted by a single-stepped HLT
       takes the #DB when something wakes it. */
    if (c->dbg_pending) {
        if (shadow && c->movss_shadow) {
            c->attention = true;
            return;
        }
        if (c->state == CPU_HALTED && !nmi && !intr) {
            c->stop_reason = STOP_HALT;
            return;
        }
        debug_deliver_pending(c);
        c->attention = true;
        return;
    }
    if (shadow && (nmi || intr)) {
        c->attention = true;   /* look again after the shadowed instruction */
        return;
    }
    if (nmi) {
        c->nmi_pending = false;
        c->nmi_blocked = true;   /* until the next IRET (SDM 3A §6.7.1) */
        deliver_at_boundary(c, EXC_NMI);
        return;
    }
    if (intr) {
        int v = c->apic.intr_ack(c->apic.opaque);
        deliver_at_boundary(c, (unsigned)v & 0xff);
        return;
    }
    /* The slice ends only once nothing is left to deliver, so an event raised by this vCPU's
       own last instruction (a self-NMI, say) is taken before others run. */
    if (c->yield_pending || c->cycles >= c->horizon) {
        c->yield_pending = false;
        c->horizon = UINT64_MAX;
        c->stop_request = true;
        c->stop_reason = STOP_BUDGET;
        c->attention = true;
        return;
    }
    if (c->state == CPU_HALTED)
        c->stop_reason = STOP_HALT;
}
