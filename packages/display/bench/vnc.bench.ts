// Full-screen RFB updates per second at 1280x800 (Raw, 32 bpp: 4,096,000 bytes each) to one
// client over loopback TCP, with client and server in this process; and the CPU cost per update.
// Run: pnpm --filter @armature/display bench   (or: npx tsx --conditions=source bench/vnc.bench.ts)
import { Display } from "@armature/core";
import { RfbTestClient } from "../src/test/index.js";
import { VncServer } from "../src/vnc.js";

const W = 1280;
const H = 800;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

const d = new Display({ width: W, height: H });
for (let i = 0; i < d.data.length; i++) d.data[i] = (i * 2654435761) >>> 24;
const server = new VncServer(d, { port: 0 });
const { port } = await server.listen();
const c = await RfbTestClient.connect(port);

async function run(label: string, request: () => void): Promise<void> {
  let frames = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - t0 < SECONDS * 1000) {
    request();
    await c.nextUpdate();
    frames++;
  }
  const dt = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / frames;
  console.log(
    `${label}: ${(frames / dt).toFixed(1)} updates/s, ${((frames * W * H * 4) / dt / 1e6).toFixed(0)} MB/s, ` +
      `${cpuMs.toFixed(2)} ms CPU per update (server + in-process client)`,
  );
}

// Non-incremental: the client asks for the whole screen each time.
await run(`full-screen ${W}x${H} non-incremental`, () => c.requestUpdate(false));
// Incremental: the guest dirties the whole screen before each request (as a full-screen flush does).
await run(`full-screen ${W}x${H} incremental (invalidate + request)`, () => {
  c.requestUpdate(true);
  d.invalidate(0, 0, W, H);
});
c.close();
await server.close();
