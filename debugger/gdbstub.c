/* debugger/gdbstub.c — gdb remote protocol server. Packets are handled synchronously: a
 * resume packet runs the machine until it stops, then the stop reply goes out. */
#define _GNU_SOURCE   /* accept4 */
#include "debugger/gdbstub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "debugger/cmds.h"
#include "debugger/rsp.h"

struct gdbstub {
    struct dbg *d;
    int listen_fd, fd;
    struct rsp_decoder dec;
    unsigned gcpu;            /* the vCPU g/p/m/M use (Hg) */
    bool waiting;             /* the client resumed the machine and waits for a stop reply */
    bool interrupted;
    bool swbreak;             /* the client understands swbreak stop reasons */
    char out[2 * RSP_MAX + 16];
};

/* ---- the register file: QEMU's numbering (0-23 GPRs, rip, eflags, selectors; 24-26 fs_base,
   gs_base, k_gs_base; 27-32 cr0 cr2 cr3 cr4 cr8 efer; 33-48 x87; 49-65 SSE), described as
   gdb's core, segments and sse features plus our own org.hvsim.x86.sys; explicit regnums
   keep the g-packet order whatever the feature order ---- */

static const char target_xml[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\"><architecture>i386:x86-64</architecture>\n"
    "<feature name=\"org.gnu.gdb.i386.core\">\n"
    "<flags id=\"i386_eflags\" size=\"4\"><field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
    "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/><field name=\"ZF\" start=\"6\" end=\"6\"/>"
    "<field name=\"SF\" start=\"7\" end=\"7\"/><field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
    "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/><field name=\"NT\" start=\"14\" end=\"14\"/>"
    "<field name=\"RF\" start=\"16\" end=\"16\"/><field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
    "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/><field name=\"ID\" start=\"21\" end=\"21\"/></flags>\n"
    "<reg name=\"rax\" bitsize=\"64\" type=\"int64\" regnum=\"0\"/><reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/><reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/><reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/><reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>"
    "<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/><reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/><reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/><reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/><reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/><reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>"
    "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/><reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/><reg name=\"es\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/><reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\" regnum=\"33\"/><reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>"
    "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>"
    "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>"
    "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>"
    "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/><reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/><reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/><reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/><reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "</feature>\n<feature name=\"org.gnu.gdb.i386.segments\">\n"
    "<reg name=\"fs_base\" bitsize=\"64\" type=\"int\" regnum=\"24\"/><reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
    "</feature>\n<feature name=\"org.hvsim.x86.sys\">\n"
    "<reg name=\"k_gs_base\" bitsize=\"64\" type=\"int64\" regnum=\"26\" group=\"system\"/>"
    "<reg name=\"cr0\" bitsize=\"64\" type=\"int64\" group=\"system\"/><reg name=\"cr2\" bitsize=\"64\" type=\"int64\" group=\"system\"/>"
    "<reg name=\"cr3\" bitsize=\"64\" type=\"int64\" group=\"system\"/><reg name=\"cr4\" bitsize=\"64\" type=\"int64\" group=\"system\"/>"
    "<reg name=\"cr8\" bitsize=\"64\" type=\"int64\" group=\"system\"/><reg name=\"efer\" bitsize=\"64\" type=\"int64\" group=\"system\"/>\n"
    "</feature>\n<feature name=\"org.gnu.gdb.i386.sse\">\n"
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/><vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/><vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/><vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
    "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/><field name=\"v2_double\" type=\"v2d\"/>"
    "<field name=\"v16_int8\" type=\"v16i8\"/><field name=\"v8_int16\" type=\"v8i16\"/>"
    "<field name=\"v4_int32\" type=\"v4i32\"/><field name=\"v2_int64\" type=\"v2i64\"/>"
    "<field name=\"uint128\" type=\"uint128\"/></union>\n"
    "<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\" regnum=\"49\"/><reg name=\"xmm1\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm2\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm3\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm4\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm5\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm6\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm7\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm8\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm9\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm10\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm11\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm12\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm13\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm14\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm15\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"mxcsr\" bitsize=\"32\" type=\"int\" group=\"vector\"/>\n"
    "</feature></target>\n";

#define NREGS 66

/* Size in bytes of register n and where it lives: a pointer into struct cpu (fpu_state for
   the x87/SSE registers). */
static unsigned reg_size(unsigned n)
{
    if (n < 17 || (n >= 24 && n < 33))
        return 8;
    if (n < 33)
        return 4;
    if (n < 41)
        return 10;
    if (n < 49 || n == 65)
        return 4;
    return 16;
}

static u8 *reg_ptr(struct cpu *c, unsigned n, u64 *tmp)
{
    static const u8 gpr_map[16] = {RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15};
    static const u8 seg_map[6] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};
    static const u8 fpu_off[8] = {0, 2, 4, 12, 8, 20, 16, 6};   /* fctrl fstat ftag fiseg fioff foseg fooff fop */
    *tmp = 0;
    if (n < 16)
        return (u8 *)&c->gpr[gpr_map[n]];
    switch (n) {
    case 16: return (u8 *)&c->rip;
    case 17: return (u8 *)&c->rflags;
    case 24: return (u8 *)&c->seg[SEG_FS].base;
    case 25: return (u8 *)&c->seg[SEG_GS].base;
    case 26: return (u8 *)&c->msr.kernel_gs_base;
    case 27: return (u8 *)&c->cr0;
    case 28: return (u8 *)&c->cr2;
    case 29: return (u8 *)&c->cr3;
    case 30: return (u8 *)&c->cr4;
    case 31: return (u8 *)&c->cr8;
    case 32: return (u8 *)&c->efer;
    case 65: return c->fpu_state + 24;
    default: break;
    }
    if (n < 24) {
        *tmp = c->seg[seg_map[n - 18]].sel;
        return (u8 *)tmp;
    }
    if (n < 41)
        return c->fpu_state + 32 + 16 * (n - 33);
    if (n < 49) {
        unsigned off = fpu_off[n - 41];
        unsigned sz = (n == 41 || n == 42 || n == 44 || n == 46 || n == 48) ? 2 : n == 43 ? 1 : 4;
        memcpy(tmp, c->fpu_state + off, sz);
        return (u8 *)tmp;
    }
    return c->fpu_state + 160 + 16 * (n - 49);
}

void gdbstub_encode_regs(const struct cpu *c, char *out)
{
    for (unsigned n = 0; n < NREGS; n++) {
        u64 tmp;
        unsigned sz = reg_size(n);
        hex_encode(out, reg_ptr((struct cpu *)c, n, &tmp), sz);
        out += 2 * sz;
    }
}

/* Write register n from raw bytes; segment selectors and x87 control words write back their
   narrow fields. */
static void reg_write(struct cpu *c, unsigned n, const u8 *v)
{
    u64 tmp;
    unsigned sz = reg_size(n);
    u8 *p = reg_ptr(c, n, &tmp);
    if (p != (u8 *)&tmp) {
        memcpy(p, v, sz);
    } else if (n >= 18 && n < 24) {
        static const u8 seg_map[6] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};
        memcpy(&c->seg[seg_map[n - 18]].sel, v, 2);
    }   /* x87 control/status words are read-only here */
    if (n == 17 && sz == 4)
        c->rflags &= 0xffffffffull;
    if (n >= 27 && n <= 32) {
        tlb_flush_all(&c->tlb);
    }
    cpu_update_mode(c);
}

/* ---- sending ---- */

static void send_raw(struct gdbstub *g, const char *p, size_t n)
{
    while (n && g->fd >= 0) {
        ssize_t w = send(g->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(g->fd);
            g->fd = -1;
            return;
        }
        p += w, n -= (size_t)w;
    }
}

static void send_packet_n(struct gdbstub *g, const char *payload, size_t n)
{
    size_t len = rsp_frame(g->out, sizeof g->out, payload, n);
    if (!len)
        len = rsp_frame(g->out, sizeof g->out, "E01", 3);
    send_raw(g, g->out, len);
}

static void send_packet(struct gdbstub *g, const char *payload)
{
    send_packet_n(g, payload, strlen(payload));
}

/* The stop reply for the debugger's last stop. */
static void send_stop(struct gdbstub *g)
{
    struct dbg *d = g->d;
    char buf[128];
    g->waiting = false;
    if (d->exited) {
        snprintf(buf, sizeof buf, "W%02x", machine_exit_status(d->m) & 0xff);
        send_packet(g, buf);
        return;
    }
    const struct dbg_stop *s = &d->stop;
    unsigned cpu = s->kind == DSTOP_NONE ? d->cur : s->cpu;
    g->gcpu = cpu;
    if (s->kind == DSTOP_INTERRUPT) {
        snprintf(buf, sizeof buf, "T02thread:%02x;", cpu + 1);
    } else if (s->kind == DSTOP_WATCH) {
        const char *kind = "watch";
        for (int k = 0; k < DBG_MAX_BPS; k++)
            if (d->bps[k].id == s->bp)
                kind = d->bps[k].rw == WATCH_READ ? "rwatch" : d->bps[k].rw == WATCH_ACCESS ? "awatch" : "watch";
        snprintf(buf, sizeof buf, "T05thread:%02x;%s:%llx;", cpu + 1, kind, (unsigned long long)s->addr);
    } else if (s->kind == DSTOP_BREAK && g->swbreak) {
        snprintf(buf, sizeof buf, "T05thread:%02x;hwbreak:;", cpu + 1);
    } else {
        snprintf(buf, sizeof buf, "T05thread:%02x;", cpu + 1);
    }
    send_packet(g, buf);
}

/* ---- packets ---- */

static struct cpu *gcpu(struct gdbstub *g)
{
    return machine_cpu(g->d->m, g->gcpu);
}

static void handle_qrcmd(struct gdbstub *g, const char *hex)
{
    size_t n = strlen(hex) / 2;
    char *cmd = calloc(1, n + 1);
    if (!cmd || hex_decode(hex, cmd, n)) {
        free(cmd);
        send_packet(g, "E01");
        return;
    }
    struct dbg *d = g->d;
    /* Running the machine behind gdb's back would leave it with a stale view: gdb's own
       continue/stepi/nexti do that. */
    size_t wl;
    const char *rest;
    const char *w = cmdtab_word(cmd, &wl, &rest);
    unsigned ncand;
    const struct dbg_cmd *dc = cmdtab_lookup(dbg_cmd_tables, dbg_cmd_ntables, w, wl, &ncand);
    if (dc && (dc->fn == cmd_continue || dc->fn == cmd_stepi || dc->fn == cmd_nexti)) {
        static const char msg[] = "use gdb's continue, stepi and nexti to run the machine\n";
        char pkt[2 * sizeof msg + 2] = "O";
        hex_encode(pkt + 1, msg, sizeof msg - 1);
        send_packet(g, pkt);
        send_packet(g, "OK");
        free(cmd);
        return;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    FILE *saved = d->out;
    unsigned saved_cur = d->cur;
    if (mem) {
        d->out = mem;
        d->cur = g->gcpu;
        dbg_exec_line(d, cmd);
        g->gcpu = d->cur;
        d->cur = saved_cur;
        d->out = saved;
        fclose(mem);
    }
    free(cmd);
    /* Output goes as O packets of at most 1 KiB each, then OK. */
    for (size_t off = 0; text && off < len; off += 1024) {
        size_t chunk = len - off < 1024 ? len - off : 1024;
        char pkt[1 + 2 * 1024 + 1];
        pkt[0] = 'O';
        hex_encode(pkt + 1, text + off, chunk);
        send_packet(g, pkt);
    }
    free(text);
    send_packet(g, "OK");   /* `monitor quit` ends hvsim after this reply */
}

static void handle_xfer(struct gdbstub *g, const char *args)
{
    /* qXfer:features:read:target.xml:OFF,LEN */
    if (strncmp(args, "target.xml:", 11)) {
        send_packet(g, "E00");
        return;
    }
    const char *p = args + 11;
    u64 off, len;
    if (!hex_u64(&p, &off) || *p++ != ',' || !hex_u64(&p, &len)) {
        send_packet(g, "E00");
        return;
    }
    size_t total = sizeof target_xml - 1;
    if (len > 4000)
        len = 4000;
    char buf[4001 + 1];
    if (off >= total) {
        send_packet(g, "l");
        return;
    }
    size_t n = total - off < len ? total - off : len;
    buf[0] = off + n < total ? 'm' : 'l';
    memcpy(buf + 1, target_xml + off, n);
    send_packet_n(g, buf, n + 1);
}

/* Resume: step (the current g-thread) or continue; the reply comes when the machine stops. */
static void resume(struct gdbstub *g, bool step, int thread)
{
    struct dbg *d = g->d;
    bool quiet = !d->cfg->debug;
    if (d->exited) {
        send_stop(g);
        return;
    }
    g->waiting = true;
    if (thread > 0 && (unsigned)thread <= d->ncpus)
        d->cur = (unsigned)thread - 1;
    else if (step)
        d->cur = g->gcpu;
    if (step)
        dbg_stepi(d, 1, quiet);
    else
        dbg_continue(d, quiet);
    if (g->fd >= 0 && g->waiting)
        send_stop(g);
}

/* vCont;ACTION[:THREAD][;ACTION...]: the first step action wins, else continue. */
static void handle_vcont(struct gdbstub *g, const char *p)
{
    bool step = false;
    int thread = -1;
    if (*p != ';') {
        send_packet(g, "E01");
        return;
    }
    while (*p == ';') {
        p++;
        char a = *p++;
        if (a != 'c' && a != 'C' && a != 's' && a != 'S') {
            send_packet(g, "E01");   /* r (range step) and t (stop) are not offered by vCont? */
            return;
        }
        if (a == 'C' || a == 'S')
            while (*p && *p != ':' && *p != ';')
                p++;
        int t = -1;
        if (*p == ':') {
            p++;
            u64 v;
            if (*p == '-') {
                p += 2;
            } else if (hex_u64(&p, &v)) {
                t = (int)v;
            }
        }
        if ((a == 's' || a == 'S') && !step) {
            step = true;
            thread = t;
        }
        while (*p && *p != ';')
            p++;
    }
    resume(g, step, thread);
}

static void handle_z(struct gdbstub *g, const char *p, bool insert)
{
    struct dbg *d = g->d;
    char type = *p++;
    u64 addr, kind;
    if (*p++ != ',' || !hex_u64(&p, &addr) || *p++ != ',' || !hex_u64(&p, &kind) || type < '0' || type > '4') {
        send_packet(g, type >= '0' && type <= '4' ? "E01" : "");
        return;
    }
    enum dbg_bp_kind k = type <= '1' ? BP_INSN_LA : BP_WATCH_LA;
    unsigned rw = type == '2' ? WATCH_WRITE : type == '3' ? WATCH_READ : type == '4' ? WATCH_ACCESS : 0;
    unsigned len = type <= '1' ? 1 : (unsigned)(kind ? (kind > 4096 ? 4096 : kind) : 1);
    if (insert) {
        send_packet(g, dbg_bp_add(d, k, addr, len, rw, true) < 0 ? "E0c" : "OK");
        return;
    }
    for (int i = 0; i < DBG_MAX_BPS; i++) {
        struct dbg_bp *b = &d->bps[i];
        if (b->id && b->gdb && b->kind == k && b->addr == addr && b->rw == rw) {
            b->id = 0;
            dbg_rearm(d);
            break;
        }
    }
    send_packet(g, "OK");
}

static void handle_packet(struct gdbstub *g, char *p, size_t plen)
{
    struct dbg *d = g->d;
    struct cpu *c = gcpu(g);
    u64 a, n;
    const char *q = p + 1;
    char buf[64];
    switch (p[0]) {
    case '?':
        send_stop(g);
        g->waiting = false;
        return;
    case 'g': {
        char regs[GDBSTUB_G_HEX + 1];
        gdbstub_encode_regs(c, regs);
        send_packet(g, regs);
        return;
    }
    case 'G': {
        size_t have = strlen(q) / 2;
        u8 raw[GDBSTUB_G_BYTES];
        if (have > sizeof raw || hex_decode(q, raw, have)) {
            send_packet(g, "E01");
            return;
        }
        size_t off = 0;
        for (unsigned r = 0; r < NREGS && off + reg_size(r) <= have; r++) {
            reg_write(c, r, raw + off);
            off += reg_size(r);
        }
        send_packet(g, "OK");
        return;
    }
    case 'p':
        if (!hex_u64(&q, &n) || n >= NREGS) {
            send_packet(g, "E01");
            return;
        } else {
            u64 tmp;
            char hex[40];
            hex_encode(hex, reg_ptr(c, (unsigned)n, &tmp), reg_size((unsigned)n));
            send_packet(g, hex);
        }
        return;
    case 'P': {
        u8 raw[16];
        if (!hex_u64(&q, &n) || n >= NREGS || *q++ != '=' || strlen(q) < 2 * reg_size((unsigned)n) ||
            hex_decode(q, raw, reg_size((unsigned)n))) {
            send_packet(g, "E01");
            return;
        }
        reg_write(c, (unsigned)n, raw);
        send_packet(g, "OK");
        return;
    }
    case 'm': {
        if (!hex_u64(&q, &a) || *q++ != ',' || !hex_u64(&q, &n)) {
            send_packet(g, "E01");
            return;
        }
        if (n > 2000)
            n = 2000;
        u8 data[2000];
        char hex[4001];
        if (dbg_read_la(d, c, a, data, n)) {
            send_packet(g, "E14");
            return;
        }
        hex_encode(hex, data, n);
        send_packet(g, hex);
        return;
    }
    case 'M':
    case 'X': {
        if (!hex_u64(&q, &a) || *q++ != ',' || !hex_u64(&q, &n) || *q++ != ':' || n > RSP_MAX / 2) {
            send_packet(g, "E01");
            return;
        }
        u8 data[RSP_MAX / 2];
        size_t avail = plen - (size_t)(q - p);
        if (p[0] == 'M' ? (strlen(q) < 2 * n || hex_decode(q, data, n)) : avail < n) {
            send_packet(g, "E01");
            return;
        }
        if (p[0] == 'X')
            memcpy(data, q, n);
        send_packet(g, n && dbg_write_la(d, c, a, data, n) ? "E14" : "OK");
        return;
    }
    case 'c':
    case 'C':
        resume(g, false, -1);
        return;
    case 's':
    case 'S':
        resume(g, true, -1);
        return;
    case 'Z':
    case 'z':
        handle_z(g, q, p[0] == 'Z');
        return;
    case 'H':
        if (q[0] == 'g' || q[0] == 'c') {
            const char *t = q + 1;
            if (hex_u64(&t, &n) && n >= 1 && n <= d->ncpus && q[0] == 'g')
                g->gcpu = (unsigned)n - 1;
        }
        send_packet(g, "OK");
        return;
    case 'T': {
        bool ok = hex_u64(&q, &n) && n >= 1 && n <= d->ncpus;
        send_packet(g, ok ? "OK" : "E01");
        return;
    }
    case 'D':
        send_packet(g, "OK");
        close(g->fd);
        g->fd = -1;
        return;
    case 'k':
        d->quit = true;
        close(g->fd);
        g->fd = -1;
        return;
    case 'v':
        if (!strncmp(p, "vCont?", 6))
            send_packet(g, "vCont;c;C;s;S");
        else if (!strncmp(p, "vCont;", 6))
            handle_vcont(g, p + 5);
        else if (!strncmp(p, "vKill", 5)) {
            send_packet(g, "OK");
            d->quit = true;
        } else
            send_packet(g, "");
        return;
    case 'q':
        if (!strncmp(p, "qSupported", 10)) {
            g->swbreak = strstr(p, "hwbreak+") != NULL;
            send_packet(g, "PacketSize=4000;qXfer:features:read+;vContSupported+;hwbreak+");
        } else if (!strncmp(p, "qXfer:features:read:", 20)) {
            handle_xfer(g, p + 20);
        } else if (!strcmp(p, "qfThreadInfo")) {
            char list[4 + 3 * DBG_MAX_CPUS] = "m";
            for (unsigned i = 0; i < d->ncpus; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%02x", i ? "," : "", i + 1);
            send_packet(g, list);
        } else if (!strcmp(p, "qsThreadInfo")) {
            send_packet(g, "l");
        } else if (!strcmp(p, "qC")) {
            snprintf(buf, sizeof buf, "QC%02x", g->gcpu + 1);
            send_packet(g, buf);
        } else if (!strncmp(p, "qAttached", 9)) {
            send_packet(g, "1");
        } else if (!strncmp(p, "qRcmd,", 6)) {
            handle_qrcmd(g, p + 6);
        } else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
            const char *t = p + 17;
            if (!hex_u64(&t, &n) || n < 1 || n > d->ncpus) {
                send_packet(g, "E01");
                return;
            }
            struct cpu *tc = machine_cpu(d->m, (unsigned)n - 1);
            char info[64], hex[130];
            snprintf(info, sizeof info, "vCPU %u %s", (unsigned)n - 1, dbg_mode_name(tc));
            hex_encode(hex, info, strlen(info));
            send_packet(g, hex);
        } else {
            send_packet(g, "");
        }
        return;
    default:
        send_packet(g, "");
        return;
    }
}

/* ---- sockets ---- */

struct gdbstub *gdbstub_open(struct dbg *d, unsigned port, char *err, size_t errlen)
{
    struct gdbstub *g = calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->d = d;
    g->fd = -1;
    g->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((u16)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (g->listen_fd < 0 || setsockopt(g->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(g->listen_fd, (struct sockaddr *)&sa, sizeof sa) || listen(g->listen_fd, 1)) {
        snprintf(err, errlen, "-gdb tcp::%u: %s", port, strerror(errno));
        if (g->listen_fd >= 0)
            close(g->listen_fd);
        free(g);
        return NULL;
    }
    return g;
}

void gdbstub_close(struct gdbstub *g)
{
    if (!g)
        return;
    if (g->fd >= 0)
        close(g->fd);
    close(g->listen_fd);
    free(g);
}

int gdbstub_fd(const struct gdbstub *g)
{
    return g->fd >= 0 ? g->fd : g->listen_fd;
}

bool gdbstub_connected(const struct gdbstub *g)
{
    return g->fd >= 0;
}

static void accept_client(struct gdbstub *g)
{
    int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    g->fd = fd;
    g->dec.state = 0;
    g->gcpu = g->d->cur;
    g->waiting = false;
}

void gdbstub_service(struct gdbstub *g)
{
    if (g->fd < 0) {
        accept_client(g);
        return;
    }
    char in[4096];
    ssize_t n = recv(g->fd, in, sizeof in, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        close(g->fd);
        g->fd = -1;
        return;
    }
    for (ssize_t i = 0; i < n && g->fd >= 0 && !g->d->quit; i++) {
        switch (rsp_feed(&g->dec, (u8)in[i])) {
        case RSP_PACKET:
            send_raw(g, "+", 1);
            handle_packet(g, g->dec.buf, g->dec.len);
            break;
        case RSP_BAD:
            send_raw(g, "-", 1);
            break;
        case RSP_INTERRUPT:   /* already stopped: report where */
            send_stop(g);
            break;
        default:
            break;
        }
    }
}

bool gdbstub_poll(struct gdbstub *g)
{
    struct pollfd pfd = {.fd = gdbstub_fd(g), .events = POLLIN};
    if (poll(&pfd, 1, 0) <= 0)
        return false;
    if (g->fd < 0)
        return true;   /* a client connects: stop so it finds the machine stopped */
    char in[256];
    ssize_t n = recv(g->fd, in, sizeof in, MSG_DONTWAIT);
    if (n == 0) {   /* the client went away: keep running */
        close(g->fd);
        g->fd = -1;
        return false;
    }
    bool intr = false;
    for (ssize_t i = 0; i < n; i++)
        if (rsp_feed(&g->dec, (u8)in[i]) == RSP_INTERRUPT)
            intr = true;   /* packets while running (none in all-stop mode) are dropped */
    return intr;
}

void gdbstub_notify_stop(struct gdbstub *g)
{
    if (g->fd >= 0 && g->waiting)
        send_stop(g);
}
