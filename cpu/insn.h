/* cpu/insn.h — the decoded instruction: what the Zydis adapter (cpu/decode.c) produces and
 * what handlers consume. Handlers never see Zydis types (DESIGN.md "Decode"). */
#ifndef HVSIM_CPU_INSN_H
#define HVSIM_CPU_INSN_H

#include "base/types.h"

struct cpu;
struct insn;

/* A handler executes one instruction. On entry c->rip already holds the address of the next
 * instruction; a fault restores it from c->insn_rip (commit rule, DESIGN.md "Step loop"). */
typedef void insn_fn(struct cpu *c, const struct insn *in);

enum opnd_kind { OPND_NONE, OPND_REG, OPND_MEM, OPND_IMM, OPND_PTR };

/* Register classes of OPND_REG. */
enum reg_class { REGC_GPR, REGC_GPR8H, REGC_SEG, REGC_CR, REGC_DR, REGC_OTHER, REGC_XMM, REGC_MMX };

#define OPND_BASE_NONE 0xff
#define OPND_BASE_RIP 0xfe

struct opnd {
    u8 kind;       /* enum opnd_kind */
    u8 size;       /* bytes: 1, 2, 4, 8 (memory: 0 for agen-only / unsized) */
    u8 reg;        /* REG: index within its class (GPR8H: 0..3 for AH/CH/DH/BH) */
    u8 regc;       /* REG: enum reg_class */
    u8 seg;        /* MEM: effective segment (override applied) */
    u8 base;       /* MEM: GPR index, OPND_BASE_NONE or OPND_BASE_RIP */
    u8 index;      /* MEM: GPR index or OPND_BASE_NONE */
    u8 scale;      /* MEM: 1, 2, 4, 8 */
    /* One 64-bit value, named by kind (16 bytes per operand keeps a cached instruction small,
       icache.h): */
    union {
        u64 disp;  /* MEM: displacement (sign-extended) */
        u64 imm;   /* IMM: value sign/zero-extended to the operand size; relative branches
                      hold the signed displacement; PTR: selector << 32 | offset */
    };
};

/* The selector and offset of an OPND_PTR operand (ptr16:16 / ptr16:32). */
static inline u16 opnd_ptr_sel(const struct opnd *o) { return (u16)(o->imm >> 32); }
static inline u32 opnd_ptr_off(const struct opnd *o) { return (u32)o->imm; }

enum {
    INSN_LOCK = 1u << 0,
    INSN_REP = 1u << 1,      /* F3 on a string instruction (REP / REPE) */
    INSN_REPNE = 1u << 2,    /* F2 on a string instruction */
    INSN_REL = 1u << 3,      /* operand 0 is a relative branch displacement */
    INSN_SEG_OVR = 1u << 4,  /* an explicit segment override prefix was present */
    INSN_CROSS = 1u << 5,    /* crosses a page boundary: not cached */
    INSN_FAR = 1u << 6,      /* far JMP/CALL/RET */
    INSN_CHAIN = 1u << 7,    /* changes nothing the fetch depends on (mode, CPL, TLB tag or
                                generation, RFLAGS.TF/RF, breakpoints): the step loop may
                                fetch its successor on the same page without re-checking them */
};

enum { INSN_PURE = 1, INSN_PURE_RIP = 2 };   /* struct insn's `pure` */

#define INSN_MAX_OPNDS 4

struct insn {
    insn_fn *exec;
    u16 mnemonic;       /* ZydisMnemonic, for logs and the debugger */
    u8 len;
    u8 opsize;          /* effective operand size in bytes */
    u8 addrsize;        /* effective address size in bytes */
    u8 nopnds;          /* visible operands */
    u8 flags;           /* INSN_* */
    u8 cc;              /* condition code for Jcc/SETcc/CMOVcc (opcode low nibble) */
    u8 sub;             /* handler variant when one handler serves several mnemonics */
    u16 cycles;         /* modelled base cost (cpu/cycles.c) */
    u8 mode;            /* decode mode this was decoded in (enum cpu_mode) */
    u8 pure;            /* INSN_PURE: chainable, and the handler cannot fault, reads neither
                           RIP nor the step state and sets no attention, or it leaves its
                           instruction undone (exec_fast_bind, cpu/cpu.c); INSN_PURE_RIP:
                           the same but for reading RIP and, for a near branch, writing it
                           (Jcc, JMP, CALL, RET; RIP-relative operands); else 0 */
    struct opnd op[INSN_MAX_OPNDS];
    u8 bytes[15];       /* raw bytes, for the debugger and unimp logs (last: rarely read) */
};

#endif
