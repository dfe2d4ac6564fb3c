#!/usr/bin/env bash
# Install the Debian packages hvsim needs to build and test, if any are missing.
# Skips apt-get entirely when everything is present; when not root and something is
# missing, prints the exact command to run and fails.
set -euo pipefail

packages=(
  cmake gcc make pkg-config binutils coreutils
  libzydis-dev libzycore-dev check libsubunit-dev libreadline-dev zlib1g-dev libsdl2-dev
  gdb   # tests only: cli.debugger_gdb drives the real gdb (skipped without it)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "hvsim: missing Debian packages: ${missing[*]}" >&2
  echo "hvsim: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "hvsim: installing missing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd
