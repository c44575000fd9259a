// Interpreter vs translator on the fixed user-mode workloads, in the same process, alternating:
// integer code (harness/programs/bench.c) and glibc's memcpy/memset (harness/programs/memops.c);
// prints MIPS (wall and per CPU-second) and the translator's counters. Never fails on timing.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { UserProcess } from "../src/user/process.js";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const dir = mkdtempSync(join(tmpdir(), "armature-jit-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
execFileSync("bash", [join(import.meta.dirname, "../harness/build.sh"), dir], { stdio: "inherit" });
const WORKLOADS = [
  { name: "integer (bench.c)", exe: join(dir, "bench"), args: [] as string[] },
  { name: "memcpy/memset (memops.c, 40 rounds)", exe: join(dir, "memops"), args: ["40"] },
];
const max = (xs: number[]) => Math.max(...xs);
for (const w of WORKLOADS) {
  console.log(`workload: ${w.name}`);
  const best: Record<string, number[]> = { interp: [], jit: [] };
  for (let i = 0; i < runs; i++) {
    for (const engine of ["interp", "jit"] as const) {
      const p = new UserProcess(w.exe, { argv: [w.exe, ...w.args], env: {}, stdout: () => {}, engine });
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      p.run();
      const us = Number(process.hrtime.bigint() - t0) / 1e3;
      const cu = process.cpuUsage(c0);
      const wall = p.cpu.retired / us;
      const cpu = p.cpu.retired / (cu.user + cu.system);
      best[engine]!.push(wall);
      const st = p.cpu.jit?.stats;
      console.log(
        `  ${engine.padEnd(6)} ${p.cpu.retired} instructions: ${wall.toFixed(1)} MIPS wall, ${cpu.toFixed(1)} MIPS per CPU-second` +
          (st
            ? ` (${st.blocksCompiled} blocks, ${((100 * st.insnsRun) / p.cpu.retired).toFixed(1)} % translated, ${st.compileMs.toFixed(0)} ms compiling)`
            : ""),
      );
    }
  }
  console.log(
    `  best of ${runs}: interpreter ${max(best.interp!).toFixed(1)} MIPS, translator ${max(best.jit!).toFixed(1)} MIPS (${(max(best.jit!) / max(best.interp!)).toFixed(2)}x); load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
}
