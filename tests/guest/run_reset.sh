#!/usr/bin/env bash
# Run tests/guest/reset.c with one reset method and judge it: the guest must print its
# "resetting"/"powering off" line, must not get past the request, and hvsim must stop with
# status 0 and a message naming the source. Usage: run_reset.sh HVSIM IMAGE METHOD [args...]
set -u
hvsim=$1 image=$2 method=$3
shift 3
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
timeout 50 "$hvsim" -kernel "$image" -serial stdio -append "$method" "$@" >"$out" 2>"$err"
status=$?
cat "$out" "$err"
fail() { echo "run_reset: FAIL: $*"; exit 1; }
[ $status -eq 0 ] || fail "exit status $status (expected 0: the machine stopped)"
grep -Eq '^(resetting|powering off) via' "$out" || fail "the guest did not start"
grep -q 'still running' "$out" && fail "the guest ran past the request"
case $method in
  s5) grep -q 'powered off (ACPI S5)' "$err" || fail "no power-off message" ;;
  *) grep -Eq 'reset.*(no firmware to reboot into|-no-reboot)' "$err" || fail "no reset message" ;;
esac
echo "run_reset: PASS"
