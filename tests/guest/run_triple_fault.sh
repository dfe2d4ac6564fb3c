#!/usr/bin/env bash
# Run tests/guest/triple_fault.c with one method and judge it: the guest must print its
# "triple faulting via" line and must not get past the fault; hvsim must stop with status 0
# (hvsim --help: "0 after a triple fault") and one "triple-faulted" line on stderr.
# Usage: run_triple_fault.sh HVSIM IMAGE METHOD [args...]
. "$(dirname "$0")/stop_common.sh"
[ $status -eq 0 ] || fail "exit status $status (expected 0: the machine shut down)"
grep -q "^triple faulting via $method" "$out" || fail "the guest did not start"
grep -q 'still running' "$out" && fail "the guest ran past the triple fault"
[ "$(grep -c 'triple-faulted' "$err")" -eq 1 ] || fail "no single 'triple-faulted' line on stderr"
echo "run_triple_fault: PASS"
