#!/usr/bin/env bash
# Sets up everything (pnpm, dependencies, the system tools the tests use as judges) and runs
# every check CI runs: lint, typecheck, build, tests.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ARMATURE_ROOT"
ensure_pnpm
bash scripts/install-system-tools.sh
pnpm install --frozen-lockfile
pnpm lint
pnpm build
pnpm typecheck
# A test that leaves anything in the temp folder fails the run (scripts/tmp-guard.ts).
ARMATURE_TMP_STRICT="${ARMATURE_TMP_STRICT:-1}" pnpm test
