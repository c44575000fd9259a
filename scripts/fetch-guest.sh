#!/usr/bin/env bash
# Fetches a Linux guest from Debian's packages and builds a busybox initramfs for it:
#   .cache/guest/Image               the arm64 kernel Image (Debian's vmlinuz, cloud flavour)
#   .cache/guest/initramfs.cpio.gz   busybox + the virtio modules; /init prints ARMATURE-SHELL-READY
#   .cache/guest/manifest.json       package names, versions and file sizes
# Idempotent: a complete cache is reused as is (pass --refresh to look for a newer kernel).
# Needs Debian's arm64 package lists; as root it runs `dpkg --add-architecture arm64 &&
# apt-get update` once when they are missing. Without root it says exactly what to run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${ARMATURE_GUEST_CACHE:-$ROOT/.cache/guest}"
MARKER="ARMATURE-SHELL-READY"
# Load order: every module after the ones it depends on (checked against `depends=` below).
MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk
  failover net_failover virtio_net virtio_console virtio_balloon virtio-rng)

REFRESH=0
for a in "$@"; do
  case "$a" in
  --refresh) REFRESH=1 ;;
  -h | --help)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "fetch-guest: unknown option '$a' (known: --refresh, --help)" >&2
    exit 2
    ;;
  esac
done

say() { echo "==> fetch-guest: $*" >&2; }
die() {
  echo "fetch-guest: error: $*" >&2
  exit 1
}

# One fetch at a time: test files that need the guest may call this script concurrently.
mkdir -p "$CACHE"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.lock"
  flock 9
fi

if [ "$REFRESH" = 0 ] && [ -s "$CACHE/Image" ] && [ -s "$CACHE/initramfs.cpio.gz" ] && [ -s "$CACHE/manifest.json" ]; then
  say "using the cached guest in $CACHE (pass --refresh to look for a newer kernel)"
  exit 0
fi

for tool in apt-get apt-cache dpkg dpkg-deb cpio gzip; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing. This script needs a Debian (or Ubuntu) host with apt, dpkg and cpio: apt-get install -y cpio"
done

if [ "$(id -u)" -eq 0 ]; then
  SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=sudo
else
  SUDO=none
fi
as_root() {
  if [ "$SUDO" = none ]; then
    cat >&2 <<EOF
fetch-guest: error: Debian's arm64 package lists are needed and setting them up needs root.
Run once as root:
  dpkg --add-architecture arm64 && apt-get update
then run this script again:
  bash scripts/fetch-guest.sh
EOF
    exit 1
  fi
  $SUDO "$@"
}

# Debian's arm64 package lists: add the architecture and update once, only when needed.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  say "adding the arm64 architecture to dpkg (dpkg --add-architecture arm64)"
  as_root dpkg --add-architecture arm64
fi
if ! apt-cache show busybox-static:arm64 >/dev/null 2>&1; then
  say "updating the package lists (apt-get update)"
  as_root apt-get update
fi
apt-cache show busybox-static:arm64 >/dev/null 2>&1 ||
  die "busybox-static:arm64 is unknown to apt even after apt-get update; check /etc/apt/sources.list(.d) for a Debian 'main' source"

# The newest versioned cloud kernel, e.g. linux-image-6.1.0-56-cloud-arm64-unsigned.
KPKG="$(apt-cache pkgnames linux-image- | grep -E '^linux-image-[0-9][0-9.]*-[0-9]+-cloud-arm64-unsigned$' | sort -V | tail -1 || true)"
[ -n "$KPKG" ] || die "no linux-image-*-cloud-arm64-unsigned package found (apt-cache pkgnames linux-image-)"
KVER="$(apt-cache show "$KPKG:arm64" | sed -n 's/^Version: //p' | sort -V | tail -1)"
BVER="$(apt-cache show busybox-static:arm64 | sed -n 's/^Version: //p' | sort -V | tail -1)"
say "kernel package $KPKG $KVER, busybox-static $BVER"

mkdir -p "$CACHE/debs"
fetch_deb() { # name version -> path of the .deb (downloaded only when absent)
  local name="$1" ver="$2" f
  f="$(find "$CACHE/debs" -maxdepth 1 -name "${name}_${ver//:/%3a}_arm64.deb" -print -quit)"
  if [ -z "$f" ]; then
    say "downloading $name:arm64 $ver"
    (cd "$CACHE/debs" && apt-get download "$name:arm64=$ver") >&2
    f="$(ls -t "$CACHE/debs/${name}"_*_arm64.deb 2>/dev/null | head -1)"
    [ -n "$f" ] || die "apt-get download $name:arm64=$ver produced no .deb in $CACHE/debs"
  else
    say "reusing $(basename "$f")"
  fi
  echo "$f"
}
KDEB="$(fetch_deb "$KPKG" "$KVER")"
BDEB="$(fetch_deb busybox-static "$BVER")"

WORK="$CACHE/work"
rm -rf "$WORK"
mkdir -p "$WORK/kernel" "$WORK/busybox" "$WORK/root"
say "extracting $(basename "$KDEB")"
dpkg-deb -x "$KDEB" "$WORK/kernel"
say "extracting $(basename "$BDEB")"
dpkg-deb -x "$BDEB" "$WORK/busybox"

VMLINUZ="$(find "$WORK/kernel/boot" -maxdepth 1 -name 'vmlinuz-*' -print -quit)"
[ -n "$VMLINUZ" ] || die "no boot/vmlinuz-* in $KDEB"
KREL="${VMLINUZ##*/vmlinuz-}"
MODDIR="$WORK/kernel/lib/modules/$KREL"
[ -d "$MODDIR" ] || die "no lib/modules/$KREL in $KDEB"

# The initramfs tree.
R="$WORK/root"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc,lib/modules}
BUSYBOX="$WORK/busybox/bin/busybox"
[ -f "$BUSYBOX" ] || die "no bin/busybox in $BDEB"
install -m 0755 "$BUSYBOX" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
# A console node for the kernel to open before /init runs (needs root; /init also falls back
# to devtmpfs's /dev/console).
if [ "$(id -u)" -eq 0 ]; then
  mknod -m 600 "$R/dev/console" c 5 1
fi

modinfo_field() { # file field -> value of the first "field=" string in .modinfo
  tr '\0' '\n' <"$1" | sed -n "s/^$2=//p" | head -1
}
declare -A LOADED=()
LOAD_LIST=()
for m in "${MODULES[@]}"; do
  alt="${m//-/_}"
  src="$(find "$MODDIR/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$alt.ko" -o -name "$alt.ko.xz" -o -name "$alt.ko.zst" \) -print -quit)"
  if [ -z "$src" ]; then
    if grep -qE "/($m|$alt)\.ko$" "$MODDIR/modules.builtin" 2>/dev/null; then
      say "module $m is built into this kernel; nothing to load"
      continue
    fi
    die "module $m not found under $MODDIR/kernel"
  fi
  dst="$R/lib/modules/$m.ko"
  # busybox insmod cannot read compressed modules: decompress them now.
  case "$src" in
  *.xz) xz -dc "$src" >"$dst" ;;
  *.zst) zstd -qdc "$src" >"$dst" ;;
  *) cp "$src" "$dst" ;;
  esac
  deps="$(modinfo_field "$dst" depends)"
  for d in ${deps//,/ }; do
    [ -n "${LOADED[$d]:-}" ] || [ -n "${LOADED[${d//_/-}]:-}" ] ||
      die "module $m depends on $d, which is not loaded before it; fix MODULES in $0"
  done
  LOADED[$m]=1
  LOADED[$alt]=1
  LOAD_LIST+=("$m")
done

cat >"$R/init" <<EOF
#!/bin/sh
# Armature test guest: mount the pseudo file systems, load the virtio drivers, give a shell.
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec 0</dev/console 1>/dev/console 2>&1
for m in ${LOAD_LIST[*]}; do
  insmod /lib/modules/\$m.ko || echo "init: insmod \$m failed"
done
echo $MARKER
while true; do
  setsid cttyhack sh
  echo "init: shell exited; starting a new one (poweroff -f to stop)"
done
EOF
chmod 0755 "$R/init"

say "building initramfs.cpio.gz (cpio newc)"
# Fixed timestamps, sorted names, root owner, gzip -n: the same inputs give the same bytes.
find "$R" -exec touch -h -d @0 {} +
(cd "$R" && find . -print0 | LC_ALL=C sort -z | cpio --quiet -o -0 -H newc -R 0:0 --reproducible | gzip -9n) >"$CACHE/initramfs.cpio.gz.tmp"
mv "$CACHE/initramfs.cpio.gz.tmp" "$CACHE/initramfs.cpio.gz"
cp "$VMLINUZ" "$CACHE/Image.tmp"
mv "$CACHE/Image.tmp" "$CACHE/Image"

size() { stat -c %s "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
cat >"$CACHE/manifest.json" <<EOF
{
  "kernel": {
    "package": "$KPKG",
    "version": "$KVER",
    "architecture": "arm64",
    "release": "$KREL",
    "deb": "$(basename "$KDEB")",
    "debSha256": "$(sha "$KDEB")"
  },
  "busybox": {
    "package": "busybox-static",
    "version": "$BVER",
    "architecture": "arm64",
    "deb": "$(basename "$BDEB")",
    "debSha256": "$(sha "$BDEB")"
  },
  "files": {
    "Image": { "size": $(size "$CACHE/Image"), "sha256": "$(sha "$CACHE/Image")" },
    "initramfs.cpio.gz": { "size": $(size "$CACHE/initramfs.cpio.gz"), "sha256": "$(sha "$CACHE/initramfs.cpio.gz")" }
  },
  "modules": [$(printf '"%s",' "${LOAD_LIST[@]}" | sed 's/,$//')],
  "marker": "$MARKER"
}
EOF
rm -rf "$WORK"
say "done: $CACHE/Image ($(size "$CACHE/Image") bytes), $CACHE/initramfs.cpio.gz ($(size "$CACHE/initramfs.cpio.gz") bytes)"
