#!/usr/bin/env bash
# Builds a GPT disk image whose EFI System Partition boots Linux through GRUB, from Debian's
# packages only: GRUB's arm64 EFI modules (grub-efi-arm64-bin, fetched as a .deb and unpacked),
# grub-mkstandalone (grub-common), mkfs.vfat (dosfstools), mcopy (mtools), sgdisk (gdisk).
#
#   make-efi-disk.sh OUT.img KERNEL INITRD [CMDLINE]
#
# The ESP holds \EFI\BOOT\BOOTAA64.EFI (a standalone GRUB whose memdisk grub.cfg finds the ESP
# by the kernel's file name and boots it at once), \Image and \initrd. Prints what it did.
set -euo pipefail

OUT="$1"
KERNEL="$2"
INITRD="$3"
CMDLINE="${4:-console=ttyAMA0}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${ARMATURE_GRUB_CACHE:-$ROOT/.cache/grub}"
say() { echo "==> make-efi-disk: $*" >&2; }
die() {
  echo "make-efi-disk: $*" >&2
  exit 1
}
# mkfs.vfat and sgdisk live in /usr/sbin, which a user's PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
for tool in grub-mkstandalone mkfs.vfat mcopy mmd sgdisk apt-get dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing: apt-get install grub-common dosfstools mtools gdisk (scripts/install-system-tools.sh)"
done

# GRUB's arm64 modules: installed (an arm64 host, or grub-efi-arm64-bin on any), else the .deb's.
MODDIR=/usr/lib/grub/arm64-efi
[ -f "$MODDIR/linux.mod" ] || MODDIR="$CACHE/x/usr/lib/grub/arm64-efi"
if [ ! -f "$MODDIR/linux.mod" ]; then
  mkdir -p "$CACHE"
  say "fetching grub-efi-arm64-bin (arm64 .deb)"
  (cd "$CACHE" && apt-get download grub-efi-arm64-bin:arm64 >/dev/null 2>&1) ||
    die "apt-get download grub-efi-arm64-bin:arm64 failed (apt needs the arm64 architecture: scripts/install-system-tools.sh as root adds it)"
  deb="$(ls -t "$CACHE"/grub-efi-arm64-bin_*_arm64.deb | head -1)"
  dpkg-deb -x "$deb" "$CACHE/x"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/armature-efidisk-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

cat >"$WORK/grub.cfg" <<EOF
set timeout=0
search --no-floppy --file --set=root /Image
echo "GRUB: booting (\$root)/Image"
linux /Image $CMDLINE
initrd /initrd
boot
EOF
grub-mkstandalone -d "$MODDIR" -O arm64-efi -o "$WORK/BOOTAA64.EFI" \
  --modules="part_gpt fat search search_fs_file linux echo normal" \
  "boot/grub/grub.cfg=$WORK/grub.cfg"

# ESP: room for the kernel, the initrd and GRUB plus slack, in whole MiB.
need=$(($(stat -c %s "$KERNEL") + $(stat -c %s "$INITRD") + $(stat -c %s "$WORK/BOOTAA64.EFI")))
ESP_MIB=$((need / 1048576 + 8))
ESP="$WORK/esp.img"
truncate -s "${ESP_MIB}M" "$ESP"
mkfs.vfat -F 32 -n ARMATURE-ESP "$ESP" >/dev/null 2>&1 || mkfs.vfat -n ARMATURE "$ESP" >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$ESP" ::/EFI ::/EFI/BOOT
mcopy -i "$ESP" "$WORK/BOOTAA64.EFI" ::/EFI/BOOT/BOOTAA64.EFI
mcopy -i "$ESP" "$KERNEL" ::/Image
mcopy -i "$ESP" "$INITRD" ::/initrd

# GPT: 1 MiB before the ESP, 1 MiB after it for the backup header.
rm -f "$OUT"
truncate -s "$((ESP_MIB + 2))M" "$OUT"
sgdisk -n "1:2048:+${ESP_MIB}M" -t 1:ef00 -c 1:"EFI System" "$OUT" >/dev/null
dd if="$ESP" of="$OUT" bs=1M seek=1 conv=notrunc status=none
say "done: $OUT ($((ESP_MIB + 2)) MiB: GPT, ESP with \\EFI\\BOOT\\BOOTAA64.EFI, \\Image, \\initrd)"
