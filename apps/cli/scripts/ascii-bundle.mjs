// Rewrites each non-ASCII UTF-16 code unit of the given built files as a \uXXXX escape (after tsup).
// esbuild escapes them in strings, templates and regular expressions already; what is left is in
// the comments it keeps. An ASCII bundle is read as a one-byte string (src/code-cache.ts); one
// character outside ASCII would make V8 hold the whole 1.9 MB source as UTF-16. The escape means
// the same character in a literal or an identifier too, so the rewrite is safe anywhere.
import { readFileSync, writeFileSync } from "node:fs";

for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  let n = 0;
  const ascii = text.replace(/[\u0080-\uffff]/g, (c) => {
    n++;
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  if (n > 0) writeFileSync(file, ascii);
}
