#!/usr/bin/env bash
# Sets up Armature and runs its main job. Until the virt board lands, that is the CLI itself.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ARMATURE_ROOT"
ensure_pnpm
pnpm install --frozen-lockfile
pnpm build
pnpm --silent armature --help
