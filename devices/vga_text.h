/* devices/vga_text.h — VGA in colour text mode 3 (80x25 cells of character + attribute), as far
 * as firmware-less guests use it (IBM VGA Technical Reference; register values after a BIOS
 * mode-3 set):
 *
 * - Memory: the legacy window 0xa0000-0xbffff is 128 KiB of host memory owned by this device
 *   and mapped on the memory bus like RAM, so guest stores run at RAM speed; the text screen is
 *   read from it at render time at 0xb8000 + 2 * start address. Planes, odd/even addressing,
 *   the graphics controller's memory-map select (the window stays 0xa0000-0xbffff) and
 *   graphics modes are not modelled.
 * - Ports 0x3b0-0x3df (8-bit; 16-bit index+data writes split into two): CRTC index/data at
 *   0x3d4/0x3d5 (0x3b4/0x3b5 when misc output bit 0 = 0) with write protection of 0-7 by
 *   CR11 bit 7; misc output (write 0x3c2, read 0x3cc); input status 0 (0x3c2) and input status 1
 *   (0x3da/0x3ba): bits 0 (display disabled) and 3 (vertical retrace) toggle on successive
 *   reads so retrace-polling loops finish; the read also resets the attribute flip-flop.
 *   Sequencer (0x3c4/5), graphics controller (0x3ce/f), attribute controller (0x3c0/0x3c1
 *   with its index/data flip-flop), DAC (0x3c6-0x3c9) and feature control are stored and read
 *   back. The picture uses the attribute palette registers, colour select, PEL mask and DAC
 *   (so palette changes show), sequencer 1 bit 5 (screen off) and attribute mode control
 *   bit 3 (blink vs bright background); mode changes that would leave text mode 3 (graphics,
 *   8-dot characters, plane access for font loading, panning) are logged under -d unimp and
 *   not shown.
 *
 * The renderer (vga_render.c) is pure code: it draws the screen into a caller's framebuffer. */
#ifndef HVSIM_DEVICES_VGA_TEXT_H
#define HVSIM_DEVICES_VGA_TEXT_H

#include "base/iomap.h"
#include "base/log.h"

enum {
    VGA_MEM_BASE = 0xa0000, VGA_MEM_SIZE = 0x20000,
    VGA_TEXT_BASE = 0xb8000,               /* colour text buffer */
    VGA_TEXT_SIZE = 0x8000,                /* 32 KiB: eight 80x25 pages */
    VGA_PORT_BASE = 0x3b0, VGA_PORT_COUNT = 0x30,
    VGA_COLS = 80, VGA_ROWS = 25,
    VGA_CELL_W = 9, VGA_CELL_H = 16,       /* 9-dot characters, as the VGA BIOS's mode 3 */
    VGA_FB_WIDTH = VGA_COLS * VGA_CELL_W,  /* 720 */
    VGA_FB_HEIGHT = VGA_ROWS * VGA_CELL_H, /* 400 */
};

/* CRTC registers the text renderer uses. */
enum {
    VGA_CRTC_MAX_SCAN = 0x09, VGA_CRTC_CURSOR_START = 0x0a, VGA_CRTC_CURSOR_END = 0x0b,
    VGA_CRTC_START_HI = 0x0c, VGA_CRTC_START_LO = 0x0d, VGA_CRTC_CURSOR_HI = 0x0e,
    VGA_CRTC_CURSOR_LO = 0x0f, VGA_CRTC_VRETRACE_END = 0x11, VGA_CRTC_OFFSET = 0x13,
    VGA_CRTC_COUNT = 0x19,
};
enum { VGA_CURSOR_DISABLE = 0x20 };            /* CR0A bit 5 */
enum { VGA_ATTR_MODE = 0x10, VGA_ATTR_BLINK = 0x08, VGA_ATTR_COUNT = 0x15 };
enum { VGA_SEQ_CLOCKING = 0x01, VGA_SEQ_SCREEN_OFF = 0x20, VGA_SEQ_COUNT = 0x05 };
enum { VGA_GC_COUNT = 0x09 };
enum { VGA_ST1_DISPLAY_OFF = 0x01, VGA_ST1_VRETRACE = 0x08 };

/* Register file; no pointers (snapshot material, with vram). */
struct vga_state {
    u8 misc;                       /* misc output; bit 0 selects 0x3dx (1) or 0x3bx (0) */
    u8 feature;                    /* feature control */
    u8 crtc_index, crtc[VGA_CRTC_COUNT];
    u8 seq_index, seq[VGA_SEQ_COUNT];
    u8 gc_index, gc[VGA_GC_COUNT];
    u8 attr_index;                 /* includes bit 5, palette address source */
    bool attr_data;                /* flip-flop: the next 0x3c0 write is data */
    u8 attr[VGA_ATTR_COUNT];
    u8 pel_mask, dac_read, dac_write, dac_state, dac_sub;
    u8 dac[256][3];
    u32 status_reads;              /* input status 1 reads: drives the retrace toggles */
};

struct vga_text {
    struct vga_state s;
    const struct log *log;
    u8 vram[VGA_MEM_SIZE];         /* guest physical 0xa0000-0xbffff */
};

/* A screen as the renderer needs it: where the text starts, the cursor, the mode bits. */
struct vga_text_view {
    const u8 *text;                /* 32 KiB text buffer (0xb8000) */
    u32 start;                     /* first cell shown (CRTC start address) */
    u32 stride;                    /* cells per row (CRTC offset register * 2) */
    u32 cursor;                    /* cursor cell (CRTC cursor location) */
    u8 cursor_start, cursor_end;   /* scan lines; cursor_start bit 5 disables the cursor */
    bool blink;                    /* attribute bit 7 blinks (else: bright background) */
    bool screen_off;
    u32 palette[16];               /* text colours 0-15 as 0x00RRGGBB, through the DAC */
};

/* The standard 16 text colours as 0x00RRGGBB (what palette[] holds after a reset). */
extern const u32 vga_palette[16];

void vga_text_init(struct vga_text *v, const struct log *log);
/* Reset: the register values a VGA BIOS leaves after setting mode 3, cursor at cell 0, video
 * memory zeroed. */
void vga_text_reset(struct vga_text *v);
/* Map the memory window on `mem` and the ports on `io`. Returns 0 or -1 with a message. */
int vga_text_register(struct vga_text *v, struct iomap *mem, struct iomap *io, char *err,
                      size_t errlen) MUST_CHECK;
/* The current screen (pointers into v). */
struct vga_text_view vga_text_view(const struct vga_text *v);

/* Draw `view` into fb (VGA_FB_WIDTH x VGA_FB_HEIGHT pixels, 0x00RRGGBB, rows `pitch` pixels
 * apart). `frame` counts 60 Hz frames: the cursor blinks every 16 frames and attribute blink
 * every 32, as on a VGA (frame 0: cursor and blinking characters visible). */
void vga_text_render(const struct vga_text_view *view, u32 *fb, unsigned pitch, unsigned frame);

#endif
