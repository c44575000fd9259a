#!/usr/bin/env bash
# A long fuzz run: FUZZ_CASES random descriptor tables per device (default 200,000), one seed.
# Usage: bash packages/virtio/scripts/fuzz-long.sh [cases] [seed]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../../.."
FUZZ_CASES="${1:-200000}" FUZZ_SEED="${2:-$RANDOM}" npx vitest run packages/virtio/src/fuzz.test.ts --testTimeout=0
