#!/usr/bin/env bash
# Installs, from Debian's packages and only when missing, the programs Armature's tests use as
# independent judges: llvm-mc, dtc, iasl, dmidecode, qemu-aarch64, qemu-system-aarch64, the
# aarch64 cross compiler, cpio, tcpdump, and for the firmware boot EDK2 (qemu-efi-aarch64), GRUB's
# tools, mtools, dosfstools and sgdisk (GRUB's arm64 EFI modules, grub-efi-arm64-bin, are an arm64
# package: on other hosts apt gets the arm64 architecture so that scripts/guest/make-efi-disk.sh
# can `apt-get download` it). Idempotent: a second run installs nothing.
set -euo pipefail

# command -> Debian package
declare -A NEED=(
  [llvm-mc]=llvm
  [dtc]=device-tree-compiler
  [iasl]=acpica-tools
  [dmidecode]=dmidecode
  [qemu-aarch64]=qemu-user
  [qemu-system-aarch64]=qemu-system-arm
  [aarch64-linux-gnu-gcc]=gcc-aarch64-linux-gnu
  [cpio]=cpio
  [tcpdump]=tcpdump
  [gdb-multiarch]=gdb-multiarch
  [grub-mkstandalone]=grub-common
  [mkfs.vfat]=dosfstools
  [mcopy]=mtools
  [sgdisk]=gdisk
  [edid-decode]=edid-decode
)

missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
# EDK2 for the virt board's firmware boot (a file, not a command).
[ -f /usr/share/AAVMF/AAVMF_CODE.fd ] || missing+=(qemu-efi-aarch64)
# The cross compiler's libc headers and QEMU's virtio option ROMs are only Recommends of
# gcc-aarch64-linux-gnu and qemu-system-arm, which --no-install-recommends leaves out.
[ -f /usr/aarch64-linux-gnu/include/bits/wordsize.h ] || missing+=(libc6-dev-arm64-cross)
[ -f /usr/lib/ipxe/qemu/efi-virtio.rom ] || missing+=(ipxe-qemu)
# GRUB's arm64 EFI modules: installed on an arm64 host; elsewhere make-efi-disk.sh downloads the
# arm64 .deb, which needs apt to know the arm64 architecture.
add_arm64=no
if [ "$(dpkg --print-architecture 2>/dev/null || echo unknown)" = arm64 ]; then
  [ -f /usr/lib/grub/arm64-efi/linux.mod ] || missing+=(grub-efi-arm64-bin)
elif command -v dpkg >/dev/null 2>&1 && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  add_arm64=yes
fi
if [ "${#missing[@]}" -eq 0 ] && [ "$add_arm64" = no ]; then
  echo "==> system tools: all present"
  exit 0
fi
[ "${#missing[@]}" -eq 0 ] || mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    [ "${#missing[@]}" -eq 0 ] || echo "install-system-tools: these Debian packages are missing: ${missing[*]}" >&2
    [ "$add_arm64" = no ] || echo "install-system-tools: apt lacks the arm64 architecture (for grub-efi-arm64-bin)" >&2
    echo "Run as root:" >&2
    [ "$add_arm64" = no ] || echo "  dpkg --add-architecture arm64" >&2
    echo "  apt-get update${missing[*]:+ && apt-get install -y ${missing[*]}}" >&2
    exit 1
  fi
else
  SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
if [ "$add_arm64" = yes ]; then
  echo "==> adding apt's arm64 architecture (for grub-efi-arm64-bin, downloaded, not installed)"
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
fi
[ "${#missing[@]}" -gt 0 ] || exit 0
echo "==> installing Debian packages: ${missing[*]}"
# apt-get update once, only when the package lists are absent or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
  $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "==> system tools installed"
