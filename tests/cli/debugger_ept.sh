#!/usr/bin/env bash
# The debugger's EPT views on the vmx_ept guest test (docs/debugger.md "EPT"): info ept GPA at
# an EPT-violation exit (each EPT level, the verdict and the qualification it would give),
# info pagewalk inside the guest (the 2-D walk: every guest table through EPT, then the final
# guest-physical address), x under EPT, and a guest page table whose EPT entry is removed.
# Usage: debugger_ept.sh HVSIM VMX_EPT_IMAGE
set -u
hvsim=$1 image=$2
. "$(dirname "$0")/expect.sh"
hex() { printf '0x%x' "$1"; }
page=$(sym test_pages) pt=$(sym ept_pt)
[ -n "$page" ] && [ -n "$pt" ] || { echo "FAIL: symbols not found in $image"; exit 1; }
run() {   # run SCRIPT OUT
  timeout 60 "$hvsim" -kernel "$image" -serial stdio -display none -debug -batch -x "$1" >"$2" 2>&1
}
pte0=$(hex $((pt + ((page >> 12) & 511) * 8)))
pte1=$(hex $((pt + (((page >> 12) + 1) & 511) * 8)))

# 1. At the first EPT violation (the guest writes page 0, which the hypervisor made read-only;
#    page 1 is not present): the EPT walk for a write, for a read, and of the absent page.
cat > "$tmp/s1" <<EOS
break vmexit ept-violation
continue
info ept $page write
info ept $page
info ept $page+0x1000 fetch
info ept 0xfffff00000
info ept $page bogus
EOS
run "$tmp/s1" "$tmp/o1"
expect "header" "^EPT walk of guest-physical $page for a write: EPTP 0x[0-9a-f]+ \(4-level, WB, A/D off\)" "$tmp/o1"
expect "PML4E level" '^    PML4E\[0\] at 0x[0-9a-f]+: 0x[0-9a-f]{16} RWX -> table 0x[0-9a-f]+' "$tmp/o1"
expect "PDE level points at the 4 KiB table" "^    PDE  \[[0-9]+\] at 0x[0-9a-f]+: 0x0*$(printf %x $((pt | 7))) RWX -> table $pt" "$tmp/o1"
expect "read-only PTE" "^    PTE  \[[0-9]+\] at $pte0: 0x0*$(printf %x $((page | 0x35))) R-X MT=WB\$" "$tmp/o1"
expect "write verdict" '^    => EPT violation \(exit reason 48\): a write is not allowed, the translation allows r-x; exit qualification bits 5:0 = 0x2a$' "$tmp/o1"
expect "read verdict" "^    => physical $page \(4 KiB page\), EPT permissions r-x, memory type WB\$" "$tmp/o1"
expect "absent page" "^    PTE  \[[0-9]+\] at $pte1: 0x[0-9a-f]{16} --- MT=WB\$" "$tmp/o1"
expect "absent verdict" '^    => EPT violation \(exit reason 48\): the PTE \(level 1\) is not present; exit qualification bits 5:0 = 0x4$' "$tmp/o1"
expect "stops at the PML4E" '^    => EPT violation \(exit reason 48\): the PML4E \(level 4\) is not present; exit qualification bits 5:0 = 0x1$' "$tmp/o1"
expect "bad access kind" '^error: info ept: access must be read, write or fetch, not "bogus"' "$tmp/o1"

# 2. In the guest (after the hypervisor fixed page 0 and re-entered): the 2-D page walk, and x
#    reading guest memory through both levels. Then the EPT entry of the guest's PML4 table is
#    removed behind the guest's back: the walk stops at that table's EPT walk.
cat > "$tmp/s2" <<EOS
break vmexit ept-violation
continue
step-entry
info pagewalk $page
x/1gx $page
print \$cr3
EOS
run "$tmp/s2" "$tmp/o2"
cr3=$(grep -oE '^page walk of [^:]+: 4-level paging, CR3 0x[0-9a-f]+' "$tmp/o2" | grep -oE '0x[0-9a-f]+$')
expect "2-D header" "^page walk of $page: 4-level paging, CR3 0x[0-9a-f]+ \(guest-physical; each access goes through EPT\)" "$tmp/o2"
expect "guest table through EPT" "^  PML4E\[0\] at gpa ${cr3:-none} \(EPT -> ${cr3:-none}\): 0x[0-9a-f]{16} P W" "$tmp/o2"
expect "final gpa" "^  => guest-physical $page \(2 MiB page at 0x0\), writable, supervisor, executable" "$tmp/o2"
expect "EPT leg of the final gpa" "^    PTE  \[[0-9]+\] at $pte0: 0x0*$(printf %x $((page | 0x37))) RWX MT=WB\$" "$tmp/o2"
expect "final physical" "^    => physical $page \(4 KiB page\), EPT permissions rwx, memory type WB" "$tmp/o2"
expect "x through EPT" "^$page:	0x0000000000000000" "$tmp/o2"
reject "no errors" '^error:' "$tmp/o2"

if [ -n "$cr3" ]; then
  cr3pte=$(hex $((pt + ((cr3 >> 12) & 511) * 8)))
  cat > "$tmp/s3" <<EOS
break vmexit ept-violation
continue
step-entry
set {long}$cr3pte = 0
info pagewalk $page
x/1gx $page
EOS
  run "$tmp/s3" "$tmp/o3"
  expect "table gpa fails" "^  PML4E\[0\] at guest-physical $cr3: EPT walk of the table address:" "$tmp/o3"
  expect "table EPT verdict" '^    => EPT violation \(exit reason 48\): the PTE \(level 1\) is not present' "$tmp/o3"
  expect "x cannot read" "^error: cannot access memory at $page" "$tmp/o3"
fi

expect_summary debugger_ept
