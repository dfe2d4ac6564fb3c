/* debugger/cmds.h — the command functions, by the file that holds them (the tables are in
 * cmds_table.c). */
#ifndef HVSIM_DEBUGGER_CMDS_H
#define HVSIM_DEBUGGER_CMDS_H

#include "base/types.h"
#include "debugger/cmdtab.h"

struct cpu;

/* cmds_run.c: execution, breakpoints, vCPUs */
dbg_cmd_fn cmd_continue, cmd_stepi, cmd_nexti, cmd_break, cmd_watch, cmd_rwatch, cmd_awatch,
    cmd_delete, cmd_enable, cmd_disable, cmd_info_breakpoints, cmd_cpu, cmd_info_cpus, cmd_quit, cmd_help,
    cmd_info;
/* cmds_data.c: registers, memory, disassembly, set, print */
dbg_cmd_fn cmd_info_registers, cmd_x, cmd_xp, cmd_disassemble, cmd_set, cmd_print;
/* cmds_vmx.c: VM transitions, the VMCS, explain, exit statistics */
dbg_cmd_fn cmd_break_vmx, cmd_vmcs, cmd_info_vmcs, cmd_explain, cmd_step_exit, cmd_step_entry, cmd_info_exits;
/* cmds_sys.c: descriptor tables, TSS, TLB, page walks */
dbg_cmd_fn cmd_info_gdt, cmd_info_idt, cmd_info_tss, cmd_info_tlb, cmd_info_pagewalk;
/* cmds_ept.c: info ept; and the EPT leg of a guest-physical access for info pagewalk under
 * EPT: prints the verdict (and with `levels` each EPT entry read); 0 with *pa set when the
 * access translates, -1 when it would cause an EPT violation or misconfiguration. */
dbg_cmd_fn cmd_info_ept;
int dbg_ept_show(struct dbg *d, struct cpu *c, gpa_t gpa, unsigned access, bool levels, pa_t *pa);

#endif
