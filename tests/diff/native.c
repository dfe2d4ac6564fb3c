/* tests/diff/native.c — run test code on the host CPU (x86-64 Linux, user mode).
 *
 * The code page is mapped at DIFF_CODE and the data page at DIFF_DATA, the addresses hvsim
 * uses, so memory operands and RIP are the same in both worlds. An exception in the test code
 * (#DE from DIV, #UD) arrives as a signal; the handler records the vector and the registers
 * at the fault and jumps back. */
#define _GNU_SOURCE
#include "tests/diff/diff.h"

#include <cpuid.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

void diff_native_call(struct diff_state *s, const void *code);

/* A signal handler has no context argument: the run in progress is published here (this
   process runs one native case at a time, on one thread). */
static struct {
    sigjmp_buf env;
    struct diff_result *out;
} *volatile native_active;

static void native_on_signal(int sig, siginfo_t *si, void *uc_)
{
    (void)si;
    ucontext_t *uc = uc_;
    greg_t *g = uc->uc_mcontext.gregs;
    u64 rip = (u64)g[REG_RIP];
    if (!native_active || rip < DIFF_CODE || rip >= DIFF_CODE + DIFF_CODE_MAX + 1) {
        signal(sig, SIG_DFL);   /* not ours: let it crash as it would have */
        return;
    }
    static const int map[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI,
                                REG_RDI, REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13,
                                REG_R14, REG_R15};
    struct diff_result *out = native_active->out;
    for (int i = 0; i < 16; i++)
        out->st.gpr[i] = (u64)g[map[i]];
    out->st.rflags = (u64)g[REG_EFL];
    out->fault_rip = rip;
    out->vector = sig == SIGFPE ? 0 : sig == SIGILL ? 6 : 13;
    siglongjmp(native_active->env, 1);
}

bool diff_native_init(char *err, size_t errlen)
{
    void *code = mmap((void *)(uintptr_t)DIFF_CODE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *data = mmap((void *)(uintptr_t)DIFF_DATA, DIFF_DATA_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (code != (void *)(uintptr_t)DIFF_CODE || data != (void *)(uintptr_t)DIFF_DATA) {
        snprintf(err, errlen, "cannot map the test pages at %#x and %#x: %s", DIFF_CODE, DIFF_DATA,
                 strerror(errno));
        return false;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = native_on_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    return true;
}

void diff_native_run(const u8 *code, size_t len, const struct diff_state *in, const u8 *data,
                     struct diff_result *out)
{
    u8 *cp = (u8 *)(uintptr_t)DIFF_CODE;
    memcpy(cp, code, len);
    cp[len] = 0xc3;   /* RET back to diff_native_call */
    memcpy((void *)(uintptr_t)DIFF_DATA, data, DIFF_DATA_SIZE);
    out->st = *in;
    out->vector = -1;
    out->fault_rip = 0;
    static __typeof__(*native_active) ctx;
    ctx.out = out;
    if (!sigsetjmp(ctx.env, 1)) {
        native_active = &ctx;
        diff_native_call(&out->st, cp);
    }
    native_active = NULL;
    memcpy(out->data, (void *)(uintptr_t)DIFF_DATA, DIFF_DATA_SIZE);
}

bool diff_host_has(enum diff_host_feat f)
{
    unsigned a, b, c, d;
    switch (f) {
    case HOST_BMI1: return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 3 & 1);
    case HOST_BMI2: return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 8 & 1);
    case HOST_ADX: return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 19 & 1);
    case HOST_MOVBE: return __get_cpuid(1, &a, &b, &c, &d) && (c >> 22 & 1);
    case HOST_POPCNT: return __get_cpuid(1, &a, &b, &c, &d) && (c >> 23 & 1);
    case HOST_CX16: return __get_cpuid(1, &a, &b, &c, &d) && (c >> 13 & 1);
    case HOST_LZCNT: return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c >> 5 & 1);
    default: return true;
    }
}
