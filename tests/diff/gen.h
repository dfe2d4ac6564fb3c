/* tests/diff/gen.h — test cases: the instruction catalog (catalog.c) and the generator that
 * turns a catalog entry, a width and an operand form into encoded bytes plus an input state
 * (gen.c). */
#ifndef HVSIM_TESTS_DIFF_GEN_H
#define HVSIM_TESTS_DIFF_GEN_H

#include "tests/diff/diff.h"

/* Deterministic PRNG (splitmix64): the same seed gives the same cases everywhere. */
struct rng {
    u64 s;
};

static inline u64 rng_next(struct rng *r)
{
    u64 z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline u64 rng_below(struct rng *r, u64 n)
{
    return n ? rng_next(r) % n : 0;
}

/* Operand kinds of a form. */
enum okind {
    K_R,     /* general register */
    K_M,     /* memory in the data page (LEA: any address, never accessed) */
    K_I,     /* immediate value (sign-extended to the width from min(width, 4) bytes) */
    K_J,     /* immediate of the full width (MOV r64, imm64) */
    K_B,     /* 8-bit immediate that is not a count (BT offset, RORX) */
    K_N,     /* 8-bit immediate shift/rotate count */
    K_CL,    /* CL as a count */
    K_ONE,   /* the implicit 1 of D0/D1 shifts */
    K_REL,   /* branch displacement: always over the 3-byte marker "not r11" that follows */
};

/* "R M8", "M R N", ... parsed once: kind and size in bytes (0 = the case's width). */
struct form {
    u8 n;
    u8 kind[3];
    u8 size[3];
};

struct dcase;

/* Template flags. */
enum {
    T_SEQ = 1u << 0,     /* usable in random multi-instruction sequences (register forms) */
    T_AGEN = 1u << 1,    /* the memory operand is address generation only (LEA) */
    T_ALIGN16 = 1u << 2, /* the memory operand must be 16-byte aligned (CMPXCHG16B) */
    T_STRING = 1u << 3,  /* string instruction: RSI/RDI/RCX set up by fix */
    T_A32 = 1u << 4,     /* encoded with the 67h address-size prefix (ESI/EDI/ECX) */
};

/* One catalog entry: a mnemonic with the widths and operand forms to test. */
struct tmpl {
    const char *name;              /* as printed (with any REP prefix) */
    u16 mnem;                      /* ZydisMnemonic */
    u8 widths;                     /* bit set of operand widths in bytes: 1|2|4|8 */
    const char *forms[7];          /* NULL-terminated; "" = no explicit operands */
    u16 implicit;                  /* GPRs used implicitly: never address registers */
    u32 prefixes;                  /* ZYDIS_ATTRIB_HAS_REP etc. */
    u8 host;                       /* enum diff_host_feat the host needs */
    u8 flags;                      /* T_* */
    /* Adjust the inputs to the instruction's constraints; false rejects the case. */
    bool (*fix)(struct dcase *c, struct rng *r);
    /* Flags the SDM leaves undefined for these inputs (may also mark results undefined). */
    u64 (*undef)(struct dcase *c);
};

struct dop {
    u8 kind, size;
    u8 reg;                        /* K_R / K_CL */
    bool high8;                    /* AH, CH, DH, BH */
    u8 base, index, scale, asize;  /* K_M; base/index 0xff = none; asize 4 or 8 */
    i32 disp;
    u32 off;                       /* K_M: offset of the operand in the data page */
    u64 imm;                       /* K_I / K_B / K_N */
};

struct dcase {
    const struct tmpl *t;
    unsigned w;                    /* width in bytes */
    struct form f;
    struct dop op[3];
    struct diff_state in;
    u8 data[DIFF_DATA_SIZE];
    u8 code[DIFF_CODE_MAX];
    size_t len;
    unsigned ninsn;
    u16 used;                      /* GPRs the case reads (for the mismatch report) */
    u64 undef_flags;               /* not compared */
    u16 undef_regs;                /* GPRs not compared */
    bool undef_mem;                /* op[0]'s memory not compared */
    bool edge;                     /* an enumerated edge case, not a random one */
};

/* The catalog (catalog.c). */
extern const struct tmpl diff_catalog[];
extern const unsigned diff_catalog_len;

/* Parse a form string ("R M8"); false if malformed. */
bool gen_parse_form(const char *s, struct form *f);

/* Build case `c` for (t, w, f): edge case number `edge` (< gen_edge_count) or, with edge < 0,
 * a random one. Returns false if no valid case could be built (reported by the caller). */
bool gen_case(struct dcase *c, const struct tmpl *t, unsigned w, const struct form *f, long edge,
              struct rng *r);
unsigned gen_edge_count(const struct tmpl *t, unsigned w, const struct form *f);

/* A random sequence of 2..5 register-form instructions from T_SEQ entries. */
bool gen_sequence(struct dcase *c, struct rng *r);

/* Operand values as the instruction sees them (input state), and setting them. */
u64 gen_get(const struct dcase *c, unsigned i);
void gen_set(struct dcase *c, unsigned i, u64 v);
/* The shift/rotate count operand's raw value (CL, imm8 or 1). */
unsigned gen_count(const struct dcase *c);
/* A GPR's low `size` bytes in the input state, and setting them (merging). */
u64 gen_reg(const struct dcase *c, unsigned reg, unsigned size);
void gen_set_reg(struct dcase *c, unsigned reg, unsigned size, u64 v);

#endif
