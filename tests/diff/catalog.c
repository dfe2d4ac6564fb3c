/* tests/diff/catalog.c — every user-mode integer instruction hvsim implements, with the widths
 * and operand forms tested, the input constraints and the flags left undefined.
 *
 * Undefined flags (not compared) follow the "Flags Affected" paragraph of each instruction in
 * SDM 2A/2B; the host is often an AMD part whose undefined flags differ from Intel's, so
 * only what the SDM defines is compared:
 *   AND OR XOR TEST           AF
 *   SHL SHR SAR               AF (count != 0); OF (count != 1); CF (SHL/SHR, count >= width)
 *   ROL ROR RCL RCR           OF (masked count != 1)
 *   SHLD SHRD                 AF, OF (count != 1); all flags and the result (count > width)
 *   MUL IMUL                  SF ZF AF PF
 *   DIV IDIV                  CF OF SF ZF AF PF
 *   BT BTS BTR BTC            OF SF AF PF
 *   BSF BSR                   CF OF SF AF PF; the destination when the source is 0
 *   LZCNT TZCNT               OF SF AF PF
 *   ANDN BLSI BLSMSK BLSR BZHI  AF PF;   BEXTR  AF SF PF
 * A masked count of 0 leaves every flag unchanged, which is compared. */
#include "tests/diff/gen.h"

#include <Zydis/Zydis.h>
#include <string.h>

#include "base/bits.h"
#include "cpu/regs.h"

#define AF RFLAGS_AF
#define PF RFLAGS_PF
#define SF RFLAGS_SF
#define ZF RFLAGS_ZF
#define CF RFLAGS_CF
#define OF RFLAGS_OF

#define BWDQ 15
#define WDQ 14
#define DQ 12

/* ---- undefined flags ---- */

static u64 u_af(struct dcase *c) { (void)c; return AF; }
static u64 u_mul(struct dcase *c) { (void)c; return SF | ZF | AF | PF; }
static u64 u_div(struct dcase *c) { (void)c; return RFLAGS_ARITH; }
static u64 u_bt(struct dcase *c) { (void)c; return OF | SF | AF | PF; }
static u64 u_cnt(struct dcase *c) { (void)c; return OF | SF | AF | PF; }
static u64 u_afpf(struct dcase *c) { (void)c; return AF | PF; }
static u64 u_bextr(struct dcase *c) { (void)c; return AF | SF | PF; }

static unsigned masked_count(const struct dcase *c)
{
    return gen_count(c) & (c->w == 8 ? 63 : 31);
}

static u64 u_shift(struct dcase *c)
{
    unsigned n = masked_count(c);
    if (!n)
        return 0;
    u64 u = AF | (n != 1 ? OF : 0);
    if (n >= c->w * 8 && (c->t->mnem == ZYDIS_MNEMONIC_SHL || c->t->mnem == ZYDIS_MNEMONIC_SHR))
        u |= CF;
    return u;
}

static u64 u_rotate(struct dcase *c)
{
    unsigned n = masked_count(c);
    return n > 1 ? OF : 0;
}

static void undef_dest(struct dcase *c)
{
    if (c->op[0].kind == K_R)
        c->undef_regs |= 1u << c->op[0].reg;
    else
        c->undef_mem = true;
}

static u64 u_shxd(struct dcase *c)
{
    unsigned n = masked_count(c);
    if (!n)
        return 0;
    if (n > c->w * 8) {
        undef_dest(c);
        return RFLAGS_ARITH;
    }
    return AF | (n != 1 ? OF : 0);
}

static u64 u_bsf(struct dcase *c)
{
    if (gen_get(c, 1) == 0)
        undef_dest(c);
    return CF | OF | SF | AF | PF;
}

/* ---- input constraints ---- */

/* DIV/IDIV: mostly dividends built from a random quotient, divisor and remainder (so every
   quotient size is reached without #DE), sometimes whatever came out (#DE, compared as an
   exception like any other result). If the divisor is AL/AH/RAX/RDX itself it is clobbered
   here: that case is kept too, it is just another input. */
static bool fix_div(struct dcase *c, struct rng *r)
{
    unsigned w = c->w;
    u64 m = bits_mask_bytes(w);
    bool idiv = c->t->mnem == ZYDIS_MNEMONIC_IDIV;
    switch (rng_below(r, 16)) {
    case 0: case 1:   /* as generated */
        return true;
    case 2:           /* divide by zero */
        gen_set(c, 0, 0);
        return true;
    case 3:           /* quotient overflow by the smallest margin: most negative / -1, or hi = d */
        if (idiv) {
            gen_set(c, 0, m);
            gen_set_reg(c, RAX, w == 1 ? 2 : w, w == 1 ? 0xff80 : (m >> 1) + 1);
            if (w > 1)
                gen_set_reg(c, RDX, w, m);
        } else if (gen_get(c, 0)) {
            if (w == 1)
                gen_set_reg(c, RAX, 2, gen_get(c, 0) << 8 | (rng_next(r) & 0xff));
            else
                gen_set_reg(c, RDX, w, gen_get(c, 0));
        }
        return true;
    default:
        break;
    }
    u64 d = gen_get(c, 0) & m;
    if (!d)
        gen_set(c, 0, d = 1 + rng_below(r, m));
    u128 n;
    if (!idiv) {
        n = (u128)(rng_next(r) & m) * d + rng_below(r, d);
    } else {
        i128 sd = (i64)bits_sext_bytes(d, w), q = (i64)bits_sext_bytes(rng_next(r), w);
        i128 rem = (i128)((u128)rng_next(r) % (u128)(sd < 0 ? -sd : sd));
        i128 p = q * sd;
        n = (u128)(p < 0 ? p - rem : p + rem);   /* the remainder takes the dividend's sign */
    }
    if (w == 1) {
        gen_set_reg(c, RAX, 2, (u64)n);
    } else {
        gen_set_reg(c, RAX, w, (u64)n);
        gen_set_reg(c, RDX, w, (u64)(n >> (w * 8)));
    }
    return true;
}

static bool fix_cmpxchg(struct dcase *c, struct rng *r)
{
    if (rng_next(r) & 1)
        gen_set_reg(c, RAX, c->w, gen_get(c, 0));
    return true;
}

static bool fix_cmpxchg8b(struct dcase *c, struct rng *r)
{
    if (rng_next(r) & 1) {
        unsigned half = c->t->mnem == ZYDIS_MNEMONIC_CMPXCHG16B ? 8 : 4;
        u64 lo = 0, hi = 0;
        memcpy(&lo, c->data + c->op[0].off, half);
        memcpy(&hi, c->data + c->op[0].off + half, half);
        gen_set_reg(c, RAX, half, lo);
        gen_set_reg(c, RDX, half, hi);
    }
    return true;
}

/* BT* m, r: the register offset reaches any bit relative to the operand; keep it near. */
static bool fix_bt(struct dcase *c, struct rng *r)
{
    if (c->op[0].kind == K_M && c->op[1].kind == K_R)
        gen_set(c, 1, (u64)((i64)rng_below(r, 512) - 256));
    return true;
}

/* String instructions: RSI/RDI in the middle of the data page, a short RCX, and for
   CMPS/SCAS runs of equal elements so REPE/REPNE stop at interesting places. */
static bool fix_string(struct dcase *c, struct rng *r)
{
    u64 si = DIFF_DATA + 1024 + rng_below(r, 2048), di = DIFF_DATA + 1024 + rng_below(r, 2048);
    c->in.gpr[RSI] = si;
    c->in.gpr[RDI] = di;
    if (c->t->prefixes || rng_next(r) & 1)
        c->in.gpr[RCX] = rng_below(r, 4) == 0 ? rng_below(r, 3) : rng_below(r, 40);
    if (c->t->flags & T_A32) {   /* ESI/EDI/ECX only: the upper halves must not matter */
        c->in.gpr[RSI] |= rng_next(r) << 32;
        c->in.gpr[RDI] |= rng_next(r) << 32;
        c->in.gpr[RCX] |= rng_next(r) << 32;
    }
    unsigned w = c->w;
    switch (c->t->mnem) {
    case ZYDIS_MNEMONIC_CMPSB: case ZYDIS_MNEMONIC_CMPSW: case ZYDIS_MNEMONIC_CMPSD:
    case ZYDIS_MNEMONIC_CMPSQ: {
        /* make the first k elements equal, going the direction DF says */
        unsigned k = (unsigned)rng_below(r, 40);
        bool down = c->in.rflags & RFLAGS_DF;
        for (unsigned i = 0; i < k * w; i++) {
            i64 o = down ? -(i64)i : (i64)i;
            c->data[di - DIFF_DATA + o] = c->data[si - DIFF_DATA + o];
        }
        break;
    }
    case ZYDIS_MNEMONIC_SCASB: case ZYDIS_MNEMONIC_SCASW: case ZYDIS_MNEMONIC_SCASD:
    case ZYDIS_MNEMONIC_SCASQ: {
        /* fill a run with the accumulator (REPE) or plant it somewhere ahead (REPNE) */
        u64 acc = c->in.gpr[RAX];
        unsigned k = (unsigned)rng_below(r, 40);
        bool down = c->in.rflags & RFLAGS_DF;
        bool run = rng_next(r) & 1;
        for (unsigned i = run ? 0 : k; i <= k; i++) {
            i64 o = down ? -(i64)(i * w) : (i64)(i * w);
            memcpy(c->data + (di - DIFF_DATA) + o, &acc, w);
        }
        break;
    }
    default:
        break;
    }
    return true;
}

/* LOOP/JRCXZ: counts around 0 and 1, and an RCX whose low half alone is 0 or 1 (ECX forms). */
static bool fix_loop(struct dcase *c, struct rng *r)
{
    static const u64 pool[] = {0, 1, 2, 0x100000000ull, 0x100000001ull, 0xffffffffull};
    u64 v = pool[rng_below(r, ARRAY_SIZE(pool))];
    if (rng_below(r, 4) == 0)
        v = rng_next(r);
    c->in.gpr[RCX] = v;
    return true;
}

static bool fix_xlat(struct dcase *c, struct rng *r)
{
    c->in.gpr[RBX] = DIFF_DATA + rng_below(r, DIFF_DATA_SIZE - 256);
    return true;
}

/* ---- the catalog ---- */

#define ALU2 {"R R", "R M", "M R", "R I", "M I"}
#define SHIFTS {"R 1", "M 1", "R C", "M C", "R N", "M N"}
#define RM {"R R", "R M"}
#define R_M {"R", "M"}

#define CMOV(cc) {"cmov" #cc, ZYDIS_MNEMONIC_CMOV##cc, WDQ, RM, 0, 0, 0, T_SEQ, NULL, NULL}
#define SET(cc) {"set" #cc, ZYDIS_MNEMONIC_SET##cc, 1, R_M, 0, 0, 0, T_SEQ, NULL, NULL}
#define STR(n, m, w, pfx, name) {name, ZYDIS_MNEMONIC_##m, w, {""}, \
        (1u << RSI) | (1u << RDI) | (1u << RCX) | (1u << RAX), pfx, 0, T_STRING, fix_string, NULL}
#define STR32(m, w, pfx, name) {name, ZYDIS_MNEMONIC_##m, w, {""}, \
        (1u << RSI) | (1u << RDI) | (1u << RCX) | (1u << RAX), pfx, 0, T_STRING | T_A32, fix_string, NULL}
#define JCC(cc) {"j" #cc, ZYDIS_MNEMONIC_J##cc, 8, {"L"}, 0, 0, 0, 0, NULL, NULL}
#define STR4(m, pfx, p) STR(, m##B, 1, pfx, p #m "b"), STR(, m##W, 2, pfx, p #m "w"), \
        STR(, m##D, 4, pfx, p #m "d"), STR(, m##Q, 8, pfx, p #m "q")

#define LOCK ZYDIS_ATTRIB_HAS_LOCK
#define ALU2M {"M R", "M I"}
#define BTM {"M R", "M B"}
#define LOCKED(name, m, w, forms, fix, undef) \
        {"lock " name, ZYDIS_MNEMONIC_##m, w, forms, 0, LOCK, 0, 0, fix, undef}
#define REP ZYDIS_ATTRIB_HAS_REP
#define REPE ZYDIS_ATTRIB_HAS_REPE
#define REPNE ZYDIS_ATTRIB_HAS_REPNE
#define RAXDX ((1u << RAX) | (1u << RDX))

const struct tmpl diff_catalog[] = {
    /* data movement */
    {"mov", ZYDIS_MNEMONIC_MOV, BWDQ, {"R R", "R M", "M R", "R I", "M I", "R J"}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"movzx", ZYDIS_MNEMONIC_MOVZX, WDQ, {"R R8", "R M8"}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"movzx", ZYDIS_MNEMONIC_MOVZX, DQ, {"R R16", "R M16"}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"movsx", ZYDIS_MNEMONIC_MOVSX, WDQ, {"R R8", "R M8"}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"movsx", ZYDIS_MNEMONIC_MOVSX, DQ, {"R R16", "R M16"}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"movsxd", ZYDIS_MNEMONIC_MOVSXD, 8, {"R R32", "R M32"}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"lea", ZYDIS_MNEMONIC_LEA, WDQ, {"R M"}, 0, 0, 0, T_AGEN, NULL, NULL},
    {"xchg", ZYDIS_MNEMONIC_XCHG, BWDQ, {"R R", "M R"}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"bswap", ZYDIS_MNEMONIC_BSWAP, DQ, {"R"}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"movbe", ZYDIS_MNEMONIC_MOVBE, WDQ, {"R M", "M R"}, 0, 0, HOST_MOVBE, 0, NULL, NULL},
    {"cbw", ZYDIS_MNEMONIC_CBW, 2, {""}, RAXDX, 0, 0, T_SEQ, NULL, NULL},
    {"cwde", ZYDIS_MNEMONIC_CWDE, 4, {""}, RAXDX, 0, 0, T_SEQ, NULL, NULL},
    {"cdqe", ZYDIS_MNEMONIC_CDQE, 8, {""}, RAXDX, 0, 0, T_SEQ, NULL, NULL},
    {"cwd", ZYDIS_MNEMONIC_CWD, 2, {""}, RAXDX, 0, 0, T_SEQ, NULL, NULL},
    {"cdq", ZYDIS_MNEMONIC_CDQ, 4, {""}, RAXDX, 0, 0, T_SEQ, NULL, NULL},
    {"cqo", ZYDIS_MNEMONIC_CQO, 8, {""}, RAXDX, 0, 0, T_SEQ, NULL, NULL},
    {"lahf", ZYDIS_MNEMONIC_LAHF, 1, {""}, 1u << RAX, 0, 0, 0, NULL, NULL},
    {"sahf", ZYDIS_MNEMONIC_SAHF, 1, {""}, 1u << RAX, 0, 0, T_SEQ, NULL, NULL},
    {"xlat", ZYDIS_MNEMONIC_XLAT, 1, {""}, (1u << RAX) | (1u << RBX), 0, 0, 0, fix_xlat, NULL},
    {"clc", ZYDIS_MNEMONIC_CLC, 1, {""}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"stc", ZYDIS_MNEMONIC_STC, 1, {""}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"cmc", ZYDIS_MNEMONIC_CMC, 1, {""}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"cld", ZYDIS_MNEMONIC_CLD, 1, {""}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"std", ZYDIS_MNEMONIC_STD, 1, {""}, 0, 0, 0, T_SEQ, NULL, NULL},
    CMOV(O), CMOV(NO), CMOV(B), CMOV(NB), CMOV(Z), CMOV(NZ), CMOV(BE), CMOV(NBE),
    CMOV(S), CMOV(NS), CMOV(P), CMOV(NP), CMOV(L), CMOV(NL), CMOV(LE), CMOV(NLE),
    SET(O), SET(NO), SET(B), SET(NB), SET(Z), SET(NZ), SET(BE), SET(NBE),
    SET(S), SET(NS), SET(P), SET(NP), SET(L), SET(NL), SET(LE), SET(NLE),

    /* arithmetic and logic */
    {"add", ZYDIS_MNEMONIC_ADD, BWDQ, ALU2, 0, 0, 0, T_SEQ, NULL, NULL},
    {"adc", ZYDIS_MNEMONIC_ADC, BWDQ, ALU2, 0, 0, 0, T_SEQ, NULL, NULL},
    {"sub", ZYDIS_MNEMONIC_SUB, BWDQ, ALU2, 0, 0, 0, T_SEQ, NULL, NULL},
    {"sbb", ZYDIS_MNEMONIC_SBB, BWDQ, ALU2, 0, 0, 0, T_SEQ, NULL, NULL},
    {"cmp", ZYDIS_MNEMONIC_CMP, BWDQ, ALU2, 0, 0, 0, T_SEQ, NULL, NULL},
    {"and", ZYDIS_MNEMONIC_AND, BWDQ, ALU2, 0, 0, 0, T_SEQ, NULL, u_af},
    {"or", ZYDIS_MNEMONIC_OR, BWDQ, ALU2, 0, 0, 0, T_SEQ, NULL, u_af},
    {"xor", ZYDIS_MNEMONIC_XOR, BWDQ, ALU2, 0, 0, 0, T_SEQ, NULL, u_af},
    {"test", ZYDIS_MNEMONIC_TEST, BWDQ, {"R R", "M R", "R I", "M I"}, 0, 0, 0, T_SEQ, NULL, u_af},
    {"inc", ZYDIS_MNEMONIC_INC, BWDQ, R_M, 0, 0, 0, T_SEQ, NULL, NULL},
    {"dec", ZYDIS_MNEMONIC_DEC, BWDQ, R_M, 0, 0, 0, T_SEQ, NULL, NULL},
    {"neg", ZYDIS_MNEMONIC_NEG, BWDQ, R_M, 0, 0, 0, T_SEQ, NULL, NULL},
    {"not", ZYDIS_MNEMONIC_NOT, BWDQ, R_M, 0, 0, 0, T_SEQ, NULL, NULL},
    {"xadd", ZYDIS_MNEMONIC_XADD, BWDQ, {"R R", "M R"}, 0, 0, 0, T_SEQ, NULL, NULL},
    {"cmpxchg", ZYDIS_MNEMONIC_CMPXCHG, BWDQ, {"R R", "M R"}, 1u << RAX, 0, 0, 0, fix_cmpxchg, NULL},
    {"cmpxchg8b", ZYDIS_MNEMONIC_CMPXCHG8B, 8, {"M64"}, 0xf, 0, 0, 0, fix_cmpxchg8b, NULL},
    {"cmpxchg16b", ZYDIS_MNEMONIC_CMPXCHG16B, 8, {"M128"}, 0xf, 0, HOST_CX16, T_ALIGN16, fix_cmpxchg8b, NULL},

    /* LOCK on the read-modify-write memory forms */
    LOCKED("add", ADD, BWDQ, ALU2M, NULL, NULL), LOCKED("adc", ADC, BWDQ, ALU2M, NULL, NULL),
    LOCKED("sub", SUB, BWDQ, ALU2M, NULL, NULL), LOCKED("sbb", SBB, BWDQ, ALU2M, NULL, NULL),
    LOCKED("and", AND, BWDQ, ALU2M, NULL, u_af), LOCKED("or", OR, BWDQ, ALU2M, NULL, u_af),
    LOCKED("xor", XOR, BWDQ, ALU2M, NULL, u_af), LOCKED("inc", INC, BWDQ, {"M"}, NULL, NULL),
    LOCKED("dec", DEC, BWDQ, {"M"}, NULL, NULL), LOCKED("neg", NEG, BWDQ, {"M"}, NULL, NULL),
    LOCKED("not", NOT, BWDQ, {"M"}, NULL, NULL), LOCKED("xadd", XADD, BWDQ, {"M R"}, NULL, NULL),
    LOCKED("bts", BTS, WDQ, BTM, fix_bt, u_bt), LOCKED("btr", BTR, WDQ, BTM, fix_bt, u_bt),
    LOCKED("btc", BTC, WDQ, BTM, fix_bt, u_bt),
    {"lock cmpxchg", ZYDIS_MNEMONIC_CMPXCHG, BWDQ, {"M R"}, 1u << RAX, LOCK, 0, 0, fix_cmpxchg, NULL},
    {"lock cmpxchg8b", ZYDIS_MNEMONIC_CMPXCHG8B, 8, {"M64"}, 0xf, LOCK, 0, 0, fix_cmpxchg8b, NULL},

    /* shifts and rotates */
    {"rol", ZYDIS_MNEMONIC_ROL, BWDQ, SHIFTS, 0, 0, 0, 0, NULL, u_rotate},
    {"ror", ZYDIS_MNEMONIC_ROR, BWDQ, SHIFTS, 0, 0, 0, 0, NULL, u_rotate},
    {"rcl", ZYDIS_MNEMONIC_RCL, BWDQ, SHIFTS, 0, 0, 0, 0, NULL, u_rotate},
    {"rcr", ZYDIS_MNEMONIC_RCR, BWDQ, SHIFTS, 0, 0, 0, 0, NULL, u_rotate},
    {"shl", ZYDIS_MNEMONIC_SHL, BWDQ, SHIFTS, 0, 0, 0, 0, NULL, u_shift},
    {"shr", ZYDIS_MNEMONIC_SHR, BWDQ, SHIFTS, 0, 0, 0, 0, NULL, u_shift},
    {"sar", ZYDIS_MNEMONIC_SAR, BWDQ, SHIFTS, 0, 0, 0, 0, NULL, u_shift},
    {"shld", ZYDIS_MNEMONIC_SHLD, WDQ, {"R R N", "M R N", "R R C", "M R C"}, 0, 0, 0, 0, NULL, u_shxd},
    {"shrd", ZYDIS_MNEMONIC_SHRD, WDQ, {"R R N", "M R N", "R R C", "M R C"}, 0, 0, 0, 0, NULL, u_shxd},

    /* multiply and divide */
    {"mul", ZYDIS_MNEMONIC_MUL, BWDQ, R_M, RAXDX, 0, 0, 0, NULL, u_mul},
    {"imul", ZYDIS_MNEMONIC_IMUL, BWDQ, R_M, RAXDX, 0, 0, 0, NULL, u_mul},
    {"imul", ZYDIS_MNEMONIC_IMUL, WDQ, {"R R", "R M", "R R I", "R M I"}, 0, 0, 0, 0, NULL, u_mul},
    {"div", ZYDIS_MNEMONIC_DIV, BWDQ, R_M, RAXDX, 0, 0, 0, fix_div, u_div},
    {"idiv", ZYDIS_MNEMONIC_IDIV, BWDQ, R_M, RAXDX, 0, 0, 0, fix_div, u_div},

    /* bit operations */
    {"bt", ZYDIS_MNEMONIC_BT, WDQ, {"R R", "M R", "R B", "M B"}, 0, 0, 0, 0, fix_bt, u_bt},
    {"bts", ZYDIS_MNEMONIC_BTS, WDQ, {"R R", "M R", "R B", "M B"}, 0, 0, 0, 0, fix_bt, u_bt},
    {"btr", ZYDIS_MNEMONIC_BTR, WDQ, {"R R", "M R", "R B", "M B"}, 0, 0, 0, 0, fix_bt, u_bt},
    {"btc", ZYDIS_MNEMONIC_BTC, WDQ, {"R R", "M R", "R B", "M B"}, 0, 0, 0, 0, fix_bt, u_bt},
    {"bsf", ZYDIS_MNEMONIC_BSF, WDQ, RM, 0, 0, 0, 0, NULL, u_bsf},
    {"bsr", ZYDIS_MNEMONIC_BSR, WDQ, RM, 0, 0, 0, 0, NULL, u_bsf},
    {"lzcnt", ZYDIS_MNEMONIC_LZCNT, WDQ, RM, 0, 0, HOST_LZCNT, 0, NULL, u_cnt},
    {"tzcnt", ZYDIS_MNEMONIC_TZCNT, WDQ, RM, 0, 0, HOST_BMI1, 0, NULL, u_cnt},
    {"popcnt", ZYDIS_MNEMONIC_POPCNT, WDQ, RM, 0, 0, HOST_POPCNT, 0, NULL, NULL},

    /* BMI1, BMI2, ADX */
    {"andn", ZYDIS_MNEMONIC_ANDN, DQ, {"R R R", "R R M"}, 0, 0, HOST_BMI1, 0, NULL, u_afpf},
    {"bextr", ZYDIS_MNEMONIC_BEXTR, DQ, {"R R R", "R M R"}, 0, 0, HOST_BMI1, 0, NULL, u_bextr},
    {"blsi", ZYDIS_MNEMONIC_BLSI, DQ, RM, 0, 0, HOST_BMI1, 0, NULL, u_afpf},
    {"blsmsk", ZYDIS_MNEMONIC_BLSMSK, DQ, RM, 0, 0, HOST_BMI1, 0, NULL, u_afpf},
    {"blsr", ZYDIS_MNEMONIC_BLSR, DQ, RM, 0, 0, HOST_BMI1, 0, NULL, u_afpf},
    {"bzhi", ZYDIS_MNEMONIC_BZHI, DQ, {"R R R", "R M R"}, 0, 0, HOST_BMI2, 0, NULL, u_afpf},
    {"pdep", ZYDIS_MNEMONIC_PDEP, DQ, {"R R R", "R R M"}, 0, 0, HOST_BMI2, 0, NULL, NULL},
    {"pext", ZYDIS_MNEMONIC_PEXT, DQ, {"R R R", "R R M"}, 0, 0, HOST_BMI2, 0, NULL, NULL},
    {"sarx", ZYDIS_MNEMONIC_SARX, DQ, {"R R R", "R M R"}, 0, 0, HOST_BMI2, 0, NULL, NULL},
    {"shlx", ZYDIS_MNEMONIC_SHLX, DQ, {"R R R", "R M R"}, 0, 0, HOST_BMI2, 0, NULL, NULL},
    {"shrx", ZYDIS_MNEMONIC_SHRX, DQ, {"R R R", "R M R"}, 0, 0, HOST_BMI2, 0, NULL, NULL},
    {"rorx", ZYDIS_MNEMONIC_RORX, DQ, {"R R B", "R M B"}, 0, 0, HOST_BMI2, 0, NULL, NULL},
    {"mulx", ZYDIS_MNEMONIC_MULX, DQ, {"R R R", "R R M"}, 1u << RDX, 0, HOST_BMI2, 0, NULL, NULL},
    {"adcx", ZYDIS_MNEMONIC_ADCX, DQ, RM, 0, 0, HOST_ADX, 0, NULL, NULL},
    {"adox", ZYDIS_MNEMONIC_ADOX, DQ, RM, 0, 0, HOST_ADX, 0, NULL, NULL},

    /* branches (over a marker instruction, so taken or not is visible) */
    JCC(O), JCC(NO), JCC(B), JCC(NB), JCC(Z), JCC(NZ), JCC(BE), JCC(NBE),
    JCC(S), JCC(NS), JCC(P), JCC(NP), JCC(L), JCC(NL), JCC(LE), JCC(NLE),
    {"loop", ZYDIS_MNEMONIC_LOOP, 8, {"L"}, 1u << RCX, 0, 0, 0, fix_loop, NULL},
    {"loope", ZYDIS_MNEMONIC_LOOPE, 8, {"L"}, 1u << RCX, 0, 0, 0, fix_loop, NULL},
    {"loopne", ZYDIS_MNEMONIC_LOOPNE, 8, {"L"}, 1u << RCX, 0, 0, 0, fix_loop, NULL},
    {"loop (ecx)", ZYDIS_MNEMONIC_LOOP, 4, {"L"}, 1u << RCX, 0, 0, T_A32, fix_loop, NULL},
    {"jrcxz", ZYDIS_MNEMONIC_JRCXZ, 8, {"L"}, 1u << RCX, 0, 0, 0, fix_loop, NULL},
    {"jecxz", ZYDIS_MNEMONIC_JECXZ, 4, {"L"}, 1u << RCX, 0, 0, 0, fix_loop, NULL},

    /* strings, plain and repeated */
    STR4(MOVS, 0, ""), STR4(MOVS, REP, "rep "),
    STR4(STOS, 0, ""), STR4(STOS, REP, "rep "),
    STR4(LODS, 0, ""), STR4(LODS, REP, "rep "),
    STR4(CMPS, 0, ""), STR4(CMPS, REPE, "repe "), STR4(CMPS, REPNE, "repne "),
    STR4(SCAS, 0, ""), STR4(SCAS, REPE, "repe "), STR4(SCAS, REPNE, "repne "),
    /* ... and with 32-bit addressing (67h: ESI, EDI, ECX) */
    STR32(MOVSB, 1, REP, "rep movsb (a32)"), STR32(MOVSQ, 8, REP, "rep movsq (a32)"),
    STR32(STOSD, 4, REP, "rep stosd (a32)"), STR32(LODSW, 2, 0, "lodsw (a32)"),
    STR32(CMPSB, 1, REPE, "repe cmpsb (a32)"), STR32(SCASW, 2, REPNE, "repne scasw (a32)"),
};

const unsigned diff_catalog_len = ARRAY_SIZE(diff_catalog);
