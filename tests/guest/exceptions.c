/* Guest test: exception delivery in long mode — vector, error code, saved RIP (fault vs trap),
 * CR2, and IRETQ back to the interrupted code. */
#include "guest.h"

volatile uint64_t exc_resume, exc_fault_rip, exc_next_rip;
volatile uint64_t seen_vec = ~0ull, seen_err, seen_rip;

static void on_exception(struct exc_frame *f)
{
    seen_vec = f->vector;
    seen_err = f->error;
    seen_rip = f->rip;
    f->rip = exc_resume;
}

/* Run INSN with the addresses of itself (2:) and of what follows (1:) recorded. */
#define TRIGGER(insn, ...)                                                  \
    __asm__ volatile("leaq 1f(%%rip), %%r11\n\t"                          \
                     "movq %%r11, exc_resume(%%rip)\n\t"                  \
                     "movq %%r11, exc_next_rip(%%rip)\n\t"                \
                     "leaq 2f(%%rip), %%r11\n\t"                          \
                     "movq %%r11, exc_fault_rip(%%rip)\n\t"               \
                     "2: " insn "\n\t"                                    \
                     "1:\n\t" ::__VA_ARGS__ : "r11", "memory", "cc")

static void expect(unsigned vec, uint64_t err, bool trap, const char *what)
{
    uint64_t rip = trap ? exc_next_rip : exc_fault_rip;
    report(seen_vec == vec && seen_err == err && seen_rip == rip,
           "%s: vector %lu (want %u), error %#lx (want %#lx), rip %s", what, (unsigned long)seen_vec, vec,
           (unsigned long)seen_err, (unsigned long)err, seen_rip == rip ? "ok" : "WRONG");
    seen_vec = ~0ull;
}

int main(void)
{
    for (unsigned v = 0; v < 32; v++)
        guest_set_handler(v, on_exception);

    TRIGGER("xor %%r11d, %%r11d; div %%r11", "a"(1ull), "d"(0ull));
    report(seen_vec == 0, "#DE from DIV by zero");
    seen_vec = ~0ull;

    TRIGGER("ud2");
    expect(6, 0, false, "#UD from UD2 (fault: RIP of UD2)");

    TRIGGER("int3");
    expect(3, 0, true, "#BP from INT3 (trap: RIP after INT3)");

    TRIGGER("movq (%%rax), %%r11", "a"(0x8000000000000000ull));
    expect(13, 0, false, "#GP(0) from a non-canonical load");

    /* Hardware raises #GP for an unimplemented MSR; QEMU TCG silently returns 0 instead. */
    if (guest_on_qemu_tcg()) {
        report_skip("#GP(0) from RDMSR of an unknown MSR (QEMU TCG does not fault)");
    } else {
        TRIGGER("rdmsr", "c"(0x12345678));
        expect(13, 0, false, "#GP(0) from RDMSR of an unknown MSR");
    }

    /* Paging: la 0x6000000 (96 MiB, inside the default 128 MiB of RAM) is a 2 MiB page of the
       runtime's identity map: PDPT[0] -> PD, entry 48. */
    uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xfffull);
    uint64_t *pdpt = (uint64_t *)(pml4[0] & ~0xfffull);
    uint64_t *pd = (uint64_t *)(pdpt[0] & ~0xfffull) + 48;
    volatile uint64_t *target = (volatile uint64_t *)0x6000000ull;
    uint64_t old = pd[0];
    write_cr0(read_cr0() | (1u << 16));   /* CR0.WP: supervisor writes honour R/W */
    pd[0] = old & ~2ull;                  /* read-only */
    invlpg((void *)target);
    uint64_t v = *target;
    report(true, "read of a read-only page succeeds (%#lx)", (unsigned long)v);
    TRIGGER("movq $1, (%%rax)", "a"(target));
    expect(14, 3, false, "#PF on write to a read-only page: error P|W");
    report(read_cr2() == 0x6000000ull, "CR2 holds the faulting address (%#lx)", (unsigned long)read_cr2());
    pd[0] = old & ~1ull;                  /* not present */
    invlpg((void *)target);
    TRIGGER("movq (%%rax), %%r11", "a"(target + 1));
    expect(14, 0, false, "#PF on read of a not-present page: error 0");
    report(read_cr2() == 0x6000008ull, "CR2 for the not-present read");
    pd[0] = old;
    invlpg((void *)target);
    *target = 0x1234;
    report(*target == 0x1234 && (pd[0] & 0x60) == 0x60, "restored page is writable; A and D set (%#lx)",
           (unsigned long)(pd[0] & 0x60));
    return report_summary();
}
