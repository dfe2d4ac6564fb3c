/* Unit tests for the command line (machine/cli.c) and -cpu parsing (cpu/model.c). */
#include <check.h>
#include <stdio.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "base/log.h"
#include "machine/config.h"

static enum cli_result parse(struct machine_config *cfg, char *err, const char *a1, const char *a2,
                             const char *a3, const char *a4)
{
    char *argv[] = {"hvsim", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    int argc = 1;
    while (argv[argc])
        argc++;
    FILE *devnull = fopen("/dev/null", "w");
    enum cli_result r = cli_parse(argc, argv, cfg, devnull, err, 200);
    fclose(devnull);
    return r;
}

START_TEST(sizes)
{
    ck_assert_uint_eq(cli_parse_size("512"), 512ull << 20);
    ck_assert_uint_eq(cli_parse_size("4g"), 4ull << 30);
    ck_assert_uint_eq(cli_parse_size("4G"), 4ull << 30);
    ck_assert_uint_eq(cli_parse_size("2560M"), 2560ull << 20);
    ck_assert_uint_eq(cli_parse_size("size=1G"), 1ull << 30);
    ck_assert_uint_eq(cli_parse_size("12x"), 0);
    ck_assert_uint_eq(cli_parse_size(""), 0);
    ck_assert_uint_eq(cli_parse_size("-5"), 0);
}
END_TEST

START_TEST(good_lines)
{
    struct machine_config cfg;
    char err[200];
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k.elf", "-m", "4g"), CLI_RUN);
    ck_assert_str_eq(cfg.kernel, "k.elf");
    ck_assert_uint_eq(cfg.ram_size, 4ull << 30);
    ck_assert_int_eq(cfg.model.vendor, VENDOR_INTEL);
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "amd"), CLI_RUN);
    ck_assert_int_eq(cfg.model.vendor, VENDOR_AMD);
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "intel,-pku,smep=off"), CLI_RUN);
    ck_assert(!model_has(&cfg.model, FEAT_PKU));
    ck_assert(!model_has(&cfg.model, FEAT_SMEP));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-serial", "file:/tmp/x"), CLI_RUN);
    ck_assert_int_eq(cfg.serial, SERIAL_FILE);
    ck_assert_str_eq(cfg.serial_path, "/tmp/x");
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-d", "int,unimp"), CLI_RUN);
    ck_assert_uint_eq(cfg.log_mask, LOG_INT | LOG_UNIMP);
    ck_assert_int_eq(parse(&cfg, err, "--help", NULL, NULL, NULL), CLI_EXIT_OK);
    ck_assert_int_eq(parse(&cfg, err, "--version", NULL, NULL, NULL), CLI_EXIT_OK);
}
END_TEST

START_TEST(bad_lines)
{
    struct machine_config cfg;
    char err[200];
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-bogus", NULL), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "unknown option '-bogus'"));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", NULL, NULL, NULL), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "needs a value"));
    ck_assert_int_eq(parse(&cfg, err, "-m", "4g", NULL, NULL), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "no kernel"));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-m", "lots"), CLI_ERROR);
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-smp", "0"), CLI_ERROR);
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "pentium"), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "unknown CPU model"));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "intel,+frobnicate"), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "unknown feature"));
    /* Known but not implemented yet: reported, not silently accepted. */
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "max,+svm"), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "not implemented"));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "max,+vmx-shadow-vmcs"), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "not implemented"));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "max,phys-bits=31"), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "phys-bits"));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "max,phys-bits=53"), CLI_ERROR);
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "max,phys-bits=4x"), CLI_ERROR);
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "max,phys-bits="), CLI_ERROR);
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "Skylake,+vmx"), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "unknown CPU model"));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-d", "int,nope"), CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "'nope'"));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-serial", "tcp:1"), CLI_ERROR);
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-enable-kvm", NULL), CLI_ERROR);
}
END_TEST

/* QEMU's named models kvm-unit-tests asks for, and the physical-address width options. */
START_TEST(named_models_and_phys_bits)
{
    struct machine_config cfg;
    char err[200];
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "Skylake-Server,+vmx,+vmx-eptad"), CLI_RUN);
    ck_assert_int_eq(cfg.model.vendor, VENDOR_INTEL);
    ck_assert_uint_eq(cfg.model.signature, 0x00050654);
    ck_assert_uint_eq(cfg.model.maxphyaddr, 46);
    ck_assert(model_has(&cfg.model, FEAT_PKU) && !model_has(&cfg.model, FEAT_UMIP));
    ck_assert(model_has(&cfg.model, FEAT_VMX_EPT) && model_has(&cfg.model, FEAT_VMX_EPTAD));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "IvyBridge,phys-bits=36,host-phys-bits=off,+vmx"), CLI_RUN);
    ck_assert_uint_eq(cfg.model.maxphyaddr, 36);
    ck_assert(!model_has(&cfg.model, FEAT_SMAP) && !model_has(&cfg.model, FEAT_PDPE1GB));
    ck_assert(model_has(&cfg.model, FEAT_VMX_EPT) && !model_has(&cfg.model, FEAT_VMX_EPTAD));
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "max,phys-bits=48"), CLI_RUN);
    ck_assert_uint_eq(cfg.model.maxphyaddr, 48);
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "max,-vmx-ept,vmx-vpid=off"), CLI_RUN);
    ck_assert(!model_has(&cfg.model, FEAT_VMX_EPT) && !model_has(&cfg.model, FEAT_VMX_VPID));
    /* host-phys-bits: the host's CPUID 80000008H width, clamped to 32..52, else the default. */
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "max,host-phys-bits,+vmx"), CLI_RUN);
    unsigned want = 39;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(0x80000008u, &a, &b, &c, &d))
        want = (a & 0xff) > 52 ? 52 : (a & 0xff) < 32 ? 32 : (a & 0xff);
#endif
    ck_assert_uint_eq(cfg.model.maxphyaddr, want);
    /* host-phys-bits=off cancels an earlier host-phys-bits: the model's width again. */
    ck_assert_int_eq(parse(&cfg, err, "-kernel", "k", "-cpu", "max,host-phys-bits,host-phys-bits=off"), CLI_RUN);
    ck_assert_uint_eq(cfg.model.maxphyaddr, 39);
}
END_TEST

Suite *unit_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, good_lines);
    tcase_add_test(tc, bad_lines);
    tcase_add_test(tc, named_models_and_phys_bits);
    suite_add_tcase(s, tc);
    return s;
}
