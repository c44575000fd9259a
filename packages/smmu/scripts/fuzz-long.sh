#!/usr/bin/env bash
# Long SMMU fuzz run (default 1,000,000 cases): packages/smmu/scripts/fuzz-long.sh [cases] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx tsx --conditions=source scripts/fuzz-long.ts "$@"
