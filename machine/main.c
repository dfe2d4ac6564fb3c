/* machine/main.c — the hvsim command-line program: parse options, build the machine, run it,
 * and exit with the guest's status. */
#include <stdio.h>
#include <stdlib.h>

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
    enum machine_exit why = machine_run(m);
    int status = machine_exit_status(m);
    if (why != MEXIT_DEBUG_EXIT)
        fprintf(stderr, "hvsim: %s\n", machine_exit_message(m));
    if (cfg.stats)
        machine_print_stats(m, stderr);
    machine_destroy(m);
    return status;
}
