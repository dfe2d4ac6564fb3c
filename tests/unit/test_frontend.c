/* Unit tests for the display front-end hook of the machine API: the run loop calls refresh,
 * a refresh returning false stops the machine cleanly (MEXIT_FRONTEND), and the VGA device a
 * front end renders holds what the demo guest wrote to 0xb8000. No SDL, no display. */
#include <check.h>
#include <string.h>

#include "devices/vga_text.h"
#include "machine/machine.h"

#ifndef DEMO_IMAGE
#error "DEMO_IMAGE (path to demo-hello.elf) must be defined by the build"
#endif

struct fake_fe {
    unsigned calls;
    bool keep_running;
};

static bool fake_refresh(void *opaque)
{
    struct fake_fe *f = opaque;
    f->calls++;
    return f->keep_running;
}

static struct machine *make_machine(void)
{
    struct machine_config cfg;
    char err[256];
    char *argv[] = {"hvsim", "-kernel", DEMO_IMAGE, "-serial", "none", NULL};
    ck_assert_int_eq(cli_parse(5, argv, &cfg, stdout, err, sizeof err), CLI_RUN);
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    return m;
}

/* Row `row` of the text screen as characters. */
static void screen_row(const struct vga_text *v, unsigned row, char *out)
{
    struct vga_text_view view = vga_text_view(v);
    for (unsigned c = 0; c < VGA_COLS; c++)
        out[c] = (char)view.text[2 * (view.start + row * view.stride + c)];
    out[VGA_COLS] = 0;
}

START_TEST(refresh_false_stops_machine)
{
    struct machine *m = make_machine();
    struct fake_fe fe = {0, false};
    machine_set_frontend(m, &(struct machine_frontend){fake_refresh, &fe});
    ck_assert_int_eq(machine_run(m), MEXIT_FRONTEND);
    ck_assert_uint_eq(fe.calls, 1);
    ck_assert_int_eq(machine_exit_status(m), 0);
    ck_assert(strstr(machine_exit_message(m), "window closed") != NULL);
    machine_destroy(m);
}
END_TEST

START_TEST(demo_text_on_vga_screen)
{
    struct machine *m = make_machine();
    struct fake_fe fe = {0, true};
    machine_set_frontend(m, &(struct machine_frontend){fake_refresh, &fe});
    ck_assert_int_eq(machine_run(m), MEXIT_DEBUG_EXIT);
    ck_assert_uint_ge(fe.calls, 1);
    char row[VGA_COLS + 1];
    screen_row(machine_vga(m), 1, row);
    ck_assert_msg(strstr(row, "hvsim guest demo: hello from inside the simulator") != NULL, "row 1: %s", row);
    screen_row(machine_vga(m), 3, row);
    ck_assert_msg(!strncmp(row, "CPU vendor     : GenuineIntel", 29), "row 3: %s", row);
    /* The demo leaves the cursor at the start of the line after its last one (row 10). */
    ck_assert_uint_eq(vga_text_view(machine_vga(m)).cursor, 10 * VGA_COLS);
    machine_destroy(m);
}
END_TEST

START_TEST(no_frontend_no_calls)
{
    struct machine *m = make_machine();
    struct fake_fe fe = {0, false};
    machine_set_frontend(m, &(struct machine_frontend){fake_refresh, &fe});
    machine_set_frontend(m, NULL);
    ck_assert_int_eq(machine_run(m), MEXIT_DEBUG_EXIT);
    ck_assert_uint_eq(fe.calls, 0);
    machine_destroy(m);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("frontend");
    TCase *tc = tcase_create("frontend");
    tcase_add_test(tc, refresh_false_stops_machine);
    tcase_add_test(tc, demo_text_on_vga_screen);
    tcase_add_test(tc, no_frontend_no_calls);
    suite_add_tcase(s, tc);
    return s;
}
