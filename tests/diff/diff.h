/* tests/diff/diff.h — the host-differential test: one instruction (or a short sequence) runs
 * natively on the host CPU and in hvsim's CPU from the same registers, flags and data page;
 * the results must match except for flags (or results) the SDM leaves undefined.
 *
 * Both worlds see the code at DIFF_CODE and the data page at DIFF_DATA, so memory operands and
 * their addresses are identical. */
#ifndef HVSIM_TESTS_DIFF_H
#define HVSIM_TESTS_DIFF_H

#include "base/types.h"

#define DIFF_CODE 0x100000u       /* = HARNESS_CODE */
#define DIFF_CODE_MAX 96u         /* bytes of test code (up to a few instructions) */
#define DIFF_DATA 0x200000u
#define DIFF_DATA_SIZE 4096u

/* Registers in and out. The layout is used by native_x86_64.S: gpr[16] at 0, rflags at 128.
 * gpr[4] (RSP) is neither loaded nor compared: test code never uses the stack. */
struct diff_state {
    u64 gpr[16];
    u64 rflags;
};

/* What one run produced. */
struct diff_result {
    struct diff_state st;
    int vector;               /* -1: ran to the end; else the exception vector it stopped on */
    u64 fault_rip;            /* the faulting instruction's address when vector >= 0 */
    u8 data[DIFF_DATA_SIZE];
};

/* Native execution (native.c). The code and data pages are mapped once at their fixed
 * addresses; diff_native_init returns false with a message if that is impossible. */
bool diff_native_init(char *err, size_t errlen);
void diff_native_run(const u8 *code, size_t len, const struct diff_state *in, const u8 *data,
                     struct diff_result *out);

/* hvsim execution (sim.c): a bare intel-model CPU in 64-bit mode over flat RAM. */
struct diff_sim;
struct diff_sim *diff_sim_create(const char *model);
void diff_sim_destroy(struct diff_sim *s);
void diff_sim_run(struct diff_sim *s, const u8 *code, size_t len, const struct diff_state *in,
                  const u8 *data, struct diff_result *out);

/* CPUID features the catalog asks for: of the host (native.c) and of hvsim's model (sim.c);
 * an instruction is tested only when both have it. */
enum diff_host_feat { HOST_NONE, HOST_BMI1, HOST_BMI2, HOST_ADX, HOST_MOVBE, HOST_LZCNT,
                      HOST_POPCNT, HOST_CX16, HOST_COUNT };
bool diff_host_has(enum diff_host_feat f);
bool diff_sim_has(const struct diff_sim *s, enum diff_host_feat f);

#endif
