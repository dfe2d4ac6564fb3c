/* tests/diff/gen.c — see gen.h. Values are biased towards the edges that break emulators:
 * 0, 1, the sign boundary, all-ones, and shift counts around every operand width. */
#include "tests/diff/gen.h"

#include <Zydis/Zydis.h>
#include <string.h>

#include "base/bits.h"
#include "cpu/regs.h"

#define NOREG 0xff

bool gen_parse_form(const char *s, struct form *f)
{
    memset(f, 0, sizeof(*f));
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        if (f->n == 3)
            return false;
        u8 k;
        switch (*s++) {
        case 'R': k = K_R; break;
        case 'M': k = K_M; break;
        case 'I': k = K_I; break;
        case 'J': k = K_J; break;
        case 'B': k = K_B; break;
        case 'N': k = K_N; break;
        case 'C': k = K_CL; break;
        case '1': k = K_ONE; break;
        case 'L': k = K_REL; break;
        default: return false;
        }
        unsigned bits = 0;
        while (*s >= '0' && *s <= '9')
            bits = bits * 10 + (unsigned)(*s++ - '0');
        if (bits % 8 || bits > 128)
            return false;
        f->kind[f->n] = k;
        f->size[f->n] = (u8)(bits / 8);
        f->n++;
    }
    return true;
}

/* ---- values ---- */

#define VALUE_POOL 12
#define COUNT_POOL 16

static u64 pool_value(unsigned i, unsigned size, struct rng *r)
{
    u64 m = bits_mask_bytes(size), msb = 1ull << (size * 8 - 1);
    static const u64 pattern[2] = {0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull};
    switch (i) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2;
    case 3: return msb - 1;
    case 4: return msb;
    case 5: return msb + 1;
    case 6: return m;
    case 7: return m - 1;
    case 8: return pattern[0] & m;
    case 9: return pattern[1] & m;
    case 10: return 1ull << rng_below(r, size * 8);
    default: return rng_next(r) & m;
    }
}

static const u8 count_pool[COUNT_POOL] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255};

static u64 random_value(unsigned size, struct rng *r)
{
    u64 x = rng_next(r);
    switch (x & 3) {
    case 0: return pool_value((unsigned)(x >> 2) % VALUE_POOL, size, r);
    case 1: return (rng_next(r) & 0xff) & bits_mask_bytes(size);   /* small */
    default: return rng_next(r) & bits_mask_bytes(size);
    }
}

static u64 random_count(struct rng *r)
{
    return rng_next(r) & 1 ? count_pool[rng_below(r, COUNT_POOL)] : rng_next(r) & 0xff;
}

/* An immediate of the operand's encodable size, sign-extended to the width. */
static u64 imm_fit(u64 v, unsigned w)
{
    unsigned isz = w > 4 ? 4 : w;
    return bits_sext_bytes(v, isz) & bits_mask_bytes(w);
}

/* ---- state access ---- */

u64 gen_reg(const struct dcase *c, unsigned reg, unsigned size)
{
    return c->in.gpr[reg] & bits_mask_bytes(size);
}

void gen_set_reg(struct dcase *c, unsigned reg, unsigned size, u64 v)
{
    u64 m = bits_mask_bytes(size);
    c->in.gpr[reg] = (c->in.gpr[reg] & ~m) | (v & m);
}

static unsigned opsize(const struct dcase *c, unsigned i)
{
    return c->op[i].size ? c->op[i].size : c->w;
}

u64 gen_get(const struct dcase *c, unsigned i)
{
    const struct dop *o = &c->op[i];
    unsigned size = opsize(c, i);
    u64 v = 0;
    switch (o->kind) {
    case K_R:
        return o->high8 ? (c->in.gpr[o->reg] >> 8) & 0xff : gen_reg(c, o->reg, size);
    case K_CL:
        return c->in.gpr[RCX] & 0xff;
    case K_ONE:
        return 1;
    case K_M:
        memcpy(&v, c->data + o->off, size > 8 ? 8 : size);
        return v;
    default:
        return o->imm;
    }
}

void gen_set(struct dcase *c, unsigned i, u64 v)
{
    struct dop *o = &c->op[i];
    unsigned size = opsize(c, i);
    switch (o->kind) {
    case K_R:
        if (o->high8)
            c->in.gpr[o->reg] = (c->in.gpr[o->reg] & ~0xff00ull) | (v & 0xff) << 8;
        else
            gen_set_reg(c, o->reg, size, v);
        break;
    case K_CL:
        gen_set_reg(c, RCX, 1, v);
        break;
    case K_M:
        if (!(c->t->flags & T_AGEN))
            memcpy(c->data + o->off, &v, size > 8 ? 8 : size);
        break;
    case K_I:
        o->imm = imm_fit(v, size);
        break;
    case K_J:
        o->imm = v & bits_mask_bytes(size);
        break;
    case K_B: case K_N:
        o->imm = v & 0xff;
        break;
    default:
        break;
    }
}

unsigned gen_count(const struct dcase *c)
{
    for (unsigned i = 0; i < c->f.n; i++)
        if (c->op[i].kind == K_CL || c->op[i].kind == K_ONE || c->op[i].kind == K_N)
            return (unsigned)gen_get(c, i);
    return 0;
}

/* ---- operand placement ---- */

static unsigned pick_reg(struct rng *r, u16 avoid)
{
    for (;;) {
        unsigned g = (unsigned)rng_below(r, 16);
        if (g != RSP && !(avoid >> g & 1))
            return g;
    }
}

/* Address registers and displacement such that the operand lands at data offset `off`. */
static void place_mem(struct dcase *c, struct dop *o, u16 avoid, struct rng *r)
{
    bool agen = c->t->flags & T_AGEN;
    o->asize = rng_below(r, 8) == 0 ? 4 : 8;
    o->base = rng_below(r, 16) == 0 ? NOREG : (u8)pick_reg(r, avoid);
    o->index = NOREG;
    o->scale = 1;
    if (rng_next(r) & 1) {
        o->index = (u8)pick_reg(r, avoid | (o->base != NOREG ? 1u << o->base : 0));
        o->scale = (u8)(1u << rng_below(r, 4));
    }
    switch (rng_below(r, 4)) {
    case 0: o->disp = 0; break;
    case 1: o->disp = (i8)rng_next(r); break;
    default: o->disp = (i32)rng_below(r, 4001) - 2000; break;
    }
    if (agen) {   /* any address: the registers keep their random values */
        if (rng_next(r) & 1)
            o->disp = (i32)rng_next(r);
        return;
    }
    unsigned size = o->size ? o->size : c->w;
    /* T_ALIGN16: aligned but for one case in eight (#GP, compared as an exception) */
    u32 align = (c->t->flags & T_ALIGN16) && rng_below(r, 8) ? 16 : 1;
    o->off = (u32)(256 + rng_below(r, DIFF_DATA_SIZE - 512 - size)) & ~(align - 1);
    u64 ea = DIFF_DATA + o->off - (u64)(i64)o->disp;
    if (o->index != NOREG) {
        u64 iv = rng_below(r, 64);
        if (rng_below(r, 4) == 0)
            iv = (u64)-(i64)iv;
        c->in.gpr[o->index] = iv;
        ea -= iv * o->scale;
    }
    if (o->base == NOREG) {
        /* No base: [index*s + disp32] or an absolute [disp32]; the displacement carries it all. */
        o->disp = (i32)(ea + (u64)(i64)o->disp);
        return;
    }
    c->in.gpr[o->base] = o->asize == 4 ? (rng_next(r) << 32) | (u32)ea : ea;
}

/* ---- encoding ---- */

static ZydisRegister zreg(unsigned g, unsigned size, bool high8)
{
    switch (size) {
    case 1:
        if (high8) return ZYDIS_REGISTER_AH + g;
        return g < 4 ? ZYDIS_REGISTER_AL + g : g < 8 ? ZYDIS_REGISTER_SPL + (g - 4) : ZYDIS_REGISTER_R8B + (g - 8);
    case 2: return ZYDIS_REGISTER_AX + g;
    case 4: return ZYDIS_REGISTER_EAX + g;
    default: return ZYDIS_REGISTER_RAX + g;
    }
}

/* What a K_REL branch jumps over: taken or not shows in R11. */
static const u8 branch_marker[3] = {0x49, 0xf7, 0xd3};   /* not r11 */

static bool encode(struct dcase *c, u8 *out, size_t *len)
{
    ZydisEncoderRequest q;
    memset(&q, 0, sizeof q);
    q.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
    q.mnemonic = c->t->mnem;
    q.prefixes = c->t->prefixes;
    unsigned n = 0;
    for (unsigned i = 0; i < c->f.n; i++) {
        const struct dop *o = &c->op[i];
        ZydisEncoderOperand *z = &q.operands[n];
        unsigned size = opsize(c, i);
        switch (o->kind) {
        case K_R:
            z->type = ZYDIS_OPERAND_TYPE_REGISTER;
            z->reg.value = zreg(o->reg, size, o->high8);
            break;
        case K_CL:
            z->type = ZYDIS_OPERAND_TYPE_REGISTER;
            z->reg.value = ZYDIS_REGISTER_CL;
            break;
        case K_M:
            z->type = ZYDIS_OPERAND_TYPE_MEMORY;
            z->mem.base = o->base == NOREG ? ZYDIS_REGISTER_NONE : zreg(o->base, o->asize, false);
            z->mem.index = o->index == NOREG ? ZYDIS_REGISTER_NONE : zreg(o->index, o->asize, false);
            z->mem.scale = o->index == NOREG ? 0 : o->scale;
            z->mem.displacement = o->disp;
            z->mem.size = (c->t->flags & T_AGEN) ? 8 : size;
            if (o->base == NOREG && o->index == NOREG && o->asize == 4)
                q.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32;
            break;
        case K_ONE:
            z->type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
            z->imm.u = 1;
            break;
        case K_REL:
            z->type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
            z->imm.s = sizeof branch_marker;
            break;
        default:
            z->type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
            z->imm.u = o->kind == K_I ? bits_sext_bytes(o->imm, size > 4 ? 4 : size)
                     : o->kind == K_J ? bits_sext_bytes(o->imm, size) : o->imm;
            break;
        }
        n++;
    }
    q.operand_count = (ZyanU8)n;
    if (c->t->flags & T_A32)
        q.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32;
    ZyanUSize l = ZYDIS_MAX_INSTRUCTION_LENGTH;
    if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&q, out, &l)))
        return false;
    for (unsigned i = 0; i < c->f.n; i++)
        if (c->op[i].kind == K_REL) {
            memcpy(out + l, branch_marker, sizeof branch_marker);
            l += sizeof branch_marker;
        }
    /* Zydis may pick the D1 form for a count immediate of 1 and the C1 form for K_ONE never:
       both are fine, they are the same instruction. */
    *len = l;
    return true;
}

/* ---- cases ---- */

static void random_state(struct dcase *c, struct rng *r)
{
    for (int g = 0; g < 16; g++)
        c->in.gpr[g] = rng_next(r) & 1 ? rng_next(r) : bits_sext_bytes(random_value(8, r), 1u << rng_below(r, 4));
    c->in.gpr[RSP] = 0;
    c->in.rflags = RFLAGS_FIXED1 | (rng_next(r) & (RFLAGS_ARITH | RFLAGS_DF));
    for (unsigned i = 0; i < DIFF_DATA_SIZE; i += 8) {
        u64 v = rng_next(r);
        memcpy(c->data + i, &v, 8);
    }
}

/* Registers: address registers first (they must not be clobbered by operand values), then
   the register operands (which may alias implicit registers: MUL RAX, SHL RCX,CL, ...). */
static void place_operands(struct dcase *c, struct rng *r)
{
    u16 avoid = c->t->implicit;
    for (unsigned i = 0; i < c->f.n; i++)
        if (c->f.kind[i] == K_CL)
            avoid |= 1u << RCX;
    u16 addr = 0;
    for (unsigned i = 0; i < c->f.n; i++) {
        struct dop *o = &c->op[i];
        memset(o, 0, sizeof(*o));
        o->kind = c->f.kind[i];
        o->size = c->f.size[i];
        if (o->kind == K_M) {
            place_mem(c, o, avoid | addr, r);
            if (o->base != NOREG) addr |= 1u << o->base;
            if (o->index != NOREG) addr |= 1u << o->index;
        }
    }
    c->used = addr | c->t->implicit;
    for (unsigned i = 0; i < c->f.n; i++) {
        struct dop *o = &c->op[i];
        if (o->kind == K_R) {
            o->reg = (u8)pick_reg(r, addr);
            o->high8 = opsize(c, i) == 1 && o->reg < 4 && rng_below(r, 4) == 0;
            c->used |= 1u << o->reg;
        } else if (o->kind == K_CL) {
            o->reg = RCX;
            c->used |= 1u << RCX;
        } else if (o->kind == K_REL) {
            c->used |= 1u << R11;
        }
    }
}

unsigned gen_edge_count(const struct tmpl *t, unsigned w, const struct form *f)
{
    (void)t, (void)w;
    unsigned n = 1, vary = 0;
    for (unsigned i = 0; i < f->n && vary < 2; i++) {
        if (f->kind[i] == K_ONE || f->kind[i] == K_REL)
            continue;
        n *= (f->kind[i] == K_N || f->kind[i] == K_CL) ? COUNT_POOL : VALUE_POOL;
        vary++;
    }
    return vary ? n * 2 : 0;   /* x CF = 0/1 */
}

static void set_values(struct dcase *c, long edge, struct rng *r)
{
    unsigned vary = 0;
    long k = edge >= 0 ? edge / 2 : 0;
    for (unsigned i = 0; i < c->f.n; i++) {
        unsigned kind = c->f.kind[i], size = kind == K_B ? 1 : opsize(c, i);
        if (size > 8)
            size = 8;   /* CMPXCHG16B's m128: the generator fills the low half, the page the rest */
        bool count = kind == K_N || kind == K_CL;
        if (kind == K_ONE || kind == K_REL)
            continue;
        u64 v;
        if (edge >= 0 && vary < 2) {
            unsigned pn = count ? COUNT_POOL : VALUE_POOL;
            unsigned idx = (unsigned)(k % pn);
            k /= pn;
            v = count ? count_pool[idx] : pool_value(idx, size, r);
            vary++;
        } else {
            v = count ? random_count(r) : random_value(size, r);
        }
        if (kind == K_I)
            v = imm_fit(v, size);
        gen_set(c, i, v);
    }
    if (edge >= 0)
        c->in.rflags = (c->in.rflags & ~RFLAGS_CF) | (u64)(edge & 1);
}

static bool finish(struct dcase *c)
{
    c->undef_flags = 0;
    c->undef_regs = 0;
    c->undef_mem = false;
    if (c->t->undef)
        c->undef_flags = c->t->undef(c);
    return true;
}

bool gen_case(struct dcase *c, const struct tmpl *t, unsigned w, const struct form *f, long edge,
              struct rng *r)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        c->t = t;
        c->w = w;
        c->f = *f;
        c->edge = edge >= 0;
        c->ninsn = 1;
        random_state(c, r);
        place_operands(c, r);
        set_values(c, edge, r);
        if (t->fix && !t->fix(c, r))
            continue;
        if (!encode(c, c->code, &c->len))
            continue;
        return finish(c);
    }
    return false;
}

bool gen_sequence(struct dcase *c, struct rng *r)
{
    struct dcase one;
    unsigned n = 2 + (unsigned)rng_below(r, 4);
    random_state(c, r);
    c->len = 0;
    c->used = 0xffff & ~(1u << RSP);
    c->undef_flags = 0;
    c->undef_regs = 0;
    c->undef_mem = false;
    c->ninsn = 0;
    c->edge = false;
    c->t = NULL;
    c->w = 8;
    c->f.n = 0;
    while (c->ninsn < n) {
        const struct tmpl *t = &diff_catalog[rng_below(r, diff_catalog_len)];
        if (!(t->flags & T_SEQ))
            continue;
        /* A register-only form of one of its widths. */
        struct form f;
        const char *fs = t->forms[rng_below(r, 7)];
        if (!fs || strchr(fs, 'M') || !gen_parse_form(fs, &f))
            continue;
        unsigned w = 1u << rng_below(r, 4);
        if (!(t->widths & w))
            continue;
        one.t = t;
        one.w = w;
        one.f = f;
        one.in = c->in;
        memcpy(one.data, c->data, sizeof(one.data));   /* unused: register forms only */
        place_operands(&one, r);
        for (unsigned i = 0; i < f.n; i++)   /* immediates only: registers keep the running state */
            if (f.kind[i] == K_I || f.kind[i] == K_J || f.kind[i] == K_B || f.kind[i] == K_N)
                gen_set(&one, i, f.kind[i] == K_N ? random_count(r) : random_value(w, r));
        size_t l;
        if (c->len + 15 > DIFF_CODE_MAX || !encode(&one, c->code + c->len, &l))
            continue;
        c->len += l;
        c->ninsn++;
        finish(&one);
        c->undef_flags |= one.undef_flags;   /* T_SEQ entries leave at most AF undefined, never read */
    }
    return true;
}
