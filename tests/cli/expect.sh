# tests/cli/expect.sh — sourced by the debugger CLI tests: a temporary directory removed at
# exit and the output checks they share. expect NAME PATTERN FILE passes when some line of FILE
# matches the extended regular expression PATTERN; reject passes when none does; sym NAME is a
# symbol's address in $image. Call
# expect_summary NAME at the end: it prints the counts and is the script's exit status.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
expect() {
  if grep -qE -- "$2" "$3"; then passes=$((passes + 1)); else echo "FAIL: $1: no line matches /$2/"; fails=$((fails + 1)); fi
}
reject() {
  if grep -qE -- "$2" "$3"; then echo "FAIL: $1: unexpected /$2/"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
}
sym() {   # sym NAME: the address of symbol NAME in $image, as 0x...
  local a; a=$(nm "$image" | awk -v s="$1" '$3 == s { print $1 }'); [ -n "$a" ] && printf '0x%x' $((16#$a))
}
expect_summary() {
  echo "$1: $passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}
