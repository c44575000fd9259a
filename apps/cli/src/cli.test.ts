import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { run } from "./test/cli.js";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8")) as { version: string };

describe("armature CLI", () => {
  it("prints its version from package.json", async () => {
    const r = await run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${pkg.version}\n`);
  });

  it("prints help with exit 0, and usage with exit 2 when called with nothing", async () => {
    expect((await run(["--help"])).out).toMatch(/Usage: armature <command>/);
    expect((await run(["--help"])).code).toBe(0);
    expect((await run([])).code).toBe(2);
  });

  it("rejects an unknown command with exit 2", async () => {
    const r = await run(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "frobnicate"/);
  });

  it.runIf(existsSync(join(here, "..", "dist", "main.js")))("the built binary prints its version", () => {
    const out = execFileSync(process.execPath, [join(here, "..", "dist", "main.js"), "--version"], {
      encoding: "utf8",
    });
    expect(out).toBe(`${pkg.version}\n`);
  });
});
