/* devices/vga_text.c — VGA text-mode registers and memory window (see vga_text.h). */
#include "devices/vga_text.h"

#include <string.h>

/* Register values a VGA BIOS programs for mode 3 (80x25, 16 colours, 9x16 characters). */
static const u8 mode3_crtc[VGA_CRTC_COUNT] = {
    0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00,
    0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
static const u8 mode3_seq[VGA_SEQ_COUNT] = {0x03, 0x00, 0x03, 0x00, 0x02};
static const u8 mode3_gc[VGA_GC_COUNT] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff};
static const u8 mode3_attr[VGA_ATTR_COUNT] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
    0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00};

/* Input status 1 and the CRTC live at 0x3dx in colour mode, 0x3bx in monochrome mode. */
static bool vga_port_active(const struct vga_text *v, unsigned port)
{
    if ((port & 0xfff0) == 0x3d0)
        return v->s.misc & 1;
    if ((port & 0xfff0) == 0x3b0)
        return !(v->s.misc & 1);
    return true;
}

static void vga_log_change(const struct vga_text *v, const char *what, unsigned reg, u8 old, u8 val,
                           u8 mask)
{
    if ((old ^ val) & mask)
        log_printf(v->log, LOG_UNIMP, "vga: %s register %#x = %#x: not modelled (text mode 3 is shown)",
                   what, reg, val);
}

static void vga_write_seq(struct vga_text *v, u8 val)
{
    unsigned i = v->s.seq_index;
    if (i >= VGA_SEQ_COUNT) {
        log_printf(v->log, LOG_UNIMP, "vga: write to undefined sequencer register %#x", i);
        return;
    }
    u8 old = v->s.seq[i];
    v->s.seq[i] = val;
    if (i == VGA_SEQ_CLOCKING)
        vga_log_change(v, "sequencer clocking (8-dot/half-clock)", i, old, val, 0x0d);
    else if (i == 0x02 || i == 0x04)   /* map mask / memory mode: planar access, font loads */
        vga_log_change(v, "sequencer plane access", i, old, val, i == 0x02 ? 0x0c : 0x0e);
}

static void vga_write_gc(struct vga_text *v, u8 val)
{
    unsigned i = v->s.gc_index;
    if (i >= VGA_GC_COUNT) {
        log_printf(v->log, LOG_UNIMP, "vga: write to undefined graphics register %#x", i);
        return;
    }
    u8 old = v->s.gc[i];
    v->s.gc[i] = val;
    if (i == 0x05 || i == 0x06)   /* graphics mode / miscellaneous: graphics, memory map */
        vga_log_change(v, "graphics controller", i, old, val, i == 0x05 ? 0x7b : 0x0f);
}

static void vga_write_crtc(struct vga_text *v, u8 val)
{
    unsigned i = v->s.crtc_index;
    if (i >= VGA_CRTC_COUNT) {
        log_printf(v->log, LOG_UNIMP, "vga: write to undefined CRTC register %#x", i);
        return;
    }
    /* CR11 bit 7 protects CR00-CR07, except CR07 bit 4 (line compare bit 8). */
    if (i <= 7 && (v->s.crtc[VGA_CRTC_VRETRACE_END] & 0x80)) {
        if (i == 7)
            v->s.crtc[7] = (u8)((v->s.crtc[7] & ~0x10) | (val & 0x10));
        return;
    }
    v->s.crtc[i] = val;
}

static void vga_write_attr(struct vga_text *v, u8 val)
{
    if (!v->s.attr_data) {
        v->s.attr_index = val & 0x3f;
        v->s.attr_data = true;
        return;
    }
    v->s.attr_data = false;
    unsigned i = v->s.attr_index & 0x1f;
    if (i >= VGA_ATTR_COUNT) {
        log_printf(v->log, LOG_UNIMP, "vga: write to undefined attribute register %#x", i);
        return;
    }
    u8 old = v->s.attr[i];
    v->s.attr[i] = val;
    if (i == VGA_ATTR_MODE)
        vga_log_change(v, "attribute mode control (graphics/mono/9th-column/panning)", i, old, val, 0x67);
}

static void vga_write_dac(struct vga_text *v, u8 val)
{
    v->s.dac[v->s.dac_write][v->s.dac_sub] = val & 0x3f;
    if (++v->s.dac_sub == 3) {
        v->s.dac_sub = 0;
        v->s.dac_write++;
    }
}

static u8 vga_read_dac(struct vga_text *v)
{
    u8 val = v->s.dac[v->s.dac_read][v->s.dac_sub];
    if (++v->s.dac_sub == 3) {
        v->s.dac_sub = 0;
        v->s.dac_read++;
    }
    return val;
}

static u8 vga_read_status1(struct vga_text *v)
{
    /* Deterministic stand-in for the beam: successive reads alternate display-enable and walk
       through retrace, so "wait for retrace start/end" loops end after a few reads. */
    u32 n = v->s.status_reads++;
    v->s.attr_data = false;
    return (u8)(((n & 1) ? VGA_ST1_DISPLAY_OFF : 0) | ((n & 2) ? VGA_ST1_VRETRACE | VGA_ST1_DISPLAY_OFF : 0));
}

static u64 vga_port_read(void *opaque, u64 off, unsigned size)
{
    struct vga_text *v = opaque;
    unsigned port = VGA_PORT_BASE + (unsigned)off;
    (void)size;
    if (!vga_port_active(v, port))
        return 0xff;
    switch (port) {
    case 0x3b4: case 0x3d4: return v->s.crtc_index;
    case 0x3b5: case 0x3d5:
        return v->s.crtc_index < VGA_CRTC_COUNT ? v->s.crtc[v->s.crtc_index] : 0xff;
    case 0x3ba: case 0x3da: return vga_read_status1(v);
    case 0x3c0: return v->s.attr_index;
    case 0x3c1: return (v->s.attr_index & 0x1f) < VGA_ATTR_COUNT ? v->s.attr[v->s.attr_index & 0x1f] : 0xff;
    case 0x3c2: return 0x00;   /* input status 0: no interrupt pending, switch sense 0 */
    case 0x3c4: return v->s.seq_index;
    case 0x3c5: return v->s.seq_index < VGA_SEQ_COUNT ? v->s.seq[v->s.seq_index] : 0xff;
    case 0x3c6: return v->s.pel_mask;
    case 0x3c7: return v->s.dac_state;
    case 0x3c8: return v->s.dac_write;
    case 0x3c9: return vga_read_dac(v);
    case 0x3ca: return v->s.feature;
    case 0x3cc: return v->s.misc;
    case 0x3ce: return v->s.gc_index;
    case 0x3cf: return v->s.gc_index < VGA_GC_COUNT ? v->s.gc[v->s.gc_index] : 0xff;
    default:
        log_printf(v->log, LOG_UNIMP, "vga: read of port %#x not modelled", port);
        return 0xff;
    }
}

static void vga_port_write(void *opaque, u64 off, u64 value, unsigned size)
{
    struct vga_text *v = opaque;
    unsigned port = VGA_PORT_BASE + (unsigned)off;
    u8 val = (u8)value;
    (void)size;
    if (!vga_port_active(v, port))
        return;
    switch (port) {
    case 0x3b4: case 0x3d4: v->s.crtc_index = val & 0x3f; return;
    case 0x3b5: case 0x3d5: vga_write_crtc(v, val); return;
    case 0x3ba: case 0x3da: v->s.feature = val; return;
    case 0x3c0: vga_write_attr(v, val); return;
    case 0x3c2: v->s.misc = val; return;
    case 0x3c3: return;   /* video subsystem enable */
    case 0x3c4: v->s.seq_index = val & 0x07; return;
    case 0x3c5: vga_write_seq(v, val); return;
    case 0x3c6: v->s.pel_mask = val; return;
    case 0x3c7: v->s.dac_read = val; v->s.dac_sub = 0; v->s.dac_state = 0x03; return;
    case 0x3c8: v->s.dac_write = val; v->s.dac_sub = 0; v->s.dac_state = 0x00; return;
    case 0x3c9: vga_write_dac(v, val); return;
    case 0x3ce: v->s.gc_index = val & 0x0f; return;
    case 0x3cf: vga_write_gc(v, val); return;
    default:
        log_printf(v->log, LOG_UNIMP, "vga: write %#x to port %#x not modelled", val, port);
        return;
    }
}

void vga_text_reset(struct vga_text *v)
{
    memset(&v->s, 0, sizeof v->s);
    v->s.misc = 0x67;
    memcpy(v->s.crtc, mode3_crtc, sizeof mode3_crtc);
    memcpy(v->s.seq, mode3_seq, sizeof mode3_seq);
    memcpy(v->s.gc, mode3_gc, sizeof mode3_gc);
    memcpy(v->s.attr, mode3_attr, sizeof mode3_attr);
    v->s.attr_index = 0x20;   /* palette address source: video enabled */
    v->s.pel_mask = 0xff;
    /* Default DAC entries 0-63: the 64 EGA colours (bits 2/1/0 = R/G/B at 2/3, 5/4/3 at 1/3). */
    for (unsigned i = 0; i < 64; i++) {
        v->s.dac[i][0] = (u8)(((i >> 2) & 1) * 0x2a + ((i >> 5) & 1) * 0x15);
        v->s.dac[i][1] = (u8)(((i >> 1) & 1) * 0x2a + ((i >> 4) & 1) * 0x15);
        v->s.dac[i][2] = (u8)((i & 1) * 0x2a + ((i >> 3) & 1) * 0x15);
    }
    memset(v->vram, 0, sizeof v->vram);
}

void vga_text_init(struct vga_text *v, const struct log *log)
{
    v->log = log;
    vga_text_reset(v);
}

int vga_text_register(struct vga_text *v, struct iomap *mem, struct iomap *io, char *err, size_t errlen)
{
    if (iomap_add_ram(mem, VGA_MEM_BASE, VGA_MEM_SIZE, v->vram, false, "vga-memory", err, errlen))
        return -1;
    return iomap_add_device(io, VGA_PORT_BASE, VGA_PORT_COUNT, "vga", v, vga_port_read, vga_port_write,
                            IOMAP_W8, err, errlen);
}

struct vga_text_view vga_text_view(const struct vga_text *v)
{
    const struct vga_state *s = &v->s;
    struct vga_text_view view = {
        .text = v->vram + (VGA_TEXT_BASE - VGA_MEM_BASE),
        .start = (u32)s->crtc[VGA_CRTC_START_HI] << 8 | s->crtc[VGA_CRTC_START_LO],
        .stride = s->crtc[VGA_CRTC_OFFSET] ? 2u * s->crtc[VGA_CRTC_OFFSET] : VGA_COLS,
        .cursor = (u32)s->crtc[VGA_CRTC_CURSOR_HI] << 8 | s->crtc[VGA_CRTC_CURSOR_LO],
        .cursor_start = s->crtc[VGA_CRTC_CURSOR_START] & 0x3f,
        .cursor_end = s->crtc[VGA_CRTC_CURSOR_END] & 0x1f,
        .blink = s->attr[VGA_ATTR_MODE] & VGA_ATTR_BLINK,
        .screen_off = s->seq[VGA_SEQ_CLOCKING] & VGA_SEQ_SCREEN_OFF,
    };
    /* Colour c: attribute palette register -> (colour select) -> DAC, masked by the PEL mask. */
    u8 mode = s->attr[VGA_ATTR_MODE], csel = s->attr[0x14];
    for (unsigned c = 0; c < 16; c++) {
        u8 idx = (mode & 0x80) ? (u8)(((csel & 0x0f) << 4) | (s->attr[c] & 0x0f))
                               : (u8)(((csel & 0x0c) << 4) | (s->attr[c] & 0x3f));
        const u8 *rgb = s->dac[idx & s->pel_mask];
        u32 px = 0;
        for (unsigned k = 0; k < 3; k++)
            px = px << 8 | (u32)(rgb[k] << 2 | rgb[k] >> 4);
        view.palette[c] = px;
    }
    return view;
}
