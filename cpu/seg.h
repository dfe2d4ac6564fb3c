/* cpu/seg.h — descriptors and segment-register loads (SDM 3A §3.4-3.5, §5.5-5.8). */
#ifndef HVSIM_CPU_SEG_H
#define HVSIM_CPU_SEG_H

#include "cpu/cpu.h"

/* Descriptor type values (S = 0). */
enum {
    DESC_LDT = 0x2, DESC_TSS16_AVAIL = 0x1, DESC_TSS16_BUSY = 0x3, DESC_CALL16 = 0x4,
    DESC_TASK = 0x5, DESC_INT16 = 0x6, DESC_TRAP16 = 0x7, DESC_TSS_AVAIL = 0x9,
    DESC_TSS_BUSY = 0xb, DESC_CALL = 0xc, DESC_INT = 0xe, DESC_TRAP = 0xf,
};

/* Unpack an 8-byte descriptor into a segment cache (access rights in VMX layout). */
void seg_from_desc(struct seg *s, u16 sel, u64 desc);

/* Read the 8-byte descriptor for sel from the GDT or LDT. Faults `vec`(sel & ~3) (usually
 * #GP or #TS) when the selector is beyond the table limit or names an unusable LDT.
 * *la_out receives the descriptor's linear address (for the accessed/busy bits). */
u64 seg_read_desc(struct cpu *c, u16 sel, unsigned vec, la_t *la_out);

/* Load a data/stack segment register with all protected-mode checks (SDM 2A "MOV", "POP").
 * Real and virtual-8086 mode: base = sel << 4. */
void seg_load(struct cpu *c, unsigned seg, u16 sel);

/* Load CS for a far transfer to a code segment at `cpl` (checks done by the caller). */
void seg_load_cs(struct cpu *c, u16 sel, u64 desc, unsigned cpl);

/* Set the accessed bit of a descriptor in memory if clear. */
void seg_set_accessed(struct cpu *c, la_t desc_la, u64 desc);

/* After a privilege-lowering return: null DS/ES/FS/GS whose DPL < new CPL (SDM 2A "RET"). */
void seg_invalidate_for_cpl(struct cpu *c);

#endif
