#!/usr/bin/env bash
# Long xHCI fuzz run: USB_FUZZ_CASES random cases (default 1,000,000) from a fresh or given seed.
#   packages/usb/scripts/fuzz-long.sh [cases] [seed]
set -euo pipefail
cd "$(dirname "$0")/../../.."
export USB_FUZZ_CASES="${1:-1000000}"
if [ -n "${2:-}" ]; then export USB_FUZZ_SEED="$2"; fi
exec npx vitest run packages/usb/src/fuzz.test.ts --testTimeout=0 --reporter=verbose
