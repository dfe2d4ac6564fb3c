/* machine/main.c — the hvsim command-line program: parse options, build the machine, run it,
 * and exit with the guest's status. */
#include <stdio.h>
#include <stdlib.h>

#include "debugger/debugger.h"
#include "machine/display_sdl.h"
#include "machine/machine.h"

int main(int argc, char **argv)
{
    struct machine_config cfg;
    char err[512];
    switch (cli_parse(argc, argv, &cfg, stdout, err, sizeof err)) {
    case CLI_EXIT_OK:
        return 0;
    case CLI_ERROR:
        fprintf(stderr, "hvsim: %s\n", err);
        return 2;
    case CLI_RUN:
        break;
    }
    struct machine *m = machine_create(&cfg, err, sizeof err);
    if (!m) {
        fprintf(stderr, "hvsim: %s\n", err);
        return 2;
    }
    struct display_sdl *disp = NULL;
    if (cfg.display == DISPLAY_SDL) {
        disp = display_sdl_open(machine_vga(m), err, sizeof err);
        if (!disp) {
            fprintf(stderr, "hvsim: %s\n", err);
            machine_destroy(m);
            return 2;
        }
        machine_set_frontend(m, &(struct machine_frontend){display_sdl_refresh, disp});
    }
    if (cfg.debug || cfg.gdb_port) {
        int st = debugger_main(m, &cfg);
        display_sdl_close(disp);
        if (cfg.stats)
            machine_print_stats(m, stderr);
        machine_destroy(m);
        return st;
    }
    enum machine_exit why = machine_run(m);
    int status = machine_exit_status(m);
    if (why != MEXIT_DEBUG_EXIT)
        fprintf(stderr, "hvsim: %s\n", machine_exit_message(m));
    if (disp && cfg.no_shutdown && why != MEXIT_FRONTEND) {
        fprintf(stderr, "hvsim: guest stopped; close the window to quit\n");
        display_sdl_wait_close(disp);
    }
    display_sdl_close(disp);
    if (cfg.stats)
        machine_print_stats(m, stderr);
    machine_destroy(m);
    return status;
}
