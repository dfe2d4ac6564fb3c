/* cpu/cpu.c — creation, RESET/INIT state, mode tracking and the step loop. */
#include "cpu/cpu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/debug.h"
#include "cpu/decode.h"
#include "cpu/events.h"
#include "cpu/icache.h"
#include "cpu/pmu.h"
#include "vmx/hooks.h"

int cpu_init(struct cpu *c, int id, const struct cpu_model *model, const struct cpu_bus *bus)
{
    memset(c, 0, sizeof(*c));
    c->id = id;
    c->model = *model;
    c->bus = *bus;
    c->icache = icache_create();
    c->decoders = decode_create(model);
    if (!c->icache || !c->decoders || vmx_cpu_create(c)) {
        cpu_destroy(c);
        return -1;
    }
    tlb_init(&c->tlb);
    c->tlb.mode = model->tlb_mode;
    c->msr.apic_base = 0xfee00000ull | (1ull << 11) | (id == 0 ? 1ull << 8 : 0);
    c->apic_page = UINT64_MAX;
    c->timer_at = UINT64_MAX;
    c->horizon = UINT64_MAX;
    c->chain_from = CHAIN_NONE;
    cpu_reset(c, false);
    return 0;
}

void cpu_signal(struct cpu *c, enum cpu_signal s, u8 vector)
{
    switch (s) {
    case CPU_SIG_INTR: break;
    case CPU_SIG_NMI: c->nmi_pending = true; break;
    case CPU_SIG_INIT: c->init_pending = true; break;
    case CPU_SIG_SIPI:
        c->sipi_pending = true;
        c->sipi_vector = vector;
        break;
    case CPU_SIG_YIELD: c->yield_pending = true; break;
    }
    c->attention = true;
}

void cpu_apic_changed(struct cpu *c)
{
    if (!c->apic.mmio_page)
        return;
    u64 page = c->apic.mmio_page(c->apic.opaque);
    if (page != c->apic_page) {
        c->apic_page = page;
        tlb_flush_all(&c->tlb);   /* a cached RAM translation may now hide the window */
    }
    c->attention = true;          /* the next timer event is recomputed at the boundary */
}

void cpu_destroy(struct cpu *c)
{
    icache_destroy(c->icache);
    decode_destroy(c->decoders);
    vmx_cpu_destroy(c);
    c->icache = NULL;
    c->decoders = NULL;
}

static void seg_reset(struct seg *s, u16 sel, u64 base, u32 ar)
{
    s->sel = sel;
    s->base = base;
    s->limit = 0xffff;
    s->ar = ar;
}

/* SDM 3A Table 10-1. INIT keeps the MSRs, x87/SSE state, CR2..., per the table. */
void cpu_reset(struct cpu *c, bool init_only)
{
    memset(c->gpr, 0, sizeof(c->gpr));
    c->gpr[RDX] = c->model.signature;
    c->rip = 0xfff0;
    c->rflags = RFLAGS_FIXED1;
    seg_reset(&c->seg[SEG_CS], 0xf000, 0xffff0000ull, 0x9b);
    for (int s = 0; s < SEG_COUNT; s++)
        if (s != SEG_CS)
            seg_reset(&c->seg[s], 0, 0, 0x93);
    seg_reset(&c->ldtr, 0, 0, 0x82);
    seg_reset(&c->tr, 0, 0, 0x8b);
    c->gdtr = (struct dtr){0, 0xffff};
    c->idtr = (struct dtr){0, 0xffff};
    /* CR0: 60000010H at power-up; INIT keeps CD/NW (SDM 3A Table 10-1 note). */
    u64 keep = init_only ? (c->cr0 & (CR0_CD | CR0_NW)) : (CR0_CD | CR0_NW);
    c->cr0 = CR0_ET | keep;
    c->cr2 = c->cr3 = c->cr4 = c->cr8 = 0;   /* CR8 mirrors TPR, which the APIC reset clears */
    c->xcr0 = 1;
    c->efer = 0;
    memset(c->dr, 0, sizeof(c->dr));
    c->dr[6] = DR6_FIXED1;
    c->dr[7] = DR7_FIXED1;
    c->dbg_pending = 0;
    c->dbg_exec_armed = c->dbg_data_armed = false;
    if (c->dbgr)
        debug_update(c);   /* the debugger's breakpoints survive RESET and INIT */
    c->pkru = 0;
    if (!init_only) {
        c->msr.pat = 0x0007040600070406ull;
        c->msr.misc_enable = 1;   /* fast strings */
        /* Unlocked, so guests can test locking; -cpu ...,fc-locked starts it as firmware
           leaves it: locked, VMXON outside SMX enabled (SDM 3C §24.7, 3B Table 2-2). */
        c->msr.feature_control = c->model.fc_locked ? 1 | (model_has(&c->model, FEAT_VMX) ? 4 : 0) : 0;
        c->msr.tsc_adjust = 0;
        c->msr.tsc_offset = 0;
        pmu_reset(c);
        vmx_cpu_reset(c);   /* RESET leaves VMX operation */
    }
    c->msr.kernel_gs_base = 0;
    memset(c->fpu_state, 0, sizeof(c->fpu_state));
    c->fpu_state[0] = 0x7f;   /* FCW = 037FH after FNINIT; the reset value is 0040H */
    c->fpu_state[1] = 0x03;
    static const u8 mxcsr[8] = {0x80, 0x1f, 0, 0, 0xbf, 0xff, 0, 0};   /* MXCSR 1F80H, MXCSR_MASK FFBFH */
    memcpy(&c->fpu_state[24], mxcsr, sizeof mxcsr);
    c->state = CPU_RUNNING;
    c->intr_shadow = false;
    c->nmi_blocked = false;
    c->monitor_armed = false;
    c->nmi_pending = c->init_pending = c->sipi_pending = false;
    c->exc_depth = 0;
    if (c->apic.reset) {
        c->apic.reset(c->apic.opaque, init_only);
        cpu_apic_changed(c);
    }
    tlb_flush_all(&c->tlb);
    cpu_update_mode(c);
    log_printf(c->bus.log, LOG_CPU_RESET, "cpu%d: %s", c->id, init_only ? "INIT" : "RESET");
}

void cpu_update_mode(struct cpu *c)
{
    const struct seg *cs = &c->seg[SEG_CS];
    if (!(c->cr0 & CR0_PE))
        c->mode = MODE_REAL;
    else if (c->rflags & RFLAGS_VM)
        c->mode = MODE_V86;
    else if ((c->efer & EFER_LMA) && (cs->ar & SEG_AR_L))
        c->mode = MODE_LONG64;
    else if (c->efer & EFER_LMA)
        c->mode = (cs->ar & SEG_AR_DB) ? MODE_COMPAT32 : MODE_COMPAT16;
    else
        c->mode = (cs->ar & SEG_AR_DB) ? MODE_PROT32 : MODE_PROT16;
    /* In protected mode CPL is set explicitly by whatever loads CS (far transfers, event
       delivery, VM entry/exit); real mode is CPL 0 and virtual-8086 mode CPL 3. */
    if (c->mode == MODE_REAL)
        c->cpl = 0;
    else if (c->mode == MODE_V86)
        c->cpl = 3;
    if (unlikely(c->msr.pmu_active) && c->cpl != c->msr.pmu_cpl)
        pmu_sync(c);   /* counters filtered by OS/USR */
    c->la_width = (c->cr4 & CR4_LA57) ? 57 : 48;
    u64 pcid = (c->cr4 & CR4_PCIDE) ? (c->cr3 & TLB_PCID_MASK) : 0;
    u64 vtag = unlikely(c->vmx_nonroot) ? vmx_tlb_vtag(c) : 0;   /* VPID / EPTP identity */
    u64 tag = vtag | pcid;
    if (tag != c->tlb_tag) {
        c->tlb_tag = tag;
        c->tlb.gen++;   /* translations cached under the old tag (the fetch page) are stale */
    }
}

void cpu_update_cpl_long64(struct cpu *c)
{
    if (unlikely(c->msr.pmu_active) && c->cpl != c->msr.pmu_cpl)
        pmu_sync(c);   /* counters filtered by OS/USR */
}

void cpu_tlb_flush_paging_ctl(struct cpu *c)
{
    tlb_count(&c->tlb, TLB_CAUSE_PAGING_CTL);
    if (c->tlb.mode == TLB_MODE_STRICT)
        tlb_flush_vtag(&c->tlb, c->tlb_tag);
    else
        tlb_flush_all(&c->tlb);
}

bool cpu_tlb_invalidating(struct cpu *c, enum tlb_cause why)
{
    tlb_count(&c->tlb, why);
    if (c->tlb.mode != TLB_MODE_FLUSH)
        return false;
    tlb_flush_all(&c->tlb);
    return true;
}

u64 cpu_read_tsc(const struct cpu *c)
{
    return c->cycles + c->msr.tsc_offset;
}

_Noreturn void cpu_unimplemented(struct cpu *c, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(c->stop_msg, sizeof(c->stop_msg), "unimplemented: ");
    va_start(ap, fmt);
    vsnprintf(c->stop_msg + n, sizeof(c->stop_msg) - n, fmt, ap);
    va_end(ap);
    c->stop_reason = STOP_UNIMPLEMENTED;
    c->stop_request = true;
    c->rip = c->insn_rip;
    c->gpr[RSP] = c->insn_rsp;
    longjmp(c->step_env, 1);
}

/* The cached 64-bit-mode instruction at la when la is on the chained run's code page (the
   fetch page, which chainable instructions leave valid), or NULL. */
static inline __attribute__((always_inline)) struct icache_entry *chain_lookup(struct cpu *c, la_t la)
{
    if ((la >> 12) != c->fetch.page)
        return NULL;
    return icache_lookup_long64(c->icache, c->fetch.pa | (la & 0xfff), *c->fetch.gen);
}

/* Whether a chained run may go on at c->rip after an instruction that is not chainable:
   64-bit mode, no TF/RF, no code breakpoints and a valid fetch-page translation for RIP, the
   previous page's one swapped in when that serves (the rest of what the step loop checks
   before an instruction, pending events, the budget and the timer, the run checks itself). */
static bool chain_may_resume(struct cpu *c)
{
    if (c->mode != MODE_LONG64 || (c->rflags & (RFLAGS_TF | RFLAGS_RF)) || c->dbg_exec_armed)
        return false;
    if (!icache_fetch_valid(c, &c->fetch, c->rip)) {
        if (!icache_fetch_valid(c, &c->fetch_alt, c->rip))
            return false;
        icache_fetch_swap(c);
    }
    return c->fetch.gen != NULL;
}

/* Whether a chained run may begin at c->rip: what the step loop checks before every
   instruction (pending events, the budget and the timer, then chain_may_resume). Sets *stop
   and c->chain_stop, the cycle count at which the run ends: the timer horizon, or earlier
   so that the budget `end` is not passed (every chainable instruction costs at least one
   cycle, exec_fast_bind). Only event service changes the timer horizon, and whatever makes
   it due sets attention (an APIC write in phys_write, for one), so the run may hold it. */
static bool chain_may_run(struct cpu *c, u64 end, u64 *stop)
{
    if (c->attention || c->insns >= end || c->cycles >= c->timer_at || !chain_may_resume(c))
        return false;
    *stop = c->timer_at;
    if (end - c->insns < *stop - c->cycles)
        *stop = c->cycles + (end - c->insns);
    c->chain_stop = *stop;
    return true;
}

/* Runs the instructions that follow a chainable one (INSN_CHAIN) for as long as it may.
   A chainable instruction leaves the decode mode, the CPL, the TLB tag and generation,
   RFLAGS.TF/RF and the breakpoints as they were, so what the full step (cpu_loop) checks
   per instruction is checked here once, on entry (chain_may_run), and again after an
   instruction that is not chainable, after which the run goes on where that one led (a
   system call, an interrupt return) when nothing is due. The code page's generation and
   the timer horizon are held: a store that invalidates decoded code sets c->attention
   (phys_write), which ends the run, and so does whatever can make a timer due.
   The step state (c->cycles, c->rip, c->insn_rip, c->insn_rsp, c->cur) lives in locals
   during the run and is written to struct cpu before every instruction that is not pure
   (struct insn), so that its handler and a fault inside it see it exact, and at the end. A
   pure instruction (INSN_PURE) cannot fault or set attention and reads none of it; one in
   the RIP lane (INSN_PURE_RIP: near branches, RIP-relative operands) gets RIP, and a branch
   leaves its target there. A pure handler that would have to fault, or whose direct memory
   path fails, leaves its instruction undone (CHAIN_MISSED, with c->chain_stop zeroed so
   that the one check after the handler sees it), and the run calls it again as an
   instruction that is not pure. The run stops when the cycle count reaches `stop`
   (chain_may_run). Leaving the page (a branch or the page end) ends it too, unless the
   next instruction is on the fetch page and decoded.
   An instruction that falls through finds its successor through the entry's `next` link
   when that entry still holds the successor's physical address (its key); otherwise through
   the cache's index, which checks the generation too, and then links it. A linked entry
   whose key matches needs no generation check: links join entries of one page, a valid
   entry's link was made while the page had that entry's generation (a refill resets the
   link), and a refill of the target for the same key can only have happened under that
   same generation. Decode-cache hits are counted once per run (c->chain_from); cpu_run adds
   those of a run an exception cut short. */
/* After a pure handler ran and the cycle check fired: whether the handler left its
   instruction undone (CHAIN_MISSED: a failed direct path, or a fault to raise), in which
   case the run's cycle bound and count are put back for the full path to run it. */
static inline __attribute__((always_inline)) bool chain_missed(struct cpu *c, u64 stop, u64 *cycles,
                                                               const struct insn *in)
{
    if (c->chain_try != CHAIN_MISSED)
        return false;
    *cycles -= in->cycles;
    c->chain_stop = stop;
    return true;
}

static __attribute__((noinline)) void cpu_loop_chain(struct cpu *c, u64 end)
{
    u64 stop;
    if (!chain_may_run(c, end, &stop))
        return;
    la_t la = c->rip;
    struct icache_entry *n = chain_lookup(c, la);
    if (!n)
        return;
    u64 cycles = c->cycles;
    c->chain_from = c->insns;
    c->chain_try = CHAIN_TRY;
    for (;;) {
        if (likely(n->in.pure == INSN_PURE)) {
            n->in.exec(c, &n->in);
            cycles += n->in.cycles;
            if (unlikely(cycles >= c->chain_stop)) {
                if (chain_missed(c, stop, &cycles, &n->in))
                    goto full;
                c->insns++;
                la += n->in.len;
                goto out_fall;
            }
            c->insns++;
            la += n->in.len;
        } else if (n->in.pure == INSN_PURE_RIP) {
            la_t fall = la + n->in.len;
            c->rip = fall;
            n->in.exec(c, &n->in);
            cycles += n->in.cycles;
            if (unlikely(cycles >= c->chain_stop)) {
                if (chain_missed(c, stop, &cycles, &n->in))
                    goto full;
                c->insns++;
                if (c->rip == fall) {
                    la = fall;
                    goto out_fall;
                }
                c->insn_rip = la;
                c->cur = &n->in;
                goto out;
            }
            c->insns++;
            if (c->rip != fall) {   /* taken */
                struct icache_entry *t = chain_lookup(c, c->rip);
                if (!t) {
                    c->insn_rip = la;
                    c->cur = &n->in;
                    goto out;
                }
                la = c->rip;
                n = t;
                continue;
            }
            la = fall;
        } else {
        full:
            c->chain_try = 0;
            la_t fall = la + n->in.len;
            c->cycles = cycles;
            c->insn_rip = la;
            c->insn_rsp = c->gpr[RSP];
            c->rip = fall;
            c->cur = &n->in;
            n->in.exec(c, &n->in);
            c->insns++;
            cycles = c->cycles += n->in.cycles;   /* the handler may have added (page walks) */
            la = c->rip;
            if (unlikely(!(n->in.flags & INSN_CHAIN))) {
                /* A system call, an interrupt return and the like: go on where it led when
                   nothing the step loop would do first is due. (Anything that makes an event
                   due sets attention; a VM entry also lowers the timer horizon.) */
                if (unlikely(c->timer_at < stop))
                    c->chain_stop = stop = c->timer_at;
                struct icache_entry *t =
                    !c->attention && cycles < stop && chain_may_resume(c) ? chain_lookup(c, la) : NULL;
                if (!t)
                    goto out;
                n = t;
                c->chain_try = CHAIN_TRY;
                continue;
            }
            if (c->attention || cycles >= stop)
                goto out;
            c->chain_try = CHAIN_TRY;
            if (la != fall) {   /* a taken branch */
                struct icache_entry *t = chain_lookup(c, la);
                if (!t)
                    goto out;
                n = t;
                continue;
            }
        }
        /* n fell through to la. */
        struct icache_entry *nx = n->next;
        if (unlikely(nx->key != n->key + ((u64)n->in.len << 3))) {
            nx = chain_lookup(c, la);
            if (!nx)
                goto out_fall;
            n->next = nx;
        }
        n = nx;
    }
out_fall:   /* n, the last instruction run, fell through to la: its step state */
    c->insn_rip = la - n->in.len;
    c->rip = la;
    c->cur = &n->in;
out:        /* the step state is in struct cpu but for the cycle count */
    c->chain_try = 0;
    c->cycles = cycles;
    c->icache->hits += c->insns - c->chain_from;
    c->chain_from = CHAIN_NONE;
}

/* The instruction loop proper, kept out of cpu_run: a function that calls setjmp keeps its
   locals in memory, so the hot loop lives here where the compiler may hold c, end and the
   current instruction in registers. Returns when the budget runs out or the CPU stops. */
static __attribute__((noinline)) enum cpu_stop cpu_loop(struct cpu *c, u64 end)
{
    while (c->insns < end) {
        if (unlikely(c->attention || c->cycles >= c->timer_at)) {
            events_service(c);
            if (c->stop_request)
                return c->stop_reason;
            if (c->state != CPU_RUNNING)
                return c->state == CPU_SHUTDOWN ? STOP_SHUTDOWN : STOP_HALT;
        }
        c->insn_rip = c->rip;
        c->insn_rsp = c->gpr[RSP];
        if (unlikely(c->dbg_exec_armed))
            debug_check_insn(c);   /* code breakpoints fault before the fetch */
        const struct insn *in;
        if (likely(c->mode == MODE_LONG64)) {
            in = icache_fetch_mode(c, true);
            c->rip += in->len;
        } else {
            in = icache_fetch_mode(c, false);
            c->rip += in->len;   /* EIP/IP wrap with the code-segment size */
            c->rip &= (c->seg[SEG_CS].ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;
        }
        u64 fl0 = c->rflags;
        c->cur = in;
        in->exec(c, in);
        c->insns++;
        c->cycles += in->cycles;
        if (unlikely(fl0 & (RFLAGS_TF | RFLAGS_RF)))
            debug_after_insn(c, in, fl0);
        else if (likely(in->flags & INSN_CHAIN))
            cpu_loop_chain(c, end);
    }
    return STOP_BUDGET;
}

enum cpu_stop cpu_run(struct cpu *c, u64 max_insns)
{
    u64 end = c->insns + max_insns;
    c->stop_request = false;
    c->stop_reason = STOP_BUDGET;
    c->attention = true;   /* look at pending events and the run state first */
    c->yield_pending = false;   /* a yield asked for in an earlier slice is already honoured */
    if (setjmp(c->step_env)) {
        /* An exception was delivered (or the run was stopped) from inside an instruction. */
        c->exc_depth = 0;
        if (c->chain_from != CHAIN_NONE) {   /* the chained run's hits, the cut one included */
            c->icache->hits += c->insns - c->chain_from + 1;
            c->chain_from = CHAIN_NONE;
        }
        if (c->stop_request)
            return c->stop_reason;
    }
    return cpu_loop(c, end);
}
