#!/usr/bin/env bash
# Long runs of the dtc cross-checks (not for CI): many more random trees, mutants and dtc mutants.
#   bash packages/fdt/scripts/soak.sh [trees] [mutants] [dtc-mutants]
set -euo pipefail
cd "$(dirname "$0")/../../.."
FC_NUM_RUNS="${1:-20000}" FC_MUTATION_RUNS="${2:-1000000}" FC_DTC_MUTANTS="${3:-20000}" \
  npx vitest run packages/fdt/src/dtc.test.ts packages/fdt/src/fuzz.test.ts --testTimeout=3600000
