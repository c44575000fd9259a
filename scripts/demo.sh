#!/usr/bin/env bash
# Sets up Armature and runs its main job: Debian's arm64 Linux (kernel and busybox fetched from
# Debian's packages) booting on the virt board to an interactive shell on this terminal.
# In the guest: `poweroff -f` powers off (exit status 0); Ctrl-A x quits at any time.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ARMATURE_ROOT"
ensure_pnpm
pnpm install --frozen-lockfile
pnpm build
bash scripts/fetch-guest.sh
DISK=.cache/guest/disk.img
[ -f "$DISK" ] || truncate -s 64M "$DISK"
echo "==> booting Debian's arm64 kernel on the virt board (5-10 s to the shell on 2 cores; Ctrl-A x quits)"
exec node apps/cli/dist/main.cjs run --machine virt \
  --kernel .cache/guest/Image --initrd .cache/guest/initramfs.cpio.gz \
  --disk "$DISK" --append "console=ttyAMA0" "$@"
