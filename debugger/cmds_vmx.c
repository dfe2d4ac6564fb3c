/* debugger/cmds_vmx.c — the VMX-aware commands (docs/debugger.md "VMX"): break vmexit/vmentry/
 * entryfail/inject, the stops they cause, info vmcs, vmcs diff/set, explain, step-exit,
 * step-entry, info exits. The CPU reports VM transitions through cpu_dbg_hooks.event
 * (debug_event in vmx/entry.c and vmx/exit.c); decoding and explanations are in vmxinfo.c. */
#include <string.h>
#include <strings.h>

#include "cpu/access.h"
#include "debugger/cmds.h"
#include "debugger/dbg.h"
#include "debugger/vmxinfo.h"
#include "vmx/hooks.h"
#include "vmx/vmx.h"

static bool at_end(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return !*s;
}

static unsigned cpu_index(struct dbg *d, const struct cpu *c)
{
    for (unsigned i = 0; i < d->ncpus; i++)
        if (machine_cpu(d->m, i) == c)
            return i;
    return 0;
}

/* The current VMCS of c, or NULL (not in VMX operation, or no current VMCS). */
static struct vmcs *current_vmcs(struct cpu *c)
{
    return c->vmx_on && c->vmx && c->vmx->current != VMX_NO_VMCS ? &c->vmx->vmcs : NULL;
}

/* ---- the event hook ---- */

static bool bp_matches(const struct dbg_bp *b, int kind, u64 info)
{
    switch (b->kind) {
    case BP_VMEXIT: return kind == DBG_EV_VMEXIT && (b->addr == DBG_ANY_REASON || b->addr == (info & 0xffff));
    case BP_VMENTRY: return kind == DBG_EV_VMENTRY;
    case BP_ENTRYFAIL: return kind == DBG_EV_ENTRYFAIL;
    case BP_INJECT: return kind == DBG_EV_INJECT;
    default: return false;
    }
}

void dbg_vmx_event(void *opaque, struct cpu *c, int kind, u64 info)
{
    struct dbg *d = opaque;
    unsigned i = cpu_index(d, c);
    struct dbg_vmx_last *l = &d->vmx_last[i < DBG_MAX_CPUS ? i : 0];
    if (kind == DBG_EV_VMEXIT || kind == DBG_EV_ENTRYFAIL) {
        *l = (struct dbg_vmx_last){.exit_valid = true, .failed = kind == DBG_EV_ENTRYFAIL, .reason = (u32)info,
                                   .guest_ecx = (u32)c->gpr[RCX], .exit_cycles = c->cycles};
        if (l->failed) {
            l->failure = c->vmx->last_failure;
            l->insn_error = info ? 0 : c->vmx->vmcs.vm_instruction_error;
        }
    }
    if (d->stop.kind != DSTOP_NONE)
        return;   /* already stopping: the first event is reported */
    int bp = 0;
    for (int k = 0; k < DBG_MAX_BPS && !bp; k++) {
        struct dbg_bp *b = &d->bps[k];
        if (b->id && b->enabled && bp_matches(b, kind, info)) {
            b->hits++;
            bp = b->id;
        }
    }
    bool exit_like = kind == DBG_EV_VMEXIT || (kind == DBG_EV_ENTRYFAIL && info != 0);
    bool step = d->vmx_step == kind + 1 || (d->vmx_step == DBG_EV_VMEXIT + 1 && exit_like) ||
                (d->stepping && exit_like && c == dbg_cpu(d));
    if (!bp && !step)
        return;
    d->stop = (struct dbg_stop){.kind = DSTOP_VMX, .cpu = i, .bp = bp, .event = kind, .info = info};
    machine_pause(d->m);
}

void dbg_vmx_describe_bp(const struct dbg_bp *b, char *buf, size_t n)
{
    const char *name = b->addr < 0x10000 ? vmxinfo_reason_name((unsigned)b->addr) : NULL;
    switch (b->kind) {
    case BP_VMEXIT:
        if (b->addr == DBG_ANY_REASON)
            snprintf(buf, n, "vmexit (any)");
        else
            snprintf(buf, n, "vmexit %s (%llu)", name ? name : "?", (unsigned long long)b->addr);
        break;
    case BP_VMENTRY: snprintf(buf, n, "vmentry"); break;
    case BP_ENTRYFAIL: snprintf(buf, n, "entryfail"); break;
    case BP_INJECT: snprintf(buf, n, "inject"); break;
    default: snprintf(buf, n, "?"); break;
    }
}

/* ---- guest memory through the guest's paging (for the guest instruction at a VM exit) ---- */

static int walk_cmpxchg_none(void *opaque, pa_t pa, u64 old, u64 new_val, unsigned size, bool *ok)
{
    (void)opaque, (void)pa, (void)old, (void)new_val, (void)size;
    *ok = true;
    return 0;
}

static int walk_read_ram(void *opaque, pa_t pa, u64 *val, unsigned size)
{
    *val = 0;
    return dbg_read_pa(opaque, pa, val, size);
}

/* Guest-physical to physical: through the current VMCS's EPT when it enables EPT. */
static int guest_pa(struct cpu *c, bool ept, gpa_t gpa, pa_t *pa)
{
    struct ept_result r;
    if (!ept) {
        *pa = gpa;
        return 0;
    }
    if (vmx_ept_peek(c, gpa, EPT_R, &r) != EPT_OK)
        return -1;
    *pa = r.pa;
    return 0;
}

/* Read guest-linear memory as the guest of v saw it (its CR0/CR3/CR4/EFER, and its EPT when
 * enabled); nothing is changed, only RAM is read. */
static int read_guest_la(struct dbg *d, struct cpu *c, const struct vmcs *v, u64 la, u8 *buf, size_t n)
{
    struct paging_ctx ctx;
    bool ept = (v->proc_controls & PROC_SECONDARY) && (v->proc2_controls & PROC2_EPT);
    access_paging_ctx(c, &ctx);
    ctx.opaque = d;
    ctx.read = walk_read_ram;
    ctx.cmpxchg = walk_cmpxchg_none;
    if (ept)
        vmx_ept_peek_ctx(c, &ctx);
    bool lma = v->entry_controls & ENTRY_IA32E;
    if (!(v->guest_cr0 & CR0_PG))
        ctx.mode = PAGING_NONE;
    else if (lma)
        ctx.mode = (v->guest_cr4 & CR4_LA57) ? PAGING_5LVL : PAGING_4LVL;
    else if (v->guest_cr4 & CR4_PAE)
        ctx.mode = PAGING_PAE;
    else
        ctx.mode = PAGING_32;
    ctx.cr3 = v->guest_cr3;
    ctx.wp = v->guest_cr0 & CR0_WP;
    ctx.pse = v->guest_cr4 & CR4_PSE;
    ctx.smep = ctx.smap = ctx.pke = false;
    if (ctx.mode == PAGING_PAE) {
        if (ept) {   /* with EPT the VMCS holds the guest's PDPTEs (SDM 3C §25.4.2) */
            ctx.pdpte[0] = v->guest_pdpte0, ctx.pdpte[1] = v->guest_pdpte1;
            ctx.pdpte[2] = v->guest_pdpte2, ctx.pdpte[3] = v->guest_pdpte3;
        } else {     /* without EPT they are not in the VMCS: read them */
            for (unsigned k = 0; k < 4; k++)
                if (dbg_read_pa(d, (v->guest_cr3 & ~0x1full) + 8 * k, &ctx.pdpte[k], 8))
                    return -1;
        }
    }
    if (!lma)
        la = (u32)la;
    for (size_t k = 0; k < n; k++) {
        struct paging_result r;
        pa_t pa;
        if (ctx.mode == PAGING_NONE)
            r.pa = (la + k) & 0xffffffffu;
        else if (paging_walk(&ctx, la + k, PAGING_READ, PAGING_SUP_AC, &r) != PAGING_OK)
            return k ? 0 : -1;
        if (guest_pa(c, ept, r.pa, &pa) || dbg_read_pa(d, pa, buf + k, 1))
            return k ? 0 : -1;
    }
    return 0;
}

/* "cpuid" for the guest instruction at GUEST_RIP of v. */
static void guest_insn_text(struct dbg *d, struct cpu *c, const struct vmcs *v, char *out, size_t n)
{
    u8 bytes[16] = {0};
    u64 la = v->guest_cs_base + v->guest_rip;
    if (v->entry_controls & ENTRY_IA32E)
        la = v->guest_rip;
    size_t len = sizeof bytes;
    if (v->exit_instruction_len && v->exit_instruction_len <= 15)
        len = v->exit_instruction_len;
    if (read_guest_la(d, c, v, la, bytes, len)) {
        snprintf(out, n, "(cannot read guest memory)");
        return;
    }
    /* Decode as the guest: borrow c's mode only when it matches the guest's width. */
    bool call;
    enum cpu_mode saved = c->mode;
    if (v->entry_controls & ENTRY_IA32E && (v->guest_cs_ar & SEG_AR_L))
        c->mode = MODE_LONG64;
    dbg_disasm(c, d->att, bytes, len, v->guest_rip, out, n, &call);
    c->mode = saved;
}

static bool read_byte(void *opaque, u64 pa, u8 *byte)
{
    return !dbg_read_pa(opaque, pa, byte, 1);
}

void dbg_vmx_report_stop(struct dbg *d)
{
    const struct dbg_stop *s = &d->stop;
    struct cpu *c = machine_cpu(d->m, s->cpu);
    struct vmcs *v = current_vmcs(c);
    if (s->bp)
        dbg_printf(d, "Breakpoint %d, ", s->bp);
    char text[160], q[256];
    switch (s->event) {
    case DBG_EV_VMEXIT: {
        unsigned r = (unsigned)(s->info & 0xffff);
        const char *name = vmxinfo_reason_name(r);
        dbg_printf(d, "VM exit: reason %u (%s)\n", r, name ? name : "?");
        if (v) {
            vmxinfo_format_qual(v, q, sizeof q);
            if (q[0])
                dbg_printf(d, "  qualification %#llx: %s\n", (unsigned long long)v->exit_qualification, q);
            guest_insn_text(d, c, v, text, sizeof text);
            dbg_printf(d, "  guest rip 0x%llx: %s", (unsigned long long)v->guest_rip, text);
            if (v->exit_instruction_len)   /* only exits caused by an instruction report one */
                dbg_printf(d, " (length %u)", v->exit_instruction_len);
            dbg_printf(d, "\n");
        }
        dbg_printf(d, "  cycles %llu (the exit cost is included)\n", (unsigned long long)c->cycles);
        break;
    }
    case DBG_EV_ENTRYFAIL: {
        char why[512];
        const struct dbg_vmx_last *l = &d->vmx_last[s->cpu];
        vmxinfo_explain_failure(&l->failure, l->insn_error, why, sizeof why);
        dbg_printf(d, "VM entry failed%s\n  %s\n  cycles %llu\n", s->info ? " (VM-entry failure exit)" : " (VMfailValid)",
                   why, (unsigned long long)c->cycles);
        break;
    }
    case DBG_EV_VMENTRY:
        dbg_printf(d, "VM entry into the guest at rip 0x%llx, cycles %llu\n", (unsigned long long)c->rip,
                   (unsigned long long)c->cycles);
        break;
    case DBG_EV_INJECT: {
        u32 ii = (u32)s->info;
        dbg_printf(d, "Event injection at VM entry: vector %u (%s), type %u (%s), %s\n", ii & 0xff,
                   vmxinfo_vector_name(ii & 0xff), (ii >> 8) & 7, vmxinfo_intr_type_name((ii >> 8) & 7),
                   (ii & INTR_INFO_HAS_ERROR) ? "with error code" : "no error code");
        if (v && (ii & INTR_INFO_HAS_ERROR))
            dbg_printf(d, "  error code %#x\n", v->entry_exception_error_code);
        break;
    }
    default:
        break;
    }
}

void dbg_vmx_note_stop(struct dbg *d)
{
    struct vmcs *v = current_vmcs(dbg_cpu(d));
    d->vmcs_prev = d->vmcs_now;
    d->vmcs_prev_ok = d->vmcs_now_ok;
    d->vmcs_now_ok = v != NULL;
    if (v)
        d->vmcs_now = *v;
}

/* ---- commands ---- */

static bool word_eq(const char *w, size_t len, const char *name)
{
    return strlen(name) == len && !strncasecmp(w, name, len);
}

int cmd_break_vmx(struct dbg *d, const char *args)
{
    size_t len;
    const char *rest;
    const char *w = cmdtab_word(args, &len, &rest);
    enum dbg_bp_kind kind;
    if (word_eq(w, len, "vmexit"))
        kind = BP_VMEXIT;
    else if (word_eq(w, len, "vmentry"))
        kind = BP_VMENTRY;
    else if (word_eq(w, len, "entryfail"))
        kind = BP_ENTRYFAIL;
    else if (word_eq(w, len, "inject"))
        kind = BP_INJECT;
    else
        return dbg_error(d, "usage: break vmexit [REASON|NUMBER ...] | vmentry | entryfail | inject");
    if (kind != BP_VMEXIT || at_end(rest)) {
        if (!at_end(rest))
            return dbg_error(d, "break %.*s takes no arguments", (int)len, w);
        int id = dbg_bp_add(d, kind, DBG_ANY_REASON, 1, 0, false);
        if (id < 0)
            return dbg_error(d, "too many breakpoints");
        char what[64];
        for (int k = 0; k < DBG_MAX_BPS; k++)
            if (d->bps[k].id == id)
                dbg_vmx_describe_bp(&d->bps[k], what, sizeof what);
        dbg_printf(d, "Breakpoint %d at %s\n", id, what);
        return 0;
    }
    /* Check every reason before adding any. */
    int reasons[64];
    unsigned nr = 0;
    for (const char *s = rest; !at_end(s) && nr < ARRAY_SIZE(reasons);) {
        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        const char *e = s;
        while (*e && *e != ' ' && *e != '\t' && *e != ',')
            e++;
        int r = vmxinfo_reason_parse(s, (size_t)(e - s));
        if (r < 0)
            return dbg_error(d, "unknown VM-exit reason \"%.*s\" (names as in SDM 3C Appendix C: cpuid, hlt, io, "
                                "cr, msr-read, ept-violation ...; or a number)",
                             (int)(e - s), s);
        reasons[nr++] = r;
        s = e;
    }
    for (unsigned k = 0; k < nr; k++) {
        int id = dbg_bp_add(d, BP_VMEXIT, (u64)reasons[k], 1, 0, false);
        if (id < 0)
            return dbg_error(d, "too many breakpoints");
        const char *name = vmxinfo_reason_name((unsigned)reasons[k]);
        dbg_printf(d, "Breakpoint %d at vmexit %s (%d)\n", id, name ? name : "?", reasons[k]);
    }
    return 0;
}

enum vmcs_group { G_CONTROLS, G_EXIT, G_GUEST, G_HOST, G_ALL };
static const char *const group_names[] = {"controls", "exit", "guest", "host"};
static const u8 group_type[] = {CTL, RO, GUEST, HOST};

/* One field line; control words and decodable fields get their bits named. */
static void print_field(struct dbg *d, const struct vmcs *v, const struct vmcs_field_info *f)
{
    u64 val = vmcs_get(v, f);
    static const unsigned digits[] = {[W16] = 4, [W64] = 16, [W32] = 8, [WN] = 16};
    dbg_printf(d, "  %-34s 0x%0*llx", f->name, digits[f->width], (unsigned long long)val);
    char bits[768];
    if (vmxinfo_format_control(f->enc, val, bits, sizeof bits)) {
        dbg_printf(d, "  %s", bits[0] ? bits : "(none)");
    } else if (f->enc == VMCS_VM_EXIT_REASON) {
        const char *n = vmxinfo_reason_name((unsigned)(val & 0xffff));
        dbg_printf(d, "  %s%s", n ? n : "?", (val & EXIT_REASON_ENTRY_FAIL) ? " (VM-entry failure)" : "");
    } else if (f->enc == VMCS_EXIT_QUALIFICATION) {
        vmxinfo_format_qual(v, bits, sizeof bits);
        if (bits[0])
            dbg_printf(d, "  %s", bits);
    } else if ((f->enc == VMCS_VM_ENTRY_INTR_INFO || f->enc == VMCS_VM_EXIT_INTR_INFO ||
                f->enc == VMCS_IDT_VECTORING_INFO) && (val & INTR_INFO_VALID)) {
        dbg_printf(d, "  valid vector=%u type=%u%s", (unsigned)(val & 0xff), (unsigned)((val >> 8) & 7),
                   (val & INTR_INFO_HAS_ERROR) ? " error-code" : "");
    }
    dbg_printf(d, "\n");
}

static const struct vmcs_field_info *field_by_name(const char *s, size_t len)
{
    if (len > 5 && !strncasecmp(s, "VMCS_", 5))
        s += 5, len -= 5;
    for (unsigned i = 0; i < VMCS_NFIELDS; i++)
        if (word_eq(s, len, vmcs_fields[i].name))
            return &vmcs_fields[i];
    return NULL;
}

static bool field_shown(const struct cpu *c, const struct vmcs_field_info *f)
{
    return vmx_caps_field_exists(&c->vmx->caps, f);
}

int cmd_info_vmcs(struct dbg *d, const char *args)
{
    struct cpu *c = dbg_cpu(d);
    struct vmcs *v = current_vmcs(c);
    if (!v)
        return dbg_error(d, "cpu%u has no current VMCS%s", d->cur, c->vmx_on ? "" : " (not in VMX operation)");
    size_t len;
    const char *rest;
    const char *w = cmdtab_word(args, &len, &rest);
    enum vmcs_group only = G_ALL;
    if (len) {
        for (unsigned g = 0; g < ARRAY_SIZE(group_names); g++)
            if (len <= strlen(group_names[g]) && !strncasecmp(w, group_names[g], len))
                only = g;
        if (only == G_ALL) {
            const struct vmcs_field_info *f = field_by_name(w, len);
            if (!f)
                return dbg_error(d, "no VMCS group or field \"%.*s\" (groups: controls, exit, guest, host)", (int)len, w);
            print_field(d, v, f);
            return 0;
        }
    }
    dbg_printf(d, "VMCS at 0x%llx (cpu%u, %s, launch state %s)\n", (unsigned long long)c->vmx->current, d->cur,
               c->vmx_nonroot ? "guest running" : "in VMX root operation",
               c->vmx->launch == VMCS_LAUNCHED ? "launched" : "clear");
    static const char *const titles[] = {"VM-execution, VM-exit and VM-entry controls", "VM-exit information",
                                         "guest-state area", "host-state area"};
    for (unsigned g = 0; g < ARRAY_SIZE(group_names); g++) {
        if (only != G_ALL && only != g)
            continue;
        dbg_printf(d, "%s (%s):\n", titles[g], group_names[g]);
        for (unsigned i = 0; i < VMCS_NFIELDS; i++)
            if (vmcs_fields[i].type == group_type[g] && field_shown(c, &vmcs_fields[i]))
                print_field(d, v, &vmcs_fields[i]);
    }
    return 0;
}

/* vmcs diff | vmcs set FIELD VALUE | vmcs [GROUP|FIELD] (= info vmcs). */
int cmd_vmcs(struct dbg *d, const char *args)
{
    size_t len;
    const char *rest;
    const char *w = cmdtab_word(args, &len, &rest);
    struct cpu *c = dbg_cpu(d);
    struct vmcs *v = current_vmcs(c);
    if (word_eq(w, len, "diff")) {
        if (!v)
            return dbg_error(d, "cpu%u has no current VMCS", d->cur);
        if (!d->vmcs_prev_ok) {
            dbg_printf(d, "No VMCS at the previous stop: nothing to compare.\n");
            return 0;
        }
        unsigned n = 0;
        for (unsigned i = 0; i < VMCS_NFIELDS; i++) {
            const struct vmcs_field_info *f = &vmcs_fields[i];
            u64 a = vmcs_get(&d->vmcs_prev, f), b = vmcs_get(v, f);
            if (a == b)
                continue;
            dbg_printf(d, "  %-34s 0x%llx -> 0x%llx\n", f->name, (unsigned long long)a, (unsigned long long)b);
            n++;
        }
        dbg_printf(d, "%u field%s changed since the previous stop.\n", n, n == 1 ? "" : "s");
        return 0;
    }
    if (word_eq(w, len, "set")) {
        if (!v)
            return dbg_error(d, "cpu%u has no current VMCS", d->cur);
        const char *fw = cmdtab_word(rest, &len, &rest);
        const struct vmcs_field_info *f = field_by_name(fw, len);
        if (!f)
            return dbg_error(d, "usage: vmcs set FIELD VALUE (FIELD as in info vmcs, e.g. GUEST_RIP)");
        if (*rest == '=')
            rest++;
        u64 val;
        if (at_end(rest) || dbg_expr(d, &rest, &val))
            return at_end(rest) ? dbg_error(d, "usage: vmcs set FIELD VALUE") : -1;
        vmcs_set(v, f, val);
        print_field(d, v, f);
        return 0;
    }
    return cmd_info_vmcs(d, args);
}

int cmd_explain(struct dbg *d, const char *args)
{
    (void)args;
    struct cpu *c = dbg_cpu(d);
    const struct dbg_vmx_last *l = &d->vmx_last[d->cur];
    struct vmcs *v = current_vmcs(c);
    if (!c->vmx || !l->exit_valid || !v)
        return dbg_error(d, "cpu%u has had no VM exit or failed VM entry to explain", d->cur);
    char buf[768];
    if (l->failed) {
        vmxinfo_explain_failure(&l->failure, l->insn_error, buf, sizeof buf);
    } else {
        unsigned r = v->exit_reason & 0xffff;
        const char *name = vmxinfo_reason_name(r);
        dbg_printf(d, "VM exit reason %u (%s) at guest rip 0x%llx:\n", r, name ? name : "?",
                   (unsigned long long)v->guest_rip);
        vmxinfo_explain_exit(v, l->guest_ecx, read_byte, d, buf, sizeof buf);
    }
    dbg_printf(d, "%s\n", buf);
    return 0;
}

static int step_event(struct dbg *d, int kind)
{
    if (d->exited)
        return dbg_error(d, "the machine has stopped: %s", machine_exit_message(d->m));
    if (!dbg_cpu(d)->vmx_on)
        dbg_printf(d, "(cpu%u is not in VMX operation yet; running until it %s)\n", d->cur,
                   kind == DBG_EV_VMEXIT ? "exits a guest" : "enters a guest");
    dbg_continue(d, false);   /* the hook stops at the event; finish_run clears vmx_step */
    return 0;
}

int cmd_step_exit(struct dbg *d, const char *args)
{
    (void)args;
    d->vmx_step = DBG_EV_VMEXIT + 1;
    return step_event(d, DBG_EV_VMEXIT);
}

int cmd_step_entry(struct dbg *d, const char *args)
{
    (void)args;
    d->vmx_step = DBG_EV_VMENTRY + 1;
    return step_event(d, DBG_EV_VMENTRY);
}

int cmd_info_exits(struct dbg *d, const char *args)
{
    (void)args;
    bool any = false;
    for (unsigned i = 0; i < d->ncpus; i++) {
        const struct cpu *c = machine_cpu(d->m, i);
        const struct vmx_cpu *x = c->vmx;
        if (!x || (!x->exits && !x->entries))
            continue;
        any = true;
        dbg_printf(d, "cpu%u: %llu VM entries, %llu VM exits\n", i, (unsigned long long)x->entries,
                   (unsigned long long)x->exits);
        dbg_printf(d, "  %-6s %-22s %8s %14s\n", "reason", "name", "count", "cycles");
        for (unsigned r = 0; r < VMX_STAT_REASONS; r++) {
            if (!x->exit_count[r])
                continue;
            const char *name = vmxinfo_reason_name(r);
            dbg_printf(d, "  %-6u %-22s %8llu %14llu\n", r, name ? name : "?", (unsigned long long)x->exit_count[r],
                       (unsigned long long)x->exit_cycles[r]);
        }
        if (x->last_reason < VMX_STAT_REASONS)
            dbg_printf(d, "  (in the handler of the last exit for %llu cycles so far)\n",
                       (unsigned long long)(c->cycles - x->last_exit_at));
    }
    if (!any)
        dbg_printf(d, "No VM exits yet.\n");
    dbg_printf(d, "cycles: modelled cycles from each exit to the next VM entry (the exit cost and the handler).\n");
    return 0;
}
