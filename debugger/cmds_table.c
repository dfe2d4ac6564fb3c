/* debugger/cmds_table.c — the command tables: the core, and one per layer (VMX: vmcs, explain,
 * step-exit, step-entry, info vmcs, info exits). */
#include "debugger/cmds.h"
#include "debugger/dbg.h"

static const struct dbg_cmd cmds_core[] = {
    {"continue", cmd_continue, CMD_REPEAT, "continue", "run until a breakpoint, watchpoint, Ctrl-C or the guest stops"},
    {"c", cmd_continue, CMD_REPEAT | CMD_ALIAS, "c", "continue"},
    {"stepi", cmd_stepi, CMD_REPEAT, "stepi [N]", "execute N instructions (default 1) on the selected vCPU"},
    {"si", cmd_stepi, CMD_REPEAT | CMD_ALIAS, "si [N]", "stepi"},
    {"s", cmd_stepi, CMD_REPEAT | CMD_ALIAS, "s [N]", "stepi"},
    {"nexti", cmd_nexti, CMD_REPEAT, "nexti", "step one instruction, running through a CALL"},
    {"ni", cmd_nexti, CMD_REPEAT | CMD_ALIAS, "ni", "nexti"},
    {"n", cmd_nexti, CMD_REPEAT | CMD_ALIAS, "n", "nexti"},
    {"break", cmd_break, 0, "break *ADDR | break phys ADDR", "instruction breakpoint at a linear or physical address"},
    {"b", cmd_break, CMD_ALIAS, "b *ADDR", "break"},
    {"watch", cmd_watch, 0, "watch [phys] ADDR [LEN]", "stop after a write to [ADDR, ADDR+LEN) (linear or physical)"},
    {"rwatch", cmd_rwatch, 0, "rwatch [phys] ADDR [LEN]", "stop after a read"},
    {"awatch", cmd_awatch, 0, "awatch [phys] ADDR [LEN]", "stop after a read or write"},
    {"delete", cmd_delete, 0, "delete [N...]", "delete breakpoints/watchpoints (all without N)"},
    {"d", cmd_delete, CMD_ALIAS, "d [N...]", "delete"},
    {"disable", cmd_disable, 0, "disable [N...]", "disable breakpoints/watchpoints"},
    {"enable", cmd_enable, 0, "enable [N...]", "enable breakpoints/watchpoints"},
    {"info", cmd_info, 0, "info WHAT", "show state: info registers, breakpoints, gdt, idt, tss, tlb, pagewalk, cpus"},
    {"i", cmd_info, CMD_ALIAS, "i WHAT", "info"},
    {"x", cmd_x, CMD_REPEAT, "x/NFU ADDR", "examine memory at a linear address (F: x d u o t a c f s i, U: b h w g)"},
    {"xp", cmd_xp, CMD_REPEAT, "xp/NFU ADDR", "examine memory at a physical address"},
    {"disassemble", cmd_disassemble, CMD_REPEAT, "disassemble [ADDR [N]]", "disassemble N instructions (default 10) at ADDR (default $pc)"},
    {"set", cmd_set, 0, "set $REG|*ADDR|{TYPE}ADDR = V", "write a register or memory (TYPE char|short|int|long)"},
    {"set disassembly-flavor", cmd_set, CMD_ALIAS, "set disassembly-flavor intel|att", "Intel (default) or AT&T syntax"},
    {"print", cmd_print, 0, "print EXPR", "evaluate an expression (hex and decimal)"},
    {"p", cmd_print, CMD_ALIAS, "p EXPR", "print"},
    {"cpu", cmd_cpu, 0, "cpu N", "select vCPU N for the commands that follow"},
    {"quit", cmd_quit, 0, "quit", "leave hvsim"},
    {"q", cmd_quit, CMD_ALIAS, "q", "quit"},
    {"help", cmd_help, 0, "help", "list the commands"},
};

static const struct dbg_cmd info_core[] = {
    {"registers", cmd_info_registers, 0, "info registers [REG...]", "GPRs, RIP, RFLAGS, segments, CRs, EFER, DRs, MSRs"},
    {"r", cmd_info_registers, CMD_ALIAS, "info r", "info registers"},
    {"breakpoints", cmd_info_breakpoints, 0, "info breakpoints", "list breakpoints and watchpoints"},
    {"b", cmd_info_breakpoints, CMD_ALIAS, "info b", "info breakpoints"},
    {"watchpoints", cmd_info_breakpoints, 0, "info watchpoints", "list breakpoints and watchpoints"},
    {"gdt", cmd_info_gdt, 0, "info gdt", "the GDT decoded"},
    {"idt", cmd_info_idt, 0, "info idt", "the IDT decoded"},
    {"tss", cmd_info_tss, 0, "info tss", "the current TSS"},
    {"tlb", cmd_info_tlb, 0, "info tlb", "valid TLB entries of the selected vCPU"},
    {"pagewalk", cmd_info_pagewalk, 0, "info pagewalk ADDR", "the page walk of a linear address, level by level"},
    {"cpus", cmd_info_cpus, 0, "info cpus", "the vCPUs and where they are"},
};

/* VMX (cmds_vmx.c); `break vmexit|vmentry|entryfail|inject` goes through cmd_break. */
static const struct dbg_cmd cmds_vmx[] = {
    {"break vmexit", cmd_break, CMD_ALIAS, "break vmexit [REASON|NUMBER ...]", "stop after VM exits (any, or these reasons: cpuid hlt io cr msr-read ...)"},
    {"break vmentry", cmd_break, CMD_ALIAS, "break vmentry | entryfail | inject", "stop after a VM entry, a failed VM entry, an event injection"},
    {"vmcs", cmd_vmcs, 0, "vmcs diff | vmcs set FIELD VALUE", "VMCS fields changed since the previous stop; write a field of the current VMCS"},
    {"explain", cmd_explain, 0, "explain", "why the last VM exit happened (VMCS field and bit), or why the VM entry failed"},
    {"step-exit", cmd_step_exit, CMD_REPEAT, "step-exit", "run until the next VM exit (or failed VM entry)"},
    {"step-entry", cmd_step_entry, CMD_REPEAT, "step-entry", "run until the next VM entry"},
};

static const struct dbg_cmd info_vmx[] = {
    {"vmcs", cmd_info_vmcs, 0, "info vmcs [controls|exit|guest|host|FIELD]", "the current VMCS decoded, by SDM field name"},
    {"exits", cmd_info_exits, 0, "info exits", "VM exits per reason with counts and modelled cycles"},
    {"ept", cmd_info_ept, 0, "info ept GPA [read|write|fetch]", "the EPT walk of a guest-physical address, level by level, and its verdict"},
};

const struct dbg_cmd_table dbg_cmd_tables[] = {{cmds_core, ARRAY_SIZE(cmds_core)}, {cmds_vmx, ARRAY_SIZE(cmds_vmx)}};
const size_t dbg_cmd_ntables = ARRAY_SIZE(dbg_cmd_tables);
const struct dbg_cmd_table dbg_info_tables[] = {{info_core, ARRAY_SIZE(info_core)}, {info_vmx, ARRAY_SIZE(info_vmx)}};
const size_t dbg_info_ntables = ARRAY_SIZE(dbg_info_tables);
