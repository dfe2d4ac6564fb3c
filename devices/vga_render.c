/* devices/vga_render.c — draw a VGA text screen into a 32-bit framebuffer (see vga_text.h).
 * Pure code: no device state is changed, no allocation. */
#include "devices/vga_font.h"
#include "devices/vga_text.h"

const u32 vga_palette[16] = {
    0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa,
    0x555555, 0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff, 0xffff55, 0xffffff,
};

/* One cell: 16 rows of 9 pixels; rows [cur_from, cur_to] drawn in the foreground colour. */
static void render_cell(u32 *px, unsigned pitch, u8 ch, u32 fg, u32 bg, bool glyph, int cur_from, int cur_to)
{
    for (int y = 0; y < VGA_CELL_H; y++, px += pitch) {
        unsigned bits = glyph ? vga_font_9x16[ch][y] : 0;
        if (y >= cur_from && y <= cur_to)
            bits = 0x1ff;
        for (int x = 0; x < VGA_CELL_W; x++)
            px[x] = (bits >> (VGA_CELL_W - 1 - x)) & 1 ? fg : bg;
    }
}

void vga_text_render(const struct vga_text_view *view, u32 *fb, unsigned pitch, unsigned frame)
{
    if (view->screen_off) {
        for (unsigned y = 0; y < VGA_FB_HEIGHT; y++)
            for (unsigned x = 0; x < VGA_FB_WIDTH; x++)
                fb[y * pitch + x] = 0;
        return;
    }
    bool cursor_on = !(view->cursor_start & VGA_CURSOR_DISABLE) && !(frame & 8);
    bool blink_on = !(frame & 16);
    for (unsigned r = 0; r < VGA_ROWS; r++) {
        for (unsigned c = 0; c < VGA_COLS; c++) {
            u32 cell = view->start + r * view->stride + c;
            u32 off = (cell * 2) & (VGA_TEXT_SIZE - 1);
            u8 ch = view->text[off], at = view->text[off + 1];
            u32 fg = view->palette[at & 0x0f];
            u32 bg = view->palette[(at >> 4) & (view->blink ? 0x07 : 0x0f)];
            bool glyph = !(view->blink && (at & 0x80)) || blink_on;
            int from = 1, to = 0;   /* no cursor rows */
            if (cursor_on && cell == view->cursor) {
                from = view->cursor_start & 0x1f;
                to = view->cursor_end & 0x1f;
                if (to > VGA_CELL_H - 1)
                    to = VGA_CELL_H - 1;
            }
            render_cell(fb + r * VGA_CELL_H * pitch + c * VGA_CELL_W, pitch, ch, fg, bg, glyph, from, to);
        }
    }
}
