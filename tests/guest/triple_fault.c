/* Guest program for tests/guest/run_triple_fault.sh: shut the CPU down with a triple fault the
 * way the -append word says (SDM 3A §6.15 "Interrupt 8": a fault while delivering #DF):
 *   "idt": an IDT limit of 0, then UD2: #UD -> #GP (gate past the limit) -> #GP -> #DF -> #GP;
 *   "np":  #GP and #DF gates not present, then a non-canonical load: #GP -> #NP -> #DF -> #NP;
 *   "pf":  #PF and #DF on IST stacks in a not-present page, then a read of that page:
 *          #PF -> #PF -> #DF -> #PF;
 *   "rmint": real mode, INT n with SP = 1: no room for the 6-byte frame, #SS -> #DF -> #SS
 *          on the same stack (triple_fault_rm.S).
 * hvsim stops the machine (status 0, "triple-faulted" on stderr); reaching the code after the
 * fault exits with code 1. */
#include "guest.h"
#include "ring3.h"

#define TF_RM_BASE 0x60000   /* as in triple_fault_rm.S */
extern char tf_rm_begin[], tf_rm_end[];
extern void tf_rm_run(void);

static bool has_word(const char *s, const char *w)
{
    return strstr(s, w) != NULL;
}

static uint64_t *gate(unsigned v)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    return (uint64_t *)(uintptr_t)(idtr.base + 16 * v);
}

int main(void)
{
    const char *cmd = (const char *)(uintptr_t)guest_mbi()->cmdline;
    if (has_word(cmd, "idt")) {
        guest_printf("triple faulting via idt\n");
        struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {0, 0};
        __asm__ volatile("lidt %0; ud2" ::"m"(idtr));
    } else if (has_word(cmd, "np")) {
        guest_printf("triple faulting via np\n");
        gate(13)[0] &= ~(1ull << 47);
        gate(8)[0] &= ~(1ull << 47);
        __asm__ volatile("movq (%0), %%rax" ::"r"(0x8000000000000000ull) : "rax");
    } else if (has_word(cmd, "pf")) {
        guest_printf("triple faulting via pf\n");
        ring3_setup(0, NULL);   /* a TSS for the IST slots */
        uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xfffull);
        uint64_t *pd = (uint64_t *)((((uint64_t *)(pml4[0] & ~0xfffull))[0]) & ~0xfffull) + 48;
        pd[0] &= ~1ull;   /* la 0x6000000-0x61fffff not present */
        invlpg((void *)0x6000000);
        ring3_set_ist(1, 0x6001000);
        gate(14)[0] |= 1ull << 32;
        gate(8)[0] |= 1ull << 32;
        __asm__ volatile("movq (%0), %%rax" ::"r"(0x6100000ull) : "rax");
    } else if (has_word(cmd, "rmint")) {
        guest_printf("triple faulting via rmint\n");
        memcpy((void *)TF_RM_BASE, tf_rm_begin, (size_t)(tf_rm_end - tf_rm_begin));
        tf_rm_run();
    } else {
        guest_printf("no method on the command line\n");
        guest_exit(2);
    }
    guest_printf("still running after the triple fault\n");
    guest_exit(1);
}
