#!/usr/bin/env node
// The `armature` binary: runs the bundled CLI (dist/entry.cjs, src/entry.ts) through V8's code
// cache, one cache per command (see code-cache.ts; ARMATURE_CODE_CACHE=off or a directory).
import { fileURLToPath } from "node:url";
import { runWithCodeCache } from "./code-cache.js";
import { EXIT } from "./exit.js";

const COMMANDS = new Set(["run", "user", "disasm", "dtb", "acpi"]);
const args = process.argv.slice(2);
// A command's help compiles little of it: it shares the cache of the other short runs.
const help = args.includes("--help") || args.includes("-h");
const key = args[0] !== undefined && COMMANDS.has(args[0]) && !help ? args[0] : "other";
// A run that ended in a usage error, an error or a bug compiled little: it leaves no cache.
const failed: readonly number[] = [EXIT.error, EXIT.usage, EXIT.internal];
runWithCodeCache(fileURLToPath(new URL("./entry.cjs", import.meta.url)), key, {
  saveOnExit: (code) => !failed.includes(code),
  // After a run of more than a second, a cache a short run left may lack most of what ran.
  refreshOnExit: (code) => !failed.includes(code) && process.uptime() > 1,
});
