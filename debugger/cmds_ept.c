/* debugger/cmds_ept.c — EPT in the debugger: `info ept GPA` walks the current VMCS's EPT
 * level by level and says where and why the walk stops (SDM 3C §28.3), and `info pagewalk`
 * under EPT shows the EPT leg of every guest paging-structure access and of the final
 * guest-physical address (the 2-D walk). Everything goes through vmx_ept_peek: RAM only, no
 * accessed/dirty flags, no VM exit. The verdict is the real walker's; the levels shown are
 * read from the same tables. */
#include <string.h>
#include <strings.h>

#include "debugger/cmds.h"
#include "debugger/dbg.h"
#include "vmx/controls.h"
#include "vmx/hooks.h"
#include "vmx/vmx.h"

#define EPTE_PS BIT(7)

static const char *const level_names[6] = {"", "PTE", "PDE", "PDPTE", "PML4E", "PML5E"};

static const char *memtype_name(unsigned mt)
{
    static const char *const n[8] = {"UC", "WC", "rsvd2", "rsvd3", "WT", "WP", "WB", "rsvd7"};
    return n[mt & 7];
}

/* EPT entry bits (SDM 3C Tables 28-1..28-6). */
static void print_epte_bits(struct dbg *d, u64 e, bool leaf)
{
    dbg_printf(d, " %c%c%c", e & 1 ? 'R' : '-', e & 2 ? 'W' : '-', e & 4 ? 'X' : '-');
    if (e & BIT(10))
        dbg_printf(d, " XU");
    if (leaf)
        dbg_printf(d, " MT=%s%s", memtype_name((unsigned)(e >> 3) & 7), e & BIT(6) ? " IPAT" : "");
    if (e & EPTE_PS)
        dbg_printf(d, " PS");
    dbg_printf(d, "%s%s%s", e & BIT(8) ? " A" : "", e & BIT(9) ? " D" : "", e >> 63 ? " SVE" : "");
}

static void perm_string(char out[4], unsigned perm)
{
    out[0] = perm & EPT_R ? 'r' : '-';
    out[1] = perm & EPT_W ? 'w' : '-';
    out[2] = perm & EPT_X ? 'x' : '-';
    out[3] = 0;
}

static const char *access_name(unsigned access)
{
    return access == EPT_W ? "write" : access == EPT_X ? "instruction fetch" : "read";
}

/* The EPT entries the walk of gpa read (n of them), each on its own line. */
static void print_ept_levels(struct dbg *d, u64 eptp, unsigned maxphyaddr, gpa_t gpa, unsigned n)
{
    unsigned levels = (unsigned)((eptp >> EPTP_WALK_SHIFT) & 7) + 1;
    u64 addr_mask = GENMASK(51, 12) & ~GENMASK(51, maxphyaddr);
    pa_t table = eptp & addr_mask;
    for (unsigned i = 0, l = levels; i < n && l >= 1 && l <= 5; i++, l--) {
        unsigned shift = 12 + 9 * (l - 1), idx = (unsigned)((gpa >> shift) & 511);
        pa_t ea = table + idx * 8ull;
        u64 e;
        if (dbg_read_pa(d, ea, &e, 8)) {
            dbg_printf(d, "    %-5s[%u] at 0x%llx: not RAM\n", level_names[l], idx, (unsigned long long)ea);
            return;
        }
        bool leaf = l == 1 || (l <= 3 && (e & EPTE_PS));
        dbg_printf(d, "    %-5s[%u] at 0x%llx: 0x%016llx", level_names[l], idx, (unsigned long long)ea,
                   (unsigned long long)e);
        print_epte_bits(d, e, leaf);
        if (!leaf && i + 1 < n)
            dbg_printf(d, " -> table 0x%llx", (unsigned long long)(e & addr_mask));
        dbg_printf(d, "\n");
        if (leaf)
            return;
        table = e & addr_mask;
    }
}

int dbg_ept_show(struct dbg *d, struct cpu *c, gpa_t gpa, unsigned access, bool levels, pa_t *pa)
{
    u64 eptp = c->vmx->vmcs.ept_pointer;
    struct ept_result r;
    enum ept_status st = vmx_ept_peek(c, gpa, access, &r);
    if (levels)
        print_ept_levels(d, eptp, c->model.maxphyaddr, gpa, st == EPT_OK || st == EPT_EXT ? 5 : r.refs);
    char p[4];
    perm_string(p, r.perm);
    unsigned walk = (unsigned)((eptp >> EPTP_WALK_SHIFT) & 7) + 1;
    unsigned stop = r.refs >= 1 && r.refs <= walk ? walk + 1 - r.refs : 0;   /* level of the last entry read */
    switch (st) {
    case EPT_OK: {
        u64 k = r.page_size >> 10;
        dbg_printf(d, "    => physical 0x%llx (%llu %s page), EPT permissions %s, memory type %s%s\n",
                   (unsigned long long)r.pa, (unsigned long long)(k >= 1024 ? k >> 10 : k), k >= 1024 ? "MiB" : "KiB",
                   p, memtype_name(r.memtype), r.ipat ? " (ignore PAT)" : "");
        *pa = r.pa;
        return 0;
    }
    case EPT_VIOLATION:
        if (r.qual & (EPT_QUAL_READABLE | EPT_QUAL_WRITABLE | EPT_QUAL_EXECUTABLE))
            dbg_printf(d, "    => EPT violation (exit reason 48): a %s is not allowed, the translation allows %s; "
                          "exit qualification bits 5:0 = 0x%llx\n", access_name(access), p, (unsigned long long)r.qual);
        else
            dbg_printf(d, "    => EPT violation (exit reason 48): the %s (level %u) is not present; exit "
                          "qualification bits 5:0 = 0x%llx\n", level_names[stop], stop, (unsigned long long)r.qual);
        return -1;
    case EPT_MISCONFIG:
        dbg_printf(d, "    => EPT misconfiguration (exit reason 49) at the %s (level %u), SDM 3C §28.3.3.1\n",
                   level_names[stop], stop);
        return -1;
    default:
        dbg_printf(d, "    => the EPT paging structures are not in RAM\n");
        return -1;
    }
}

int cmd_info_ept(struct dbg *d, const char *args)
{
    struct cpu *c = dbg_cpu(d);
    if (!c->vmx_on || !c->vmx || c->vmx->current == VMX_NO_VMCS)
        return dbg_error(d, "cpu%u has no current VMCS%s", d->cur, c->vmx_on ? "" : " (not in VMX operation)");
    u64 gpa;
    if (!*args || dbg_expr(d, &args, &gpa))
        return dbg_error(d, "usage: info ept GPA [read|write|fetch]");
    while (*args == ' ' || *args == '\t')
        args++;
    unsigned access = EPT_R;
    if (*args) {
        if (!strncasecmp(args, "write", strlen(args)))
            access = EPT_W;
        else if (!strncasecmp(args, "fetch", strlen(args)) || !strncasecmp(args, "exec", strlen(args)))
            access = EPT_X;
        else if (strncasecmp(args, "read", strlen(args)))
            return dbg_error(d, "info ept: access must be read, write or fetch, not \"%s\"", args);
    }
    const struct vmcs *v = &c->vmx->vmcs;
    u64 eptp = v->ept_pointer;
    bool on = (v->proc_controls & PROC_SECONDARY) && (v->proc2_controls & PROC2_EPT);
    unsigned walk = (unsigned)((eptp >> EPTP_WALK_SHIFT) & 7) + 1;
    dbg_printf(d, "EPT walk of guest-physical 0x%llx for a %s: EPTP 0x%llx (%u-level, %s, A/D %s)%s\n",
               (unsigned long long)gpa, access_name(access), (unsigned long long)eptp, walk,
               memtype_name((unsigned)(eptp & EPTP_MEMTYPE_MASK)), eptp & EPTP_AD ? "on" : "off",
               on ? "" : " -- note: enable EPT is 0 in the VMCS controls");
    if (walk != 4 && walk != 5)
        return dbg_error(d, "the EPTP's page-walk length %u is invalid (VM entry fails with it)", walk);
    pa_t pa;
    (void)dbg_ept_show(d, c, gpa, access, true, &pa);
    return 0;
}
