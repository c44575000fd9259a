import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkPackage,
  REPO,
  REPOSITORY_URL,
  reachableImports,
  repositoryUrl,
  type WorkspacePackage,
  workspacePackages,
} from "./packages.js";

const license = readFileSync(join(REPO, "LICENSE"), "utf8");
const packages = workspacePackages();

describe("package manifests", () => {
  it("finds every workspace package", () => {
    expect(packages.length).toBeGreaterThan(15);
  });

  // Dependencies are exactly what the published entry points import; exports give each
  // condition its own types; metadata, LICENSE and no source maps (scripts/packages.ts).
  it.each(packages.map((p) => [p.manifest.name, p] as const))("%s follows the manifest rules", (_, p) => {
    expect(checkPackage(p, license)).toEqual([]);
  });

  it("a DT-only user of a device does not get @armature/acpi", () => {
    for (const name of ["@armature/ahci", "@armature/usb", "@armature/smmu", "@armature/gic"]) {
      const p = packages.find((q) => q.manifest.name === name)!;
      const main: WorkspacePackage = p;
      expect([...reachableImports(main, [join(REPO, p.dir, "src/index.ts")]).keys()]).not.toContain(
        "@armature/acpi",
      );
    }
  });

  it("the repository URL comes from the root package.json, and the CLI reports bugs there", () => {
    expect(REPOSITORY_URL).toBe("https://github.com/armature-vm/armature");
    expect(repositoryUrl('{"repository":{"url":"git+https://example.org/a/b.git"}}')).toBe(
      "https://example.org/a/b",
    );
    expect(repositoryUrl('{"repository":"https://example.org/a/b"}')).toBe("https://example.org/a/b");
    expect(() => repositoryUrl("{}")).toThrow(/root package.json needs "repository"/);
    expect(readFileSync(join(REPO, "apps/cli/src/exit.ts"), "utf8")).toContain(`"${REPOSITORY_URL}/issues"`);
  });

  it("the check catches an undeclared import and an unused dependency", () => {
    const gic = packages.find((q) => q.manifest.name === "@armature/gic")!;
    const broken: WorkspacePackage = {
      dir: gic.dir,
      manifest: { ...gic.manifest, dependencies: { "@armature/core": "workspace:*", "@armature/acpi": "1" } },
    };
    const problems = checkPackage(broken, license);
    expect(problems).toContainEqual(expect.stringMatching(/imports "@armature\/fdt".*does not depend on it/));
    expect(problems).toContainEqual(expect.stringMatching(/depends on "@armature\/acpi" but/));
  });
});

describe("tracker references", () => {
  // The issue tracker is not part of the repository: "issue #N" in code, docs or changesets points
  // a reader at nothing. Say what the thing is instead.
  it('no "issue #N" in tracked sources, READMEs, docs or changesets', () => {
    const files = execFileSync("git", ["ls-files", "*.ts", "*.mts", "*.md", "*.sh"], {
      cwd: REPO,
      encoding: "utf8",
    })
      .split("\n")
      .filter((f) => f !== "" && !f.endsWith("CHANGELOG.md"));
    expect(files.length).toBeGreaterThan(100);
    const hits = files.flatMap((f) =>
      readFileSync(join(REPO, f), "utf8")
        .split("\n")
        .flatMap((line, i) => (/\bissue #\d+/i.test(line) ? [`${f}:${i + 1}`] : [])),
    );
    expect(hits).toEqual([]);
  });
});
