# Sourced by the project's scripts: puts the pinned pnpm on PATH (as `pnpm`) without corepack.
# corepack is avoided on purpose: on some machines it fails with
# "No compatible signature found in package metadata".
ARMATURE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="$(node -p "require('$ARMATURE_ROOT/package.json').packageManager.split('@')[1]")"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
    return 0
  fi
  echo "==> installing pnpm@$PNPM_VERSION"
  if npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
    return 0
  fi
  # No permission for a global install: run it through npx every time.
  pnpm() { npx -y "pnpm@$PNPM_VERSION" "$@"; }
  export -f pnpm 2>/dev/null || true
}
