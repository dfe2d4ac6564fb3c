/* devices/lapic.h — the local APIC of one vCPU (SDM 3A ch. 11 "Advanced Programmable Interrupt
 * Controller"): xAPIC MMIO page and x2APIC MSRs, IRR/ISR/TMR, TPR/PPR, EOI (with the EOI
 * broadcast to I/O APICs), the LVT, the timer (one-shot, periodic, TSC-deadline), the ICR with
 * every delivery mode and shorthand, ESR, LINT0/LINT1 (ExtINT from the 8259, NMI), and
 * IA32_APIC_BASE with its enable/x2APIC state machine (SDM 3A §11.12.5 Figure 11-27).
 *
 * Time is the owning CPU's TSC, read through lapic_host.now; the timer input clock runs at the
 * TSC rate (one count per TSC tick before the divide configuration), so a one-shot of N counts
 * with divide-by-1 expires N TSC ticks after TMICT is written. Delivery to other APICs goes
 * through the APIC bus (devices/apicbus.h). The CPU sees this device only through the small
 * lapic_* entry points below; nothing here knows struct cpu. */
#ifndef HVSIM_DEVICES_LAPIC_H
#define HVSIM_DEVICES_LAPIC_H

#include "base/log.h"
#include "base/types.h"

struct apicbus;

enum {
    LAPIC_DEFAULT_BASE = 0xfee00000u,
    LAPIC_BASE_BSP = 1u << 8, LAPIC_BASE_EXTD = 1u << 10, LAPIC_BASE_EN = 1u << 11,
    LAPIC_MSR_BASE = 0x1b, LAPIC_MSR_TSC_DEADLINE = 0x6e0,
    LAPIC_MSR_X2APIC_FIRST = 0x800, LAPIC_MSR_X2APIC_LAST = 0x8ff,
    LAPIC_SPURIOUS_NONE = -1,
};

/* Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16). */
enum {
    APIC_ID = 0x20, APIC_VERSION = 0x30, APIC_TPR = 0x80, APIC_APR = 0x90, APIC_PPR = 0xa0,
    APIC_EOI = 0xb0, APIC_RRD = 0xc0, APIC_LDR = 0xd0, APIC_DFR = 0xe0, APIC_SVR = 0xf0,
    APIC_ISR = 0x100, APIC_TMR = 0x180, APIC_IRR = 0x200, APIC_ESR = 0x280,
    APIC_LVT_CMCI = 0x2f0, APIC_ICR = 0x300, APIC_ICR2 = 0x310, APIC_LVT_TIMER = 0x320,
    APIC_LVT_THERMAL = 0x330, APIC_LVT_PERF = 0x340, APIC_LVT_LINT0 = 0x350,
    APIC_LVT_LINT1 = 0x360, APIC_LVT_ERROR = 0x370, APIC_TMICT = 0x380, APIC_TMCCT = 0x390,
    APIC_TDCR = 0x3e0, APIC_SELF_IPI = 0x3f0,
};

/* LVT indices. */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_CMCI, LVT_COUNT };

/* Delivery modes (ICR, LVT, I/O APIC redirection entries). */
enum apic_dm {
    APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4, APIC_DM_INIT = 5,
    APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* Signals the APIC raises on its processor. */
enum lapic_signal { LAPIC_SIG_INTR, LAPIC_SIG_NMI, LAPIC_SIG_INIT, LAPIC_SIG_SIPI, LAPIC_SIG_SMI };

/* What the APIC needs from its processor and board. */
struct lapic_host {
    u64 (*now)(void *opaque);                          /* the processor's TSC */
    void (*signal)(void *opaque, enum lapic_signal s, u8 vector);
    void *opaque;
    int (*extint_ack)(void *extint_opaque);            /* INTA to the 8259: vector */
    void *extint_opaque;
};

/* Everything a snapshot needs; no pointers. */
struct lapic_state {
    u64 base_msr;                  /* IA32_APIC_BASE */
    u32 id;                        /* x2APIC ID (xAPIC ID is bits 7:0 of it, in bits 31:24) */
    u32 tpr, ldr, dfr, svr, esr, esr_pending, icr_lo, icr_hi, tdcr, tmict;
    u32 lvt[LVT_COUNT];
    u32 irr[8], isr[8], tmr[8];
    u64 timer_start;               /* TSC when the current count started */
    u64 timer_deadline;            /* TSC of the next expiry; 0 = not armed */
    u64 tsc_deadline;              /* IA32_TSC_DEADLINE */
    bool lint_level[2];
    bool extint_pending;           /* LINT0 in ExtINT mode with the 8259's INTR high */
};

struct lapic_config {
    u32 id;                        /* initial APIC ID */
    bool bsp;                      /* IA32_APIC_BASE.BSP */
    bool x2apic, tsc_deadline;     /* features the CPU model advertises */
    unsigned maxphyaddr;           /* for IA32_APIC_BASE reserved bits */
};

struct lapic {
    struct lapic_state s;
    struct lapic_config cfg;
    struct apicbus *bus;
    struct lapic_host host;
    const struct log *log;
};

void lapic_init(struct lapic *l, const struct lapic_config *cfg, struct apicbus *bus,
                const struct lapic_host *host, const struct log *log);
/* Power-up/RESET state (SDM 3A §11.4.7.1); INIT keeps the ID and IA32_APIC_BASE. */
void lapic_reset(struct lapic *l, bool init_only);

/* ---- the processor's view ---- */
bool lapic_hw_enabled(const struct lapic *l);
bool lapic_x2apic_mode(const struct lapic *l);
/* A maskable interrupt is pending for the processor (fixed vector above PPR, or ExtINT). */
bool lapic_intr_pending(const struct lapic *l);
/* INTA: the vector to deliver; moves it from IRR to ISR (or asks the 8259). */
int lapic_intr_ack(struct lapic *l);
/* CR8 reads/writes TPR[7:4] (SDM 3A §11.8.6.1). */
u8 lapic_read_cr8(const struct lapic *l);
void lapic_write_cr8(struct lapic *l, u8 v);
/* MSRs owned by the APIC: IA32_APIC_BASE, IA32_TSC_DEADLINE, 0x800-0x8ff. handled=false when
 * the index is not one of them; *ok=false means #GP. */
bool lapic_msr_read(struct lapic *l, u32 idx, u64 *v, bool *ok);
bool lapic_msr_write(struct lapic *l, u32 idx, u64 v, bool *ok);
/* Physical page of the xAPIC MMIO window, or UINT64_MAX when not decoded (disabled/x2APIC). */
u64 lapic_mmio_page(const struct lapic *l);
/* xAPIC MMIO page: 32-bit accesses at `offset` within the page. */
u32 lapic_mmio_read(struct lapic *l, u32 offset);
void lapic_mmio_write(struct lapic *l, u32 offset, u32 value);
/* TSC of the next timer event, or UINT64_MAX. */
u64 lapic_next_event(const struct lapic *l);
/* Fire everything due at TSC `now`. */
void lapic_run_timers(struct lapic *l, u64 now);

/* ---- the board's view ---- */
/* An interrupt message arriving from the APIC bus (IPI or I/O APIC). */
void lapic_accept(struct lapic *l, enum apic_dm dm, u8 vector, bool level_trig);
/* Level change on LINT0/LINT1 (LINT0 carries the 8259's INTR). */
void lapic_set_lint(struct lapic *l, int pin, bool level);
/* Destination matching for the bus (SDM 3A §11.6.2); `x2` = 32-bit x2APIC destination format. */
bool lapic_match_dest(const struct lapic *l, u32 dest, bool logical, bool x2);
/* Priority for lowest-priority arbitration (SDM 3A §11.6.2.4): the APR. */
u32 lapic_arb_priority(const struct lapic *l);

#endif
