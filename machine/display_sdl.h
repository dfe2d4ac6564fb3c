/* machine/display_sdl.h — the `-display sdl` window: shows the VGA text screen, scaled, at
 * about 60 Hz. The only part of hvsim that includes SDL headers (display_sdl.c); it is linked
 * into the hvsim program alone, so no test and no embedding user needs SDL or a display. */
#ifndef HVSIM_MACHINE_DISPLAY_SDL_H
#define HVSIM_MACHINE_DISPLAY_SDL_H

#include <stdbool.h>
#include <stddef.h>

struct display_sdl;
struct vga_text;

/* Open a 720x400 window showing `vga`. NULL with one line in err when there is no display to
 * open (neither DISPLAY nor WAYLAND_DISPLAY nor SDL_VIDEODRIVER set) or SDL fails. */
struct display_sdl *display_sdl_open(const struct vga_text *vga, char *err, size_t errlen);

/* The machine_frontend refresh hook: draw the screen if it changed, handle window events.
 * Returns false once the window was closed. */
bool display_sdl_refresh(void *opaque);

/* Keep showing the last screen until the window is closed (-no-shutdown after the run). */
void display_sdl_wait_close(struct display_sdl *d);

/* Close the window and shut SDL down; NULL is allowed. */
void display_sdl_close(struct display_sdl *d);

#endif
