#!/usr/bin/env bash
# Independent check of scripts/fetch-guest.sh: boots the fetched Image + initramfs on QEMU's virt
# board (TCG), waits for the ARMATURE-SHELL-READY marker, types a command into the shell and
# checks its answer, then powers off. Prints the time to the marker.
#   bash scripts/guest/qemu-boot-check.sh [timeout-seconds]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${ARMATURE_GUEST_CACHE:-$ROOT/.cache/guest}"
TIMEOUT="${1:-120}"
MARKER="ARMATURE-SHELL-READY"
command -v qemu-system-aarch64 >/dev/null 2>&1 ||
  { echo "qemu-boot-check: qemu-system-aarch64 is missing; run: bash scripts/install-system-tools.sh" >&2; exit 1; }
[ -s "$CACHE/Image" ] && [ -s "$CACHE/initramfs.cpio.gz" ] || bash "$ROOT/scripts/fetch-guest.sh"

TMP="$(mktemp -d)"
LOG="$TMP/console.log"
mkfifo "$TMP/in"
start=$(date +%s.%N)
qemu-system-aarch64 -M virt -cpu cortex-a72 -m 1024 -nographic -no-reboot \
  -kernel "$CACHE/Image" -initrd "$CACHE/initramfs.cpio.gz" -append "console=ttyAMA0" \
  <"$TMP/in" >"$LOG" 2>&1 &
QPID=$!
exec 3>"$TMP/in"
cleanup() {
  exec 3>&-
  kill "$QPID" 2>/dev/null || true
  wait "$QPID" 2>/dev/null || true
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$start" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }
# wait_for PATTERN: poll the console log until PATTERN appears (0) or time/qemu runs out (1).
wait_for() {
  while kill -0 "$QPID" 2>/dev/null; do
    grep -q "$1" "$LOG" && return 0
    awk -v t="$(since)" -v m="$TIMEOUT" 'BEGIN{exit !(t>m)}' && return 1
    sleep 0.05
  done
  grep -q "$1" "$LOG"
}
fail() {
  tail -40 "$LOG" >&2
  echo "qemu-boot-check: $1 (after $(since)s)" >&2
  exit 1
}

wait_for "^$MARKER" || fail "no $MARKER line"
marker_time=$(since)
grep -E "^init:|insmod" "$LOG" && fail "a module failed to load"
sleep 0.5
echo 'echo ARMATURE-ECHO-$((6*7)) $(uname -m)' >&3
wait_for "ARMATURE-ECHO-42 aarch64" || fail "the shell did not answer"
echo 'poweroff -f' >&3
for _ in $(seq 200); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$QPID" 2>/dev/null && fail "poweroff -f did not stop QEMU"
echo "qemu-boot-check: $MARKER reached in ${marker_time}s; the shell answered; poweroff after $(since)s" \
  "(qemu-system-aarch64 -M virt -cpu cortex-a72 -m 1024, $(qemu-system-aarch64 --version | head -1))"
rm -rf "$TMP"
