/* debugger/disasm.c — the debugger's disassembler: Zydis's formatter (Intel or AT&T syntax),
 * in the decode mode of the vCPU. Only the debugger formats; the CPU never does. */
#include <Zydis/Zydis.h>
#include <stdio.h>

#include "debugger/dbg.h"

unsigned dbg_disasm(const struct cpu *c, bool att, const u8 *bytes, size_t n, u64 addr, char *out,
                    size_t outlen, bool *is_call)
{
    ZydisMachineMode mm;
    ZydisStackWidth sw = (c->seg[SEG_SS].ar & SEG_AR_DB) ? ZYDIS_STACK_WIDTH_32 : ZYDIS_STACK_WIDTH_16;
    switch (c->mode) {
    case MODE_LONG64: mm = ZYDIS_MACHINE_MODE_LONG_64; sw = ZYDIS_STACK_WIDTH_64; break;
    case MODE_COMPAT32: mm = ZYDIS_MACHINE_MODE_LONG_COMPAT_32; break;
    case MODE_COMPAT16: mm = ZYDIS_MACHINE_MODE_LONG_COMPAT_16; break;
    case MODE_PROT32: mm = ZYDIS_MACHINE_MODE_LEGACY_32; break;
    case MODE_PROT16: mm = ZYDIS_MACHINE_MODE_LEGACY_16; break;
    default: mm = ZYDIS_MACHINE_MODE_REAL_16; sw = ZYDIS_STACK_WIDTH_16; break;
    }
    *is_call = false;
    ZydisDecoder dec;
    ZydisFormatter fmt;
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&dec, mm, sw)) ||
        !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, bytes, n, &insn, ops))) {
        snprintf(out, outlen, "(bad)");
        return 0;
    }
    ZydisFormatterInit(&fmt, att ? ZYDIS_FORMATTER_STYLE_ATT : ZYDIS_FORMATTER_STYLE_INTEL);
    ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_HEX_UPPERCASE, ZYAN_FALSE);
    ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_ADDR_PADDING_ABSOLUTE, ZYDIS_PADDING_DISABLED);
    ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_ADDR_PADDING_RELATIVE, ZYDIS_PADDING_DISABLED);
    if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&fmt, &insn, ops, insn.operand_count_visible, out,
                                                      outlen, addr, ZYAN_NULL)))
        snprintf(out, outlen, "(bad)");
    *is_call = insn.mnemonic == ZYDIS_MNEMONIC_CALL;
    return insn.length;
}
