// Deterministic boot of the Debian cloud kernel (scripts/fetch-guest.sh) on the virt board for N
// instructions with one engine; prints CPU seconds, the console log's sha256 and a hash of the
// architectural state, so two engines can be compared run against run:
//   npx tsx --conditions=source packages/cpu-aarch64/scripts/jit-boot.mts 200e6 jit [threshold [maxBlock]]
// JIT_CALLS=N: also count every interpreter handler call and print the N most frequent, split into
// calls made while JitEngine.enter runs (handler calls of translated blocks and their slow paths)
// and the run loop's (instructions no block covers); system instructions keyed by word without Rt.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { VirtMachine } from "../../machine-virt/src/index.js";
import { ENCODINGS } from "../src/decoder/table.js";
import { HANDLERS, type Handler } from "../src/interp/dispatch.js";
import { nop } from "../src/interp/exec-sys.js";
import { JitEngine } from "../src/jit/jit.js";

const n = Number(process.argv[2] ?? 200e6);
const engine = (process.argv[3] ?? "interp") as "interp" | "jit";
const threshold = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const maxBlock = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
process.env.ARMATURE_CPU_ENGINE = engine;
const cache = join(import.meta.dirname, "..", "..", "..", ".cache", "guest");
const log: number[] = [];
const m = new VirtMachine({
  layout: "qemu",
  kernel: new Uint8Array(readFileSync(join(cache, "Image"))),
  initrd: new Uint8Array(readFileSync(join(cache, "initramfs.cpio.gz"))),
  // JIT_REALTIME=1: the real-time clock (as `armature run`; the run is then not reproducible)
  deterministic: !process.env.JIT_REALTIME,
  memoryMiB: Number(process.env.JIT_MEMORY ?? 512), // JIT_MEMORY=4096: a guest larger than the arena
  net: "none",
  console: { write: (b) => log.push(...b) },
});
const cpu = m.cpus[0]!;
if (engine === "jit" && (threshold !== undefined || maxBlock !== undefined)) {
  cpu.jit = new JitEngine({ threshold, maxBlock, backend: cpu.jit?.backend });
}
const calls = process.env.JIT_CALLS ? countCalls() : undefined;
const c0 = process.cpuUsage();
const t0 = performance.now();
const stop = await m.run({ maxInstructions: n });
const wall = (performance.now() - t0) / 1000;
const cu = process.cpuUsage(c0);
const h = createHash("sha256");
h.update(new Uint8Array(cpu.x.buffer, cpu.x.byteOffset, cpu.x.byteLength));
h.update(JSON.stringify([cpu.pc, cpu.pcHi, cpu.nf, cpu.zf, cpu.cf, cpu.vf, cpu.el, cpu.retired]));
const logHash = createHash("sha256").update(new Uint8Array(log)).digest("hex").slice(0, 16);
const st = cpu.jit?.stats;
console.log(
  `${engine} ${cpu.retired} insns stop=${JSON.stringify(stop).slice(0, 60)} cpu ${((cu.user + cu.system) / 1e6).toFixed(1)} s wall ${wall.toFixed(1)} s load ${loadavg()[0]!.toFixed(1)} maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB log ${log.length} B ${logHash} state ${h.digest("hex").slice(0, 16)}` +
    (st
      ? ` | ${st.blocksCompiled} blocks  ${((100 * st.insnsRun) / cpu.retired).toFixed(1)}% translated ${(st.insnsRun / Math.max(1, st.blockRuns)).toFixed(1)}/entry ${((1e6 * st.enters) / cpu.retired).toFixed(0)} exits/M ${((1e6 * st.pageChains) / cpu.retired).toFixed(0)} page chains/M${"slowPaths" in st ? ` ${((1e6 * (st as { slowPaths: number }).slowPaths) / cpu.retired).toFixed(0)} slow/M` : ""} compile ${st.compileMs.toFixed(0)} ms`
      : ""),
);
if (process.env.JIT_HIST) {
  const counts: number[] = [];
  for (const pg of (cpu.jit as unknown as { attached: Set<{ jit?: { hits: Uint32Array } }> }).attached)
    if (pg.jit) for (const h of pg.jit.hits) if (h > 0) counts.push(h);
  counts.sort((a, b) => b - a);
  const tot = counts.reduce((a, b) => a + b, 0);
  for (const t of [10000, 50000, 100000, 200000, 500000, 1000000, 2000000]) {
    let cov = 0;
    let nslots = 0;
    for (const c of counts)
      if (c > t) {
        cov += c - t;
        nslots++;
      }
    console.log(
      `T ${t}: ${nslots} hot instructions, ${((100 * cov) / tot).toFixed(1)} % of ${tot} run after T`,
    );
  }
}
if (calls !== undefined) {
  for (const [k, name] of [
    [0, "handler calls while blocks run (their handler calls and slow paths)"],
    [1, "handler calls of the run loop (no block)"],
  ] as const) {
    const rows = [...calls[k]!].sort((a, b) => b[1] - a[1]);
    console.log(`${name}: ${rows.reduce((s, r) => s + r[1], 0)}`);
    for (const [key, c] of rows.slice(0, Number(process.env.JIT_CALLS)))
      console.log(`  ${c.toString().padStart(10)}  ${key}`);
  }
}
m.close?.();
process.exit(0);

/** Wrap every handler (but nop, which the translators recognise) and JitEngine.enter to count calls. */
function countCalls(): Map<string, number>[] {
  let inJit = false;
  const counts = [new Map<string, number>(), new Map<string, number>()];
  const table = HANDLERS as Handler[];
  table.forEach((h, idx) => {
    if (h === nop) return;
    const id = ENCODINGS[idx]?.id ?? "UNDEF";
    table[idx] = (c, w) => {
      const key = w >>> 22 === 0x354 ? `${id} ${((w >>> 0) & ~31).toString(16)}` : id;
      const m = counts[inJit ? 0 : 1]!;
      m.set(key, (m.get(key) ?? 0) + 1);
      h(c, w);
    };
  });
  const enter = JitEngine.prototype.enter;
  JitEngine.prototype.enter = function (this: JitEngine, ...args: Parameters<JitEngine["enter"]>) {
    inJit = true;
    try {
      return enter.apply(this, args);
    } finally {
      inJit = false;
    }
  };
  return counts;
}
