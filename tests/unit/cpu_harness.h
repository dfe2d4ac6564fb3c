/* tests/unit/cpu_harness.h — a bare CPU with flat RAM for unit tests of the execution engine:
 * load bytes, put the CPU in a mode, run until HLT, inspect state. No devices except a port
 * log, so tests see exactly what the instructions did. */
#ifndef HVSIM_TESTS_CPU_HARNESS_H
#define HVSIM_TESTS_CPU_HARNESS_H

#include <string.h>

#include "base/iomap.h"
#include "base/log.h"
#include "cpu/cpu.h"
#include "mmu/phys.h"

#define HARNESS_RAM (16u << 20)
#define HARNESS_CODE 0x100000u     /* where code is loaded */
#define HARNESS_STACK 0x80000u     /* initial stack top */
#define HARNESS_PT 0x10000u        /* identity page tables (2 MiB pages, first 1 GiB) */
#define HARNESS_GDT 0x1000u

struct harness {
    u8 *ram;
    struct iomap mem, io;
    struct phys phys;
    struct log log;
    struct cpu cpu;
    u32 last_out_port;
    u64 last_out_value;
    unsigned outs;
};

/* Build the harness with a CPU model ("intel" or "amd"). */
void harness_init(struct harness *h, const char *model);
void harness_destroy(struct harness *h);

/* Put the CPU in 64-bit mode (identity paging, flat CS/DS/SS, CPL 0) or 32-bit protected
 * mode (paging off), RIP = HARNESS_CODE, RSP = HARNESS_STACK. */
void harness_long_mode(struct harness *h);
void harness_prot32_mode(struct harness *h);

/* Little-endian reads and writes of the harness RAM at a physical address. */
static inline void harness_put32(struct harness *h, u32 pa, u32 v) { memcpy(h->ram + pa, &v, 4); }
static inline void harness_put64(struct harness *h, u32 pa, u64 v) { memcpy(h->ram + pa, &v, 8); }
static inline u16 harness_get16(const struct harness *h, u32 pa) { u16 v; memcpy(&v, h->ram + pa, 2); return v; }
static inline u32 harness_get32(const struct harness *h, u32 pa) { u32 v; memcpy(&v, h->ram + pa, 4); return v; }
static inline u64 harness_get64(const struct harness *h, u32 pa) { u64 v; memcpy(&v, h->ram + pa, 8); return v; }

/* Copy code to HARNESS_CODE and run until HLT or max_insns; returns why it stopped. */
enum cpu_stop harness_run(struct harness *h, const void *code, size_t len, u64 max_insns);

#endif
