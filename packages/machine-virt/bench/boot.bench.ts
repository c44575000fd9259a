// Boot benchmark: wall time from start to the initramfs's shell marker and guest MIPS on the virt
// board, with the translator (the default engine) and with the interpreter, beside
// qemu-system-aarch64 (TCG) on the same kernel and initramfs. Each armature boot runs in a process of
// its own so its peak RSS is its own. Prints figures; never fails on timing.
// BOOT_BENCH_ENGINES=jit (or interp) runs one engine only.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bootLinux, guestFiles } from "../src/test/index.js";
import { hostLine, qemuLinux } from "./qemu.js";

/** What one boot in a child process reports (one JSON line on stdout). */
interface BootFigures {
  engine: string;
  bootMs: number;
  instructions: number;
  /** Instructions run inside translated blocks (0 with the interpreter). */
  translated: number;
  compileMs: number;
  blocks: number;
  maxRssMiB: number;
}

const CHILD = "BOOT_BENCH_CHILD";

/** Wall time until QEMU's console shows the shell marker. */
function qemuBootMs(image: string, initrd: string): Promise<number | null> {
  const t0 = Date.now();
  let out = "";
  return qemuLinux(image, initrd, [], (text) => {
    out += text;
    return out.includes("ARMATURE-SHELL-READY") ? Date.now() - t0 : undefined;
  });
}

async function childBoot(engine: string): Promise<void> {
  const s = await bootLinux({ layout: "vz" });
  const figures: BootFigures = {
    engine,
    bootMs: s.bootMs,
    instructions: s.bootInstructions,
    translated: 0,
    compileMs: 0,
    blocks: 0,
    maxRssMiB: 0,
  };
  for (const cpu of s.machine.cpus) {
    const st = cpu.jit?.stats;
    if (st === undefined) continue;
    figures.translated += st.insnsRun;
    figures.compileMs += st.compileMs;
    figures.blocks += st.blocksCompiled;
  }
  s.machine.stop();
  await s.stopped;
  figures.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

function bootInChild(engine: string): BootFigures | string {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD]: engine, ARMATURE_CPU_ENGINE: engine },
    encoding: "utf8",
    timeout: 15 * 60_000,
  });
  const line = r.stdout?.split("\n").find((l) => l.startsWith("{"));
  if (r.status !== 0 || line === undefined)
    return `exit ${r.status ?? r.signal}: ${(r.stderr ?? "").slice(-400)}`;
  return JSON.parse(line) as BootFigures;
}

const childEngine = process.env[CHILD];
if (childEngine !== undefined) {
  await childBoot(childEngine);
} else {
  const { image, initrd } = guestFiles();
  console.log(hostLine());
  const q = await qemuBootMs(image, initrd);
  const qs = q === null ? null : q / 1000;
  if (qs === null) console.log("qemu-system-aarch64: not available or did not reach the marker in 300 s");
  else console.log(`qemu-system-aarch64 7.2 TCG (virt, cortex-a72): shell marker after ${qs.toFixed(1)} s`);
  const engines = (process.env.BOOT_BENCH_ENGINES ?? "jit,interp").split(",");
  const rss: Record<string, number> = {};
  for (const engine of engines) {
    const f = bootInChild(engine);
    if (typeof f === "string") {
      console.log(`armature (vz, m1, ${engine}): failed (${f})`);
      continue;
    }
    rss[engine] = f.maxRssMiB;
    const secs = f.bootMs / 1000;
    const jit =
      f.blocks === 0
        ? ""
        : `, ${((100 * f.translated) / f.instructions).toFixed(1)} % in ${f.blocks} translated blocks, compiling ${f.compileMs.toFixed(0)} ms (${((100 * f.compileMs) / f.bootMs).toFixed(1)} % of the boot)`;
    console.log(
      `armature (vz, m1, ${engine}): shell marker after ${secs.toFixed(1)} s, ${(f.instructions / 1e6).toFixed(0)} M guest instructions, ${(f.instructions / 1e6 / secs).toFixed(1)} MIPS${jit}, peak RSS ${f.maxRssMiB.toFixed(0)} MiB` +
        (qs === null ? "" : `; ratio to qemu ${(secs / qs).toFixed(1)}x`),
    );
  }
  if (rss.jit !== undefined && rss.interp !== undefined)
    console.log(`peak RSS translator / interpreter: ${(rss.jit / rss.interp).toFixed(2)}x (same guest RAM)`);
}
