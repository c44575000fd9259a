// A new user's first install: every package packed as it would be published (`pnpm pack`, which
// applies publishConfig), a subset installed with npm into a fresh project (offline, from the
// tarballs), then typechecked as ESM and CommonJS under the node16, nodenext and bundler
// resolutions, and loaded by Node both ways; each tarball also passes @arethetypeswrong's checks.
// Needs `pnpm build` first (CI builds before testing).
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, workspacePackages } from "./packages.js";

const packages = workspacePackages().filter((p) => p.manifest.private !== true);
const built = packages.every((p) => existsSync(join(REPO, p.dir, "dist")));
if (!built && process.env.CI !== undefined) throw new Error("consumer test: run `pnpm build` first");

/** What a device-tree-only user installs: no @armature/acpi may come with it. */
const DT_ONLY = ["@armature/gic", "@armature/pl011", "@armature/smmu", "@armature/usb", "@armature/ahci"];
/** Then an ACPI user and a board user. */
const MORE = ["@armature/acpi", "@armature/machine-virt"];

const IMPORTS = `import { Gicv3 } from "@armature/gic";
import { Pl011 } from "@armature/pl011";
import { describeSmmuV3Dt, SmmuV3 } from "@armature/smmu";
import { smmuV3IortNode } from "@armature/smmu/acpi";
import { describeAhciAcpi } from "@armature/ahci/acpi";
import { describeXhciAcpi } from "@armature/usb/acpi";
import { buildIort } from "@armature/acpi";
import { describeVirtDt, VirtMachine } from "@armature/machine-virt";
`;
const USES = `const node = smmuV3IortNode({ base: 0x9050000, eventGsiv: 1, gerrorGsiv: 2, syncGsiv: 3, priGsiv: 4 });
const name: string = node.name;
const things: unknown[] = [Gicv3, Pl011, describeSmmuV3Dt, SmmuV3, describeAhciAcpi, describeXhciAcpi, buildIort, describeVirtDt, VirtMachine, name];
`;

const RUNTIME_NAMES = [
  ["@armature/gic", "Gicv3"],
  ["@armature/smmu/acpi", "smmuV3IortNode"],
  ["@armature/ahci/acpi", "describeAhciAcpi"],
  ["@armature/machine-virt", "VirtMachine"],
] as const;

function tscConfig(module: string, resolution: string, files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      lib: ["ES2022"],
      module,
      moduleResolution: resolution,
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ["node"],
      typeRoots: [join(REPO, "node_modules", "@types")],
    },
    files,
  });
}

function pnpm(args: string[], cwd: string): string {
  const root = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { packageManager: string };
  const version = root.packageManager.split("@")[1]!;
  try {
    if (execFileSync("pnpm", ["--version"], { encoding: "utf8" }).trim() === version)
      return execFileSync("pnpm", args, { cwd, encoding: "utf8", stdio: "pipe" });
  } catch {
    // no pnpm on PATH: the pinned one through npx, as scripts/lib.sh does
  }
  return execFileSync("npx", ["-y", `pnpm@${version}`, ...args], { cwd, encoding: "utf8", stdio: "pipe" });
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: "pipe", timeout: 120_000 });
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${x.stdout ?? ""}${x.stderr ?? x.message}`);
  }
}

describe.skipIf(!built)("packed packages in a fresh npm project", () => {
  let dir = "";
  let tarballs = "";
  const tarball = new Map<string, string>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "armature-consumer-"));
    tarballs = join(dir, "tarballs");
    mkdirSync(tarballs);
    pnpm(["-r", "--filter", "@armature/*", "pack", "--pack-destination", tarballs], REPO);
    for (const p of packages) {
      const file = `${p.manifest.name.replace("@", "").replace("/", "-")}-${p.manifest.version}.tgz`;
      tarball.set(p.manifest.name, `file:${join(tarballs, file)}`);
    }
  }, 120_000);
  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  function install(names: readonly string[]): void {
    const project = join(dir, "project");
    mkdirSync(project, { recursive: true });
    const dependencies = Object.fromEntries(names.map((n) => [n, tarball.get(n)!]));
    // Every @armature package resolves to its tarball, never to the registry.
    const overrides = Object.fromEntries(tarball);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, version: "0.0.0", dependencies, overrides }),
    );
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], project);
  }

  it("packs every package without the source condition, with LICENSE and no maps", () => {
    // Private workspace packages (examples) are packed too; only the published ones are checked.
    const files = [...tarball.values()].map((t) => t.slice(t.lastIndexOf("/") + 1));
    expect(readdirSync(tarballs)).toEqual(expect.arrayContaining(files));
    for (const f of files) {
      const list = run("tar", ["tzf", join(tarballs, f)], tarballs).split("\n");
      expect(list, f).toContain("package/LICENSE");
      expect(
        list.filter((l) => l.endsWith(".map")),
        f,
      ).toEqual([]);
      const manifest = run("tar", ["xzOf", join(tarballs, f), "package/package.json"], tarballs);
      expect(manifest, f).not.toContain('"source"');
      expect(manifest, f).not.toContain("workspace:");
    }
  });

  it("every package passes @arethetypeswrong's checks (node10 for the main entry only)", async () => {
    // @arethetypeswrong/core is what its CLI (`attw file.tgz`) runs; one process for all the
    // tarballs costs ~12 s where 24 runs of the CLI cost ~80 s. Deliberately ignored: subpath
    // entries (./test, ./acpi) under node10 resolution. That resolution predates `exports` and
    // cannot see a subpath; Node >= 20 (every package's `engines`) and TypeScript's node16,
    // nodenext and bundler resolutions read `exports`, and the main entry still passes node10.
    const { checkPackage, createPackageFromTarballData } = await import("@arethetypeswrong/core");
    const { problemKindInfo } = await import("@arethetypeswrong/core/problems");
    const found: string[] = [];
    for (const [name, spec] of tarball) {
      const pkg = createPackageFromTarballData(new Uint8Array(readFileSync(spec.slice("file:".length))));
      const result = await checkPackage(pkg);
      if (!result.types) {
        found.push(`${name}: no types`);
        continue;
      }
      for (const problem of result.problems) {
        const entry = "entrypoint" in problem ? problem.entrypoint : "";
        const resolution = "resolutionKind" in problem ? problem.resolutionKind : "";
        if (resolution === "node10" && entry !== ".") continue;
        const where = [name, entry, resolution].filter((w) => w !== "").join(" ");
        found.push(`${where}: ${problemKindInfo[problem.kind].title}`);
      }
    }
    expect(found).toEqual([]);
  }, 120_000);

  it("a device-tree-only user gets exactly the packages the devices import", () => {
    install(DT_ONLY);
    const got = readdirSync(join(dir, "project", "node_modules", "@armature")).sort();
    expect(got).toEqual(["ahci", "core", "fdt", "gic", "mmu", "pl011", "smmu", "usb"]);
  }, 120_000);

  it("every entry point of every package typechecks as ESM and CommonJS (node16, nodenext, bundler) and loads both ways", () => {
    // The types of each condition (what @arethetypeswrong/cli checks), by TypeScript itself: each
    // export of each package imported from an .mts, a .cts and a bundler-resolved .ts file.
    install(packages.map((p) => p.manifest.name));
    const project = join(dir, "project");
    // The ./test entries (property-test arbitraries) need fast-check, an optional peer dependency
    // that their users install; here the workspace's copy, linked (the install is offline).
    symlinkSync(
      realpathSync(join(REPO, "node_modules", "fast-check")),
      join(project, "node_modules", "fast-check"),
    );
    const specs = packages.flatMap((p) =>
      Object.keys(p.manifest.exports ?? { ".": {} }).map((k) =>
        k === "." ? p.manifest.name : `${p.manifest.name}/${k.slice(2)}`,
      ),
    );
    const body = `${specs.map((s, i) => `import * as m${i} from "${s}";`).join("\n")}\nconst all: object[] = [${specs.map((_, i) => `m${i}`).join(", ")}];\n`;
    writeFileSync(join(project, "all-esm.mts"), `${body}export { all };\n`);
    writeFileSync(join(project, "all-cjs.cts"), `${body}export = all;\n`);
    writeFileSync(join(project, "all-bundler.ts"), `${body}export { all };\n`);
    const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
    for (const [name, text] of Object.entries({
      "tsconfig.all-node16.json": tscConfig("node16", "node16", ["all-esm.mts", "all-cjs.cts"]),
      "tsconfig.all-nodenext.json": tscConfig("nodenext", "nodenext", ["all-esm.mts", "all-cjs.cts"]),
      "tsconfig.all-bundler.json": tscConfig("esnext", "bundler", ["all-bundler.ts"]),
    })) {
      writeFileSync(join(project, name), text);
      run(process.execPath, [tsc, "-p", name], project);
    }
    const list = JSON.stringify(specs);
    const esm = run(
      process.execPath,
      ["--input-type=module", "-e", `for (const s of ${list}) await import(s); console.log("ok");`],
      project,
    );
    expect(esm.trim()).toBe("ok");
    const cjs = run(
      process.execPath,
      ["-e", `for (const s of ${list}) require(s); console.log("ok");`],
      project,
    );
    expect(cjs.trim()).toBe("ok");
  }, 240_000);

  it("typechecks as ESM and CommonJS under node16, nodenext and bundler; loads both ways", () => {
    install([...DT_ONLY, ...MORE]);
    const project = join(dir, "project");
    writeFileSync(join(project, "esm.mts"), `${IMPORTS}${USES}export { things };\n`);
    writeFileSync(join(project, "cjs.cts"), `${IMPORTS}${USES}export = things;\n`);
    writeFileSync(join(project, "bundler.ts"), `${IMPORTS}${USES}export { things };\n`);
    const configs = {
      "tsconfig.node16.json": tscConfig("node16", "node16", ["esm.mts", "cjs.cts"]),
      "tsconfig.nodenext.json": tscConfig("nodenext", "nodenext", ["esm.mts", "cjs.cts"]),
      "tsconfig.bundler.json": tscConfig("esnext", "bundler", ["bundler.ts"]),
    };
    const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
    for (const [name, text] of Object.entries(configs)) {
      writeFileSync(join(project, name), text);
      run(process.execPath, [tsc, "-p", name], project);
    }
    for (const [spec, name] of RUNTIME_NAMES) {
      const esm = run(
        process.execPath,
        ["--input-type=module", "-e", `import * as m from "${spec}"; console.log(typeof m.${name});`],
        project,
      );
      expect(esm.trim(), `import ${spec}`).toBe("function");
      const cjs = run(process.execPath, ["-e", `console.log(typeof require("${spec}").${name})`], project);
      expect(cjs.trim(), `require ${spec}`).toBe("function");
    }
  }, 120_000);
});
