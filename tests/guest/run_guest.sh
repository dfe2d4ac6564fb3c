#!/usr/bin/env bash
# Run one guest test image and judge it: pass only when the process status is 1 (the guest
# wrote 0 to port 0xf4) and the output has "SUMMARY: N tests, 0 failures" with N > 0. A crash,
# a triple fault, a hang or a missing summary all fail. Under hvsim a "hvsim: ..." line on
# stderr also fails: hvsim prints one exactly when the run did NOT end through port 0xf4 (e.g.
# "all vCPUs halted", whose status alone is not distinguishable from a guest exit).
# HVSIM_GUEST_RUNNER=qemu runs the same image under QEMU instead, for cross-checking (extra
# arguments are passed to QEMU too, so use only options both accept, e.g. -append).
# Usage: run_guest.sh HVSIM IMAGE [extra args...]
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 HVSIM IMAGE [args...]" >&2
  exit 2
fi
hvsim=$1 image=$2
shift 2
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
# 50 s, below ctest's TIMEOUT 60, so a hang is reported here with the output so far.
if [ "${HVSIM_GUEST_RUNNER:-hvsim}" = qemu ]; then
  timeout 50 qemu-system-x86_64 -machine accel=tcg -nodefaults -no-reboot -display none \
    -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$image" "$@" >"$out" 2>&1
else
  timeout 50 "$hvsim" -kernel "$image" -serial stdio -display none "$@" >"$out" 2>"$err"
fi
status=$?
cat "$out" "$err"
if [ $status -eq 124 ]; then
  echo "run_guest: FAIL: timed out after 50 s"
  exit 1
fi
if grep -q '^hvsim: ' "$err"; then
  echo "run_guest: FAIL: hvsim stopped the run (not a guest exit through port 0xf4)"
  exit 1
fi
if [ $status -ne 1 ]; then
  echo "run_guest: FAIL: exit status $status (expected 1: guest exit code 0)"
  exit 1
fi
if ! grep -Eq '^SUMMARY: [1-9][0-9]* tests, 0 failures' "$out"; then
  echo "run_guest: FAIL: no 'SUMMARY: N tests, 0 failures' line"
  exit 1
fi
echo "run_guest: PASS"
