#!/usr/bin/env bash
# Process-level checks of user errors: each must give exactly one line on stderr and the
# documented exit status, never a crash.
set -u
hvsim=$1 guest=${2:-} scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail=0 pass=0
expect() {   # expect STATUS PATTERN -- args...
  local want=$1 pattern=$2; shift 3
  "$hvsim" "$@" >"$scratch/out" 2>"$scratch/err"
  local got=$? lines
  lines=$(wc -l <"$scratch/err")
  if [ "$got" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -q -- "$pattern" "$scratch/err"; then
    pass=$((pass + 1))
  else
    echo "FAIL: hvsim $*: status $got (want $want), $lines stderr lines:"; cat "$scratch/err"
    fail=$((fail + 1))
  fi
}
printf 'not an elf' >"$scratch/text"
head -c 100 /dev/urandom >"$scratch/random"
expect 2 "unknown option" -- -kernel x -frobnicate
expect 2 "needs a value" -- -kernel
expect 2 "no kernel" -- -m 64
expect 2 "bad memory size" -- -kernel x -m huge
expect 2 "not implemented" -- -kernel x -cpu max,+svm
expect 2 "fc-locked=yes' takes on or off" -- -kernel x -cpu intel,fc-locked=yes
expect 2 "tlb takes normal, strict or flush" -- -kernel x -cpu intel,tlb=lazy
expect 2 "tlb takes normal, strict or flush" -- -kernel x -cpu intel,tlb=
expect 2 "No such file" -- -kernel "$scratch/missing"
expect 2 "not a Multiboot kernel" -- -kernel "$scratch/text"
expect 2 "not a Multiboot kernel" -- -kernel "$scratch/random"
expect 2 "Is a directory\|read error\|not a Multiboot" -- -kernel "$scratch"
if [ -n "$guest" ]; then
  expect 124 "stopped after 1000 instructions" -- -kernel "$guest" -serial none -max-insns 1000
  # -display sdl with no display to open: one line, status 2 (last check: the unset stays).
  unset DISPLAY WAYLAND_DISPLAY SDL_VIDEODRIVER
  expect 2 "no display available" -- -kernel "$guest" -display sdl
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
