import { UserProcess } from "../src/user/process.js";

const exe = process.argv[2] ?? "/tmp/hb/bench";
for (let i = 0; i < Number(process.env.RUNS ?? 3); i++) {
  const p = new UserProcess(exe, { argv: [exe], env: {}, stdout: () => {} });
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  p.run();
  const ms = Date.now() - t0;
  const cu = process.cpuUsage(c0);
  const cms = (cu.user + cu.system) / 1000;
  console.error(
    `${p.cpu.retired} insns wall ${ms} ms ${(p.cpu.retired / ms / 1000).toFixed(1)} MIPS; cpu ${cms.toFixed(0)} ms ${(p.cpu.retired / cms / 1000).toFixed(1)} MIPS`,
  );
}
