// TurboFan's cost per translated block, measured without the machine's load noise: boot the
// Debian cloud kernel for N instructions with the translator at THRESHOLD (blocks gather their
// real type feedback), then optimise every block again on the main thread, one at a time, and
// time each compile (process CPU time; nothing else runs then). Prints the total, the median and
// a least-squares split of the cost over block features (size, exits, loads/stores, handler calls).
//   node --allow-natives-syntax --no-concurrent-recompilation --import tsx --conditions=source \
//     packages/cpu-aarch64/scripts/jit-tfcost.mts 300e6 50000
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { VirtMachine } from "../../machine-virt/src/index.js";
import { type BlockFn, JitEngine } from "../src/jit/jit.js";

const n = Number(process.argv[2] ?? 300e6);
const threshold = Number(process.argv[3] ?? 50000);
process.env.ARMATURE_CPU_ENGINE = "jit";
const cache = join(import.meta.dirname, "..", "..", "..", ".cache", "guest");
const m = new VirtMachine({
  layout: "qemu",
  kernel: new Uint8Array(readFileSync(join(cache, "Image"))),
  initrd: new Uint8Array(readFileSync(join(cache, "initramfs.cpio.gz"))),
  deterministic: true,
  memoryMiB: 512,
  net: "none",
  console: { write: () => {} },
});
const cpu = m.cpus[0]!;
const jit = new JitEngine({ threshold });
cpu.jit = jit;
await m.run({ maxInstructions: n });
const deopt = new Function("f", "%DeoptimizeFunction(f)") as (f: BlockFn) => void;
const mark = new Function("f", "%OptimizeFunctionOnNextCall(f)") as (f: BlockFn) => void;
// a Cpu-shaped object the block leaves at once from (its first access misses or its handler throws)
const fake = { x: new Int32Array(66), pc: 0, pcHi: 0, rTagLo: new Int32Array(512).fill(1) } as never;
const rows: { us: number; len: number; exits: number; mem: number; calls: number; loop: number }[] = [];
for (const pg of (jit as unknown as { attached: Set<{ jit?: { fns: (BlockFn | null | undefined)[] } }> })
  .attached) {
  for (const f of pg.jit?.fns ?? []) {
    if (typeof f !== "function") continue;
    const src = f.toString();
    deopt(f);
    mark(f);
    const c0 = process.cpuUsage();
    try {
      f(fake, fake, 0);
    } catch {}
    const cu = process.cpuUsage(c0);
    rows.push({
      us: cu.user + cu.system,
      len: src.length,
      exits: (src.match(/ex = \d+; break/g) ?? []).length,
      mem: (src.match(/[RW]TL\[ti\]/g) ?? []).length,
      calls: (src.match(/(H\[\d+\]|A\.call)\(/g) ?? []).length,
      loop: src.includes("continue;") ? 1 : 0,
    });
  }
}
rows.sort((a, b) => a.us - b.us);
const tot = rows.reduce((s, r) => s + r.us, 0);
console.log(
  `${rows.length} blocks optimised again: total ${(tot / 1000).toFixed(0)} ms CPU, median ${(rows[rows.length >> 1]!.us / 1000).toFixed(2)} ms, p90 ${(rows[Math.floor(rows.length * 0.9)]!.us / 1000).toFixed(2)} ms; source median ${rows.map((r) => r.len).sort((a, b) => a - b)[rows.length >> 1]} chars`,
);
// least squares: us ~ a + b*len + c*exits + d*mem + e*calls + f*loop
const feats = (r: (typeof rows)[0]) => [1, r.len / 1000, r.exits, r.mem, r.calls, r.loop];
const k = 6;
const A = Array.from({ length: k }, () => new Array(k + 1).fill(0));
for (const r of rows) {
  const v = feats(r);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) A[i]![j] += v[i]! * v[j]!;
    A[i]![k] += v[i]! * r.us;
  }
}
for (let i = 0; i < k; i++) {
  let p = i;
  for (let j = i + 1; j < k; j++) if (Math.abs(A[j]![i]) > Math.abs(A[p]![i])) p = j;
  [A[i], A[p]] = [A[p]!, A[i]!];
  for (let j = 0; j < k; j++) {
    if (j === i || A[i]![i] === 0) continue;
    const f = A[j]![i] / A[i]![i];
    for (let q = i; q <= k; q++) A[j]![q] -= f * A[i]![q];
  }
}
const coef = A.map((row, i) => row[k] / row[i]!);
const names = ["base", "per 1000 chars", "per exit", "per load/store", "per handler call", "looping"];
console.log(names.map((nm, i) => `${nm} ${(coef[i]! / 1000).toFixed(3)} ms`).join(", "));
process.exit(0);
