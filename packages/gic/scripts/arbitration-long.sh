#!/usr/bin/env bash
# Long run of the arbitration property test against the naive reference model.
# Usage: bash packages/gic/scripts/arbitration-long.sh [cases]   (default 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/../../.."
FC_NUM_RUNS="${1:-1000000}" exec npx vitest run --testTimeout=0 packages/gic/src/arbitration.test.ts
