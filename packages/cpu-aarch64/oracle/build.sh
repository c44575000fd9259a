#!/usr/bin/env bash
# Builds the static AArch64 oracle used by the FP/crypto differential tests.
# Output: oracle/build/armv8_oracle (run under qemu-aarch64 -cpu max,sve=off,sme=off).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CC="${CC:-aarch64-linux-gnu-gcc}"
if ! command -v "$CC" >/dev/null; then
  echo "missing $CC: run bash scripts/install-system-tools.sh" >&2
  exit 1
fi
mkdir -p "$here/build"
"$CC" -O1 -static -march=armv8.5-a+crypto+sha3+fp16+fp16fml -o "$here/build/armv8_oracle.tmp" "$here/armv8_oracle.c"
mv "$here/build/armv8_oracle.tmp" "$here/build/armv8_oracle"
