// Extracts every ```ts block from the repository's READMEs into a scratch project that maps each
// @armature/* name to its package's sources, so the blocks can be typechecked (tsc) and run (tsx).
// A block fenced as ```ts no-run is typechecked only (it needs a guest kernel, a terminal, ...).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface ReadmeExample {
  /** README path relative to the repository. */
  readme: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  run: boolean;
  /** File name in the scratch project. */
  file: string;
}

export function readmes(): string[] {
  const out = ["README.md"];
  for (const dir of ["packages", "apps"]) {
    for (const name of readdirSync(join(REPO, dir)).sort()) {
      const p = join(dir, name, "README.md");
      if (existsSync(join(REPO, p))) out.push(p);
    }
  }
  return out;
}

export function extractExamples(): ReadmeExample[] {
  const out: ReadmeExample[] = [];
  for (const readme of readmes()) {
    const lines = readFileSync(join(REPO, readme), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const m = /^```ts(\s+no-run)?\s*$/.exec(lines[i]!);
      if (!m) continue;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith("```"); i++) body.push(lines[i]!);
      const slug = readme.replace(/\/README\.md$|README\.md$/, "").replace(/[^a-z0-9]+/gi, "-") || "root";
      out.push({
        readme,
        line: start + 1,
        code: body.join("\n"),
        run: m[1] === undefined,
        file: `${slug}-L${start + 1}.mts`,
      });
    }
  }
  return out;
}

/** Every workspace package name and the directory holding it. */
function workspacePackages(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of ["packages", "apps"]) {
    for (const name of readdirSync(join(REPO, dir))) {
      const pj = join(REPO, dir, name, "package.json");
      if (!existsSync(pj)) continue;
      out.set((JSON.parse(readFileSync(pj, "utf8")) as { name: string }).name, join(REPO, dir, name));
    }
  }
  return out;
}

/**
 * Write the examples and a tsconfig into a scratch directory at the repository root (third-party
 * imports resolve from the root node_modules; tsx applies tsconfig paths only outside
 * node_modules); returns its path. Remove it with `rmSync(dir, { recursive })`.
 */
export function writeScratchProject(examples: readonly ReadmeExample[], name: string): string {
  const dir = join(REPO, `.readme-examples-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const paths: Record<string, string[]> = {};
  for (const [pkg, pdir] of workspacePackages()) {
    paths[pkg] = [relative(dir, join(pdir, "src", "index.ts"))];
    if (existsSync(join(pdir, "src", "test", "index.ts")))
      paths[`${pkg}/test`] = [relative(dir, join(pdir, "src", "test", "index.ts"))];
  }
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify(
      {
        extends: relative(dir, join(REPO, "tsconfig.base.json")),
        compilerOptions: { baseUrl: ".", paths, noEmit: true, allowImportingTsExtensions: false },
        include: ["*.mts"],
      },
      null,
      2,
    ),
  );
  for (const e of examples) writeFileSync(join(dir, e.file), `${e.code}\nexport {};\n`);
  return dir;
}
