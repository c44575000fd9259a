// Vitest global setup: a test run leaves the temp folder as it found it. The run gets a private
// temp folder (TMPDIR, inherited by the test workers and the tools they spawn), so concurrent
// runs never see each other's files; at the end, whatever tests left in it is named (fix the
// test that leaked it) and the folder is removed. With ARMATURE_TMP_STRICT=1 a leak also fails the
// run (every test that made a temp folder removes it; CI can turn this on once a whole run is clean).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const outer = tmpdir();
  const mine = mkdtempSync(join(outer, "armature-test-run-"));
  const env = process.env;
  const previous = env.TMPDIR;
  env.TMPDIR = mine;
  return () => {
    if (previous === undefined) delete env.TMPDIR;
    else env.TMPDIR = previous;
    let left: string[] = [];
    try {
      // tsx keeps its compile cache in the temp folder: a tool's, not a test's.
      left = readdirSync(mine).filter((n) => !/^tsx-\d+$/.test(n));
    } catch {
      return;
    }
    const message =
      `tests left ${left.length} entr${left.length === 1 ? "y" : "ies"} in the temp folder (removed now; ` +
      `make the test that created them clean up): ${left.slice(0, 20).join(", ")}`;
    if (left.length > 0) console.warn(message);
    rmSync(mine, { recursive: true, force: true });
    // (a throw here is only logged by vitest: the exit status is what makes the run fail)
    if (left.length > 0 && process.env.ARMATURE_TMP_STRICT === "1") {
      console.error(`FAIL (ARMATURE_TMP_STRICT=1): ${message}`);
      process.exitCode = 1;
    }
  };
}
