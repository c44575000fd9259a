// armature run --snapshot-on-exit / --restore (issue 25): a deterministic bare-metal run stopped
// at N instructions and saved, then restored and run M more, prints the same console output and
// ends in the same state hash as one uninterrupted run of N + M; refused files are one line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTestPe } from "@armature/uefi/test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../cli.js";
import { assembleRaw, run as runCaptured, waitForText } from "../test/cli.js";

let dir = "";
let kernel = "";
let forever = "";

// A loop that prints 'a'..'z' to the vz layout's PL011 (0x2001_0000), a running checksum kept in
// x5, 400 characters in all with a delay loop between them, then PSCI SYSTEM_OFF.
const PROGRAM = `
  movz x1, #0x2001, lsl #16
  mov w0, #0x301
  str w0, [x1, #0x30]
  mov x2, #0
  mov x5, #7
1:
  mov x6, #31
  mul x5, x5, x6
  add x5, x5, x2
  mov x7, #26
  udiv x8, x2, x7
  msub x4, x8, x7, x2
  add x4, x4, #0x61
  str w4, [x1]
  mov x9, #40
2:
  subs x9, x9, #1
  b.ne 2b
  add x2, x2, #1
  cmp x2, #400
  b.lo 1b
  movz w0, #8
  movk w0, #0x8400, lsl #16
  hvc #0
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "armature-snapcli-"));
  kernel = assembleRaw(dir, PROGRAM, "k");
  // The same loop without an end (for the monitor's savevm while it runs).
  forever = assembleRaw(dir, PROGRAM.replace("cmp x2, #400\n  b.lo 1b", "b 1b"), "forever");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Call `f` with the guest's console (process.stdout) captured (`f` may read it so far through its
 * argument); returns its result and the whole output.
 */
async function withGuest<T>(f: (guest: () => string) => Promise<T>): Promise<{ result: T; guest: string }> {
  let guest = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((b: string | Uint8Array) => {
    guest += typeof b === "string" ? b : Buffer.from(b).toString("latin1");
    return true;
  });
  try {
    const result = await f(() => guest);
    return { result, guest };
  } finally {
    spy.mockRestore();
  }
}

/** Run the CLI in this process, with the guest's console captured. */
async function run(args: string[]) {
  const { result, guest } = await withGuest(() => runCaptured(args));
  return { ...result, guest };
}

const hashOf = (err: string) => /state sha256 ([0-9a-f]{64})/.exec(err)?.[1];
const BOARD = ["--machine", "virt", "--memory", "64", "--net", "none", "--deterministic"];
/** Run `program` on the board for `n` instructions and save the state to `file`. */
const stopAt = (program: string, n: number, file: string) =>
  run(["run", ...BOARD, "--kernel", program, "--max-instructions", `${n}`, "--snapshot-on-exit", file]);
/** Restore `snap`, run `m` more instructions and save the state to `file`. */
const resume = (snap: string, m: number, file: string) =>
  run(["run", "--restore", snap, "--max-instructions", `${m}`, "--snapshot-on-exit", file]);

describe("armature run --snapshot-on-exit / --restore", () => {
  it("restore at N and run M: the same output and state hash as one run of N + M; then to power-off", async () => {
    const N = 9_000;
    const M = 11_000;
    const s1 = join(dir, "n.snap");
    const a = await stopAt(kernel, N, s1);
    expect(a.code, a.err).toBe(3);
    expect(a.err).toMatch(
      new RegExp(`snapshot ${s1}: \\d+ bytes at ${N} instructions, state sha256 [0-9a-f]{64}`),
    );
    const b = await resume(s1, M, join(dir, "b.snap"));
    expect(b.code, b.err).toBe(3);
    expect(b.err).toMatch(new RegExp(`stopped after ${N + M} instructions`));
    const whole = await stopAt(kernel, N + M, join(dir, "whole.snap"));
    expect(whole.code).toBe(3);
    expect(a.guest.length).toBeGreaterThan(10);
    expect(b.guest.length).toBeGreaterThan(10);
    expect(a.guest + b.guest).toBe(whole.guest);
    expect(hashOf(b.err)).toBe(hashOf(whole.err));
    expect(hashOf(b.err)).not.toBe(hashOf(a.err));
    expect(readFileSync(join(dir, "b.snap")).equals(readFileSync(join(dir, "whole.snap")))).toBe(true);
    // To the end: the restored run powers off (exit 0) with the rest of the output.
    const full = await run(["run", ...BOARD, "--kernel", kernel]);
    const rest = await run(["run", "--restore", s1]);
    expect(full.code).toBe(0);
    expect(rest.code, rest.err).toBe(0);
    expect(full.guest).toHaveLength(400);
    expect(a.guest + rest.guest).toBe(full.guest);
  });

  it("refuses a truncated, corrupt, foreign or missing file in one line (exit 1), and board options (exit 2)", async () => {
    const good = join(dir, "good.snap");
    const a = await stopAt(kernel, 100, good);
    expect(a.code).toBe(3);
    const bytes = readFileSync(good);
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ["truncated", bytes.subarray(0, bytes.length >> 1), /truncated/],
      ["corrupt", Uint8Array.from(bytes, (x, i) => (i === bytes.length >> 1 ? x ^ 0xff : x)), /corrupt/],
      ["not a snapshot", new TextEncoder().encode("hello, world\n"), /not an Armature snapshot/],
    ];
    for (const [name, data, re] of cases) {
      const f = join(dir, `${name}.snap`);
      writeFileSync(f, data);
      const r = await run(["run", "--restore", f]);
      expect(r.code, name).toBe(1);
      expect(r.err, name).toMatch(re);
      expect(r.err.trim().split("\n"), name).toHaveLength(1);
      expect(r.guest, name).toBe("");
    }
    // Another board's snapshot: the container is valid, the board is not.
    const other = Buffer.from(bytes);
    const at = other.indexOf("machine-virt");
    other.write("machine-vir2", at);
    const { createHash } = await import("node:crypto");
    createHash("sha256")
      .update(other.subarray(0, other.length - 32))
      .digest()
      .copy(other, other.length - 32);
    writeFileSync(join(dir, "other.snap"), other);
    const o = await run(["run", "--restore", join(dir, "other.snap")]);
    expect(o.code).toBe(1);
    expect(o.err).toMatch(/^armature run: the snapshot is of a machine-vir2 machine, not machine-virt\n$/);
    const missing = await run(["run", "--restore", join(dir, "nope.snap")]);
    expect(missing.code).toBe(1);
    expect(missing.err.trim().split("\n")).toHaveLength(1);
    // The virt board comes from the snapshot: its options are usage errors.
    for (const extra of [["--kernel", kernel], ["--smp", "2"], ["--deterministic"]]) {
      const r = await run(["run", "--restore", good, ...extra]);
      expect(r.code, extra[0]).toBe(2);
      expect(r.err).toMatch(
        /does not go with --restore: the board and its configuration come from the snapshot/,
      );
    }
    // A virt snapshot restored on the Parallels board (built from its options) is another board's.
    const efi = join(dir, "app.efi");
    writeFileSync(efi, buildTestPe({ code: [0, 0, 0, 0] }));
    const p = await run([
      "run",
      "--machine",
      "parallels",
      "--kernel",
      efi,
      "--net",
      "none",
      "--restore",
      good,
    ]);
    expect(p.code).toBe(1);
    expect(p.err).toMatch(
      /^armature run: the snapshot is of a machine-virt machine, not machine-parallels\n$/,
    );
    const f = await run(["run", ...BOARD, "--kernel", kernel, "--force-restore"]);
    expect(f.code).toBe(2);
    // Firmware boot (--bios) saves too: its flash banks and fw_cfg are sections.
    const u = await run([
      "run",
      "--machine",
      "virt",
      "--layout",
      "qemu",
      "--net",
      "none",
      "--bios",
      kernel,
      "--max-instructions",
      "100",
      "--snapshot-on-exit",
      join(dir, "u.snap"),
    ]);
    expect(u.code, u.err).toBe(3);
    expect(u.err).toMatch(/snapshot .*u\.snap: \d+ bytes at 100 instructions, state sha256 [0-9a-f]{64}/);
  });

  it("refuses a changed disk unless --force-restore", async () => {
    const img = join(dir, "disk.img");
    writeFileSync(img, new Uint8Array(1 << 20));
    const s = join(dir, "disk.snap");
    const a = await run([
      "run",
      ...BOARD,
      "--kernel",
      kernel,
      "--disk",
      img,
      "--max-instructions",
      "100",
      "--snapshot-on-exit",
      s,
    ]);
    expect(a.code, a.err).toBe(3);
    writeFileSync(img, new Uint8Array(1 << 20).fill(1));
    const r = await run(["run", "--restore", s, "--max-instructions", "100"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/disk virtio-blk \(.*disk\.img\) changed since the snapshot: its content changed/);
    const f = await run(["run", "--restore", s, "--force-restore", "--max-instructions", "100"]);
    expect(f.code, f.err).toBe(3);
  });

  it("lists the options in --help", async () => {
    const h = await run(["run", "--machine", "virt", "--help"]);
    for (const o of ["--snapshot-on-exit FILE", "--restore FILE", "--force-restore"])
      expect(h.out).toContain(o);
    const r = await run(["run", "--restore", "x", "--help"]);
    expect(r.out).toMatch(/exit status 1; nothing runs/);
  });

  it("savevm over the TCP monitor during a run: restored, it is the state of a run stopped at that count", async () => {
    const f = join(dir, "mon.snap");
    let err = "";
    let reply = "";
    await withGuest(async (guest) => {
      const running = runCli(["run", ...BOARD, "--kernel", forever, "--monitor", "tcp:127.0.0.1:0"], {
        out: () => {},
        err: (s) => (err += s),
      });
      await waitForText(() => err, /monitor on 127\.0\.0\.1:\d+/);
      const port = Number(/monitor on 127\.0\.0\.1:(\d+)/.exec(err)![1]);
      const sock = connect(port, "127.0.0.1");
      sock.on("data", (d: Buffer) => (reply += d.toString("latin1")));
      await waitForText(guest, /.{50}/s); // the guest is running
      sock.write(`savevm ${f}\n`);
      await waitForText(() => reply, /state sha256 [0-9a-f]{64}\n/);
      // info irq reaches the board's GIC (the program never enables one: no rows, one line per vCPU).
      sock.write("info irq\n");
      await waitForText(
        () => reply,
        /GICv3: GICD_CTLR 0x[0-9a-f]+ \(Group 0 off, Group 1 off\), \d+ SPIs, 1 CPUs\nCPU #0 .*\nINTID kind trigger E P A {2}prio group target\n/,
      );
      sock.write("quit\n");
      expect(await running).toBe(1); // the monitor's quit: "stopped" (console-loop's status)
      sock.destroy();
    });
    const m = /snapshot .*: \d+ bytes at (\d+) instructions, state sha256 ([0-9a-f]{64})/.exec(reply);
    expect(m, reply).not.toBeNull();
    const [at, hash] = [Number(m![1]), m![2]];
    expect(at).toBeGreaterThan(0);
    // The same program stopped by --max-instructions at that count is in the same state, and the
    // restored snapshot runs on from there like the uninterrupted program.
    const stopped = await stopAt(forever, at, join(dir, "at.snap"));
    expect(stopped.code).toBe(3);
    expect(hashOf(stopped.err)).toBe(hash);
    const more = await resume(f, 5000, join(dir, "m1.snap"));
    const ref = await stopAt(forever, at + 5000, join(dir, "m2.snap"));
    expect(more.code).toBe(3);
    expect(stopped.guest + more.guest).toBe(ref.guest);
    expect(hashOf(more.err)).toBe(hashOf(ref.err));
  });
});
