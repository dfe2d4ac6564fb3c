/* cpu/decode.c — Zydis 4.0 adapter (see ../shared/reference/ecosystem.md §1 for pitfalls:
 * success is not zero, 10 operand slots, mode/stack-width pairs). */
#include "cpu/decode.h"

#include <Zydis/Zydis.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/dispatch.h"

struct decoders {
    ZydisDecoder mode[MODE_COUNT];
};

void *decode_create(const struct cpu_model *model)
{
    struct decoders *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    static const struct { ZydisMachineMode mm; ZydisStackWidth sw; } map[MODE_COUNT] = {
        [MODE_REAL] = {ZYDIS_MACHINE_MODE_REAL_16, ZYDIS_STACK_WIDTH_16},
        [MODE_V86] = {ZYDIS_MACHINE_MODE_REAL_16, ZYDIS_STACK_WIDTH_16},
        [MODE_PROT16] = {ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16},
        [MODE_PROT32] = {ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32},
        [MODE_COMPAT16] = {ZYDIS_MACHINE_MODE_LONG_COMPAT_16, ZYDIS_STACK_WIDTH_16},
        [MODE_COMPAT32] = {ZYDIS_MACHINE_MODE_LONG_COMPAT_32, ZYDIS_STACK_WIDTH_32},
        [MODE_LONG64] = {ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64},
    };
    for (int m = 0; m < MODE_COUNT; m++) {
        if (!ZYAN_SUCCESS(ZydisDecoderInit(&d->mode[m], map[m].mm, map[m].sw))) {
            free(d);
            return NULL;
        }
        /* AMD near branches ignore 66h in 64-bit mode differently (ecosystem.md §1.5.8). */
        ZydisDecoderEnableMode(&d->mode[m], ZYDIS_DECODER_MODE_AMD_BRANCHES,
                               model->vendor == VENDOR_AMD);
        /* Without BMI1/ABM, F3 0F BC/BD are BSF/BSR. */
        ZydisDecoderEnableMode(&d->mode[m], ZYDIS_DECODER_MODE_TZCNT, model_has(model, FEAT_BMI1));
        ZydisDecoderEnableMode(&d->mode[m], ZYDIS_DECODER_MODE_LZCNT, model_has(model, FEAT_ABM));
    }
    return d;
}

void decode_destroy(void *decoders)
{
    free(decoders);
}

const char *decode_mnemonic_name(unsigned mnemonic)
{
    const char *s = ZydisMnemonicGetString((ZydisMnemonic)mnemonic);
    return s ? s : "?";
}

/* ISA extensions gated by the CPU model (Zydis decodes everything it knows). */
static bool isa_allowed(const struct cpu_model *m, ZydisISAExt ext)
{
    switch (ext) {
    case ZYDIS_ISA_EXT_VTX: return model_has(m, FEAT_VMX);
    case ZYDIS_ISA_EXT_MONITOR: return model_has(m, FEAT_MONITOR);
    case ZYDIS_ISA_EXT_SVM: return model_has(m, FEAT_SVM);
    case ZYDIS_ISA_EXT_BMI1: return model_has(m, FEAT_BMI1);
    case ZYDIS_ISA_EXT_BMI2: return model_has(m, FEAT_BMI2);
    case ZYDIS_ISA_EXT_ADOX_ADCX: return model_has(m, FEAT_ADX);
    case ZYDIS_ISA_EXT_MOVBE: return model_has(m, FEAT_MOVBE);
    case ZYDIS_ISA_EXT_RDRAND: return model_has(m, FEAT_RDRAND);
    case ZYDIS_ISA_EXT_RDSEED: return model_has(m, FEAT_RDSEED);
    case ZYDIS_ISA_EXT_RDPID: return model_has(m, FEAT_RDPID);
    case ZYDIS_ISA_EXT_RDTSCP: return model_has(m, FEAT_RDTSCP);
    case ZYDIS_ISA_EXT_LZCNT: return model_has(m, FEAT_ABM);
    case ZYDIS_ISA_EXT_INVPCID: return model_has(m, FEAT_INVPCID);
    case ZYDIS_ISA_EXT_SMAP: return model_has(m, FEAT_SMAP);
    case ZYDIS_ISA_EXT_RDWRFSGS: return model_has(m, FEAT_FSGSBASE);
    case ZYDIS_ISA_EXT_PKU: return model_has(m, FEAT_PKU);
    case ZYDIS_ISA_EXT_CLFLUSHOPT: return model_has(m, FEAT_CLFLUSHOPT);
    default: return true;
    }
}

static const u8 gpr8_map[8] = {0, 1, 2, 3, 0, 1, 2, 3};   /* AL CL DL BL | AH CH DH BH */

/* Map a Zydis register to (class, index). Returns false for registers hvsim does not model
 * as operands (x87, vector, ...). */
static bool map_reg(ZydisRegister r, u8 *regc, u8 *idx)
{
    ZydisRegisterClass cls = ZydisRegisterGetClass(r);
    ZyanI8 id = ZydisRegisterGetId(r);
    switch (cls) {
    case ZYDIS_REGCLASS_GPR8:
        /* Zydis ids: AL CL DL BL AH CH DH BH SPL BPL SIL DIL R8B.. (checked in test_decode). */
        if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH) {
            *regc = REGC_GPR8H;
            *idx = gpr8_map[r - ZYDIS_REGISTER_AL];
            return true;
        }
        *regc = REGC_GPR;
        if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_DIL)
            *idx = 4 + (r - ZYDIS_REGISTER_SPL);
        else if (r >= ZYDIS_REGISTER_R8B)
            *idx = 8 + (r - ZYDIS_REGISTER_R8B);
        else
            *idx = r - ZYDIS_REGISTER_AL;
        return true;
    case ZYDIS_REGCLASS_GPR16:
    case ZYDIS_REGCLASS_GPR32:
    case ZYDIS_REGCLASS_GPR64:
        *regc = REGC_GPR;
        *idx = (u8)id;
        return true;
    case ZYDIS_REGCLASS_SEGMENT:
        *regc = REGC_SEG;
        *idx = (u8)(r - ZYDIS_REGISTER_ES);   /* ES CS SS DS FS GS = enum seg_reg */
        return true;
    case ZYDIS_REGCLASS_CONTROL:
        *regc = REGC_CR;
        *idx = (u8)(r - ZYDIS_REGISTER_CR0);
        return true;
    case ZYDIS_REGCLASS_DEBUG:
        *regc = REGC_DR;
        *idx = (u8)(r - ZYDIS_REGISTER_DR0);
        return true;
    case ZYDIS_REGCLASS_XMM:
        *regc = REGC_XMM;
        *idx = (u8)(r - ZYDIS_REGISTER_XMM0);
        return true;
    case ZYDIS_REGCLASS_MMX:
        *regc = REGC_MMX;
        *idx = (u8)(r - ZYDIS_REGISTER_MM0);
        return true;
    default:
        *regc = REGC_OTHER;
        *idx = 0;
        return false;
    }
}

static u8 map_gpr_or_none(ZydisRegister r, bool *rip)
{
    if (r == ZYDIS_REGISTER_NONE)
        return OPND_BASE_NONE;
    if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP || r == ZYDIS_REGISTER_IP) {
        *rip = true;
        return OPND_BASE_RIP;
    }
    return (u8)ZydisRegisterGetId(r);
}

enum decode_status decode_insn(struct cpu *c, const u8 *buf, unsigned n, unsigned mode,
                               struct insn *out)
{
    struct decoders *d = c->decoders;
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
    ZyanStatus st = ZydisDecoderDecodeFull(&d->mode[mode], buf, n, &zi, zo);
    if (!ZYAN_SUCCESS(st)) {
        if (st == ZYDIS_STATUS_NO_MORE_DATA)
            return n < 15 ? DECODE_MORE : DECODE_TOO_LONG;
        if (st == ZYDIS_STATUS_INSTRUCTION_TOO_LONG)
            return DECODE_TOO_LONG;
        return DECODE_UD;
    }
    memset(out, 0, sizeof(*out));
    out->mnemonic = (u16)zi.mnemonic;
    out->len = zi.length;
    out->mode = (u8)mode;
    memcpy(out->bytes, buf, zi.length);
    out->opsize = zi.operand_width / 8;
    out->addrsize = zi.address_width / 8;
    if (!out->opsize)
        out->opsize = mode == MODE_LONG64 ? 8 : 4;
    if (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK)
        out->flags |= INSN_LOCK;
    if (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE))
        out->flags |= INSN_REP;
    if (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE)
        out->flags |= INSN_REPNE;
    if (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT)
        out->flags |= INSN_SEG_OVR;
    out->cc = zi.opcode & 0xf;
    if (zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
        out->flags |= INSN_FAR;

    unsigned nv = zi.operand_count_visible;
    if (nv > INSN_MAX_OPNDS)
        nv = INSN_MAX_OPNDS;
    out->nopnds = (u8)nv;
    for (unsigned i = 0; i < nv; i++) {
        const ZydisDecodedOperand *o = &zo[i];
        struct opnd *p = &out->op[i];
        p->size = (u8)(o->size / 8);
        switch (o->type) {
        case ZYDIS_OPERAND_TYPE_REGISTER:
            p->kind = OPND_REG;
            map_reg(o->reg.value, &p->regc, &p->reg);
            break;
        case ZYDIS_OPERAND_TYPE_MEMORY: {
            bool rip = false;
            p->kind = OPND_MEM;
            p->seg = o->mem.segment == ZYDIS_REGISTER_NONE ? SEG_DS
                                                           : (u8)(o->mem.segment - ZYDIS_REGISTER_ES);
            p->base = map_gpr_or_none(o->mem.base, &rip);
            p->index = map_gpr_or_none(o->mem.index, &rip);
            p->scale = o->mem.scale ? o->mem.scale : 1;
            p->disp = o->mem.disp.has_displacement ? (u64)o->mem.disp.value : 0;
            break;
        }
        case ZYDIS_OPERAND_TYPE_IMMEDIATE:
            p->kind = OPND_IMM;
            p->imm = o->imm.value.u;   /* Zydis sign-extends signed immediates to 64 bits */
            if (o->imm.is_relative)
                out->flags |= INSN_REL;
            else if (o->imm.is_signed && out->opsize > p->size)
                p->size = out->opsize;   /* e.g. MOV r/m64, imm32: the value is sign-extended */
            break;
        case ZYDIS_OPERAND_TYPE_POINTER:
            p->kind = OPND_PTR;
            p->imm = (u64)o->ptr.segment << 32 | o->ptr.offset;
            break;
        default:
            p->kind = OPND_NONE;
            break;
        }
    }
    if (!isa_allowed(&c->model, zi.meta.isa_ext))
        return DECODE_UD;
    dispatch_bind(zi.mnemonic, out);
    return DECODE_OK;
}
