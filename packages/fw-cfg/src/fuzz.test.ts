import { Bus, BusDmaSpace } from "@armature/core";
import { captureWarnings, fuzzRandom, fuzzSettings } from "@armature/core/test";
import { beforeAll, describe, expect, it } from "vitest";
import { FwCfg } from "./fw-cfg.js";
import * as R from "./regs.js";

/** Cases per run (FW_CFG_FUZZ_CASES raises it); the seed is fresh each run and printed. */
const { cases: CASES, seed: SEED } = fuzzSettings("FW_CFG_FUZZ", 20_000);

const RAM = 0x4000_0000;
const RAM_SIZE = 1 << 16;
const BASE = 0x0902_0000;

describe(`fw_cfg fuzz: ${CASES} random DMA descriptors and register accesses (seed ${SEED}; FW_CFG_FUZZ_SEED=${SEED} to replay)`, () => {
  beforeAll(() => captureWarnings());

  it("answers with the error bit or data, never a host exception, and keeps working", () => {
    console.log(`fw_cfg fuzz seed ${SEED} (replay: FW_CFG_FUZZ_SEED=${SEED})`);
    const r = fuzzRandom(SEED);
    const bus = new Bus();
    const ram = bus.addRam("ram", RAM, RAM_SIZE);
    const fw = new FwCfg({ dma: new BusDmaSpace(bus), ramSize: RAM_SIZE, cpus: 1 });
    const ro = fw.addFile(
      "etc/ro",
      Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
    );
    const rw = fw.addFile("etc/rw", new Uint8Array(64), { writable: true });
    bus.addMmio("fw-cfg", BASE, R.FW_CFG_MMIO_SIZE, fw);
    const keys = [0, 1, 2, 3, 5, 0x19, ro, rw, 0x4000 | rw, r.u32() & 0xffff];
    const view = new DataView(ram.buffer as ArrayBuffer);
    let errors = 0;
    let ok = 0;
    for (let n = 0; n < CASES; n++) {
      const kind = r.int(10);
      if (kind < 7) {
        // A descriptor: mostly in RAM, sometimes straddling its end or outside it.
        const at = r.chance(0.9)
          ? RAM + (r.int(RAM_SIZE - 16) & ~3)
          : r.chance(0.5)
            ? RAM + RAM_SIZE - 8
            : r.u32();
        const key = keys[r.int(keys.length)]!;
        const control = r.chance(0.8) ? (key << 16) | (r.u32() & 0x1f) : r.u32();
        const length = r.chance(0.8) ? r.int(512) : r.u32();
        const address = r.chance(0.8) ? RAM + r.int(RAM_SIZE) : r.u32() * 2 ** 21 + r.u32();
        if (at >= RAM && at + 16 <= RAM + RAM_SIZE) {
          view.setUint32(at - RAM, control, false);
          view.setUint32(at - RAM + 4, length, false);
          view.setUint32(at - RAM + 8, Math.floor(address / 2 ** 32) >>> 0, false);
          view.setUint32(at - RAM + 12, address >>> 0, false);
        }
        const be = new DataView(new ArrayBuffer(8));
        be.setBigUint64(0, BigInt(at), false);
        if (r.chance(0.5)) bus.write64(BASE + R.FW_CFG_DMA, be.getBigUint64(0, true));
        else {
          bus.write(BASE + R.FW_CFG_DMA, 4, be.getUint32(0, true));
          bus.write(BASE + R.FW_CFG_DMA + 4, 4, be.getUint32(4, true));
        }
        if (at >= RAM && at + 16 <= RAM + RAM_SIZE) {
          const st = view.getUint32(at - RAM, false);
          expect(st === 0 || st === R.FW_CFG_DMA_CTL_ERROR).toBe(true);
          if (st === 0) ok++;
          else errors++;
        }
      } else {
        // Any register access of any size.
        const size = ([1, 2, 4] as const)[r.int(3)]!;
        const off = r.int(R.FW_CFG_MMIO_SIZE - size + 1);
        if (r.chance(0.5)) bus.read(BASE + off, size);
        else bus.write(BASE + off, size, r.u32() >>> (32 - 8 * size));
      }
    }
    console.log(`fw_cfg fuzz: ${ok} DMA accesses completed, ${errors} answered with the error bit`);
    expect(ok).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
    // Still works: the signature through the data register and a DMA read of a file.
    bus.write(BASE + R.FW_CFG_SELECTOR, 2, 0);
    expect(bus.read(BASE, 4)).toBe(0x554d4551);
    view.setUint32(0, (ro << 16) | R.FW_CFG_DMA_CTL_SELECT | R.FW_CFG_DMA_CTL_READ, false);
    view.setUint32(4, 4, false);
    view.setBigUint64(8, BigInt(RAM + 0x100), false);
    bus.write(BASE + R.FW_CFG_DMA + 4, 4, 0x0000_0040);
    expect(view.getUint32(0, false)).toBe(0);
    expect([...ram.u8.subarray(0x100, 0x104)]).toEqual([0, 1, 2, 3]);
  });
});
