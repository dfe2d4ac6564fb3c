/* tests/guest/exc_check.c — see exc_check.h. */
#include "exc_check.h"

volatile uint64_t exc_resume, exc_fault_rip, exc_next_rip;
volatile struct exc_seen seen = {.vec = ~0ull};

void exc_record(struct exc_frame *f)
{
    seen.vec = f->vector;
    seen.err = f->error;
    seen.rip = f->rip;
    seen.cs = f->cs;
    seen.rflags = f->rflags;
    seen.rsp = f->rsp;
    seen.ss = f->ss;
    seen.frame_top = (uintptr_t)(&f->ss + 1);
    seen.cr2 = read_cr2();
    f->rip = exc_resume;
}

void exc_catch_all(void)
{
    for (unsigned v = 0; v < 32; v++)
        guest_set_handler(v, exc_record);
}

bool expect_vec_err(unsigned vec, uint64_t err, const char *what)
{
    bool ok = seen.vec == vec && seen.err == err;
    report(ok, "%s: vector %ld (want %u), error %#lx (want %#lx)", what, (long)seen.vec, vec,
           (unsigned long)seen.err, (unsigned long)err);
    seen.vec = ~0ull;
    return ok;
}

bool expect(unsigned vec, uint64_t err, bool trap, const char *what)
{
    uint64_t rip = trap ? exc_next_rip : exc_fault_rip;
    bool ok = seen.vec == vec && seen.err == err && seen.rip == rip;
    report(ok, "%s: vector %ld (want %u), error %#lx (want %#lx), rip %s", what, (long)seen.vec, vec,
           (unsigned long)seen.err, (unsigned long)err, seen.rip == rip ? "ok" : "WRONG");
    seen.vec = ~0ull;
    return ok;
}

uint64_t *idt_gate(unsigned vector)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    return (uint64_t *)(uintptr_t)(idtr.base + 16 * (vector & 0xff));
}

void gate_set_present(unsigned vector, bool present)
{
    uint64_t *g = idt_gate(vector);
    g[0] = present ? g[0] | 1ull << 47 : g[0] & ~(1ull << 47);
}

void gate_set_ist(unsigned vector, unsigned ist)
{
    uint64_t *g = idt_gate(vector);
    g[0] = (g[0] & ~(7ull << 32)) | (uint64_t)(ist & 7) << 32;
}

void gate_set_dpl(unsigned vector, unsigned dpl)
{
    uint64_t *g = idt_gate(vector);
    g[0] = (g[0] & ~(3ull << 45)) | (uint64_t)(dpl & 3) << 45;
}
