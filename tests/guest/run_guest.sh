#!/usr/bin/env bash
# Run one guest test image and judge it: pass only when the process status is 1 (the guest
# wrote 0 to port 0xf4) and the output has "SUMMARY: N tests, 0 failures" with N > 0.
# HVSIM_GUEST_RUNNER=qemu runs the same image under QEMU instead, for cross-checking.
set -u
hvsim=$1 image=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ "${HVSIM_GUEST_RUNNER:-hvsim}" = qemu ]; then
  timeout 60 qemu-system-x86_64 -machine accel=tcg -nodefaults -no-reboot -display none \
    -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$image" "$@" >"$out" 2>&1
else
  timeout 60 "$hvsim" -kernel "$image" -serial stdio -display none "$@" >"$out" 2>&1
fi
status=$?
cat "$out"
if [ $status -ne 1 ]; then
  echo "run_guest: FAIL: exit status $status (expected 1: guest exit code 0)"
  exit 1
fi
if ! grep -Eq '^SUMMARY: [1-9][0-9]* tests, 0 failures' "$out"; then
  echo "run_guest: FAIL: no 'SUMMARY: N tests, 0 failures' line"
  exit 1
fi
echo "run_guest: PASS"
