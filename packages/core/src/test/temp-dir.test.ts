import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withTempDir } from "./index.js";

describe("withTempDir", () => {
  it("removes the folder after fn returns, throws, resolves or rejects", async () => {
    let seen = "";
    expect(
      withTempDir("armature-twd-", (d) => {
        seen = d;
        writeFileSync(join(d, "f"), "x");
        return 7;
      }),
    ).toBe(7);
    expect(seen).toMatch(/armature-twd-/);
    expect(existsSync(seen)).toBe(false);
    expect(() =>
      withTempDir("armature-twd-", (d) => {
        seen = d;
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(existsSync(seen)).toBe(false);
    const p = withTempDir("armature-twd-", async (d) => {
      seen = d;
      await new Promise((r) => setTimeout(r, 5));
      expect(existsSync(d)).toBe(true); // still there while fn runs
      return 8;
    });
    expect(await p).toBe(8);
    expect(existsSync(seen)).toBe(false);
    await expect(
      withTempDir("armature-twd-", async (d) => {
        seen = d;
        throw new Error("late");
      }),
    ).rejects.toThrow("late");
    expect(existsSync(seen)).toBe(false);
  });
});
