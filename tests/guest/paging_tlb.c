/* tests/guest/paging_tlb.c — TLB invalidation scopes (SDM 3A §4.10.4: INVLPG of small and
 * large pages, MOV CR3 with and without PCIDs, global pages, CR4.PGE, INVPCID types 0-3):
 * what the SDM guarantees always, hvsim's documented TLB model when told the mode. */
#include "paging_env.h"

#define PAGE_A TEST_BASE
#define PAGE_B (TEST_BASE + 0x1000)

static uint64_t value_of(unsigned p) { return 0xa0a0a0a000000000ull | p; }

/* Map A (pg_t_pt[0]) and B (pg_t_pt[1]) to data pages pa, pb (1..3), A global if ga. */
static void map_ab(unsigned pa, unsigned pb, bool ga)
{
    pg_t_pt[0] = (uintptr_t)pg_data[pa] | PTE_P | PTE_W | PTE_A | PTE_D | (ga ? PTE_G : 0);
    pg_t_pt[1] = (uintptr_t)pg_data[pb] | PTE_P | PTE_W | PTE_A | PTE_D;
}

static uint64_t rd(uint64_t page) { return pg_kread(page + 8); }

static void tlb_setup(void)
{
    for (unsigned p = 1; p < 4; p++)
        ((volatile uint64_t *)pg_data[p])[1] = value_of(p);
    pg_kpml4[1] = (uintptr_t)pg_t_pdpt | PTE_P | PTE_W | PTE_A;
    pg_t_pdpt[0] = (uintptr_t)pg_t_pd | PTE_P | PTE_W | PTE_A;
    pg_t_pd[0] = (uintptr_t)pg_t_pt | PTE_P | PTE_W | PTE_A;
}

/* A flush of everything including global entries (CR4.PGE toggled, SDM 3A §4.10.4.1). */
static void flush_all(void)
{
    uint64_t cr4 = read_cr4();
    write_cr4(cr4 ^ CR4_PGE);
    write_cr4(cr4);
}

/* A read the SDM decides: the new mapping must be used. */
static void must_be_new(const char *what, uint64_t got, unsigned newp)
{
    report(got == value_of(newp), "%s: read %#llx, the new mapping's %#llx (SDM guarantees)", what,
           (unsigned long long)got, (unsigned long long)value_of(newp));
}

/* A read the SDM leaves open (the stale translation may or may not be used): checked against
 * hvsim's documented TLB model — exact scopes under tlb=normal/strict keep the stale entry;
 * tlb=flush keeps it only when no MOV CR3 / INVLPG / INVPCID came since (flush_drops). */
static void model(const char *what, uint64_t got, unsigned oldp, unsigned newp, bool flush_drops)
{
    if (pg_env.tlb == TLB_UNKNOWN) {
        report_skip("%s: read %#llx (old %#llx, new %#llx): either is architectural; hvsim's model "
                    "is checked with -append tlb=MODE", what, (unsigned long long)got,
                    (unsigned long long)value_of(oldp), (unsigned long long)value_of(newp));
        return;
    }
    unsigned want = pg_env.tlb == TLB_EXACT || !flush_drops ? oldp : newp;
    report(got == value_of(want), "%s: read %#llx, want %s %#llx (hvsim tlb=%s model)", what,
           (unsigned long long)got, want == oldp ? "stale" : "new", (unsigned long long)value_of(want),
           pg_env.tlb == TLB_EXACT ? "normal/strict" : "flush");
}

/* A -> page 1 (global if ga), B -> page 2, both read into the TLB; then both PTEs point to
 * page 3, with no invalidation. */
static void cache_ab_then_remap(bool ga)
{
    tlb_setup();
    map_ab(1, 2, ga);
    flush_all();
    (void)rd(PAGE_A);
    (void)rd(PAGE_B);
    map_ab(3, 3, ga);
}

static void tlb_invlpg(void)
{
    cache_ab_then_remap(false);
    model("PTE changed, no invalidation: A", rd(PAGE_A), 1, 3, false);
    invlpg((void *)PAGE_A);
    must_be_new("INVLPG A, then A", rd(PAGE_A), 3);
    model("INVLPG A, then B (not in its scope)", rd(PAGE_B), 2, 3, true);
    invlpg((void *)(PAGE_B + 0xff8));
    must_be_new("INVLPG of B's last qword, then B", rd(PAGE_B), 3);
}

/* INVLPG of any address in a 2 MiB page drops every TLB entry of that page (SDM 3A
 * §4.10.4.1), also ones a processor made for other 4 KiB pieces of it (§4.10.2.3). The PDE
 * moves from the 2 MiB frame holding pg_data to one 4 MiB above (RAM this test does not
 * otherwise use). */
static void tlb_invlpg_large(void)
{
    uint64_t f1 = (uintptr_t)pg_data[1] & ~0x1fffffull, f2 = f1 + 0x400000, off = (uintptr_t)pg_data[1] & 0x1fffff;
    uint64_t la = TEST_BASE + 0x200000 + off;
    volatile uint64_t *alt = (volatile uint64_t *)(uintptr_t)(f2 + off);
    alt[1] = value_of(5);
    alt[512 + 1] = value_of(6);
    tlb_setup();
    pg_t_pd[1] = f1 | PTE_PS | PTE_P | PTE_W | PTE_A | PTE_D;
    invlpg((void *)la);
    (void)rd(la);
    (void)rd(la + 0x1000);
    pg_t_pd[1] = f2 | PTE_PS | PTE_P | PTE_W | PTE_A | PTE_D;
    model("2 MiB PDE changed, no invalidation: second 4 KiB of it", rd(la + 0x1000), 2, 6, false);
    invlpg((void *)(la + 0x1000));
    must_be_new("INVLPG of one 4 KiB piece of a 2 MiB page, then another piece", rd(la), 5);
    must_be_new("... and the piece INVLPG named", rd(la + 0x1000), 6);
    pg_t_pd[1] = 0;
    invlpg((void *)la);
}

/* Many large-page translations cached at once (256 2 MiB pages at distinct 4 KiB offsets, so
 * they occupy distinct slots of a direct-mapped TLB; more than hvsim's 128-slot list of
 * large entries, mmu/tlb.c): INVLPG of one still drops exactly that page. Every PDE maps the
 * 2 MiB frame holding this image, page k is read at offset k * 4 KiB + 8; then PDE k moves
 * to the frame 4 MiB up, where this test wrote markers. */
#define NLARGE 256
static void tlb_invlpg_many_large(void)
{
    static uint64_t old[NLARGE];
    uint64_t f1 = (uintptr_t)pg_data[1] & ~0x1fffffull, f2 = f1 + 0x400000;
    const unsigned probe[] = {0, 1, 127, 128, 129, 200, 255};
    tlb_setup();
    for (unsigned k = 0; k < NLARGE; k++) {
        pg_t_pd[k] = f1 | PTE_PS | PTE_P | PTE_W | PTE_A | PTE_D;
        ((volatile uint64_t *)(uintptr_t)(f2 + k * 0x1000ull))[1] = 0x5a5a000000000000ull | k;
    }
    write_cr3(read_cr3());
    for (unsigned k = 0; k < NLARGE; k++)
        old[k] = rd(TEST_BASE + k * 0x200000ull + k * 0x1000ull);
    unsigned bad = 0, stale_bad = 0;
    for (unsigned i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        unsigned k = probe[i];
        uint64_t la = TEST_BASE + k * 0x200000ull + k * 0x1000ull;
        pg_t_pd[k] = f2 | PTE_PS | PTE_P | PTE_W | PTE_A | PTE_D;
        invlpg((void *)(TEST_BASE + k * 0x200000ull + 0x1ff000));   /* another 4 KiB piece */
        if (rd(la) != (0x5a5a000000000000ull | k))
            bad++;
        /* The next probe's page is changed too, without invalidation: hvsim keeps it. */
        unsigned j = probe[(i + 1) % (sizeof probe / sizeof probe[0])];
        if (j > k) {
            pg_t_pd[j] = f2 | PTE_PS | PTE_P | PTE_W | PTE_A | PTE_D;
            uint64_t want = pg_env.tlb == TLB_FLUSHES ? 0x5a5a000000000000ull | j : old[j];   /* flush: INVLPG drops all */
            stale_bad += rd(TEST_BASE + j * 0x200000ull + j * 0x1000ull) != want;
            pg_t_pd[j] = f1 | PTE_PS | PTE_P | PTE_W | PTE_A | PTE_D;
        }
    }
    report(!bad, "INVLPG with 256 large-page translations cached: the page it names is dropped (%u of %u probes wrong)",
           bad, (unsigned)(sizeof probe / sizeof probe[0]));
    if (pg_env.tlb == TLB_UNKNOWN)
        report_skip("256 large-page translations: the others kept (hvsim's model; checked with -append tlb=MODE)");
    else
        report(!stale_bad, "256 large-page translations: the others %s after those INVLPGs (hvsim tlb model; %u wrong)",
               pg_env.tlb == TLB_FLUSHES ? "dropped too" : "still cached", stale_bad);
    for (unsigned k = 0; k < NLARGE; k++)
        pg_t_pd[k] = 0;
    write_cr3(read_cr3());
}

static void tlb_global(void)
{
    uint64_t cr4 = read_cr4();
    write_cr4(cr4 | CR4_PGE);
    cache_ab_then_remap(true);
    write_cr3(read_cr3());
    must_be_new("global A, non-global B; MOV CR3, then B", rd(PAGE_B), 3);
    model("MOV CR3, then global A (global entries are not invalidated)", rd(PAGE_A), 1, 3, true);
    write_cr4(cr4 & ~CR4_PGE);
    write_cr4(cr4 | CR4_PGE);
    must_be_new("CR4.PGE toggled, then global A", rd(PAGE_A), 3);
    map_ab(1, 2, true);
    invlpg((void *)PAGE_A);
    (void)rd(PAGE_A);
    map_ab(2, 2, true);
    invlpg((void *)PAGE_A);
    must_be_new("INVLPG of a global page, then it", rd(PAGE_A), 2);
    write_cr4(cr4);
}

static uint64_t pcid_cr3(unsigned pcid, bool noflush)
{
    return (uintptr_t)pg_kpml4 | pcid | (noflush ? 1ull << 63 : 0);
}

/* Read page under PCID pcid, switched to without flushing (CR3 bit 63). */
static uint64_t look(unsigned pcid, uint64_t page)
{
    write_cr3(pcid_cr3(pcid, true));
    return rd(page);
}

/* hvsim's TLB keeps one entry per linear page (and VPID) whatever the PCID (mmu/tlb.h
 * tlb_index), so the PCID checks of the model keep each page under one PCID: a fill of the
 * same page under another PCID replaces the entry, which the architecture allows. */
static void tlb_pcid(void)
{
    if (!pg_env.pcid) {
        report_skip("PCID: CPUID.01H:ECX.PCID = 0");
        return;
    }
    uint64_t cr4 = read_cr4();
    write_cr4(cr4 | CR4_PCIDE);
    tlb_setup();
    map_ab(1, 2, false);
    write_cr3(pcid_cr3(1, false));
    (void)rd(PAGE_A);
    (void)look(2, PAGE_B);
    map_ab(3, 3, false);
    model("PCID 1 cached A, PCID 2 cached B, PTEs changed; back to PCID 1 with CR3 bit 63 (no flush): A",
          look(1, PAGE_A), 1, 3, false);
    write_cr3(pcid_cr3(1, false));
    must_be_new("MOV CR3 to PCID 1 without bit 63, then A", rd(PAGE_A), 3);
    model("PCID 2's entries survive PCID 1's flush: B under PCID 2", look(2, PAGE_B), 2, 3, true);
    map_ab(1, 1, false);
    invlpg((void *)PAGE_A);   /* PCID 2's A, if any */
    write_cr3(pcid_cr3(1, false));
    (void)rd(PAGE_B);
    map_ab(2, 2, false);
    must_be_new("PCID 1 cached B; PTE changed; PCID 3 (never used): B", look(3, PAGE_B), 2);
    write_cr3((uintptr_t)pg_kpml4);
    write_cr4(cr4);
}

struct invpcid_desc { uint64_t pcid, la; };
static void invpcid(unsigned type, unsigned pcid, uint64_t la)
{
    struct invpcid_desc d = {pcid, la};
    __asm__ volatile("invpcid %0, %1" ::"m"(d), "r"((uint64_t)type) : "memory");
}

#define PAGE_C (TEST_BASE + 0x2000)

/* PCID 1 caches A (global if ga) -> page 1 and B -> page 2, PCID 2 caches C -> page 1; then
 * every PTE points to page 3. */
static void invpcid_setup(bool ga)
{
    map_ab(1, 2, ga);
    pg_t_pt[2] = (uintptr_t)pg_data[1] | PTE_P | PTE_W | PTE_A | PTE_D;
    flush_all();
    (void)look(1, PAGE_A);
    (void)look(1, PAGE_B);
    (void)look(2, PAGE_C);
    map_ab(3, 3, ga);
    pg_t_pt[2] = (uintptr_t)pg_data[3] | PTE_P | PTE_W | PTE_A | PTE_D;
}

static void tlb_invpcid(void)
{
    if (!pg_env.pcid || !pg_env.invpcid) {
        report_skip("INVPCID: CPUID.(EAX=7,ECX=0):EBX.INVPCID = 0 (or no PCID)");
        return;
    }
    uint64_t cr4 = read_cr4();
    write_cr4(cr4 | CR4_PCIDE | CR4_PGE);
    tlb_setup();

    invpcid_setup(false);
    invpcid(0, 2, PAGE_A);
    model("INVPCID 0 (PCID 2, A) leaves PCID 1's A", look(1, PAGE_A), 1, 3, true);
    invpcid(0, 1, PAGE_A);
    must_be_new("INVPCID 0 (PCID 1, A): A under PCID 1", look(1, PAGE_A), 3);
    model("INVPCID 0 (PCID 1, A): B under PCID 1", look(1, PAGE_B), 2, 3, true);
    model("INVPCID 0 (PCID 1, A): C under PCID 2", look(2, PAGE_C), 1, 3, true);

    invpcid_setup(true);
    invpcid(0, 1, PAGE_A);
    model("INVPCID 0 (PCID 1, A) keeps global A", look(1, PAGE_A), 1, 3, true);

    invpcid_setup(false);
    invpcid(1, 1, 0);
    must_be_new("INVPCID 1 (PCID 1): A under PCID 1", look(1, PAGE_A), 3);
    must_be_new("INVPCID 1 (PCID 1): B under PCID 1", look(1, PAGE_B), 3);
    model("INVPCID 1 (PCID 1): C under PCID 2", look(2, PAGE_C), 1, 3, true);

    invpcid_setup(true);
    invpcid(1, 1, 0);
    model("INVPCID 1 (PCID 1) keeps global A", look(1, PAGE_A), 1, 3, true);
    must_be_new("INVPCID 1 (PCID 1) drops non-global B", look(1, PAGE_B), 3);

    invpcid_setup(true);
    invpcid(2, 0, 0);
    must_be_new("INVPCID 2 (everything, globals too): global A under PCID 1", look(1, PAGE_A), 3);
    must_be_new("INVPCID 2: C under PCID 2", look(2, PAGE_C), 3);

    invpcid_setup(true);
    invpcid(3, 0, 0);
    must_be_new("INVPCID 3 (everything but globals): B under PCID 1", look(1, PAGE_B), 3);
    must_be_new("INVPCID 3: C under PCID 2", look(2, PAGE_C), 3);
    model("INVPCID 3 keeps global A", look(1, PAGE_A), 1, 3, true);

    write_cr3((uintptr_t)pg_kpml4);
    write_cr4(cr4);
}

/* #GP probes: the instruction runs with R11 = where to resume; the handler counts. */
static volatile unsigned gp_count;
static void gp_handler(struct exc_frame *f)
{
    gp_count++;
    f->rip = f->r11;
}

static bool invpcid_gp(unsigned type, uint64_t pcid, uint64_t la)
{
    struct invpcid_desc d = {pcid, la};
    unsigned before = gp_count;
    __asm__ volatile("lea 1f(%%rip), %%r11; invpcid %0, %1; 1:" ::"m"(d), "r"((uint64_t)type) : "r11", "memory");
    return gp_count != before;
}

static bool write_cr4_gp(uint64_t v)
{
    unsigned before = gp_count;
    __asm__ volatile("lea 1f(%%rip), %%r11; mov %0, %%cr4; 1:" ::"r"(v) : "r11", "memory");
    return gp_count != before;
}

/* The operand checks of INVPCID (SDM 2A "INVPCID": #GP(0) for a type above 3, descriptor
 * bits 63:12, a non-canonical address for type 0, a PCID other than 0 for types 0/1 with
 * CR4.PCIDE = 0), of MOV to CR4 setting PCIDE with CR3[11:0] != 0 (SDM 3A §4.10.1), that
 * MOV to CR3 does not store bit 63 and faults on a bit at MAXPHYADDR or above, and that
 * INVLPG of a non-canonical address is a no-op (SDM 2A "INVLPG"). */
static void tlb_operand_checks(void)
{
    guest_set_handler(13, gp_handler);
    uint64_t cr4 = read_cr4();
    unsigned bad = 0, n = 0;
#define EXPECT(cond, what) do { n++; if (!(cond)) { bad++; guest_printf("  mismatch: %s\n", what); } } while (0)
    const uint64_t noncanon = 0x0000800000000000ull;
    if (pg_env.pcid && pg_env.invpcid) {
        EXPECT(invpcid_gp(4, 0, 0), "INVPCID type 4: #GP");
        EXPECT(invpcid_gp(0xffffffff, 0, 0), "INVPCID type 0xffffffff: #GP");
        EXPECT(invpcid_gp(1, 1ull << 12, 0), "INVPCID descriptor bit 12: #GP");
        EXPECT(invpcid_gp(0, 0, noncanon), "INVPCID type 0, non-canonical address: #GP");
        EXPECT(invpcid_gp(0, 1, PAGE_A), "INVPCID type 0, PCID 1 with CR4.PCIDE = 0: #GP");
        EXPECT(invpcid_gp(1, 5, 0), "INVPCID type 1, PCID 5 with CR4.PCIDE = 0: #GP");
        EXPECT(!invpcid_gp(0, 0, PAGE_A), "INVPCID type 0, PCID 0: no #GP");
        EXPECT(!invpcid_gp(1, 0, 0), "INVPCID type 1, PCID 0: no #GP");
        EXPECT(!invpcid_gp(2, 7, 0), "INVPCID type 2 ignores the PCID: no #GP");
        EXPECT(!invpcid_gp(3, 0, 0), "INVPCID type 3: no #GP");
        EXPECT(!invpcid_gp(2, 0, noncanon), "INVPCID type 2 ignores the address: no #GP");
    }
    if (pg_env.pcid) {
        write_cr3((uintptr_t)pg_kpml4 | 0x008);   /* PWT: CR3[11:0] != 0 */
        EXPECT(write_cr4_gp(cr4 | CR4_PCIDE), "setting CR4.PCIDE with CR3[11:0] != 0: #GP");
        write_cr3((uintptr_t)pg_kpml4);
        EXPECT(!write_cr4_gp(cr4 | CR4_PCIDE), "setting CR4.PCIDE with CR3[11:0] = 0: no #GP");
        if (pg_env.invpcid) {
            EXPECT(!invpcid_gp(0, 1, PAGE_A), "INVPCID type 0, PCID 1 with CR4.PCIDE = 1: no #GP");
            EXPECT(!invpcid_gp(1, 4095, 0), "INVPCID type 1, PCID 4095: no #GP");
            EXPECT(invpcid_gp(1, 4096, 0), "INVPCID type 1, PCID 4096 (bit 12): #GP");
        }
        write_cr3(pcid_cr3(3, true));
        EXPECT(read_cr3() == pcid_cr3(3, false), "MOV CR3 with bit 63: CR3 reads back without it");
    }
    if (pg_env.tcg)   /* QEMU 7.2 TCG did not come back from it in our runs (no #GP) */
        report_skip("MOV CR3 with a bit at MAXPHYADDR: not run under QEMU TCG (it hung there, no #GP)");
    else if (pg_env.maxphy < 52) {
        unsigned before = gp_count;
        uint64_t bad_cr3 = (uintptr_t)pg_kpml4 | 1ull << pg_env.maxphy;
        __asm__ volatile("lea 1f(%%rip), %%r11; mov %0, %%cr3; 1:" ::"r"(bad_cr3) : "r11", "memory");
        EXPECT(gp_count != before, "MOV CR3 with a bit at MAXPHYADDR: #GP");
    }
    {
        unsigned before = gp_count;
        __asm__ volatile("lea 1f(%%rip), %%r11; invlpg (%0); 1:" ::"r"(0x0000800000001000ull) : "r11", "memory");
        EXPECT(gp_count == before, "INVLPG of a non-canonical address: a no-op, no #GP");
    }
    write_cr3((uintptr_t)pg_kpml4);
    write_cr4(cr4);
#undef EXPECT
    report(!bad, "operand checks of MOV CR3, CR4.PCIDE, INVPCID and INVLPG (#GP or not): %u checks, %u mismatches", n, bad);
}

void pg_run_tlb(void)
{
    struct pg_ctl k = {pg_env.nx, true, false, false, false, 0};
    pg_set_ctl(&k);
    tlb_invlpg();
    tlb_invlpg_large();
    tlb_invlpg_many_large();
    tlb_global();
    tlb_pcid();
    tlb_invpcid();
    tlb_operand_checks();
}
