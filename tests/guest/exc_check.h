/* tests/guest/exc_check.h — shared by the exceptions*.c guest tests: run one instruction with
 * its own address and the address after it recorded, catch the exception it raises, and check
 * vector, error code and saved RIP (fault: the instruction; trap: the one after it), SDM 3A
 * §6.5 and Table 6-1. Also small IDT-gate editors (SDM 3A §6.14.1 Figure 6-8). */
#ifndef HVSIM_TESTS_EXC_CHECK_H
#define HVSIM_TESTS_EXC_CHECK_H

#include "guest.h"

/* Where the catch-all handler resumes, and the two addresses TRIGGER records. */
extern volatile uint64_t exc_resume, exc_fault_rip, exc_next_rip;
/* What the last caught exception pushed (vector ~0 when none since the last expect()). */
struct exc_seen {
    uint64_t vec, err, rip, cs, rflags, rsp, ss;
    uint64_t frame_top;   /* address just above the hardware frame: the stack it arrived on */
    uint64_t cr2;
};
extern volatile struct exc_seen seen;

/* Run INSN with the addresses of itself (2:) and of what follows (1:) recorded; the catch-all
   handler resumes at 1:. Extra arguments are asm input operands. */
#define TRIGGER(insn, ...)                                                  \
    __asm__ volatile("leaq 1f(%%rip), %%r11\n\t"                          \
                     "movq %%r11, exc_resume(%%rip)\n\t"                  \
                     "movq %%r11, exc_next_rip(%%rip)\n\t"                \
                     "leaq 2f(%%rip), %%r11\n\t"                          \
                     "movq %%r11, exc_fault_rip(%%rip)\n\t"               \
                     "2: " insn "\n\t"                                    \
                     "1:\n\t" ::__VA_ARGS__ : "r11", "memory", "cc")

/* The catch-all: records into `seen` and resumes at exc_resume. */
void exc_record(struct exc_frame *f);
/* exc_record on vectors 0-31. */
void exc_catch_all(void);
/* One check: the last exception had this vector and error code and its saved RIP is the
   instruction's (fault) or the next one's (trap). Clears `seen`. Returns the verdict. */
bool expect(unsigned vec, uint64_t err, bool trap, const char *what);
/* Only vector and error code (for aborts, whose saved RIP is undefined: #DF). */
bool expect_vec_err(unsigned vec, uint64_t err, const char *what);

/* The 16-byte IDT gate of `vector` (two quadwords) in the live IDT. */
uint64_t *idt_gate(unsigned vector);
void gate_set_present(unsigned vector, bool present);
void gate_set_ist(unsigned vector, unsigned ist);
void gate_set_dpl(unsigned vector, unsigned dpl);

#endif
