#!/usr/bin/env bash
# Independent check of scripts/fetch-guest.sh: boots the fetched Image + initramfs on QEMU's virt
# board (TCG) and waits for the ARMATURE-SHELL-READY marker; prints the time it took.
#   bash scripts/guest/qemu-boot-check.sh [timeout-seconds]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${ARMATURE_GUEST_CACHE:-$ROOT/.cache/guest}"
TIMEOUT="${1:-120}"
MARKER="ARMATURE-SHELL-READY"
command -v qemu-system-aarch64 >/dev/null 2>&1 ||
  { echo "qemu-boot-check: qemu-system-aarch64 is missing; run: bash scripts/install-system-tools.sh" >&2; exit 1; }
[ -s "$CACHE/Image" ] && [ -s "$CACHE/initramfs.cpio.gz" ] || bash "$ROOT/scripts/fetch-guest.sh"

LOG="$(mktemp)"
start=$(date +%s.%N)
qemu-system-aarch64 -M virt -cpu cortex-a72 -m 1024 -nographic -no-reboot \
  -kernel "$CACHE/Image" -initrd "$CACHE/initramfs.cpio.gz" -append "console=ttyAMA0" \
  </dev/null >"$LOG" 2>&1 &
QPID=$!
status=1
while kill -0 "$QPID" 2>/dev/null; do
  if grep -q "^$MARKER" "$LOG"; then status=0; break; fi
  now=$(date +%s.%N)
  if awk -v a="$start" -v b="$now" -v t="$TIMEOUT" 'BEGIN{exit !(b-a>t)}'; then break; fi
  sleep 0.05
done
end=$(date +%s.%N)
kill "$QPID" 2>/dev/null || true
wait "$QPID" 2>/dev/null || true
elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}')
if [ "$status" = 0 ]; then
  grep -E "^init:|insmod" "$LOG" || true
  echo "qemu-boot-check: $MARKER reached in ${elapsed}s (qemu-system-aarch64 -M virt -cpu cortex-a72 -m 1024)"
else
  tail -40 "$LOG" >&2
  echo "qemu-boot-check: no $MARKER within ${elapsed}s; full log: $LOG" >&2
  exit 1
fi
rm -f "$LOG"
