/* Unit tests for VGA text mode: registers through the port map, the memory window, and the
 * renderer's pixels (expectations computed from the font table and the palette). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/vga_font.h"
#include "devices/vga_text.h"

static struct iomap mem, io;
static struct vga_text *vga;
static struct log quiet;
static u32 *fb;

static void setup(void)
{
    char err[200];
    iomap_init(&mem, "memory");
    iomap_init(&io, "ports");
    vga = calloc(1, sizeof *vga);
    fb = calloc(VGA_FB_WIDTH * VGA_FB_HEIGHT, sizeof *fb);
    ck_assert_ptr_nonnull(vga);
    ck_assert_ptr_nonnull(fb);
    vga_text_init(vga, &quiet);
    ck_assert_int_eq(vga_text_register(vga, &mem, &io, err, sizeof err), 0);
}

static void teardown(void)
{
    iomap_destroy(&mem);
    iomap_destroy(&io);
    free(vga);
    free(fb);
}

static void crtc_write(u8 reg, u8 val) { iomap_write(&io, 0x3d4, (u64)val << 8 | reg, 2); }
static u8 crtc_read(u8 reg)
{
    iomap_write(&io, 0x3d4, reg, 1);
    return (u8)iomap_read(&io, 0x3d5, 1);
}
static void put_cell(unsigned row, unsigned col, u8 ch, u8 attr)
{
    iomap_write(&mem, VGA_TEXT_BASE + 2 * (row * VGA_COLS + col), (u64)attr << 8 | ch, 2);
}
static void set_cursor(unsigned cell)
{
    crtc_write(VGA_CRTC_CURSOR_HI, (u8)(cell >> 8));
    crtc_write(VGA_CRTC_CURSOR_LO, (u8)cell);
}
static void render(unsigned frame)
{
    struct vga_text_view view = vga_text_view(vga);
    vga_text_render(&view, fb, VGA_FB_WIDTH, frame);
}
static u32 pixel(unsigned row, unsigned col, unsigned x, unsigned y)
{
    return fb[(row * VGA_CELL_H + y) * VGA_FB_WIDTH + col * VGA_CELL_W + x];
}
static bool font_bit(u8 ch, unsigned x, unsigned y) { return (vga_font_9x16[ch][y] >> (8 - x)) & 1; }

/* Every pixel of a cell is the glyph in fg on bg (cursor rows excluded by the caller). */
static void check_cell(unsigned row, unsigned col, u8 ch, u32 fg, u32 bg)
{
    for (unsigned y = 0; y < VGA_CELL_H; y++)
        for (unsigned x = 0; x < VGA_CELL_W; x++)
            ck_assert_msg(pixel(row, col, x, y) == (font_bit(ch, x, y) ? fg : bg),
                          "cell %u,%u char %#x pixel %u,%u: %#x", row, col, ch, x, y, pixel(row, col, x, y));
}

START_TEST(crtc_registers)
{
    ck_assert_uint_eq(crtc_read(VGA_CRTC_CURSOR_START), 0x0d);   /* mode 3 after reset */
    ck_assert_uint_eq(crtc_read(VGA_CRTC_CURSOR_END), 0x0e);
    ck_assert_uint_eq(crtc_read(VGA_CRTC_OFFSET), 0x28);
    set_cursor(0x123);
    ck_assert_uint_eq(crtc_read(VGA_CRTC_CURSOR_HI), 0x01);
    ck_assert_uint_eq(crtc_read(VGA_CRTC_CURSOR_LO), 0x23);
    ck_assert_uint_eq(iomap_read(&io, 0x3d4, 1), VGA_CRTC_CURSOR_LO);
    ck_assert_uint_eq(vga_text_view(vga).cursor, 0x123);
    crtc_write(VGA_CRTC_START_HI, 0x02);
    crtc_write(VGA_CRTC_START_LO, 0x80);
    ck_assert_uint_eq(vga_text_view(vga).start, 0x280);
    /* CR11 bit 7 (set after reset) protects CR00-CR07; clearing it lifts the protection. */
    crtc_write(0x01, 0x33);
    ck_assert_uint_eq(crtc_read(0x01), 0x4f);
    crtc_write(VGA_CRTC_VRETRACE_END, 0x0e);
    crtc_write(0x01, 0x33);
    ck_assert_uint_eq(crtc_read(0x01), 0x33);
    /* Misc output bit 0 = 0 moves the CRTC to 0x3b4/0x3b5; 0x3d5 then floats. */
    ck_assert_uint_eq(iomap_read(&io, 0x3cc, 1), 0x67);
    iomap_write(&io, 0x3c2, 0x66, 1);
    ck_assert_uint_eq(iomap_read(&io, 0x3d5, 1), 0xff);
    iomap_write(&io, 0x3b4, VGA_CRTC_CURSOR_LO, 1);
    ck_assert_uint_eq(iomap_read(&io, 0x3b5, 1), 0x23);
}
END_TEST

START_TEST(status_toggles_and_other_registers)
{
    /* Retrace-polling loops see both states of bits 3 and 0 within four reads. */
    u8 seen_or = 0, seen_and = 0xff;
    for (int i = 0; i < 4; i++) {
        u8 st = (u8)iomap_read(&io, 0x3da, 1);
        seen_or |= st;
        seen_and &= st;
    }
    ck_assert_uint_eq(seen_or & 0x09, 0x09);
    ck_assert_uint_eq(seen_and & 0x09, 0);
    /* Attribute controller: index then data on 0x3c0; reading 0x3da resets the flip-flop. */
    iomap_write(&io, 0x3c0, 0x20 | VGA_ATTR_MODE, 1);
    iomap_read(&io, 0x3da, 1);
    iomap_write(&io, 0x3c0, 0x20 | VGA_ATTR_MODE, 1);   /* an index again, not data */
    iomap_write(&io, 0x3c0, 0x04, 1);
    ck_assert_uint_eq(iomap_read(&io, 0x3c1, 1), 0x04);
    ck_assert(!vga_text_view(vga).blink);
    /* Sequencer, graphics controller and DAC are stored and read back. */
    iomap_write(&io, 0x3c4, 0x0201, 2);
    ck_assert_uint_eq(iomap_read(&io, 0x3c5, 1), 0x02);
    iomap_write(&io, 0x3ce, 0x0a08, 2);
    ck_assert_uint_eq(iomap_read(&io, 0x3cf, 1), 0x0a);
    iomap_write(&io, 0x3c8, 5, 1);
    iomap_write(&io, 0x3c9, 0x01, 1);
    iomap_write(&io, 0x3c9, 0x02, 1);
    iomap_write(&io, 0x3c9, 0x03, 1);
    iomap_write(&io, 0x3c7, 5, 1);
    ck_assert_uint_eq(iomap_read(&io, 0x3c9, 1), 0x01);
    ck_assert_uint_eq(iomap_read(&io, 0x3c9, 1), 0x02);
    ck_assert_uint_eq(iomap_read(&io, 0x3c9, 1), 0x03);
    ck_assert_uint_eq(iomap_read(&io, 0x3c7, 1), 0x03);
}
END_TEST

START_TEST(memory_window_is_host_backed)
{
    const struct iomap_range *r = iomap_find(&mem, VGA_TEXT_BASE);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_eq(r->host + (VGA_TEXT_BASE - r->base), vga->vram + (VGA_TEXT_BASE - VGA_MEM_BASE));
    ck_assert_uint_eq(r->base, VGA_MEM_BASE);
    ck_assert_uint_eq(r->len, VGA_MEM_SIZE);
    put_cell(0, 1, 'h', 0x07);
    ck_assert_uint_eq(vga->vram[0x18002], 'h');
    ck_assert_uint_eq(iomap_read(&mem, VGA_TEXT_BASE + 2, 2), 0x0768);
}
END_TEST

START_TEST(reset_palette_is_standard)
{
    struct vga_text_view view = vga_text_view(vga);
    for (int c = 0; c < 16; c++)
        ck_assert_uint_eq(view.palette[c], vga_palette[c]);
    ck_assert_uint_eq(vga_palette[6], 0xaa5500);   /* brown through attribute register 6 = 0x14 */
}
END_TEST

START_TEST(render_glyphs_colours_cursor)
{
    put_cell(2, 5, 'A', 0x1e);     /* yellow on blue */
    put_cell(2, 6, 0xc9, 0x4f);    /* box drawing corner, white on red */
    put_cell(3, 7, 'x', 0x07);
    set_cursor(3 * VGA_COLS + 7);
    render(0);
    ck_assert(vga_font_9x16['A'][8] != 0);   /* the font really has ink for 'A' */
    check_cell(2, 5, 'A', vga_palette[14], vga_palette[1]);
    check_cell(2, 6, 0xc9, vga_palette[15], vga_palette[4]);
    check_cell(0, 0, 0, vga_palette[7], vga_palette[0]);   /* zeroed memory: black */
    /* The cursor covers scan lines 13-14 of its cell in the cell's foreground colour. */
    for (unsigned y = 0; y < VGA_CELL_H; y++)
        for (unsigned x = 0; x < VGA_CELL_W; x++) {
            u32 want = (y == 13 || y == 14 || font_bit('x', x, y)) ? vga_palette[7] : vga_palette[0];
            ck_assert_uint_eq(pixel(3, 7, x, y), want);
        }
    /* Blink phase off (frame 8): the cursor is gone; CR0A bit 5 hides it too. */
    render(8);
    check_cell(3, 7, 'x', vga_palette[7], vga_palette[0]);
    crtc_write(VGA_CRTC_CURSOR_START, 0x20 | 0x0d);
    render(0);
    check_cell(3, 7, 'x', vga_palette[7], vga_palette[0]);
    /* A full-block cursor (scan lines 0-15) in another cell. */
    crtc_write(VGA_CRTC_CURSOR_START, 0x00);
    crtc_write(VGA_CRTC_CURSOR_END, 0x0f);
    set_cursor(2 * VGA_COLS + 5);
    render(0);
    for (unsigned y = 0; y < VGA_CELL_H; y++)
        ck_assert_uint_eq(pixel(2, 5, 0, y), vga_palette[14]);
}
END_TEST

START_TEST(render_blink_and_bright_background)
{
    put_cell(0, 0, 'B', 0x9c);   /* blink/bright bit, background 1, foreground 12 */
    set_cursor(0xffff);          /* off screen */
    render(0);                   /* blink enabled after reset: background 1, glyph shown */
    check_cell(0, 0, 'B', vga_palette[12], vga_palette[1]);
    render(16);                  /* blink off phase: only background */
    check_cell(0, 0, ' ', vga_palette[12], vga_palette[1]);
    /* Attribute mode control bit 3 = 0: bit 7 selects bright backgrounds, nothing blinks. */
    iomap_read(&io, 0x3da, 1);
    iomap_write(&io, 0x3c0, 0x20 | VGA_ATTR_MODE, 1);
    iomap_write(&io, 0x3c0, 0x04, 1);
    render(16);
    check_cell(0, 0, 'B', vga_palette[12], vga_palette[9]);
}
END_TEST

START_TEST(render_start_address_palette_screen_off)
{
    put_cell(1, 0, 'Z', 0x02);
    crtc_write(VGA_CRTC_START_LO, VGA_COLS);   /* scroll by one row */
    set_cursor(0xffff);
    render(0);
    check_cell(0, 0, 'Z', vga_palette[2], vga_palette[0]);
    /* DAC entry 2 (colour 2 through attribute register 2) now pure 6-bit red 0x3f. */
    iomap_write(&io, 0x3c8, 2, 1);
    iomap_write(&io, 0x3c9, 0x3f, 1);
    iomap_write(&io, 0x3c9, 0x00, 1);
    iomap_write(&io, 0x3c9, 0x00, 1);
    render(0);
    check_cell(0, 0, 'Z', 0xff0000, vga_palette[0]);
    /* Sequencer clocking mode bit 5: screen off, all black. */
    iomap_write(&io, 0x3c4, 0x01, 1);
    iomap_write(&io, 0x3c5, 0x21, 1);
    render(0);
    for (unsigned i = 0; i < VGA_FB_WIDTH * VGA_FB_HEIGHT; i++)
        ck_assert_uint_eq(fb[i], 0);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("vga");
    TCase *tc = tcase_create("vga");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, crtc_registers);
    tcase_add_test(tc, status_toggles_and_other_registers);
    tcase_add_test(tc, memory_window_is_host_backed);
    tcase_add_test(tc, reset_palette_is_standard);
    tcase_add_test(tc, render_glyphs_colours_cursor);
    tcase_add_test(tc, render_blink_and_bright_background);
    tcase_add_test(tc, render_start_address_palette_screen_off);
    suite_add_tcase(s, tc);
    return s;
}
