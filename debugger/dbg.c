/* debugger/dbg.c — the debugger core: CPU hooks for breakpoints and watchpoints, running and
 * stepping the machine, reporting stops, and executing command lines. */
#include "debugger/dbg.h"

#include <string.h>

#include "debugger/expr.h"

volatile sig_atomic_t dbg_sigint;

void dbg_printf(struct dbg *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
}

int dbg_error(struct dbg *d, const char *fmt, ...)
{
    va_list ap;
    fputs("error: ", d->out);
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fputc('\n', d->out);
    return -1;
}

struct cpu *dbg_cpu(struct dbg *d)
{
    return machine_cpu(d->m, d->cur);
}

static unsigned cpu_index(struct dbg *d, const struct cpu *c)
{
    for (unsigned i = 0; i < d->ncpus; i++)
        if (machine_cpu(d->m, i) == c)
            return i;
    return 0;
}

/* ---- CPU hooks: called only while breakpoints/watchpoints exist ---- */

static bool hook_insn(void *opaque, struct cpu *c, la_t la)
{
    struct dbg *d = opaque;
    unsigned i = cpu_index(d, c);
    if (d->skip[i]) {
        if (c->insns == d->skip_insns[i] && la == d->skip_la[i])
            return false;   /* resuming from a stop at this instruction: execute it */
        d->skip[i] = false;
    }
    if (d->tmp_active && d->tmp_cpu == i && la == d->tmp_la) {
        d->tmp_active = false;
        d->stop = (struct dbg_stop){.kind = DSTOP_STEP, .cpu = i};
        machine_pause(d->m);
        return true;
    }
    pa_t pa = 0;
    bool have_pa = false, tried = false;
    for (int k = 0; k < DBG_MAX_BPS; k++) {
        struct dbg_bp *b = &d->bps[k];
        if (!b->id || !b->enabled || (b->kind != BP_INSN_LA && b->kind != BP_INSN_PA))
            continue;
        if (b->kind == BP_INSN_PA) {
            if (!tried) {
                tried = true;
                have_pa = !dbg_translate(c, la, &pa);
            }
            if (!have_pa || pa != b->addr)
                continue;
        } else if (b->addr != la) {
            continue;
        }
        b->hits++;
        d->stop = (struct dbg_stop){.kind = DSTOP_BREAK, .cpu = i, .bp = b->id, .addr = la};
        machine_pause(d->m);
        return true;
    }
    return false;
}

static void hook_data(void *opaque, struct cpu *c, la_t la, unsigned size, bool write)
{
    struct dbg *d = opaque;
    if (d->stop.kind == DSTOP_WATCH)
        return;   /* the first hit of this instruction is reported */
    pa_t pa = 0;
    bool have_pa = false, tried = false;
    for (int k = 0; k < DBG_MAX_BPS; k++) {
        struct dbg_bp *b = &d->bps[k];
        if (!b->id || !b->enabled || (b->kind != BP_WATCH_LA && b->kind != BP_WATCH_PA))
            continue;
        if (!(b->rw & (write ? WATCH_WRITE : WATCH_READ)))
            continue;
        u64 a = la;
        if (b->kind == BP_WATCH_PA) {
            if (!tried) {
                tried = true;
                have_pa = !dbg_translate(c, la, &pa);
            }
            if (!have_pa)
                continue;
            a = pa;
        }
        if (!(a < b->addr + b->len && b->addr < a + size))
            continue;
        b->hits++;
        unsigned i = cpu_index(d, c);
        d->stop = (struct dbg_stop){.kind = DSTOP_WATCH, .cpu = i, .bp = b->id, .addr = la, .write = write};
        unsigned n = b->len > 8 ? 8 : b->len;
        d->stop.have_old = !(b->kind == BP_WATCH_PA ? dbg_read_pa(d, b->addr, &d->stop.old, n)
                                                    : dbg_read_la(d, c, b->addr, &d->stop.old, n));
        machine_pause(d->m);   /* the instruction completes; the CPU stops at the next boundary */
        return;
    }
}

static bool hook_page(void *opaque, const struct cpu *c, la_t la, pa_t pa)
{
    struct dbg *d = opaque;
    (void)c;
    for (int k = 0; k < DBG_MAX_BPS; k++) {
        struct dbg_bp *b = &d->bps[k];
        if (!b->id || !b->enabled || (b->kind != BP_WATCH_LA && b->kind != BP_WATCH_PA))
            continue;
        u64 page = (b->kind == BP_WATCH_LA ? la : pa) >> 12;
        if (page >= b->addr >> 12 && page <= (b->addr + b->len - 1) >> 12)
            return true;
    }
    return false;
}

void dbg_install_hooks(struct dbg *d)
{
    /* VM transitions are rare next to instructions: the event hook stays armed, so explain
       and the stop reports always know the last exit. */
    d->hooks = (struct cpu_dbg_hooks){.opaque = d, .insn = hook_insn, .data = hook_data, .page = hook_page,
                                      .event_armed = true, .event = dbg_vmx_event};
}

void dbg_rearm(struct dbg *d)
{
    bool exec = d->tmp_active, data = false;
    for (int k = 0; k < DBG_MAX_BPS; k++) {
        const struct dbg_bp *b = &d->bps[k];
        if (!b->id || !b->enabled)
            continue;
        if (b->kind == BP_INSN_LA || b->kind == BP_INSN_PA)
            exec = true;
        else if (b->kind == BP_WATCH_LA || b->kind == BP_WATCH_PA)
            data = true;
    }
    /* Watched pages must leave the direct-access path, so a change that involves watchpoints
       goes through debug_update (which flushes the TLB); instruction breakpoints only need the
       armed flag (left set it merely costs the check until the next update). */
    bool flush = data || d->hooks.data_armed;
    d->hooks.exec_armed = exec;
    d->hooks.data_armed = data;
    for (unsigned i = 0; i < d->ncpus; i++) {
        struct cpu *c = machine_cpu(d->m, i);
        c->dbgr = &d->hooks;
        if (flush)
            debug_update(c);
        else if (exec)
            c->dbg_exec_armed = true;
    }
}

int dbg_bp_add(struct dbg *d, enum dbg_bp_kind kind, u64 addr, unsigned len, unsigned rw, bool gdb)
{
    for (int k = 0; k < DBG_MAX_BPS; k++) {
        struct dbg_bp *b = &d->bps[k];
        if (b->id)
            continue;
        *b = (struct dbg_bp){.id = ++d->next_id, .kind = kind, .addr = addr, .len = len ? len : 1,
                             .rw = rw, .enabled = true, .gdb = gdb};
        dbg_rearm(d);
        return b->id;
    }
    return -1;
}

/* ---- running ---- */

static la_t cpu_la(const struct cpu *c)
{
    return c->mode == MODE_LONG64 ? c->rip : (u32)(c->seg[SEG_CS].base + c->rip);
}

/* Every vCPU resumes past a breakpoint at its current instruction. */
static void prepare_resume(struct dbg *d)
{
    for (unsigned i = 0; i < d->ncpus; i++) {
        struct cpu *c = machine_cpu(d->m, i);
        d->skip[i] = true;
        d->skip_la[i] = cpu_la(c);
        d->skip_insns[i] = c->insns;
    }
    d->stop = (struct dbg_stop){0};
    dbg_sigint = 0;
}

void dbg_print_where(struct dbg *d, unsigned cpu)
{
    struct cpu *c = machine_cpu(d->m, cpu);
    la_t la = cpu_la(c);
    u8 bytes[16];
    size_t n = 0;
    while (n < sizeof bytes && !dbg_read_la(d, c, la + n, bytes + n, 1))
        n++;
    char text[128];
    bool call;
    if (!n)
        snprintf(text, sizeof text, "(cannot read memory)");
    else
        dbg_disasm(c, d->att, bytes, n, c->rip, text, sizeof text, &call);
    if (c->mode == MODE_LONG64)
        dbg_printf(d, "cpu%u 0x%llx: %s\n", cpu, (unsigned long long)c->rip, text);
    else
        dbg_printf(d, "cpu%u %04x:%04llx (0x%llx): %s\n", cpu, c->seg[SEG_CS].sel,
                   (unsigned long long)c->rip, (unsigned long long)la, text);
}

static void report_stop(struct dbg *d)
{
    struct dbg_stop *s = &d->stop;
    switch (s->kind) {
    case DSTOP_EXITED:
        dbg_printf(d, "[machine stopped: %s; exit status %d]\n", machine_exit_message(d->m),
                   machine_exit_status(d->m));
        return;
    case DSTOP_BREAK:
        dbg_printf(d, "Breakpoint %d, ", s->bp);
        break;
    case DSTOP_WATCH: {
        const struct dbg_bp *b = NULL;
        for (int k = 0; k < DBG_MAX_BPS; k++)
            if (d->bps[k].id == s->bp)
                b = &d->bps[k];
        dbg_printf(d, "Watchpoint %d: %s at 0x%llx\n", s->bp, s->write ? "write" : "read",
                   (unsigned long long)s->addr);
        if (b) {
            u64 now = 0;
            unsigned n = b->len > 8 ? 8 : b->len;
            int rc = b->kind == BP_WATCH_PA ? dbg_read_pa(d, b->addr, &now, n)
                                            : dbg_read_la(d, machine_cpu(d->m, s->cpu), b->addr, &now, n);
            if (s->have_old && s->write)
                dbg_printf(d, "Old value = 0x%llx\n", (unsigned long long)s->old);
            if (!rc)
                dbg_printf(d, "%s = 0x%llx\n", s->write ? "New value" : "Value", (unsigned long long)now);
        }
        break;
    }
    case DSTOP_INTERRUPT:
        dbg_printf(d, "Interrupted, ");
        break;
    case DSTOP_VMX:
        dbg_vmx_report_stop(d);
        break;
    default:
        break;
    }
    dbg_print_where(d, s->cpu);
}

/* After machine_run/machine_step returned `why`. */
static void finish_run(struct dbg *d, enum machine_exit why, bool quiet)
{
    if (why != MEXIT_PAUSED) {
        d->exited = true;
        d->why = why;
        d->stop = (struct dbg_stop){.kind = DSTOP_EXITED, .cpu = d->cur};
    } else if (d->stop.kind == DSTOP_NONE) {
        d->stop.kind = dbg_sigint ? DSTOP_INTERRUPT : DSTOP_STEP;
        d->stop.cpu = d->cur;
    }
    dbg_sigint = 0;
    if (d->stop.kind == DSTOP_BREAK || d->stop.kind == DSTOP_WATCH || d->stop.kind == DSTOP_VMX)
        d->cur = d->stop.cpu;
    d->tmp_active = false;
    d->vmx_step = 0;
    dbg_vmx_note_stop(d);
    if (!quiet)
        report_stop(d);
}

void dbg_continue(struct dbg *d, bool quiet)
{
    if (d->exited) {
        dbg_error(d, "the machine has stopped: %s", machine_exit_message(d->m));
        return;
    }
    prepare_resume(d);
    finish_run(d, machine_run(d->m), quiet);
}

void dbg_stepi(struct dbg *d, u64 n, bool quiet)
{
    if (d->exited) {
        dbg_error(d, "the machine has stopped: %s", machine_exit_message(d->m));
        return;
    }
    prepare_resume(d);
    d->stepping = true;
    enum machine_exit why = machine_step(d->m, d->cur, n);
    d->stepping = false;
    finish_run(d, why, quiet);
}

/* nexti: a CALL runs until the instruction after it (on this vCPU), anything else steps. */
int dbg_nexti(struct dbg *d)
{
    struct cpu *c = dbg_cpu(d);
    u8 bytes[16];
    size_t n = 0;
    la_t la = cpu_la(c);
    while (n < sizeof bytes && !dbg_read_la(d, c, la + n, bytes + n, 1))
        n++;
    char text[128];
    bool call = false;
    unsigned len = n ? dbg_disasm(c, d->att, bytes, n, c->rip, text, sizeof text, &call) : 0;
    if (!call || !len) {
        dbg_stepi(d, 1, false);
        return 0;
    }
    d->tmp_active = true;
    d->tmp_cpu = d->cur;
    d->tmp_la = la + len;
    if (c->mode != MODE_LONG64)
        d->tmp_la = (u32)d->tmp_la;
    dbg_rearm(d);
    dbg_continue(d, false);
    return 0;
}

/* ---- commands ---- */

static bool expr_reg(void *opaque, const char *name, size_t len, u64 *v)
{
    return dbg_reg_get(dbg_cpu(opaque), name, len, v);
}

int dbg_expr(struct dbg *d, const char **s, u64 *v)
{
    char err[128];
    if (expr_parse(s, v, expr_reg, d, err, sizeof err))
        return dbg_error(d, "%s", err);
    return 0;
}

void dbg_prompt(struct dbg *d, char *buf, size_t n)
{
    struct cpu *c = dbg_cpu(d);
    /* The VMX layer shows root / non-root here. */
    const char *vmx = !c->vmx_on ? "" : c->vmx_nonroot ? " vmx-guest" : " vmx-root";
    snprintf(buf, n, "(hvsim cpu%u %s%s) ", d->cur, dbg_mode_name(c), vmx);
}

const char *dbg_complete_name(const char *prefix, unsigned i, bool info)
{
    return info ? cmdtab_complete(dbg_info_tables, dbg_info_ntables, prefix, i)
                : cmdtab_complete(dbg_cmd_tables, dbg_cmd_ntables, prefix, i);
}

int dbg_exec_line(struct dbg *d, const char *line)
{
    size_t len;
    const char *rest;
    const char *w = cmdtab_word(line, &len, &rest);
    if (!len) {
        if (*w == '#' || !*w)
            return 0;   /* comment or empty */
        return dbg_error(d, "undefined command: \"%s\"", w);
    }
    if (*rest == '/' || (w[len] == '/'))
        rest = w + len;
    unsigned ncand;
    const struct dbg_cmd *cmd = cmdtab_lookup(dbg_cmd_tables, dbg_cmd_ntables, w, len, &ncand);
    if (!cmd) {
        if (ncand > 1)
            return dbg_error(d, "ambiguous command \"%.*s\"", (int)len, w);
        return dbg_error(d, "undefined command: \"%.*s\". Try \"help\".", (int)len, w);
    }
    return cmd->fn(d, rest);
}
