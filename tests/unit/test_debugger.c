/* Unit tests for the debugger's pure parts (debugger/cmdtab.c, expr.c, xfmt.c, rsp.c), its
 * command table's prefixes and aliases, and the -debug/-x/-gdb options of machine/cli.c. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "debugger/cmds.h"
#include "debugger/dbg.h"
#include "debugger/expr.h"
#include "debugger/rsp.h"
#include "debugger/xfmt.h"
#include "machine/config.h"

static const struct dbg_cmd *lookup(const char *w, unsigned *ncand)
{
    return cmdtab_lookup(dbg_cmd_tables, dbg_cmd_ntables, w, strlen(w), ncand);
}

START_TEST(command_prefixes)
{
    unsigned n;
    ck_assert_ptr_eq(lookup("continue", &n)->fn, cmd_continue);
    ck_assert_ptr_eq(lookup("cont", &n)->fn, cmd_continue);
    ck_assert_ptr_eq(lookup("c", &n)->fn, cmd_continue);          /* alias beats the prefix 'c' */
    ck_assert_ptr_eq(lookup("si", &n)->fn, cmd_stepi);
    ck_assert_ptr_eq(lookup("stepi", &n)->fn, cmd_stepi);
    ck_assert_ptr_eq(lookup("ni", &n)->fn, cmd_nexti);
    ck_assert_ptr_eq(lookup("b", &n)->fn, cmd_break);
    ck_assert_ptr_eq(lookup("br", &n)->fn, cmd_break);
    ck_assert_ptr_eq(lookup("disas", &n)->fn, cmd_disassemble);
    ck_assert_ptr_eq(lookup("x", &n)->fn, cmd_x);
    ck_assert_ptr_eq(lookup("xp", &n)->fn, cmd_xp);
    ck_assert_ptr_eq(lookup("q", &n)->fn, cmd_quit);
    /* "dis" is disable or disassemble: ambiguous, two candidates. */
    ck_assert_ptr_null(lookup("dis", &n));
    ck_assert_uint_eq(n, 2);
    ck_assert_ptr_null(lookup("frobnicate", &n));
    ck_assert_uint_eq(n, 0);
    unsigned m;
    ck_assert_ptr_eq(cmdtab_lookup(dbg_info_tables, dbg_info_ntables, "reg", 3, &m)->fn, cmd_info_registers);
    ck_assert_ptr_eq(cmdtab_lookup(dbg_info_tables, dbg_info_ntables, "r", 1, &m)->fn, cmd_info_registers);
    ck_assert_ptr_eq(cmdtab_lookup(dbg_info_tables, dbg_info_ntables, "pagew", 5, &m)->fn, cmd_info_pagewalk);
    /* breakpoints and watchpoints name one command: "b" alone is its alias, not ambiguous. */
    ck_assert_ptr_eq(cmdtab_lookup(dbg_info_tables, dbg_info_ntables, "b", 1, &m)->fn, cmd_info_breakpoints);
}
END_TEST

START_TEST(command_words)
{
    size_t len;
    const char *rest;
    const char *w = cmdtab_word("  x/4xb 0x1000", &len, &rest);
    ck_assert_uint_eq(len, 1);
    ck_assert_int_eq(*w, 'x');
    ck_assert_str_eq(rest, "/4xb 0x1000");
    w = cmdtab_word("info   registers rip", &len, &rest);
    ck_assert_uint_eq(len, 4);
    ck_assert_str_eq(rest, "registers rip");
    ck_assert_str_eq(cmdtab_complete(dbg_cmd_tables, dbg_cmd_ntables, "dis", 0), "disable");
    ck_assert_str_eq(cmdtab_complete(dbg_cmd_tables, dbg_cmd_ntables, "dis", 1), "disassemble");
    ck_assert_ptr_null(cmdtab_complete(dbg_cmd_tables, dbg_cmd_ntables, "dis", 2));
}
END_TEST

static bool fake_reg(void *opaque, const char *name, size_t len, u64 *v)
{
    (void)opaque;
    if (len == 3 && !strncmp(name, "rsp", 3)) {
        *v = 0x7000;
        return true;
    }
    return false;
}

static u64 eval(const char *s, const char **rest)
{
    char err[128];
    u64 v = 0;
    int rc = expr_parse(&s, &v, fake_reg, NULL, err, sizeof err);
    ck_assert_msg(rc == 0, "%s", err);
    if (rest)
        *rest = s;
    return v;
}

START_TEST(expressions)
{
    ck_assert_uint_eq(eval("0x1000", NULL), 0x1000);
    ck_assert_uint_eq(eval("42", NULL), 42);
    ck_assert_uint_eq(eval("0b101", NULL), 5);
    ck_assert_uint_eq(eval("1 + 2 * 3", NULL), 7);
    ck_assert_uint_eq(eval("(1 + 2) * 3", NULL), 9);
    ck_assert_uint_eq(eval("$rsp - 8", NULL), 0x6ff8);
    ck_assert_uint_eq(eval("-1", NULL), UINT64_MAX);
    ck_assert_uint_eq(eval("~0xfff & 0x12345", NULL), 0x12000);
    ck_assert_uint_eq(eval("1 << 4 | 1", NULL), 17);
    ck_assert_uint_eq(eval("0xffffffffffffffff", NULL), UINT64_MAX);
    const char *rest;
    ck_assert_uint_eq(eval("0x100 5", &rest), 0x100);   /* two arguments: the first ends at the space */
    ck_assert_str_eq(rest, "5");
    char err[128];
    u64 v;
    const char *bad[] = {"$nosuch", "0x", "1 +", "(1", "12abc", "0x10000000000000000", "4 / 0", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *s = bad[i];
        ck_assert_msg(expr_parse(&s, &v, fake_reg, NULL, err, sizeof err) == -1, "'%s' parsed", bad[i]);
    }
}
END_TEST

START_TEST(x_formats)
{
    struct xfmt f = {1, 'x', 4};
    char err[64];
    const char *s = "4xb";
    ck_assert_int_eq(xfmt_parse(&s, &f, err, sizeof err), 0);
    ck_assert_uint_eq(f.count, 4);
    ck_assert_int_eq(f.fmt, 'x');
    ck_assert_uint_eq(f.size, 1);
    s = "2g";   /* the format letter carries over, as in gdb */
    ck_assert_int_eq(xfmt_parse(&s, &f, err, sizeof err), 0);
    ck_assert_uint_eq(f.count, 2);
    ck_assert_int_eq(f.fmt, 'x');
    ck_assert_uint_eq(f.size, 8);
    s = "i";
    ck_assert_int_eq(xfmt_parse(&s, &f, err, sizeof err), 0);
    ck_assert_int_eq(f.fmt, 'i');
    ck_assert_uint_eq(f.count, 1);
    s = "3c";
    ck_assert_int_eq(xfmt_parse(&s, &f, err, sizeof err), 0);
    ck_assert_uint_eq(f.size, 1);
    s = "q";
    ck_assert_int_eq(xfmt_parse(&s, &f, err, sizeof err), -1);
    ck_assert_uint_eq(xfmt_per_line(&(struct xfmt){1, 'x', 1}), 8);
    ck_assert_uint_eq(xfmt_per_line(&(struct xfmt){1, 'x', 4}), 4);
    ck_assert_uint_eq(xfmt_per_line(&(struct xfmt){1, 'x', 8}), 2);

    char buf[80];
    xfmt_value(buf, sizeof buf, 'x', 1, 0x0a);
    ck_assert_str_eq(buf, "0x0a");
    xfmt_value(buf, sizeof buf, 'x', 4, 0xbeef);
    ck_assert_str_eq(buf, "0x0000beef");
    xfmt_value(buf, sizeof buf, 'd', 1, 0xff);
    ck_assert_str_eq(buf, "-1");
    xfmt_value(buf, sizeof buf, 'd', 2, 0x7fff);
    ck_assert_str_eq(buf, "32767");
    xfmt_value(buf, sizeof buf, 'u', 1, 0xff);
    ck_assert_str_eq(buf, "255");
    xfmt_value(buf, sizeof buf, 'o', 1, 8);
    ck_assert_str_eq(buf, "010");
    xfmt_value(buf, sizeof buf, 't', 1, 5);
    ck_assert_str_eq(buf, "00000101");
    xfmt_value(buf, sizeof buf, 'c', 1, 'A');
    ck_assert_str_eq(buf, "65 'A'");
    xfmt_value(buf, sizeof buf, 'c', 1, 0);
    ck_assert_str_eq(buf, "0 '\\000'");
    xfmt_value(buf, sizeof buf, 'a', 8, 0x101600);
    ck_assert_str_eq(buf, "0x101600");
    xfmt_value(buf, sizeof buf, 'f', 4, 0x3fc00000);   /* 1.5f */
    ck_assert_str_eq(buf, "1.5");
    xfmt_value(buf, sizeof buf, 'f', 8, 0xc000000000000000ull);   /* -2.0 */
    ck_assert_str_eq(buf, "-2");
}
END_TEST

START_TEST(rsp_framing)
{
    ck_assert_uint_eq(rsp_checksum("OK", 2), 0x9a);
    char out[64];
    ck_assert_uint_eq(rsp_frame(out, sizeof out, "OK", 2), 6);
    ck_assert_str_eq(out, "$OK#9a");
    /* '#', '$', '}' and '*' are escaped as '}' + byte ^ 0x20, and the checksum covers the escape. */
    rsp_frame(out, sizeof out, "a#b", 3);
    ck_assert_str_eq(out, "$a}\x03" "b#43");   /* 0x61 + 0x7d + 0x03 + 0x62 */
    ck_assert_uint_eq(rsp_frame(out, 8, "0123456789", 10), 0);   /* does not fit */

    struct rsp_decoder d = {0};
    const char *in = "+$g#67";
    enum rsp_event ev = RSP_NONE;
    for (const char *p = in; *p; p++) {
        ev = rsp_feed(&d, (u8)*p);
        if (p == in)
            ck_assert_int_eq(ev, RSP_ACK);
    }
    ck_assert_int_eq(ev, RSP_PACKET);
    ck_assert_str_eq(d.buf, "g");
    /* An escaped byte is unescaped; the checksum is over the bytes as sent. */
    const char *esc = "$X0,1:}\x03#";
    u8 sum = rsp_checksum("X0,1:}\x03", 7);
    for (const char *p = esc; *p; p++)
        rsp_feed(&d, (u8)*p);
    char hx[3];
    snprintf(hx, sizeof hx, "%02x", sum);
    rsp_feed(&d, (u8)hx[0]);
    ck_assert_int_eq(rsp_feed(&d, (u8)hx[1]), RSP_PACKET);
    ck_assert_uint_eq(d.len, 6);
    ck_assert_int_eq(d.buf[5], '#');
    /* Bad checksum, bad digit, and Ctrl-C between packets. */
    for (const char *p = "$g#68"; *p; p++)
        ev = rsp_feed(&d, (u8)*p);
    ck_assert_int_eq(ev, RSP_BAD);
    for (const char *p = "$g#z"; *p; p++)
        ev = rsp_feed(&d, (u8)*p);
    ck_assert_int_eq(ev, RSP_BAD);
    ck_assert_int_eq(rsp_feed(&d, 3), RSP_INTERRUPT);
    ck_assert_int_eq(rsp_feed(&d, '-'), RSP_NAK);
    /* A '$' inside a broken packet restarts it; an overlong packet is refused. */
    for (const char *p = "$garbage$?#3f"; *p; p++)
        ev = rsp_feed(&d, (u8)*p);
    ck_assert_int_eq(ev, RSP_PACKET);
    ck_assert_str_eq(d.buf, "?");
    rsp_feed(&d, '$');
    for (int i = 0; i < RSP_MAX + 10; i++)
        rsp_feed(&d, 'a');
    rsp_feed(&d, '#');
    rsp_feed(&d, '0');
    ck_assert_int_eq(rsp_feed(&d, '0'), RSP_BAD);
}
END_TEST

START_TEST(hex)
{
    char out[16];
    hex_encode(out, "\x01\xab\xff", 3);
    ck_assert_str_eq(out, "01abff");
    u8 b[3];
    ck_assert_int_eq(hex_decode("01ABff", b, 3), 0);
    ck_assert_uint_eq(b[1], 0xab);
    ck_assert_int_eq(hex_decode("0g", b, 1), -1);
    ck_assert_int_eq(hex_decode("0", b, 1), -1);   /* odd length: the NUL is not a digit */
    const char *s = "101600,4";
    u64 v;
    ck_assert(hex_u64(&s, &v));
    ck_assert_uint_eq(v, 0x101600);
    ck_assert_str_eq(s, ",4");
    s = ",4";
    ck_assert(!hex_u64(&s, &v));
    s = "11112222333344445";   /* 17 digits */
    ck_assert(!hex_u64(&s, &v));
    ck_assert_int_eq(hex_nibble('F'), 15);
    ck_assert_int_eq(hex_nibble('x'), -1);
}
END_TEST

static enum cli_result parse(struct machine_config *cfg, char *err, const char *const *args)
{
    char *argv[16] = {"hvsim"};
    int argc = 1;
    while (*args)
        argv[argc++] = (char *)*args++;
    FILE *devnull = fopen("/dev/null", "w");
    enum cli_result r = cli_parse(argc, argv, cfg, devnull, err, 200);
    fclose(devnull);
    return r;
}

START_TEST(options)
{
    struct machine_config cfg;
    char err[200];
    ck_assert_int_eq(parse(&cfg, err, (const char *[]){"-kernel", "k", "-debug", NULL}), CLI_RUN);
    ck_assert(cfg.debug);
    ck_assert_uint_eq(cfg.gdb_port, 0);
    ck_assert_int_eq(parse(&cfg, err, (const char *[]){"-kernel", "k", "-x", "a", "-ex", "si", "-batch", NULL}),
                     CLI_RUN);
    ck_assert(cfg.debug && cfg.batch);
    ck_assert_uint_eq(cfg.ndebug_cmds, 2);
    ck_assert(cfg.debug_cmds[0].file && !cfg.debug_cmds[1].file);
    ck_assert_str_eq(cfg.debug_cmds[1].text, "si");
    ck_assert_int_eq(parse(&cfg, err, (const char *[]){"-kernel", "k", "-s", "-S", NULL}), CLI_RUN);
    ck_assert_uint_eq(cfg.gdb_port, 1234);
    ck_assert(cfg.start_stopped && !cfg.debug);
    ck_assert_int_eq(parse(&cfg, err, (const char *[]){"-kernel", "k", "-gdb", "tcp::5555", NULL}), CLI_RUN);
    ck_assert_uint_eq(cfg.gdb_port, 5555);
    ck_assert_int_eq(parse(&cfg, err, (const char *[]){"-kernel", "k", "-gdb", "tcp::0", NULL}), CLI_ERROR);
    ck_assert_int_eq(parse(&cfg, err, (const char *[]){"-kernel", "k", "-gdb", "unix:/x", NULL}), CLI_ERROR);
    ck_assert_int_eq(parse(&cfg, err, (const char *[]){"-kernel", "k", "-S", NULL}), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "-S needs"));
    ck_assert_int_eq(parse(&cfg, err, (const char *[]){"-kernel", "k", "-batch", NULL}), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "-batch"));
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("debugger");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, command_prefixes);
    tcase_add_test(tc, command_words);
    tcase_add_test(tc, expressions);
    tcase_add_test(tc, x_formats);
    tcase_add_test(tc, rsp_framing);
    tcase_add_test(tc, hex);
    tcase_add_test(tc, options);
    suite_add_tcase(s, tc);
    return s;
}
