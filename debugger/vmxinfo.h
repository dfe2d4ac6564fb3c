/* debugger/vmxinfo.h — the VMX knowledge of the debugger as pure functions over a struct vmcs:
 * exit-reason names (SDM 3C Appendix C), exit qualifications decoded into their named bits
 * (SDM 3C §28.2.1), control words broken into named bits (§25.6-25.8), and the one-or-two
 * sentence explanations of a VM exit or a failed VM entry. No CPU needed: unit-tested with a
 * fake VMCS. */
#ifndef HVSIM_DEBUGGER_VMXINFO_H
#define HVSIM_DEBUGGER_VMXINFO_H

#include <stddef.h>

#include "vmx/entry_checks.h"
#include "vmx/vmcs.h"

/* Short command-line name of a basic exit reason ("cpuid", "msr-read"), or NULL if unknown. */
const char *vmxinfo_reason_name(unsigned reason);
/* The basic exit reason a name (short name or alias such as rdmsr, case-insensitive) or a
 * decimal/hex number denotes; -1 if none. */
int vmxinfo_reason_parse(const char *s, size_t len);

/* "hardware exception" for interruption type 0-7 (SDM 3C Table 25-17); "#GP" for vectors
 * 0-31, "interrupt" above. */
const char *vmxinfo_intr_type_name(unsigned type);
const char *vmxinfo_vector_name(unsigned vector);

/* The exit qualification (and, for exception exits, the exit interruption information) of
 * the exit recorded in v, decoded into named bits: "CR3 mov-to-cr gpr=rax". Empty string
 * when the reason has no qualification. */
void vmxinfo_format_qual(const struct vmcs *v, char *buf, size_t n);

/* Named bits of a control field (VMCS_PIN_BASED_VM_EXEC_CONTROL etc.): "HLT exiting(7) ...";
 * false if `enc` is not a control word with named bits. */
bool vmxinfo_format_control(u32 enc, u64 value, char *buf, size_t n);

/* Reads guest-physical memory for bitmap lookups; false if unreadable. */
typedef bool vmxinfo_read_fn(void *opaque, u64 pa, u8 *byte);

/* Why the last VM exit recorded in v happened, naming the VMCS field and bit responsible.
 * guest_ecx: the guest's ECX at the exit (the MSR of RDMSR/WRMSR exits is not in the VMCS). */
void vmxinfo_explain_exit(const struct vmcs *v, u32 guest_ecx, vmxinfo_read_fn *rd, void *opaque, char *buf,
                          size_t n);

/* Why a VM entry failed: check id, SDM section, the field, its value, and what is checked.
 * `insn_error` is the VM-instruction error (7, 8) for VMfailValid, 0 for an entry-failure exit. */
void vmxinfo_explain_failure(const struct vmx_check_failure *f, unsigned insn_error, char *buf, size_t n);

#endif
