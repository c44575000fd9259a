#!/usr/bin/env bash
# Builds the static differential-test harness and the whole-program test programs with the
# cross compiler (Debian: gcc-aarch64-linux-gnu; see scripts/install-system-tools.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/build}"
mkdir -p "$out"
CC="${CC:-aarch64-linux-gnu-gcc}"
if ! command -v "$CC" >/dev/null; then
  echo "missing $CC: run 'bash scripts/install-system-tools.sh'" >&2
  exit 1
fi
"$CC" -static -O2 -fno-stack-protector -o "$out/harness" "$here/harness.c"
for src in "$here"/programs/*.c; do
  name="$(basename "$src" .c)"
  "$CC" -static -O2 -o "$out/$name" "$src"
done
