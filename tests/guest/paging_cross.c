/* tests/guest/paging_cross.c — accesses that cross a page boundary: an 8-byte read or write
 * at offset 0xffc of page A and an instruction (RET imm16, 3 bytes) starting at 0xffe are
 * decided by the rights of the second page B too; a fault on B reports CR2 = B's first byte
 * (SDM 3A §4.7, §6.15 "Interrupt 14") and leaves both pages unwritten (the faulting
 * instruction has no effect). A RET in A's last byte does not touch B at all. */
#include "paging_env.h"

#define PAGE_A TEST_BASE
#define PAGE_B (TEST_BASE + 0x1000)

enum cross_kind { X_READ, X_WRITE, X_FETCH, X_FETCH_END, X_N };
static const char *const cross_name[X_N] = {"read", "write", "fetch across", "fetch ending at the boundary"};

static volatile uint8_t *const a_bytes = pg_data[1];
static volatile uint8_t *const b_bytes = pg_data[2];

/* Page contents before an access: the data bytes, and the code of fetch cases. */
static void fill(enum cross_kind x)
{
    for (unsigned i = 0; i < 4; i++) {
        a_bytes[0xffc + i] = (uint8_t)(0xa0 + i);
        b_bytes[i] = (uint8_t)(0xb0 + i);
    }
    if (x == X_FETCH) {   /* RET 0: C2 00 | 00 */
        a_bytes[0xffe] = 0xc2;
        a_bytes[0xfff] = 0;
        b_bytes[0] = 0;
    } else if (x == X_FETCH_END) {
        a_bytes[0xfff] = 0xc3;
    }
}

void pg_run_cross(void)
{
    struct pg_group g = {.name = "accesses across a page boundary (the second page decides, CR2 = its start)"};
    const uint64_t puw = PTE_P | PTE_U | PTE_W;
    const uint64_t bflags[] = {puw, puw | PTE_XD, PTE_U | PTE_W, PTE_P | PTE_W, PTE_P | PTE_U, 0};
    struct pg_ctl k = {pg_env.nx, true, false, false, false, 0};
    pg_set_ctl(&k);
    for (unsigned bi = 0; bi < sizeof bflags / sizeof bflags[0]; bi++)
        for (unsigned cpl = 0; cpl <= 3; cpl += 3)
            for (unsigned x = 0; x < X_N; x++) {
                pg_kpml4[1] = (uintptr_t)pg_t_pdpt | puw;
                pg_t_pdpt[0] = (uintptr_t)pg_t_pd | puw;
                pg_t_pd[0] = (uintptr_t)pg_t_pt | puw;
                pg_t_pt[0] = (uintptr_t)pg_data[1] | puw;
                pg_t_pt[1] = (uintptr_t)pg_data[2] | bflags[bi];
                invlpg((void *)PAGE_A);
                invlpg((void *)PAGE_B);
                fill((enum cross_kind)x);
                enum pg_acc acc = x == X_READ ? ACC_READ : x == X_WRITE ? ACC_WRITE : ACC_FETCH;
                /* The expectation is that of an access to B alone (A allows everything). */
                struct pg_case c = {LEAF_4K, {puw, puw, puw, bflags[bi]}, cpl, false, acc};
                struct pg_expect e = pg_expect(&c, &k);
                if (x == X_FETCH_END)
                    e.fault = false;
                /* pg_access reads/writes at arg + 8 and CALLs arg. */
                uint64_t arg = x == X_FETCH ? PAGE_A + 0xffe : x == X_FETCH_END ? PAGE_A + 0xfff : PAGE_A + 0xff4;
                struct pg_outcome o;
                pg_access(&c, arg, &o);
                bool wrote = x == X_WRITE && !o.fault;
                bool mem_ok = true;
                for (unsigned i = 0; i < 4 && x <= X_WRITE; i++) {
                    mem_ok &= a_bytes[0xffc + i] == (wrote ? (uint8_t)(WRITE_VALUE >> (8 * i)) : 0xa0 + i);
                    mem_ok &= b_bytes[i] == (wrote ? (uint8_t)(WRITE_VALUE >> (32 + 8 * i)) : 0xb0 + i);
                }
                g.cases++;
                if (o.fault != e.fault || (e.fault && (o.err != e.err || o.cr2 != PAGE_B)) || !mem_ok)
                    pg_fail(&g, "B=%#llx cpl=%u %s: expected %s err=%#x cr2=%#llx, got %s err=%#x cr2=%#llx, memory %s",
                            (unsigned long long)bflags[bi], cpl, cross_name[x], e.fault ? "#PF" : "no fault", e.err,
                            (unsigned long long)PAGE_B, o.fault ? "#PF" : "no fault", o.err,
                            (unsigned long long)o.cr2, mem_ok ? "as expected" : "WRONG");
            }
    pg_t_pt[1] = 0;
    invlpg((void *)PAGE_B);
    pg_report(&g);
}
