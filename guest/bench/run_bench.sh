#!/usr/bin/env bash
# Run the benchmarks (guest/bench/) and print their figures. Each image prints
#   BENCH name=NAME insns=I units=U unit=UNIT
# (I, U known from its code) and hvsim's -stats prints the host time of the run:
#   total: N instructions in W s host time, C s CPU time (...)
# The figure is I / C in MIPS, or U / C per second for round trips, over CPU time (C), which
# other load on the host disturbs less than wall-clock time (W, shown too). The image's own
# checks (report/SUMMARY) must pass, or the benchmark is reported as FAILED.
# Usage: run_bench.sh HVSIM IMAGE_DIR [NAME...]   (default: every benchmark)
#   BENCH_APPEND="k=v ..." adds options to every image's command line (e.g. a smaller count).
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 HVSIM IMAGE_DIR [NAME...]" >&2
  exit 2
fi
hvsim=$1 dir=$2
shift 2
# name  image  options  figure (mips | rate)
table="int-alu bench-int-alu - mips
mem-chase bench-mem-chase - mips
mem-stride bench-mem-stride - mips
int80 bench-int80 - rate
syscall bench-syscall - rate
vmx-vmcall bench-vmx-vmcall - rate
ept-chase-vpid bench-ept-chase vpid=1 mips
ept-chase-novpid bench-ept-chase vpid=0 mips"
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
failed=0
while read -r name image opts kind; do
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx -- "$name"; then
    continue
  fi
  [ "$opts" = - ] && opts=
  append="$opts ${BENCH_APPEND:-}"
  "$hvsim" -kernel "$dir/$image.elf" -serial stdio -display none -stats -append "$append" >"$out" 2>"$err"
  status=$?
  line=$(grep -m1 '^BENCH ' "$out")
  total=$(grep -m1 '^total: ' "$err")
  if [ $status -ne 1 ] || ! grep -Eq '^SUMMARY: .* 0 failures' "$out" || [ -z "$line" ] || [ -z "$total" ]; then
    printf '%-18s FAILED (status %s)\n' "$name" "$status"
    cat "$out" "$err"
    failed=1
    continue
  fi
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  insns=$(field insns) units=$(field units) unit=$(field unit)
  wall=$(sed -n 's/.* in \([0-9.]*\) s host time.*/\1/p' <<<"$total")
  cpu=$(sed -n 's/.*, \([0-9.]*\) s CPU time.*/\1/p' <<<"$total")
  run=$(sed -n 's/^total: \([0-9]*\) instructions.*/\1/p' <<<"$total")
  awk -v n="$name" -v k="$kind" -v i="$insns" -v u="$units" -v unit="$unit" -v w="$wall" -v c="$cpu" -v r="$run" 'BEGIN {
    if (c <= 0) c = 1e-9; if (w <= 0) w = 1e-9
    if (k == "mips")
      printf "%-18s %10.1f MIPS          (%.1f of wall time; %d loop instructions, %d %s)\n", n, i / c / 1e6, i / w / 1e6, i, u, unit
    else
      printf "%-18s %10.0f %s/s  (%.0f of wall time; %d %s, %.1f MIPS)\n", n, u / c, unit, u / w, u, unit, i / c / 1e6
    printf "%-18s %10s CPU %.3f s, wall %.3f s, %d instructions in the whole run\n", "", "", c, w, r
  }'
done <<<"$table"
exit $failed
