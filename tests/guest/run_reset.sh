#!/usr/bin/env bash
# Run tests/guest/reset.c with one reset method and judge it: the guest must print its
# "resetting"/"powering off" line, must not get past the request, and hvsim must stop with
# status 0 and a message naming the source. Usage: run_reset.sh HVSIM IMAGE METHOD [args...]
. "$(dirname "$0")/stop_common.sh"
[ $status -eq 0 ] || fail "exit status $status (expected 0: the machine stopped)"
grep -Eq '^(resetting|powering off) via' "$out" || fail "the guest did not start"
grep -q 'still running' "$out" && fail "the guest ran past the request"
case $method in
  s5) grep -q 'powered off (ACPI S5)' "$err" || fail "no power-off message" ;;
  *) grep -Eq 'reset.*(no firmware to reboot into|-no-reboot)' "$err" || fail "no reset message" ;;
esac
echo "run_reset: PASS"
