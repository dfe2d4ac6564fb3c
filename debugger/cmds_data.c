/* debugger/cmds_data.c — info registers, x, xp, disassemble, set, print. */
#include <ctype.h>
#include <string.h>

#include "debugger/cmds.h"
#include "debugger/dbg.h"

static bool at_end(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return !*s;
}

/* Names of the set bits of v from names[bit] (NULL: unnamed), gdb style "[ IF ZF ]". */
static void print_bits(struct dbg *d, u64 v, const char *const *names, unsigned n)
{
    dbg_printf(d, "[ ");
    for (int b = (int)n - 1; b >= 0; b--)
        if (names[b] && (v >> b) & 1)
            dbg_printf(d, "%s ", names[b]);
    dbg_printf(d, "]");
}

static const char *const rflags_names[22] = {
    [0] = "CF", [2] = "PF", [4] = "AF", [6] = "ZF", [7] = "SF", [8] = "TF", [9] = "IF", [10] = "DF",
    [11] = "OF", [14] = "NT", [16] = "RF", [17] = "VM", [18] = "AC", [19] = "VIF", [20] = "VIP", [21] = "ID",
};
static const char *const cr0_names[32] = {
    [0] = "PE", [1] = "MP", [2] = "EM", [3] = "TS", [4] = "ET", [5] = "NE", [16] = "WP", [18] = "AM",
    [29] = "NW", [30] = "CD", [31] = "PG",
};
static const char *const cr4_names[25] = {
    [0] = "VME", [1] = "PVI", [2] = "TSD", [3] = "DE", [4] = "PSE", [5] = "PAE", [6] = "MCE", [7] = "PGE",
    [8] = "PCE", [9] = "OSFXSR", [10] = "OSXMMEXCPT", [11] = "UMIP", [12] = "LA57", [13] = "VMXE",
    [14] = "SMXE", [16] = "FSGSBASE", [17] = "PCIDE", [18] = "OSXSAVE", [20] = "SMEP", [21] = "SMAP",
    [22] = "PKE", [23] = "CET", [24] = "PKS",
};
static const char *const efer_names[16] = {
    [0] = "SCE", [8] = "LME", [10] = "LMA", [11] = "NXE", [12] = "SVME", [13] = "LMSLE", [14] = "FFXSR", [15] = "TCE",
};

static void print_seg(struct dbg *d, const char *name, const struct seg *s)
{
    unsigned ar = s->ar;
    dbg_printf(d, "%-4s 0x%04x  base 0x%016llx  limit 0x%08x  ar 0x%05x", name, s->sel,
               (unsigned long long)s->base, s->limit, ar);
    if (ar & SEG_AR_UNUSABLE) {
        dbg_printf(d, "  (unusable)\n");
        return;
    }
    const char *kind = !(ar & SEG_AR_S) ? "system" : (ar & 8) ? "code" : "data";
    dbg_printf(d, "  (%s type %u DPL %u%s%s%s%s)\n", kind, ar & 15, seg_dpl(s), ar & SEG_AR_P ? " P" : " NP",
               ar & SEG_AR_L ? " L" : "", ar & SEG_AR_DB ? " D" : "", ar & SEG_AR_G ? " G" : "");
}

static void print_reg_line(struct dbg *d, const char *name, u64 v)
{
    dbg_printf(d, "%-14s 0x%-18llx %lld\n", name, (unsigned long long)v, (long long)v);
}

int cmd_info_registers(struct dbg *d, const char *args)
{
    struct cpu *c = dbg_cpu(d);
    if (!at_end(args)) {
        while (!at_end(args)) {
            while (*args == ' ' || *args == '$')
                args++;
            const char *n = args;
            while (*args && *args != ' ' && *args != '\t')
                args++;
            u64 v;
            if (!dbg_reg_get(c, n, (size_t)(args - n), &v))
                return dbg_error(d, "invalid register `%.*s'", (int)(args - n), n);
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int)(args - n), n);
            print_reg_line(d, name, v);
        }
        return 0;
    }
    static const char *const gpr_names[16] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                              "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    for (int i = 0; i < 16; i++) {
        u64 v;
        dbg_reg_get(c, gpr_names[i], strlen(gpr_names[i]), &v);
        print_reg_line(d, gpr_names[i], v);
    }
    dbg_printf(d, "%-14s 0x%-18llx\n", "rip", (unsigned long long)c->rip);
    dbg_printf(d, "%-14s 0x%-18llx ", "rflags", (unsigned long long)c->rflags);
    print_bits(d, c->rflags, rflags_names, 22);
    dbg_printf(d, " IOPL=%llu\n", (unsigned long long)((c->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT));
    static const char *const seg_names[SEG_COUNT] = {"es", "cs", "ss", "ds", "fs", "gs"};
    static const int seg_order[SEG_COUNT] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};
    for (int i = 0; i < SEG_COUNT; i++)
        print_seg(d, seg_names[seg_order[i]], &c->seg[seg_order[i]]);
    print_seg(d, "ldtr", &c->ldtr);
    print_seg(d, "tr", &c->tr);
    dbg_printf(d, "gdtr base 0x%016llx  limit 0x%04x\n", (unsigned long long)c->gdtr.base, c->gdtr.limit);
    dbg_printf(d, "idtr base 0x%016llx  limit 0x%04x\n", (unsigned long long)c->idtr.base, c->idtr.limit);
    dbg_printf(d, "%-14s 0x%-18llx ", "cr0", (unsigned long long)c->cr0);
    print_bits(d, c->cr0, cr0_names, 32);
    dbg_printf(d, "\n%-14s 0x%-18llx\n%-14s 0x%-18llx\n", "cr2", (unsigned long long)c->cr2, "cr3",
               (unsigned long long)c->cr3);
    dbg_printf(d, "%-14s 0x%-18llx ", "cr4", (unsigned long long)c->cr4);
    print_bits(d, c->cr4, cr4_names, 25);
    dbg_printf(d, "\n%-14s 0x%-18llx\n", "cr8", (unsigned long long)c->cr8);
    dbg_printf(d, "%-14s 0x%-18llx ", "efer", (unsigned long long)c->efer);
    print_bits(d, c->efer, efer_names, 16);
    dbg_printf(d, "\n%-14s 0x%-18llx\n", "xcr0", (unsigned long long)c->xcr0);
    for (int i = 0; i < 8; i++)
        if (i != 4 && i != 5) {
            char n[4] = {'d', 'r', (char)('0' + i), 0};
            dbg_printf(d, "%-14s 0x%-18llx\n", n, (unsigned long long)c->dr[i]);
        }
    const struct {
        const char *name;
        u64 v;
    } msrs[] = {
        {"IA32_APIC_BASE", c->msr.apic_base}, {"IA32_FEATURE_CONTROL", c->msr.feature_control},
        {"IA32_MISC_ENABLE", c->msr.misc_enable}, {"IA32_DEBUGCTL", c->msr.debugctl},
        {"IA32_PAT", c->msr.pat}, {"IA32_SYSENTER_CS", c->msr.sysenter_cs},
        {"IA32_SYSENTER_ESP", c->msr.sysenter_esp}, {"IA32_SYSENTER_EIP", c->msr.sysenter_eip},
        {"IA32_STAR", c->msr.star}, {"IA32_LSTAR", c->msr.lstar}, {"IA32_CSTAR", c->msr.cstar},
        {"IA32_FMASK", c->msr.sfmask}, {"IA32_FS_BASE", c->seg[SEG_FS].base},
        {"IA32_GS_BASE", c->seg[SEG_GS].base}, {"IA32_KERNEL_GS_BASE", c->msr.kernel_gs_base},
        {"IA32_TSC_AUX", c->msr.tsc_aux}, {"IA32_TSC", cpu_read_tsc(c)}, {"IA32_TSC_ADJUST", c->msr.tsc_adjust},
        {"IA32_SPEC_CTRL", c->msr.spec_ctrl}, {"IA32_MTRR_DEF_TYPE", c->msr.mtrr_def_type},
    };
    for (size_t i = 0; i < ARRAY_SIZE(msrs); i++)
        dbg_printf(d, "%-22s 0x%llx\n", msrs[i].name, (unsigned long long)msrs[i].v);
    dbg_printf(d, "cpl %u  mode %s  %s  insns %llu  cycles %llu\n", c->cpl, dbg_mode_name(c),
               !c->vmx_on ? "no VMX" : c->vmx_nonroot ? "VMX non-root" : "VMX root",
               (unsigned long long)c->insns, (unsigned long long)c->cycles);
    return 0;
}

static int read_mem(struct dbg *d, bool phys, u64 a, void *buf, size_t n)
{
    return phys ? dbg_read_pa(d, a, buf, n) : dbg_read_la(d, dbg_cpu(d), a, buf, n);
}

/* Disassemble n instructions from a (linear or physical); the address after them. */
static u64 disas(struct dbg *d, bool phys, u64 a, unsigned n)
{
    struct cpu *c = dbg_cpu(d);
    /* Real/16-bit code is shown at its offset within CS when a is linear in CS. */
    u64 cs_base = c->mode == MODE_LONG64 || phys ? 0 : c->seg[SEG_CS].base;
    for (unsigned i = 0; i < n; i++) {
        u8 bytes[16];
        size_t got = 0;
        while (got < sizeof bytes && !read_mem(d, phys, a + got, bytes + got, 1))
            got++;
        if (!got) {
            dbg_error(d, "cannot access memory at 0x%llx", (unsigned long long)a);
            break;
        }
        char text[128], hex[40] = "";
        bool call;
        unsigned len = dbg_disasm(c, d->att, bytes, got, a - cs_base, text, sizeof text, &call);
        if (!len)
            len = 1;
        for (unsigned k = 0; k < len && k < 12; k++)
            snprintf(hex + 2 * k, sizeof hex - 2 * k, "%02x", bytes[k]);
        bool here = !phys && a == (c->mode == MODE_LONG64 ? c->rip : (u32)(c->seg[SEG_CS].base + c->rip));
        dbg_printf(d, "%s0x%llx:\t%-24s %s\n", here ? "=> " : "   ", (unsigned long long)a, hex, text);
        a += len;
    }
    return a;
}

static int examine(struct dbg *d, const char *args, bool phys)
{
    char err[128];
    if (*args == '/') {
        args++;
        if (xfmt_parse(&args, &d->xf, err, sizeof err))
            return dbg_error(d, "%s", err);
    } else {
        d->xf.count = 1;
    }
    if (!d->xf.fmt)
        d->xf.fmt = 'x';
    if (!d->xf.size)
        d->xf.size = 4;
    u64 a;
    if (at_end(args)) {
        if (!d->x_next)
            return dbg_error(d, "argument required (starting display address)");
        a = d->x_next;
    } else if (dbg_expr(d, &args, &a)) {
        return -1;
    }
    d->x_phys = phys;
    if (d->xf.fmt == 'i') {
        d->x_next = disas(d, phys, a, d->xf.count);
        return 0;
    }
    if (d->xf.fmt == 's') {
        for (unsigned k = 0; k < d->xf.count; k++) {
            dbg_printf(d, "0x%llx:\t\"", (unsigned long long)a);
            for (unsigned i = 0; i < 200; i++) {
                u8 ch;
                if (read_mem(d, phys, a, &ch, 1)) {
                    dbg_printf(d, "\"\n");
                    return dbg_error(d, "cannot access memory at 0x%llx", (unsigned long long)a);
                }
                a++;
                if (!ch)
                    break;
                const char *esc = ch == '\n' ? "\\n" : ch == '\t' ? "\\t" : ch == '\r' ? "\\r" : ch == '"' ? "\\\""
                                : ch == '\\' ? "\\\\" : NULL;
                if (esc)
                    dbg_printf(d, "%s", esc);
                else if (isprint(ch))
                    dbg_printf(d, "%c", ch);
                else
                    dbg_printf(d, "\\%03o", ch);
            }
            dbg_printf(d, "\"\n");
        }
        d->x_next = a;
        return 0;
    }
    unsigned per = xfmt_per_line(&d->xf);
    for (unsigned i = 0; i < d->xf.count; i++) {
        u64 v = 0;
        if (i % per == 0)
            dbg_printf(d, "%s0x%llx:", i ? "\n" : "", (unsigned long long)a);
        if (read_mem(d, phys, a, &v, d->xf.size)) {
            dbg_printf(d, "\n");
            return dbg_error(d, "cannot access memory at 0x%llx", (unsigned long long)a);
        }
        char buf[80];
        xfmt_value(buf, sizeof buf, d->xf.fmt, d->xf.size, v);
        dbg_printf(d, "\t%s", buf);
        a += d->xf.size;
    }
    dbg_printf(d, "\n");
    d->x_next = a;
    return 0;
}

int cmd_x(struct dbg *d, const char *args) { return examine(d, args, false); }
int cmd_xp(struct dbg *d, const char *args) { return examine(d, args, true); }

int cmd_disassemble(struct dbg *d, const char *args)
{
    struct cpu *c = dbg_cpu(d);
    u64 a = c->mode == MODE_LONG64 ? c->rip : (u32)(c->seg[SEG_CS].base + c->rip), n = 10;
    if (d->repeating && d->x_next)
        a = d->x_next;
    else if (!at_end(args) && dbg_expr(d, &args, &a))
        return -1;
    if (!at_end(args) && dbg_expr(d, &args, &n))
        return -1;
    if (n > 10000)
        n = 10000;
    d->x_next = disas(d, false, a, (unsigned)n);
    return 0;
}

int cmd_set(struct dbg *d, const char *args)
{
    struct cpu *c = dbg_cpu(d);
    while (*args == ' ')
        args++;
    if (!strncmp(args, "disassembly-flavor", 18)) {
        args += 18;
        while (*args == ' ')
            args++;
        if (!strcmp(args, "intel"))
            d->att = false;
        else if (!strcmp(args, "att"))
            d->att = true;
        else
            return dbg_error(d, "set disassembly-flavor intel|att");
        return 0;
    }
    if (!strncmp(args, "var ", 4))
        args += 4;
    unsigned size = 4;   /* set *ADDR = V writes an int, as in gdb */
    static const struct {
        const char *type;
        unsigned size;
    } types[] = {{"{char}", 1}, {"{short}", 2}, {"{int}", 4}, {"{long}", 8}, {"{u8}", 1}, {"{u16}", 2},
                 {"{u32}", 4}, {"{u64}", 8}};
    bool mem = false;
    for (size_t i = 0; i < ARRAY_SIZE(types); i++)
        if (!strncmp(args, types[i].type, strlen(types[i].type))) {
            size = types[i].size;
            args += strlen(types[i].type);
            mem = true;
        }
    if (!mem && *args == '*') {
        args++;
        mem = true;
    }
    u64 addr = 0, v;
    const char *reg = NULL;
    size_t reglen = 0;
    if (mem) {
        if (dbg_expr(d, &args, &addr))
            return -1;
    } else if (*args == '$') {
        reg = ++args;
        while (isalnum((unsigned char)*args) || *args == '_')
            args++;
        reglen = (size_t)(args - reg);
        while (*args == ' ')
            args++;
    } else {
        return dbg_error(d, "usage: set $REG = V, set *ADDR = V, set {char|short|int|long} ADDR = V, "
                            "set disassembly-flavor intel|att");
    }
    if (*args != '=')
        return dbg_error(d, "expected '='");
    args++;
    if (dbg_expr(d, &args, &v))
        return -1;
    if (!at_end(args))
        return dbg_error(d, "junk at end: '%s'", args);
    if (reg) {
        if (dbg_reg_set(c, reg, reglen, v))
            return dbg_error(d, "invalid register `%.*s'", (int)reglen, reg);
        return 0;
    }
    if (dbg_write_la(d, c, addr, &v, size))
        return dbg_error(d, "cannot access memory at 0x%llx", (unsigned long long)addr);
    return 0;
}

int cmd_print(struct dbg *d, const char *args)
{
    u64 v;
    if (*args == '/') {   /* p/x: the value is always shown in hex and decimal */
        while (*args && *args != ' ')
            args++;
    }
    if (dbg_expr(d, &args, &v))
        return -1;
    if (!at_end(args))
        return dbg_error(d, "junk at end: '%s'", args);
    dbg_printf(d, "0x%llx (%lld)\n", (unsigned long long)v, (long long)v);
    return 0;
}
