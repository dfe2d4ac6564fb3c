/* debugger/repl.c — debugger_main: the prompt (readline on a terminal, plain lines from a pipe),
 * -x/-ex scripts, -batch, Ctrl-C, and the event loop shared with the gdbstub. */
#include <errno.h>
#include <poll.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debugger/cmds.h"
#include "debugger/dbg.h"
#include "debugger/debugger.h"
#include "debugger/gdbstub.h"

static void on_sigint(int sig)
{
    (void)sig;
    dbg_sigint = 1;
}

/* The run loop's poll: Ctrl-C, or the gdb client interrupting or connecting. */
static bool poll_stop(void *opaque)
{
    struct dbg *d = opaque;
    if (dbg_sigint || (d->gdb && gdbstub_poll(d->gdb))) {
        if (d->stop.kind == DSTOP_NONE)
            d->stop = (struct dbg_stop){.kind = DSTOP_INTERRUPT, .cpu = d->cur};
        return true;
    }
    return false;
}

/* Run one line from the user: an empty line repeats the last repeatable command when
   interactive. Remembers the line for the next repeat. */
static int run_line(struct dbg *d, const char *line, bool interactive)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p) {
        if (!interactive || !d->last_cmd[0])
            return 0;
        d->repeating = true;
        int rc = dbg_exec_line(d, d->last_cmd);
        d->repeating = false;
        return rc;
    }
    size_t len;
    const char *rest;
    const char *w = cmdtab_word(p, &len, &rest);
    unsigned ncand;
    const struct dbg_cmd *c = cmdtab_lookup(dbg_cmd_tables, dbg_cmd_ntables, w, len, &ncand);
    if (c && (c->flags & CMD_REPEAT)) {
        /* x/xp and disassemble repeat without their address: they go on where they stopped. */
        if (c->fn == cmd_x || c->fn == cmd_xp)
            snprintf(d->last_cmd, sizeof d->last_cmd, "%.*s", (int)strcspn(p, " \t"), p);
        else if (c->fn == cmd_disassemble)
            snprintf(d->last_cmd, sizeof d->last_cmd, "%.*s", (int)len, w);
        else
            snprintf(d->last_cmd, sizeof d->last_cmd, "%s", p);
    } else {
        d->last_cmd[0] = 0;
    }
    return dbg_exec_line(d, p);
}

static int run_script(struct dbg *d, const char *path, int *last_rc)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "hvsim: -x %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (!d->quit && (n = getline(&line, &cap, f)) >= 0) {
        if (n && line[n - 1] == '\n')
            line[n - 1] = 0;
        *last_rc = run_line(d, line, false);
        fflush(d->out);
    }
    free(line);
    fclose(f);
    return 0;
}

/* ---- readline (terminal) ---- */

/* readline's line callback takes no context pointer and readline's state is per process anyway,
   so the line it hands over is passed through these file statics (one prompt per process). */
static char *rl_line;
static bool rl_got_line, rl_eof;

static void on_rl_line(char *line)
{
    /* Removed here, before readline would show the prompt again for the next line; the loop
       reinstalls it after the command ran. */
    rl_callback_handler_remove();
    if (!line) {
        rl_eof = true;
        return;
    }
    rl_line = line;
    rl_got_line = true;
}

static char *complete_gen(const char *text, int state)
{
    static unsigned idx;
    if (!state)
        idx = 0;
    bool info = !strncmp(rl_line_buffer, "info ", 5) || !strncmp(rl_line_buffer, "i ", 2);
    const char *n = dbg_complete_name(text, idx++, info);
    return n ? strdup(n) : NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;
    bool first = true;
    for (int i = 0; i < start; i++)
        if (rl_line_buffer[i] != ' ')
            first = false;
    bool info = !strncmp(rl_line_buffer, "info ", 5) || !strncmp(rl_line_buffer, "i ", 2);
    if (!first && !info)
        return NULL;
    return rl_completion_matches(text, complete_gen);
}

static char *history_path(void)
{
    const char *home = getenv("HOME");
    if (!home)
        return NULL;
    size_t n = strlen(home) + 32;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/.hvsim_history", home);
    return p;
}

/* ---- the loop ---- */

/* Wait for input on stdin (when reading it) and the gdbstub; handle what arrives. Returns false
   at the end of input. */
static bool wait_input(struct dbg *d, bool use_stdin, bool tty, char **pipe_buf, size_t *pipe_len)
{
    struct pollfd pfd[2];
    int n = 0;
    if (use_stdin)
        pfd[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
    int gi = -1;
    if (d->gdb) {
        gi = n;
        pfd[n++] = (struct pollfd){.fd = gdbstub_fd(d->gdb), .events = POLLIN};
    }
    if (!n)
        return false;
    int r = poll(pfd, (nfds_t)n, -1);
    if (r < 0) {
        if (errno == EINTR && dbg_sigint && tty) {
            dbg_sigint = 0;   /* Ctrl-C at the prompt discards the line, as gdb does */
            rl_free_line_state();
            rl_callback_sigcleanup();
            rl_callback_handler_remove();
            printf("\n");
            char prompt[64];
            dbg_prompt(d, prompt, sizeof prompt);
            rl_callback_handler_install(prompt, on_rl_line);
        }
        dbg_sigint = 0;
        return true;
    }
    if (gi >= 0 && (pfd[gi].revents & (POLLIN | POLLHUP | POLLERR))) {
        if (tty)
            rl_callback_handler_remove();
        bool connected = gdbstub_connected(d->gdb);
        gdbstub_service(d->gdb);
        if (!connected && gdbstub_connected(d->gdb))
            fprintf(stderr, "hvsim: gdb connected\n");
        if (tty && !d->quit) {
            char prompt[64];
            dbg_prompt(d, prompt, sizeof prompt);
            rl_callback_handler_install(prompt, on_rl_line);
        }
    }
    if (use_stdin && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        if (tty) {
            rl_callback_read_char();
            return !rl_eof;
        }
        char buf[4096];
        ssize_t got = read(0, buf, sizeof buf);
        if (got <= 0)
            return false;
        char *nb = realloc(*pipe_buf, *pipe_len + (size_t)got + 1);
        if (!nb)
            return false;
        *pipe_buf = nb;
        memcpy(nb + *pipe_len, buf, (size_t)got);
        *pipe_len += (size_t)got;
        nb[*pipe_len] = 0;
    }
    return true;
}

/* Lines from a pipe: echo each after the prompt so transcripts read like sessions. */
static void drain_pipe_lines(struct dbg *d, char **buf, size_t *len, int *last_rc)
{
    char *nl;
    while (!d->quit && *buf && (nl = memchr(*buf, '\n', *len))) {
        *nl = 0;
        char prompt[64];
        dbg_prompt(d, prompt, sizeof prompt);
        printf("%s%s\n", prompt, *buf);
        *last_rc = run_line(d, *buf, false);
        fflush(d->out);
        size_t used = (size_t)(nl + 1 - *buf);
        memmove(*buf, nl + 1, *len - used);
        *len -= used;
    }
}

static void interactive_loop(struct dbg *d, bool use_stdin, int *last_rc)
{
    bool tty = use_stdin && isatty(0);
    char *hist = NULL;
    char *pipe_buf = NULL;
    size_t pipe_len = 0;
    if (tty) {
        rl_readline_name = "hvsim";
        rl_catch_signals = 0;
        rl_attempted_completion_function = complete;
        using_history();
        hist = history_path();
        if (hist)
            read_history(hist);
        stifle_history(1000);
        char prompt[64];
        dbg_prompt(d, prompt, sizeof prompt);
        rl_callback_handler_install(prompt, on_rl_line);
    }
    while (!d->quit) {
        if (!use_stdin && !d->gdb)
            break;
        if (!wait_input(d, use_stdin, tty, &pipe_buf, &pipe_len)) {
            if (tty)
                printf("\n");
            break;
        }
        if (tty && rl_got_line) {
            rl_got_line = false;
            char *line = rl_line;
            if (*line) {
                HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
                if (!last || strcmp(last->line, line))
                    add_history(line);
            }
            *last_rc = run_line(d, line, true);
            free(line);
            fflush(d->out);
            if (!d->quit) {
                char prompt[64];
                dbg_prompt(d, prompt, sizeof prompt);
                rl_callback_handler_install(prompt, on_rl_line);
            }
        } else if (!tty && use_stdin) {
            drain_pipe_lines(d, &pipe_buf, &pipe_len, last_rc);
        }
        if (d->gdb && !d->quit)
            gdbstub_notify_stop(d->gdb);
    }
    if (!tty && pipe_len && !d->quit) {   /* a last line without a newline */
        pipe_buf[pipe_len] = 0;
        *last_rc = run_line(d, pipe_buf, false);
    }
    free(pipe_buf);
    if (tty) {
        rl_callback_handler_remove();
        if (hist) {
            write_history(hist);
            history_truncate_file(hist, 1000);
        }
        free(hist);
    }
}

int debugger_main(struct machine *m, const struct machine_config *cfg)
{
    struct dbg *d = calloc(1, sizeof(*d));
    if (!d) {
        fprintf(stderr, "hvsim: out of memory\n");
        return 2;
    }
    d->m = m;
    d->cfg = cfg;
    d->ncpus = machine_ncpus(m);
    if (d->ncpus > DBG_MAX_CPUS)
        d->ncpus = DBG_MAX_CPUS;
    d->out = stdout;
    d->xf = (struct xfmt){1, 'x', 4};
    d->hooks = (struct cpu_dbg_hooks){.opaque = d};
    dbg_install_hooks(d);
    machine_set_debugger(m, &(struct machine_debugger){poll_stop, d});
    dbg_rearm(d);
    struct sigaction sa = {.sa_handler = on_sigint}, old_sa;
    if (cfg->debug)
        sigaction(SIGINT, &sa, &old_sa);
    int last_rc = 0, status;
    char err[256];
    if (cfg->gdb_port) {
        d->gdb = gdbstub_open(d, cfg->gdb_port, err, sizeof err);
        if (!d->gdb) {
            fprintf(stderr, "hvsim: %s\n", err);
            free(d);
            return 2;
        }
        fprintf(stderr, "hvsim: gdb server on 127.0.0.1:%u%s\n", cfg->gdb_port,
                cfg->start_stopped || cfg->debug ? " (machine stopped)" : "");
    }
    if (cfg->debug) {
        dbg_print_where(d, 0);
        for (unsigned i = 0; i < cfg->ndebug_cmds && !d->quit; i++) {
            if (cfg->debug_cmds[i].file) {
                if (run_script(d, cfg->debug_cmds[i].text, &last_rc)) {
                    last_rc = -1;
                    break;
                }
            } else {
                last_rc = run_line(d, cfg->debug_cmds[i].text, false);
                fflush(d->out);
            }
        }
        if (!cfg->batch && !d->quit)
            interactive_loop(d, true, &last_rc);
    } else {
        /* gdb only: run unless -S, serve the client, stop with the guest. */
        if (!cfg->start_stopped)
            dbg_continue(d, true);
        while (!d->quit && !(d->exited && !gdbstub_connected(d->gdb))) {
            if (d->stop.kind == DSTOP_INTERRUPT && !gdbstub_connected(d->gdb)) {
                /* stopped for a client that is connecting */
            }
            bool was_connected = gdbstub_connected(d->gdb);
            struct pollfd pfd = {.fd = gdbstub_fd(d->gdb), .events = POLLIN};
            if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                break;
            gdbstub_service(d->gdb);
            if (was_connected && !gdbstub_connected(d->gdb) && !d->exited && !d->quit)
                dbg_continue(d, true);   /* detached: the machine runs on */
        }
    }
    if (cfg->debug)
        sigaction(SIGINT, &old_sa, NULL);
    fflush(stdout);
    if (d->exited)
        status = machine_exit_status(m);
    else
        status = cfg->batch && last_rc ? 1 : 0;
    machine_set_debugger(m, NULL);
    for (unsigned i = 0; i < d->ncpus; i++)
        machine_cpu(m, i)->dbgr = NULL;
    gdbstub_close(d->gdb);
    free(d);
    return status;
}
