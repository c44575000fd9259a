// The Debian guest fetched by scripts/fetch-guest.sh (this package's tests only).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const GUEST = resolve(REPO, ".cache/guest");

/**
 * Runs the guest script (it returns at once when the cache is complete and current, and rebuilds
 * an initramfs older than its /init); fails with the command to run otherwise.
 */
export function ensureGuest(): void {
  const files = ["Image", "initramfs.cpio.gz", "manifest.json"].map((f) => resolve(GUEST, f));
  const r = spawnSync("bash", [resolve(REPO, "scripts/fetch-guest.sh")], {
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 15 * 60_000,
  });
  if (r.status !== 0 || !files.every((f) => existsSync(f)))
    throw new Error(
      "cannot fetch Debian's arm64 guest: run `bash scripts/fetch-guest.sh` (as root, or do what it prints) and rerun the tests",
    );
}
