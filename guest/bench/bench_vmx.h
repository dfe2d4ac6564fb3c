/* guest/bench/bench_vmx.h — the hypervisor of the VMX benchmarks (vmx-vmcall, ept-chase): VMX
 * on, one VMCS for a flat 64-bit guest sharing the host's address space (runtime vmx.h), and an
 * exit loop that handles VMCALL exits by advancing the guest's RIP. SDM 3C ch. 24-27. */
#ifndef HVSIM_GUEST_BENCH_VMX_H
#define HVSIM_GUEST_BENCH_VMX_H

#include "guest.h"

/* Enable VMX (IA32_FEATURE_CONTROL, CR0.NE, CR4.VMXE, VMXON), make a VMCS current and fill it:
 * no exiting controls beyond those the capability MSRs force, secondary controls `proc2`
 * (e.g. enable EPT, enable VPID; none if 0), a guest starting at `rip` in the host's flat
 * 64-bit environment. False (with a FAIL line) when a step fails. */
bool bench_vmx_start(uint32_t proc2, void (*rip)(void));

/* VMLAUNCH, then handle `exits` VM exits: each must be VMCALL (reason 18); the guest resumes
 * after it, except after the last. Guest GPRs other than R8-R11 are preserved (the loop uses
 * only those). Returns the number of exits left unhandled: 0 on success. */
uint64_t bench_vmx_run(uint64_t exits);

/* Host instructions per handled exit in bench_vmx_run (VM exit to VMRESUME inclusive). */
#define BENCH_VMX_HOST_INSNS 13

#endif
