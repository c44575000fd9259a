// armature run --snapshot-on-exit / --restore (issue 25): a deterministic bare-metal run stopped
// at N instructions and saved, then restored and run M more, prints the same console output and
// ends in the same state hash as one uninterrupted run of N + M; refused files are one line.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/**
 * The round trip every board configuration must pass: run `opts` to `n` instructions and save
 * (`NAME.snap`), restore it (with `restoreOpts`: the saving run's options, or none when the file
 * names the board) and run `m` more (`NAME-b.snap`), and one uninterrupted run of n + m
 * (`NAME-w.snap`). The two halves print the whole run's output and the restored run ends in its
 * state hash (not the saved one).
 */
async function expectRoundTrip(name: string, opts: string[], n: number, m: number, restoreOpts = opts) {
  const snap = join(dir, `${name}.snap`);
  const stop = (count: number, file: string, ...more: string[]) =>
    run(["run", ...more, "--max-instructions", `${count}`, "--snapshot-on-exit", file]);
  const a = await stop(n, snap, ...opts);
  expect(a.code, a.err).toBe(3);
  const b = await stop(m, join(dir, `${name}-b.snap`), ...restoreOpts, "--restore", snap);
  expect(b.code, b.err).toBe(3);
  const whole = await stop(n + m, join(dir, `${name}-w.snap`), ...opts);
  expect(whole.code, whole.err).toBe(3);
  expect(a.guest + b.guest).toBe(whole.guest);
  expect(hashOf(b.err)).toBe(hashOf(whole.err));
  expect(hashOf(b.err)).not.toBe(hashOf(a.err));
  return { a, b, snap };
}

describe("armature run --snapshot-on-exit / --restore", () => {
  it("restore at N and run M: the same output and state hash as one run of N + M; then to power-off", async () => {
    const N = 9_000;
    const M = 11_000;
    const { a, b, snap: s1 } = await expectRoundTrip("n", [...BOARD, "--kernel", kernel], N, M, []);
    expect(a.err).toMatch(
      new RegExp(`snapshot ${s1}: \\d+ bytes at ${N} instructions, state sha256 [0-9a-f]{64}`),
    );
    expect(b.err).toMatch(new RegExp(`stopped after ${N + M} instructions`));
    expect(a.guest.length).toBeGreaterThan(10);
    expect(b.guest.length).toBeGreaterThan(10);
    expect(readFileSync(join(dir, "n-b.snap")).equals(readFileSync(join(dir, "n-w.snap")))).toBe(true);
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
    // Board options with --restore build the machine the snapshot restores into: as the saving
    // run, they need --machine (a usage error without it).
    for (const extra of [["--kernel", kernel], ["--smp", "2"], ["--deterministic"]]) {
      const r = await run(["run", "--restore", good, ...extra]);
      expect(r.code, extra[0]).toBe(2);
      expect(r.err).toMatch(
        new RegExp(
          `--restore FILE with ${extra[0]} restores on the machine the options build: give --machine`,
        ),
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

  it("with the saving run's options: the machine they build restores the file; another build is refused in one line", async () => {
    const { snap: s } = await expectRoundTrip("opts", [...BOARD, "--kernel", kernel], 9_000, 11_000);
    const r = await run(["run", ...BOARD, "--memory", "128", "--kernel", kernel, "--restore", s]);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(
      /^armature run: the snapshot was taken with another configuration: memoryMiB 64 \(snapshot\) vs 128 \(here\); give the same board options as when it was saved\n$/,
    );
    expect(r.guest).toBe("");
  });

  it("lists the options in --help", async () => {
    const h = await run(["run", "--machine", "virt", "--help"]);
    for (const o of ["--snapshot-on-exit FILE", "--restore FILE", "--force-restore"])
      expect(h.out).toContain(o);
    expect(h.out).toContain("armature run --machine virt [the saving run's options] --restore FILE");
    expect(h.out).toMatch(/With the options of the saving run/);
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

/** An ISO 9660 image as small as the AHCI DVD accepts: a primary volume descriptor and the terminator. */
function tinyIso(path: string): string {
  const iso = new Uint8Array(18 * 2048);
  for (const [sector, type] of [
    [16, 1],
    [17, 0xff],
  ] as const) {
    iso[sector * 2048] = type;
    iso.set(new TextEncoder().encode("CD001"), sector * 2048 + 1);
    iso[sector * 2048 + 6] = 1;
  }
  writeFileSync(path, iso);
  return path;
}

describe("armature run --restore on the machine the saving run's options build (AHCI, USB, firmware)", () => {
  it("AHCI disk + DVD and USB: restore at N and run M gives one run of N + M; --restore alone names the options; another build is refused", async () => {
    const img = join(dir, "sata.img");
    writeFileSync(img, new Uint8Array(1 << 20));
    const devices = ["--sata", img, "--cdrom", tinyIso(join(dir, "dvd.iso")), "--usb"];
    const opts = [...BOARD, "--kernel", kernel, ...devices];
    const N = 9_000;
    const M = 11_000;
    const { a, b, snap: s } = await expectRoundTrip("ahci-usb", opts, N, M);
    expect(b.err).toMatch(new RegExp(`stopped after ${N + M} instructions`));
    expect(a.guest.length).toBeGreaterThan(10);
    expect(b.guest.length).toBeGreaterThan(10);
    // The board cannot come from the file alone: one line naming the options to give.
    const alone = await run(["run", "--restore", s]);
    expect(alone.code).toBe(1);
    expect(alone.err).toMatch(
      /^armature run: this snapshot was saved with --sata, --cdrom, --usb \(devices: tablet, keyboard\): give the same options as the saving run .*plus --restore .*ahci-usb\.snap\n$/,
    );
    expect(alone.guest).toBe("");
    // A machine built without the USB devices or the DVD: the configuration check names the key.
    for (const [drop, key] of [
      ["--usb", "usb"],
      ["--cdrom", "sata"],
    ] as const) {
      const i = opts.indexOf(drop);
      const other = [...opts.slice(0, i), ...opts.slice(i + (drop === "--usb" ? 1 : 2))];
      const r = await run(["run", ...other, "--restore", s]);
      expect(r.code, drop).toBe(1);
      expect(r.err, drop).toMatch(
        new RegExp(`^armature run: the snapshot was taken with another configuration: ${key} .*\\n$`),
      );
      expect(r.err.trim().split("\n"), drop).toHaveLength(1);
      expect(r.guest, drop).toBe("");
    }
    // The SATA disk changed since the save: refused (its identity is in the file) unless --force-restore.
    writeFileSync(img, new Uint8Array(1 << 20).fill(1));
    const changed = await run(["run", ...opts, "--restore", s, "--max-instructions", "100"]);
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(
      /^armature run: disk sata0 \(.*sata\.img\) changed since the snapshot: its content changed/,
    );
    const forced = await run([
      "run",
      ...opts,
      "--restore",
      s,
      "--force-restore",
      "--max-instructions",
      "100",
    ]);
    expect(forced.code, forced.err).toBe(3);
  });

  const aavmf = "/usr/share/AAVMF/AAVMF_CODE.fd";
  it.skipIf(!existsSync(aavmf))(
    "--bios (Debian's AAVMF; skipped without qemu-efi-aarch64): EDK2 restored at N and run M is one run of N + M",
    async () => {
      const img = join(dir, "edk2-sata.img");
      writeFileSync(img, new Uint8Array(1 << 20));
      const fw = [
        "--machine",
        "virt",
        "--layout",
        "qemu",
        "--memory",
        "256",
        "--net",
        "none",
        "--deterministic",
        "--bios",
        aavmf,
        "--sata",
        img,
        "--usb",
      ];
      // EDK2 programs the AHCI and xHCI functions after about 350 M instructions: a run that far
      // (ARMATURE_CLI_EDK2_SNAPSHOT_N=400000000, about 25 s) also fails when the xHCI's restore is
      // left out; the default N keeps this test short (machine-virt's snapshot tests check the
      // devices' own state).
      const N = Number(process.env.ARMATURE_CLI_EDK2_SNAPSHOT_N ?? 20_000_000);
      const M = Number(process.env.ARMATURE_CLI_EDK2_SNAPSHOT_M ?? 5_000_000);
      const { snap: s } = await expectRoundTrip("edk2", fw, N, M);
      const alone = await run(["run", "--restore", s]);
      expect(alone.code).toBe(1);
      expect(alone.err).toMatch(
        /^armature run: this snapshot was saved with --sata, --usb \(devices: tablet, keyboard\), --bios: give the same options/,
      );
      // The firmware told to give the OS the device tree: another configuration.
      const dt = await run(["run", ...fw, "--acpi", "off", "--restore", s]);
      expect(dt.code).toBe(1);
      expect(dt.err).toMatch(
        /^armature run: the snapshot was taken with another configuration: firmware "acpi" \(snapshot\) vs "dt" \(here\)/,
      );
    },
    60_000,
  );

  const guest = join(import.meta.dirname, "..", "..", "..", "..", ".cache", "guest");
  it.skipIf(!existsSync(join(guest, "Image")))(
    "--firmware uefi --acpi (Debian's cloud kernel, after ExitBootServices): restored at N and run M is one run of N + M",
    async () => {
      const uefi = [
        ...["--machine", "virt", "--layout", "qemu", "--firmware", "uefi", "--acpi"],
        ...["--kernel", join(guest, "Image"), "--initrd", join(guest, "initramfs.cpio.gz")],
        ...["--memory", "256", "--net", "none", "--deterministic", "--quiet"],
      ];
      const N = 60_000_000; // the EFI stub has called ExitBootServices (the firmware saves after it)
      const M = 2_000_000;
      const { snap: s } = await expectRoundTrip("uefi", uefi, N, M);
      const alone = await run(["run", "--restore", s]);
      expect(alone.code).toBe(1);
      expect(alone.err).toMatch(
        /^armature run: this snapshot was saved with --firmware uefi, --acpi: give the same options/,
      );
      // Without --acpi the built-in UEFI gives the OS the device tree: another configuration.
      const dt = await run(["run", ...uefi.filter((o) => o !== "--acpi"), "--restore", s]);
      expect(dt.code).toBe(1);
      expect(dt.err).toMatch(
        /^armature run: the snapshot was taken with another configuration: uefi "acpi" \(snapshot\) vs "dt" \(here\)/,
      );
      expect(dt.err.trim().split("\n")).toHaveLength(1);
    },
    120_000,
  );
});
