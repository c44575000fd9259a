/**
 * Throughput of the paths a running guest exercises most: a timer PPI raised, acknowledged,
 * lowered and EOI'd; an ITS MSI translated into an LPI and taken; an SGI sent and taken.
 * Prints figures only; never fails on timing.
 */
import { Bus, BusDmaSpace, sysRegKey } from "@armature/core";
import { Gicv3 } from "../src/index.js";
import { itsCmd } from "../src/test/index.js";

const IAR1 = sysRegKey(3, 0, 12, 12, 0);
const EOIR1 = sysRegKey(3, 0, 12, 12, 1);
const PMR = sysRegKey(3, 0, 4, 6, 0);
const IGRPEN1 = sysRegKey(3, 0, 12, 12, 7);
const SGI1R = sysRegKey(3, 0, 12, 11, 5);

function rate(name: string, n: number, fn: () => void): void {
  for (let i = 0; i < Math.min(n, 10_000); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const ms = performance.now() - t0;
  console.log(`${name.padEnd(44)} ${((n / ms) * 1000).toFixed(0).padStart(10)} /s`);
}

const bus = new Bus();
bus.addRam("ram", 0, 0x200000);
const gic = new Gicv3({ mpidrs: [0, 1, 2, 3], dma: new BusDmaSpace(bus) });
const icc = gic.cpuInterface;
gic.distributor.write(0, 4, 0x13);
for (let p = 0; p < 4; p++) {
  const r = gic.redistributor(p);
  r.write(0x14, 4, 0);
  r.write(0x10080, 4, 0xffffffff);
  r.write(0x10100, 4, 0xffffffff);
  r.write(0x70, 4, 0x10000 | 15);
  r.write(0x78, 4, 0x20000 + p * 0x10000);
  r.write(0, 4, 1);
  icc.write(p, PMR, 0xf0n);
  icc.write(p, IGRPEN1, 1n);
}
for (let i = 0; i < 64; i++) bus.write(0x10000 + i, 1, 0xa3);
const its = gic.createIts({ base: 0x8080000 });
its.write(0x100, 4, 0x80000 | (2 << 8));
its.write(0x104, 4, 0x80000000);
its.write(0x108, 4, 0x90000 | (2 << 8));
its.write(0x10c, 4, 0x80000000);
its.write(0x80, 4, 0xa0000);
its.write(0x84, 4, 0x80000000);
its.write(0, 4, 1);
const cmds = [itsCmd.mapc(0, 0), itsCmd.mapd(8, 0xb0000, 4), itsCmd.mapti(8, 1, 8193, 0)];
cmds.forEach((c, i) => {
  bus.writeBytes(0xa0000 + 32 * i, c);
});
its.write(0x88, 4, 32 * cmds.length);

const timer = gic.ppiLine(0, 27);
rate("PPI 27 raise + IAR1 + lower + EOIR1", 1_000_000, () => {
  timer.set(true);
  const id = icc.read(0, IAR1);
  timer.set(false);
  icc.write(0, EOIR1, id);
});
rate("ITS MSI -> LPI + IAR1 + EOIR1", 300_000, () => {
  its.sendMsi(0x8080000 + 0x10040, 1, 8);
  const id = icc.read(0, IAR1);
  icc.write(0, EOIR1, id);
});
rate("SGI1R to CPU1 + IAR1 + EOIR1", 300_000, () => {
  icc.write(0, SGI1R, (1n << 24n) | 2n);
  const id = icc.read(1, IAR1);
  icc.write(1, EOIR1, id);
});
rate("SPI 40 pulse + IAR1 + EOIR1", 1_000_000, () => {
  gic.distributor.write(0x100 + 4, 4, 1 << 8);
  gic.pulseIrq(40);
  const id = icc.read(0, IAR1);
  icc.write(0, EOIR1, id);
});
