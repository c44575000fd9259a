#!/usr/bin/env bash
# Builds the bare-metal PAuth oracle (needs build/pac_cases.h, written by the test).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CC="${CC:-aarch64-linux-gnu-gcc}"
command -v "$CC" >/dev/null || { echo "missing $CC: run bash scripts/install-system-tools.sh" >&2; exit 1; }
"$CC" -O1 -march=armv8.3-a -mgeneral-regs-only -ffreestanding -nostdlib -static -fno-pie -no-pie \
  -Wl,-Ttext=0x40080000 -Wl,-e,_start -Wl,--build-id=none -I"$here" \
  -o "$here/build/pac_baremetal.elf" "$here/pac_start.S" "$here/pac_baremetal.c"
