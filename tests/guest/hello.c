/* Guest test hello: the guest runtime checks itself — printf formatting (including varargs
 * passed on the stack), the string helpers, and software interrupts through the runtime's
 * 256-vector IDT: the frame the CPU pushes (RIP, CS, RFLAGS, RSP, SS) and the IRETQ back with
 * a register changed by the handler. Platform checks proper live in boot.c. */
#include "guest.h"

static __attribute__((format(printf, 3, 4))) int snp(char *b, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = guest_vsnprintf(b, n, fmt, ap);
    va_end(ap);
    return r;
}

#define CHECK_FMT(want, ...)                                                              \
    do {                                                                                  \
        char b_[128];                                                                     \
        int n_ = snp(b_, sizeof b_, __VA_ARGS__);                                         \
        report(strcmp(b_, want) == 0 && n_ == (int)strlen(want), "printf -> \"%s\"", b_); \
    } while (0)

static void check_printf(void)
{
    CHECK_FMT("-42|42|  7|007|7  |", "%d|%i|%3d|%03u|%-3d|", -42, 42, 7, 7u, 7);
    CHECK_FMT("deadbeef|0xff|0x00ab", "%x|%#x|%#06x", 0xdeadbeefu, 0xffu, 0xabu);
    CHECK_FMT("123456789abcdef0|-9223372036854775808", "%llx|%ld", 0x123456789abcdef0ull,
              (long)(-9223372036854775807ll - 1));
    CHECK_FMT("4294967295|18446744073709551615", "%u|%lu", 0xffffffffu, ~0ul);
    CHECK_FMT("0x100000|c|  ab|ab  |(null)|100%", "%p|%c|%4s|%-4s|%s|100%%", (void *)0x100000, 'c',
              "ab", "ab", (const char *)0);
    /* More than five arguments after the format: the rest travel on the stack (the SysV va_arg
       overflow area), and mixed 32/64-bit widths must stay in step. */
    CHECK_FMT("1 2 3 4 5 6 7 8 9", "%d %d %d %d %d %d %ld %d %llx", 1, 2, 3, 4, 5, 6, 7l, 8, 9ull);

    char small[6];
    memset(small, 'x', sizeof small);
    int n = snp(small, sizeof small, "%s", "truncated");
    report(n == 9 && strcmp(small, "trunc") == 0, "snprintf truncates, terminates, returns full length");
}

static void check_strings(void)
{
    char a[32], b[32];
    memset(a, 0x5a, sizeof a);
    memcpy(b, a, sizeof b);
    bool same = true;
    for (unsigned i = 0; i < sizeof a; i++)
        same &= a[i] == 0x5a && b[i] == 0x5a;
    report(same, "memset and memcpy");
    report(strlen("hvsim") == 5 && strlen("") == 0, "strlen");
    report(strcmp("abc", "abc") == 0 && strcmp("abc", "abd") < 0 && strcmp("b", "abc") > 0 &&
               strcmp("ab", "abc") < 0,
           "strcmp");
}

/* Software interrupts. The handler records the frame and changes RAX, which must come back. */
static volatile uint64_t seen_vec, seen_err, seen_rip, seen_cs, seen_rflags, seen_rsp, seen_ss;

static void on_int(struct exc_frame *f)
{
    seen_vec = f->vector;
    seen_err = f->error;
    seen_rip = f->rip;
    seen_cs = f->cs;
    seen_rflags = f->rflags;
    seen_rsp = f->rsp;
    seen_ss = f->ss;
    f->rax = 0x1234500 + f->vector;
}

#define SOFT_INT(vec)                                                        \
    do {                                                                     \
        uint64_t rax_ = 0, rsp_, next_;                                      \
        __asm__ volatile("leaq 1f(%%rip), %[next]\n\t"                      \
                         "movq %%rsp, %[rsp]\n\t"                           \
                         "int $" #vec "\n"                                  \
                         "1:"                                               \
                         : "+a"(rax_), [rsp] "=&r"(rsp_), [next] "=&r"(next_) \
                         :                                                  \
                         : "memory", "cc");                                 \
        check_int(vec, rax_, rsp_, next_);                                   \
    } while (0)

static void check_int(unsigned vec, uint64_t rax, uint64_t rsp, uint64_t next)
{
    report(seen_vec == vec && seen_err == 0, "INT %#x reaches vector %lu's stub, error 0", vec,
           (unsigned long)seen_vec);
    report(seen_rip == next && seen_cs == 0x08 && seen_ss == 0x10 && seen_rsp == rsp,
           "INT %#x frame: RIP after INT, CS 0x08, SS 0x10, old RSP (rip %s, cs %#lx, ss %#lx, rsp %s)", vec,
           seen_rip == next ? "ok" : "WRONG", (unsigned long)seen_cs, (unsigned long)seen_ss,
           seen_rsp == rsp ? "ok" : "WRONG");
    report((seen_rflags & 0x202) == 0x2, "INT %#x frame: RFLAGS bit 1 set, IF clear (%#lx)", vec,
           (unsigned long)seen_rflags);
    report(rax == 0x1234500 + vec, "INT %#x: IRETQ returns with the handler's RAX (%#lx)", vec,
           (unsigned long)rax);
    seen_vec = ~0ull;
}

static void check_interrupts(void)
{
    guest_set_handler(0x20, on_int);
    guest_set_handler(0x80, on_int);
    guest_set_handler(0xff, on_int);
    SOFT_INT(0x20);
    SOFT_INT(0x80);   /* vectors >= 0x80 use the stubs' 5-byte push form */
    SOFT_INT(0xff);   /* the last gate: the IDT limit covers all 256 */
}

int main(void)
{
    guest_printf("hello from the guest runtime\n");
    check_printf();
    check_strings();
    check_interrupts();
    return report_summary();
}
