/* machine/cli.c — command-line parsing with QEMU's option spellings, so users' habits and
 * kvm-unit-tests' command lines carry over unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "machine/config.h"

#define HVSIM_VERSION "0.1.0"

static const char usage[] =
    "usage: hvsim -kernel FILE [options]\n"
    "\n"
    "hvsim is an instruction-level x86-64 PC simulator with modelled Intel VMX and AMD SVM.\n"
    "\n"
    "Options (QEMU spellings):\n"
    "  -kernel FILE       Multiboot-1 kernel to boot (ELF32, ELF64 or a.out kludge)\n"
    "  -append STR        kernel command line; the guest sees \"FILE STR\" as under QEMU\n"
    "  -initrd FILE       module 0 (kvm-unit-tests: its environment file)\n"
    "  -m SIZE            RAM: a number of MiB, or with a K/M/G/T suffix (default 128M)\n"
    "  -smp N             number of virtual CPUs (default 1)\n"
    "  -cpu MODEL[,+feat,-feat,feat=on|off][,tlb=normal|strict|flush]\n"
    "                     intel (default), amd, max, host, qemu64; +vmx selects intel,\n"
    "                     +svm selects amd; unknown or unimplemented features are errors;\n"
    "                     fc-locked: IA32_FEATURE_CONTROL starts locked with VMX enabled;\n"
    "                     tlb=strict keeps every stale translation the architecture allows,\n"
    "                     tlb=flush flushes on every VM transition and CR3 write\n"
    "  -serial MODE       stdio (default), file:PATH or none: where COM1 output goes\n"
    "  -display MODE      none (default) or sdl: a window showing the VGA text screen\n"
    "                     (SDL_VIDEODRIVER=dummy runs it headless)\n"
    "  -no-reboot         stop instead of resetting on a triple fault\n"
    "  -no-shutdown       with -display sdl: keep the window open after the guest stops,\n"
    "                     until it is closed\n"
    "  -d ITEMS           log items, comma separated: %s\n"
    "  -D FILE            write the log to FILE instead of stderr\n"
    "  -stats             print instruction, cycle, TLB and decode-cache counters at exit\n"
    "  -max-insns N       stop after N instructions per vCPU (exit status 124)\n"
    "  -debug             stop before the first instruction at the debugger prompt\n"
    "                     (docs/debugger.md)\n"
    "  -x FILE, -ex CMD   run debugger commands from FILE / the command CMD (implies -debug)\n"
    "  -batch             exit after the -x/-ex commands (like gdb -batch)\n"
    "  -gdb tcp::PORT     serve the gdb remote protocol on PORT; -s is -gdb tcp::1234\n"
    "  -S                 do not start the CPUs until the gdb client says so\n"
    "  -nodefaults, -no-user-config, -machine ..., -device isa-debug-exit/pc-testdev/pci-testdev,\n"
    "  -vnc none, -nographic\n"
    "                     accepted for QEMU command-line compatibility; hvsim's board always\n"
    "                     has COM1, the debug-exit port 0xf4 and the 0xe9 console\n"
    "  --help, -h         this text\n"
    "  --version          version\n"
    "\n"
    "Exit status: a guest write of V to port 0xf4 exits with (V << 1) | 1 (always odd); 0 after\n"
    "a triple fault or when the display window is closed; 2 for a usage error, an unusable\n"
    "kernel/initrd file or a display that cannot be opened; 4 when every vCPU\n"
    "halted with nothing left to wake it; 6 when the guest needs something hvsim does not model\n"
    "yet; 124 when -max-insns ran out. Even statuses never come from the guest.\n";

u64 cli_parse_size(const char *s)
{
    if (!strncmp(s, "size=", 5))
        s += 5;
    char *end;
    double v = strtod(s, &end);
    if (end == s || v <= 0)
        return 0;
    u64 mul = 1ull << 20;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    case 't': case 'T': mul = 1ull << 40; end++; break;
    case 'b': case 'B': mul = 1; end++; break;
    default: return 0;
    }
    if (*end == 'i' || *end == 'B')   /* accept MiB / MB spellings */
        end++;
    if (*end == 'B')
        end++;
    if (*end)
        return 0;
    return (u64)(v * (double)mul);
}

enum cli_result cli_parse(int argc, char **argv, struct machine_config *cfg, FILE *out,
                          char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ram_size = 128ull << 20;
    cfg->smp = 1;
    cfg->cpu_spec = "intel";
    cfg->serial = SERIAL_STDIO;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* Accept both -opt and --opt as QEMU does. */
        if (a[0] == '-' && a[1] == '-' && a[2])
            a++;
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                                  \
    do {                                                                              \
        if (!val) {                                                                   \
            snprintf(err, errlen, "option %s needs a value (see --help)", argv[i]);   \
            return CLI_ERROR;                                                         \
        }                                                                             \
        i++;                                                                          \
    } while (0)
        if (!strcmp(a, "-help") || !strcmp(a, "-h")) {
            fprintf(out, usage, log_item_names());
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "-version")) {
            fprintf(out, "hvsim %s\n", HVSIM_VERSION);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "-kernel")) {
            NEED_VALUE();
            cfg->kernel = val;
        } else if (!strcmp(a, "-append")) {
            NEED_VALUE();
            cfg->append = val;
        } else if (!strcmp(a, "-initrd")) {
            NEED_VALUE();
            cfg->initrd = val;
        } else if (!strcmp(a, "-m")) {
            NEED_VALUE();
            cfg->ram_size = cli_parse_size(val);
            if (cfg->ram_size < (2ull << 20) || cfg->ram_size > (1ull << 40)) {
                snprintf(err, errlen, "-m: bad memory size '%s' (2M to 1T, e.g. 512M or 4G)", val);
                return CLI_ERROR;
            }
        } else if (!strcmp(a, "-smp")) {
            NEED_VALUE();
            const char *v = !strncmp(val, "cpus=", 5) ? val + 5 : val;
            char *end;
            long n = strtol(v, &end, 10);
            if (end == v || (*end && *end != ',') || n < 1 || n > 64) {
                snprintf(err, errlen, "-smp: bad CPU count '%s' (1 to 64)", val);
                return CLI_ERROR;
            }
            cfg->smp = (unsigned)n;
        } else if (!strcmp(a, "-cpu")) {
            NEED_VALUE();
            cfg->cpu_spec = val;
        } else if (!strcmp(a, "-serial")) {
            NEED_VALUE();
            if (!strcmp(val, "stdio") || !strcmp(val, "mon:stdio"))
                cfg->serial = SERIAL_STDIO;
            else if (!strcmp(val, "none") || !strcmp(val, "null"))
                cfg->serial = SERIAL_NONE;
            else if (!strncmp(val, "file:", 5) && val[5]) {
                cfg->serial = SERIAL_FILE;
                cfg->serial_path = val + 5;
            } else {
                snprintf(err, errlen, "-serial: unsupported '%s' (stdio, file:PATH or none)", val);
                return CLI_ERROR;
            }
        } else if (!strcmp(a, "-display")) {
            NEED_VALUE();
            if (!strcmp(val, "none"))
                cfg->display = DISPLAY_NONE;
            else if (!strcmp(val, "sdl"))
                cfg->display = DISPLAY_SDL;
            else {
                snprintf(err, errlen, "-display: unsupported '%s' (none or sdl)", val);
                return CLI_ERROR;
            }
        } else if (!strcmp(a, "-nographic")) {
            cfg->display = DISPLAY_NONE;
        } else if (!strcmp(a, "-no-reboot")) {
            cfg->no_reboot = true;
        } else if (!strcmp(a, "-no-shutdown")) {
            cfg->no_shutdown = true;
        } else if (!strcmp(a, "-d")) {
            NEED_VALUE();
            char bad[64];
            if (!strcmp(val, "help")) {
                fprintf(out, "log items: %s\n", log_item_names());
                return CLI_EXIT_OK;
            }
            if (log_parse_items(val, &cfg->log_mask, bad, sizeof bad)) {
                snprintf(err, errlen, "-d: unknown log item '%s' (known: %s)", bad, log_item_names());
                return CLI_ERROR;
            }
        } else if (!strcmp(a, "-D")) {
            NEED_VALUE();
            cfg->log_file = val;
        } else if (!strcmp(a, "-stats")) {
            cfg->stats = true;
        } else if (!strcmp(a, "-max-insns")) {
            NEED_VALUE();
            char *end;
            cfg->max_insns = strtoull(val, &end, 0);
            if (*end || !cfg->max_insns) {
                snprintf(err, errlen, "-max-insns: bad count '%s'", val);
                return CLI_ERROR;
            }
        } else if (!strcmp(a, "-debug")) {
            cfg->debug = true;
        } else if (!strcmp(a, "-x") || !strcmp(a, "-ex")) {
            NEED_VALUE();
            if (cfg->ndebug_cmds == ARRAY_SIZE(cfg->debug_cmds)) {
                snprintf(err, errlen, "%s: at most %zu -x/-ex options", a, ARRAY_SIZE(cfg->debug_cmds));
                return CLI_ERROR;
            }
            cfg->debug_cmds[cfg->ndebug_cmds].text = val;
            cfg->debug_cmds[cfg->ndebug_cmds++].file = !strcmp(a, "-x");
            cfg->debug = true;
        } else if (!strcmp(a, "-batch")) {
            cfg->batch = true;
        } else if (!strcmp(a, "-s")) {
            cfg->gdb_port = 1234;
        } else if (!strcmp(a, "-S")) {
            cfg->start_stopped = true;
        } else if (!strcmp(a, "-gdb")) {
            NEED_VALUE();
            char *end;
            const char *p = !strncmp(val, "tcp::", 5) ? val + 5 : !strncmp(val, "tcp:localhost:", 14) ? val + 14 : NULL;
            unsigned long port = p ? strtoul(p, &end, 10) : 0;
            if (!p || end == p || *end || port == 0 || port > 65535) {
                snprintf(err, errlen, "-gdb: unsupported '%s' (tcp::PORT)", val);
                return CLI_ERROR;
            }
            cfg->gdb_port = (unsigned)port;
        } else if (!strcmp(a, "-nodefaults") || !strcmp(a, "-no-user-config")) {
            /* compatibility no-ops */
        } else if (!strcmp(a, "-enable-kvm")) {
            snprintf(err, errlen, "-enable-kvm: hvsim is a simulator; KVM acceleration is not available");
            return CLI_ERROR;
        } else if (!strcmp(a, "-machine") || !strcmp(a, "-M") || !strcmp(a, "-vnc")) {
            NEED_VALUE();
            if (!strcmp(a, "-machine") && strstr(val, "accel=kvm") && !strstr(val, "tcg")) {
                snprintf(err, errlen, "-machine %s: hvsim is a simulator; accel=kvm is not available", val);
                return CLI_ERROR;
            }
        } else if (!strcmp(a, "-device")) {
            NEED_VALUE();
            if (strncmp(val, "isa-debug-exit", 14) && strncmp(val, "pc-testdev", 10) &&
                strncmp(val, "pci-testdev", 11)) {
                snprintf(err, errlen, "-device: unsupported device '%s'", val);
                return CLI_ERROR;
            }
        } else {
            snprintf(err, errlen, "unknown option '%s' (see --help)", argv[i]);
            return CLI_ERROR;
        }
#undef NEED_VALUE
    }
    if (cfg->start_stopped && !cfg->gdb_port && !cfg->debug) {
        snprintf(err, errlen, "-S needs -s or -gdb tcp::PORT (nothing else could start the machine)");
        return CLI_ERROR;
    }
    if (cfg->batch && !cfg->debug) {
        snprintf(err, errlen, "-batch needs -debug, -x or -ex");
        return CLI_ERROR;
    }
    if (!cfg->kernel) {
        snprintf(err, errlen, "no kernel given: use -kernel FILE (see --help)");
        return CLI_ERROR;
    }
    if (model_parse(cfg->cpu_spec, &cfg->model, err, errlen))
        return CLI_ERROR;
    return CLI_RUN;
}
