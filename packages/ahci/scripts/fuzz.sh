#!/usr/bin/env bash
# Long AHCI fuzz run: random command tables, PRDTs, FISes and register pokes against the HBA
# with a SATA disk and an ATAPI drive. Usage: packages/ahci/scripts/fuzz.sh [cases] [seed]
# (default 1,000,000 cases, a fresh seed). Prints the seed; any host exception fails the run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
export AHCI_FUZZ_CASES="${1:-1000000}"
[ -n "${2:-}" ] && export AHCI_FUZZ_SEED="$2"
exec npx vitest run --testTimeout=0 packages/ahci/src/fuzz.test.ts
