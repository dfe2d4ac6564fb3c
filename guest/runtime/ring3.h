/* guest/runtime/ring3.h — user mode for guest tests and the ring-transition benchmarks: a GDT
 * with 64-bit user segments laid out for SYSCALL/SYSRET, a TSS whose RSP0 receives ring-0
 * entries, user-accessible identity paging, and a way into ring 3 and back. SDM 3A §5.8.8
 * (SYSCALL/SYSRET), §6.14 (64-bit IDT), §7.7 (64-bit TSS). */
#ifndef HVSIM_GUEST_RING3_H
#define HVSIM_GUEST_RING3_H

#include "guest.h"

#define RING3_KCODE 0x08
#define RING3_KDATA 0x10
#define RING3_UDATA 0x1b   /* selector 0x18, RPL 3 */
#define RING3_UCODE 0x23   /* selector 0x20, RPL 3 */
/* IA32_STAR for this GDT: SYSCALL loads CS 0x08/SS 0x10, SYSRETQ CS 0x23/SS 0x1b. */
#define RING3_STAR ((uint64_t)0x10 << 48 | (uint64_t)RING3_KCODE << 32)

/* Load the GDT and TSS, make the identity map user-accessible, and point vector `vector` (DPL 3,
 * so INT from ring 3 may use it) at `handler`, an interrupt stub that ends with IRETQ (none if
 * NULL). */
void ring3_setup(unsigned vector, void (*handler)(void));

/* Run `fn` in ring 3 (IF = 0) on a user stack; fn ends with `int $RING3_DONE_VECTOR`, which
 * brings the CPU back to ring 0 and returns from ring3_run. */
#define RING3_DONE_VECTOR 0x81
void ring3_run(void (*fn)(void));
/* ring3_run on a user stack of the caller's (user_rsp: its top, 16-byte aligned), e.g. in a
 * page the caller's own page tables make user-accessible while the rest stays supervisor. */
void ring3_run_on(void (*fn)(void), void *user_rsp);

/* For tests that need more of the GDT and TSS (call after ring3_setup). GDT slots
 * RING3_GDT_FREE.. (selectors 0x38 up) start as zero descriptors; ring3_set_gdt_entry fills one.
 * ring3_set_ist sets TSS.IST[n] (n = 1..7); ring3_set_tss_limit rewrites the TSS descriptor's
 * limit and reloads TR (RING3_TSS_LIMIT restores it: RSP0-2, IST1-7 and the I/O map base,
 * SDM 3A §7.7). ring3_kernel_stack_top is TSS.RSP0, where ring-3 events arrive. */
#define RING3_TSS 0x28
#define RING3_GDT_FREE 7
#define RING3_GDT_SLOTS 12
#define RING3_TSS_LIMIT 0x67
void ring3_set_gdt_entry(unsigned index, uint64_t desc);
void ring3_set_ist(unsigned n, uint64_t rsp);
void ring3_set_tss_limit(uint32_t limit);
uint64_t ring3_kernel_stack_top(void);

#endif
