/* machine/display_sdl.c — SDL2 front end for the VGA text screen (see display_sdl.h).
 * Every SDL call stays on the thread that runs the machine (SDL requires the main thread). */
#define SDL_MAIN_HANDLED
#include "machine/display_sdl.h"

#include <SDL.h>
#include <stdlib.h>
#include <string.h>

#include "devices/vga_text.h"

struct display_sdl {
    const struct vga_text *vga;
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    u32 fb[VGA_FB_WIDTH * VGA_FB_HEIGHT];
    /* What the last frame showed, to skip drawing an unchanged screen. */
    u8 shown_text[VGA_TEXT_SIZE];
    struct vga_text_view shown_view;
    unsigned shown_phase;
    bool drawn;
    bool closed;
    bool keys_noted;
};

struct display_sdl *display_sdl_open(const struct vga_text *vga, char *err, size_t errlen)
{
    if (!getenv("SDL_VIDEODRIVER") && !getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY")) {
        snprintf(err, errlen, "-display sdl: no display available (DISPLAY is not set); "
                              "use -display none, or SDL_VIDEODRIVER=dummy to run headless");
        return NULL;
    }
    struct display_sdl *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "-display sdl: out of memory");
        return NULL;
    }
    d->vga = vga;
    /* Keep Ctrl-C a signal (SDL would turn it into a window-close event). */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    /* Unless the user chose a driver, try only the display that is configured: SDL would
       otherwise fall back to an invisible offscreen window when it cannot reach it. */
    bool chosen = getenv("SDL_VIDEODRIVER") != NULL;
    if (!chosen && !getenv("WAYLAND_DISPLAY"))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11");
    else if (!chosen && !getenv("DISPLAY"))
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "wayland");
    SDL_SetMainReady();
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        snprintf(err, errlen, "-display sdl: cannot open the display %s: %s",
                 getenv("DISPLAY") ? getenv("DISPLAY") : "", SDL_GetError());
        free(d);
        return NULL;
    }
    const char *drv = SDL_GetCurrentVideoDriver();
    if (!chosen && drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy"))) {
        snprintf(err, errlen, "-display sdl: no display could be opened (SDL fell back to '%s')", drv);
        SDL_Quit();
        free(d);
        return NULL;
    }
    d->win = SDL_CreateWindow("hvsim", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, VGA_FB_WIDTH,
                              VGA_FB_HEIGHT, SDL_WINDOW_RESIZABLE);
    if (d->win)
        d->ren = SDL_CreateRenderer(d->win, -1, 0);
    if (d->ren)
        d->tex = SDL_CreateTexture(d->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING,
                                   VGA_FB_WIDTH, VGA_FB_HEIGHT);
    if (!d->tex) {
        snprintf(err, errlen, "-display sdl: cannot open a window: %s", SDL_GetError());
        display_sdl_close(d);
        return NULL;
    }
    SDL_RenderSetLogicalSize(d->ren, VGA_FB_WIDTH, VGA_FB_HEIGHT);
    return d;
}

/* Blink phase in 60 Hz frames of host time (the cursor blinks every 16, text every 32). */
static unsigned display_phase(void)
{
    return (unsigned)(SDL_GetTicks64() * 60 / 1000) & 0x18;
}

static bool view_same(const struct vga_text_view *a, const struct vga_text_view *b)
{
    return a->start == b->start && a->stride == b->stride && a->cursor == b->cursor &&
           a->cursor_start == b->cursor_start && a->cursor_end == b->cursor_end &&
           a->blink == b->blink && a->screen_off == b->screen_off &&
           !memcmp(a->palette, b->palette, sizeof a->palette);
}

static void display_draw(struct display_sdl *d, bool force)
{
    struct vga_text_view view = vga_text_view(d->vga);
    unsigned phase = display_phase();
    if (!force && d->drawn && phase == d->shown_phase && view_same(&view, &d->shown_view) &&
        !memcmp(view.text, d->shown_text, VGA_TEXT_SIZE))
        return;
    memcpy(d->shown_text, view.text, VGA_TEXT_SIZE);
    d->shown_view = view;
    d->shown_phase = phase;
    d->drawn = true;
    vga_text_render(&view, d->fb, VGA_FB_WIDTH, phase);
    SDL_UpdateTexture(d->tex, NULL, d->fb, VGA_FB_WIDTH * (int)sizeof d->fb[0]);
    SDL_RenderClear(d->ren);
    SDL_RenderCopy(d->ren, d->tex, NULL, NULL);
    SDL_RenderPresent(d->ren);
}

/* Handle pending events; true when something asks for a full redraw. */
static bool display_events(struct display_sdl *d)
{
    bool redraw = false;
    SDL_Event ev;
    while (SDL_PollEvent(&ev)) {
        switch (ev.type) {
        case SDL_QUIT:
            d->closed = true;
            break;
        case SDL_WINDOWEVENT:
            if (ev.window.event == SDL_WINDOWEVENT_CLOSE)
                d->closed = true;
            else
                redraw = true;
            break;
        case SDL_KEYDOWN:
            /* The i8042 model has no keyboard input yet: keys are not passed to the guest. */
            if (!d->keys_noted) {
                d->keys_noted = true;
                fprintf(stderr, "hvsim: keyboard input is not passed to the guest yet (i8042 has no keyboard)\n");
            }
            break;
        default:
            break;
        }
    }
    return redraw;
}

bool display_sdl_refresh(void *opaque)
{
    struct display_sdl *d = opaque;
    bool redraw = display_events(d);
    if (d->closed)
        return false;
    display_draw(d, redraw);
    return true;
}

void display_sdl_wait_close(struct display_sdl *d)
{
    while (d && !d->closed) {
        display_draw(d, display_events(d));
        SDL_Delay(16);
    }
}

void display_sdl_close(struct display_sdl *d)
{
    if (!d)
        return;
    if (d->tex)
        SDL_DestroyTexture(d->tex);
    if (d->ren)
        SDL_DestroyRenderer(d->ren);
    if (d->win)
        SDL_DestroyWindow(d->win);
    SDL_Quit();
    free(d);
}
