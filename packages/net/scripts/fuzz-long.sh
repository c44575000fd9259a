#!/usr/bin/env bash
# Long fuzz run of the user-mode network: ten million guest frames (about 10 minutes).
set -euo pipefail
cd "$(dirname "$0")/../../.."
NET_FUZZ_FRAMES="${NET_FUZZ_FRAMES:-10000000}" npx vitest run packages/net/src/fuzz.test.ts
