/* debugger/cmds_run.c — continue, stepi, nexti, break, watch, delete, info breakpoints, cpu,
 * info, help, quit. */
#include <string.h>

#include "debugger/cmds.h"
#include "debugger/dbg.h"

static bool at_end(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return !*s;
}

int cmd_continue(struct dbg *d, const char *args)
{
    (void)args;
    dbg_continue(d, false);
    return d->exited && d->stop.kind != DSTOP_EXITED ? -1 : 0;
}

int cmd_stepi(struct dbg *d, const char *args)
{
    u64 n = 1;
    if (!at_end(args) && dbg_expr(d, &args, &n))
        return -1;
    if (!n)
        return 0;
    dbg_stepi(d, n, false);
    return 0;
}

int cmd_nexti(struct dbg *d, const char *args)
{
    (void)args;
    if (d->exited)
        return dbg_error(d, "the machine has stopped: %s", machine_exit_message(d->m));
    return dbg_nexti(d);
}

static bool word_is(const char **s, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(*s, w, n) || ((*s)[n] && (*s)[n] != ' ' && (*s)[n] != '\t'))
        return false;
    *s += n;
    while (**s == ' ' || **s == '\t')
        (*s)++;
    return true;
}

int cmd_break(struct dbg *d, const char *args)
{
    if (!strncmp(args, "vm", 2) || !strncmp(args, "entryfail", 9) || !strncmp(args, "inject", 6))
        return cmd_break_vmx(d, args);
    bool phys = word_is(&args, "phys");
    if (!phys) {
        if (*args != '*')
            return dbg_error(d, "usage: break *ADDR (linear) or break phys ADDR");
        args++;
    }
    u64 a;
    if (dbg_expr(d, &args, &a))
        return -1;
    int id = dbg_bp_add(d, phys ? BP_INSN_PA : BP_INSN_LA, a, 1, 0, false);
    if (id < 0)
        return dbg_error(d, "too many breakpoints");
    dbg_printf(d, "Breakpoint %d at %s0x%llx\n", id, phys ? "physical " : "", (unsigned long long)a);
    return 0;
}

static int watch(struct dbg *d, const char *args, unsigned rw)
{
    bool phys = word_is(&args, "phys");
    if (*args == '*')
        args++;
    u64 a, len = 1;
    if (dbg_expr(d, &args, &a) || (!at_end(args) && dbg_expr(d, &args, &len)))
        return -1;
    if (!len || len > 4096)
        return dbg_error(d, "watch length must be 1 to 4096 bytes");
    int id = dbg_bp_add(d, phys ? BP_WATCH_PA : BP_WATCH_LA, a, (unsigned)len, rw, false);
    if (id < 0)
        return dbg_error(d, "too many breakpoints");
    static const char *const kind[] = {"", "Watchpoint", "Read watchpoint", "Access watchpoint"};
    dbg_printf(d, "%s %d: %s0x%llx len %llu\n", kind[rw], id, phys ? "physical " : "", (unsigned long long)a,
               (unsigned long long)len);
    return 0;
}

int cmd_watch(struct dbg *d, const char *args) { return watch(d, args, WATCH_WRITE); }
int cmd_rwatch(struct dbg *d, const char *args) { return watch(d, args, WATCH_READ); }
int cmd_awatch(struct dbg *d, const char *args) { return watch(d, args, WATCH_ACCESS); }

/* Apply op to the breakpoints listed in args (all when none): 0 delete, 1 enable, 2 disable. */
static int bp_each(struct dbg *d, const char *args, int op)
{
    bool all = at_end(args);
    while (!all && !at_end(args)) {
        u64 id;
        if (dbg_expr(d, &args, &id))
            return -1;
        struct dbg_bp *b = NULL;
        for (int k = 0; k < DBG_MAX_BPS; k++)
            if (d->bps[k].id && (u64)d->bps[k].id == id)
                b = &d->bps[k];
        if (!b)
            return dbg_error(d, "no breakpoint number %llu", (unsigned long long)id);
        if (op == 0)
            b->id = 0;
        else
            b->enabled = op == 1;
    }
    for (int k = 0; all && k < DBG_MAX_BPS; k++) {
        if (op == 0)
            d->bps[k].id = 0;
        else
            d->bps[k].enabled = op == 1;
    }
    dbg_rearm(d);
    return 0;
}

int cmd_delete(struct dbg *d, const char *args) { return bp_each(d, args, 0); }
int cmd_enable(struct dbg *d, const char *args) { return bp_each(d, args, 1); }
int cmd_disable(struct dbg *d, const char *args) { return bp_each(d, args, 2); }

int cmd_info_breakpoints(struct dbg *d, const char *args)
{
    (void)args;
    bool any = false;
    for (int k = 0; k < DBG_MAX_BPS; k++) {
        const struct dbg_bp *b = &d->bps[k];
        if (!b->id)
            continue;
        if (!any)
            dbg_printf(d, "Num  Type            Enb  Address             Len  Hits\n");
        any = true;
        if (b->kind >= BP_VMEXIT) {
            char what[64];
            dbg_vmx_describe_bp(b, what, sizeof what);
            dbg_printf(d, "%-4d %-15s %-4s %-25s %llu\n", b->id, "vm-transition", b->enabled ? "y" : "n", what,
                       (unsigned long long)b->hits);
            continue;
        }
        static const char *const wt[] = {"", "watchpoint", "read watchpoint", "acc watchpoint"};
        const char *type = b->kind == BP_INSN_LA || b->kind == BP_INSN_PA ? "breakpoint" : wt[b->rw];
        dbg_printf(d, "%-4d %-15s %-4s %s0x%-16llx %-4u %llu%s\n", b->id, type, b->enabled ? "y" : "n",
                   b->kind == BP_INSN_PA || b->kind == BP_WATCH_PA ? "p:" : "  ", (unsigned long long)b->addr,
                   b->len, (unsigned long long)b->hits, b->gdb ? "  (gdb)" : "");
    }
    if (!any)
        dbg_printf(d, "No breakpoints or watchpoints.\n");
    return 0;
}

int cmd_cpu(struct dbg *d, const char *args)
{
    u64 n;
    if (at_end(args)) {
        dbg_printf(d, "Current vCPU is %u\n", d->cur);
        return 0;
    }
    if (dbg_expr(d, &args, &n))
        return -1;
    if (n >= d->ncpus)
        return dbg_error(d, "no vCPU %llu (the machine has %u)", (unsigned long long)n, d->ncpus);
    d->cur = (unsigned)n;
    dbg_print_where(d, d->cur);
    return 0;
}

int cmd_info_cpus(struct dbg *d, const char *args)
{
    (void)args;
    static const char *const st[] = {[CPU_RUNNING] = "running", [CPU_HALTED] = "halted",
                                     [CPU_WAIT_SIPI] = "wait-for-SIPI", [CPU_SHUTDOWN] = "shutdown"};
    for (unsigned i = 0; i < d->ncpus; i++) {
        struct cpu *c = machine_cpu(d->m, i);
        dbg_printf(d, "%c %-8s %-13s insns %-10llu cycles %-10llu ", i == d->cur ? '*' : ' ',
                   dbg_mode_name(c), st[c->state], (unsigned long long)c->insns, (unsigned long long)c->cycles);
        dbg_print_where(d, i);
    }
    return 0;
}

int cmd_quit(struct dbg *d, const char *args)
{
    (void)args;
    d->quit = true;
    return 0;
}

static void help_table(struct dbg *d, const struct dbg_cmd_table *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < t[i].n; k++)
            if (!(t[i].cmds[k].flags & CMD_ALIAS) || strchr(t[i].cmds[k].name, ' '))   /* "set x" forms */
                dbg_printf(d, "  %-40s %s\n", t[i].cmds[k].usage, t[i].cmds[k].help);
}

int cmd_help(struct dbg *d, const char *args)
{
    (void)args;
    dbg_printf(d, "Commands (any unique prefix; aliases c si s ni n b d i p q x):\n");
    help_table(d, dbg_cmd_tables, dbg_cmd_ntables);
    dbg_printf(d, "info subcommands:\n");
    help_table(d, dbg_info_tables, dbg_info_ntables);
    dbg_printf(d, "Addresses and values are expressions: 0x10, 16, $rsp+8, ($cr3 & ~0xfff).\n");
    return 0;
}

int cmd_info(struct dbg *d, const char *args)
{
    size_t len;
    const char *rest;
    const char *w = cmdtab_word(args, &len, &rest);
    if (!len) {
        dbg_printf(d, "info subcommands:\n");
        help_table(d, dbg_info_tables, dbg_info_ntables);
        return 0;
    }
    unsigned ncand;
    const struct dbg_cmd *c = cmdtab_lookup(dbg_info_tables, dbg_info_ntables, w, len, &ncand);
    if (!c) {
        if (ncand > 1)
            return dbg_error(d, "ambiguous info command \"%.*s\"", (int)len, w);
        return dbg_error(d, "undefined info command: \"%.*s\". Try \"help\".", (int)len, w);
    }
    return c->fn(d, rest);
}
