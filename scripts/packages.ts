// The workspace's published packages, read from their package.json files: what each one's
// published entry points import, and the manifest rules every package follows. Used by
// scripts/packages.test.ts (CI) and `pnpm exec tsx scripts/packages.ts [--write]`, which prints
// the problems, or with --write fixes the fields derived from the rules below.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Where the project lives, from the root package.json's `repository.url` (a fork changes it there
 * and runs `--write`); every package's repository/homepage/bugs derive from it.
 */
export const REPOSITORY_URL = repositoryUrl(readFileSync(join(REPO, "package.json"), "utf8"));

/** `https://host/owner/name` from a package.json's `repository` (object or string, git+/.git). */
export function repositoryUrl(packageJson: string): string {
  const r = (JSON.parse(packageJson) as { repository?: string | { url?: string } }).repository;
  const url = typeof r === "string" ? r : r?.url;
  const m = url === undefined ? null : /^(?:git\+)?(https:\/\/[^/]+\/[^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(url);
  if (m === null)
    throw new Error(
      `scripts/packages.ts: the root package.json needs "repository": { "url": "git+https://github.com/OWNER/NAME.git" } (got ${JSON.stringify(url)})`,
    );
  return m[1]!;
}

/** Keywords every package carries, before its own (KEYWORDS). */
const COMMON_KEYWORDS = ["armature", "aarch64", "arm64", "emulator"];

/** Each package's own keywords. */
const KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  "@armature/acpi": ["acpi", "aml", "smbios", "firmware-tables"],
  "@armature/ahci": ["ahci", "sata", "atapi", "block-device"],
  "@armature/board": ["board", "psci", "vmm", "run-loop"],
  "@armature/boot": ["boot-loader", "linux", "device-tree"],
  "@armature/cli": ["cli", "virtual-machine", "qemu"],
  "@armature/core": ["memory", "bus", "interrupts", "dma", "block-device"],
  "@armature/cpu-aarch64": ["cpu", "armv8", "interpreter", "disassembler"],
  "@armature/debug": ["gdb", "gdbstub", "debugger", "monitor"],
  "@armature/display": ["framebuffer", "vnc", "png"],
  "@armature/cfi-flash": ["cfi", "flash", "pflash", "nor-flash"],
  "@armature/fw-cfg": ["fw-cfg", "firmware", "qemu"],
  "@armature/fdt": ["device-tree", "dtb", "dts", "fdt"],
  "@armature/gic": ["gic", "gicv3", "interrupt-controller", "its"],
  "@armature/machine-parallels": ["parallels", "apple-silicon", "uefi", "virtual-machine"],
  "@armature/machine-virt": ["virt", "virtual-machine", "linux"],
  "@armature/mmu": ["mmu", "vmsav8-64", "page-tables"],
  "@armature/net": ["network", "slirp", "dhcp", "pcap"],
  "@armature/pci": ["pci", "pcie", "ecam"],
  "@armature/pl011": ["pl011", "uart", "serial"],
  "@armature/pl031": ["pl031", "rtc"],
  "@armature/smmu": ["smmu", "smmuv3", "iommu"],
  "@armature/uefi": ["uefi", "firmware"],
  "@armature/usb": ["usb", "xhci", "ehci", "hid", "uvc"],
  "@armature/virtio": ["virtio", "virtio-mmio", "virtio-pci"],
};

export interface ExportTarget {
  source?: string;
  import?: { types: string; default: string };
  require?: { types: string; default: string };
  [condition: string]: unknown;
}

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  description?: string;
  license?: string;
  keywords?: string[];
  repository?: { type: string; url: string; directory: string };
  homepage?: string;
  bugs?: { url: string };
  engines?: Record<string, string>;
  exports?: Record<string, ExportTarget>;
  publishConfig?: { exports?: Record<string, ExportTarget>; [k: string]: unknown };
  main?: string;
  module?: string;
  types?: string;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
  /** One tsup configuration, or several (the CLI builds its library and its bundled binary apart). */
  tsup?: TsupConfig | TsupConfig[];
  [k: string]: unknown;
}

export interface TsupConfig {
  entry?: Record<string, string> | string[];
  sourcemap?: boolean;
  [k: string]: unknown;
}

/** A manifest's tsup configurations as a list (none, one or several). */
function tsupConfigs(m: Manifest): TsupConfig[] {
  return m.tsup === undefined ? [] : Array.isArray(m.tsup) ? m.tsup : [m.tsup];
}

/**
 * Every entry of the manifest's tsup configurations: a map of named entries, a list, or none given.
 * With `modulesOnly`, of several configurations only those that emit declarations (`dts`) count:
 * the others build binaries (the CLI's bundled `main`), which are not exported modules.
 */
function tsupEntry(m: Manifest, modulesOnly = false): Record<string, string> | string[] | undefined {
  const configs = tsupConfigs(m);
  const entries = configs
    .filter((c) => !modulesOnly || configs.length === 1 || (c.dts !== undefined && c.dts !== false))
    .map((c) => c.entry)
    .filter((e) => e !== undefined);
  if (entries.length === 0) return undefined;
  if (entries.some((e) => Array.isArray(e)))
    return entries.flatMap((e) => (Array.isArray(e) ? e : Object.values(e)));
  return Object.assign({}, ...entries) as Record<string, string>;
}

export interface WorkspacePackage {
  /** Folder relative to the repository, e.g. "packages/gic". */
  dir: string;
  manifest: Manifest;
}

export function workspacePackages(): WorkspacePackage[] {
  const out: WorkspacePackage[] = [];
  for (const group of ["packages", "apps"])
    for (const name of readdirSync(join(REPO, group)).sort()) {
      const file = join(REPO, group, name, "package.json");
      if (!existsSync(file)) continue;
      out.push({ dir: `${group}/${name}`, manifest: JSON.parse(readFileSync(file, "utf8")) as Manifest });
    }
  return out;
}

/** The package a bare import specifier names ("@scope/name/sub" → "@scope/name"). */
function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const BUILTINS = new Set(builtinModules);

/** The source files tsup builds each published entry from. */
export function entryFiles(p: WorkspacePackage): string[] {
  const e = tsupEntry(p.manifest);
  const list = e === undefined ? ["src/index.ts"] : Array.isArray(e) ? e : Object.values(e);
  return list.map((f) => join(REPO, p.dir, f));
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  const candidates = [
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.js$/, ".tsx"),
    `${base}.ts`,
    join(base, "index.ts"),
    base,
  ];
  return candidates.find((c) => existsSync(c) && c.endsWith(".ts"));
}

/**
 * The packages a set of entry files reach: every bare import (values and types alike, since
 * the published .d.ts files import the types) of every file reachable through relative imports.
 * Each is mapped to the files that import it (relative to the package).
 */
export function reachableImports(p: WorkspacePackage, entries = entryFiles(p)): Map<string, string[]> {
  const seen = new Set<string>();
  const found = new Map<string, string[]>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: spec } of [...info.importedFiles, ...info.referencedFiles]) {
      if (spec.startsWith(".")) {
        const target = resolveRelative(file, spec);
        if (target !== undefined) todo.push(target);
        continue;
      }
      if (spec.startsWith("node:") || BUILTINS.has(spec)) continue;
      const pkg = packageOf(spec);
      if (pkg === p.manifest.name) continue;
      const rel = relative(join(REPO, p.dir), file);
      found.set(pkg, [...(found.get(pkg) ?? []), rel]);
    }
  }
  return found;
}

/** Every other .ts file of the package (tests, benches, harnesses): what they import. */
function otherImports(p: WorkspacePackage, published: Set<string>): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const f = join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.endsWith(".ts") && !published.has(f)) files.push(f);
    }
  };
  walk(join(REPO, p.dir, "src"));
  walk(join(REPO, p.dir, "bench"));
  const found = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: spec } of info.importedFiles) {
      if (spec.startsWith(".") || spec.startsWith("node:") || BUILTINS.has(spec)) continue;
      const pkg = packageOf(spec);
      if (pkg === p.manifest.name) continue;
      found.set(pkg, [...(found.get(pkg) ?? []), relative(join(REPO, p.dir), file)]);
    }
  }
  return found;
}

/** The files reachable from the entries (to tell published code from tests). */
function reachableFiles(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { fileName: spec } of ts.preProcessFile(readFileSync(file, "utf8"), true, true)
      .importedFiles) {
      if (!spec.startsWith(".")) continue;
      const target = resolveRelative(file, spec);
      if (target !== undefined) todo.push(target);
    }
  }
  return seen;
}

/** Root devDependencies: tools every package's tests may use (vitest, fast-check, ...). */
function rootDevDependencies(): Set<string> {
  const root = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as Manifest;
  return new Set(Object.keys(root.devDependencies ?? {}));
}

/** The `exports` a package publishes: its own without the in-repository `source` condition. */
export function publishedExports(exportsField: Record<string, ExportTarget>): Record<string, ExportTarget> {
  const out: Record<string, ExportTarget> = {};
  for (const [k, v] of Object.entries(exportsField)) {
    const { source: _source, ...rest } = v;
    out[k] = rest;
  }
  return out;
}

/** The exports entry of one tsup entry ("index", "test/index", ...). */
function exportFor(entry: string, src: string): ExportTarget {
  return {
    source: `./${src}`,
    import: { types: `./dist/${entry}.d.ts`, default: `./dist/${entry}.js` },
    require: { types: `./dist/${entry}.d.cts`, default: `./dist/${entry}.cjs` },
  };
}

/** Every problem with one package's manifest (empty when it follows the rules). */
export function checkPackage(p: WorkspacePackage, license: string): string[] {
  const m = p.manifest;
  const problems: string[] = [];
  const say = (s: string) => problems.push(`${m.name}: ${s}`);
  const deps = new Set(Object.keys(m.dependencies ?? {}));
  const peers = new Set(Object.keys(m.peerDependencies ?? {}));
  const devs = new Set(Object.keys(m.devDependencies ?? {}));

  // Dependencies are exactly what the published entry points import.
  const used = reachableImports(p);
  for (const [pkg, files] of used)
    if (!deps.has(pkg) && !peers.has(pkg))
      say(`imports "${pkg}" (${files.slice(0, 2).join(", ")}) but does not depend on it`);
  for (const pkg of deps)
    if (!used.has(pkg))
      say(`depends on "${pkg}" but its published code does not import it (a devDependency?)`);
  for (const pkg of peers)
    if (!used.has(pkg)) say(`has the peer dependency "${pkg}" but its published code does not import it`);
  // Tests and benches: whatever they import is declared somewhere (or a root tool).
  const rootDev = rootDevDependencies();
  const published = reachableFiles(entryFiles(p));
  for (const [pkg, files] of otherImports(p, published))
    if (!deps.has(pkg) && !peers.has(pkg) && !devs.has(pkg) && !rootDev.has(pkg))
      say(`"${files[0]}" imports "${pkg}": add it to devDependencies`);
  for (const pkg of devs) if (deps.has(pkg)) say(`"${pkg}" is both a dependency and a devDependency`);

  // exports: one entry per tsup entry, each condition with its own types.
  const e = tsupEntry(m, true);
  const entries = e === undefined || Array.isArray(e) ? {} : e;
  if (m.exports !== undefined) {
    for (const [entry, src] of Object.entries(entries)) {
      if (entry === "main") continue; // the CLI's binary, not a module
      const key = entry === "index" ? "." : `./${entry.replace(/\/index$/, "")}`;
      const want = exportFor(entry, src);
      if (JSON.stringify(m.exports[key]) !== JSON.stringify(want))
        say(`exports["${key}"] should be ${JSON.stringify(want)}`);
    }
    const wantPublished = publishedExports(m.exports);
    if (JSON.stringify(m.publishConfig?.exports) !== JSON.stringify(wantPublished))
      say("publishConfig.exports should be exports without the source condition");
    if (m.types !== "./dist/index.d.ts" || m.main !== "./dist/index.cjs" || m.module !== "./dist/index.js")
      say("main/module/types should be ./dist/index.cjs, ./dist/index.js, ./dist/index.d.ts");
  }
  if (tsupConfigs(m).some((c) => c.sourcemap !== false))
    say("tsup.sourcemap should be false (maps without their sources help nobody)");

  // Metadata.
  if (m.license !== "MIT") say('license should be "MIT"');
  const licenseFile = join(REPO, p.dir, "LICENSE");
  if (!existsSync(licenseFile) || readFileSync(licenseFile, "utf8") !== license)
    say("LICENSE should be a copy of the repository's LICENSE");
  const repo = { type: "git", url: `git+${REPOSITORY_URL}.git`, directory: p.dir };
  if (JSON.stringify(m.repository) !== JSON.stringify(repo))
    say(`repository should be ${JSON.stringify(repo)}`);
  if (m.homepage !== `${REPOSITORY_URL}/tree/main/${p.dir}#readme`)
    say("homepage should be the package's README");
  if (m.bugs?.url !== `${REPOSITORY_URL}/issues`) say("bugs.url should be the issue tracker");
  if (m.engines?.node !== ">=20") say('engines.node should be ">=20"');
  const kw = m.keywords ?? [];
  if (
    JSON.stringify(kw.slice(0, COMMON_KEYWORDS.length)) !== JSON.stringify(COMMON_KEYWORDS) ||
    kw.length <= COMMON_KEYWORDS.length
  )
    say(
      `keywords should be ${JSON.stringify(COMMON_KEYWORDS)} and the package's own (KEYWORDS in scripts/packages.ts)`,
    );
  if (!(m.files ?? []).includes("dist") || !(m.files ?? []).includes("README.md"))
    say('files should list "dist" and "README.md"');
  return problems;
}

/** A package's own keywords: the table's, else the ones it has, else its name. */
function ownKeywords(m: Manifest): readonly string[] {
  const own = KEYWORDS[m.name] ?? (m.keywords ?? []).filter((k) => !COMMON_KEYWORDS.includes(k));
  return own.length > 0 ? own : [m.name.replace(/^@armature\//, "")];
}

/** Rewrite the derived fields of a manifest (metadata, exports, publishConfig), keeping its order. */
export function fixManifest(p: WorkspacePackage): Manifest {
  const m = { ...p.manifest };
  const e = tsupEntry(m, true);
  if (m.exports !== undefined && e !== undefined && !Array.isArray(e)) {
    const exportsField: Record<string, ExportTarget> = {};
    for (const [entry, src] of Object.entries(e)) {
      if (entry === "main") continue;
      exportsField[entry === "index" ? "." : `./${entry.replace(/\/index$/, "")}`] = exportFor(entry, src);
    }
    m.exports = exportsField;
    m.publishConfig = { ...(m.publishConfig ?? {}), exports: publishedExports(exportsField) };
    m.main = "./dist/index.cjs";
    m.module = "./dist/index.js";
    m.types = "./dist/index.d.ts";
  }
  if (Array.isArray(m.tsup)) m.tsup = m.tsup.map((c) => ({ ...c, sourcemap: false }));
  else if (m.tsup !== undefined) m.tsup = { ...m.tsup, sourcemap: false };
  const ordered: Manifest = {
    name: m.name,
    version: m.version,
    description: m.description,
    license: "MIT",
    keywords: [...COMMON_KEYWORDS, ...ownKeywords(m)],
    repository: { type: "git", url: `git+${REPOSITORY_URL}.git`, directory: p.dir },
    homepage: `${REPOSITORY_URL}/tree/main/${p.dir}#readme`,
    bugs: { url: `${REPOSITORY_URL}/issues` },
    engines: { node: ">=20" },
  };
  return { ...ordered, ...m, ...ordered, keywords: ordered.keywords };
}

function main(): void {
  // A new package: `pnpm exec tsx scripts/packages.ts --write` fills in what the rules derive.
  const write = process.argv.includes("--write");
  const license = readFileSync(join(REPO, "LICENSE"), "utf8");
  let problems: string[] = [];
  for (const p of workspacePackages()) {
    if (write) {
      const fixed = fixManifest(p);
      writeFileSync(join(REPO, p.dir, "package.json"), `${JSON.stringify(fixed, null, 2)}\n`);
      writeFileSync(join(REPO, p.dir, "LICENSE"), license);
      p.manifest = fixed;
    }
    problems = problems.concat(checkPackage(p, license));
  }
  for (const s of problems) console.log(s);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
