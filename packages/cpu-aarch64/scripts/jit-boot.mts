// Deterministic boot of the Debian cloud kernel (scripts/fetch-guest.sh) on the virt board for N
// instructions with one engine; prints CPU seconds, the console log's sha256 and a hash of the
// architectural state, so two engines can be compared run against run:
//   npx tsx --conditions=source packages/cpu-aarch64/scripts/jit-boot.mts 200e6 jit [threshold [maxBlock]]
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { VirtMachine } from "../../machine-virt/src/index.js";
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
  memoryMiB: 512,
  net: "none",
  console: { write: (b) => log.push(...b) },
});
const cpu = m.cpus[0]!;
if (engine === "jit" && (threshold !== undefined || maxBlock !== undefined)) {
  cpu.jit = new JitEngine({ threshold, maxBlock, backend: cpu.jit?.backend });
}
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
m.close?.();
process.exit(0);
