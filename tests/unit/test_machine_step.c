/* Unit tests for the machine API the debugger runs on: machine_step is exact (N single steps
 * reach the same state as one N-step, and the same as the undebugged run), a poll that asks to
 * stop pauses machine_run (MEXIT_PAUSED) and the next machine_run continues to the same end. */
#include <check.h>
#include <string.h>

#include "cpu/cpu.h"
#include "machine/machine.h"

#ifndef GUEST_IMAGE
#error "GUEST_IMAGE (path to demo-hello.elf) must be defined by the build"
#endif

static struct machine *make_machine(void)
{
    struct machine_config cfg;
    char err[256];
    char *argv[] = {"hvsim", "-kernel", GUEST_IMAGE, "-serial", "none", NULL};
    ck_assert_int_eq(cli_parse(5, argv, &cfg, stdout, err, sizeof err), CLI_RUN);
    struct machine *m = machine_create(&cfg, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    return m;
}

#define STEPS 5000

START_TEST(single_steps_equal_one_run)
{
    struct machine *a = make_machine(), *b = make_machine();
    for (unsigned i = 0; i < STEPS; i++)
        ck_assert_int_eq(machine_step(a, 0, 1), MEXIT_PAUSED);
    ck_assert_int_eq(machine_step(b, 0, STEPS), MEXIT_PAUSED);
    struct cpu *ca = machine_cpu(a, 0), *cb = machine_cpu(b, 0);
    ck_assert_uint_eq(ca->insns, STEPS);
    ck_assert_uint_eq(cb->insns, STEPS);
    ck_assert_uint_eq(ca->rip, cb->rip);
    ck_assert_uint_eq(ca->rflags, cb->rflags);
    ck_assert_uint_eq(ca->cycles, cb->cycles);
    ck_assert_int_eq(memcmp(ca->gpr, cb->gpr, sizeof ca->gpr), 0);
    ck_assert(!machine_exited(a));
    machine_destroy(a);
    machine_destroy(b);
}
END_TEST

static bool stop_first(void *opaque)
{
    unsigned *calls = opaque;
    return ++*calls == 1;
}

START_TEST(poll_pauses_and_run_continues)
{
    struct machine *plain = make_machine(), *m = make_machine();
    ck_assert_int_eq(machine_run(plain), MEXIT_DEBUG_EXIT);
    unsigned calls = 0;
    machine_set_debugger(m, &(struct machine_debugger){stop_first, &calls});
    ck_assert_int_eq(machine_run(m), MEXIT_PAUSED);
    ck_assert_uint_eq(machine_cpu(m, 0)->insns, 0);   /* the poll comes before the first slice */
    ck_assert(!machine_exited(m));
    ck_assert_int_eq(machine_step(m, 0, 100), MEXIT_PAUSED);
    ck_assert_uint_eq(machine_cpu(m, 0)->insns, 100);
    ck_assert_int_eq(machine_run(m), MEXIT_DEBUG_EXIT);
    ck_assert(machine_exited(m));
    ck_assert_int_eq(machine_exit_status(m), machine_exit_status(plain));
    /* Same guest work as the undebugged run. */
    ck_assert_uint_eq(machine_cpu(m, 0)->insns, machine_cpu(plain, 0)->insns);
    ck_assert_uint_eq(machine_cpu(m, 0)->rip, machine_cpu(plain, 0)->rip);
    ck_assert_int_eq(machine_step(m, 0, 1), MEXIT_DEBUG_EXIT);   /* an exited machine stays exited */
    machine_destroy(plain);
    machine_destroy(m);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("machine_step");
    TCase *tc = tcase_create("api");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, single_steps_equal_one_run);
    tcase_add_test(tc, poll_pauses_and_run_continues);
    suite_add_tcase(s, tc);
    return s;
}
