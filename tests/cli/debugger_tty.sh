#!/usr/bin/env bash
# The interactive prompt on a real terminal (tmux): tab completion of commands and info
# subcommands, an empty line repeating stepi, Ctrl-C while running and at the prompt (the line is
# dropped), command output on its own line, and the history file
# ~/.hvsim_history (Up recalls the previous command). Skipped (77) without tmux.
# Usage: debugger_tty.sh HVSIM IMAGE
set -u
hvsim=$1 image=$2
command -v tmux >/dev/null || { echo "debugger_tty: SKIP: tmux not installed"; exit 77; }
home=$(mktemp -d) sess=hvsim-tty-$$
trap 'tmux kill-session -t "$sess" 2>/dev/null; rm -rf "$home"' EXIT
fails=0 passes=0
screen() { tmux capture-pane -t "$sess" -p -S -100; }
expect() {
  if screen | grep -qE -- "$2"; then passes=$((passes + 1)); else echo "FAIL: $1: no line matches /$2/"; fails=$((fails + 1)); fi
}
wait_for() {   # wait_for PATTERN: up to 10 s
  for _ in $(seq 100); do screen | grep -qE -- "$1" && return 0; sleep 0.1; done
  return 1
}
tmux new-session -d -s "$sess" -x 120 -y 40 "HOME=$home $hvsim -kernel $image -serial none -debug; sleep 30" ||
  { echo "debugger_tty: SKIP: tmux cannot start a session"; exit 77; }
wait_for '^\(hvsim cpu0 prot32\)' || { screen; echo "FAIL: no prompt"; exit 1; }
tmux send-keys -t "$sess" 'inf' Tab 'reg' Tab 'rip' Enter
wait_for '^rip +0x100010 '
expect "tab completion of command and subcommand" '^\(hvsim cpu0 prot32\) info registers rip$'
expect "info registers rip" '^rip +0x100010 '
tmux send-keys -t "$sess" 'si' Enter
wait_for '0x100011'
tmux send-keys -t "$sess" Enter
wait_for '0x100012'
expect "an empty line repeats stepi" '^cpu0 0010:100012 \(0x100012\): '
tmux send-keys -t "$sess" 'set {short} $rip = 0xfeeb' Enter   # jmp $: runs until Ctrl-C
tmux send-keys -t "$sess" 'c' Enter
sleep 1
tmux send-keys -t "$sess" C-c
wait_for 'Interrupted, cpu0 '
expect "Ctrl-C returns to the prompt" 'Interrupted, cpu0 0010:100012 \(0x100012\): jmp 0x100012$'
expect "the prompt shows the mode" '^\(hvsim cpu0 prot32\)'
tmux send-keys -t "$sess" 'print 99'
sleep 0.2
tmux send-keys -t "$sess" C-c   # at the prompt: the half-typed line is dropped
sleep 0.2
tmux send-keys -t "$sess" 'p 6*7' Enter
wait_for '^0x2a \(42\)$'
expect "output of a command owns its line" '^0x2a \(42\)$'
if screen | grep -q '^0x63'; then echo "FAIL: the line discarded by Ctrl-C ran"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
tmux send-keys -t "$sess" Up Up Up Up
sleep 0.3
expect "Up recalls history" '^\(hvsim cpu0 prot32\) si$'
tmux send-keys -t "$sess" C-u 'quit' Enter
for _ in $(seq 50); do [ -s "$home/.hvsim_history" ] && break; sleep 0.1; done
if [ "$(cat "$home/.hvsim_history" 2>/dev/null)" = "$(printf 'info registers rip\nsi\nset {short} $rip = 0xfeeb\nc\np 6*7\nquit')" ]; then
  passes=$((passes + 1)); else echo "FAIL: history file: $(cat "$home/.hvsim_history" 2>/dev/null)"; fails=$((fails + 1)); fi
[ $fails -eq 0 ] || screen
echo "debugger_tty: $passes passed, $fails failed"
[ $fails -eq 0 ]
