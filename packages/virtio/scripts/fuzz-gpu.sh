#!/usr/bin/env bash
# A long virtio-gpu command fuzz: GPU_FUZZ_CASES random command streams per transport (default
# 1,000,000), one seed (random unless given). Usage, from the repository root:
#   bash packages/virtio/scripts/fuzz-gpu.sh [cases] [seed]
set -euo pipefail
cd "$(dirname "$0")/../../.."
GPU_FUZZ_CASES="${1:-1000000}" GPU_FUZZ_SEED="${2:-$RANDOM$RANDOM}" npx vitest run packages/virtio/src/gpu-fuzz.test.ts --testTimeout=0
