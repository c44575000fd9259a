// Guest MIPS of the interpreter (engine "interp"; the translator has jit.bench.ts) on a fixed integer
// workload (harness/programs/bench.c) run through `armature user`, and qemu-aarch64's wall time on
// the same program in the same run. Prints figures (median of 5); never fails on timing.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { UserProcess } from "../src/user/process.js";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), "armature-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
execFileSync("bash", [join(import.meta.dirname, "../harness/build.sh"), dir], { stdio: "inherit" });
const exe = join(dir, "bench");
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const mips: number[] = [];
const cpuMips: number[] = [];
const ours: number[] = [];
let insns = 0;
for (let i = 0; i < runs; i++) {
  const out: Uint8Array[] = [];
  const p = new UserProcess(exe, {
    argv: [exe],
    env: {},
    stdout: (b) => out.push(b.slice()),
    engine: "interp",
  });
  void out;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  p.run();
  const ns = Number(process.hrtime.bigint() - t0);
  const cu = process.cpuUsage(c0);
  insns = p.cpu.retired;
  ours.push(ns / 1e6);
  mips.push(insns / (ns / 1e3));
  cpuMips.push(insns / (cu.user + cu.system));
}
const qemu: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("qemu-aarch64", ["-cpu", "max,sve=off,sme=off", exe], { stdio: "ignore" });
  if (r.status !== 0) console.log(`qemu-aarch64 failed (${r.error?.message ?? r.status})`);
  qemu.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
console.log(`workload: harness/programs/bench.c, ${insns} guest instructions`);
console.log(
  `armature user: median ${median(ours).toFixed(0)} ms wall, ${median(mips).toFixed(1)} MIPS wall-clock ` +
    `(runs: ${mips.map((m) => m.toFixed(1)).join(", ")}); ${median(cpuMips).toFixed(1)} MIPS per CPU-second ` +
    `(runs: ${cpuMips.map((m) => m.toFixed(1)).join(", ")})`,
);
console.log(
  `load average during the run: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} (2 cores shared)`,
);
console.log(
  `qemu-aarch64:  median ${median(qemu).toFixed(0)} ms (runs: ${qemu.map((m) => m.toFixed(0)).join(", ")})`,
);
