/* Shared main() for the Check unit-test executables: each test file defines
 * `Suite *unit_suite(void)`; the exit status is non-zero when any check failed. */
#include <check.h>
#include <stdlib.h>

Suite *unit_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(unit_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
