/* tests/guest/modes.c — processor mode switches, segmentation, 32-bit and PAE paging,
 * hardware task switches and virtual-8086 mode, outside long mode. main() builds a GDT, a
 * 32-bit IDT, 32- and 16-bit TSSs and page tables of its own, copies the 16-bit code to low memory
 * and calls modes_run() (modes_32.S), which leaves long mode, runs every experiment while
 * recording what it saw, and comes back; main() then checks each record against the SDM.
 * Expected values: SDM 3A chapters 3-5 (segmentation, paging), 8 (tasks), 10.8-10.9 (mode
 * switches), 20 (virtual-8086 mode); SDM 2A "INT n", "IRET", "JMP", "CALL". */
#include "guest.h"
#include "modes.h"

#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define CR0_PE 1u
#define CR0_TS (1u << 3)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define FL_CF 1u
#define FL_DF (1u << 10)
#define FL_IF (1u << 9)
#define FL_TF (1u << 8)
#define FL_NT (1u << 14)
#define FL_VM (1u << 17)
#define FL_AC (1u << 18)
#define FL_IOPL3 (3u << 12)
#define PTE_P 1u
#define PTE_RW 2u
#define PTE_U 4u
#define PTE_A 0x20u
#define PTE_D 0x40u
#define PDE_PS 0x80u
#define NO_FAULT 0xffffffffu
#define LINK_POISON 0x7777u
#define LDT_MARK 0x1d71d7u
#define SMALL_MARK_IN 0x51515151u
#define SMALL_MARK_HI 0x5a5a5a5au
#define PAGE_B_MARK 0xb4b4b4b4u
#define TASK_B_EFLAGS 0x8c7u   /* OF SF ZF PF CF */
#define TASK_A_EFLAGS 0xc93u   /* OF DF SF AF CF: set by modes_32.S before the JMP */
#define PSE_MARK_4M 0x45454545u
#define PSE_MARK_PT 0x50545054u
#define CR0_MP 2u
#define CR0_EM 4u
#define DR6_BT (1u << 15)
#define DR6_BS (1u << 14)

struct tss32 {
    uint16_t link, r0;
    uint32_t esp0;
    uint16_t ss0, r1;
    uint32_t esp1;
    uint16_t ss1, r2;
    uint32_t esp2;
    uint16_t ss2, r3;
    uint32_t cr3, eip, eflags, gpr[8];   /* EAX ECX EDX EBX ESP EBP ESI EDI */
    uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10, trap, iomap;
};
_Static_assert(sizeof(struct tss32) == TSS_SIZE, "32-bit TSS layout (SDM 3A Figure 8-2)");

struct tss16 {
    uint16_t link, sp0, ss0, sp1, ss1, sp2, ss2, ip, flags, gpr[8], es, cs, ss, ds, ldt;
};
_Static_assert(sizeof(struct tss16) == 0x2c, "16-bit TSS layout (SDM 3A Figure 8-11)");
#define TASK16_FLAGS 0x893u   /* OF SF AF CF */

/* Used by modes_32.S. */
struct tss16 modes_tss16;
uint64_t modes_gdt[GDT_ENTRIES];
uint64_t modes_idt32[256];
/* The TSSs, then the I/O permission bitmap of TSS A (ports 0-3FFH and the closing FFH byte). */
struct modes_tss_block {
    struct tss32 t[T_COUNT];
    uint8_t iobitmap[0x81];
} modes_tss;
#define TSS_A_IOMAP ((uint16_t)offsetof(struct modes_tss_block, iobitmap))
struct tss32 modes_tss_a_snap;
uint32_t modes_res[R_COUNT];
uint32_t modes_try_syscall;   /* Intel, not QEMU TCG: SYSCALL/SYSRET must #UD outside 64-bit mode */
uint32_t modes_on_tcg;   /* skip the part of the walk QEMU TCG cannot run (check_new_task_fault) */
uint32_t modes_pd32[1024] __attribute__((aligned(4096)));
uint64_t modes_pdpt[4] __attribute__((aligned(32)));
uint32_t modes_unreal_mark = 0x0a11ce55;   /* above 1 MiB: read from real mode through FS */

static uint32_t pd32_b[1024] __attribute__((aligned(4096)));
static uint32_t pt32[1024] __attribute__((aligned(4096)));
static uint32_t page4k[1024] __attribute__((aligned(4096)));
static uint64_t pd_pae[512] __attribute__((aligned(4096)));
uint64_t modes_pd_pae_b[512] __attribute__((aligned(4096)));   /* pd_pae but VA_PAE_2M -> PA_4M_B */
uint32_t modes_pd_nopse[1024] __attribute__((aligned(4096)));    /* 0-4 MiB by 4 KiB pages, VA_4M PS */
static uint32_t pt_low[1024] __attribute__((aligned(4096)));
static uint32_t pse_page[1024] __attribute__((aligned(4096)));   /* PTE 1 of "page table" PA_4M */
static uint32_t small_area[2048] __attribute__((aligned(4096)));   /* SEL_SMALL, SEL_EXPDOWN */
static uint64_t ldt[2];
static uint32_t ldt_page[1024];
static uint32_t task_stack[T_COUNT][1024] __attribute__((aligned(16)));
static uint32_t ring0_stack[1024] __attribute__((aligned(16)));   /* TSS A's ESP0 (v86, call gate) */

extern void modes_run(void);
extern char modes_stubs32[], modes_low_begin[], modes_low_end[], modes_rm_after_int[];
extern char modes_task16_iret[], modes_compat_after_int[], modes_v86_int_insn[], modes_v86_io_insn[];
extern char modes_v86_after_int[], modes_v86_cli[], modes_v86_int[], modes_v86_exit[];
extern char modes_rm_gp_insn[], modes_a_after_jmp[], modes_a_gp_insn[], modes_task_c_iret[];
extern char modes_gate_target[], modes_r3_after_lcall[], modes_v86_task_exit[], modes_v86_task_after_int[];
extern char modes_task_g[], modes_task_h[], modes_task_df[];
extern char modes_task_b[], modes_task_c[], modes_task_d[], modes_task_e[], modes_task_f[];
extern char modes_task_t[], modes_rm_ss_pop[], modes_rm_ss_iret[], modes_g16_int[], modes_g16_trap[];
extern char modes_g16_after_int[], modes_sysexit_esp[], modes_sysenter_esp[];

static uint32_t addr32(const void *p)
{
    return (uint32_t)(uintptr_t)p;
}

/* Offset of a symbol of modes_16.S in its low-memory copy (CS base LOW_BASE). */
static uint32_t low_off(const char *p)
{
    return (uint32_t)(p - modes_low_begin);
}

/* A segment descriptor (SDM 3A §3.4.5): access byte = P DPL S type, flags = G D/B L AVL. */
static uint64_t seg_desc(uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
    return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)access << 40 |
           (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)flags << 52 | (uint64_t)(base >> 24) << 56;
}

/* A 32-bit gate (SDM 3A Figure 6-2, 8-7): offset, selector, access byte. */
static uint64_t gate32(uint32_t off, unsigned sel, unsigned access)
{
    return (off & 0xffff) | (uint64_t)sel << 16 | (uint64_t)access << 40 | (uint64_t)(off >> 16) << 48;
}

/* The GDT, the LDT and the 32-bit IDT. */
static void build_descriptors(void)
{
    modes_gdt[SEL_CODE64 / 8] = 0x00af9b000000ffffull;
    modes_gdt[SEL_DATA / 8] = 0x00cf93000000ffffull;
    modes_gdt[SEL_CODE32 / 8] = 0x00cf9b000000ffffull;
    modes_gdt[SEL_CODE16 / 8] = seg_desc(LOW_BASE, 0xffff, 0x9b, 0);
    modes_gdt[SEL_DATA16 / 8] = seg_desc(LOW_BASE, 0xffff, 0x93, 0);
    modes_gdt[SEL_SMALL / 8] = seg_desc(addr32(small_area), 0xfff, 0x93, 0x4);
    modes_gdt[SEL_EXPDOWN / 8] = seg_desc(addr32(small_area), 0xfff, 0x97, 0x4);
    modes_gdt[SEL_NOTPRESENT / 8] = seg_desc(0, 0xfffff, 0x13, 0xc);
    modes_gdt[SEL_LDT / 8] = seg_desc(addr32(ldt), sizeof ldt - 1, 0x82, 0);
    for (int i = 0; i < T_COUNT; i++)
        modes_gdt[SEL_TSS(i) / 8] = seg_desc(addr32(&modes_tss.t[i]),
                                             i == T_A ? TSS_A_IOMAP + 0x80u : i == T_SMALL ? 0x60 : TSS_SIZE - 1, 0x89, 0);
    modes_gdt[SEL_TASKGATE / 8] = gate32(0, SEL_TSS(T_D), 0x85);
    modes_gdt[SEL_TSS_NP / 8] = seg_desc(addr32(&modes_tss.t[T_SMALL]), TSS_SIZE - 1, 0x09, 0);
    modes_gdt[SEL_CODE32_R3 / 8] = 0x00cffb000000ffffull;
    modes_gdt[SEL_DATA_R3 / 8] = 0x00cff3000000ffffull;
    modes_gdt[SEL_TSS16 / 8] = seg_desc(addr32(&modes_tss16), sizeof modes_tss16 - 1, 0x81, 0);
    modes_gdt[SEL_SYS_CODE0 / 8] = 0x00cf9b000000ffffull;   /* SYSENTER/SYSEXIT: CS, SS (+8), */
    modes_gdt[SEL_SYS_DATA0 / 8] = 0x00cf93000000ffffull;   /* CS (+16) and SS (+24) at CPL 3 */
    modes_gdt[SEL_SYS_CODE3 / 8] = 0x00cffb000000ffffull;
    modes_gdt[SEL_SYS_DATA3 / 8] = 0x00cff3000000ffffull;
    modes_gdt[SEL_CODE16_R3 / 8] = seg_desc(LOW_BASE, 0xffff, 0xfb, 0);
    modes_gdt[SEL_DATA16_R3 / 8] = seg_desc(LOW_BASE, 0xffff, 0xf3, 0);
    modes_gdt[SEL_CALLGATE / 8] = gate32(addr32(modes_gate_target), SEL_CODE32, 0xec) | 2ull << 32;
    ldt[LDT_SEL_DATA / 8] = seg_desc(addr32(ldt_page), 0xfff, 0x93, 0x4);
    ldt_page[0] = LDT_MARK;
    small_area[0xffc / 4] = SMALL_MARK_IN;
    small_area[0x1000 / 4] = SMALL_MARK_HI;

    for (unsigned v = 0; v < 32; v++)
        modes_idt32[v] = gate32(addr32(modes_stubs32 + 16 * v), SEL_CODE32, 0x8e);
    modes_idt32[VEC_TASK_INT] = gate32(0, SEL_TSS(T_E), 0x85);
    modes_idt32[VEC_V86_INT] = gate32(addr32(modes_v86_int), SEL_CODE32, 0xee);
    modes_idt32[VEC_V86_EXIT] = gate32(addr32(modes_v86_exit), SEL_CODE32, 0xee);
    modes_idt32[VEC_NOTPRESENT] = gate32(addr32(modes_stubs32), SEL_CODE32, 0x0e);
    modes_idt32[VEC_V86_TASK_EXIT] = gate32(addr32(modes_v86_task_exit), SEL_CODE32, 0xee);
    modes_idt32[VEC_G16_INT] = gate32(low_off(modes_g16_int), SEL_CODE16, 0xe6);    /* 16-bit interrupt gate */
    modes_idt32[VEC_G16_TRAP] = gate32(low_off(modes_g16_trap), SEL_CODE16, 0xe7);  /* 16-bit trap gate */
}

/* The TSSs: flat 32-bit tasks by default; A (the main task, with ESP0 and an I/O bitmap),
 * B (own CR3, LDT, registers, EFLAGS), V (virtual-8086), G (bad DS), the 16-bit one. */
static void build_tss(void)
{
    static char *const entry[T_COUNT] = {[T_B] = modes_task_b, [T_C] = modes_task_c, [T_D] = modes_task_d,
                                         [T_E] = modes_task_e, [T_F] = modes_task_f, [T_G] = modes_task_g,
                                         [T_H] = modes_task_h, [T_DF] = modes_task_df, [T_T] = modes_task_t};
    for (int i = 0; i < T_COUNT; i++) {
        struct tss32 *t = &modes_tss.t[i];
        *t = (struct tss32){.link = LINK_POISON, .cr3 = addr32(modes_pd32), .eip = addr32(entry[i]), .eflags = 2,
                            .es = SEL_DATA, .cs = SEL_CODE32, .ss = SEL_DATA, .ds = SEL_DATA, .fs = SEL_DATA,
                            .gs = SEL_DATA, .iomap = TSS_SIZE};
        t->gpr[4] = addr32(&task_stack[i][1024]);
    }
    struct tss32 *a = &modes_tss.t[T_A], *b = &modes_tss.t[T_B];
    a->iomap = TSS_A_IOMAP;
    memset(modes_tss.iobitmap, 0xff, sizeof modes_tss.iobitmap);
    modes_tss.iobitmap[0x80 / 8] = 0xfe;   /* port 80H allowed, 81H not */
    a->esp0 = addr32(&ring0_stack[1024]);
    a->ss0 = SEL_DATA;
    b->cr3 = addr32(pd32_b);
    b->ldt = SEL_LDT;
    b->eflags = TASK_B_EFLAGS;
    b->fs = 0;
    for (int r = 0; r < 8; r++)
        if (r != 4)
            b->gpr[r] = 0xb0b0b001u + r;
    struct tss32 *v = &modes_tss.t[T_V];   /* virtual-8086 task: selectors are real-mode style */
    v->eflags = FL_VM | FL_IOPL3 | 2;
    v->eip = LOW_ENTRY_V86_TASK;
    v->gpr[4] = LOW_V86T_SP;
    v->es = v->cs = v->ss = v->ds = v->fs = v->gs = LOW_SEG;
    v->esp0 = addr32(&task_stack[T_V][1024]);
    v->ss0 = SEL_DATA;
    modes_tss.t[T_G].ds = SEL_BEYOND;
    modes_tss.t[T_T].trap = 1;   /* debug trap bit (SDM 3A Figure 8-2) */
    modes_tss16 = (struct tss16){.link = LINK_POISON, .ip = LOW_ENTRY_TASK16, .flags = TASK16_FLAGS, .es = SEL_DATA,
                                 .cs = SEL_CODE16, .ss = SEL_DATA16, .ds = SEL_DATA16};
    for (int r = 0; r < 8; r++)
        modes_tss16.gpr[r] = r == 4 ? LOW_TASK16_SP : 0x1601 + r;
}

static void build_paging(void)
{
    /* 32-bit paging: 4 MiB identity pages for the first GiB, VA_4M -> PA_4M (task B: PA_4M_B),
     * VA_PT -> a page table. */
    for (uint32_t i = 0; i < 256; i++)
        modes_pd32[i] = i << 22 | PDE_PS | PTE_U | PTE_RW | PTE_P;   /* U: v86 and ring 3 */
    modes_pd32[VA_4M >> 22] = PA_4M | PDE_PS | PTE_RW | PTE_P;
    modes_pd32[VA_PT >> 22] = addr32(pt32) | PTE_RW | PTE_P;
    pt32[0] = addr32(page4k) | PTE_RW | PTE_P;
    pt32[1] = addr32(page4k) | PTE_P;
    pt32[2] = 0;
    memcpy(pd32_b, modes_pd32, sizeof pd32_b);
    pd32_b[VA_4M >> 22] = PA_4M_B | PDE_PS | PTE_RW | PTE_P;
    *(volatile uint32_t *)(uintptr_t)(PA_4M_B + 0x1234) = PAGE_B_MARK;
    *(volatile uint32_t *)(uintptr_t)(PA_4M + 0x1234) = 0;
    *(volatile uint32_t *)(uintptr_t)(PA_4M + 0x5678) = 0;

    /* PAE: one PDPTE (bits 2:1 reserved), 2 MiB identity pages, VA_PAE_2M -> PA_4M. */
    modes_pdpt[0] = addr32(pd_pae) | PTE_P;
    for (uint64_t i = 0; i < 512; i++)
        pd_pae[i] = i << 21 | PDE_PS | PTE_RW | PTE_P;
    pd_pae[VA_PAE_NP >> 21] = 0;
    pd_pae[VA_PAE_2M >> 21] = PA_4M | PDE_PS | PTE_RW | PTE_P;
    pd_pae[VA_PAE_XD >> 21] |= 1ull << 63;
    memcpy(modes_pd_pae_b, pd_pae, sizeof pd_pae);
    modes_pd_pae_b[VA_PAE_2M >> 21] = PA_4M_B | PDE_PS | PTE_RW | PTE_P;

    /* CR4.PSE = 0: the first 4 MiB (code, data, stacks, low memory) by 4 KiB pages; PDE
     * VA_4M = PA_4M | PS, read as a page table at PA_4M whose PTE 0 is absent and PTE 1
     * maps pse_page. */
    for (uint32_t i = 0; i < 1024; i++)
        pt_low[i] = i << 12 | PTE_U | PTE_RW | PTE_P;
    modes_pd_nopse[0] = addr32(pt_low) | PTE_U | PTE_RW | PTE_P;
    modes_pd_nopse[VA_4M >> 22] = PA_4M | PDE_PS | PTE_RW | PTE_P;
    volatile uint32_t *pa4m = (volatile uint32_t *)(uintptr_t)PA_4M;
    pa4m[0] = 0;
    pa4m[1] = addr32(pse_page) | PTE_RW | PTE_P;
    pa4m[0x1010 / 4] = PSE_MARK_4M;
    pse_page[0x10 / 4] = PSE_MARK_PT;
}

static void build_tables(void)
{
    build_descriptors();
    build_tss();
    build_paging();
    /* The 16-bit code and its result area in low memory. */
    memcpy((void *)LOW_BASE, modes_low_begin, (size_t)(modes_low_end - modes_low_begin));
    memset((void *)(LOW_BASE + LOW_RES), 0xff, 4 * R16_COUNT);
    *(volatile uint16_t *)(LOW_SEGTEST_SEG * 16 + LOW_SEGTEST_OFF) = 0;
    memset(modes_res, 0xff, sizeof modes_res);
}

static uint32_t res16(unsigned i)
{
    return ((volatile uint32_t *)(LOW_BASE + LOW_RES))[i];
}

static void check_fault(unsigned slot, uint32_t vec, uint32_t err, const char *what)
{
    uint32_t v = modes_res[slot], e = modes_res[slot + 1];
    if (vec == NO_FAULT)
        report(v == NO_FAULT, "%s: no exception (got vector %d)", what, (int)v);
    else
        report(v == vec && e == err, "%s: vector %u error %#x (got %d, %#x)", what, vec, err, (int)v, e);
}

static void check_eq(uint32_t got, uint32_t want, const char *what)
{
    report(got == want, "%s = %#x (got %#x)", what, want, got);
}

static void check_bits(uint32_t got, uint32_t mask, uint32_t want, const char *what)
{
    report((got & mask) == want, "%s: bits %#x = %#x (value %#x)", what, mask, want, got);
}

/* EFLAGS loaded by a task switch. QEMU TCG keeps the lazily computed arithmetic flags (CF PF
 * AF ZF SF OF) of the code before a far JMP/CALL through a TSS (seen: ZF PF of the other
 * task's last XOR), so there only the other bits are compared. */
static void check_task_eflags(uint32_t got, uint32_t want, const char *what)
{
    if (!guest_on_qemu_tcg()) {
        check_eq(got, want, what);
        return;
    }
    check_bits(got, ~0x8d5u, want & ~0x8d5u, what);
    report_skip("%s: arithmetic flags (QEMU TCG keeps stale lazy flags across a task switch)", what);
}

/* INT VEC_COMPAT from compatibility mode, in the runtime's 64-bit handler. */
static struct exc_frame compat_frame;
static uint64_t compat_frame_top;   /* the address just above the pushed SS */

static void on_compat_int(struct exc_frame *f)
{
    compat_frame = *f;
    compat_frame_top = (uint64_t)(uintptr_t)(&f->ss + 1);
}

static void check_compat_int(void)
{
    const struct exc_frame *f = &compat_frame;
    check_eq((uint32_t)f->rip, addr32(modes_compat_after_int), "compat INT n: pushed RIP");
    check_eq((uint32_t)f->cs, SEL_CODE32, "compat INT n: pushed CS");
    check_eq((uint32_t)f->rsp, modes_res[R_COMPAT_INT_ESP], "compat INT n: pushed RSP = ESP (not aligned)");
    check_eq((uint32_t)f->ss, 0x10, "compat INT n: SS pushed too");
    check_eq((uint32_t)(compat_frame_top & 15), 0, "compat INT n: RSP aligned to 16 before the frame");
}

static void check_modes(uint32_t cr4_orig)
{
    check_eq(modes_res[R_DONE], 1, "walk completed and returned to long mode");
    check_bits(modes_res[R_COMPAT_EFER], EFER_LMA | EFER_LME, EFER_LMA | EFER_LME, "compat: EFER.LMA/LME");
    check_eq(modes_res[R_COMPAT_DEC], 4, "compat: 48H is DEC EAX, not REX");
    check_eq(modes_res[R_COMPAT_PUSH], 4, "compat: PUSH moves ESP by 4");
    check_bits(modes_res[R_COMPAT_CR0], CR0_PG | CR0_PE, CR0_PG | CR0_PE, "compat: CR0.PG/PE");
    check_compat_int();
    check_bits(modes_res[R_PM_EFER], EFER_LMA | EFER_LME, 0, "pm32 (CR0.PG=0, LME=0): EFER.LMA/LME");
    check_bits(modes_res[R_PM_CR0], CR0_PG | CR0_PE, CR0_PE, "pm32: CR0.PG=0 PE=1");
    check_eq(modes_res[R_PM_CR4], cr4_orig, "pm32: CR4 unchanged");
    check_eq(modes_res[R_PM_MOV], 0x12345678, "pm32: B8 takes imm32");
    check_eq(res16(R16_PM16_MOV), 0xaaaa1234, "pm16: B8 takes imm16, only AX written");
    check_eq(res16(R16_PM16_PUSH), 2, "pm16: PUSH AX moves SP by 2 (16-bit SS)");
    check_bits(res16(R16_PM16_CR0), CR0_PG | CR0_PE, CR0_PE, "pm16: CR0.PE=1");
    check_bits(res16(R16_RM_CR0), CR0_PG | CR0_PE, 0, "real mode: CR0.PE=0");
    check_eq(res16(R16_RM_MOV), 0xaaaa5678, "real mode: B8 takes imm16");
    check_eq(*(volatile uint16_t *)(LOW_SEGTEST_SEG * 16 + LOW_SEGTEST_OFF), 0xbeef,
             "real mode: ES:DI 7800:0345 stores at linear 78345H");
    check_eq(res16(R16_RM_SEGREAD), 0xbeef, "real mode: DS 7000:8345 reads linear 78345H");
    check_eq(res16(R16_RM_INT_SP), 0xfff0 - 6, "real mode INT: 6-byte frame");
    check_eq(res16(R16_RM_INT_IP), low_off(modes_rm_after_int), "real mode INT: pushed IP");
    check_eq(res16(R16_RM_INT_CS), LOW_SEG, "real mode INT: pushed CS");
    check_bits(res16(R16_RM_INT_FLAGS), 0xffff0000u | FL_DF | FL_CF, FL_DF | FL_CF, "real mode INT: pushed FLAGS");
    check_bits(res16(R16_RM_INT_EFLAGS), FL_IF | FL_TF | FL_AC | FL_DF | FL_CF, FL_DF | FL_CF,
               "real mode INT handler: IF TF AC clear");
    check_eq(res16(R16_RM_AFTER_SP), 0xfff0, "real mode IRET: SP restored");
    check_bits(res16(R16_RM_AFTER_EFLAGS), FL_AC | FL_DF | FL_CF, FL_DF | FL_CF,
               "real mode IRET: FLAGS[15:0] restored, AC stays clear");
    check_eq(res16(R16_RM_PUSHW), 2, "real mode: PUSH AX moves SP by 2");
    check_eq(res16(R16_RM_POPW), 2, "real mode: POP AX moves SP by 2");
    check_eq(res16(R16_RM_PUSHL), 4, "real mode: PUSH EAX (66H) moves SP by 4");
    check_eq(res16(R16_RM_PUSHSEG), 2, "real mode: PUSH DS moves SP by 2");
    check_eq(res16(R16_RM_UNREAL), modes_unreal_mark, "real mode: FS keeps its 4 GiB limit (unreal mode)");
    if (guest_on_qemu_tcg()) {
        report_skip("real mode: #GP past the 64 KiB limit (QEMU TCG does not check segment limits)");
    } else {
        check_eq(res16(R16_RM_GP_VEC), 13, "real mode: word at DS:FFFFH -> interrupt 13 through the IVT");
        check_eq(res16(R16_RM_GP_IP), low_off(modes_rm_gp_insn), "real mode #GP: pushed IP = faulting insn");
    }
    check_eq(res16(R16_RM_MARK), 0x5253, "real mode: reached its end");
    check_bits(modes_res[R_PMB_CR0], CR0_PG | CR0_PE, CR0_PE, "protected mode again: CR0.PE=1 PG=0");
    check_bits(modes_res[R_PMB_EFER], EFER_LMA, 0, "protected mode again: EFER.LMA=0");
    if (guest_on_qemu_tcg())   /* TCG ignores the write (its source leaves the exception out) */
        report_skip("CR0.PG with EFER.LME=1 and CR4.PAE=0 -> #GP(0) (QEMU TCG does not fault)");
    else
        check_fault(R_PM_LME_NOPAE, 13, 0, "CR0.PG with EFER.LME=1 and CR4.PAE=0");
    check_bits(modes_res[R_LM_EFER], EFER_LMA | EFER_LME, EFER_LMA | EFER_LME, "long mode again: EFER.LMA/LME");
    check_bits(modes_res[R_LM_CR0], CR0_PG | CR0_PE, CR0_PG | CR0_PE, "long mode again: CR0.PG/PE");
}

static void check_segmentation(void)
{
    check_eq(modes_res[R_SEG_INLIMIT], SMALL_MARK_IN, "data segment: read at limit-3");
    if (guest_on_qemu_tcg()) {
        /* QEMU TCG does not check data-segment limits. */
        report_skip("segment limit checks (#GP/#SS past the limit, expand-down): not modelled by QEMU TCG");
    } else {
        check_fault(R_SEG_LIMIT, 13, 0, "data segment: dword crossing the limit");
        check_fault(R_SEG_SS, 12, 0, "SS: access past the limit");
        check_fault(R_SEG_EXPDOWN_LO, 13, 0, "expand-down: offset <= limit");
    }
    check_fault(R_SEG_EXPDOWN_OK, NO_FAULT, 0, "expand-down: offset > limit");
    check_eq(modes_res[R_SEG_EXPDOWN_VAL], SMALL_MARK_HI, "expand-down: base + 1000H read");
    check_fault(R_SEG_NP, 11, SEL_NOTPRESENT, "MOV ES, not-present segment");
    check_fault(R_SEG_NULLSS, 13, 0, "MOV SS, null selector at CPL 0");
    check_fault(R_SEG_BEYOND, 13, SEL_BEYOND, "MOV DS, selector past the GDT limit");
    check_fault(R_INT_NP, 11, VEC_NOTPRESENT * 8 + 2, "INT n to a not-present interrupt gate");
    check_fault(R_INT_NOTGATE, 13, VEC_EMPTY * 8 + 2, "INT n to an IDT entry that is not a gate");
}

static void check_paging(void)
{
    check_bits(modes_res[R_PG_CR0], CR0_PG | CR0_WP | CR0_PE, CR0_PG | CR0_WP | CR0_PE, "32-bit paging: CR0");
    check_bits(modes_res[R_PG_CR4], CR4_PSE | CR4_PAE, CR4_PSE, "32-bit paging: CR4.PSE=1 PAE=0");
    check_eq(modes_res[R_PG_CR3], addr32(modes_pd32), "32-bit paging: CR3");
    check_eq(*(volatile uint32_t *)(uintptr_t)(PA_4M + 0x1234), 0x4d4d4d4d, "4 MiB page: write reached PA_4M");
    check_eq(modes_res[R_PG_READ4M], 0x4d4d4d4d, "4 MiB page: read back through identity map");
    check_bits(modes_pd32[VA_4M >> 22], PTE_A | PTE_D, PTE_A | PTE_D, "4 MiB page: PDE A and D set");
    check_eq(page4k[4], 0x4b4b4b4b, "4 KiB page: write reached its frame");
    check_bits(pt32[0], PTE_A | PTE_D, PTE_A | PTE_D, "4 KiB page: PTE A and D set");
    check_fault(R_PG_RO, 14, PTE_P | PTE_RW, "write to a read-only page with CR0.WP");
    check_eq(modes_res[R_PG_RO_CR2], VA_PT + 0x1020, "read-only #PF: CR2");
    check_fault(R_PG_WP0, NO_FAULT, 0, "write to a read-only page with CR0.WP=0 at CPL 0");
    check_eq(page4k[0x24 / 4], 0x77777777, "CR0.WP=0: the write reached the page");
    check_fault(R_PG_NP, 14, 0, "read of a not-present page");
    check_eq(modes_res[R_PG_NP_CR2], VA_PT + 0x2030, "not-present #PF: CR2");
    check_bits(modes_res[R_PAE_CR0], CR0_PG | CR0_PE, CR0_PG | CR0_PE, "PAE paging: CR0");
    check_bits(modes_res[R_PAE_CR4], CR4_PAE, CR4_PAE, "PAE paging: CR4.PAE");
    check_eq(modes_res[R_PAE_CR3], addr32(modes_pdpt), "PAE paging: CR3 = PDPT");
    check_eq(*(volatile uint32_t *)(uintptr_t)(PA_4M + 0x5678), 0x2d2d2d2d, "PAE 2 MiB page: write reached PA_4M");
    check_fault(R_PAE_NP, 14, 0, "PAE: read through a not-present PDE");
    check_eq(modes_res[R_PAE_NP_CR2], VA_PAE_NP + 8, "PAE #PF: CR2");
    if (guest_on_qemu_tcg()) {   /* TCG has no PDPTE registers: it reads the PDPT on every walk */
        report_skip("PAE: MOV CR3 with a reserved PDPTE bit; PDPTE registers kept until MOV CR3 "
                    "(QEMU TCG does not load PDPTEs)");
    } else {
        check_fault(R_PAE_RSVD, 13, 0, "PAE: MOV CR3 with a reserved bit in a present PDPTE");
        check_eq(modes_res[R_PAE_PDPTE_OLD], 0x4d4d4d4d, "PAE: PDPT changed in memory: old PDPTE register still used");
    }
    check_eq(modes_res[R_PAE_PDPTE_NEW], PAGE_B_MARK, "PAE: after MOV CR3 the new PDPTE is used");
    check_bits(modes_res[R_PAE_EFER], 1u << 11, 0, "PAE: EFER.NXE = 0");
    if (guest_on_qemu_tcg())   /* seen: error code 8, RSVD without P (SDM 3A §4.7: RSVD implies P) */
        report_skip("PAE: PDE bit 63 reserved without EFER.NXE -> #PF P|RSVD (QEMU TCG reports RSVD only)");
    else
        check_fault(R_PAE_XD, 14, 0x9, "PAE: PDE bit 63 reserved without EFER.NXE (#PF P|RSVD)");
    check_eq(modes_res[R_PAE_XD_CR2], VA_PAE_XD + 4, "PAE reserved-bit #PF: CR2");
}

/* CALL to a task with a 16-bit TSS and IRET back. */
static void check_task16(void)
{
    static const uint16_t segs[4] = {SEL_CODE16, SEL_DATA16, SEL_DATA16, SEL_DATA};
    for (int r = 0; r < 8; r++)
        check_eq(res16(R16_T16_REGS + r) & 0xffff, r == 4 ? LOW_TASK16_SP : 0x1601u + r,
                 "16-bit TSS: 16-bit register loaded");
    check_task_eflags(res16(R16_T16_FLAGS) & 0xffff, TASK16_FLAGS | FL_NT, "16-bit TSS: FLAGS loaded, NT set");
    check_eq(res16(R16_T16_STR), SEL_TSS16, "16-bit TSS: TR");
    check_eq(res16(R16_T16_LINK), SEL_TSS(T_A), "16-bit TSS: back link written");
    check_eq(res16(R16_T16_BUSY), 0x83, "16-bit TSS: busy (type 3) while running");
    for (int s = 0; s < 4; s++)
        check_eq(res16(R16_T16_SEGS + s), segs[s], "16-bit TSS: CS SS DS ES loaded");
    check_eq(modes_tss16.ip, low_off(modes_task16_iret) + 1, "16-bit TSS: IP saved by the IRET");
    check_bits(modes_tss16.flags, FL_NT, 0, "16-bit TSS: NT cleared in the saved FLAGS");
    check_eq(modes_res[R_T16_BUSY_A], 1, "IRET from the 16-bit task: A busy");
    check_eq(modes_res[R_T16_BUSY_16], 0, "IRET from the 16-bit task: 16-bit TSS available again");
    check_bits(modes_res[R_T16_EFLAGS], FL_NT, 0, "IRET from the 16-bit task: NT clear in A");
}

/* A fault while the new task's segments are loaded (TSS G's DS), taken in the new task. */
static void check_new_task_fault(void)
{
    if (modes_on_tcg) {
        /* TCG unwinds a fault after the commit point to the JMP in the old task: the new task
         * would be resumed at that JMP and fault on its own busy TSS. */
        report_skip("#TS loading the new task's segments, taken in the new task (QEMU TCG saves the old EIP)");
        return;
    }
    check_eq(modes_res[R_H_STR], SEL_TSS(T_H), "#TS loading the new task's DS: taken through IDT task gate");
    check_eq(modes_res[R_H_ERR], SEL_BEYOND, "#TS loading the new task's DS: error code = DS selector");
    check_eq(modes_res[R_H_LINK], SEL_TSS(T_G), "#TS loading the new task's DS: taken in the new task");
    check_eq(modes_res[R_H_G_RAN], 0, "#TS loading the new task's DS: before its first instruction");
    check_eq(modes_res[R_H_G_EIP], addr32(modes_task_g), "#TS in the new task: saved EIP = its first instruction");
    check_eq(modes_res[R_H_G_ESP], addr32(&task_stack[T_G][1024]), "#TS in the new task: saved ESP = its own");
    check_eq(modes_res[R_H_BUSY_A], 0, "#TS in the new task: JMP already left A not busy");
    check_eq(modes_res[R_H_BUSY_G], 1, "#TS in the new task: G busy");
    check_eq(modes_res[R_G_RAN], 1, "task G ran after its TSS was repaired");
    check_eq(modes_res[R_G_DS] & 0xffff, SEL_DATA, "task G: DS from the repaired TSS");
}

static void check_tasks(void)
{
    const struct tss32 *snap = &modes_tss_a_snap, *b = &modes_tss.t[T_B], *c = &modes_tss.t[T_C];
    check_eq(modes_res[R_TS_STR_A], SEL_TSS(T_A), "LTR/STR");
    check_eq(modes_res[R_TS_BUSY_A0], 0x8b, "LTR marks the TSS busy (type 0BH)");
    /* JMP A -> B */
    for (int r = 0; r < 8; r++)
        check_eq(modes_res[R_TS_B_EAX + r], r == 4 ? addr32(&task_stack[T_B][1024]) : 0xb0b0b001u + r,
                 "JMP task B: GPR loaded from TSS");
    check_eq(modes_res[R_TS_B_EFLAGS], TASK_B_EFLAGS, "JMP task B: EFLAGS from TSS, NT clear");
    check_eq(modes_res[R_TS_B_STR], SEL_TSS(T_B), "JMP task B: TR");
    check_eq(modes_res[R_TS_B_LDTR], SEL_LDT, "JMP task B: LDTR from TSS");
    check_eq(modes_res[R_TS_B_LDTREAD], LDT_MARK, "JMP task B: LDT selector usable");
    check_eq(modes_res[R_TS_B_CR3], addr32(pd32_b), "JMP task B: CR3 from TSS");
    check_eq(modes_res[R_TS_B_PAGE], PAGE_B_MARK, "JMP task B: translation uses the new CR3");
    check_bits(modes_res[R_TS_B_CR0], CR0_TS, CR0_TS, "JMP task B: CR0.TS set by the switch");
    check_eq(modes_res[R_TS_B_BUSY_A], 0, "JMP: old TSS not busy");
    check_eq(modes_res[R_TS_B_BUSY_B], 1, "JMP: new TSS busy");
    static const uint16_t segs[6] = {SEL_CODE32, SEL_DATA, SEL_DATA, SEL_DATA, 0, SEL_DATA};
    for (int s = 0; s < 6; s++)
        check_eq(modes_res[R_TS_B_SEGS + s] & 0xffff, segs[s], "JMP task B: CS SS DS ES FS GS from TSS");
    check_eq(snap->eip, addr32(modes_a_after_jmp), "JMP: old TSS EIP = next instruction");
    check_eq(snap->eflags, TASK_A_EFLAGS, "JMP: old TSS EFLAGS");
    for (int r = 0; r < 8; r++)
        if (r != 4)
            check_eq(snap->gpr[r], 0xa0a0a001u + r, "JMP: old TSS GPR saved");
    check_eq(snap->gpr[4], modes_res[R_TS_A_ESP0], "JMP: old TSS ESP saved");
    const uint16_t asel[6] = {snap->es, snap->cs, snap->ss, snap->ds, snap->fs, snap->gs};
    for (int s = 0; s < 6; s++)
        check_eq(asel[s], s == 1 ? SEL_CODE32 : SEL_DATA, "JMP: old TSS ES CS SS DS FS GS saved");
    check_eq(snap->link, LINK_POISON, "JMP: old TSS link untouched");
    check_eq(b->link, LINK_POISON, "JMP: new TSS link not written");
    check_eq(b->cr3, addr32(pd32_b), "task switch does not save CR3");
    check_eq(b->ldt, SEL_LDT, "task switch does not save the LDT selector");
    /* JMP B -> A */
    for (int r = 0; r < 8; r++)
        check_eq(modes_res[R_TS_A_RET + r], r == 4 ? modes_res[R_TS_A_ESP0] : 0xa0a0a001u + r,
                 "JMP back to A: GPRs restored");
    check_task_eflags(modes_res[R_TS_A_EFLAGS], TASK_A_EFLAGS, "JMP back to A: EFLAGS restored");
    check_eq(modes_res[R_TS_A_LDTR], 0, "JMP back to A: null LDTR from TSS");
    check_eq(modes_res[R_TS_A_BUSY_B], 0, "JMP back to A: B not busy");
    /* CALL A -> C, IRET back */
    check_task_eflags(modes_res[R_TS_C_EFLAGS], 2 | FL_NT, "CALL task C: EFLAGS from TSS with NT set");
    check_eq(modes_res[R_TS_C_LINK], SEL_TSS(T_A), "CALL task C: back link = A");
    check_eq(modes_res[R_TS_C_STR], SEL_TSS(T_C), "CALL task C: TR");
    check_eq(modes_res[R_TS_C_BUSY_A], 1, "CALL: old TSS stays busy");
    check_eq(modes_res[R_TS_C_BUSY_C], 1, "CALL: new TSS busy");
    check_bits(modes_res[R_TS_AC_EFLAGS], FL_NT, 0, "IRET back to A: NT clear");
    check_eq(modes_res[R_TS_AC_BUSY_A], 1, "IRET back to A: A busy");
    check_eq(modes_res[R_TS_AC_BUSY_C], 0, "IRET back to A: C not busy");
    check_bits(c->eflags, FL_NT, 0, "IRET: NT cleared in C's saved EFLAGS");
    check_eq(c->eip, addr32(modes_task_c_iret) + 1, "IRET: C's saved EIP = after IRET");
    /* task gates */
    check_eq(modes_res[R_TS_D_STR], SEL_TSS(T_D), "GDT task gate: TR = the gate's TSS");
    check_eq(modes_res[R_TS_D_LINK], SEL_TSS(T_A), "GDT task gate (CALL): back link");
    check_eq(modes_res[R_TS_E_STR], SEL_TSS(T_E), "IDT task gate (INT n): TR");
    check_eq(modes_res[R_TS_E_LINK], SEL_TSS(T_A), "IDT task gate (INT n): back link");
    check_eq(modes_res[R_TS_E_EFLAGS], 2 | FL_NT, "IDT task gate (INT n): EFLAGS from TSS with NT set");
    check_eq(modes_res[R_TS_F_STR], SEL_TSS(T_F), "#GP through a task gate: TR");
    check_eq(modes_res[R_TS_F_ERR], SEL_BEYOND, "#GP through a task gate: error code on the new stack");
    check_eq(modes_res[R_TS_F_ESP], addr32(&task_stack[T_F][1024]) - 4, "#GP through a task gate: ESP = TSS ESP - 4");
    check_eq(modes_res[R_TS_F_SAVED_EIP], addr32(modes_a_gp_insn), "#GP through a task gate: saved EIP = faulting insn");
    check_eq(modes_res[R_TS_AFTER_F], 0, "#GP through a task gate: A resumed where F said");
    check_new_task_fault();
    check_eq(modes_res[R_DF_STR], SEL_TSS(T_DF), "#NP while delivering #GP: #DF through a task gate");
    check_eq(modes_res[R_DF_ERR], 0, "#DF: error code 0 on the new task's stack");
    check_eq(modes_res[R_DF_ESP], addr32(&task_stack[T_DF][1024]) - 4, "#DF task: ESP = TSS ESP - 4");
    check_eq(modes_res[R_DF_LINK], SEL_TSS(T_A), "#DF task: back link = A");
    check_eq(modes_res[R_AFTER_DF], 0, "#DF task: A resumed where the handler said");
    check_task16();
    check_fault(R_TS_BUSYJMP, 13, SEL_TSS(T_A), "JMP to a busy TSS");
    check_fault(R_TS_SMALL, 10, SEL_TSS(T_SMALL), "JMP to a TSS with limit 60H");
    check_fault(R_TS_NP, 11, SEL_TSS_NP, "JMP to a not-present TSS");
    check_fault(R_TS_IRET_NB, 10, SEL_TSS(T_B), "IRET with NT to a TSS that is not busy");
}

static void check_v86_frame(const uint32_t *f, uint32_t eip, uint32_t esp, const char *what)
{
    static const char *const names[9] = {"EIP", "CS", "EFLAGS", "ESP", "SS", "ES", "DS", "FS", "GS"};
    for (int i = 0; i < 9; i++) {
        uint32_t want = i == 0 ? eip : i == 3 ? esp : LOW_SEG;
        if (i == 2)
            check_bits(f[i], FL_VM | FL_IOPL3, FL_VM | FL_IOPL3, what);
        else
            report((f[i] & (i == 0 || i == 3 ? ~0u : 0xffffu)) == want, "%s: %s = %#x (got %#x)", what, names[i],
                   want, f[i]);
    }
}

/* A #GP(0) from virtual-8086 mode caught through IDT[13]: vector, error code, EIP, CS, EFLAGS. */
static void check_v86_gp(unsigned slot, const char *insn, uint32_t iopl, const char *what)
{
    const uint32_t *r = &modes_res[slot];
    report(r[0] == 13 && r[1] == 0, "%s: #GP(0) (got vector %d, error %#x)", what, (int)r[0], r[1]);
    check_eq(r[2], low_off(insn), "v86 #GP: EIP of the faulting instruction");
    check_eq(r[3] & 0xffff, LOW_SEG, "v86 #GP: CS");
    check_bits(r[4], FL_VM | FL_IOPL3, FL_VM | iopl, "v86 #GP: EFLAGS VM and IOPL");
}

static void check_ring3(void)
{
    check_fault(R_R3_INT_DPL, 13, 13 * 8 + 2, "INT 13 at CPL 3 through a DPL 0 gate");
    const uint32_t *g = &modes_res[R_GATE_FRAME];
    check_eq(modes_res[R_R3_DS] & 0xffff, 0, "IRET to CPL 3: DS with a DPL 0 descriptor nulled");
    check_eq(modes_res[R_R3_ES] & 0xffff, SEL_DATA_R3 | 3, "IRET to CPL 3: ES with a DPL 3 descriptor kept");
    check_eq(modes_res[R_R3_CS] & 0xffff, SEL_CODE32_R3 | 3, "IRET to CPL 3: CS");
    check_eq(g[0], addr32(modes_r3_after_lcall), "call gate CPL 3 -> 0: pushed EIP");
    check_eq(g[1] & 0xffff, SEL_CODE32_R3 | 3, "call gate: pushed CS");
    check_eq(g[2], 0x11111111, "call gate: parameter at the caller's ESP copied first");
    check_eq(g[3], 0x22222222, "call gate: second parameter copied");
    check_eq(g[4], modes_res[R_GATE_R3_ESP], "call gate: pushed caller ESP");
    check_eq(g[5] & 0xffff, SEL_DATA_R3 | 3, "call gate: pushed caller SS");
    check_eq(modes_res[R_R3_RETF_ESP], modes_res[R_GATE_R3_ESP] + 8, "RETF 8 to CPL 3: parameters released");
    check_eq(modes_res[R_R3_RETF_DS] & 0xffff, 0, "RETF to CPL 3: DS with a DPL 0 descriptor nulled");
    check_eq(modes_res[R_R3_RETF_ES] & 0xffff, 0, "RETF to CPL 3: ES with a DPL 0 descriptor nulled");
    check_bits(modes_res[R_LAR_TSS], 0x00f0ff00, 0x8b00, "LAR of a busy 32-bit TSS");
    check_eq(modes_res[R_LAR_TSS + 1], 1, "LAR of a busy 32-bit TSS: ZF");
    check_eq(modes_res[R_LSL_SMALL], 0x60, "LSL of a TSS with limit 60H");
    check_eq(modes_res[R_LSL_SMALL + 1], 1, "LSL of a TSS: ZF");
    check_bits(modes_res[R_LAR_GATE], 0x00f0ff00, 0x8500, "LAR of a task gate");
    check_eq(modes_res[R_LAR_GATE + 1], 1, "LAR of a task gate: ZF");
    check_eq(modes_res[R_LSL_GATE + 1], 0, "LSL of a task gate: ZF clear (not valid for LSL)");
    check_eq(modes_res[R_LSL_GATE], 0, "LSL of a task gate: destination unchanged");
}

static void check_v86(void)
{
    check_eq(res16(R16_V86T_MARK), 0x7a5c, "JMP to a TSS with EFLAGS.VM: task runs in v86, DS = 7000H");
    check_v86_frame(&modes_res[R_V86T_FRAME], low_off(modes_v86_task_after_int), LOW_V86T_SP, "v86 task INT n frame");
    check_eq(modes_res[R_V86T_STR], SEL_TSS(T_V), "v86 task: TR");
    check_eq(modes_res[R_V86T_BUSY_A], 0, "v86 task (JMP): TSS A not busy");
    check_eq(modes_res[R_V86T_BUSY_V], 0, "JMP back from the v86 task: TSS V not busy");
    check_eq(res16(R16_V86_MARK), 0x5a5a, "v86: entered by IRET, DS = 7000H");
    check_eq(res16(R16_V86_AFTER), 0x6b6b, "v86: IRET from the ring-0 handler returned to v86");
    check_v86_frame(&modes_res[R_V86_FRAME], low_off(modes_v86_after_int), LOW_V86_SP, "v86 INT n frame");
    check_eq(modes_res[R_V86_HDS] & 0xffff, 0, "v86 INT n: DS null in the ring-0 handler");
    check_eq(modes_res[R_V86_HEFLAGS], FL_IOPL3 | 2, "v86 INT n: handler EFLAGS: VM IF TF NT RF clear, IOPL kept");
    check_v86_gp(R_V86_GP, modes_v86_cli, 0, "v86 CLI with IOPL 0");
    check_v86_gp(R_V86_GP_INT, modes_v86_int_insn, 0, "v86 INT n with IOPL 0");
    check_eq(res16(R16_V86_IO_OK), 0x10c, "v86 IN from a port the TSS I/O bitmap allows");
    check_v86_gp(R_V86_GP_IO, modes_v86_io_insn, FL_IOPL3, "v86 IN from a port the bitmap denies, IOPL 3");
}

/* Mode-control writes that must fault in 64-bit mode (SDM 2A "MOV to CR", 2B "WRMSR";
 * SDM 3A §10.8.5): the runtime's #GP handler resumes after the instruction. */
static volatile uint64_t lm_fix_rip, lm_vec, lm_err;

static void lm_on_gp(struct exc_frame *f)
{
    lm_vec = f->vector;
    lm_err = f->error;
    f->rip = lm_fix_rip;
}

static void check_lm_faults(void)
{
    if (guest_on_qemu_tcg()) {
        /* TCG accepts all three writes (seen: PG and LMA cleared under 64-bit code, which then
         * runs astray; EFER.LME cleared with paging on). */
        report_skip("IA-32e mode: clearing CR0.PG, CR4.PAE or EFER.LME -> #GP(0) (QEMU TCG does not fault)");
        return;
    }
    uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer = rdmsr(0xc0000080);
    guest_set_handler(13, lm_on_gp);
    lm_vec = ~0ull;
    __asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, %0; mov %1, %%cr0; 1:"
                     : "=m"(lm_fix_rip) : "r"(cr0 & ~(uint64_t)CR0_PG) : "rax", "memory");
    report(lm_vec == 13 && lm_err == 0, "64-bit mode: clearing CR0.PG -> #GP(0)");
    lm_vec = ~0ull;
    __asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, %0; mov %1, %%cr4; 1:"
                     : "=m"(lm_fix_rip) : "r"(cr4 & ~(uint64_t)CR4_PAE) : "rax", "memory");
    report(lm_vec == 13 && lm_err == 0, "IA-32e mode: clearing CR4.PAE -> #GP(0)");
    lm_vec = ~0ull;
    __asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, %0; wrmsr; 1:"
                     : "=m"(lm_fix_rip) : "c"(0xc0000080), "a"((uint32_t)(efer & ~(uint64_t)EFER_LME)),
                       "d"((uint32_t)(efer >> 32)) : "memory");
    report(lm_vec == 13 && lm_err == 0, "paging on: clearing EFER.LME -> #GP(0)");
    guest_set_handler(13, NULL);
    report(read_cr0() == cr0 && read_cr4() == cr4 && rdmsr(0xc0000080) == efer, "CR0, CR4, EFER unchanged");
}

/* A task switch into a TSS with T = 1 (SDM 3A §8.2.1, SDM 3B §18.2.3). */
static void check_tss_trap(void)
{
    check_eq(modes_res[R_TT_RAN], 1, "TSS T bit: the new task ran");
    if (guest_on_qemu_tcg()) {   /* seen: no #DB at all */
        report_skip("TSS T bit: #DB with DR6.BT before the new task's first instruction (QEMU TCG raises none)");
        return;
    }
    check_bits(modes_res[R_TT_DR6], DR6_BT | DR6_BS | 0xf, DR6_BT, "TSS T bit: #DB with DR6.BT (BS, B0-B3 clear)");
    check_eq(modes_res[R_TT_STR], SEL_TSS(T_T), "TSS T bit: #DB taken in the new task");
    check_eq(modes_res[R_TT_EIP], addr32(modes_task_t), "TSS T bit: pushed EIP = the new task's first instruction");
    check_eq(modes_res[R_TT_RAN_AT_DB], 0, "TSS T bit: #DB before the new task's first instruction");
}

/* 16-bit interrupt and trap gates from CPL 3 to CPL 0 (SDM 3A §6.12.1, Figure 6-4). */
static void check_gates16(void)
{
    static const char *const names[5] = {"IP", "CS", "FLAGS", "SP", "SS"};
    const uint32_t want[5] = {low_off(modes_g16_after_int), SEL_CODE16_R3 | 3, 0, LOW_G16_SP, SEL_DATA16_R3 | 3};
    uint32_t esp0 = modes_tss.t[T_A].esp0;
    check_eq(res16(R16_G16_R3_SP), LOW_G16_SP, "16-bit gates: CPL 3 SP before INT n");
    for (int i = 0; i < 5; i++) {
        if (i == 2)
            check_bits(res16(R16_G16_FRAME + 2), 0xffff0000u | FL_IF | FL_IOPL3, FL_IF,
                       "16-bit interrupt gate: pushed FLAGS (a word, IF set)");
        else
            report(res16(R16_G16_FRAME + i) == want[i], "16-bit interrupt gate: pushed %s = %#x (got %#x)", names[i],
                   want[i], res16(R16_G16_FRAME + i));
    }
    check_eq(res16(R16_G16_ESP), esp0 - 10, "16-bit interrupt gate: ESP = TSS ESP0 - 10 (five words)");
    check_bits(res16(R16_G16_HFLAGS), FL_IF | FL_TF | FL_NT, 0, "16-bit interrupt gate: IF TF NT clear in the handler");
    check_eq(res16(R16_G16_HCS), SEL_CODE16, "16-bit interrupt gate: CS = the gate's selector (CPL 0)");
    check_eq(res16(R16_G16_AFTER_SP), LOW_G16_SP, "16-bit IRET to CPL 3: SP restored");
    check_bits(res16(R16_G16_AFTER_FLAGS), FL_IF, FL_IF, "16-bit IRET to CPL 3: IF restored");
    check_eq(res16(R16_G16_AFTER_CS), SEL_CODE16_R3 | 3, "16-bit IRET to CPL 3: CS");
    check_bits(res16(R16_G16_TFLAGS), FL_IF, FL_IF, "16-bit trap gate: IF kept in the handler");
    check_eq(res16(R16_G16_TESP), esp0 - 10, "16-bit trap gate: ESP = TSS ESP0 - 10");
}

/* SYSENTER/SYSEXIT in legacy protected mode; SYSCALL/SYSRET outside 64-bit mode. */
static void check_sysenter(void)
{
    check_fault(R_SE_CS0, 13, 0, "SYSENTER with IA32_SYSENTER_CS = 0");
    check_eq(modes_res[R_SE_R3] & 0xffff, SEL_SYS_CODE3 | 3, "SYSEXIT: CS = SYSENTER_CS + 16, RPL 3");
    check_eq(modes_res[R_SE_R3 + 1] & 0xffff, SEL_SYS_DATA3 | 3, "SYSEXIT: SS = SYSENTER_CS + 24, RPL 3");
    check_eq(modes_res[R_SE_R3 + 2], addr32(modes_sysexit_esp), "SYSEXIT: ESP = ECX");
    check_eq(modes_res[R_SE_R3 + 3], 4, "SYSEXIT: 48H before it is DEC EAX (no REX.W outside 64-bit mode)");
    check_fault(R_SE_SYSEXIT_R3, 13, 0, "SYSEXIT at CPL 3");
    check_eq(modes_res[R_SE_CS] & 0xffff, SEL_SYS_CODE0, "SYSENTER: CS = SYSENTER_CS");
    check_eq(modes_res[R_SE_CS + 1] & 0xffff, SEL_SYS_DATA0, "SYSENTER: SS = SYSENTER_CS + 8");
    check_eq(modes_res[R_SE_CS + 2], addr32(modes_sysenter_esp), "SYSENTER: ESP = IA32_SYSENTER_ESP");
    check_bits(modes_res[R_SE_CS + 3], FL_VM | FL_IF | (1u << 16), 0, "SYSENTER: VM IF RF clear");
    if (!modes_try_syscall) {   /* TCG, seen with -cpu Nehalem: SYSCALL runs, to CS = STAR[47:32] */
        report_skip("SYSCALL/SYSRET outside 64-bit mode -> #UD: Intel only (AMD runs them in legacy mode), "
                    "not QEMU TCG (runs them for an Intel model too)");
        return;
    }
    check_fault(R_SYSCALL_PM, 6, 0, "SYSCALL in legacy protected mode (Intel, EFER.SCE = 1)");
    check_fault(R_SYSRET_PM, 6, 0, "SYSRET in legacy protected mode (Intel, EFER.SCE = 1)");
}

/* LMSW/SMSW (SDM 2A "LMSW", 2B "SMSW"), in protected and real mode. */
static void check_msw(void)
{
    uint32_t cr0 = modes_res[R_MSW_CR0];
    check_eq(modes_res[R_SMSW_R16], 0xdead0000u | (cr0 & 0xffff), "SMSW r16: AX = CR0[15:0], upper EAX kept");
    check_eq(modes_res[R_SMSW_R32] & 0xffff, cr0 & 0xffff, "SMSW r32: low word = CR0[15:0]");
    check_eq(modes_res[R_SMSW_M16], 0xffff0000u | (cr0 & 0xffff), "SMSW m16: two bytes written");
    check_eq(modes_res[R_LMSW_SET], cr0 | CR0_MP | CR0_EM | CR0_TS, "LMSW: sets MP EM TS; PE 0 does not clear PE");
    check_eq(modes_res[R_LMSW_CLR], (cr0 & ~(CR0_MP | CR0_EM | CR0_TS)) | CR0_PE,
             "LMSW FFF0H: clears MP EM TS, CR0 bits 15:4 unchanged");
    check_bits(res16(R16_RM_SMSW), 0xffff0001u, 0xdead0000u, "real mode SMSW r16: PE 0, upper EAX kept");
    check_bits(res16(R16_RM_LMSW_TS), 0xffff0009u, 0xffff0008u, "real mode LMSW: TS set, PE still 0 (SMSW m16)");
    check_bits(modes_res[R_PMB_CR0], CR0_TS | CR0_PE, CR0_PE, "real mode: LMSW set PE (CLTS before)");
}

/* CR4.PSE = 0: PS of a PDE is ignored (SDM 3A §4.3). */
static void check_pse_off(void)
{
    volatile uint32_t *pa4m = (volatile uint32_t *)(uintptr_t)PA_4M;
    check_eq(modes_res[R_PSE1_READ], PSE_MARK_4M, "CR4.PSE = 1: PDE with PS maps a 4 MiB page");
    check_bits(modes_res[R_PSE0_CR4], CR4_PSE, 0, "CR4.PSE cleared under 32-bit paging");
    check_eq(modes_res[R_PSE0_READ], PSE_MARK_PT, "CR4.PSE = 0: PS ignored, the PDE names a page table");
    check_bits(pa4m[1], PTE_A, PTE_A, "CR4.PSE = 0: A set in the PTE read from that table");
    check_fault(R_PSE0_NP, 14, 0, "CR4.PSE = 0: PTE 0 of that table not present");
    check_eq(modes_res[R_PSE0_NP_CR2], VA_4M + 0x10, "CR4.PSE = 0 #PF: CR2");
    check_bits(modes_pd_nopse[VA_4M >> 22], PDE_PS | PTE_A | PTE_D, PDE_PS | PTE_A,
               "CR4.PSE = 0: the PDE keeps PS, gets A (no D)");
}

/* Real mode: words popped across the SS limit (SDM 2A "POP", "IRET" real-address mode). */
static void check_rm_stack(void)
{
    if (guest_on_qemu_tcg()) {
        report_skip("real mode: #SS for a pop across the SS limit (QEMU TCG does not check segment limits)");
        return;
    }
    check_eq(res16(R16_RM_SS_POP), 12, "real mode: POP at SP = FFFFH -> interrupt 12 through the IVT");
    check_eq(res16(R16_RM_SS_POP + 1), low_off(modes_rm_ss_pop), "real mode POP #SS: pushed IP = the POP");
    check_eq(res16(R16_RM_SS_IRET), 12, "real mode: IRET with FLAGS across FFFFH -> interrupt 12");
    check_eq(res16(R16_RM_SS_IRET + 1), low_off(modes_rm_ss_iret), "real mode IRET #SS: pushed IP = the IRET");
}

/* CR4.VME is not modelled: CPUID must not advertise VME (PVI depends on it too), and MOV CR4
 * with VME or PVI is #GP(0) like a reserved bit (SDM 3A §2.5 "CR4"). */
static void check_no_vme(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    if (d & 2) {
        report_skip("CR4.VME/PVI #GP without the VME feature: this processor advertises VME");
        return;
    }
    if (guest_on_qemu_tcg()) {   /* seen: both bits accepted with CPUID.01H:EDX.VME = 0 */
        report_skip("MOV CR4 with VME or PVI and no VME feature -> #GP(0) (QEMU TCG accepts both bits)");
        return;
    }
    uint64_t cr4 = read_cr4();
    guest_set_handler(13, lm_on_gp);
    for (uint64_t bit = 1; bit <= 2; bit <<= 1) {
        lm_vec = ~0ull;
        __asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, %0; mov %1, %%cr4; 1:"
                         : "=m"(lm_fix_rip) : "r"(cr4 | bit) : "rax", "memory");
        report(lm_vec == 13 && lm_err == 0, "MOV CR4 with %s, no VME in CPUID -> #GP(0)", bit == 1 ? "VME" : "PVI");
    }
    guest_set_handler(13, NULL);
    check_eq((uint32_t)read_cr4(), (uint32_t)cr4, "CR4 unchanged after the VME/PVI writes");
}

int main(void)
{
    uint32_t cr0 = (uint32_t)read_cr0(), cr4 = (uint32_t)read_cr4();
    check_lm_faults();
    report(modes_low_end - modes_low_begin <= LOW_RES, "16-bit code (%ld bytes) fits below its results",
           (long)(modes_low_end - modes_low_begin));
    modes_on_tcg = guest_on_qemu_tcg();
    uint32_t a = 0, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    modes_try_syscall = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e && !modes_on_tcg;   /* GenuineIntel */
    build_tables();
    guest_set_handler(VEC_COMPAT, on_compat_int);
    modes_run();
    guest_set_handler(VEC_COMPAT, NULL);
    check_modes(cr4);
    check_segmentation();
    check_paging();
    check_tasks();
    check_v86();
    check_ring3();
    check_tss_trap();
    check_gates16();
    check_sysenter();
    check_msw();
    check_pse_off();
    check_rm_stack();
    check_no_vme();
    check_eq((uint32_t)read_cr0(), cr0, "CR0 restored in long mode");
    return report_summary();
}
