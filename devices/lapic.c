/* devices/lapic.c — local APIC registers, priorities, timer and IPIs (SDM 3A ch. 11). */
#include "devices/lapic.h"

#include <stdint.h>
#include <string.h>

#include "devices/apicbus.h"

#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_TIMER_TSCDL (1u << 18)
#define LVT_TIMER_MODE (3u << 17)
#define SVR_ENABLE (1u << 8)
#define APIC_VERSION_VALUE 0x50014u    /* version 14H, max LVT entry 5 (6 entries), no EOI suppression */

/* ESR bits (SDM 3A §11.5.3). */
enum { ESR_SEND_ILLEGAL = 1u << 5, ESR_RECV_ILLEGAL = 1u << 6, ESR_ILLEGAL_REG = 1u << 7 };

static const u32 lvt_writable[LVT_COUNT] = {
    [LVT_TIMER] = 0x700ffu, [LVT_THERMAL] = 0x107ffu, [LVT_PERF] = 0x107ffu,
    [LVT_LINT0] = 0x1a7ffu, [LVT_LINT1] = 0x1a7ffu, [LVT_ERROR] = 0x100ffu, [LVT_CMCI] = 0x107ffu,
};

/* ---- vector bitmaps ---- */

static void vec_set(u32 *bm, unsigned v) { bm[v >> 5] |= 1u << (v & 31); }
static void vec_clear(u32 *bm, unsigned v) { bm[v >> 5] &= ~(1u << (v & 31)); }
static bool vec_test(const u32 *bm, unsigned v) { return bm[v >> 5] >> (v & 31) & 1; }

static int vec_highest(const u32 *bm)
{
    for (int i = 7; i >= 0; i--)
        if (bm[i])
            return i * 32 + 31 - __builtin_clz(bm[i]);
    return -1;
}

/* ---- state queries ---- */

bool lapic_hw_enabled(const struct lapic *l) { return l->s.base_msr & LAPIC_BASE_EN; }
bool lapic_x2apic_mode(const struct lapic *l) { return (l->s.base_msr & (LAPIC_BASE_EN | LAPIC_BASE_EXTD)) == (LAPIC_BASE_EN | LAPIC_BASE_EXTD); }
static bool sw_enabled(const struct lapic *l) { return l->s.svr & SVR_ENABLE; }

/* PPR (SDM 3A §11.8.3.1). */
static u32 ppr(const struct lapic *l)
{
    int isrv = vec_highest(l->s.isr);
    u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;
    return (l->s.tpr & 0xf0) >= isr_class ? l->s.tpr & 0xff : isr_class;
}

u32 lapic_arb_priority(const struct lapic *l)
{
    int isrv = vec_highest(l->s.isr), irrv = vec_highest(l->s.irr);
    int hi = isrv > irrv ? isrv : irrv;
    u32 cls = hi < 0 ? 0 : (u32)hi & 0xf0;
    return (l->s.tpr & 0xf0) >= cls ? l->s.tpr & 0xff : cls;
}

static u64 now(const struct lapic *l) { return l->host.now(l->host.opaque); }

static void kick(struct lapic *l) { l->host.signal(l->host.opaque, LAPIC_SIG_INTR, 0); }

/* ---- reset ---- */

void lapic_init(struct lapic *l, const struct lapic_config *cfg, struct apicbus *bus,
                const struct lapic_host *host, const struct log *log)
{
    memset(l, 0, sizeof(*l));
    l->cfg = *cfg;
    l->bus = bus;
    l->host = *host;
    l->log = log;
    l->s.base_msr = LAPIC_DEFAULT_BASE | LAPIC_BASE_EN | (cfg->bsp ? LAPIC_BASE_BSP : 0);
    lapic_reset(l, false);
}

/* Register state after power-up, RESET, INIT or a global-enable transition (SDM 3A §11.4.7.1). */
static void regs_reset(struct lapic *l)
{
    struct lapic_state *s = &l->s;
    bool lint[2] = {s->lint_level[0], s->lint_level[1]};
    u64 base = s->base_msr;
    memset(s, 0, sizeof(*s));
    s->base_msr = base;
    s->id = l->cfg.id;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    for (int i = 0; i < LVT_COUNT; i++)
        s->lvt[i] = LVT_MASKED;
    s->lint_level[0] = lint[0];
    s->lint_level[1] = lint[1];
}

void lapic_reset(struct lapic *l, bool init_only)
{
    if (!init_only)
        l->s.base_msr = LAPIC_DEFAULT_BASE | LAPIC_BASE_EN | (l->s.base_msr & LAPIC_BASE_BSP);
    regs_reset(l);
}

/* ---- interrupt acceptance (SDM 3A §11.5, §11.6) ---- */

static void raise_error(struct lapic *l, u32 bits)
{
    l->s.esr_pending |= bits;
    u32 lvt = l->s.lvt[LVT_ERROR];
    if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16) {
        vec_set(l->s.irr, lvt & 0xff);
        kick(l);
    }
}

void lapic_accept(struct lapic *l, enum apic_dm dm, u8 vector, bool level_trig)
{
    if (!lapic_hw_enabled(l))
        return;
    switch (dm) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (!sw_enabled(l))
            return;   /* a software-disabled APIC accepts only NMI, INIT, SIPI (SDM 3A §11.4.7.2) */
        if (vector < 16) {
            raise_error(l, ESR_RECV_ILLEGAL);
            return;
        }
        vec_set(l->s.irr, vector);
        if (level_trig)
            vec_set(l->s.tmr, vector);
        else
            vec_clear(l->s.tmr, vector);
        kick(l);
        return;
    case APIC_DM_NMI: l->host.signal(l->host.opaque, LAPIC_SIG_NMI, 0); return;
    case APIC_DM_INIT: l->host.signal(l->host.opaque, LAPIC_SIG_INIT, 0); return;
    case APIC_DM_SIPI: l->host.signal(l->host.opaque, LAPIC_SIG_SIPI, vector); return;
    case APIC_DM_SMI: l->host.signal(l->host.opaque, LAPIC_SIG_SMI, 0); return;
    case APIC_DM_EXTINT:
        l->s.extint_pending = true;
        kick(l);
        return;
    }
    log_printf(l->log, LOG_GUEST_ERRORS, "lapic %u: reserved delivery mode %d dropped", l->s.id, dm);
}

/* Deliver an LVT entry's interrupt locally (timer, LINTn, error, thermal, perf). */
static void lvt_fire(struct lapic *l, int idx)
{
    u32 lvt = l->s.lvt[idx];
    if (lvt & LVT_MASKED)
        return;
    enum apic_dm dm = idx == LVT_TIMER || idx == LVT_ERROR ? APIC_DM_FIXED : (enum apic_dm)((lvt >> 8) & 7);
    bool level = (idx == LVT_LINT0 || idx == LVT_LINT1) && (lvt & (1u << 15)) && dm == APIC_DM_FIXED;
    lapic_accept(l, dm, lvt & 0xff, level);
}

void lapic_set_lint(struct lapic *l, int pin, bool level)
{
    if (pin < 0 || pin > 1)
        return;
    bool old = l->s.lint_level[pin];
    l->s.lint_level[pin] = level;
    if (!lapic_hw_enabled(l)) {
        /* Globally disabled: LINT0 is INTR and LINT1 is NMI, straight through (SDM 3A §11.4.3). */
        if (pin == 0) {
            l->s.extint_pending = level;
            if (level)
                kick(l);
        } else if (level && !old) {
            l->host.signal(l->host.opaque, LAPIC_SIG_NMI, 0);
        }
        return;
    }
    u32 lvt = l->s.lvt[LVT_LINT0 + pin];
    enum apic_dm dm = (enum apic_dm)((lvt >> 8) & 7);
    if (dm == APIC_DM_EXTINT) {
        l->s.extint_pending = level && !(lvt & LVT_MASKED);
        if (l->s.extint_pending)
            kick(l);
        return;
    }
    bool level_trig = lvt & (1u << 15);
    if (level_trig ? level : (level && !old))
        lvt_fire(l, LVT_LINT0 + pin);
}

bool lapic_intr_pending(const struct lapic *l)
{
    if (l->s.extint_pending)
        return true;
    if (!lapic_hw_enabled(l))
        return false;
    int irrv = vec_highest(l->s.irr);
    return irrv >= 0 && ((u32)irrv & 0xf0) > (ppr(l) & 0xf0);
}

int lapic_intr_ack(struct lapic *l)
{
    int irrv = vec_highest(l->s.irr);
    if (lapic_hw_enabled(l) && irrv >= 0 && ((u32)irrv & 0xf0) > (ppr(l) & 0xf0)) {
        vec_clear(l->s.irr, (unsigned)irrv);
        vec_set(l->s.isr, (unsigned)irrv);
        return irrv;
    }
    if (l->s.extint_pending) {
        int v = l->host.extint_ack ? l->host.extint_ack(l->host.extint_opaque) : 0xff;
        /* The 8259 lowers INTR itself when nothing else is pending; it calls lapic_set_lint. */
        return v;
    }
    return l->s.svr & 0xff;   /* spurious (SDM 3A §11.9) */
}

static void eoi(struct lapic *l)
{
    int v = vec_highest(l->s.isr);
    if (v < 0)
        return;
    vec_clear(l->s.isr, (unsigned)v);
    if (vec_test(l->s.tmr, (unsigned)v))
        apicbus_broadcast_eoi(l->bus, (u8)v);
    kick(l);
}

u8 lapic_read_cr8(const struct lapic *l) { return (l->s.tpr >> 4) & 0xf; }

void lapic_write_cr8(struct lapic *l, u8 v)
{
    l->s.tpr = (u32)(v & 0xf) << 4;
    kick(l);
}

/* ---- timer (SDM 3A §11.5.4) ---- */

static u32 timer_div(const struct lapic *l)
{
    u32 v = (l->s.tdcr & 3) | ((l->s.tdcr & 8) >> 1);
    return 1u << ((v + 1) & 7);
}

static u32 timer_mode(const struct lapic *l) { return l->s.lvt[LVT_TIMER] & LVT_TIMER_MODE; }

static void timer_start(struct lapic *l)
{
    l->s.timer_start = now(l);
    l->s.timer_deadline = l->s.tmict ? l->s.timer_start + (u64)l->s.tmict * timer_div(l) : 0;
}

static u32 timer_current(const struct lapic *l)
{
    if (timer_mode(l) == LVT_TIMER_TSCDL || !l->s.timer_deadline || !l->s.tmict)
        return 0;
    u64 t = now(l), div = timer_div(l), dl = l->s.timer_deadline;
    if (t < dl)
        return (u32)((dl - t + div - 1) / div);
    if (timer_mode(l) != LVT_TIMER_PERIODIC)
        return 0;
    u64 period = (u64)l->s.tmict * div;
    u64 into = (t - dl) % period;
    return (u32)((period - into + div - 1) / div);
}

u64 lapic_next_event(const struct lapic *l)
{
    if (timer_mode(l) == LVT_TIMER_TSCDL)
        return l->s.tsc_deadline ? l->s.tsc_deadline : UINT64_MAX;
    return l->s.timer_deadline ? l->s.timer_deadline : UINT64_MAX;
}

void lapic_run_timers(struct lapic *l, u64 t)
{
    if (timer_mode(l) == LVT_TIMER_TSCDL) {
        if (l->s.tsc_deadline && t >= l->s.tsc_deadline) {
            l->s.tsc_deadline = 0;
            lvt_fire(l, LVT_TIMER);
        }
        return;
    }
    if (!l->s.timer_deadline || t < l->s.timer_deadline)
        return;
    if (timer_mode(l) == LVT_TIMER_PERIODIC && l->s.tmict) {
        u64 period = (u64)l->s.tmict * timer_div(l);
        /* Periods missed while nobody looked coalesce into one interrupt, as IRR does. */
        u64 missed = (t - l->s.timer_deadline) / period + 1;
        l->s.timer_deadline += missed * period;
    } else {
        l->s.timer_deadline = 0;
    }
    lvt_fire(l, LVT_TIMER);
}

static void write_lvt_timer(struct lapic *l, u32 v)
{
    u32 mask = lvt_writable[LVT_TIMER] & ~(l->cfg.tsc_deadline ? 0 : LVT_TIMER_TSCDL);
    u32 old_mode = timer_mode(l);
    v &= mask;
    if ((v & LVT_TIMER_MODE) == LVT_TIMER_MODE)
        v &= ~LVT_TIMER_MODE;   /* mode 11b is reserved; treat as one-shot */
    if (!sw_enabled(l))
        v |= LVT_MASKED;
    l->s.lvt[LVT_TIMER] = v;
    if ((old_mode == LVT_TIMER_TSCDL) != ((v & LVT_TIMER_MODE) == LVT_TIMER_TSCDL)) {
        /* Switching to or from TSC-deadline mode disarms the timer (SDM 3A §11.5.4.1). */
        l->s.tmict = 0;
        l->s.timer_deadline = 0;
        l->s.tsc_deadline = 0;
    }
}

/* ---- register file ---- */

static u32 ldr_x2apic(const struct lapic *l)
{
    return (l->s.id >> 4) << 16 | 1u << (l->s.id & 0xf);
}

/* Read register `off` (16-byte aligned). *ok=false for a nonexistent/write-only register. */
static u32 reg_read(struct lapic *l, u32 off, bool x2, bool *ok)
{
    *ok = true;
    struct lapic_state *s = &l->s;
    if (off >= APIC_ISR && off < APIC_ISR + 0x80) return s->isr[(off - APIC_ISR) >> 4];
    if (off >= APIC_TMR && off < APIC_TMR + 0x80) return s->tmr[(off - APIC_TMR) >> 4];
    if (off >= APIC_IRR && off < APIC_IRR + 0x80) return s->irr[(off - APIC_IRR) >> 4];
    switch (off) {
    case APIC_ID: return x2 ? s->id : (s->id & 0xff) << 24;
    case APIC_VERSION: return APIC_VERSION_VALUE;
    case APIC_TPR: return s->tpr;
    case APIC_APR: if (x2) break; return lapic_arb_priority(l);
    case APIC_PPR: return ppr(l);
    case APIC_LDR: return x2 ? ldr_x2apic(l) : s->ldr;
    case APIC_DFR: if (x2) break; return s->dfr;
    case APIC_SVR: return s->svr;
    case APIC_ESR: return s->esr;
    case APIC_ICR: return s->icr_lo & ~(1u << 12);   /* delivery is instantaneous: always idle */
    case APIC_ICR2: if (x2) break; return s->icr_hi;
    case APIC_LVT_CMCI:
        /* The version register reports max LVT entry 5 and MCG_CAP has no CMCI_P, so in x2APIC
           mode the CMCI MSR (0x82f) does not exist and faults (kvm-unit-tests msr). */
        if (x2) break;
        return s->lvt[LVT_CMCI];
    case APIC_LVT_TIMER: case APIC_LVT_THERMAL: case APIC_LVT_PERF: case APIC_LVT_LINT0:
    case APIC_LVT_LINT1: case APIC_LVT_ERROR:
        return s->lvt[LVT_TIMER + ((off - APIC_LVT_TIMER) >> 4)];
    case APIC_TMICT: return s->tmict;
    case APIC_TMCCT: return timer_current(l);
    case APIC_TDCR: return s->tdcr;
    case APIC_EOI: case APIC_RRD: case APIC_SELF_IPI:
        if (!x2) return 0;   /* xAPIC: write-only registers read as 0 */
        break;
    default:
        if (!x2) return 0;
        break;
    }
    *ok = false;
    return 0;
}

static void send_ipi(struct lapic *l, u32 lo, u32 dest, bool x2)
{
    struct apic_msg m = {
        .dest = dest, .logical = lo & (1u << 11), .x2 = x2,
        .shorthand = (enum apic_shorthand)((lo >> 18) & 3), .dm = (enum apic_dm)((lo >> 8) & 7),
        .vector = lo & 0xff, .level_trig = lo & (1u << 15),
    };
    bool assert = lo & (1u << 14);
    if (m.dm == APIC_DM_INIT && !assert && m.level_trig)
        return;   /* INIT level de-assert: a bus synchronisation message, no effect */
    if ((m.dm == APIC_DM_FIXED || m.dm == APIC_DM_LOWEST) && m.vector < 16) {
        raise_error(l, ESR_SEND_ILLEGAL);
        return;
    }
    if (m.dm == APIC_DM_EXTINT || m.dm == 3) {
        raise_error(l, ESR_ILLEGAL_REG);
        return;
    }
    if (!sw_enabled(l) && (m.dm == APIC_DM_FIXED || m.dm == APIC_DM_LOWEST))
        log_printf(l->log, LOG_GUEST_ERRORS, "lapic %u: IPI sent while software-disabled", l->s.id);
    apicbus_send(l->bus, &m, l);
}

static void write_svr(struct lapic *l, u32 v)
{
    l->s.svr = v & 0x1ff;   /* bits 12 (EOI suppression) and 9 (focus) not supported */
    if (!(v & SVR_ENABLE))
        for (int i = 0; i < LVT_COUNT; i++)
            l->s.lvt[i] |= LVT_MASKED;
}

/* Write register `off`. Returns false for a read-only/nonexistent register or (x2APIC) reserved
 * bits, which is #GP in x2APIC mode and ignored in xAPIC mode. */
static bool reg_write(struct lapic *l, u32 off, u64 v64, bool x2)
{
    struct lapic_state *s = &l->s;
    u32 v = (u32)v64;
    switch (off) {
    case APIC_ID:
        if (x2) return false;
        s->id = (s->id & ~0xffu) | (v >> 24);
        return true;
    case APIC_TPR:
        if (x2 && (v & ~0xffu)) return false;
        s->tpr = v & 0xff;
        kick(l);
        return true;
    case APIC_EOI:
        if (x2 && v) return false;
        eoi(l);
        return true;
    case APIC_LDR:
        if (x2) return false;
        s->ldr = v & 0xff000000u;
        return true;
    case APIC_DFR:
        if (x2) return false;
        s->dfr = v | 0x0fffffffu;
        return true;
    case APIC_SVR:
        if (x2 && (v & ~0x11ffu)) return false;
        write_svr(l, v);
        return true;
    case APIC_ESR:
        if (x2 && v) return false;
        s->esr = s->esr_pending;   /* a write latches the errors seen since the last write */
        s->esr_pending = 0;
        return true;
    case APIC_ICR:
        if (x2) {
            if (v64 & 0x00000000fff32000ull) return false;   /* reserved bits (SDM 3A §11.12.9) */
            s->icr_lo = v;
            s->icr_hi = (u32)(v64 >> 32);
            send_ipi(l, v, s->icr_hi, true);
        } else {
            s->icr_lo = v & 0x000cdfffu;
            send_ipi(l, v, s->icr_hi >> 24, false);
        }
        return true;
    case APIC_ICR2:
        if (x2) return false;
        s->icr_hi = v & 0xff000000u;
        return true;
    case APIC_LVT_TIMER:
        write_lvt_timer(l, v);
        return true;
    case APIC_LVT_CMCI: case APIC_LVT_THERMAL: case APIC_LVT_PERF: case APIC_LVT_LINT0:
    case APIC_LVT_LINT1: case APIC_LVT_ERROR: {
        if (x2 && off == APIC_LVT_CMCI)
            return false;   /* no CMCI in x2APIC mode: see the read side */
        int idx = off == APIC_LVT_CMCI ? LVT_CMCI : LVT_TIMER + (int)((off - APIC_LVT_TIMER) >> 4);
        u32 keep = s->lvt[idx] & ~lvt_writable[idx];   /* read-only status bits */
        v &= lvt_writable[idx];
        if (!sw_enabled(l))
            v |= LVT_MASKED;
        s->lvt[idx] = v | keep;
        if (idx == LVT_LINT0 || idx == LVT_LINT1)
            lapic_set_lint(l, idx - LVT_LINT0, s->lint_level[idx - LVT_LINT0]);
        return true;
    }
    case APIC_TMICT:
        if (timer_mode(l) == LVT_TIMER_TSCDL)
            return true;   /* ignored in TSC-deadline mode */
        s->tmict = v;
        timer_start(l);
        return true;
    case APIC_TDCR:
        if (x2 && (v & ~0xbu)) return false;
        s->tdcr = v & 0xb;
        return true;
    case APIC_SELF_IPI:
        if (!x2) return false;
        if (v & ~0xffu) return false;
        send_ipi(l, (v & 0xff) | 1u << 18 | 1u << 14, 0, true);
        return true;
    }
    return false;
}

u32 lapic_mmio_read(struct lapic *l, u32 offset)
{
    bool ok;
    u32 v = reg_read(l, offset & 0xff0, false, &ok);
    return v >> (8 * (offset & 3));
}

void lapic_mmio_write(struct lapic *l, u32 offset, u32 value)
{
    if (offset & 0xf)
        return;   /* only aligned 32-bit accesses reach registers (SDM 3A §11.4.1) */
    if (!reg_write(l, offset, value, false) && offset != APIC_ESR)
        log_printf(l->log, LOG_GUEST_ERRORS, "lapic %u: write %#x to read-only register %#x",
                   l->s.id, value, offset);
}

/* ---- IA32_APIC_BASE and the x2APIC MSRs (SDM 3A §11.4.4, §11.12) ---- */

static bool write_base(struct lapic *l, u64 v)
{
    u64 reserved = ~0ull << l->cfg.maxphyaddr | 0x2ffull;
    if (v & reserved)
        return false;
    if ((v & LAPIC_BASE_EXTD) && !l->cfg.x2apic)
        return false;
    u64 old = l->s.base_msr;
    unsigned os = (old >> 10) & 3, ns = (v >> 10) & 3;   /* bit 0: EXTD, bit 1: EN */
    /* Legal transitions (Figure 11-27): disabled <-> xAPIC -> x2APIC -> disabled; EXTD without
       EN is invalid; x2APIC -> xAPIC directly is not allowed. */
    if (ns == 1 || (os == 3 && ns == 2) || (os == 0 && ns == 3))
        return false;
    l->s.base_msr = (v & ~(u64)LAPIC_BASE_BSP) | (old & LAPIC_BASE_BSP);
    if (os != 0 && ns == 0) {
        regs_reset(l);          /* global disable resets the APIC */
        l->s.extint_pending = l->s.lint_level[0];
    } else if (os == 0 && ns != 0) {
        l->s.extint_pending = false;
    }
    if (os == 2 && ns == 3) {
        l->s.id = l->cfg.id;    /* the x2APIC ID is the initial APIC ID, whatever xAPIC ID was written */
        l->s.ldr = ldr_x2apic(l);
    }
    kick(l);
    return true;
}

bool lapic_msr_read(struct lapic *l, u32 idx, u64 *v, bool *ok)
{
    *ok = true;
    if (idx == LAPIC_MSR_BASE) {
        *v = l->s.base_msr;
        return true;
    }
    if (idx == LAPIC_MSR_TSC_DEADLINE) {
        *ok = l->cfg.tsc_deadline;
        *v = timer_mode(l) == LVT_TIMER_TSCDL ? l->s.tsc_deadline : 0;
        return true;
    }
    if (idx < LAPIC_MSR_X2APIC_FIRST || idx > LAPIC_MSR_X2APIC_LAST)
        return false;
    if (!lapic_x2apic_mode(l)) {
        *ok = false;
        return true;
    }
    u32 off = (idx - LAPIC_MSR_X2APIC_FIRST) << 4;
    if (off == APIC_ICR) {
        *v = (u64)l->s.icr_hi << 32 | (l->s.icr_lo & ~(1u << 12));
        return true;
    }
    *v = reg_read(l, off, true, ok);
    return true;
}

bool lapic_msr_write(struct lapic *l, u32 idx, u64 v, bool *ok)
{
    *ok = true;
    if (idx == LAPIC_MSR_BASE) {
        *ok = write_base(l, v);
        return true;
    }
    if (idx == LAPIC_MSR_TSC_DEADLINE) {
        if (!l->cfg.tsc_deadline)
            *ok = false;
        else if (timer_mode(l) == LVT_TIMER_TSCDL)
            l->s.tsc_deadline = v;   /* writes in other timer modes are ignored */
        kick(l);
        return true;
    }
    if (idx < LAPIC_MSR_X2APIC_FIRST || idx > LAPIC_MSR_X2APIC_LAST)
        return false;
    if (!lapic_x2apic_mode(l)) {
        *ok = false;
        return true;
    }
    u32 off = (idx - LAPIC_MSR_X2APIC_FIRST) << 4;
    if (off != APIC_ICR && (v >> 32)) {
        *ok = false;
        return true;
    }
    *ok = reg_write(l, off, v, true);
    return true;
}

/* ---- destinations (SDM 3A §11.6.2) ---- */

bool lapic_match_dest(const struct lapic *l, u32 dest, bool logical, bool x2)
{
    if (!lapic_hw_enabled(l))
        return false;
    if (!logical) {
        if (x2 || lapic_x2apic_mode(l))
            return dest == 0xffffffffu || (!x2 && (dest & 0xff) == 0xff) || dest == l->s.id;
        return (dest & 0xff) == 0xff || (dest & 0xff) == (l->s.id & 0xff);
    }
    if (lapic_x2apic_mode(l)) {
        /* An 8-bit destination (I/O APIC, compatibility-format MSI) reaching an x2APIC is
           zero-extended: cluster 0, members 7:0; 0xff stays a broadcast. */
        if (!x2)
            dest = (dest & 0xff) == 0xff ? 0xffffffffu : dest & 0xff;
        if (dest == 0xffffffffu)
            return true;
        u32 ldr = ldr_x2apic(l);
        return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
    }
    u8 d = dest & 0xff, logical_id = l->s.ldr >> 24;
    if (d == 0xff)
        return true;
    if ((l->s.dfr >> 28) == 0xf)
        return (d & logical_id) != 0;   /* flat model */
    return (d >> 4) == (logical_id >> 4) && (d & logical_id & 0xf);   /* cluster model */
}

u64 lapic_mmio_page(const struct lapic *l)
{
    if (!lapic_hw_enabled(l) || lapic_x2apic_mode(l))
        return UINT64_MAX;
    return l->s.base_msr & ~0xfffull & ((1ull << l->cfg.maxphyaddr) - 1);
}
