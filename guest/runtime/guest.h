/* guest/runtime/guest.h — the runtime for code that runs INSIDE hvsim (or QEMU): ports, MSRs,
 * CPUID, control registers, serial output, printf, report() checks and exit via port 0xf4. */
#ifndef HVSIM_GUEST_H
#define HVSIM_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint64_t rdmsr(uint32_t idx)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx));
    return (uint64_t)hi << 32 | lo;
}
static inline void wrmsr(uint32_t idx, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return (uint64_t)hi << 32 | lo; }

struct multiboot_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4], mmap_length, mmap_addr;
};

extern uint32_t mb_magic, mb_info;
static inline const struct multiboot_info *guest_mbi(void)
{
    return (const struct multiboot_info *)(uintptr_t)mb_info;
}

/* Exception frame as the runtime's stubs build it (registers pushed by isr_common). */
struct exc_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rdi, rsi, rbp, rbx, rdx, rcx, rax;
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
};
typedef void exc_handler_fn(struct exc_frame *f);
/* Handle `vector` (0..255: exceptions, INT n, interrupts) in fn; returning resumes at f->rip
 * via IRETQ (change it to skip the faulting instruction). Without a handler the vector prints
 * "unexpected exception/interrupt N at rip=R error=E" and ends the run with code 2. */
void guest_set_handler(unsigned vector, exc_handler_fn *fn);
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v)); }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void invlpg(const void *p) { __asm__ volatile("invlpg (%0)" ::"r"(p) : "memory"); }

void serial_init(void);
void serial_putc(char c);
void guest_puts(const char *s);
int guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int guest_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

/* One check: prints "PASS: name" or "FAIL: name" and counts it. */
void report(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A check that cannot run here: prints "SKIP: name", counted apart from tests and failures. */
void report_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "SUMMARY: N tests, F failures" (plus " (S skipped)" if any); returns 0 when F == 0,
 * else 1. */
int report_summary(void);
/* outl(code, 0xf4): the run ends with status (code << 1) | 1. */
__attribute__((noreturn)) void guest_exit(int code);

/* True under QEMU TCG (CPUID 0x40000000 = "TCGTCGTCGTCG"), for the few checks of hardware
 * behaviour TCG does not model (e.g. #GP on RDMSR of an unknown MSR): report_skip() those. */
bool guest_on_qemu_tcg(void);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
char *strstr(const char *h, const char *n);

int main(void);

#endif
