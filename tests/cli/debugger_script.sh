#!/usr/bin/env bash
# Scripted debugger sessions (docs/debugger.md): hvsim -debug -batch -x SCRIPT on the hello test
# guest, with breakpoints, stepping over them, nexti over a call, watchpoints, registers, x,
# disassemble, page walks, set; then commands from a pipe, and Ctrl-C while running.
# Usage: debugger_script.sh HVSIM HELLO_IMAGE
set -u
hvsim=$1 image=$2
. "$(dirname "$0")/expect.sh"
main=$(sym main) puts=$(sym guest_puts)
call=0x$(objdump -d --no-show-raw-insn "$image" | awk '/<main>:/,/^$/' | grep -m1 'call' | awk '{print $1}' | tr -d :)
[ -n "$main" ] && [ -n "$puts" ] && [ "$call" != 0x ] || { echo "FAIL: symbols not found in $image"; exit 1; }
ret=$(printf '0x%x' $((call + 5)))
str=0x$(objdump -d --no-show-raw-insn "$image" | awk '/<main>:/,/^$/' | grep -m1 -oE 'mov +\$0x[0-9a-f]+,%edi' | grep -oE '0x[0-9a-f]+' | sed 's/0x//')

# 1. A full session from a script.
cat > "$tmp/s1" <<EOS
info registers rip
si
b *$main
c
info registers
si
b *$call
c
ni
info breakpoints
delete
x/4xb \$rsp
x/s $str
x/2i \$rip
disassemble $main 3
info pagewalk \$rip
info pagewalk 0x7fff00000000
set \$rax = 0x1234
p \$rax + 1
set *0x300000 = 0xcafe
xp/wx 0x300000
x/2wx 0x300000
set disassembly-flavor att
x/3i \$rip
set disassembly-flavor intel
watch \$rsp-8 8
c
delete
b *$puts
c
c
info breakpoints
delete
set {char} \$rip = 0xc3
x/gx \$rsp
si
info registers rip
info gdt
info idt
info tss
info tlb
cpu 0
frobnicate
c
EOS
"$hvsim" -kernel "$image" -debug -batch -x "$tmp/s1" >"$tmp/o1" 2>&1
st=$?
cat "$tmp/o1"
[ $st -eq 1 ] && passes=$((passes + 1)) || { echo "FAIL: session status $st (want 1, the guest's)"; fails=$((fails + 1)); }
expect "stopped before the first instruction" '^cpu0 0010:100010 \(0x100010\): cli' "$tmp/o1"
expect "info registers rip" '^rip +0x100010 ' "$tmp/o1"
expect "si" '^cpu0 0010:100011 \(0x100011\): cld' "$tmp/o1"
expect "break" "^Breakpoint 1 at $main" "$tmp/o1"
expect "breakpoint hit before the instruction" "^Breakpoint 1, cpu0 $main: push" "$tmp/o1"
expect "rflags decoded" '^rflags +0x[0-9a-f]+ +\[ .*\] IOPL=0' "$tmp/o1"
expect "cr0 decoded" '^cr0 +0x80000011 +\[ PG ET PE \]' "$tmp/o1"
expect "efer decoded" '^efer +0x500 +\[ LMA LME \]' "$tmp/o1"
expect "segment cache" '^cs +0x0008  base 0x0000000000000000  limit 0xffffffff .*code.* L G' "$tmp/o1"
expect "MSR by name" '^IA32_APIC_BASE +0xfee00900' "$tmp/o1"
expect "stepping off the breakpoint" "^cpu0 $(printf '0x%x' $((main + 1))): " "$tmp/o1"
expect "breakpoint on the call" "^Breakpoint 2, cpu0 $call: call" "$tmp/o1"
expect "nexti ran the call (its output) and stopped after it" "^cpu0 $ret: " "$tmp/o1"
expect "guest output during nexti" 'hello from the guest runtime' "$tmp/o1"
expect "info breakpoints" "^2 +breakpoint +y +$call +1 +1" "$tmp/o1"
expect "x/4xb" '^0x[0-9a-f]+:	0x[0-9a-f]{2}	0x[0-9a-f]{2}	0x[0-9a-f]{2}	0x[0-9a-f]{2}$' "$tmp/o1"
expect "x/s with C escapes" "^$str:	\"hello from the guest runtime\\\\n\"$" "$tmp/o1"
expect "x/2i marks rip" "^=> $ret:	" "$tmp/o1"
expect "disassemble" "^   $(printf '0x%x' $((main + 1))):	[0-9a-f]+ +mov edi, " "$tmp/o1"
expect "pagewalk levels" '^  PML4E\[0\] at 0x[0-9a-f]+: 0x[0-9a-f]{16} P W' "$tmp/o1"
expect "pagewalk result" '^  => physical 0x[0-9a-f]+ \(2 MiB page at 0x0\), writable, supervisor, executable' "$tmp/o1"
expect "pagewalk fault" 'not present: the access faults here' "$tmp/o1"
expect "set \$rax / print" '^0x1235 \(4661\)$' "$tmp/o1"
expect "set *ADDR / xp" '^0x300000:	0x0000cafe$' "$tmp/o1"
expect "x linear = physical here" '^0x300000:	0x0000cafe	0x00000000$' "$tmp/o1"
expect "AT&T flavor" '^(=>|  ) 0x[0-9a-f]+:	[0-9a-f]+ +[a-z]+ .*%[a-z]' "$tmp/o1"
expect "watchpoint" '^Watchpoint [0-9]+: write at 0x[0-9a-f]+$' "$tmp/o1"
expect "watchpoint new value" '^New value = 0x' "$tmp/o1"
expect "breakpoint in a function called twice, hit again after continuing from it" "^Breakpoint [0-9]+, cpu0 $puts: " "$tmp/o1"
expect "the second hit is counted" "breakpoint +y +$puts +1 +2" "$tmp/o1"
# guest_puts's first instruction ran (and was decoded) at its first call; patched to RET at the
# second, one step must return to the caller: a debugger write invalidates decoded code.
retaddr=$(grep -E $'^0x[0-9a-f]+:\t0x[0-9a-f]{16}$' "$tmp/o1" | tail -1 | cut -f2)
retaddr=$(printf '0x%x' $((retaddr)))
expect "patched code executes (RET to the caller)" "^rip +$retaddr " "$tmp/o1"
expect "info gdt" '^GDT\[0x08\] code base 0x0 limit 0xffffffff type 11 DPL 0 P L G' "$tmp/o1"
expect "info idt" '^IDT\[0x0e\] 64-bit int gate 0008:0x' "$tmp/o1"
expect "info tss" '^TR 0x0000 ' "$tmp/o1"
expect "info tlb" 'valid entries of' "$tmp/o1"
expect "unknown command" '^error: undefined command: "frobnicate"' "$tmp/o1"
expect "guest exit reported" '^\[machine stopped: guest exited through port 0xf4 with value 0; exit status 1\]' "$tmp/o1"
[ "$(grep -c "^Breakpoint 1, " "$tmp/o1")" -eq 1 ] && passes=$((passes + 1)) || { echo "FAIL: breakpoint 1 hit more than once"; fails=$((fails + 1)); }

# 2. Commands from a pipe: echoed after the prompt, empty lines not repeated, EOF ends.
printf 'si\n\ninfo registers rip\nphys\n' | "$hvsim" -kernel "$image" -debug -serial none >"$tmp/o2" 2>&1
st=$?
cat "$tmp/o2"
[ $st -eq 0 ] && passes=$((passes + 1)) || { echo "FAIL: pipe session status $st (want 0)"; fails=$((fails + 1)); }
expect "pipe echo" '^\(hvsim cpu0 prot32\) si$' "$tmp/o2"
expect "pipe rip after one step (empty line not repeated)" '^rip +0x100011 ' "$tmp/o2"
expect "pipe error" 'undefined command: "phys"' "$tmp/o2"

# 3. -ex and -batch: the status of a failed last command.
"$hvsim" -kernel "$image" -serial none -ex 'b 0x1000' -batch >"$tmp/o3" 2>&1
st=$?
[ $st -eq 1 ] && passes=$((passes + 1)) || { echo "FAIL: -batch with a failing last command: status $st (want 1)"; fails=$((fails + 1)); }
expect "break usage" 'usage: break \*ADDR' "$tmp/o3"

# 4. Ctrl-C while running returns to the prompt; the session then goes on. The guest is patched
#    to jump to itself (jmp $), so it runs until interrupted whatever the host's speed, and the
#    patched bytes must be what executes (debugger writes invalidate decoded code).
( sleep 0.5; printf 'set {short} $rip = 0xfeeb\nc\n'; sleep 1; kill -INT "$(cat "$tmp/pid")"; sleep 0.5
  printf 'info registers rip\nquit\n' ) |
  { "$hvsim" -kernel "$image" -debug -serial none & echo $! >"$tmp/pid"; wait; } >"$tmp/o4" 2>&1
cat "$tmp/o4"
expect "Ctrl-C stops the run" '^Interrupted, cpu0 0010:100010 \(0x100010\): jmp 0x100010$' "$tmp/o4"
expect "the prompt works after Ctrl-C" '^\(hvsim cpu0 prot32\) info registers rip$' "$tmp/o4"
expect "still at the loop" '^rip +0x100010 ' "$tmp/o4"
reject "the guest did not finish" 'machine stopped' "$tmp/o4"

expect_summary debugger_script
