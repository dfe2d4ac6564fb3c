# Sourced by run_reset.sh and run_triple_fault.sh (arguments: HVSIM IMAGE METHOD [args...]):
# runs IMAGE under HVSIM with -append METHOD and the extra arguments, keeps its stdout in
# $out, its stderr in $err and its exit status in $status, prints both, and defines
# fail MSG, which prints "SCRIPT: FAIL: MSG" and exits 1.
set -u
hvsim=$1 image=$2 method=$3
shift 3
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
timeout 50 "$hvsim" -kernel "$image" -serial stdio -append "$method" "$@" >"$out" 2>"$err"
status=$?
cat "$out" "$err"
fail() { echo "${0##*/}: FAIL: $*"; exit 1; }
