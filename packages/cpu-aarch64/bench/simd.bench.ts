// FP/SIMD workloads under `armature user` beside qemu-aarch64's wall time in the same run:
// busybox sha256sum of a fixed 1 MiB file (needs `bash scripts/fetch-guest.sh`), and the
// libm / NEON test programs. Prints figures (median of BENCH_RUNS, default 3); never fails on timing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { xorshift32 } from "@armature/core/test";
import { UserProcess } from "../src/user/process.js";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const dir = mkdtempSync(join(tmpdir(), "armature-simd-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const here = import.meta.dirname;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function ours(argv: string[]): { ms: number; insns: number } {
  const t0 = performance.now();
  const p = new UserProcess(argv[0]!, { argv, env: {}, stdout: () => {}, stderr: () => {} });
  p.run();
  return { ms: performance.now() - t0, insns: p.cpu.retired };
}
function qemu(argv: string[]): number {
  const t0 = performance.now();
  spawnSync("qemu-aarch64", ["-cpu", "max,sve=off,sme=off", "-seed", "1", ...argv], { stdio: "ignore" });
  return performance.now() - t0;
}
function bench(name: string, argv: string[]): void {
  const o: number[] = [];
  const q: number[] = [];
  let insns = 0;
  for (let i = 0; i < runs; i++) {
    const r = ours(argv);
    o.push(r.ms);
    insns = r.insns;
    q.push(qemu(argv));
  }
  const mo = median(o);
  const mq = median(q);
  console.log(
    `${name.padEnd(28)} armature ${mo.toFixed(0).padStart(6)} ms (${(insns / 1e6).toFixed(1)} M insns, ` +
      `${(insns / mo / 1e3).toFixed(1)} MIPS)   qemu-aarch64 ${mq.toFixed(0).padStart(5)} ms   ratio ${(mo / mq).toFixed(1)}x`,
  );
}

console.log(`simd bench (median of ${runs}, load ${loadavg()[0]!.toFixed(2)})`);
const progs = join(here, "../harness/simd/programs");
for (const p of ["libm", "neon"]) {
  execFileSync("aarch64-linux-gnu-gcc", [
    "-static",
    "-O2",
    "-march=armv8.4-a+crypto+sha3+fp16+fp16fml+dotprod",
    "-o",
    join(dir, p),
    join(progs, `${p}.c`),
    "-lm",
  ]);
  bench(p, [join(dir, p)]);
}
const debs = join(here, "../../../.cache/guest/debs");
const deb = existsSync(debs) ? readdirSync(debs).find((f) => f.startsWith("busybox-static")) : undefined;
if (deb === undefined) console.log("busybox sha256sum: skipped (run 'bash scripts/fetch-guest.sh')");
else {
  execFileSync("dpkg-deb", ["-x", join(debs, deb), join(dir, "x")]);
  const data = new Uint8Array(1 << 20);
  const next = xorshift32(0x2545f491);
  for (let i = 0; i < data.length; i++) data[i] = next() & 0xff;
  writeFileSync(join(dir, "data.bin"), data);
  bench("busybox sha256sum 1 MiB", [join(dir, "x/bin/busybox"), "sha256sum", join(dir, "data.bin")]);
  bench("busybox md5sum 1 MiB", [join(dir, "x/bin/busybox"), "md5sum", join(dir, "data.bin")]);
}
