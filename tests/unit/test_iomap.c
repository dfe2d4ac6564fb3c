/* Unit tests for base/iomap: RAM and device ranges, width splitting, unclaimed all-ones,
 * overlap rejection. */
#include <check.h>
#include <string.h>

#include "base/iomap.h"

struct fake_dev {
    u64 last_off, last_val;
    unsigned last_size, reads, writes;
};

static u64 fake_read(void *opaque, u64 off, unsigned size)
{
    struct fake_dev *d = opaque;
    d->reads++;
    d->last_off = off;
    d->last_size = size;
    return 0x40 + off;   /* byte-identifiable */
}

static void fake_write(void *opaque, u64 off, u64 val, unsigned size)
{
    struct fake_dev *d = opaque;
    d->writes++;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
}

START_TEST(ram_roundtrip)
{
    struct iomap m;
    u8 ram[64] = {0};
    char err[200];
    iomap_init(&m, "memory");
    ck_assert_int_eq(iomap_add_ram(&m, 0x1000, sizeof(ram), ram, false, "ram", err, sizeof err), 0);
    iomap_write(&m, 0x1008, 0x1122334455667788ull, 8);
    ck_assert_uint_eq(iomap_read(&m, 0x1008, 8), 0x1122334455667788ull);
    ck_assert_uint_eq(iomap_read(&m, 0x100a, 2), 0x5566);
    ck_assert_uint_eq(ram[8], 0x88);
    iomap_destroy(&m);
}
END_TEST

START_TEST(unclaimed_all_ones)
{
    struct iomap m;
    iomap_init(&m, "ports");
    ck_assert_uint_eq(iomap_read(&m, 0x80, 1), 0xff);
    ck_assert_uint_eq(iomap_read(&m, 0x80, 2), 0xffff);
    ck_assert_uint_eq(iomap_read(&m, 0xfffe, 4), 0xffffffffu);
    iomap_write(&m, 0x80, 1, 1);   /* dropped, no crash */
    iomap_destroy(&m);
}
END_TEST

START_TEST(width_split_for_byte_device)
{
    struct iomap m;
    struct fake_dev d = {0};
    char err[200];
    iomap_init(&m, "ports");
    ck_assert_int_eq(iomap_add_device(&m, 0x3f8, 8, "uart", &d, fake_read, fake_write, IOMAP_W8,
                                      err, sizeof err), 0);
    /* A 32-bit read of a byte-wide device becomes four byte reads. */
    ck_assert_uint_eq(iomap_read(&m, 0x3f8, 4), 0x43424140u);
    ck_assert_uint_eq(d.reads, 4);
    iomap_write(&m, 0x3fa, 0xbbaa, 2);
    ck_assert_uint_eq(d.writes, 2);
    ck_assert_uint_eq(d.last_off, 3);
    ck_assert_uint_eq(d.last_val, 0xbb);
    /* Straddling the end of the device: the byte beyond it reads all-ones. */
    ck_assert_uint_eq(iomap_read(&m, 0x3ff, 2), 0xff47);
    iomap_destroy(&m);
}
END_TEST

START_TEST(native_width_passthrough)
{
    struct iomap m;
    struct fake_dev d = {0};
    char err[200];
    iomap_init(&m, "ports");
    ck_assert_int_eq(iomap_add_device(&m, 0xf4, 4, "debug-exit", &d, fake_read, fake_write,
                                      IOMAP_W8 | IOMAP_W16 | IOMAP_W32, err, sizeof err), 0);
    iomap_write(&m, 0xf4, 0x12345678, 4);
    ck_assert_uint_eq(d.writes, 1);
    ck_assert_uint_eq(d.last_size, 4);
    ck_assert_uint_eq(d.last_val, 0x12345678);
    iomap_destroy(&m);
}
END_TEST

START_TEST(overlap_rejected)
{
    struct iomap m;
    struct fake_dev d = {0};
    char err[200] = "";
    iomap_init(&m, "ports");
    ck_assert_int_eq(iomap_add_device(&m, 0x60, 1, "kbd", &d, fake_read, fake_write, IOMAP_W8, err, sizeof err), 0);
    ck_assert_int_eq(iomap_add_device(&m, 0x64, 1, "kbd-st", &d, fake_read, fake_write, IOMAP_W8, err, sizeof err), 0);
    ck_assert_int_eq(iomap_add_device(&m, 0x5f, 2, "clash", &d, fake_read, fake_write, IOMAP_W8, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "clash"));
    ck_assert_ptr_nonnull(strstr(err, "kbd"));
    ck_assert_int_eq(iomap_add_device(&m, 0x10, 0, "empty", &d, fake_read, fake_write, IOMAP_W8, err, sizeof err), -1);
    ck_assert_ptr_null(iomap_find(&m, 0x61));
    ck_assert_ptr_nonnull(iomap_find(&m, 0x64));
    iomap_destroy(&m);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("iomap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, ram_roundtrip);
    tcase_add_test(tc, unclaimed_all_ones);
    tcase_add_test(tc, width_split_for_byte_device);
    tcase_add_test(tc, native_width_passthrough);
    tcase_add_test(tc, overlap_rejected);
    suite_add_tcase(s, tc);
    return s;
}
