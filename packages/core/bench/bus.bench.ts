// Bus dispatch throughput. Prints figures; never fails on timing.
import { Bus } from "../src/index.js";

function measure(name: string, n: number, fn: () => void): void {
  fn(); // warm-up
  const t0 = process.hrtime.bigint();
  fn();
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(`${name.padEnd(36)} ${(n / (ns / 1e9) / 1e6).toFixed(1).padStart(8)} M accesses/s`);
}

const bus = new Bus();
bus.addRam("ram", 0x4000_0000, 1 << 20);
for (let i = 0; i < 16; i++)
  bus.addMmio(`dev${i}`, 0x0900_0000 + i * 0x1000, 0x1000, { read: () => i, write: () => {} });
const N = 5_000_000;
let sink = 0;
measure("bus.read32 RAM (same region)", N, () => {
  for (let i = 0; i < N; i++) sink ^= bus.read(0x4000_0000 + ((i * 4) & 0xffffc), 4);
});
measure("bus.read32 MMIO (16 devices, rotating)", N, () => {
  for (let i = 0; i < N; i++) sink ^= bus.read(0x0900_0000 + (i & 15) * 0x1000, 4);
});
measure("bus.write32 RAM", N, () => {
  for (let i = 0; i < N; i++) bus.write(0x4000_0000 + ((i * 4) & 0xffffc), 4, i);
});
if (sink === 42) console.log("");
