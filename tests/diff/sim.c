/* tests/diff/sim.c — run test code in hvsim: a bare CPU over flat RAM (tests/unit/cpu_harness)
 * in 64-bit mode, with an IDT whose 32 exception vectors each point at their own HLT, so an
 * exception stops the run and its vector can be read off RIP. */
#include "tests/diff/diff.h"

#include <stdlib.h>
#include <string.h>

#include "tests/unit/cpu_harness.h"

#define SIM_IDT 0x4000u     /* 32 long-mode gates */
#define SIM_STUBS 0x6000u   /* vector v's handler: a HLT at SIM_STUBS + v */
#define SIM_MAX_INSNS 100000u

_Static_assert(DIFF_CODE == HARNESS_CODE, "native and hvsim code addresses differ");
_Static_assert(DIFF_DATA + DIFF_DATA_SIZE <= HARNESS_RAM, "data page outside hvsim RAM");

struct diff_sim {
    struct harness h;
};

static void put(struct harness *h, u64 pa, u64 v, unsigned n)
{
    memcpy(h->ram + pa, &v, n);
}

struct diff_sim *diff_sim_create(const char *model)
{
    struct diff_sim *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    harness_init(&s->h, model);
    harness_long_mode(&s->h);
    /* SDM 3A §6.14.1: 64-bit interrupt gate = offset 15:0, selector, IST, type 8Eh, offset
       31:16, offset 63:32, reserved. */
    for (u64 v = 0; v < 32; v++) {
        u64 off = SIM_STUBS + v, g = SIM_IDT + 16 * v;
        put(&s->h, g, (off & 0xffff) | 0x08ull << 16 | 0x8eull << 40 | (off >> 16 & 0xffff) << 48, 8);
        put(&s->h, g + 8, off >> 32, 8);
        s->h.ram[SIM_STUBS + v] = 0xf4;
    }
    s->h.cpu.idtr.base = SIM_IDT;
    s->h.cpu.idtr.limit = 32 * 16 - 1;
    return s;
}

void diff_sim_destroy(struct diff_sim *s)
{
    harness_destroy(&s->h);
    free(s);
}

/* One run from the given state: of `load` (len bytes and a HLT) just copied to the code page,
   or, with load NULL, of the code already there. */
static void sim_once(struct diff_sim *s, const u8 *load, size_t len, const struct diff_state *in,
                     const u8 *data, struct diff_result *out)
{
    struct cpu *c = &s->h.cpu;
    memcpy(s->h.ram + DIFF_DATA, data, DIFF_DATA_SIZE);
    memcpy(c->gpr, in->gpr, sizeof(c->gpr));
    c->gpr[RSP] = HARNESS_STACK;
    c->rflags = in->rflags | RFLAGS_FIXED1;
    c->rip = DIFF_CODE;
    c->state = CPU_RUNNING;
    enum cpu_stop why = load ? harness_run(&s->h, load, len + 1, SIM_MAX_INSNS) : cpu_run(c, SIM_MAX_INSNS);
    memset(out, 0, sizeof(*out));
    memcpy(out->st.gpr, c->gpr, sizeof(c->gpr));
    out->st.rflags = c->rflags;
    memcpy(out->data, s->h.ram + DIFF_DATA, DIFF_DATA_SIZE);
    out->vector = -1;
    out->fault_rip = 0;
    if (why != STOP_HALT) {
        out->vector = 256 + (int)why;   /* did not finish: budget, shutdown, unimplemented */
    } else if (c->rip > SIM_STUBS && c->rip <= SIM_STUBS + 32) {
        out->vector = (int)(c->rip - SIM_STUBS - 1);
        bool errcode = out->vector == 8 || (out->vector >= 10 && out->vector <= 14) || out->vector == 17;
        memcpy(&out->fault_rip, s->h.ram + c->gpr[RSP] + (errcode ? 8 : 0), 8);
    } else if (c->rip != DIFF_CODE + len + 1) {
        out->vector = 512;   /* halted somewhere unexpected */
    }
}

/* The code runs twice: first just loaded (each instruction decoded as it is reached), then
   again from the same state out of the decoded-instruction cache, where the step loop runs
   it as one chained run (cpu_loop_chain). The second run is the result; when the two differ
   in anything (all of RFLAGS included) the result says so with vector 768, which no host run
   produces. */
void diff_sim_run(struct diff_sim *s, const u8 *code, size_t len, const struct diff_state *in,
                  const u8 *data, struct diff_result *out)
{
    static struct diff_result cold;
    u8 buf[DIFF_CODE_MAX + 1];
    memcpy(buf, code, len);
    buf[len] = 0xf4;   /* HLT ends the case */
    sim_once(s, buf, len, in, data, &cold);
    sim_once(s, NULL, len, in, data, out);
    if (memcmp(&cold, out, sizeof(cold)))
        out->vector = 768;
}

bool diff_sim_has(const struct diff_sim *s, enum diff_host_feat f)
{
    static const enum cpu_feature map[HOST_COUNT] = {
        [HOST_BMI1] = FEAT_BMI1, [HOST_BMI2] = FEAT_BMI2, [HOST_ADX] = FEAT_ADX,
        [HOST_MOVBE] = FEAT_MOVBE, [HOST_LZCNT] = FEAT_ABM, [HOST_POPCNT] = FEAT_POPCNT,
        [HOST_CX16] = FEAT_CX16,
    };
    return f == HOST_NONE || model_has(&s->h.cpu.model, map[f]);
}
