/* tests/diff/skip.c — stands in for the host-differential test on hosts that cannot run
 * x86-64 code natively: ctest reports it as skipped (SKIP_RETURN_CODE 77). */
#include <stdio.h>

int main(void)
{
    printf("diff: the host is not x86-64 Linux; host-differential tests skipped\n");
    return 77;
}
