#!/usr/bin/env bash
# The VMX debugger commands on the vmx-tour demo (docs/debugger.md "VMX"): hvsim -debug -batch
# -x SCRIPT with break vmexit cpuid, continue, info vmcs, explain, step-entry, si, info exits;
# then the other exits and their explanations, vmcs diff and set, break entryfail + explain
# (check id and SDM section), VMfailValid, break vmentry/inject, stepping across VM entry/exit.
# Usage: debugger_vmx.sh HVSIM VMX_TOUR_IMAGE
set -u
hvsim=$1 image=$2
. "$(dirname "$0")/expect.sh"
guest=$(sym tour_guest) vmcall=$(sym tour_guest_vmcall)
[ -n "$guest" ] && [ -n "$vmcall" ] || { echo "FAIL: symbols not found in $image"; exit 1; }
run() {   # run SCRIPT OUT
  timeout 60 "$hvsim" -kernel "$image" -serial stdio -display none -debug -batch -x "$1" >"$2" 2>&1
}

# 1. The acceptance session: the CPUID exit, the VMCS decoded, explain, back into the guest.
cat > "$tmp/s1" <<'EOS'
break vmexit cpuid
continue
info vmcs
explain
step-entry
si
info exits
EOS
run "$tmp/s1" "$tmp/o1"
cpuid_rip=$(printf '0x%x' $((guest + 4)))    # xor eax,eax; xor ecx,ecx
expect "break vmexit set" '^Breakpoint 1 at vmexit cpuid \(10\)' "$tmp/o1"
expect "stop names the reason" '^Breakpoint 1, VM exit: reason 10 \(cpuid\)' "$tmp/o1"
expect "stop shows guest rip and insn" "^  guest rip $cpuid_rip: cpuid \(length 2\)" "$tmp/o1"
expect "stop shows cycles" '^  cycles [0-9]+' "$tmp/o1"
expect "stop is in the host" '^cpu0 0x[0-9a-f]+: xor eax, eax' "$tmp/o1"
expect "info vmcs header" '^VMCS at 0x[0-9a-f]+ \(cpu0, in VMX root operation, launch state launched\)' "$tmp/o1"
expect "info vmcs groups" '^VM-execution, VM-exit and VM-entry controls \(controls\):' "$tmp/o1"
expect "info vmcs guest group" '^guest-state area \(guest\):' "$tmp/o1"
expect "info vmcs host group" '^host-state area \(host\):' "$tmp/o1"
expect "info vmcs exit group" '^VM-exit information \(exit\):' "$tmp/o1"
expect "primary controls decoded" '^  CPU_BASED_VM_EXEC_CONTROL +0x[0-9a-f]{8}  .*HLT exiting\(7\), CR3-load exiting\(15\), use I/O bitmaps\(25\), use MSR bitmaps\(28\)' "$tmp/o1"
expect "entry controls decoded" '^  VM_ENTRY_CONTROLS +0x[0-9a-f]+  .*IA-32e mode guest\(9\)' "$tmp/o1"
expect "exit controls decoded" '^  VM_EXIT_CONTROLS +0x[0-9a-f]+  .*host address-space size\(9\)' "$tmp/o1"
expect "exit reason field" '^  VM_EXIT_REASON +0x0000000a  cpuid' "$tmp/o1"
expect "guest rip field" "^  GUEST_RIP +0x0*${cpuid_rip#0x}\$" "$tmp/o1"
expect "host rip field" '^  HOST_RIP +0x0*[1-9a-f][0-9a-f]*$' "$tmp/o1"
expect "link pointer field" '^  VMCS_LINK_POINTER +0xffffffffffffffff' "$tmp/o1"
expect "explain cpuid" '^CPUID always causes a VM exit in VMX non-root operation' "$tmp/o1"
expect "step-entry stops at the entry" "^VM entry into the guest at rip $(printf '0x%x' $((guest + 6))), cycles [0-9]+" "$tmp/o1"
expect "si in the guest" "^cpu0 $(printf '0x%x' $((guest + 8))): mov dx, 0x3f8" "$tmp/o1"
expect "info exits header" '^cpu0: 2 VM entries, 1 VM exits' "$tmp/o1"
expect "info exits cpuid row" '^  10 +cpuid +1 +[1-9][0-9]*$' "$tmp/o1"
reject "no errors" '^error:' "$tmp/o1"

# 2. Every exit of the tour, with its qualification and explanation; vmcs diff.
cat > "$tmp/s2" <<'EOS'
break vmexit io cr msr-read HLT 18
c
explain
c
explain
vmcs diff
c
explain
c
explain
c
explain
info exits
EOS
run "$tmp/s2" "$tmp/o2"
expect "io qualification" '^  qualification 0x3f80000: size=1 direction=out string=0 rep=0 operand=dx port=0x3f8' "$tmp/o2"
expect "io explain" '^I/O bitmap A bit for port 0x3f8 is set \(use I/O bitmaps, primary processor-based controls bit 25' "$tmp/o2"
expect "cr qualification" '^  qualification 0x3: cr=3 access=mov-to-cr gpr=rax' "$tmp/o2"
expect "cr guest insn" '^  guest rip 0x[0-9a-f]+: mov cr3, rax \(length 3\)' "$tmp/o2"
expect "cr explain" '^CR3-load exiting \(primary processor-based controls bit 15\) is set and CR3_TARGET_COUNT is 0' "$tmp/o2"
expect "vmcs diff reason" '^  VM_EXIT_REASON +0x1e -> 0x1c' "$tmp/o2"
expect "vmcs diff qualification" '^  EXIT_QUALIFICATION +0x3f80000 -> 0x3' "$tmp/o2"
expect "vmcs diff count" '^[0-9]+ fields changed since the previous stop\.' "$tmp/o2"
expect "msr explain" '^The MSR bitmap read bit for MSR 0x1b is set \(read bitmap for low MSRs' "$tmp/o2"
expect "hlt explain" '^HLT exiting \(primary processor-based controls bit 7\) is set\.' "$tmp/o2"
expect "vmcall stop" "^  guest rip $vmcall: vmcall \(length 3\)" "$tmp/o2"
expect "vmcall explain" '^VMCALL always causes a VM exit' "$tmp/o2"
expect "info exits entry failure row" '^  33 +invalid-guest-state +1 ' "$tmp/o2"
expect "info exits hlt row" '^  12 +hlt +1 ' "$tmp/o2"
reject "no errors" '^error:' "$tmp/o2"

# 3. The deliberately broken VM entry: break entryfail + explain name the check and section.
cat > "$tmp/s3" <<'EOS'
break entryfail
info breakpoints
c
explain
info vmcs exit
step-entry
explain
EOS
run "$tmp/s3" "$tmp/o3"
expect "entryfail in info breakpoints" '^1 +vm-transition +y +entryfail' "$tmp/o3"
expect "entryfail stop" '^Breakpoint 1, VM entry failed \(VM-entry failure exit\)' "$tmp/o3"
expect "explain check id and section" '^VM entry failed check GUEST_RFLAGS_RESERVED \(SDM 3C §27\.3\.1\.4\) with a VM-entry failure exit: GUEST_RFLAGS = 0\. .*Required: bits 63:22, 15, 5 and 3 must be 0 and bit 1 must be 1\.' "$tmp/o3"
[ "$(grep -c '^VM entry failed check GUEST_RFLAGS_RESERVED' "$tmp/o3")" = 2 ] && passes=$((passes + 1)) ||
  { echo "FAIL: explain after the next VM entry still explains the failed one"; fails=$((fails + 1)); }
expect "exit reason with bit 31" '^  VM_EXIT_REASON +0x80000021  invalid-guest-state \(VM-entry failure\)' "$tmp/o3"
reject "no errors" '^error:' "$tmp/o3"

# 4. A VMfailValid entry (host TR selector 0, set from the debugger), vmcs set, step-exit,
#    break vmentry, stepping across VMRESUME into the guest and across an exit back.
cat > "$tmp/s4" <<'EOS'
break vmexit hlt
c
vmcs set HOST_TR_SELECTOR 0
delete
break entryfail
c
explain
vmcs set HOST_TR_SELECTOR 0x18
delete
break vmentry
info breakpoints
c
step-exit
vmcs set guest_rip 0x1234
info vmcs GUEST_RIP
vmcs bogus
EOS
run "$tmp/s4" "$tmp/o4"
expect "vmcs set" '^  HOST_TR_SELECTOR +0x0000$' "$tmp/o4"
expect "VMfailValid stop" '^Breakpoint 2, VM entry failed \(VMfailValid\)' "$tmp/o4"
expect "VMfailValid explain" '^VM entry failed check HOST_TR_NULL \(SDM 3C §27\.2\.3\) with VMfailValid, VM-instruction error 8: HOST_TR_SELECTOR = 0\. .*Required: the host TR selector must not be 0\.' "$tmp/o4"
expect "tour saw the failure" '^tour: VM entry failed: rflags 0x[0-9a-f]+, VM-instruction error 8' "$tmp/o4"
expect "vmcs field by lower-case name" '^  GUEST_RIP +0x0000000000001234$' "$tmp/o4"
expect "vmcs bad group" '^error: no VMCS group or field "bogus"' "$tmp/o4"

# 5. si across VM entry (on VMRESUME) into the guest and across a VM exit back to the host's
#    RIP; break inject and vmentry accepted; unknown reasons refused.
vmresume=0x$(objdump -d -m i386:x86-64 "$image" | grep -m1 -E '\svmresume' | awk '{print $1}' | tr -d :)
cat > "$tmp/s5" <<EOS
break vmentry
c
delete
step-exit
info vmcs GUEST_RIP
break *$vmresume
c
delete
si
si
si
si
info registers rip
break inject
break vmexit 999999
break vmexit nosuch
break vmentry now
EOS
run "$tmp/s5" "$tmp/o5"
expect "step-exit shows the cpuid exit" '^VM exit: reason 10 \(cpuid\)' "$tmp/o5"
expect "stopped at vmresume" "^Breakpoint [0-9]+, cpu0 $vmresume: vmresume" "$tmp/o5"
expect "si on vmresume enters the guest" "^cpu0 $(printf '0x%x' $((guest + 6))): mov al, 0x47" "$tmp/o5"
expect "si reaches the OUT" "^cpu0 $(printf '0x%x' $((guest + 12))): out dx, al" "$tmp/o5"
expect "si on OUT reports the exit" '^VM exit: reason 30 \(io\)' "$tmp/o5"
expect "si on OUT stops at HOST_RIP" "^rip +$(printf '0x%x' $((vmresume + 7))) " "$tmp/o5"
expect "break inject" '^Breakpoint [0-9]+ at inject' "$tmp/o5"
expect "bad reason number" '^error: unknown VM-exit reason "999999"' "$tmp/o5"
expect "bad reason name" '^error: unknown VM-exit reason "nosuch"' "$tmp/o5"
expect "break vmentry args" '^error: break vmentry takes no arguments' "$tmp/o5"

# 6. break inject: an event injected from the debugger (#GP with error code 0x18) is reported
#    and delivered through the guest's IDT.
cat > "$tmp/s7" <<'EOS'
break vmexit io
c
vmcs set VM_ENTRY_INTR_INFO 0x80000b0d
vmcs set VM_ENTRY_EXCEPTION_ERROR_CODE 0x18
delete
break inject
c
info vmcs VM_ENTRY_INTR_INFO
EOS
run "$tmp/s7" "$tmp/o7"
expect "vmcs set decodes the injection" '^  VM_ENTRY_INTR_INFO +0x80000b0d  valid vector=13 type=3 error-code' "$tmp/o7"
expect "inject stop" '^Breakpoint 2, Event injection at VM entry: vector 13 \(#GP\), type 3 \(hardware exception\), with error code' "$tmp/o7"
expect "inject error code" '^  error code 0x18' "$tmp/o7"
expect "injected: valid bit consumed" '^  VM_ENTRY_INTR_INFO +0x00000b0d$' "$tmp/o7"
reject "no errors" '^error:' "$tmp/o7"

# 7. The same commands from gdb through qRcmd (monitor), when gdb is installed.
if command -v gdb >/dev/null; then
  port=$((20000 + $$ % 20000))
  timeout 60 "$hvsim" -kernel "$image" -serial none -display none -gdb tcp::$port -S >"$tmp/srv" 2>&1 &
  srv=$!
  for _ in $(seq 50); do grep -q 'gdb server' "$tmp/srv" && break; sleep 0.1; done
  timeout 60 gdb -batch -nx -ex 'set architecture i386:x86-64' -ex "target remote :$port" \
    -ex 'monitor break vmexit io' -ex 'continue' -ex 'monitor explain' -ex 'monitor info vmcs GUEST_RIP' \
    -ex 'kill' >"$tmp/o6" 2>&1
  kill $srv 2>/dev/null; wait $srv 2>/dev/null
  expect "gdb: monitor explain" '^I/O bitmap A bit for port 0x3f8 is set' "$tmp/o6"
  expect "gdb: monitor info vmcs FIELD" "^  GUEST_RIP +0x0*$(printf '%x' $((guest + 12)))\$" "$tmp/o6"
else
  echo "debugger_vmx: gdb not installed, skipping the monitor checks"
fi

expect_summary debugger_vmx
