/* cpu/decode.h — the Zydis adapter: raw bytes -> struct insn. The only file that includes
 * Zydis for execution (the debugger's disassembler uses the formatter separately). */
#ifndef HVSIM_CPU_DECODE_H
#define HVSIM_CPU_DECODE_H

#include "cpu/cpu.h"

enum decode_status {
    DECODE_OK,
    DECODE_MORE,       /* the instruction continues past the bytes given */
    DECODE_UD,         /* invalid opcode, or an instruction the CPU model lacks: #UD */
    DECODE_TOO_LONG,   /* more than 15 bytes: #GP(0) (SDM 2A §2.3.11) */
};

/* Create/destroy the per-CPU decoder set (one Zydis decoder per mode). */
void *decode_create(const struct cpu_model *model);
void decode_destroy(void *decoders);

/* Decode the instruction at buf[0..n) in `mode` (enum cpu_mode). */
enum decode_status decode_insn(struct cpu *c, const u8 *buf, unsigned n, unsigned mode,
                               struct insn *out) MUST_CHECK;

/* The instruction's mnemonic as text, e.g. "vmlaunch". */
const char *decode_mnemonic_name(unsigned mnemonic);

#endif
