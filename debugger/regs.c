/* debugger/regs.c — registers by name ($rax, $eax, $rip, $cr3, $fs_base, ...) for expressions,
 * `set $reg = v` and the gdb stub. */
#include <stddef.h>
#include <string.h>

#include "debugger/dbg.h"

struct reg_desc {
    const char *name;
    size_t off;
    unsigned size;
    unsigned flags;   /* REG_MODE: recompute the mode after a write; REG_TLB: and flush the TLB */
};

enum { REG_MODE = 1, REG_TLB = 2 };

#define R(n, field, sz, fl) {n, offsetof(struct cpu, field), sz, fl}
static const struct reg_desc regs[] = {
    R("rax", gpr[RAX], 8, 0), R("rbx", gpr[RBX], 8, 0), R("rcx", gpr[RCX], 8, 0), R("rdx", gpr[RDX], 8, 0),
    R("rsi", gpr[RSI], 8, 0), R("rdi", gpr[RDI], 8, 0), R("rbp", gpr[RBP], 8, 0), R("rsp", gpr[RSP], 8, 0),
    R("r8", gpr[R8], 8, 0), R("r9", gpr[R9], 8, 0), R("r10", gpr[R10], 8, 0), R("r11", gpr[R11], 8, 0),
    R("r12", gpr[R12], 8, 0), R("r13", gpr[R13], 8, 0), R("r14", gpr[R14], 8, 0), R("r15", gpr[R15], 8, 0),
    R("eax", gpr[RAX], 4, 0), R("ebx", gpr[RBX], 4, 0), R("ecx", gpr[RCX], 4, 0), R("edx", gpr[RDX], 4, 0),
    R("esi", gpr[RSI], 4, 0), R("edi", gpr[RDI], 4, 0), R("ebp", gpr[RBP], 4, 0), R("esp", gpr[RSP], 4, 0),
    R("rip", rip, 8, 0), R("pc", rip, 8, 0), R("eip", rip, 4, 0), R("sp", gpr[RSP], 8, 0), R("fp", gpr[RBP], 8, 0),
    R("rflags", rflags, 8, REG_MODE), R("eflags", rflags, 8, REG_MODE),
    R("cs", seg[SEG_CS].sel, 2, 0), R("ss", seg[SEG_SS].sel, 2, 0), R("ds", seg[SEG_DS].sel, 2, 0),
    R("es", seg[SEG_ES].sel, 2, 0), R("fs", seg[SEG_FS].sel, 2, 0), R("gs", seg[SEG_GS].sel, 2, 0),
    R("cs_base", seg[SEG_CS].base, 8, REG_MODE), R("ss_base", seg[SEG_SS].base, 8, 0),
    R("ds_base", seg[SEG_DS].base, 8, 0), R("es_base", seg[SEG_ES].base, 8, 0),
    R("fs_base", seg[SEG_FS].base, 8, 0), R("gs_base", seg[SEG_GS].base, 8, 0),
    R("k_gs_base", msr.kernel_gs_base, 8, 0),
    R("cr0", cr0, 8, REG_TLB), R("cr2", cr2, 8, 0), R("cr3", cr3, 8, REG_TLB), R("cr4", cr4, 8, REG_TLB),
    R("cr8", cr8, 8, 0), R("efer", efer, 8, REG_TLB),
    R("dr0", dr[0], 8, 0), R("dr1", dr[1], 8, 0), R("dr2", dr[2], 8, 0), R("dr3", dr[3], 8, 0),
    R("dr6", dr[6], 8, 0), R("dr7", dr[7], 8, REG_MODE),
    R("gdtr_base", gdtr.base, 8, 0), R("idtr_base", idtr.base, 8, 0),
    R("cycles", cycles, 8, 0), R("insns", insns, 8, 0),
};
#undef R

static const struct reg_desc *reg_find(const char *name, size_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
        if (strlen(regs[i].name) == len && !strncmp(regs[i].name, name, len))
            return &regs[i];
    return NULL;
}

bool dbg_reg_get(struct cpu *c, const char *name, size_t len, u64 *v)
{
    const struct reg_desc *r = reg_find(name, len);
    if (!r)
        return false;
    *v = 0;
    memcpy(v, (const u8 *)c + r->off, r->size);
    return true;
}

int dbg_reg_set(struct cpu *c, const char *name, size_t len, u64 v)
{
    const struct reg_desc *r = reg_find(name, len);
    if (!r || !strcmp(r->name, "cycles") || !strcmp(r->name, "insns"))
        return -1;
    memcpy((u8 *)c + r->off, &v, r->size);
    if (r->flags & REG_TLB)
        tlb_flush_all(&c->tlb);
    if (r->flags & (REG_MODE | REG_TLB))
        cpu_update_mode(c);
    if (!strcmp(r->name, "dr7") || !strcmp(r->name, "cr4"))
        debug_update(c);
    return 0;
}

const char *dbg_mode_name(const struct cpu *c)
{
    static const char *const names[MODE_COUNT] = {
        [MODE_REAL] = "real", [MODE_V86] = "v86", [MODE_PROT16] = "prot16", [MODE_PROT32] = "prot32",
        [MODE_COMPAT16] = "compat16", [MODE_COMPAT32] = "compat32", [MODE_LONG64] = "long64",
    };
    return c->mode < MODE_COUNT ? names[c->mode] : "?";
}
