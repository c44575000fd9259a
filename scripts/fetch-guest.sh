#!/usr/bin/env bash
# Fetches a Linux guest from Debian's packages and builds a busybox initramfs for it:
#   <cache>/Image               the arm64 kernel Image (Debian's vmlinuz)
#   <cache>/initramfs.cpio.gz   busybox + the driver modules; /init brings eth0 up by DHCP (udhcpc,
#                               in the background) and prints ARMATURE-SHELL-READY
#   <cache>/manifest.json       package names, versions, file sizes and the modules loaded
# Flavours: --flavour cloud (default; .cache/guest) or --flavour generic (.cache/guest-generic: the
# full arm64 kernel, whose USB, HID, UVC, AHCI and DRM drivers the cloud kernel lacks).
# Idempotent: a complete cache is reused as is (pass --refresh to look for a newer kernel).
# Needs Debian's arm64 package lists; as root it runs `dpkg --add-architecture arm64 &&
# apt-get update` once when they are missing. Without root it says exactly what to run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MARKER="ARMATURE-SHELL-READY"
# The version of what this script puts in the initramfs besides the Debian files (/init, the
# udhcpc script). A cache built by an older version is rebuilt; bump it when either changes.
INITRAMFS_VERSION=4
# The drivers /init loads, by module name. Their dependencies (modinfo `depends=`) are found and
# loaded first automatically; a module that is built in is skipped.
MODULES_CLOUD=(virtio_pci virtio_mmio virtio_blk virtio_net virtio_console virtio_balloon virtio-rng
  ?efivarfs)
# The generic flavour adds what the Parallels-like board and the optional virt parts need.
# "?name" marks a module that may be absent from this kernel (skipped with a note).
MODULES_GENERIC=("${MODULES_CLOUD[@]}"
  virtio_gpu virtio_input
  ahci ahci_platform sd_mod sr_mod
  ehci_platform ehci_pci xhci_plat_hcd xhci_pci usbhid hid_generic uvcvideo ?evdev
  ?isofs qemu_fw_cfg)
# (EHCI before xHCI: the EHCI controller becomes USB bus 1, as on the Parallels VM.)

FLAVOUR=cloud
REFRESH=0
while [ $# -gt 0 ]; do
  case "$1" in
  --refresh) REFRESH=1 ;;
  --flavour | --flavor)
    [ $# -ge 2 ] || { echo "fetch-guest: --flavour needs a value (cloud or generic)" >&2; exit 2; }
    FLAVOUR="$2"
    shift
    ;;
  --flavour=* | --flavor=*) FLAVOUR="${1#*=}" ;;
  -h | --help)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "fetch-guest: unknown option '$1' (known: --flavour cloud|generic, --refresh, --help)" >&2
    exit 2
    ;;
  esac
  shift
done
case "$FLAVOUR" in
cloud)
  DEFAULT_CACHE="$ROOT/.cache/guest"
  KPATTERN='^linux-image-[0-9][0-9.]*-[0-9]+-cloud-arm64-unsigned$'
  MODULES=("${MODULES_CLOUD[@]}")
  ;;
generic)
  DEFAULT_CACHE="$ROOT/.cache/guest-generic"
  KPATTERN='^linux-image-[0-9][0-9.]*-[0-9]+-arm64-unsigned$'
  MODULES=("${MODULES_GENERIC[@]}")
  ;;
*)
  echo "fetch-guest: unknown flavour '$FLAVOUR' (known: cloud, generic)" >&2
  exit 2
  ;;
esac
if [ "$FLAVOUR" = cloud ]; then
  CACHE="${ARMATURE_GUEST_CACHE:-$DEFAULT_CACHE}"
else
  CACHE="${ARMATURE_GUEST_GENERIC_CACHE:-$DEFAULT_CACHE}"
fi

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
  if grep -q "\"initramfsVersion\": $INITRAMFS_VERSION," "$CACHE/manifest.json"; then
    say "using the cached guest in $CACHE (pass --refresh to look for a newer kernel)"
    exit 0
  fi
  say "the cached initramfs predates this script's /init (version $INITRAMFS_VERSION); rebuilding it"
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

# The newest versioned kernel of the flavour, e.g. linux-image-6.1.0-57-cloud-arm64-unsigned.
KPKG="$(apt-cache pkgnames linux-image- | grep -E "$KPATTERN" | sort -V | tail -1 || true)"
[ -n "$KPKG" ] || die "no kernel package matching $KPATTERN found (apt-cache pkgnames linux-image-)"
KVER="$(apt-cache show "$KPKG:arm64" | sed -n 's/^Version: //p' | sort -V | tail -1)"
BVER="$(apt-cache show busybox-static:arm64 | sed -n 's/^Version: //p' | sort -V | tail -1)"
say "kernel package $KPKG $KVER, busybox-static $BVER"

mkdir -p "$CACHE/debs"
fetch_deb() { # name version -> path of the .deb (downloaded only when absent)
  local name="$1" ver="$2" f
  f="$(find "$CACHE/debs" -maxdepth 1 -name "${name}_${ver//:/%3a}_arm64.deb" -print -quit)"
  if [ -z "$f" ]; then
    local size
    size="$(apt-cache show "$name:arm64=$ver" 2>/dev/null | sed -n 's/^Size: //p' | head -1)"
    say "downloading $name:arm64 $ver${size:+ ($((size / 1048576)).$((size % 1048576 * 10 / 1048576)) MiB)}"
    # apt-get shows its progress meter when this goes to a terminal; elsewhere one line per file.
    local started=$SECONDS
    (cd "$CACHE/debs" && apt-get download "$name:arm64=$ver") >&2
    f="$(ls -t "$CACHE/debs/${name}"_*_arm64.deb 2>/dev/null | head -1)"
    [ -n "$f" ] || die "apt-get download $name:arm64=$ver produced no .deb in $CACHE/debs"
    say "downloaded $(basename "$f"): $(($(stat -c %s "$f") / 1024)) KiB in $((SECONDS - started)) s"
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
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,usr/share/udhcpc,proc,sys,dev,tmp,root,etc,lib/modules}
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
declare -A VISITING=()
LOAD_LIST=()
QUIET_LIST=() # optional modules: /init loads them without complaint (efivarfs needs EFI, say)
find_module() { # name -> path of its .ko[.xz|.zst] under $MODDIR/kernel, or nothing
  local m="$1" alt="${1//-/_}" alt2="${1//_/-}"
  find "$MODDIR/kernel" \( -name "$m.ko*" -o -name "$alt.ko*" -o -name "$alt2.ko*" \) -print -quit
}
# Adds a module after its dependencies (depth first), decompressing it into the initramfs:
# busybox insmod cannot read compressed modules.
add_module() { # name optional(0|1)
  local m="$1" optional="$2" key="${1//-/_}" src dst deps d
  [ -n "${LOADED[$key]:-}" ] && return 0
  [ -z "${VISITING[$key]:-}" ] || die "module dependency cycle at $m"
  src="$(find_module "$m")"
  if [ -z "$src" ]; then
    if grep -qE "/($m|$key|${m//_/-})\.ko$" "$MODDIR/modules.builtin" 2>/dev/null; then
      say "module $m is built into this kernel; nothing to load"
      LOADED[$key]=builtin
      return 0
    fi
    if [ "$optional" = 1 ]; then
      say "module $m is not in this kernel; skipped"
      LOADED[$key]=absent
      return 0
    fi
    die "module $m not found under $MODDIR/kernel"
  fi
  VISITING[$key]=1
  dst="$R/lib/modules/$key.ko"
  case "$src" in
  *.xz) xz -dc "$src" >"$dst.tmp" ;;
  *.zst) zstd -qdc "$src" >"$dst.tmp" ;;
  *) cp "$src" "$dst.tmp" ;;
  esac
  deps="$(modinfo_field "$dst.tmp" depends)"
  for d in ${deps//,/ }; do
    add_module "$d" 0
  done
  mv "$dst.tmp" "$dst"
  LOADED[$key]=1
  LOAD_LIST+=("$key")
}
for m in "${MODULES[@]}"; do
  case "$m" in
  \?*)
    add_module "${m#\?}" 1
    QUIET_LIST+=("$(echo "${m#\?}" | tr - _)")
    ;;
  *) add_module "$m" 0 ;;
  esac
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
QUIET=" ${QUIET_LIST[*]} "
for m in ${LOAD_LIST[*]}; do
  case "\$QUIET" in
  *" \$m "*) insmod /lib/modules/\$m.ko 2>/dev/null ;;
  *) insmod /lib/modules/\$m.ko || echo "init: insmod \$m failed" ;;
  esac
done
# The network: loopback, then eth0 by DHCP (the user network leases 10.0.2.15). udhcpc runs in
# the background and gives up after three 1 s tries (-n), so no network never delays the shell;
# -q: exit once the lease is set (no renewals: the lease outlives a test guest).
ifconfig lo 127.0.0.1 up 2>/dev/null
if [ -e /sys/class/net/eth0 ]; then
  ifconfig eth0 up
  udhcpc -i eth0 -q -n -t 3 -T 1 -s /usr/share/udhcpc/default.script >/tmp/udhcpc.log 2>&1 &
fi
# A second shell on the first virtual terminal: on a GPU's screen (fbcon) with a USB keyboard it
# is the guest's local console, typed into over VNC. Without a VT it is never started.
if [ -c /dev/tty1 ]; then
  (while true; do setsid sh -c 'exec sh </dev/tty1 >/dev/tty1 2>&1'; sleep 1; done) &
fi
echo $MARKER
while true; do
  setsid cttyhack sh
  echo "init: shell exited; starting a new one (poweroff -f to stop)"
done
EOF
chmod 0755 "$R/init"

# busybox udhcpc runs this script with \$1 = deconfig | bound | renew | leasefail | nak and the
# lease in the environment (ip, subnet, broadcast, router, dns, hostname).
cat >"$R/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
case "$1" in
deconfig)
  ifconfig "$interface" 0.0.0.0 up
  ;;
bound | renew)
  ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" ${broadcast:+broadcast "$broadcast"} up
  while route del default dev "$interface" 2>/dev/null; do :; done
  for r in $router; do
    route add default gw "$r" dev "$interface"
    break
  done
  : >/etc/resolv.conf
  for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
  [ -n "$hostname" ] && hostname "$hostname"
  ;;
esac
exit 0
EOF
chmod 0755 "$R/usr/share/udhcpc/default.script"

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
  "flavour": "$FLAVOUR",
  "initramfsVersion": $INITRAMFS_VERSION,
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
