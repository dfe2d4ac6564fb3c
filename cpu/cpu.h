/* cpu/cpu.h — one virtual CPU: architectural state and the public execution API.
 *
 * Field lifetime tags (SDM 3A Table 10-1 "Processor states following power-up, reset,
 * or INIT"): (R) reset by RESET and INIT, (P) power-up/RESET only, (S) scratch within one
 * step, (C) configuration, fixed after creation. */
#ifndef HVSIM_CPU_CPU_H
#define HVSIM_CPU_CPU_H

#include <setjmp.h>

#include "base/iomap.h"
#include "base/log.h"
#include "cpu/insn.h"
#include "cpu/model.h"
#include "cpu/regs.h"
#include "mmu/phys.h"
#include "mmu/tlb.h"

struct cpu_dbg_hooks;
struct icache;
struct vmx_cpu;

/* Decode modes (the icache key includes it). */
enum cpu_mode {
    MODE_REAL,     /* CR0.PE = 0 */
    MODE_V86,      /* RFLAGS.VM = 1 */
    MODE_PROT16,   /* protected, CS.D = 0 */
    MODE_PROT32,   /* protected, CS.D = 1 */
    MODE_COMPAT16, /* EFER.LMA = 1, CS.L = 0, CS.D = 0 */
    MODE_COMPAT32, /* EFER.LMA = 1, CS.L = 0, CS.D = 1 */
    MODE_LONG64,   /* EFER.LMA = 1, CS.L = 1 */
    MODE_COUNT
};

enum cpu_run_state {
    CPU_RUNNING,
    CPU_HALTED,          /* HLT: wakes on an unmasked interrupt, NMI, INIT */
    CPU_WAIT_SIPI,       /* AP after INIT */
    CPU_SHUTDOWN,        /* triple fault with -no-reboot semantics left to the machine */
};

/* Why cpu_run returned. */
enum cpu_stop {
    STOP_BUDGET,         /* ran the requested number of instructions/cycles */
    STOP_HALT,           /* halted with nothing to wake it */
    STOP_SHUTDOWN,       /* triple fault */
    STOP_REQUEST,        /* the machine or debugger asked (c->stop_request) */
    STOP_UNIMPLEMENTED,  /* hvsim does not model something the guest needs: see c->stop_msg */
};

/* What the CPU needs from the machine: buses, code tracking, log and a few callbacks. */
struct cpu_bus {
    struct phys *phys;
    struct iomap *io;
    struct log *log;
    void *opaque;
    /* Port I/O goes through here so the machine can stop on a device's request (debug exit). */
};

/* The processor's local APIC as the CPU sees it (devices/lapic.c, wired by the machine). The CPU
 * asks it for maskable interrupts, routes CR8, the APIC MSRs and its MMIO page to it, and runs
 * its timers. An APIC with no functions (unit tests) means "no APIC". */
struct cpu_apic {
    void *opaque;
    bool (*intr_pending)(void *opaque);
    int (*intr_ack)(void *opaque);                          /* INTA: the vector */
    u8 (*read_cr8)(void *opaque);
    void (*write_cr8)(void *opaque, u8 v);
    bool (*msr_read)(void *opaque, u32 idx, u64 *v, bool *ok);   /* false: not an APIC MSR */
    bool (*msr_write)(void *opaque, u32 idx, u64 v, bool *ok);
    u64 (*mmio_page)(void *opaque);                         /* UINT64_MAX: not decoded */
    u32 (*mmio_read)(void *opaque, u32 offset);
    void (*mmio_write)(void *opaque, u32 offset, u32 v);
    u64 (*next_event)(void *opaque);                        /* TSC, UINT64_MAX: none */
    void (*run_timers)(void *opaque, u64 tsc);
    void (*reset)(void *opaque, bool init_only);
};

/* Signals from the APIC (or the board) to the processor. */
enum cpu_signal { CPU_SIG_INTR, CPU_SIG_NMI, CPU_SIG_INIT, CPU_SIG_SIPI, CPU_SIG_YIELD };

struct cpu_msrs {
    u64 star, lstar, cstar, sfmask;      /* (R) */
    u64 fs_base, gs_base, kernel_gs_base;/* (R) FS/GS bases live in seg[]; kernel_gs here */
    u64 sysenter_cs, sysenter_esp, sysenter_eip;
    u64 tsc_aux, tsc_adjust;
    u64 apic_base;                       /* (P) */
    u64 pat;                             /* (R) */
    u64 misc_enable;
    u64 feature_control;                 /* (P) */
    u64 debugctl;
    u64 mtrr_cap, mtrr_def_type, mtrr_fix[11], mtrr_var[16];
    u64 spec_ctrl;
    u64 pmc[8], perfevtsel[8], fixed_ctr[3], fixed_ctr_ctrl, perf_global_ctrl, perf_global_status;
    u64 pmu_insns, pmu_cycles;           /* c->insns, c->cycles at the last pmu_sync */
    u8 pmu_cpl;                          /* CPL since the last pmu_sync */
    bool pmu_active;                     /* some counter is counting (cpu/pmu.c) */
    u64 amd_perf_ctl[6], amd_perf_ctr[6];
    u64 mcg_status, mcg_ctl, mc_regs[4 * 10];
    u64 tsc_offset;                      /* (R) TSC = cycles + tsc_offset */
};

/* A code page's translation for instruction fetch (struct cpu's fetch-page cache). */
struct fetch_xlat {
    u64 page;           /* la >> 12 */
    u64 tlb_gen;
    pa_t pa;            /* physical page */
    const u32 *gen;     /* its code-page generation, or NULL (not RAM) */
    u8 cpl;
};

#define CHAIN_NONE UINT64_MAX   /* struct cpu's chain_from outside a chained run */
enum { CHAIN_TRY = 1, CHAIN_MISSED = 2 };

struct cpu {
    /* ---- architectural state ---- */
    u64 gpr[16];                         /* (R) */
    u64 rip;                             /* (R) */
    u64 rflags;                          /* (R) */
    struct seg seg[SEG_COUNT];           /* (R) */
    struct seg ldtr, tr;                 /* (R) */
    struct dtr gdtr, idtr;               /* (R) */
    u64 cr0, cr2, cr3, cr4, cr8;         /* (R) */
    u64 xcr0;                            /* (R) */
    u64 efer;                            /* (R) */
    u64 dr[8];                           /* (R) DR4/DR5 alias DR6/DR7 */
    u32 pkru;                            /* (R) */
    u8 fpu_state[512];                   /* (R) FXSAVE image */
    u64 rng_state;                       /* (P) RDRAND/RDSEED generator (deterministic) */
    struct cpu_msrs msr;
    u64 pdpte[4];                        /* (R) PAE PDPTE registers */

    /* ---- derived state, recomputed by cpu_update_mode() ---- */
    u8 cpl;
    u8 mode;                             /* enum cpu_mode */
    u8 la_width;                         /* 48 or 57 */
    u64 tlb_tag;                         /* virtualization tag | PCID */

    /* ---- event state ---- */
    enum cpu_run_state state;
    bool attention;                      /* slow path needed before the next instruction */
    bool intr_shadow;                    /* STI / MOV SS blocking ... */
    u64 shadow_at;                       /* ... at the boundary where insns == shadow_at */
    bool movss_shadow;                   /* ... and it comes from MOV SS/POP SS (holds #DB too) */
    bool nmi_blocked;
    bool monitor_armed;                  /* MONITOR armed an address range (MWAIT disarms it) */
    bool nmi_pending, init_pending, sipi_pending, yield_pending;
    u32 dbg_pending;                     /* DR6 bits of debug traps not yet delivered (cpu/debug.c) */
    bool dbg_exec_armed;                 /* DR7 enables an instruction breakpoint */
    bool dbg_data_armed;                 /* DR7 enables a data or I/O breakpoint */
    struct cpu_dbg_hooks *dbgr;          /* the simulator's debugger (cpu/debug.h), or NULL */
    u8 sipi_vector;
    bool pause_yields;                   /* another vCPU is runnable: PAUSE ends the slice */
    bool paused;                         /* the slice ended in a PAUSE spin (board: catch up) */
    u64 horizon;                         /* cycles at which the board wants control back */
    u64 timer_at;                        /* cycles of the APIC's next timer event */
    u64 apic_page;                       /* physical page of the xAPIC window, or UINT64_MAX */
    /* The RAM range (writable, host-backed) of the last slow-path physical access, copied from
       the bus map, whose RAM ranges never change once the machine is built; len 0 = none yet.
       Page walks and TLB fills find their RAM here without searching the map. */
    struct { pa_t base; u64 len; u8 *host; } ram_hint;
    struct cpu_apic apic;                /* (C) */
    bool stop_request;
    enum cpu_stop stop_reason;
    char stop_msg[160];

    /* ---- fetch-page cache (cpu/icache.h): the translation of the last code page, and of the
       one before it (a system call or interrupt and its return switch between two), each
       valid while tlb.gen (which a change of tlb_tag bumps too) and the CPL are unchanged;
       zeroed at creation, when tlb.gen is already past 0 (tlb_init flushes), so both start
       invalid ---- */
    struct fetch_xlat fetch, fetch_alt;
    u64 chain_from;                      /* c->insns when the step loop's chained run began,
                                            or CHAIN_NONE outside one (cpu/cpu.c) */
    u8 chain_try;                        /* CHAIN_TRY while the chained run calls a pure
                                            handler, CHAIN_MISSED when that handler left the
                                            instruction undone (cpu/exec_fast.c), else 0 */
    u64 chain_stop;                      /* the cycle count that ends the chained run; 0 when
                                            a pure handler left its instruction undone */

    /* ---- step bookkeeping (S) ---- */
    jmp_buf step_env;
    u64 insn_rip, insn_rsp;
    const struct insn *cur;
    int exc_depth;                       /* nested exception delivery: 0, 1 (fault), 2 (#DF) */
    u8 exc_first;                        /* vector being delivered when a second one hit */
    struct insn scratch;                 /* page-crossing instructions are decoded here */

    /* ---- counters ---- */
    u64 cycles;                          /* modelled cycles; TSC derives from it */
    u64 insns;                           /* retired instructions */
    u64 tlb_misses, walk_refs;
    u64 tlb_misses_nonroot;              /* the part of tlb_misses in VMX non-root operation */

    /* ---- configuration (C) ---- */
    int id;                              /* APIC ID */
    struct cpu_model model;
    struct cpu_bus bus;
    struct tlb tlb;
    struct icache *icache;
    void *decoders;                      /* Zydis decoders, owned by cpu/decode.c */

    /* ---- VMX (vmx/hooks.h): cold-path checks test these two flags only ---- */
    bool vmx_on;                         /* in VMX operation (root or non-root) */
    bool vmx_nonroot;                    /* in VMX non-root operation */
    struct vmx_cpu *vmx;                 /* VMX state, owned by vmx/core.c */
};

/* Create-time setup; the cpu is then in the RESET state. Returns 0 or -1 (no memory). */
int cpu_init(struct cpu *c, int id, const struct cpu_model *model, const struct cpu_bus *bus) MUST_CHECK;
void cpu_destroy(struct cpu *c);

/* RESET (power-up) or INIT state, SDM 3A Table 10-1. */
void cpu_reset(struct cpu *c, bool init_only);

/* Run until `max_insns` instructions retired or something stops the CPU. */
enum cpu_stop cpu_run(struct cpu *c, u64 max_insns);

/* A change of the paging controls the TLB's cached permissions depend on (CR0.PG/WP/PE, the
 * CR4 paging bits, EFER, PKRU). tlb=strict: the current VPID's entries only, the scope of
 * MOV to CR0/CR4 in VMX non-root operation (SDM 3C §29.4.3.1); other tags were built under
 * their own controls, which VM entry and exit check (vmx/vpid.c). Otherwise: everything. */
void cpu_tlb_flush_paging_ctl(struct cpu *c);

/* Count an invalidating instruction (MOV CR3, INVLPG, INVPCID) for -stats; under tlb=flush
 * flush everything and return true: the caller's scoped invalidation is then moot. */
bool cpu_tlb_invalidating(struct cpu *c, enum tlb_cause why);

/* Recompute cpl/mode/la_width/tlb_tag after a change to CR0, CR4, EFER, CS or RFLAGS.VM. */
void cpu_update_mode(struct cpu *c);

/* cpu_update_mode after a change of CPL alone that stays in 64-bit mode (SYSCALL from and
 * SYSRET to 64-bit code): mode, la_width and the TLB tag follow from CR0, CR4, EFER, CR3,
 * CS.L and the VMX state, none of which changed; only the PMU's OS/USR filter looks at CPL. */
void cpu_update_cpl_long64(struct cpu *c);

/* Stop the run loop with an "unimplemented: ..." message (never abort()). Does not return. */
_Noreturn void cpu_unimplemented(struct cpu *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Raise an exception from within an instruction (restores RIP/RSP, delivers it, unwinds).
 * err is ignored for vectors that push no error code. */
_Noreturn void cpu_fault(struct cpu *c, unsigned vector, u32 err);

/* Signal the processor (from its APIC or the board); takes effect at the next boundary. */
void cpu_signal(struct cpu *c, enum cpu_signal s, u8 vector);

/* Re-read the APIC's MMIO page and next timer event after the APIC changed them. */
void cpu_apic_changed(struct cpu *c);

/* Block interrupts (and NMIs) until after the next instruction (STI, MOV SS, POP SS). */
static inline void cpu_set_shadow(struct cpu *c)
{
    c->intr_shadow = true;
    c->movss_shadow = false;
    c->shadow_at = c->insns + 1;
    c->attention = true;
}

/* MOV SS / POP SS: like STI, and debug exceptions are held too (SDM 3A §6.8.3). */
static inline void cpu_set_shadow_movss(struct cpu *c)
{
    cpu_set_shadow(c);
    c->movss_shadow = true;
}

/* TSC as the guest sees it (SDM 3B §18.17). */
u64 cpu_read_tsc(const struct cpu *c);

#endif
