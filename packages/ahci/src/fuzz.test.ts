import { captureWarnings, fuzzRandom, fuzzSettings } from "@armature/core/test";
import { beforeAll, describe, expect, it } from "vitest";
import { AtapiDvd } from "./atapi.js";
import { SataDisk } from "./disk.js";
import { AhciHba } from "./hba.js";
import { PortReg, PxCMD, PxIS } from "./regs.js";
import { AhciTestDriver, TEST_RAM_BASE, TEST_RAM_SIZE, TestBlockBackend, testMemory } from "./test/index.js";
import { buildIso9660 } from "./test/iso.js";

/** Cases per run: 10,000 in CI; raise with AHCI_FUZZ_CASES (packages/ahci/scripts/fuzz.sh). */
const { cases: CASES, seed: SEED } = fuzzSettings("AHCI_FUZZ", 10_000);

const INTERESTING_ATA = [
  0x00, 0x06, 0x08, 0x20, 0x24, 0x25, 0x27, 0x29, 0x2f, 0x30, 0x34, 0x35, 0x39, 0x3d, 0x40, 0x42, 0x47, 0x60,
  0x61, 0x90, 0x91, 0xa0, 0xa1, 0xb0, 0xc4, 0xc5, 0xc6, 0xc8, 0xca, 0xe0, 0xe5, 0xe7, 0xea, 0xec, 0xef, 0xf8,
];
const INTERESTING_SCSI = [
  0x00, 0x03, 0x12, 0x1a, 0x1b, 0x1e, 0x23, 0x25, 0x28, 0x2b, 0x35, 0x43, 0x46, 0x4a, 0x51, 0x5a, 0xa8, 0xbb,
  0xbd, 0xff,
];

describe(`AHCI fuzz: ${CASES} random command tables / PRDTs / FISes (seed ${SEED}; AHCI_FUZZ_SEED=${SEED} to replay)`, () => {
  const lines: string[] = [];
  beforeAll(() => captureWarnings((m) => lines.length < 1000 && lines.push(m)));

  it("only ATA/HBA error status, never a host exception; the HBA keeps working", () => {
    console.log(`ahci fuzz seed ${SEED} (replay: AHCI_FUZZ_SEED=${SEED})`);
    const r = fuzzRandom(SEED);
    const { bus, dma } = testMemory();
    const disk = new TestBlockBackend(1 << 20);
    const iso = new TestBlockBackend(buildIso9660([{ name: "F.BIN", data: new Uint8Array(10000).fill(1) }]), {
      readOnly: true,
    });
    const dvd = new AtapiDvd({ medium: iso });
    const hba = new AhciHba({ dma, devices: [new SataDisk(disk), dvd] });
    const drv = new AhciTestDriver(bus, hba);
    drv.probe();
    const ram = (n: number) => TEST_RAM_BASE + r.int(TEST_RAM_SIZE - n);
    const cfis = new Uint8Array(64);
    const acmd = new Uint8Array(16);
    const prd = new Uint8Array(16);
    const hdr = new Uint8Array(32);
    let errors = 0;
    let good = 0;
    for (let n = 0; n < CASES; n++) {
      const port = r.int(2);
      const slot = r.int(32);
      const ct = drv.ctba(port, slot);
      // Command FIS: mostly well-formed H2D with interesting commands, sometimes pure noise.
      r.bytes(cfis);
      if (r.chance(0.9)) {
        cfis[0] = 0x27;
        cfis[1] = r.chance(0.95) ? 0x80 : r.u32() & 0x7f;
        cfis[2] = INTERESTING_ATA[r.int(INTERESTING_ATA.length)]!;
        if (r.chance(0.7)) {
          // Small counts and LBAs near the disk so reads and writes often succeed.
          cfis[12] = r.int(16);
          cfis[13] = 0;
          cfis[3] = r.int(16);
          cfis[11] = 0;
          cfis[5] = r.int(8);
          cfis[6] = cfis[8] = cfis[9] = cfis[10] = 0;
        }
      }
      bus.writeBytes(ct, cfis);
      r.bytes(acmd);
      acmd[0] = INTERESTING_SCSI[r.int(INTERESTING_SCSI.length)]!;
      if (r.chance(0.7)) acmd.fill(0, 2, 6);
      bus.writeBytes(ct + 0x40, acmd);
      const prdtl = r.chance(0.05) ? r.int(65536) : r.int(8);
      const shown = Math.min(prdtl, 64);
      for (let i = 0; i < shown; i++) {
        r.bytes(prd);
        const dv = new DataView(prd.buffer);
        if (r.chance(0.8)) {
          const len = 2 + 2 * r.int(4096);
          dv.setUint32(0, ram(len) & ~1, true);
          dv.setUint32(4, 0, true);
          dv.setUint32(12, (len - 1) | (r.chance(0.1) ? 0x80000000 : 0), true);
        }
        bus.writeBytes(ct + 0x80 + i * 16, prd);
      }
      r.bytes(hdr);
      const dv = new DataView(hdr.buffer);
      let dw0 = dv.getUint32(0, true);
      if (r.chance(0.9)) dw0 = (dw0 & 0xffe0) | 5;
      dw0 = (dw0 & 0xffff) | (prdtl << 16);
      dv.setUint32(0, dw0 >>> 0, true);
      if (r.chance(0.9)) {
        dv.setUint32(8, ct, true);
        dv.setUint32(12, 0, true);
      }
      bus.writeBytes(drv.clb(port) + slot * 32, hdr);
      // Occasionally poke registers the way a confused driver might.
      if (r.chance(0.02))
        drv.pw(port, [PortReg.SCTL, PortReg.CMD, PortReg.SERR, PortReg.IS, PortReg.SACT][r.int(5)]!, r.u32());
      if (r.chance(0.005)) drv.w(4, r.u32() & 0x7fffffff);
      if (r.chance(0.01)) flipMedium(dvd, r);
      if (
        (drv.pr(port, PortReg.CMD) & PxCMD.ST) === 0 ||
        drv.pr(port, PortReg.CLB) !== drv.clb(port) % 2 ** 32
      ) {
        drv.probe();
      }
      if (r.chance(0.2)) drv.pw(port, PortReg.SACT, (1 << slot) >>> 0);
      drv.pw(port, PortReg.CI, (1 << slot) >>> 0);
      const is = drv.pr(port, PortReg.IS);
      const tfd = drv.pr(port, PortReg.TFD);
      const ci = drv.pr(port, PortReg.CI);
      const fatal = PxIS.TFES | PxIS.HBFS | PxIS.HBDS | PxIS.IFS | PxIS.OFS;
      if (is & fatal) {
        errors++;
        drv.restartEngine(port);
      } else {
        // Completed: the slot is no longer issued. BSY remains only while a software reset
        // (control FIS with SRST) or a COMRESET (PxSCTL.DET = 1) is asserted: reset like EH does.
        expect((ci >>> slot) & 1).toBe(0);
        if (tfd & 0x80) {
          const srst = cfis[0] === 0x27 && (cfis[1]! & 0x80) === 0 && (cfis[15]! & 4) !== 0;
          const comreset = (drv.pr(port, PortReg.SCTL) & 0xf) === 1;
          expect(srst || comreset).toBe(true);
          drv.probe();
        }
        good++;
      }
      drv.pw(port, PortReg.IS, 0xffffffff);
      drv.w(8, 0xffffffff);
    }
    console.log(
      `ahci fuzz: ${CASES} cases, ${good} completed, ${errors} error completions, ${lines.length} log lines`,
    );
    expect(good + errors).toBe(CASES);
    // Still alive: a clean IDENTIFY after all of that.
    drv.probe();
    const id = drv.issue(0, { tf: { command: 0xec }, bytes: 512 });
    expect(id.status).toBe(0x50);
    expect(hba.completed).toBeGreaterThan(0);
  });
});

function flipMedium(dvd: AtapiDvd, r: { chance(p: number): boolean }): void {
  if (dvd.medium !== undefined && r.chance(0.5)) dvd.eject();
  else if (dvd.medium === undefined) dvd.insert(new TestBlockBackend(buildIso9660([]), { readOnly: true }));
}
