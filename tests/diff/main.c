/* tests/diff/main.c — the host-differential test driver (DESIGN.md "Tests", issue 3 item 10).
 *
 * For every catalog entry, width and operand form: the enumerated edge cases (value pool x
 * value pool, or value pool x shift counts, each with CF = 0 and 1), then DIFF_CASES random
 * cases; then DIFF_SEQ random multi-instruction sequences. Each case runs natively and in
 * hvsim from the same registers, flags and data page; GPRs (but RSP), CF PF AF ZF SF OF DF
 * (less the SDM-undefined ones, see catalog.c), the data page and any exception (vector,
 * faulting RIP) must match. Every mismatch prints one line; the exit status is 1 if any.
 *
 * Environment: DIFF_SEED (default 0x68767369), DIFF_CASES (random cases per entry x width x
 * form, default 300), DIFF_SEQ (sequences, default 30000), DIFF_MODEL (default intel),
 * DIFF_REPORTS (mismatch lines printed, default 60). */
#include <Zydis/Zydis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bits.h"
#include "cpu/regs.h"
#include "tests/diff/gen.h"

#define COMPARED_FLAGS (RFLAGS_ARITH | RFLAGS_DF)

static const char *const gpr_name[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                         "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const host_feat_name[HOST_COUNT] = {
    [HOST_BMI1] = "bmi1", [HOST_BMI2] = "bmi2", [HOST_ADX] = "adx", [HOST_MOVBE] = "movbe",
    [HOST_LZCNT] = "lzcnt", [HOST_POPCNT] = "popcnt", [HOST_CX16] = "cx16"};

struct run {
    struct diff_sim *sim;
    struct diff_result host, hv;
    u64 max_reports;
    u64 cases, edge_cases, random_cases, seq_cases, faults, mismatches;
    bool seen[ZYDIS_MNEMONIC_MAX_VALUE + 1][9];   /* [mnemonic][width in bytes] */
    u64 mismatches_by_name[256];                   /* per catalog entry; [255]: sequences */
};

static u64 env_u64(const char *name, u64 def)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 0) : def;
}

static void disasm(const struct dcase *c, char *out, size_t n)
{
    size_t off = 0, used = 0;
    out[0] = 0;
    while (off < c->len && used + 4 < n) {
        ZydisDisassembledInstruction d;
        if (!ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, DIFF_CODE + off,
                                                c->code + off, c->len - off, &d)))
            break;
        used += (size_t)snprintf(out + used, n - used, "%s%s", off ? "; " : "", d.text);
        off += d.info.length;
    }
}

/* One line: the instruction, its inputs and every difference. */
static void report(struct run *R, const struct dcase *c, u64 flagmask)
{
    const struct diff_result *a = &R->host, *b = &R->hv;
    char text[400], line[2048];
    size_t n = 0;
    disasm(c, text, sizeof text);
    n += (size_t)snprintf(line + n, sizeof line - n, "MISMATCH %s w=%u `%s` in:",
                          c->t ? c->t->name : "sequence", c->w * 8, text);
    for (int g = 0; g < 16; g++)
        if (c->used >> g & 1)
            n += (size_t)snprintf(line + n, sizeof line - n, " %s=%#llx", gpr_name[g],
                                  (unsigned long long)c->in.gpr[g]);
    n += (size_t)snprintf(line + n, sizeof line - n, " fl=%#llx | host/hvsim:",
                          (unsigned long long)c->in.rflags);
    if (a->vector != b->vector)
        n += (size_t)snprintf(line + n, sizeof line - n, " vector %d/%d", a->vector, b->vector);
    if (a->vector >= 0 && a->vector == b->vector && a->fault_rip != b->fault_rip)
        n += (size_t)snprintf(line + n, sizeof line - n, " fault-rip %#llx/%#llx",
                              (unsigned long long)a->fault_rip, (unsigned long long)b->fault_rip);
    for (int g = 0; g < 16; g++)
        if (g != RSP && !(c->undef_regs >> g & 1) && a->st.gpr[g] != b->st.gpr[g])
            n += (size_t)snprintf(line + n, sizeof line - n, " %s %#llx/%#llx", gpr_name[g],
                                  (unsigned long long)a->st.gpr[g], (unsigned long long)b->st.gpr[g]);
    if ((a->st.rflags ^ b->st.rflags) & flagmask)
        n += (size_t)snprintf(line + n, sizeof line - n, " flags %#llx/%#llx (compared %#llx)",
                              (unsigned long long)(a->st.rflags & COMPARED_FLAGS),
                              (unsigned long long)(b->st.rflags & COMPARED_FLAGS),
                              (unsigned long long)flagmask);
    for (unsigned i = 0; i < DIFF_DATA_SIZE && n < sizeof line - 64; i++)
        if (a->data[i] != b->data[i]) {
            n += (size_t)snprintf(line + n, sizeof line - n, " mem[%#x] %#x/%#x", DIFF_DATA + i,
                                  a->data[i], b->data[i]);
            break;
        }
    printf("%s\n", line);
}

static bool mem_equal(const struct dcase *c, const u8 *a, const u8 *b)
{
    if (!c->undef_mem)
        return !memcmp(a, b, DIFF_DATA_SIZE);
    unsigned lo = c->op[0].off, hi = lo + (c->op[0].size ? c->op[0].size : c->w);
    return !memcmp(a, b, lo) && !memcmp(a + hi, b + hi, DIFF_DATA_SIZE - hi);
}

static void run_case(struct run *R, const struct dcase *c)
{
    diff_native_run(c->code, c->len, &c->in, c->data, &R->host);
    diff_sim_run(R->sim, c->code, c->len, &c->in, c->data, &R->hv);
    const struct diff_result *a = &R->host, *b = &R->hv;
    u64 flagmask = COMPARED_FLAGS & ~c->undef_flags;
    bool same = a->vector == b->vector && (a->vector < 0 || a->fault_rip == b->fault_rip) &&
                !((a->st.rflags ^ b->st.rflags) & flagmask) && mem_equal(c, a->data, b->data);
    for (int g = 0; g < 16 && same; g++)
        if (g != RSP && !(c->undef_regs >> g & 1))
            same = a->st.gpr[g] == b->st.gpr[g];
    R->cases++;
    if (a->vector >= 0 && same)
        R->faults++;
    if (c->t)
        R->seen[c->t->mnem][c->w] = true;
    if (!same) {
        if (R->mismatches < R->max_reports)
            report(R, c, flagmask);
        R->mismatches_by_name[c->t ? (unsigned)(c->t - diff_catalog) : 255]++;
        R->mismatches++;
    }
}

int main(void)
{
    u64 seed = env_u64("DIFF_SEED", 0x68767369), ncases = env_u64("DIFF_CASES", 300);
    u64 nseq = env_u64("DIFF_SEQ", 30000);
    const char *model = getenv("DIFF_MODEL") ? getenv("DIFF_MODEL") : "intel";
    char err[200];
    if (!diff_native_init(err, sizeof err)) {
        fprintf(stderr, "diff: %s\n", err);
        return 1;
    }
    static struct run R;
    static struct dcase c;
    R.max_reports = env_u64("DIFF_REPORTS", 60);
    R.sim = diff_sim_create(model);
    if (!R.sim) {
        fprintf(stderr, "diff: out of memory\n");
        return 1;
    }
    if (diff_catalog_len > 255) {
        fprintf(stderr, "diff: catalog too long for the per-entry counters\n");
        return 1;
    }
    printf("diff: seed %#llx (DIFF_SEED), %llu random cases per form (DIFF_CASES), %llu sequences "
           "(DIFF_SEQ), hvsim model %s\n",
           (unsigned long long)seed, (unsigned long long)ncases, (unsigned long long)nseq, model);
    struct rng r = {seed};
    unsigned entries = 0, forms = 0, gen_failures = 0;
    char skipped[1024] = "";
    for (unsigned ti = 0; ti < diff_catalog_len; ti++) {
        const struct tmpl *t = &diff_catalog[ti];
        if (!diff_host_has(t->host) || !diff_sim_has(R.sim, t->host)) {
            size_t l = strlen(skipped);
            snprintf(skipped + l, sizeof skipped - l, " %s(%s lacks %s)", t->name,
                     diff_host_has(t->host) ? "hvsim model" : "host", host_feat_name[t->host]);
            continue;
        }
        entries++;
        for (unsigned w = 1; w <= 8; w <<= 1) {
            if (!(t->widths & w))
                continue;
            for (unsigned fi = 0; fi < 7 && t->forms[fi]; fi++) {
                struct form f;
                if (!gen_parse_form(t->forms[fi], &f)) {
                    fprintf(stderr, "diff: %s: bad form \"%s\"\n", t->name, t->forms[fi]);
                    return 1;
                }
                forms++;
                unsigned ne = gen_edge_count(t, w, &f);
                for (long k = -(long)ne; k < (long)ncases; k++) {
                    if (!gen_case(&c, t, w, &f, k < 0 ? k + (long)ne : -1, &r)) {
                        if (!gen_failures++)
                            fprintf(stderr, "diff: cannot build a case for %s w=%u \"%s\"\n",
                                    t->name, w * 8, t->forms[fi]);
                        continue;
                    }
                    run_case(&R, &c);
                    k < 0 ? R.edge_cases++ : R.random_cases++;
                }
            }
        }
    }
    for (u64 i = 0; i < nseq; i++) {
        gen_sequence(&c, &r);
        run_case(&R, &c);
        R.seq_cases++;
    }
    unsigned mnems = 0, pairs = 0;
    for (unsigned m = 0; m <= ZYDIS_MNEMONIC_MAX_VALUE; m++) {
        bool any = false;
        for (unsigned w = 1; w <= 8; w <<= 1)
            if (R.seen[m][w])
                pairs++, any = true;
        mnems += any;
    }
    printf("diff: %u catalog entries, %u mnemonics, %u mnemonic x width pairs, %u forms\n",
           entries, mnems, pairs, forms);
    printf("diff: %llu cases (%llu edge, %llu random, %llu sequences; %llu ended in an exception "
           "on both sides), %llu mismatches\n",
           (unsigned long long)R.cases, (unsigned long long)R.edge_cases,
           (unsigned long long)R.random_cases, (unsigned long long)R.seq_cases,
           (unsigned long long)R.faults, (unsigned long long)R.mismatches);
    if (R.mismatches) {
        printf("diff: mismatches by entry:");
        for (unsigned i = 0; i < 256; i++)
            if (R.mismatches_by_name[i])
                printf(" %s=%llu", i < diff_catalog_len ? diff_catalog[i].name : "sequence",
                       (unsigned long long)R.mismatches_by_name[i]);
        printf("\n");
    }
    if (*skipped)
        printf("diff: not covered:%s\n", skipped);
    if (gen_failures)
        printf("diff: %u cases could not be generated\n", gen_failures);
    diff_sim_destroy(R.sim);
    return R.mismatches || gen_failures ? 1 : 0;
}
