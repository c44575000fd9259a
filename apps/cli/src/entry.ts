// What `armature` runs: the command line, then the exit status. dist/main.js loads the bundle of
// this file (dist/entry.cjs) through the code cache (code-cache.ts).
import { runCli } from "./cli.js";
import { BUGS, EXIT } from "./exit.js";

runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // A bug, not a user mistake: one line and where to report it; the stack on request.
    const debug = process.env.ARMATURE_DEBUG !== undefined && process.env.ARMATURE_DEBUG !== "";
    const first = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    process.stderr.write(
      debug && e instanceof Error
        ? `armature: internal error: ${e.stack ?? first}\n`
        : `armature: internal error (a bug; please report it with the command line at ${BUGS}): ${first.split("\n")[0]} (ARMATURE_DEBUG=1 shows the stack)\n`,
    );
    process.exitCode = EXIT.internal;
  },
);
