#!/usr/bin/env bash
# The gdb remote protocol against the real gdb (Debian's `gdb`) in batch mode: hvsim -gdb -S,
# gdb attaches with target remote, reads registers, sets a breakpoint, continues, steps, reads
# memory, runs `monitor info registers` (qRcmd) and a read watchpoint (Z3), then lets the guest
# finish. Skipped (77) without gdb. Usage: debugger_gdb.sh HVSIM HELLO_IMAGE
set -u
hvsim=$1 image=$2
command -v gdb >/dev/null || { echo "debugger_gdb: SKIP: gdb not installed (scripts/deps.sh installs it)"; exit 77; }
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0 passes=0
expect() {
  if grep -qE -- "$2" "$3"; then passes=$((passes + 1)); else echo "FAIL: $1: no line matches /$2/"; fails=$((fails + 1)); fi
}
sym() { local a; a=$(nm "$image" | awk -v s="$1" '$3 == s { print $1 }'); [ -n "$a" ] && printf '0x%x' $((16#$a)); }
main=$(sym main)
str=0x$(objdump -d --no-show-raw-insn "$image" | awk '/<main>:/,/^$/' | grep -m1 -oE 'mov +\$0x[0-9a-f]+,%edi' | grep -oE '0x[0-9a-f]+' | sed 's/0x//')
[ -n "$main" ] && [ "$str" != 0x ] || { echo "FAIL: symbols not found in $image"; exit 1; }

# A free port: let the kernel pick one, then use it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 12345)
fport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 12346)
# A hostile client on a second instance: malformed, truncated, oversized and unknown packets get
# an answer (or '-'), never crash the stub, which still answers '?' afterwards; when the client
# goes away the machine runs on to the guest's exit, as after a detach.
if command -v python3 >/dev/null; then
  "$hvsim" -kernel "$image" -serial none -gdb tcp::"$fport" -S >"$tmp/fuzz-hvsim.out" 2>&1 &
  fpid=$!
  for _ in $(seq 50); do grep -q "gdb server" "$tmp/fuzz-hvsim.out" && break; sleep 0.1; done
  python3 - "$fport" <<'EOPY' >"$tmp/fuzz.out" 2>&1
import random, socket, sys, time
def pkt(p):
    return b"$" + p + b"#" + b"%02x" % (sum(p) & 0xff)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
bad = [pkt(b"m"), pkt(b"mzz,1"), pkt(b"m100000,ffffffff"), pkt(b"M0,ffffffffff:00"), pkt(b"M0,4:0"),
       pkt(b"p9999"), pkt(b"P10=12"), pkt(b"G0"), pkt(b"G" + b"f" * 5000), pkt(b"X1,5:ab"), pkt(b"Z9,1,1"),
       pkt(b"Z0,,"), pkt(b"z2,zz,4"), pkt(b"qXfer:features:read:target.xml:zz"), pkt(b"qXfer:features:read:x.xml:0,10"),
       pkt(b"qRcmd,zz"), pkt(b"qRcmd,696e666f207265676973746572732072697020"), pkt(b"vCont;q;x"), pkt(b"H"), pkt(b"T99"),
       pkt(b"qThreadExtraInfo,99"), b"$g#00", b"$g#zz", b"$" + b"a" * 20000 + b"#00", b"}}}$$##", b"\x03", pkt(b"?")]
random.seed(7)
for _ in range(200):
    # never a resume (c, s, vCont;c), detach or kill: the machine must stay where gdb will find it
    body = bytes(random.choice(b"mMpPgGXZzqvHT?0123456789abf,:;=") for _ in range(random.randint(0, 40)))
    bad.append(pkt(bytes([random.choice(b"mMpPgGXZzqHT?")]) + body))
for b in bad:
    s.sendall(b)
    time.sleep(0.002)
time.sleep(0.3)
got = b""
s.settimeout(0.5)
try:
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        got += chunk
except socket.timeout:
    pass
s.sendall(pkt(b"?"))
time.sleep(0.3)
last = s.recv(4096)
s.close()
print("fuzz: %d bytes of replies, then '?' answered %s" % (len(got), last[:40]))
EOPY
  wait $fpid
  fst=$?
  cat "$tmp/fuzz.out"
  if grep -q "fuzz: [1-9][0-9]* bytes of replies, then '?' answered b'+\$T05" "$tmp/fuzz.out" && [ $fst -eq 1 ]; then
    passes=$((passes + 1)); else
    echo "FAIL: the stub did not survive malformed packets (hvsim status $fst)"; fails=$((fails + 1)); fi
fi

"$hvsim" -kernel "$image" -serial file:"$tmp/serial" -gdb tcp::"$port" -S >"$tmp/hvsim.out" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q "gdb server" "$tmp/hvsim.out" && break; sleep 0.1; done

# Ctrl-C from the client while running: a third instance, the guest patched to jmp $ through
# an M packet, continued with vCont;c, then the 0x03 byte must stop it with a T02 reply.
if command -v python3 >/dev/null; then
  iport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$hvsim" -kernel "$image" -serial none -gdb tcp::"$iport" -S >"$tmp/intr-hvsim.out" 2>&1 &
  ipid=$!
  for _ in $(seq 50); do grep -q "gdb server" "$tmp/intr-hvsim.out" && break; sleep 0.1; done
  python3 - "$iport" <<'EOPY' >"$tmp/intr.out" 2>&1
import socket, sys, time
def pkt(p):
    return b"$" + p + b"#" + b"%02x" % (sum(p) & 0xff)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(5)
def ask(p):
    s.sendall(pkt(p))
    buf = b""
    while b"#" not in buf.lstrip(b"+") or len(buf.split(b"#")[-1]) < 2:
        buf += s.recv(4096)
    return buf.lstrip(b"+").split(b"#")[0][1:]
print("M:", ask(b"M100010,2:ebfe"))
s.sendall(pkt(b"vCont;c"))
time.sleep(0.5)
s.sendall(b"\x03")
buf = b""
while b"#" not in buf or len(buf.split(b"#")[-1]) < 2:
    buf += s.recv(4096)
print("stop:", buf.lstrip(b"+").split(b"#")[0][1:])
print("pc:", ask(b"p10"))
s.sendall(pkt(b"k"))
s.close()
EOPY
  wait $ipid
  cat "$tmp/intr.out"
  if grep -q "^M: b'OK'" "$tmp/intr.out" && grep -q "^stop: b'T02thread:01;'" "$tmp/intr.out" &&
     grep -q "^pc: b'1000100000000000'" "$tmp/intr.out"; then passes=$((passes + 1)); else
    echo "FAIL: Ctrl-C (0x03) from the client did not stop the running machine at the loop"; fails=$((fails + 1)); fi
fi

cat > "$tmp/cmds" <<EOS
set pagination off
set confirm off
target remote :$port
info registers rip
p/x \$cr0
p/x \$efer
break *$main
continue
info registers rip
stepi
info registers rip
x/4xb \$rsp
monitor info registers rip
set \$rax = 0x1234
monitor info registers rax
p/x \$fs_base
info registers cr3
monitor frobnicate
monitor continue
delete
rwatch *(char*)$str
continue
delete
continue
EOS
timeout 60 gdb -nx -batch -x "$tmp/cmds" >"$tmp/gdb.out" 2>&1
gst=$?
wait $pid
st=$?
cat "$tmp/gdb.out"
cat "$tmp/hvsim.out"
[ $gst -eq 0 ] && passes=$((passes + 1)) || { echo "FAIL: gdb exited with $gst"; fails=$((fails + 1)); }
[ $st -eq 1 ] && passes=$((passes + 1)) || { echo "FAIL: hvsim exited with $st (want 1, the guest's status)"; fails=$((fails + 1)); }
expect "registers at the entry (started stopped)" '^rip +0x100010 +0x100010' "$tmp/gdb.out"
expect "control registers from target.xml" '^\$1 = 0x11$' "$tmp/gdb.out"
expect "efer" '^\$2 = 0x0$' "$tmp/gdb.out"
expect "breakpoint" "^Breakpoint 1, $(printf '0x%016x' $main) in" "$tmp/gdb.out"
expect "rip at the breakpoint" "^rip +$main +$main" "$tmp/gdb.out"
expect "stepi" "^rip +$(printf '0x%x' $((main + 1))) " "$tmp/gdb.out"
expect "x/4xb" '^0x[0-9a-f]+:	0x[0-9a-f]{2}	0x[0-9a-f]{2}	0x[0-9a-f]{2}	0x[0-9a-f]{2}$' "$tmp/gdb.out"
expect "monitor info registers (qRcmd)" "^rip +$(printf '0x%x' $((main + 1))) +[0-9]+$" "$tmp/gdb.out"
expect "register write (P) seen by the debugger" '^rax +0x1234 +4660$' "$tmp/gdb.out"
expect "fs_base from the segments feature" '^\$3 = 0x0$' "$tmp/gdb.out"
expect "cr3 from org.hvsim.x86.sys" '^cr3 +0x[0-9a-f]+ +[0-9]+$' "$tmp/gdb.out"
expect "monitor refuses to run the machine" "^use gdb's continue, stepi and nexti" "$tmp/gdb.out"
expect "monitor errors come back" 'error: undefined command: "frobnicate"' "$tmp/gdb.out"
expect "read watchpoint (Z3)" '^Hardware read watchpoint [0-9]+: ' "$tmp/gdb.out"
expect "read watchpoint hit" '^Value = ' "$tmp/gdb.out"
expect "guest exit (W packet)" 'exited with code 01' "$tmp/gdb.out"
expect "guest output" 'SUMMARY: .* 0 failures' "$tmp/serial"
echo "debugger_gdb: $passes passed, $fails failed"
[ $fails -eq 0 ]
