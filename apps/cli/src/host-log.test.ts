import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RateLimitedLog } from "@armature/core";
import { describe, expect, it } from "vitest";
import { ConsoleTracker, installHostLog, silenceStatus } from "./host-log.js";
import { withTempDir } from "./test/cli.js";

describe("host-side lines during a run", () => {
  it("never land mid-line on the guest console: they start a fresh line on stderr", () => {
    let out = "";
    let err = "";
    const t = new ConsoleTracker((b) => (out += Buffer.from(b).toString()));
    const log = installHostLog({ level: "warn" }, t, (s) => (err += s));
    try {
      t.write(Buffer.from("login: "));
      new RateLimitedLog("virtio-balloon").warn("k", "bad descriptor");
      expect(err).toBe("\r\narmature: virtio-balloon: bad descriptor\n");
      t.write(Buffer.from("ok\n"));
      new RateLimitedLog("virtio-balloon").warn("k", "again");
      expect(err.endsWith("\narmature: virtio-balloon: again\n")).toBe(true);
      expect(err.split("\r\n")).toHaveLength(2);
      expect(out).toBe("login: ok\n");
    } finally {
      log.restore();
    }
  });

  it("--log FILE gets them instead of stderr; --log-level off drops them", async () => {
    await withTempDir("armature-log-", async (dir) => {
      let err = "";
      const t = new ConsoleTracker(() => {});
      const file = join(dir, "host.log");
      let log = installHostLog({ level: "warn", file }, t, (s) => (err += s));
      new RateLimitedLog("gic").warn("k", "to the file");
      log.restore();
      expect(readFileSync(file, "utf8")).toMatch(/^\d{4}-\d\d-\d\dT.* gic: to the file\n$/);
      log = installHostLog({ level: "off" }, t, (s) => (err += s));
      new RateLimitedLog("gic").warn("k", "dropped");
      log.restore();
      expect(err).toBe("");
    });
  });

  it("a silent guest gets one status line per quiet period with instructions and MIPS", async () => {
    let err = "";
    const t = new ConsoleTracker(() => {});
    t.lastOutput = Date.now() - 1000;
    let n = 0;
    const stop = silenceStatus(
      t,
      () => (n += 5_000_000),
      (s) => (err += s),
      100,
    );
    await new Promise((r) => setTimeout(r, 250));
    stop();
    const lines = err.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatch(
      /^armature: no console output for \d+ s; [\d,]+ instructions executed, [\d.]+ MIPS/,
    );
    t.write(Buffer.from("x"));
    const before = err;
    const stop2 = silenceStatus(
      t,
      () => n,
      (s) => (err += s),
      10_000,
    );
    await new Promise((r) => setTimeout(r, 50));
    stop2();
    expect(err).toBe(before);
  });
});
