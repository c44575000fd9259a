// Every user mistake of issue 26: one line on stderr that says what to change, the documented
// exit status, and nothing written or changed (a disk given alongside keeps its size, mtime and
// contents).

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootBanner } from "./banner.js";
import { runCli, userError } from "./cli.js";
import { parseRunOptions } from "./commands/run.js";
import { EXIT } from "./exit.js";

async function cli(args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const HERE = dirname(fileURLToPath(import.meta.url));
let dir = "";
let disk = "";
let kernel = "";
const p = (name: string) => join(dir, name);

function diskState() {
  const s = statSync(disk);
  return {
    size: s.size,
    mtime: s.mtimeMs,
    hash: createHash("sha256").update(readFileSync(disk)).digest("hex"),
  };
}

/** A failing run: exit status, one line matching `msg`, the disk untouched. */
async function fails(args: string[], code: number, msg: RegExp) {
  const before = diskState();
  const r = await cli(args);
  expect(r.code, args.join(" ")).toBe(code);
  expect(r.err.trimEnd().split("\n"), r.err).toHaveLength(1);
  expect(r.err).toMatch(msg);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(diskState(), "the disk is untouched").toEqual(before);
  return r;
}

/** An EFI-stub arm64 Image header whose one PE section ends at 0x3000, past the 0x2000-byte file. */
function truncatedImage(): Uint8Array {
  const b = new Uint8Array(0x2000);
  const v = new DataView(b.buffer);
  b.set([0x4d, 0x5a], 0);
  v.setBigUint64(16, 0x10000n, true); // image_size
  v.setBigUint64(24, 0xan, true); // 4K pages, anywhere
  b.set([0x41, 0x52, 0x4d, 0x64], 0x38);
  v.setUint32(0x3c, 0x40, true);
  v.setUint32(0x40, 0x4550, true);
  v.setUint16(0x46, 1, true);
  v.setUint32(0x40 + 24 + 16, 0x2000, true);
  v.setUint32(0x40 + 24 + 20, 0x1000, true);
  return b;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "armature-cli-errors-"));
  disk = p("disk.img");
  writeFileSync(disk, Buffer.alloc(64 * 1024, 0xa5));
  kernel = p("k.bin");
  // x0 = SYSTEM_OFF; hvc #0 (a raw binary).
  writeFileSync(
    kernel,
    Buffer.from([0x00, 0x01, 0x80, 0x52, 0x00, 0x80, 0xb0, 0x72, 0x02, 0x00, 0x00, 0xd4]),
  );
  mkdirSync(p("adir"));
  writeFileSync(p("file"), "x");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const virt = () => ["run", "--machine", "virt", "--memory", "128", "--disk", disk];

describe("CLI errors: one line, a hint, the documented exit status, nothing changed", () => {
  it("a directory as --kernel, --initrd, --dtb, dtb --check", async () => {
    await fails([...virt(), "--kernel", p("adir")], 1, /kernel ".*adir" is a directory: name a file in it/);
    await fails([...virt(), "--kernel", kernel, "--initrd", p("adir")], 1, /initrd ".*" is a directory/);
    await fails([...virt(), "--kernel", kernel, "--dtb", p("adir")], 1, /dtb ".*" is a directory/);
    await fails(["dtb", "--check", p("adir")], 1, /--check ".*" is a directory/);
    await fails(["run", "--machine", "parallels", "--kernel", p("adir")], 1, /is a directory/);
  });

  it("an output path in a missing directory, onto a directory or a file", async () => {
    const missing = p("no/such/x.dtb");
    await fails(
      [...virt(), "--kernel", kernel, "--dump-dtb", missing],
      1,
      /--dump-dtb .*does not exist; create it first/,
    );
    await fails(["dtb", "--machine", "virt", "-o", missing], 1, /-o .*does not exist; create it first/);
    await fails(
      [...virt(), "--kernel", kernel, "--log", missing],
      1,
      /--log .*does not exist; create it first/,
    );
    await fails(["dtb", "--machine", "virt", "-o", p("adir")], 1, /-o ".*adir" is a directory: name a file/);
    await fails(["acpi", "--out", p("no/such/dir")], 1, /--out .*does not exist; create it first/);
    await fails(["acpi", "--out", p("file")], 1, /--out ".*file" is a file; name a directory/);
    expect(existsSync(p("no"))).toBe(false);
  });

  it.runIf(existsSync("/proc/self"))(
    "acpi --out /proc/x ends with one line instead of spinning",
    async () => {
      const r = await fails(["acpi", "--out", "/proc/armature-x"], 1, /proc\/armature-x/);
      expect(r.err).toMatch(/cannot mkdir "\/proc\/armature-x": no such file or directory \(ENOENT\)/);
    },
  );

  it("--memory above what one buffer holds and --smp 9: the board's range, the same status for run, dtb, acpi", async () => {
    for (const [opt, v, msg] of [
      ["--memory", "4097", /memoryMiB must be an integer in 64\.\.4096, not 4097/],
      ["--memory", "8192", /memoryMiB must be an integer in 64\.\.4096, not 8192/],
      ["--smp", "9", /cpus must be an integer in 1\.\.8, not 9/],
    ] as const) {
      await fails([...virt(), "--kernel", kernel, opt, v], EXIT.error, msg);
      await fails(["dtb", "--machine", "virt", opt, v], EXIT.error, msg);
      await fails(["acpi", "--out", p("acpi-out"), "--machine", "virt", opt, v], EXIT.error, msg);
      await fails(
        ["run", "--machine", "parallels", "--kernel", kernel, opt, v],
        EXIT.error,
        /must be an integer in/,
      );
    }
    expect(existsSync(p("acpi-out"))).toBe(false);
  });

  it("--max-instructions 0: the board's range (one check), the same status on both boards and --restore", async () => {
    const msg = /maxInstructions must be an integer of at least 1, not 0/;
    await fails([...virt(), "--kernel", kernel, "--max-instructions", "0"], EXIT.error, msg);
    await fails(
      ["run", "--machine", "parallels", "--kernel", kernel, "--max-instructions", "0"],
      EXIT.error,
      msg,
    );
    await fails(["run", "--restore", kernel, "--max-instructions", "0"], EXIT.error, msg);
    await fails(
      [...virt(), "--kernel", kernel, "--max-instructions", "1e3x"],
      EXIT.usage,
      /must be an integer/,
    );
  });

  it("a kernel that cannot boot: a truncated Image, gzip of garbage, another compressor", async () => {
    writeFileSync(p("trunc"), truncatedImage());
    await fails(
      [...virt(), "--kernel", p("trunc")],
      1,
      /the Image is truncated: its PE\/COFF sections end at 0x3000/,
    );
    writeFileSync(p("garbage.gz"), Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(64, 0x55)]));
    await fails([...virt(), "--kernel", p("garbage.gz")], 1, /gzip data cannot be decompressed/);
    writeFileSync(p("k.xz"), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]));
    await fails([...virt(), "--kernel", p("k.xz")], 1, /xz-compressed; decompress it first/);
    await fails(["run", "--machine", "parallels", "--kernel", p("trunc")], 1, /the Image is truncated/);
    // Through the built-in UEFI the file is read on demand (its headers first): the same refusal.
    await fails(
      [...virt(), "--firmware", "uefi", "--kernel", p("trunc")],
      1,
      /the Image is truncated: its PE\/COFF sections end at 0x3000/,
    );
  });

  it("a kernel without an Image header (random bytes, all zeros) is named as a raw binary and where it goes", async () => {
    for (const [name, bytes] of [
      ["zeros", Buffer.alloc(4096)],
      ["random", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff))],
    ] as const) {
      writeFileSync(p(name), bytes);
      const r = await cli([...virt(), "--kernel", p(name), "--max-instructions", "2000"]);
      expect(r.code).toBe(EXIT.budget);
      expect(r.err).toMatch(
        /armature run: warning: kernel ".*": no arm64 Image header \("ARM\\x64" at 0x38\): loading it as a raw binary at 0x70080000/,
      );
    }
  });

  it("a guest stuck in an exception loop (a kernel of zeros): one line and exit status 4", async () => {
    writeFileSync(p("zeros"), Buffer.alloc(4096));
    const r = await cli([...virt(), "--kernel", p("zeros")]);
    expect(r.code, r.err).toBe(EXIT.stuck);
    const lines = r.err.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(2); // the raw-binary warning, then the loop
    expect(lines[1]).toMatch(
      /^armature run: cpu0 is stuck in an exception loop: \d+ synchronous exceptions in a row from EL1 \(.*\) at pc 0x[0-9a-f]+, each to vector 0x[0-9a-f]+ .*never returning/,
    );
  });

  it("a read-only disk without ,ro: a hint, for root too (the file's mode is honoured)", async () => {
    chmodSync(disk, 0o444);
    try {
      await fails(
        [...virt(), "--kernel", kernel],
        1,
        /disk ".*disk.img" is read-only \(mode 0444\): add ,ro \(--disk .*,ro\)/,
      );
      await fails(
        ["run", "--machine", "virt", "--kernel", kernel, "--sata", disk],
        1,
        /SATA disk image ".*" is read-only .*add ,ro \(--sata /,
      );
      // With ,ro it boots (and powers off).
      const r = await cli([
        "run",
        "--machine",
        "virt",
        "--memory",
        "128",
        "--kernel",
        kernel,
        "--disk",
        `${disk},ro`,
      ]);
      expect(r.code).toBe(EXIT.ok);
    } finally {
      chmodSync(disk, 0o644);
    }
  });

  it("--append longer than arm64 Linux keeps: a warning, and the guest still runs", async () => {
    const r = await cli([...virt(), "--kernel", kernel, "--append", "x".repeat(2100)]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toMatch(/warning: --append is 2100 bytes; arm64 Linux keeps only the first 2047/);
  });

  it("SIGTERM and SIGHUP stop the guest with their documented statuses; the disk is flushed and closed", async () => {
    writeFileSync(p("loop.bin"), Buffer.from([0x00, 0x00, 0x00, 0x14])); // b .
    for (const [signal, code] of [
      ["SIGTERM", EXIT.sigterm],
      ["SIGHUP", EXIT.sighup],
    ] as const) {
      const running = cli([...virt(), "--kernel", p("loop.bin"), "--net", "none"]);
      await new Promise((r) => setTimeout(r, 300));
      process.emit(signal, signal);
      const r = await running;
      expect(r.code).toBe(code);
      expect(r.err).toMatch(new RegExp(`${signal}: stopped the guest`));
      expect(process.listenerCount(signal)).toBe(0);
    }
  });

  it("the boot banner says what boots, and --quiet is an option", () => {
    const line = bootBanner({
      board: "virt board (vz layout)",
      cpus: 2,
      memoryMiB: 512,
      kernel: "arm64 Image (EFI stub, 4K pages), Linux 6.1.0-57-cloud-arm64, 30.1 MiB",
      disks: ["a.img (virtio, rw)"],
      net: "none",
    });
    expect(line).toBe(
      "armature: virt board (vz layout), 2 CPUs, 512 MiB; kernel: arm64 Image (EFI stub, 4K pages), Linux 6.1.0-57-cloud-arm64, 30.1 MiB; disks: a.img (virtio, rw); net: none; Ctrl-A h for help, Ctrl-A x to quit\n",
    );
    expect(parseRunOptions(["--machine", "virt", "--kernel", kernel, "--quiet"])).toMatchObject({
      quiet: true,
    });
  });

  it("host errors that reach the top become one line with the errno in words", () => {
    const e = Object.assign(new Error("EACCES: permission denied, open '/x'"), {
      code: "EACCES",
      syscall: "open",
      path: "/x",
    });
    expect(userError(e, "run")).toEqual({
      message: 'cannot open "/x": permission denied (EACCES) (a disk image: add ,ro to open it read-only)',
      code: 1,
    });
    expect(userError(new RangeError("bug"), "run")).toBeUndefined();
  });

  it("--help of every command lists the exit statuses", async () => {
    for (const args of [["--help"], ["run", "--help"], ["run", "--machine", "parallels", "--help"]]) {
      const r = await cli(args);
      expect(r.out, args.join(" ")).toMatch(
        /2 usage error,[\s\S]*3 instruction limit[\s\S]*4 the guest is stuck in an exception\s+loop[\s\S]*129\/143[\s\S]*70 internal error/,
      );
    }
  });

  it.runIf(existsSync(join(HERE, "..", "dist", "main.js")))(
    "the binary prints one line for a bug, not a stack",
    () => {
      // A usage error through the real binary: exit 2, one line.
      try {
        execFileSync(process.execPath, [join(HERE, "..", "dist", "main.js"), "run", "--frob"], {
          stdio: "pipe",
        });
        expect.unreachable();
      } catch (e) {
        const x = e as { status: number; stderr: Buffer };
        expect(x.status).toBe(EXIT.usage);
        expect(x.stderr.toString().trimEnd().split("\n")).toHaveLength(1);
      }
    },
  );
});
