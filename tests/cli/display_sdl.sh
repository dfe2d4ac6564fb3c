#!/usr/bin/env bash
# The -display sdl window path, headless: under SDL_VIDEODRIVER=dummy hvsim opens the window,
# refreshes it while the demo guest runs, and closes it when the guest exits (status 1, nothing
# on stderr). Skipped (exit 77) when SDL cannot open even the dummy driver here.
# Usage: display_sdl.sh HVSIM IMAGE
set -u
hvsim=$1 image=$2 err=$(mktemp)
trap 'rm -f "$err"' EXIT
SDL_VIDEODRIVER=dummy timeout 50 "$hvsim" -kernel "$image" -serial none -display sdl 2>"$err"
status=$?
cat "$err"
if grep -q "cannot open the display\|cannot open a window" "$err"; then
  echo "display_sdl: SKIP: no SDL dummy video driver"
  exit 77
fi
if [ $status -ne 1 ] || [ -s "$err" ]; then
  echo "display_sdl: FAIL: status $status (want 1), stderr above must be empty"
  exit 1
fi
echo "display_sdl: 1 passed, 0 failed"
