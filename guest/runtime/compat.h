/* guest/runtime/compat.h — running a piece of 32-bit code in IA-32e compatibility mode from a
 * 64-bit guest test: a GDT with a 32-bit code segment, and a far transfer there and back.
 * SDM 3A §5.2.1 (code-segment L and D bits), §6.14 (interrupts from compatibility mode are
 * delivered through the 64-bit IDT and return there with IRETQ). */
#ifndef HVSIM_GUEST_COMPAT_H
#define HVSIM_GUEST_COMPAT_H

#include "guest.h"

#define COMPAT_CODE32 0x18   /* the 32-bit code selector of compat_setup's GDT */

/* Load a GDT that keeps boot.S's 0x08 (64-bit code) and 0x10 (data) and adds COMPAT_CODE32.
 * (ring3_setup loads a GDT of its own without it.) */
void compat_setup(void);

/* Call fn, 32-bit code below 4 GiB ending with a near RET, in compatibility mode with EBX =
 * arg; returns the EAX it leaves. The stack must lie below 4 GiB (the runtime's does). */
uint32_t compat_call(const void *fn, uint32_t arg);

#endif
