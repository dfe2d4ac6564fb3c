/* guest/runtime/runtime.c — start-up (IDT, serial), exceptions, report() and exit. */
#include "guest.h"

struct idt_gate {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
};

extern char isr_stubs[];   /* boot.S: 256 stubs, 16 bytes apart */
static struct idt_gate idt[256];
static unsigned tests, failures, skipped;

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

char *strstr(const char *h, const char *n)
{
    for (; *h; h++) {
        const char *a = h, *b = n;
        while (*a && *b && *a == *b)
            a++, b++;
        if (!*b)
            return (char *)h;
    }
    return *n ? NULL : (char *)h;
}

/* Every vector gets a 64-bit interrupt gate (type 0xe, P, DPL 0) on the boot CS, IST 0: the
 * runtime stays at CPL 0 on one stack, so no TSS stack switch is ever needed. */
static void idt_init(void)
{
    for (int v = 0; v < 256; v++) {
        uint64_t h = (uint64_t)(uintptr_t)(isr_stubs + 16 * v);
        idt[v] = (struct idt_gate){(uint16_t)h, 0x08, 0, 0x8e, (uint16_t)(h >> 16), (uint32_t)(h >> 32), 0};
    }
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" ::"m"(d));
}

static exc_handler_fn *handlers[256];

void guest_set_handler(unsigned vector, exc_handler_fn *fn)
{
    if (vector < 256)
        handlers[vector] = fn;
}

void runtime_exception(struct exc_frame *f)
{
    if (f->vector < 256 && handlers[f->vector]) {
        handlers[f->vector](f);
        return;
    }
    guest_printf("unexpected %s %lu at rip=%#lx error=%#lx", f->vector < 32 ? "exception" : "interrupt",
                 (unsigned long)f->vector, (unsigned long)f->rip, (unsigned long)f->error);
    if (f->vector == 14)
        guest_printf(" cr2=%#lx", (unsigned long)read_cr2());
    guest_printf("\n");
    guest_exit(2);
}

bool guest_on_qemu_tcg(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 31)))   /* CPUID.1:ECX.hypervisor */
        return false;
    cpuid(0x40000000, 0, r);
    return r[1] == 0x54474354 && r[2] == 0x43544743 && r[3] == 0x47435447;   /* "TCGTCGTCGTCG" */
}

__attribute__((noreturn)) void runtime_start(void)
{
    serial_init();
    idt_init();
    guest_exit(main());
}

void report(bool ok, const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    guest_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tests++;
    if (!ok)
        failures++;
    guest_printf("%s: %s\n", ok ? "PASS" : "FAIL", buf);
}

void report_skip(const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    guest_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    skipped++;
    guest_printf("SKIP: %s\n", buf);
}

int report_summary(void)
{
    guest_printf("SUMMARY: %u tests, %u failures", tests, failures);
    if (skipped)
        guest_printf(" (%u skipped)", skipped);
    guest_printf("\n");
    return failures ? 1 : 0;
}

__attribute__((noreturn)) void guest_exit(int code)
{
    outl(0xf4, (uint32_t)code);
    for (;;)
        __asm__ volatile("cli; hlt");
}
