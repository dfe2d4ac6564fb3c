/* Unit tests for the Multiboot loader: ELF32/ELF64/a.out images built in memory, every MBI
 * field, and malformed files (each must give an error line, never a crash). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "machine/multiboot.h"

#define RAM_SIZE (32u << 20)
static u8 *ram;

static int fake_write(void *o, u64 pa, const void *src, u64 len)
{
    (void)o;
    if (pa + len > RAM_SIZE || pa + len < pa)
        return -1;
    memcpy(ram + pa, src, len);
    return 0;
}

static int fake_zero(void *o, u64 pa, u64 len)
{
    (void)o;
    if (pa + len > RAM_SIZE || pa + len < pa)
        return -1;
    memset(ram + pa, 0, len);
    return 0;
}

static const struct mb_mem MEM = {NULL, fake_write, fake_zero};
static const struct mb_range MAP[] = {{0, 0x9fc00, 1}, {0xf0000, 0x10000, 2}, {0x100000, RAM_SIZE - 0x100000, 1}};

static void setup(void) { ram = calloc(1, RAM_SIZE); memset(ram + 0x200000, 0xcc, 0x10000); }
static void teardown(void) { free(ram); }

static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static void put16(u8 *p, u16 v) { memcpy(p, &v, 2); }
static void put64(u8 *p, u64 v) { memcpy(p, &v, 8); }

/* ELF32 image: header, one PT_LOAD at file 0x1000 -> pa 0x200000 (filesz 0x100, memsz 0x2000),
 * Multiboot header at file offset 0x80. */
static size_t make_elf32(u8 *f)
{
    memset(f, 0, 0x1100);
    memcpy(f, "\x7f" "ELF\x01\x01\x01", 7);
    put16(f + 16, 2);
    put16(f + 18, 3);
    put32(f + 24, 0x200010);
    put32(f + 28, 52);
    put16(f + 42, 32);
    put16(f + 44, 1);
    u8 *ph = f + 52;
    put32(ph, 1);
    put32(ph + 4, 0x1000);
    put32(ph + 8, 0x200000);
    put32(ph + 12, 0x200000);
    put32(ph + 16, 0x100);
    put32(ph + 20, 0x2000);
    put32(f + 0x80, 0x1badb002);
    put32(f + 0x84, 0);
    put32(f + 0x88, (u32)-0x1badb002);
    for (int i = 0; i < 0x100; i++)
        f[0x1000 + i] = (u8)i;
    return 0x1100;
}

START_TEST(elf32_load_and_mbi)
{
    static u8 f[0x1100];
    size_t n = make_elf32(f);
    struct mb_module mod = {"env.txt", (const u8 *)"NR_CPUS=1\n", 10};
    struct mb_boot b;
    char err[200] = "";
    ck_assert_int_eq(mb_load(f, n, "x86/vmx.flat", "vmx_test -v", &mod, 1, MAP, 3, &MEM, &b, err, sizeof err), 0);
    ck_assert_uint_eq(b.entry, 0x200010);
    ck_assert_uint_eq(ram[0x200000 + 0x42], 0x42);
    ck_assert_uint_eq(ram[0x200100], 0);          /* BSS zeroed */
    ck_assert_uint_eq(ram[0x201fff], 0);
    u32 *mbi = (u32 *)(ram + b.mbi_pa);
    ck_assert_uint_eq(mbi[0] & 0x4f, 0x4f);
    ck_assert_uint_eq(mbi[1], 639);
    ck_assert_uint_eq(mbi[2], (RAM_SIZE - 0x100000) / 1024);
    ck_assert_str_eq((char *)ram + mbi[4], "x86/vmx.flat vmx_test -v");
    ck_assert_uint_eq(mbi[5], 1);
    u32 *m0 = (u32 *)(ram + mbi[6]);
    ck_assert_uint_eq(m0[0], 0x202000);           /* page-aligned after the image */
    ck_assert_uint_eq(m0[1], 0x20200a);
    ck_assert(memcmp(ram + m0[0], "NR_CPUS=1\n", 10) == 0);
    ck_assert_str_eq((char *)ram + m0[2], "env.txt");
    ck_assert_uint_eq(mbi[11], 3 * 24);           /* mmap_length */
    u8 *mm = ram + mbi[12];
    u64 base, len;
    memcpy(&base, mm + 24 * 2 + 4, 8);
    memcpy(&len, mm + 24 * 2 + 12, 8);
    ck_assert_uint_eq(base, 0x100000);
    ck_assert_uint_eq(len, RAM_SIZE - 0x100000);
    ck_assert_str_eq((char *)ram + mbi[16], "hvsim");
}
END_TEST

START_TEST(no_append_no_trailing_space)
{
    static u8 f[0x1100];
    size_t n = make_elf32(f);
    struct mb_boot b;
    char err[200];
    ck_assert_int_eq(mb_load(f, n, "k.elf", NULL, NULL, 0, MAP, 3, &MEM, &b, err, sizeof err), 0);
    u32 *mbi = (u32 *)(ram + b.mbi_pa);
    ck_assert_str_eq((char *)ram + mbi[4], "k.elf");
    ck_assert_uint_eq(ram[0x201fff], 0);       /* BSS end */
    ck_assert_uint_eq(ram[0x202000], 0xcc);    /* nothing written beyond memsz */
}
END_TEST

START_TEST(elf64_load)
{
    static u8 f[0x1100];
    memset(f, 0, sizeof f);
    memcpy(f, "\x7f" "ELF\x02\x01\x01", 7);
    put16(f + 16, 2);
    put16(f + 18, 62);
    put64(f + 24, 0x300000);
    put64(f + 32, 64);
    put16(f + 54, 56);
    put16(f + 56, 1);
    u8 *ph = f + 64;
    put32(ph, 1);
    put64(ph + 8, 0x1000);
    put64(ph + 24, 0x300000);
    put64(ph + 32, 0x10);
    put64(ph + 40, 0x10);
    put32(f + 0x100, 0x1badb002);
    put32(f + 0x108, (u32)-0x1badb002);
    memset(f + 0x1000, 0x5a, 0x10);
    struct mb_boot b;
    char err[200];
    ck_assert_int_eq(mb_load(f, 0x1010, "k64", NULL, NULL, 0, MAP, 3, &MEM, &b, err, sizeof err), 0);
    ck_assert_uint_eq(b.entry, 0x300000);
    ck_assert_uint_eq(ram[0x30000f], 0x5a);
}
END_TEST

START_TEST(aout_kludge)
{
    static u8 f[0x400];
    memset(f, 0, sizeof f);
    u32 flags = 1u << 16;
    put32(f + 0x20, 0x1badb002);
    put32(f + 0x24, flags);
    put32(f + 0x28, (u32)-(0x1badb002 + flags));
    put32(f + 0x2c, 0x400020);   /* header_addr */
    put32(f + 0x30, 0x400000);   /* load_addr = file offset 0 */
    put32(f + 0x34, 0x400400);   /* load_end */
    put32(f + 0x38, 0x401000);   /* bss_end */
    put32(f + 0x3c, 0x400100);   /* entry */
    f[0x3ff] = 0x77;
    struct mb_boot b;
    char err[200];
    ck_assert_int_eq(mb_load(f, sizeof f, "aout", NULL, NULL, 0, MAP, 3, &MEM, &b, err, sizeof err), 0);
    ck_assert_uint_eq(b.entry, 0x400100);
    ck_assert_uint_eq(ram[0x4003ff], 0x77);
}
END_TEST

static int load_err(const u8 *f, size_t n, char *err, size_t errlen)
{
    struct mb_boot b;
    return mb_load(f, n, "bad.elf", NULL, NULL, 0, MAP, 3, &MEM, &b, err, errlen);
}

START_TEST(malformed_files)
{
    static u8 f[0x1100];
    char err[200];
    /* no header */
    memset(f, 0, sizeof f);
    ck_assert_int_eq(load_err(f, sizeof f, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not a Multiboot kernel"));
    /* truncated: header found but file ends before the segment data */
    size_t n = make_elf32(f);
    ck_assert_int_eq(load_err(f, 0x1050, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "past the end"));
    /* bad checksum */
    n = make_elf32(f);
    put32(f + 0x88, 1);
    ck_assert_int_eq(load_err(f, n, err, sizeof err), -1);
    /* program headers outside the file */
    n = make_elf32(f);
    put32(f + 28, 0xfffffff0);
    ck_assert_int_eq(load_err(f, n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "program header"));
    /* filesz > memsz */
    n = make_elf32(f);
    put32(f + 52 + 20, 0x10);
    ck_assert_int_eq(load_err(f, n, err, sizeof err), -1);
    /* segment outside RAM */
    n = make_elf32(f);
    put32(f + 52 + 12, 0xf0000000);
    ck_assert_int_eq(load_err(f, n, err, sizeof err), -1);
    /* no PT_LOAD */
    n = make_elf32(f);
    put32(f + 52, 4);
    ck_assert_int_eq(load_err(f, n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "no loadable"));
    /* wrong machine */
    n = make_elf32(f);
    put16(f + 18, 40);
    ck_assert_int_eq(load_err(f, n, err, sizeof err), -1);
    /* unsupported required flag */
    n = make_elf32(f);
    put32(f + 0x84, 0x8);
    put32(f + 0x88, (u32)-(0x1badb002 + 8));
    ck_assert_int_eq(load_err(f, n, err, sizeof err), -1);
}
END_TEST

/* An image in low RAM over the usual information area (kvm-unit-tests' realmode.flat at
 * 0x8000) loads, and the information moves above it instead of overwriting it. */
START_TEST(low_image_moves_info_area)
{
    static u8 f[0x1100];
    size_t n = make_elf32(f);
    put32(f + 52 + 12, 0x8000);                    /* p_paddr: 0x8000..0xa000 */
    put32(f + 24, 0x8000);
    struct mb_module mod = {"env.txt", (const u8 *)"A=1\n", 4};
    struct mb_boot b;
    char err[200] = "";
    ck_assert_int_eq(mb_load(f, n, "x86/realmode.flat", "", &mod, 1, MAP, 3, &MEM, &b, err, sizeof err), 0);
    for (int i = 0; i < 0x100; i++)
        ck_assert_uint_eq(ram[0x8000 + i], i);    /* the image is intact */
    ck_assert_uint_eq(ram[0x9fff], 0);            /* BSS too */
    ck_assert_uint_ge(b.mbi_pa, 0xa000);
    u32 *mbi = (u32 *)(ram + b.mbi_pa);
    ck_assert_str_eq((char *)ram + mbi[4], "x86/realmode.flat");
    ck_assert_uint_ge(mbi[12], 0xa000);           /* mmap */
    u32 *m0 = (u32 *)(ram + mbi[6]);
    ck_assert_uint_ge(m0[0], b.mbi_pa);           /* the module does not overlap the MBI */
    ck_assert(memcmp(ram + m0[0], "A=1\n", 4) == 0);
    ck_assert_uint_eq(b.entry, 0x8000);
}
END_TEST

/* Deterministic mutation fuzzing: every result is success or one error line, never a crash
 * (the sanitizer build runs this too). */
START_TEST(fuzz_headers)
{
    static u8 base[0x1100], f[0x1100];
    size_t n = make_elf32(base);
    u64 seed = 0x9e3779b97f4a7c15ull;
    unsigned ok = 0, bad = 0;
    for (int iter = 0; iter < 4000; iter++) {
        memcpy(f, base, n);
        for (int k = 0; k < 4; k++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            unsigned pos = (unsigned)(seed % 0xa0);   /* ELF header, phdr, Multiboot header */
            f[pos] = (u8)(seed >> 32);
        }
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        size_t len = (seed & 1) ? n : (size_t)(seed % n);
        char err[200] = "";
        if (load_err(f, len, err, sizeof err) == 0)
            ok++;
        else {
            ck_assert(err[0] != 0);
            bad++;
        }
    }
    ck_assert_uint_eq(ok + bad, 4000);
    ck_assert_uint_gt(bad, 0);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("multiboot");
    TCase *tc = tcase_create("loader");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, elf32_load_and_mbi);
    tcase_add_test(tc, no_append_no_trailing_space);
    tcase_add_test(tc, elf64_load);
    tcase_add_test(tc, aout_kludge);
    tcase_add_test(tc, malformed_files);
    tcase_add_test(tc, low_image_moves_info_area);
    tcase_add_test(tc, fuzz_headers);
    suite_add_tcase(s, tc);
    return s;
}
