import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { xorshift32 } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { buildDir } from "../../test/tools.js";
import { UserProcess } from "../../user/process.js";

const HERE = new URL(".", import.meta.url).pathname;
const PROGRAMS = join(HERE, "../../../harness/simd/programs");
const DEBS = join(HERE, "../../../../../.cache/guest/debs");
const QEMU = ["-cpu", "max,sve=off,sme=off", "-seed", "1"];
const PKG = join(HERE, "../../..");

/** Run argv under qemu-aarch64 and under `armature user`; both stdout bytes and statuses. */
function both(argv: string[]): { ours: string; theirs: string; os: number; qs: number | null } {
  const q = spawnSync("qemu-aarch64", [...QEMU, ...argv], { env: {}, maxBuffer: 1 << 26 });
  const chunks: Uint8Array[] = [];
  const p = new UserProcess(argv[0]!, {
    argv,
    env: {},
    stdout: (b) => chunks.push(b.slice()),
    stderr: () => {},
  });
  const os = p.run();
  return {
    ours: Buffer.concat(chunks).toString("latin1"),
    theirs: q.stdout.toString("latin1"),
    os,
    qs: q.status,
  };
}

/**
 * The same with stdin from a file, `armature user` in a child process (busybox gzip/bzip2 dup the
 * input descriptor when given a file name, and the user-mode syscall layer has no dup3 yet).
 */
function bothStdin(
  argv: string[],
  input: Buffer,
): { ours: string; theirs: string; os: number | null; qs: number | null } {
  const q = spawnSync("qemu-aarch64", [...QEMU, ...argv], { env: {}, input, maxBuffer: 1 << 26 });
  const o = spawnSync(
    process.execPath,
    ["--conditions=source", "--import", "tsx", join(PKG, "harness/simd/run-user.mts"), ...argv],
    { cwd: PKG, input, maxBuffer: 1 << 26 },
  );
  return {
    ours: o.stdout.toString("latin1"),
    theirs: q.stdout.toString("latin1"),
    os: o.status,
    qs: q.status,
  };
}

describe("libm and NEON programs under armature user vs qemu-aarch64", () => {
  const dir = buildDir("armature-simd-prog-", ["qemu-aarch64", "aarch64-linux-gnu-gcc"], (d) => {
    for (const p of ["libm", "neon"]) {
      execFileSync("aarch64-linux-gnu-gcc", [
        "-static",
        "-O2",
        "-march=armv8.4-a+crypto+sha3+fp16+fp16fml+dotprod",
        "-mbranch-protection=standard",
        "-o",
        join(d, p),
        join(PROGRAMS, `${p}.c`),
        "-lm",
      ]);
    }
  });

  for (const p of ["libm", "neon"]) {
    it(`${p}: byte-identical output`, () => {
      const r = both([join(dir(), p)]);
      expect(r.theirs.length).toBeGreaterThan(100);
      expect(r.ours).toBe(r.theirs);
      expect(r.os).toBe(r.qs);
    }, 60_000);
  }
});

describe("busybox-static under armature user vs qemu-aarch64", () => {
  const BB = "x/bin/busybox";
  const dir = buildDir("armature-bb-", ["qemu-aarch64", "dpkg-deb"], (out) => {
    const deb = existsSync(DEBS) ? readdirSync(DEBS).find((f) => f.startsWith("busybox-static")) : undefined;
    if (deb === undefined)
      throw new Error(`busybox-static .deb missing in ${DEBS}: run 'bash scripts/fetch-guest.sh'`);
    execFileSync("dpkg-deb", ["-x", join(DEBS, deb), join(out, "x")]);
    const bb = join(out, BB);
    // deterministic inputs: text lines and pseudo-random bytes
    const lines: string[] = [];
    for (let i = 1; i <= 1500; i++) lines.push(`${(i * 7919) % 10007} line ${i} ${((i * 31) % 97) / 8}`);
    writeFileSync(join(out, "text.txt"), `${lines.join("\n")}\n`);
    const bin = new Uint8Array(48 * 1024);
    const next = xorshift32(0x12345678);
    for (let i = 0; i < bin.length; i++) bin[i] = next() & 0xff;
    writeFileSync(join(out, "rand.bin"), bin);
    writeFileSync(
      join(out, "prog.awk"),
      '{ s += $1 * 1.37 - $4 / 3; if (NR % 50 == 0) printf "%d %.6f %e %g %.17g %5.2f %i\\n", NR, s, s * 1e-7, s / 3, s / 7, -s, s }\nEND { printf "%.17g %.17g %d %.3e\\n", 0.1 + 0.2, 1 / 3, int(-7.9), 2 ^ 70; print 2 ^ 53 + 1, 1 / 7, 123456789012 * 1000 }\n',
    );
    writeFileSync(
      join(out, "calc.dc"),
      "10 k 2 v p 3 4 ^ p 100 3 / p 1 3 / 7 * p _5 2 / p 2 100 ^ p 20 k 1 7 / p\n",
    );
    const gz = spawnSync("qemu-aarch64", [...QEMU, bb, "gzip", "-c", join(out, "text.txt")]);
    writeFileSync(join(out, "text.gz"), gz.stdout);
    const bz = spawnSync("qemu-aarch64", [...QEMU, bb, "bzip2", "-c", join(out, "text.txt")]);
    writeFileSync(join(out, "text.bz2"), bz.stdout);
  });

  const cmds: [string, (d: string) => string[]][] = [
    ["sha256sum", (d) => ["sha256sum", `${d}/rand.bin`]],
    ["sha1sum", (d) => ["sha1sum", `${d}/rand.bin`]],
    ["md5sum", (d) => ["md5sum", `${d}/rand.bin`]],
    ["sort -n", (d) => ["sort", "-n", `${d}/text.txt`]],
    ["sort -k", (d) => ["sort", "-k4,4gr", "-k1,1n", `${d}/text.txt`]],
    ["awk printf", (d) => ["awk", "-f", `${d}/prog.awk`, `${d}/text.txt`]],
    ["sed", (d) => ["sed", "-e", "s/line \\([0-9]*\\)/L<\\1>/", "-e", "/^9/d", `${d}/text.txt`]],
    ["dc", (d) => ["dc", `${d}/calc.dc`]],
    ["od", (d) => ["od", "-A", "x", "-t", "x1", "-t", "f8", "-N", "4096", `${d}/rand.bin`]],
  ];
  const piped: [string, string[], string][] = [
    ["gzip -c", ["gzip", "-c"], "text.txt"],
    ["gunzip -c", ["gunzip", "-c"], "text.gz"],
    ["bzip2 -c", ["bzip2", "-c"], "text.txt"],
    ["bunzip2 -c", ["bunzip2", "-c"], "text.bz2"],
  ];
  for (const [name, args, file] of piped) {
    it(`${name} (stdin): byte-identical output`, () => {
      const r = bothStdin([join(dir(), BB), ...args], readFileSync(join(dir(), file)));
      expect(r.theirs.length).toBeGreaterThan(0);
      expect(r.ours).toBe(r.theirs);
      expect(r.os).toBe(r.qs);
    }, 90_000);
  }
  for (const [name, args] of cmds) {
    it(`${name}: byte-identical output`, () => {
      const r = both([join(dir(), BB), ...args(dir())]);
      expect(r.theirs.length).toBeGreaterThan(0);
      expect(r.ours).toBe(r.theirs);
      expect(r.os).toBe(r.qs);
    }, 90_000);
  }
});
