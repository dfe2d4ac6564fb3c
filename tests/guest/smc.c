/* Guest test: self- and cross-modifying code. Whatever decoded instructions hvsim has cached,
 * the bytes in memory when an instruction is fetched are the ones that execute (SDM 3A
 * §8.1.3): a store into the very next instruction, patches of a function called in a loop
 * (the step loop's chained path with its `next` links), code written through a second linear
 * alias of the physical page, by REP STOSB/MOVSB, into the second page of an instruction that
 * crosses a page boundary, ahead of code running on the same page, and by the other vCPU
 * (-smp 2). An instruction that crosses into a not-present page raises #PF with CR2 at the
 * second page, and one that ends exactly at the page end does not. */
#include "compat.h"
#include "guest.h"

#define APIC 0xfee00000ul
#define TRAMP 0x70000ul           /* AP real-mode trampoline (SIPI vector 0x70) */
#define XCODE (TRAMP + 0x1000)    /* code the BSP runs and the AP rewrites */
#define MAP_BASE 0x10000000ul     /* 2 MiB of linear space mapped by this test's own 4 KiB PT */

/* The end of one round of the loops below: compare what the patched instruction produced, count
   the rounds down in `counter`, return 0 when all passed or the rounds left at the first stale
   one. */
#define ROUND_END(cmp, counter)                                         \
    "  " cmp "\n"                                                        \
    "  jne 2f\n"                                                         \
    "  decl " counter "\n"                                               \
    "  jnz 1b\n"                                                         \
    "  xorl %eax, %eax\n"                                                \
    "  ret\n"                                                            \
    "2: movl " counter ", %eax\n"                                        \
    "  ret\n"

/* ---- self-modifying loops (in .text, each on one 4 KiB page so the chained path runs them) ---- */
extern const char smc_next[], smc_next_op[], smc_call[], smc_call_fn[], smc_ahead[], smc_ahead_op[];
__asm__(".pushsection .text.smc, \"ax\"\n"
        ".balign 4096\n"
        /* unsigned smc_next(unsigned n): patch the imm8 of the next instruction with the loop
           count, n..1; returns 0, or the count at which the old byte executed */
        "smc_next:\n"
        "  movl %edi, %ecx\n"
        "1: movb %cl, smc_next_op+1(%rip)\n"
        "smc_next_op: movb $0, %al\n"
        ROUND_END("cmpb %cl, %al", "%ecx")
        /* unsigned smc_call(unsigned n): patch the imm32 of smc_call_fn and call it, n..1 */
        "smc_call:\n"
        "  movl %edi, %ecx\n"
        "1: movl %ecx, smc_call_fn+1(%rip)\n"
        "  call smc_call_fn\n"
        ROUND_END("cmpl %ecx, %eax", "%ecx")
        "smc_call_fn: movl $0, %eax\n"
        "  ret\n"
        /* unsigned smc_ahead(unsigned n): patch an instruction 1 KiB further down the page,
           then run through the NOPs in between to it */
        "smc_ahead:\n"
        "  movl %edi, %ecx\n"
        "1: movl %ecx, smc_ahead_op+1(%rip)\n"
        "  .fill 1024, 1, 0x90\n"
        "smc_ahead_op: movl $0, %eax\n"
        ROUND_END("cmpl %ecx, %eax", "%ecx")
        ".popsection\n");

/* The step loop's chained path runs a page's cached instructions through `next` links under
   the code generation it read when it started; a store into decoded code must end that run.
   To get a store into the run at all, both it and its successor must already be decoded at the
   current generation: the store writes a data byte in a 64-byte chunk of the same page that
   holds no code (no invalidation) on every round but the last, where it writes the immediate
   of the next instruction (smc_link) or of one 512 bytes down, reached through linked NOPs
   (smc_link_far). Both return the AL of the last round: want 1. */
extern const char smc_link[], smc_link_far[];
__asm__(".pushsection .text.smc, \"ax\"\n"
        ".balign 64\n"
        "smc_link:\n"
        "  movl %edi, %ecx\n"
        "  leaq smc_link_data(%rip), %rdx\n"
        "1: cmpl $1, %ecx\n"
        "  jne 2f\n"
        "  leaq smc_link_op+1(%rip), %rdx\n"
        "2: movb %cl, (%rdx)\n"
        "smc_link_op: movb $0, %al\n"
        "  decl %ecx\n"
        "  jnz 1b\n"
        "  movzbl %al, %eax\n"
        "  ret\n"
        "smc_link_far:\n"
        "  movl %edi, %ecx\n"
        "  leaq smc_link_data(%rip), %rdx\n"
        "1: cmpl $1, %ecx\n"
        "  jne 2f\n"
        "  leaq smc_link_far_op+1(%rip), %rdx\n"
        "2: movb %cl, (%rdx)\n"
        "  .fill 512, 1, 0x90\n"
        "smc_link_far_op: movb $0, %al\n"
        "  decl %ecx\n"
        "  jnz 1b\n"
        "  movzbl %al, %eax\n"
        "  ret\n"
        ".balign 64\n"
        "smc_link_data: .fill 64, 1, 0xcc\n"
        ".popsection\n");

/* unsigned smc_opcode(unsigned n): the next instruction alternates between ADD $1,%edx
   (83 C2 01) and SUB $1,%edx (83 EA 01) by patching its ModRM byte: after n rounds starting
   with ADD, EDX is n & 1. Returns EDX. */
extern const char smc_opcode[], smc_opcode_op[];
__asm__(".pushsection .text.smc, \"ax\"\n"
        "smc_opcode:\n"
        "  movl %edi, %ecx\n"
        "  xorl %edx, %edx\n"
        "  movb $0xc2, %al\n"
        "1: movb %al, smc_opcode_op+1(%rip)\n"
        "smc_opcode_op: addl $1, %edx\n"
        "  xorb $0x28, %al\n"   /* C2 <-> EA */
        "  decl %ecx\n"
        "  jnz 1b\n"
        "  movl %edx, %eax\n"
        "  ret\n"
        ".popsection\n");

/* unsigned smc_length(unsigned n): a 5-byte slot alternates between MOV $7,%eax (B8 imm32)
   and NOP; INC %eax; NOP; NOP (90 FF C0 90 90), instructions of other lengths at the same
   addresses. Round k (from 0) enters the slot with EAX = k and adds what leaves it to a sum
   (smc_length_want). */
extern const char smc_length[], smc_length_op[];
__asm__(".pushsection .text.smc, \"ax\"\n"
        "smc_length:\n"
        "  movl %edi, %ecx\n"
        "  xorl %esi, %esi\n"
        "  xorl %edx, %edx\n"   /* round number */
        "1: testl $1, %edx\n"
        "  jnz 3f\n"
        "  movl $0x000007b8, smc_length_op(%rip)\n"   /* B8 07 00 00 | 00 */
        "  movb $0x00, smc_length_op+4(%rip)\n"
        "  jmp 4f\n"
        "3: movl $0x90c0ff90, smc_length_op(%rip)\n"  /* 90 FF C0 90 | 90 */
        "  movb $0x90, smc_length_op+4(%rip)\n"
        "4: movl %edx, %eax\n"
        "smc_length_op: movl $0, %eax\n"
        "  addl %eax, %esi\n"
        "  incl %edx\n"
        "  decl %ecx\n"
        "  jnz 1b\n"
        "  movl %esi, %eax\n"
        "  ret\n"
        ".popsection\n");

static uint32_t smc_length_want(unsigned n)
{
    uint32_t sum = 0;
    for (unsigned k = 0; k < n; k++)
        sum += (k & 1) ? k + 1 : 7;   /* odd rounds: EAX = round number, then INC */
    return sum;
}

/* One function per kind of store: round k (1..n) makes the low byte of the next
   instruction's immediate k with that store (read-modify-write, locked, string, XCHG,
   CMPXCHG, MOVNTI) and checks that the MOV executes with it. Returns 0, or the rounds left
   when a stale immediate ran. R8 counts down, R9 is k. */
#define SMC_KIND(name, write)                                       \
    ".pushsection .text.smc, \"ax\"\n"                              \
    #name ":\n"                                                     \
    "  movl %edi, %r8d\n"                                           \
    "  movl $0, " #name "_op+1(%rip)\n"                             \
    "  xorl %r9d, %r9d\n"                                           \
    "1: incl %r9d\n"                                                \
    "  " write "\n"                                                 \
    #name "_op: movl $0, %eax\n"                                    \
    ROUND_END("cmpb %r9b, %al", "%r8d")                              \
    ".popsection\n"
static volatile uint8_t movs_src;
__asm__(SMC_KIND(smc_inc, "incb smc_inc_op+1(%rip)")
        SMC_KIND(smc_lock_inc, "lock incb smc_lock_inc_op+1(%rip)")
        SMC_KIND(smc_add, "addb $1, smc_add_op+1(%rip)")
        SMC_KIND(smc_incl, "incl smc_incl_op+1(%rip)")
        SMC_KIND(smc_addl, "addl $1, smc_addl_op+1(%rip)")
        SMC_KIND(smc_subq, "subq $-1, smc_subq_op+1(%rip)")   /* no carry into the next insn */
        SMC_KIND(smc_xadd, "movb $1, %dl; lock xaddb %dl, smc_xadd_op+1(%rip)")
        SMC_KIND(smc_xchg, "movb %r9b, %dl; xchgb %dl, smc_xchg_op+1(%rip)")
        SMC_KIND(smc_cmpxchg, "movb smc_cmpxchg_op+1(%rip), %al; movb %r9b, %dl; "
                              "lock cmpxchgb %dl, smc_cmpxchg_op+1(%rip)")
        SMC_KIND(smc_movsb, "movb %r9b, movs_src(%rip); leaq movs_src(%rip), %rsi; "
                            "leaq smc_movsb_op+1(%rip), %rdi; movsb")
        SMC_KIND(smc_stosb, "movb %r9b, %al; leaq smc_stosb_op+1(%rip), %rdi; stosb")
        SMC_KIND(smc_movnti, "movnti %r9d, smc_movnti_op+1(%rip)"));
extern const char smc_inc[], smc_lock_inc[], smc_add[], smc_incl[], smc_addl[], smc_subq[], smc_xadd[], smc_xchg[],
    smc_cmpxchg[], smc_movsb[],
    smc_stosb[], smc_movnti[];

typedef uint64_t fn1(uint64_t);

/* ---- page fault recovery around calls into test pages ---- */
static volatile uint64_t pf_resume, pf_rsp, pf_rip, pf_cr2, pf_err, pf_count;

static void on_pf(struct exc_frame *f)
{
    pf_count++;
    pf_rip = f->rip;
    pf_err = f->error;
    pf_cr2 = read_cr2();
    f->rip = pf_resume;
    f->rsp = pf_rsp;
}

/* Call fn(arg) at address `at`; a #PF inside returns ~0 to here. */
static uint64_t call_at(uint64_t at, uint64_t arg)
{
    uint64_t r;
    __asm__ volatile("leaq 1f(%%rip), %%r11\n\t"
                     "movq %%r11, pf_resume(%%rip)\n\t"
                     "movq %%rsp, pf_rsp(%%rip)\n\t"
                     "movq $-1, %%rax\n\t"
                     "call *%%rbx\n\t"
                     "1:"
                     : "=&a"(r), "+D"(arg)
                     : "b"(at)
                     : "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc");
    return r;
}

/* ---- this test's own 4 KiB page table under MAP_BASE ---- */
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint8_t pages[6][4096] __attribute__((aligned(4096)));
enum { PG_A, PG_B, PG_C, PG_D, PG_E, PG_F };

static void map(unsigned slot, const void *phys, bool present)
{
    pt[slot] = (uint64_t)(uintptr_t)phys | (present ? 3 : 2);
    invlpg((void *)(MAP_BASE + slot * 4096ul));
}

static void map_init(void)
{
    uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xfffull);
    uint64_t *pdpt = (uint64_t *)(pml4[0] & ~0xfffull);
    uint64_t *pd = (uint64_t *)(pdpt[MAP_BASE >> 30] & ~0xfffull);
    pd[(MAP_BASE >> 21) & 511] = (uint64_t)(uintptr_t)pt | 3;
    write_cr3(read_cr3());
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* MOV $imm32,%eax; RET */
static void emit_mov_ret(uint8_t *p, uint32_t imm)
{
    p[0] = 0xb8;
    put32(p + 1, imm);
    p[5] = 0xc3;
}

static void test_loops(void)
{
    uint64_t r = ((fn1 *)smc_next)(200);
    report(r == 0, "store into the very next instruction's immediate, 200 rounds (stale at %lu)", (unsigned long)r);
    r = ((fn1 *)smc_call)(300);
    report(r == 0, "patch the immediate of a function called in a loop, 300 rounds (stale at %lu)",
           (unsigned long)r);
    r = ((fn1 *)smc_ahead)(100);
    report(r == 0, "patch an instruction 1 KiB further down the running page, 100 rounds (stale at %lu)",
           (unsigned long)r);
    r = ((fn1 *)smc_link)(100);
    report(r == 1, "chained path: the last of 100 rounds stores into the linked next instruction: AL %lu (want 1)",
           (unsigned long)r);
    r = ((fn1 *)smc_link_far)(50);
    report(r == 1, "chained path: ... into an instruction 512 linked NOPs down: AL %lu (want 1)", (unsigned long)r);
    static const struct { const char *fn, *what; } kinds[] = {
        {smc_inc, "INC m8"}, {smc_lock_inc, "LOCK INC m8"}, {smc_add, "ADD m8, imm"}, {smc_incl, "INC m32"}, {smc_addl, "ADD m32, imm"},
        {smc_subq, "SUB m64, imm (8 bytes over the immediate and the next instruction)"}, {smc_xadd, "LOCK XADD"},
        {smc_xchg, "XCHG"}, {smc_cmpxchg, "LOCK CMPXCHG"}, {smc_movsb, "MOVSB"}, {smc_stosb, "STOSB"},
        {smc_movnti, "MOVNTI"},
    };
    uint32_t id[4];
    cpuid(1, 0, id);
    for (unsigned i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (kinds[i].fn == smc_movnti && !(id[3] & (1u << 26))) {
            report_skip("MOVNTI into the next instruction (CPUID.1:EDX.SSE2 clear: MOVNTI is #UD)");
            continue;
        }
        r = ((fn1 *)kinds[i].fn)(100);
        report(r == 0, "%s into the next instruction's immediate, 100 rounds (stale with %lu left)", kinds[i].what,
               (unsigned long)r);
    }
    r = ((fn1 *)smc_opcode)(101);
    report(r == 1, "patch the next instruction's ModRM (ADD <-> SUB), 101 rounds: EDX %lu (want 1)", (unsigned long)r);
    r = ((fn1 *)smc_opcode)(100);
    report(r == 0, "... 100 rounds: EDX %lu (want 0)", (unsigned long)r);
    r = ((fn1 *)smc_length)(64);
    uint32_t want = smc_length_want(64);
    report(r == want, "a 5-byte slot alternating MOV imm32 / NOP;INC;NOP;NOP: sum %lu (want %u)", (unsigned long)r, want);
}

static void test_alias(void)
{
    /* MAP_BASE+0 and MAP_BASE+0x4000 both map page A; write through the second, run the first.
       The first write comes before the page ever held code, so a writable translation of the
       alias exists when the page becomes code. */
    map(0, pages[PG_A], true);
    map(4, pages[PG_A], true);
    uint8_t *alias = (uint8_t *)(MAP_BASE + 0x4000);
    unsigned bad = 0;
    for (uint32_t i = 1; i <= 50; i++) {
        emit_mov_ret(alias + 0x100, i * 3);
        if (call_at(MAP_BASE + 0x100, 0) != i * 3)
            bad++;
    }
    report(bad == 0, "write through a second linear alias, execute through the first: 50 rounds (%u stale)", bad);
    /* And through the identity mapping of the same physical page. */
    bad = 0;
    for (uint32_t i = 1; i <= 50; i++) {
        put32(pages[PG_A] + 0x101, i + 1000);
        if (call_at(MAP_BASE + 0x100, 0) != i + 1000)
            bad++;
    }
    report(bad == 0, "write through the identity alias, execute through MAP_BASE: 50 rounds (%u stale)", bad);

    /* Remapping: the same linear page now maps page B with other code. */
    emit_mov_ret(pages[PG_B] + 0x100, 0xb0b);
    map(0, pages[PG_B], true);
    uint64_t r = call_at(MAP_BASE + 0x100, 0);
    report(r == 0xb0b, "PTE changed + INVLPG: the linear page runs the new physical page (%#lx)", (unsigned long)r);
    map(0, pages[PG_A], true);
    r = call_at(MAP_BASE + 0x100, 0);
    report(r == 1050, "... and back (%lu)", (unsigned long)r);
}

/* REP STOSB / REP MOVSB writing code. */
static void test_rep(void)
{
    uint64_t n;
    static const uint8_t tmpl1[] = {0xb8, 0x11, 0x00, 0x00, 0x00, 0xc3};   /* mov $0x11,%eax; ret */
    static const uint8_t tmpl2[] = {0xb8, 0x22, 0x00, 0x00, 0x00, 0xc3};
    uint8_t *code = pages[PG_C] + 0x200;
    uint64_t fn = (uint64_t)(uintptr_t)code;
    unsigned bad = 0;
    for (int i = 0; i < 20; i++) {
        const uint8_t *t = (i & 1) ? tmpl2 : tmpl1;
        n = 6;
        __asm__ volatile("rep movsb" : "+D"(code), "+S"(t), "+c"(n) : : "memory");
        code -= 6;
        if (call_at(fn, 0) != ((i & 1) ? 0x22u : 0x11u))
            bad++;
    }
    report(bad == 0, "REP MOVSB copies new code over code just run: 20 rounds (%u stale)", bad);

    /* REP STOSB turns MOV $5,%eax into five NOPs: EAX keeps its value from the caller. */
    emit_mov_ret(code, 5);
    uint64_t r1 = call_at(fn, 0);
    uint8_t *d = code;
    n = 5;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0x90) : "memory");
    uint64_t r2;
    __asm__ volatile("call *%1" : "=a"(r2) : "r"(fn), "a"(77ull) : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
                     "r11", "memory", "cc");
    report(r1 == 5 && r2 == 77, "REP STOSB overwrites code with NOPs (before %lu, after %lu, want 5 and 77)",
           (unsigned long)r1, (unsigned long)r2);

    /* A REP STOSB that overwrites the instructions right after itself: F3 AA, then
       MOV $5,%eax; RET. Entered with RDI at the MOV, RCX = 5, AL = 0x90: the MOV becomes five
       NOPs before it is fetched, so EAX stays 0x90. Run twice: decoded the second time. */
    uint8_t *self = pages[PG_C] + 0x400;
    uint64_t got[2];
    for (int i = 0; i < 2; i++) {
        self[0] = 0xf3;
        self[1] = 0xaa;
        emit_mov_ret(self + 2, 5);
        uint8_t *dst = self + 2;
        uint64_t cnt = 5;
        __asm__ volatile("call *%3"
                         : "=a"(got[i]), "+D"(dst), "+c"(cnt)
                         : "r"(self), "a"(0x90ull)
                         : "rdx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc");
    }
    report(got[0] == 0x90 && got[1] == 0x90, "REP STOSB overwriting the code that follows it (%#lx, %#lx; want 0x90)",
           (unsigned long)got[0], (unsigned long)got[1]);
}

/* The immediate of the MOV at A+0xffd as the bytes in memory give it. */
static uint32_t cross_imm(void)
{
    return pages[PG_A][0xffe] | (uint32_t)pages[PG_A][0xfff] << 8 | (uint32_t)pages[PG_B][0] << 16 |
           (uint32_t)pages[PG_B][1] << 24;
}

/* Instructions at a page boundary: A|B crossing, C ending exactly at the end of its page with
   the next page (slot 3) not present. */
static void test_cross(void)
{
    map(1, pages[PG_B], true);
    /* MOV $imm32,%eax at A+0xffd: opcode and two immediate bytes in A, two in B, then RET. */
    uint8_t *a = pages[PG_A], *b = pages[PG_B];
    a[0xffd] = 0xb8;
    a[0xffe] = 0x34;
    a[0xfff] = 0x12;
    b[0] = 0x78;
    b[1] = 0x56;
    b[2] = 0xc3;
    uint64_t at = MAP_BASE + 0xffd;
    pf_count = 0;
    uint64_t r = call_at(at, 0);
    report(r == 0x56781234 && pf_count == 0, "instruction crossing A|B executes (%#lx; #PF count %lu, cr2 %#lx rip %#lx)",
           (unsigned long)r, (unsigned long)pf_count, (unsigned long)pf_cr2, (unsigned long)pf_rip);
    unsigned bad = 0;
    for (uint32_t i = 0; i < 40; i++) {
        b[0] = (uint8_t)i;
        b[1] = (uint8_t)(i * 7);
        uint32_t want = 0x1234 | (uint32_t)(uint8_t)i << 16 | (uint32_t)(uint8_t)(i * 7) << 24;
        if (call_at(at, 0) != want)
            bad++;
    }
    report(bad == 0, "second-page bytes of a crossing instruction patched, 40 rounds (%u stale)", bad);
    bad = 0;
    for (uint32_t i = 0; i < 40; i++) {
        a[0xffe] = (uint8_t)(i + 1);
        if ((call_at(at, 0) & 0xff) != i + 1)
            bad++;
    }
    report(bad == 0, "first-page bytes of a crossing instruction patched, 40 rounds (%u stale)", bad);
    /* Patch the crossing instruction through the linear mapping while it is hot. */
    uint8_t *lb = (uint8_t *)(MAP_BASE + 0x1000);
    lb[0] = 0xaa;
    lb[1] = 0xbb;
    r = call_at(at, 0);
    report((r >> 16) == 0xbbaa, "second-page bytes patched through the same linear mapping (%#lx)", (unsigned long)r);

    /* B not present: the crossing instruction faults with CR2 at B, RIP at the instruction. */
    map(1, pages[PG_B], false);
    pf_count = 0;
    r = call_at(at, 0);
    report(pf_count == 1 && pf_rip == at && pf_cr2 == MAP_BASE + 0x1000 && pf_err == 0,
           "crossing into a not-present page: #PF, RIP %#lx, CR2 %#lx (want %#lx), error %#lx",
           (unsigned long)pf_rip, (unsigned long)pf_cr2, (unsigned long)(MAP_BASE + 0x1000), (unsigned long)pf_err);
    map(1, pages[PG_B], true);
    b[0] = 0x01;
    b[1] = 0x02;
    r = call_at(at, 0);
    report(r == cross_imm() && pf_count == 1, "page present again: the instruction runs (%#lx, want %#x)",
           (unsigned long)r, cross_imm());

    /* C at slot 2, slot 3 not present. MOVABS $imm64,%rax at C+0xff5 (10 bytes) and RET at
       C+0xfff end exactly at the page end: no fetch from slot 3. A 0F escape as C's last byte
       needs slot 3: #PF with CR2 = slot 3. */
    map(2, pages[PG_C], true);
    map(3, pages[PG_D], false);
    uint8_t *c = pages[PG_C];
    c[0xff5] = 0x48;
    c[0xff6] = 0xb8;
    uint64_t imm = 0x0123456789abcdefull;
    memcpy(c + 0xff7, &imm, 8);
    c[0xfff] = 0xc3;
    pf_count = 0;
    r = call_at(MAP_BASE + 0x2ff5, 0);
    report(r == imm && pf_count == 0, "MOVABS + RET ending at the page end, next page not present: no #PF (%#lx)",
           (unsigned long)r);
    c[0xffe] = 0x90;   /* NOP; then 0F at the last byte */
    c[0xfff] = 0x0f;
    r = call_at(MAP_BASE + 0x2ffe, 0);
    report(pf_count == 1 && pf_rip == MAP_BASE + 0x2fff && pf_cr2 == MAP_BASE + 0x3000,
           "0F escape as the last byte of the page: #PF at it, CR2 %#lx (want %#lx)", (unsigned long)pf_cr2,
           (unsigned long)(MAP_BASE + 0x3000));
    /* Slot 3 present, holding the rest of 0F 1F 00 (NOPL (%rax)), then MOV $0x5151,%eax; RET. */
    pages[PG_D][0] = 0x1f;
    pages[PG_D][1] = 0x00;
    pages[PG_D][2] = 0xb8;   /* mov $0x5151,%eax; ret */
    put32(pages[PG_D] + 3, 0x5151);
    pages[PG_D][7] = 0xc3;
    map(3, pages[PG_D], true);
    r = call_at(MAP_BASE + 0x2ffe, 0);
    report(r == 0x5151 && pf_count == 1, "... page present: the crossing NOP runs (%#lx)", (unsigned long)r);
}

/* A store that straddles two pages and reaches code at the start of the second: a qword at
   E+0xffc whose upper half is the opcode and three immediate bytes of the MOV at F+0. */
static void test_straddling_store(void)
{
    uint8_t *f = pages[PG_F];
    emit_mov_ret(f, 0);
    unsigned bad = 0;
    for (uint32_t i = 1; i <= 30; i++) {
        uint64_t q = 0xb8ull << 32 | (uint64_t)(i * 0x010203 & 0xffffff) << 40;
        *(volatile uint64_t *)(pages[PG_E] + 0xffc) = q;
        if (call_at((uintptr_t)f, 0) != (i * 0x010203 & 0xffffff))
            bad++;
    }
    report(bad == 0, "a qword store straddling into the code page's first bytes, 30 rounds (%u stale)", bad);
}

/* The same physical bytes run in 64-bit and in compatibility mode: the decoded-instruction cache
   keys on the mode. MOV $1,%eax; 40 or 48; NOP; RET: 40 is INC %eax and 48 DEC %eax in 32-bit
   code, REX prefixes in 64-bit code. */
static void test_modes(void)
{
    compat_setup();
    uint8_t *code = pages[PG_F] + 0x800;
    static const uint8_t fn[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0x40, 0x90, 0xc3};
    memcpy(code, fn, sizeof fn);
    uint32_t at = (uint32_t)(uintptr_t)code;
    unsigned bad = 0;
    for (int i = 0; i < 10; i++) {
        code[5] = (i & 2) ? 0x48 : 0x40;
        uint64_t r64 = call_at(at, 0);
        uint32_t r32 = compat_call(code, 0);
        uint64_t again = call_at(at, 0);
        if (r64 != 1 || again != 1 || r32 != ((i & 2) ? 0u : 2u))
            bad++;
    }
    report(bad == 0, "the same bytes run in 64-bit and compatibility mode, patched between: 10 rounds (%u wrong)",
           bad);
}

/* PUSH with RSP pointing into decoded code: the pushed qword is new code (MOV $imm,%eax; RET)
   over the old. */
extern const char push_code[];
__asm__(".text\n"
        /* uint64_t push_code(uint8_t *code, uint64_t bytes): push `bytes` to code[0..7], call it */
        "push_code:\n"
        "  movq %rsp, %r11\n"
        "  leaq 8(%rdi), %rsp\n"
        "  pushq %rsi\n"
        "  movq %r11, %rsp\n"
        "  jmp *%rdi\n");

static void test_push_code(void)
{
    uint8_t *code = pages[PG_D] + 0x800;
    unsigned bad = 0;
    for (uint32_t i = 1; i <= 20; i++) {
        emit_mov_ret(code, 0);
        uint64_t old = call_at((uintptr_t)code, 0);
        uint64_t bytes = 0xb8 | (uint64_t)(i * 0x1111) << 8 | 0xc3ull << 40;
        uint64_t r = ((uint64_t(*)(uint8_t *, uint64_t))push_code)(code, bytes);
        if (old != 0 || r != i * 0x1111)
            bad++;
    }
    report(bad == 0, "PUSH with RSP inside decoded code writes new code: 20 rounds (%u stale)", bad);
}

/* ---- cross-modifying code: the AP (real mode) rewrites code the BSP runs ---- */
extern const char ap_start[], ap_end[], ap_cmd[], ap_ack[], ap_up[];
__asm__(".pushsection .rodata\n"
        ".code16\n"
        "ap_start:\n"
        "  cli\n"
        "  mov %cs, %ax\n"
        "  mov %ax, %ds\n"
        "  lock incw ap_up - ap_start\n"
        "1: pause\n"
        "  movl ap_cmd - ap_start, %eax\n"
        "  testl %eax, %eax\n"
        "  jz 1b\n"
        /* new immediate for the MOV at XCODE (offset 0x1000 in this segment) */
        "  movl %eax, 0x1001\n"
        "  movl $0, ap_cmd - ap_start\n"
        "  movl %eax, ap_ack - ap_start\n"
        "  jmp 1b\n"
        "  .balign 4\n"
        "ap_cmd: .long 0\n"
        "ap_ack: .long 0\n"
        "ap_up: .word 0\n"
        "ap_end:\n"
        ".code64\n"
        ".popsection\n");

static volatile uint32_t *ap_var(const char *sym) { return (volatile uint32_t *)(TRAMP + (sym - ap_start)); }

static bool wait_u32(volatile uint32_t *w, uint32_t want)
{
    uint64_t t0 = rdtsc();
    while (*w != want && rdtsc() - t0 < 50000000)
        __asm__ volatile("pause");
    return *w == want;
}

static void apic_write(unsigned off, uint32_t v) { *(volatile uint32_t *)(APIC + off) = v; }

static void serialize(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
}

static void test_xmc(void)
{
    /* Is there a second CPU? The MP/ACPI tables are not parsed here: start APIC ID 1 and see. */
    for (const char *p = ap_start; p < ap_end; p++)
        *(volatile char *)(TRAMP + (p - ap_start)) = *p;
    emit_mov_ret((uint8_t *)XCODE, 0);
    apic_write(0xf0, 0x1ff);
    apic_write(0x310, 1u << 24);
    apic_write(0x300, 0x4500);               /* INIT */
    apic_write(0x310, 1u << 24);
    apic_write(0x300, 0x0600 | (TRAMP >> 12));   /* SIPI */
    uint64_t t0 = rdtsc();
    while (*(volatile uint16_t *)(TRAMP + (ap_up - ap_start)) == 0 && rdtsc() - t0 < 50000000)
        __asm__ volatile("pause");
    if (*(volatile uint16_t *)(TRAMP + (ap_up - ap_start)) == 0) {
        report_skip("cross-modifying code: no AP came up (run with -smp 2)");
        return;
    }
    /* Handshake rounds: the BSP runs the code (so it is decoded and cached), the AP rewrites
       the immediate, the BSP serializes (SDM 3A §8.1.3 cross-modifying protocol) and runs it. */
    unsigned bad = 0, lost = 0;
    for (uint32_t i = 1; i <= 30; i++) {
        uint64_t before = call_at(XCODE, 0);
        if (before != i - 1)
            bad++;
        *ap_var(ap_cmd) = i;
        if (!wait_u32(ap_var(ap_ack), i)) {
            lost++;
            break;
        }
        serialize();
        if (call_at(XCODE, 0) != i)
            bad++;
    }
    report(bad == 0 && lost == 0, "AP rewrites code the BSP has cached: 30 handshakes (%u stale, %u lost)", bad, lost);

    /* The BSP spins calling the code, serializing between calls, until the AP's new value
       shows (no handshake: the store lands at some point while the BSP runs the code).
       (A generous bound: under QEMU the AP is a host thread on a possibly busy machine.) */
    *ap_var(ap_cmd) = 0x777;
    uint64_t v = 0;
    t0 = rdtsc();
    while (v != 0x777 && rdtsc() - t0 < 2000000000ull) {
        v = call_at(XCODE, 0);
        serialize();
    }
    report(v == 0x777, "BSP running the code (CPUID between runs) sees the AP's write without a handshake (%#lx)", (unsigned long)v);
}

int main(void)
{
    guest_set_handler(14, on_pf);
    map_init();
    test_loops();
    test_alias();
    test_rep();
    test_cross();
    test_straddling_store();
    test_modes();
    test_push_code();
    test_xmc();
    return report_summary();
}
