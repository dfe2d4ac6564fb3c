/* debugger/cmds_sys.c — system structures: info gdt, idt, tss, tlb, pagewalk. Everything is
 * read through the debugger's side-effect-free memory access. */
#include <string.h>

#include "debugger/cmds.h"
#include "debugger/dbg.h"
#include "mmu/paging.h"
#include "vmx/hooks.h"

static bool at_end(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return !*s;
}

static const char *sys_type_name(unsigned type, bool lm)
{
    static const char *const legacy[16] = {
        "reserved", "16-bit TSS (avail)", "LDT", "16-bit TSS (busy)", "16-bit call gate", "task gate",
        "16-bit int gate", "16-bit trap gate", "reserved", "32-bit TSS (avail)", "reserved",
        "32-bit TSS (busy)", "32-bit call gate", "reserved", "32-bit int gate", "32-bit trap gate"};
    static const char *const lm64[16] = {
        "reserved", "reserved", "LDT", "reserved", "reserved", "reserved", "reserved", "reserved",
        "reserved", "64-bit TSS (avail)", "reserved", "64-bit TSS (busy)", "64-bit call gate", "reserved",
        "64-bit int gate", "64-bit trap gate"};
    return (lm ? lm64 : legacy)[type & 15];
}

int cmd_info_gdt(struct dbg *d, const char *args)
{
    (void)args;
    struct cpu *c = dbg_cpu(d);
    bool lm = c->efer & EFER_LMA;
    dbg_printf(d, "GDT base 0x%llx limit 0x%x\n", (unsigned long long)c->gdtr.base, c->gdtr.limit);
    for (u32 off = 0; off + 7 <= c->gdtr.limit; off += 8) {
        u64 e;
        if (dbg_read_la(d, c, c->gdtr.base + off, &e, 8))
            return dbg_error(d, "cannot access memory at 0x%llx", (unsigned long long)(c->gdtr.base + off));
        if (!e) {
            dbg_printf(d, "GDT[0x%02x] null\n", off);
            continue;
        }
        u64 base = ((e >> 16) & 0xffffff) | ((e >> 32) & 0xff000000);
        u32 limit = (u32)((e & 0xffff) | ((e >> 32) & 0xf0000));
        unsigned type = (e >> 40) & 15, s = (e >> 44) & 1, dpl = (e >> 45) & 3, p = (e >> 47) & 1;
        unsigned l = (e >> 53) & 1, db = (e >> 54) & 1, g = (e >> 55) & 1;
        if (g)
            limit = limit << 12 | 0xfff;
        if (s) {
            dbg_printf(d, "GDT[0x%02x] %s base 0x%llx limit 0x%x type %u DPL %u%s%s%s%s\n", off,
                       type & 8 ? "code" : "data", (unsigned long long)base, limit, type, dpl, p ? " P" : " NP",
                       l ? " L" : "", db ? " D" : "", g ? " G" : "");
            continue;
        }
        bool wide = lm && (type == 2 || type == 9 || type == 11 || type == 12);
        if (wide && off + 15 <= c->gdtr.limit) {
            u64 hi = 0;
            dbg_read_la(d, c, c->gdtr.base + off + 8, &hi, 8);
            base |= (hi & 0xffffffff) << 32;
        }
        dbg_printf(d, "GDT[0x%02x] %s base 0x%llx limit 0x%x DPL %u%s\n", off, sys_type_name(type, lm),
                   (unsigned long long)base, limit, dpl, p ? " P" : " NP");
        if (wide)
            off += 8;
    }
    return 0;
}

int cmd_info_idt(struct dbg *d, const char *args)
{
    (void)args;
    struct cpu *c = dbg_cpu(d);
    dbg_printf(d, "IDT base 0x%llx limit 0x%x\n", (unsigned long long)c->idtr.base, c->idtr.limit);
    if (c->mode == MODE_REAL) {
        for (u32 v = 0; v * 4 + 3 <= c->idtr.limit && v < 256; v++) {
            u32 e;
            if (dbg_read_la(d, c, c->idtr.base + v * 4, &e, 4))
                return dbg_error(d, "cannot access memory");
            dbg_printf(d, "IVT[0x%02x] %04x:%04x\n", v, e >> 16, e & 0xffff);
        }
        return 0;
    }
    bool lm = c->efer & EFER_LMA;
    unsigned esz = lm ? 16 : 8;
    for (u32 v = 0; v * esz + esz - 1 <= c->idtr.limit && v < 256; v++) {
        u64 e[2] = {0, 0};
        if (dbg_read_la(d, c, c->idtr.base + v * esz, e, esz))
            return dbg_error(d, "cannot access memory at 0x%llx", (unsigned long long)(c->idtr.base + v * esz));
        unsigned type = (e[0] >> 40) & 15, dpl = (e[0] >> 45) & 3, p = (e[0] >> 47) & 1;
        if (!p)
            continue;
        u64 off = (e[0] & 0xffff) | ((e[0] >> 32) & 0xffff0000);
        if (lm)
            off |= (e[1] & 0xffffffff) << 32;
        unsigned sel = (e[0] >> 16) & 0xffff, ist = (e[0] >> 32) & 7;
        dbg_printf(d, "IDT[0x%02x] %s %04x:0x%llx DPL %u", v, sys_type_name(type, lm), sel,
                   (unsigned long long)off, dpl);
        if (lm && ist)
            dbg_printf(d, " IST %u", ist);
        dbg_printf(d, "\n");
    }
    return 0;
}

int cmd_info_tss(struct dbg *d, const char *args)
{
    (void)args;
    struct cpu *c = dbg_cpu(d);
    dbg_printf(d, "TR 0x%04x base 0x%llx limit 0x%x type %u\n", c->tr.sel, (unsigned long long)c->tr.base,
               c->tr.limit, c->tr.ar & 15);
    if (c->efer & EFER_LMA) {
        u8 t[104];
        if (dbg_read_la(d, c, c->tr.base, t, sizeof t))
            return dbg_error(d, "cannot access memory at 0x%llx", (unsigned long long)c->tr.base);
        for (int i = 0; i < 3; i++) {
            u64 v;
            memcpy(&v, t + 4 + 8 * i, 8);
            dbg_printf(d, "rsp%d 0x%llx\n", i, (unsigned long long)v);
        }
        for (int i = 1; i <= 7; i++) {
            u64 v;
            memcpy(&v, t + 36 + 8 * (i - 1), 8);
            dbg_printf(d, "ist%d 0x%llx\n", i, (unsigned long long)v);
        }
        u16 iomap;
        memcpy(&iomap, t + 102, 2);
        dbg_printf(d, "iomap base 0x%x\n", iomap);
        return 0;
    }
    u32 t[26];
    if (dbg_read_la(d, c, c->tr.base, t, sizeof t))
        return dbg_error(d, "cannot access memory at 0x%llx", (unsigned long long)c->tr.base);
    dbg_printf(d, "link 0x%04x esp0 0x%x ss0 0x%04x esp1 0x%x ss1 0x%04x esp2 0x%x ss2 0x%04x\n", t[0] & 0xffff,
               t[1], t[2] & 0xffff, t[3], t[4] & 0xffff, t[5], t[6] & 0xffff);
    dbg_printf(d, "cr3 0x%x eip 0x%x eflags 0x%x\n", t[7], t[8], t[9]);
    dbg_printf(d, "eax 0x%x ecx 0x%x edx 0x%x ebx 0x%x esp 0x%x ebp 0x%x esi 0x%x edi 0x%x\n", t[10], t[11], t[12],
               t[13], t[14], t[15], t[16], t[17]);
    dbg_printf(d, "es 0x%04x cs 0x%04x ss 0x%04x ds 0x%04x fs 0x%04x gs 0x%04x ldt 0x%04x iomap 0x%x\n",
               t[18] & 0xffff, t[19] & 0xffff, t[20] & 0xffff, t[21] & 0xffff, t[22] & 0xffff, t[23] & 0xffff,
               t[24] & 0xffff, t[25] >> 16);
    return 0;
}

static void perm_str(char *buf, u16 perm)
{
    /* Supervisor (AC) and user read/write/execute. */
    snprintf(buf, 16, "%c%c%c/%c%c%c", perm & PAGING_PERM_BIT(PAGING_READ, PAGING_SUP_AC) ? 'r' : '-',
             perm & PAGING_PERM_BIT(PAGING_WRITE, PAGING_SUP_AC) ? 'w' : '-',
             perm & PAGING_PERM_BIT(PAGING_EXEC, PAGING_SUP_SMAP) ? 'x' : '-',
             perm & PAGING_PERM_BIT(PAGING_READ, PAGING_USER) ? 'r' : '-',
             perm & PAGING_PERM_BIT(PAGING_WRITE, PAGING_USER) ? 'w' : '-',
             perm & PAGING_PERM_BIT(PAGING_EXEC, PAGING_USER) ? 'x' : '-');
}

int cmd_info_tlb(struct dbg *d, const char *args)
{
    (void)args;
    struct cpu *c = dbg_cpu(d);
    unsigned n = 0;
    dbg_printf(d, "TLB of cpu%u (tag 0x%llx): linear -> physical  perm sup/user  flags\n", d->cur,
               (unsigned long long)c->tlb_tag);
    for (unsigned i = 0; i < TLB_ENTRIES; i++) {
        const struct tlb_entry *e = &c->tlb.e[i];
        if (e->vpn == TLB_VPN_INVALID)
            continue;
        char p[16];
        perm_str(p, e->perm);
        dbg_printf(d, "0x%016llx -> 0x%012llx  %s  tag 0x%llx%s%s%s\n", (unsigned long long)(e->vpn << 12),
                   (unsigned long long)e->pa, p, (unsigned long long)e->tag, e->flags & TLB_GLOBAL ? " G" : "",
                   e->flags & TLB_MMIO ? " MMIO" : "", e->page_mask != ~0xfffull ? " large" : "");
        n++;
    }
    dbg_printf(d, "%u valid entries of %u\n", n, TLB_ENTRIES);
    return 0;
}

/* One paging-structure entry: its bits spelled out. */
static void print_entry_bits(struct dbg *d, u64 e, bool leaf_capable, bool nx)
{
    dbg_printf(d, "%s%s%s%s%s%s%s%s%s", e & 1 ? " P" : " NP", e & 2 ? " W" : " R", e & 4 ? " U" : " S",
               e & 8 ? " PWT" : "", e & 16 ? " PCD" : "", e & 32 ? " A" : "", e & 64 ? " D" : "",
               leaf_capable && (e & 128) ? " PS" : "", e & 256 ? " G" : "");
    if (nx && (e >> 63))
        dbg_printf(d, " XD");
}

/* Under EPT: translate the guest-physical address of a paging-structure entry; on an EPT
 * violation or misconfiguration show the EPT walk and return true (the walk ends there). */
static bool table_through_ept(struct dbg *d, struct cpu *c, pa_t *ea, const char *name, unsigned idx)
{
    struct ept_result r;
    if (vmx_ept_peek(c, *ea, EPT_R, &r) == EPT_OK) {
        dbg_printf(d, "  %-5s[%u] at gpa 0x%llx (EPT -> 0x%llx)", name, idx, (unsigned long long)*ea,
                   (unsigned long long)r.pa);
        *ea = r.pa;
        return false;
    }
    dbg_printf(d, "  %-5s[%u] at guest-physical 0x%llx: EPT walk of the table address:\n", name, idx,
               (unsigned long long)*ea);
    pa_t unused;
    (void)dbg_ept_show(d, c, *ea, EPT_R, true, &unused);
    return true;
}

int cmd_info_pagewalk(struct dbg *d, const char *args)
{
    struct cpu *c = dbg_cpu(d);
    u64 la;
    if (at_end(args))
        return dbg_error(d, "usage: info pagewalk ADDR");
    if (dbg_expr(d, &args, &la))
        return -1;
    if (!(c->cr0 & CR0_PG)) {
        dbg_printf(d, "paging is off (CR0.PG = 0): linear 0x%llx = physical 0x%llx\n", (unsigned long long)la,
                   (unsigned long long)la);
        return 0;
    }
    bool lma = c->efer & EFER_LMA, pae = c->cr4 & CR4_PAE, nx = (c->efer & EFER_NXE) && pae;
    unsigned levels = lma ? ((c->cr4 & CR4_LA57) ? 5 : 4) : pae ? 3 : 2;
    static const char *const names5[] = {"PML5E", "PML4E", "PDPTE", "PDE", "PTE"};
    const char *const *names = names5 + (5 - levels);
    unsigned esz = levels == 2 ? 4 : 8;
    u64 maxpa_mask = ((1ull << c->model.maxphyaddr) - 1) & ~0xfffull;
    bool ept = vmx_ept_active(c);   /* 2-D walk: every table address is guest-physical */
    dbg_printf(d, "page walk of 0x%llx: %u-level paging, CR3 0x%llx%s\n", (unsigned long long)la, levels,
               (unsigned long long)c->cr3, ept ? " (guest-physical; each access goes through EPT)" : "");
    u64 table = levels == 2 ? (c->cr3 & 0xfffff000ull) : (c->cr3 & maxpa_mask);
    bool w = true, u = true, x = true;
    for (unsigned lv = 0; lv < levels; lv++) {
        unsigned shift = 12 + 9 * (levels - 1 - lv);
        if (levels == 2)
            shift = lv == 0 ? 22 : 12;
        unsigned idx = levels == 2 ? (unsigned)((la >> shift) & 0x3ff)
                       : levels == 3 && lv == 0 ? (unsigned)((la >> 30) & 3) : (unsigned)((la >> shift) & 0x1ff);
        u64 e = 0;
        pa_t ea = table + (u64)idx * esz;
        if (levels == 3 && lv == 0) {
            e = c->pdpte[idx];   /* PAE: the PDPTE registers loaded at the CR3 write */
            dbg_printf(d, "  %-5s[%u] (register)   : 0x%016llx", names[lv], idx, (unsigned long long)e);
        } else {
            if (ept && table_through_ept(d, c, &ea, names[lv], idx))
                return 0;
            if (!ept)
                dbg_printf(d, "  %-5s[%u] at 0x%llx", names[lv], idx, (unsigned long long)ea);
            if (dbg_read_pa(d, ea, &e, esz)) {
                dbg_printf(d, ": cannot read (not RAM)\n");
                return 0;
            }
            dbg_printf(d, ": 0x%0*llx", (int)(2 * esz), (unsigned long long)e);
        }
        bool leaf_capable = (lv > 0 || levels == 2) && lv < levels - 1 && !(levels == 3 && lv == 0);
        if (levels >= 4 && lv == levels - 3)
            leaf_capable = true;   /* PDPTE: 1 GiB pages */
        print_entry_bits(d, e, leaf_capable, nx);
        if (!(e & 1)) {
            dbg_printf(d, "\n  => not present: the access faults here (#PF, level %u)\n", lv + 1);
            return 0;
        }
        if (!(levels == 3 && lv == 0)) {
            w &= (e >> 1) & 1;
            u &= (e >> 2) & 1;
            if (nx && (e >> 63))
                x = false;
        }
        bool leaf = lv == levels - 1 || (leaf_capable && (e & 128));
        if (leaf) {
            u64 size = 1ull << shift;
            u64 frame = levels == 2 && shift == 22 ? (((e & 0xffc00000ull) | ((e & 0x1fe000ull) << 19)))
                                                   : (e & maxpa_mask & ~(size - 1));
            if (levels == 2 && shift == 12)
                frame = e & 0xfffff000ull;
            pa_t pa = frame | (la & (size - 1));
            dbg_printf(d, "\n  => %s 0x%llx (%s page at 0x%llx), %s, %s, %s\n", ept ? "guest-physical" : "physical",
                       (unsigned long long)pa,
                       size == 4096 ? "4 KiB" : size == 1ull << 21 ? "2 MiB" : size == 1ull << 22 ? "4 MiB" : "1 GiB",
                       (unsigned long long)frame, w ? "writable" : "read-only", u ? "user" : "supervisor",
                       x ? "executable" : "no-execute");
            if (ept) {
                dbg_printf(d, "  EPT walk of the guest-physical address:\n");
                (void)dbg_ept_show(d, c, pa, EPT_R, true, &pa);
            }
            return 0;
        }
        table = levels == 2 ? (e & 0xfffff000ull) : (e & maxpa_mask);
        dbg_printf(d, " -> table 0x%llx\n", (unsigned long long)table);
    }
    return 0;
}
