import { MemoryBlockBackend } from "@armature/core";
import { captureWarnings, type FuzzRandom, fuzzRandom } from "@armature/core/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtioBalloon } from "./balloon.js";
import { VirtioBlk } from "./blk.js";
import { BufferConsoleBackend, VirtioConsole } from "./console.js";
import type { VirtioDevice } from "./device.js";
import { UserNetPeer, VirtioNet } from "./net.js";
import { VirtioRng } from "./rng.js";
import {
  DriverPackedQueue,
  DriverSplitQueue,
  GuestMemory,
  harness,
  initializeDevice,
  type TransportKind,
} from "./test/index.js";

/** Cases per device (CI default 10,000; FUZZ_CASES=1000000 for a long run). */
const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const RAM_BASE = 0x4000_0000;
const RAM_SIZE = 1 << 20;
const Q = 8;

const DEVICES: Array<
  [string, () => VirtioDevice & { input?: (b: Uint8Array) => void }, (d: VirtioDevice) => void]
> = [
  ["blk", () => new VirtioBlk(new MemoryBlockBackend(64 * 1024)), () => {}],
  [
    "console",
    () => new VirtioConsole(new BufferConsoleBackend()),
    (d) => (d as VirtioConsole).input(new Uint8Array(40).fill(0x41)),
  ],
  ["rng", () => new VirtioRng(), () => {}],
  [
    "net",
    () => new VirtioNet(new UserNetPeer()),
    (d) => (d as VirtioNet).receive(new Uint8Array(60).fill(1)),
  ],
  ["balloon", () => new VirtioBalloon(), (d) => (d as VirtioBalloon).requestStats()],
];

/** A guest address: mostly inside RAM (often onto the rings themselves), sometimes anywhere. */
function addr(r: FuzzRandom, rings: number[]): number {
  switch (r.int(8)) {
    case 0:
      return r.pick([0, 0x3fff_fff0, RAM_BASE + RAM_SIZE - r.int(64), 2 ** 40, 2 ** 52 - 8, 0xffff_ffff]);
    case 1:
      return r.pick(rings) + r.int(256);
    case 2:
      return r.u32() * 2 ** 20 + r.u32();
    default:
      return RAM_BASE + r.int(RAM_SIZE);
  }
}

function len(r: FuzzRandom): number {
  return r.pick([
    0,
    1,
    15,
    16,
    17,
    512,
    520,
    4096,
    0x10000,
    0xffff_ffff,
    0x8000_0000,
    r.int(2048),
    r.int(64),
  ]);
}

function fillDescs(r: FuzzRandom, mem: GuestMemory, table: number, n: number, rings: number[]): void {
  for (let i = 0; i < n; i++) {
    const a = table + 16 * i;
    mem.setU64(a, addr(r, rings));
    mem.setU32(a + 8, len(r));
    const flags = r.int(4) === 0 ? r.int(0x10000) : r.int(8);
    mem.setU16(a + 12, flags);
    mem.setU16(a + 14, r.int(4) === 0 ? r.int(0x10000) : r.int(n + 2));
  }
}

describe("fuzz: random descriptor tables never make a device throw", () => {
  let logLines = 0;
  beforeAll(() => captureWarnings(() => void logLines++));
  afterAll(() => expect(logLines).toBeGreaterThan(0));
  for (const [name, make, poke] of DEVICES) {
    it(`${name}: ${CASES} random descriptor tables`, () => {
      const r = fuzzRandom(SEED ^ (name.length * 0x9e3779b9));
      const kinds: TransportKind[] = ["mmio", "pci-msix", "pci-intx"];
      const mem = new GuestMemory(RAM_BASE, RAM_SIZE);
      // Every transport, with split rings and with packed rings (VIRTIO_F_RING_PACKED).
      const setups = [false, true].flatMap((packed) =>
        kinds.map((k) => {
          const dev = make();
          const h = harness(dev, k, mem, { packed });
          return { dev, h, packed };
        }),
      );
      let needsReset = 0;
      let completed = 0;
      for (let c = 0; c < CASES; c++) {
        const { dev, h, packed } = setups[c % setups.length]!;
        mem.resetAllocator();
        const nq = dev.queueMaxSizes.length;
        const qs = Array.from({ length: nq }, () =>
          packed ? new DriverPackedQueue(mem, Q) : new DriverSplitQueue(mem, Q),
        );
        try {
          initializeDevice(h.t, (1n << 64n) - 1n, qs);
        } catch (e) {
          throw new Error(`case ${c} (seed ${SEED}): initialization failed: ${String(e)}`);
        }
        const rings = qs.flatMap((q) => [q.desc, q.avail, q.used]);
        // Scatter random bytes, then random descriptors, avail entries and indirect tables.
        for (let k = 0; k < 8; k++) {
          const at = RAM_BASE + 0x40000 + r.int(RAM_SIZE - 0x50000);
          for (let b = 0; b < 64; b += 4) mem.setU32(at + b, r.int(4) === 0 ? r.int(16) : r.u32());
        }
        for (const q of qs) {
          fillDescs(r, mem, q.desc, Q, rings);
          const n = r.int(4) === 0 ? r.int(0x10000) : r.int(Q + 2);
          for (let i = 0; i < Q; i++)
            mem.setU16(q.avail + 4 + 2 * i, r.int(5) === 0 ? r.int(0x10000) : r.int(Q));
          mem.setU16(q.avail + 2, n);
          mem.setU16(q.avail, r.int(2));
          mem.setU16(q.avail + 4 + 2 * Q, r.int(0x10000));
          // Some descriptors point at an indirect table full of random entries.
          if (r.int(2) === 0) {
            const t = RAM_BASE + 0x20000 + 16 * r.int(0x1000);
            fillDescs(r, mem, t, 8, rings);
            const d = q.desc + 16 * r.int(Q);
            mem.setU64(d, t);
            mem.setU32(d + 8, r.pick([16, 32, 128, 24, 0]));
            mem.setU16(d + 12, r.pick([4, 4, 5, 6]));
          }
        }
        const ops = 1 + r.int(4);
        for (let o = 0; o < ops; o++) {
          const what = r.int(10);
          if (what < 7) h.t.notify(r.int(nq + 1));
          else if (what === 7) poke(dev);
          else if (what === 8) h.t.writeConfig(r.int(64), r.pick([1, 2, 4] as const), r.u32());
          else h.t.readConfig(r.int(64), r.pick([1, 2, 4] as const));
        }
        if (h.t.status() & 0x40) needsReset++;
        else completed++;
        h.t.takeInterrupts();
        const core = h.transport.core;
        if (core.internalErrors !== 0)
          throw new Error(
            `case ${c} (seed ${SEED}): device code threw; internal error count ${core.internalErrors}: ${core.lastInternalError}`,
          );
      }
      expect(needsReset + completed).toBe(CASES);
      // Both outcomes occur: the fuzzer reaches device code and the error paths.
      expect(needsReset).toBeGreaterThan(0);
      expect(completed).toBeGreaterThan(0);
    });
  }
});
