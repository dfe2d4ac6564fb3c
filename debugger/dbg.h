/* debugger/dbg.h — the debugger's state and the helpers its command files share. Internal to
 * debugger/. */
#ifndef HVSIM_DEBUGGER_DBG_H
#define HVSIM_DEBUGGER_DBG_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "debugger/cmdtab.h"
#include "debugger/xfmt.h"
#include "machine/machine.h"
#include "vmx/entry_checks.h"
#include "vmx/vmcs.h"

#define DBG_MAX_BPS 64
#define DBG_MAX_CPUS 64

/* BP_VMEXIT..BP_INJECT stop at VM transitions (cmds_vmx.c); addr is the basic exit reason of
   BP_VMEXIT, or DBG_ANY_REASON. */
enum dbg_bp_kind { BP_INSN_LA, BP_INSN_PA, BP_WATCH_LA, BP_WATCH_PA, BP_VMEXIT, BP_VMENTRY, BP_ENTRYFAIL, BP_INJECT };
#define DBG_ANY_REASON UINT64_MAX
enum { WATCH_WRITE = 1, WATCH_READ = 2, WATCH_ACCESS = 3 };

struct dbg_bp {
    int id;                 /* 0: free slot */
    enum dbg_bp_kind kind;
    u64 addr;               /* linear or physical */
    unsigned len;           /* watchpoints: bytes */
    unsigned rw;            /* watchpoints: WATCH_* */
    bool enabled;
    bool gdb;               /* inserted by the gdb client (Z packets) */
    u64 hits;
};

enum dbg_stop_kind { DSTOP_NONE, DSTOP_STEP, DSTOP_BREAK, DSTOP_WATCH, DSTOP_INTERRUPT, DSTOP_EXITED, DSTOP_VMX };

struct dbg_stop {
    enum dbg_stop_kind kind;
    unsigned cpu;
    int bp;                 /* breakpoint/watchpoint id */
    u64 addr;               /* watchpoint: the access address (linear) */
    bool write, have_old;
    u64 old;
    int event;              /* DSTOP_VMX: enum cpu_dbg_event */
    u64 info;               /* its info (exit reason, injected event) */
};

/* The last VM transition of a vCPU as the event hook saw it (for the stop report and explain). */
struct dbg_vmx_last {
    bool exit_valid;        /* an exit or entry failure happened */
    bool failed;            /* the last transition was a failed VM entry */
    u32 reason;             /* exit reason (0 for VMfailValid) */
    u32 guest_ecx;          /* guest ECX at the exit (the MSR of RDMSR/WRMSR) */
    u64 exit_cycles;        /* c->cycles right after the exit */
    struct vmx_check_failure failure;   /* the failed check (a later entry clears the CPU's) */
    u32 insn_error;         /* VMfailValid: the VM-instruction error */
};

struct gdbstub;

struct dbg {
    struct machine *m;
    unsigned ncpus;
    unsigned cur;                       /* selected vCPU */
    struct cpu_dbg_hooks hooks;
    struct dbg_bp bps[DBG_MAX_BPS];
    int next_id;
    /* Stepping over the breakpoint a vCPU stopped at: skip the check once for the instruction
       at skip_la[i] while insns == skip_insns[i]. */
    la_t skip_la[DBG_MAX_CPUS];
    u64 skip_insns[DBG_MAX_CPUS];
    bool skip[DBG_MAX_CPUS];
    /* nexti over a call: a temporary stop at tmp_la on vCPU tmp_cpu. */
    bool tmp_active;
    unsigned tmp_cpu;
    la_t tmp_la;
    struct dbg_stop stop;
    bool exited;                        /* the machine stopped for good */
    enum machine_exit why;
    bool att;                           /* disassembly flavor AT&T */
    FILE *out;                          /* where commands print (the terminal, or a qRcmd buffer) */
    struct xfmt xf;                     /* last x format */
    u64 x_next;                         /* address after the last x/xp/disassemble */
    bool x_phys;
    char last_cmd[512];                 /* for the empty-line repeat */
    bool repeating;                     /* running a repeated command */
    bool quit;
    bool interactive;                   /* a terminal prompt */
    struct gdbstub *gdb;                /* NULL: no gdbstub */
    const struct machine_config *cfg;
    /* VMX (cmds_vmx.c): step-exit/step-entry wait for this event + 1 (0: none); the VMCS of
       the selected vCPU at the previous and the latest stop, for `vmcs diff`. */
    int vmx_step;
    bool stepping;                      /* in stepi: a VM exit ends the step at the host's RIP */
    struct dbg_vmx_last vmx_last[DBG_MAX_CPUS];
    struct vmcs vmcs_prev, vmcs_now;
    bool vmcs_prev_ok, vmcs_now_ok;     /* a current VMCS existed at that stop */
};

/* Set by the SIGINT handler, read by the run loop's poll: the one global in hvsim, because a
 * signal handler can reach nothing else (a volatile sig_atomic_t is all C allows it to write). */
extern volatile sig_atomic_t dbg_sigint;

/* ---- dbg.c ---- */
void dbg_printf(struct dbg *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "error: ..." and return -1. */
int dbg_error(struct dbg *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct cpu *dbg_cpu(struct dbg *d);
/* Execute one command line; 0 or -1 (error). */
int dbg_exec_line(struct dbg *d, const char *line);
/* Run the machine until a stop (continue) or for n instructions of the current vCPU. Prints
 * the stop unless quiet. */
void dbg_continue(struct dbg *d, bool quiet);
void dbg_stepi(struct dbg *d, u64 n, bool quiet);
/* nexti: step, or run past a CALL to the next instruction. */
int dbg_nexti(struct dbg *d);
/* Point d->hooks at the breakpoint/watchpoint checks. */
void dbg_install_hooks(struct dbg *d);
/* Re-arm the CPUs' hooks after the breakpoint list changed. */
void dbg_rearm(struct dbg *d);
/* Add a breakpoint/watchpoint; its id, or -1 (table full). */
int dbg_bp_add(struct dbg *d, enum dbg_bp_kind kind, u64 addr, unsigned len, unsigned rw, bool gdb);
/* Print where the current vCPU is: "cpu0 0x1000: mov eax, 1". */
void dbg_print_where(struct dbg *d, unsigned cpu);
/* The prompt: "(hvsim cpu0 long64) ". */
void dbg_prompt(struct dbg *d, char *buf, size_t n);
/* Parse an expression (registers of the current vCPU); -1 after printing the error. */
int dbg_expr(struct dbg *d, const char **s, u64 *v);
/* Command names for completion. */
const char *dbg_complete_name(const char *prefix, unsigned i, bool info);

/* ---- mem.c: guest memory as the debugger sees it (RAM and ROM only; MMIO is refused, so
   looking never disturbs a device) ---- */
int dbg_read_pa(struct dbg *d, pa_t pa, void *buf, size_t n);
int dbg_write_pa(struct dbg *d, pa_t pa, const void *buf, size_t n);
/* Linear addresses through c's current paging (no A/D updates); -1 when unmapped. */
int dbg_read_la(struct dbg *d, struct cpu *c, la_t la, void *buf, size_t n);
int dbg_write_la(struct dbg *d, struct cpu *c, la_t la, const void *buf, size_t n);
int dbg_translate(struct cpu *c, la_t la, pa_t *pa);

/* ---- regs.c ---- */
bool dbg_reg_get(struct cpu *c, const char *name, size_t len, u64 *v);
int dbg_reg_set(struct cpu *c, const char *name, size_t len, u64 v);
const char *dbg_mode_name(const struct cpu *c);

/* ---- disasm.c ---- */
/* Disassemble the instruction in bytes[0..n) as vCPU c's current mode would decode it, at
 * address `addr`; its length, or 0 if invalid (out holds "(bad)"). *is_call: a CALL. */
unsigned dbg_disasm(const struct cpu *c, bool att, const u8 *bytes, size_t n, u64 addr, char *out,
                    size_t outlen, bool *is_call);

/* ---- cmds_vmx.c ---- */
/* The VM-transition hook (cpu_dbg_hooks.event). */
void dbg_vmx_event(void *opaque, struct cpu *c, int kind, u64 info);
/* Report a DSTOP_VMX stop (before the "cpuN ADDR: insn" line). */
void dbg_vmx_report_stop(struct dbg *d);
/* "vmexit cpuid", "vmentry" ... for info breakpoints. */
void dbg_vmx_describe_bp(const struct dbg_bp *b, char *buf, size_t n);
/* At every stop: remember the selected vCPU's VMCS for `vmcs diff`. */
void dbg_vmx_note_stop(struct dbg *d);

/* ---- command tables (cmds_*.c) ---- */
extern const struct dbg_cmd_table dbg_cmd_tables[];
extern const size_t dbg_cmd_ntables;
extern const struct dbg_cmd_table dbg_info_tables[];
extern const size_t dbg_info_ntables;

#endif
