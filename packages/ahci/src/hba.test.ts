import { ConfigError } from "@armature/core";
import { RecordingIrqLine } from "@armature/core/test";
import { describe, expect, it } from "vitest";
import { AtapiDvd } from "./atapi.js";
import { SataDisk } from "./disk.js";
import { AhciHba } from "./hba.js";
import { Cap, Ghc, HbaReg, PortReg, PxCMD, PxIS, Signature } from "./regs.js";
import { AhciTestDriver, identifyString, TestBlockBackend, testMemory } from "./test/index.js";
import { buildIso9660 } from "./test/iso.js";

function setup(opts: { diskBytes?: number; iso?: Uint8Array | null; readOnly?: boolean } = {}) {
  const { bus, dma } = testMemory();
  const irq = new RecordingIrqLine();
  const disk = new TestBlockBackend(opts.diskBytes ?? 8 << 20, { readOnly: opts.readOnly ?? false });
  for (let i = 0; i < disk.size; i += 512) disk.data[i] = (i / 512) & 0xff;
  const iso =
    opts.iso === null
      ? undefined
      : new TestBlockBackend(
          opts.iso ?? buildIso9660([{ name: "HELLO.TXT", data: new TextEncoder().encode("hello\n") }]),
          { readOnly: true },
        );
  const sata = new SataDisk(disk, { model: "TEST DISK", serial: "SN123", firmware: "FW1" });
  const dvd = new AtapiDvd(iso ? { medium: iso } : {});
  const hba = new AhciHba({ dma, irq, devices: [sata, dvd] });
  const drv = new AhciTestDriver(bus, hba);
  return { bus, dma, irq, disk, iso, sata, dvd, hba, drv };
}

describe("AHCI HBA: Linux-style probe", () => {
  it("reports AHCI 1.3.1, 32 slots, 6 Gbps, and the ports implemented", () => {
    const { drv } = setup();
    const cap = drv.r(HbaReg.CAP);
    expect(cap & 0x1f).toBe(1); // 2 ports
    expect(((cap >>> 8) & 0x1f) + 1).toBe(32);
    expect((cap >>> 20) & 0xf).toBe(3);
    expect(cap & Cap.SAM).toBeTruthy();
    expect(cap & Cap.S64A).toBeTruthy();
    expect(drv.r(HbaReg.VS)).toBe(0x00010301);
    expect(drv.r(HbaReg.PI)).toBe(0b11);
  });

  it("classifies port 0 as ATA and port 1 as ATAPI after COMRESET, link up at Gen3", () => {
    const { drv } = setup();
    expect(drv.probe()).toEqual(["ata", "atapi"]);
    expect(drv.pr(0, PortReg.SSTS)).toBe(0x133);
    expect(drv.pr(0, PortReg.SIG)).toBe(Signature.ATA);
    expect(drv.pr(1, PortReg.SIG)).toBe(Signature.ATAPI);
    const cmd = drv.pr(0, PortReg.CMD);
    expect(cmd & PxCMD.CR).toBeTruthy();
    expect(cmd & PxCMD.FR).toBeTruthy();
  });

  it("PxIE keeps its defined bits; PxSACT takes the bits software sets while the port runs (§3.3.5, §3.3.13)", () => {
    const { drv } = setup();
    drv.probe();
    drv.pw(0, PortReg.IE, 0xffff_ffff);
    expect(drv.pr(0, PortReg.IE)).toBe(0xfdc0_00ff); // CPDE..DHRE; bits 21:8 reserved
    drv.pw(0, PortReg.IE, 0);
    expect(drv.pr(0, PortReg.IE)).toBe(0);
    expect(drv.pr(0, PortReg.CMD) & PxCMD.ST).toBe(PxCMD.ST); // probe() started the port
    drv.pw(0, PortReg.SACT, 0x30);
    expect(drv.pr(0, PortReg.SACT)).toBe(0x30);
  });

  it("GHC.HR resets every port register but PxCLB/PxFB, then the link comes up again (§10.4.3)", () => {
    const { drv } = setup();
    drv.probe();
    drv.pw(0, PortReg.SCTL, 0x300); // IPM: no partial/slumber
    drv.pw(0, PortReg.SACT, 0x3);
    const clb = drv.pr(0, PortReg.CLB);
    const fb = drv.pr(0, PortReg.FB);
    expect([clb, fb, drv.pr(0, PortReg.IE), drv.pr(0, PortReg.SACT)].every((v) => v !== 0)).toBe(true);
    drv.w(HbaReg.GHC, Ghc.AE | Ghc.HR);
    expect(drv.r(HbaReg.GHC)).toBe(Ghc.AE >>> 0); // HR self-clears; IE reset
    expect([drv.pr(0, PortReg.CLB), drv.pr(0, PortReg.FB)]).toEqual([clb, fb]);
    for (const reg of [PortReg.IE, PortReg.SCTL, PortReg.SACT, PortReg.CI, PortReg.SNTF])
      expect(drv.pr(0, reg), `register 0x${reg.toString(16)}`).toBe(0);
    // PxCMD: ST and FRE cleared; SUD/POD read 1 (no staggered spin-up, no cold presence).
    expect(drv.pr(0, PortReg.CMD) & (PxCMD.ST | PxCMD.FRE | PxCMD.CR | PxCMD.FR)).toBe(0);
    // COMRESET: link up at Gen3, the device's signature, DIAG.X/N set by the new link.
    expect(drv.pr(0, PortReg.SSTS)).toBe(0x133);
    expect(drv.pr(0, PortReg.SIG)).toBe(Signature.ATA);
    expect(drv.pr(1, PortReg.SIG)).toBe(Signature.ATAPI);
    expect(drv.pr(0, PortReg.TFD) & 0xff).toBe(0x50);
  });

  it("an empty port shows no device", () => {
    const { dma } = testMemory();
    const hba = new AhciHba({ dma, ports: 2, devices: [undefined, undefined] });
    expect(hba.read(0x100 + PortReg.SSTS, 4)).toBe(0);
  });

  it("IDENTIFY DEVICE: model, serial, firmware, LBA48 capacity, checksum, PIO Setup E_Status", () => {
    const { drv, irq } = setup({ diskBytes: 8 << 20 });
    drv.probe();
    const r = drv.issue(0, { tf: { command: 0xec }, bytes: 512 });
    expect(r.stillIssued).toBe(false);
    expect(r.status).toBe(0x50);
    expect(r.pioEStatus).toBe(0x50);
    expect(r.is & PxIS.PSS).toBeTruthy();
    expect(r.prdbc).toBe(512);
    expect(irq.history).toContain(true);
    const id = r.data;
    expect(identifyString(id, 27, 20)).toBe("TEST DISK");
    expect(identifyString(id, 10, 10)).toBe("SN123");
    expect(identifyString(id, 23, 4)).toBe("FW1");
    const w = (i: number) => id[2 * i]! | (id[2 * i + 1]! << 8);
    expect(w(100) + w(101) * 65536).toBe((8 << 20) / 512);
    expect(w(83) & (1 << 10)).toBeTruthy();
    let sum = 0;
    for (const b of id) sum += b;
    expect(sum & 0xff).toBe(0);
    expect(w(255) & 0xff).toBe(0xa5);
  });

  it("READ DMA EXT scatters into many PRDs; WRITE DMA EXT gathers; FLUSH reaches the backend", () => {
    const { drv, disk } = setup();
    drv.probe();
    const r = drv.issue(0, {
      tf: { command: 0x25, lba: 10, count: 16, device: 0x40 },
      bytes: 16 * 512,
      prdSize: 1000,
    });
    expect(r.status).toBe(0x50);
    expect(r.is & PxIS.DHRS).toBeTruthy();
    expect(r.prdbc).toBe(8192);
    expect(r.data[0]).toBe(10);
    expect(r.data[512 * 5]).toBe(15);
    const src = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    const w = drv.issue(0, {
      tf: { command: 0x35, lba: 100, count: 8, device: 0x40 },
      bytes: 4096,
      write: true,
      data: src,
      prdSize: 512,
    });
    expect(w.status).toBe(0x50);
    expect(disk.data.subarray(100 * 512, 100 * 512 + 4096)).toEqual(src);
    const f = drv.issue(0, { tf: { command: 0xea } });
    expect(f.status).toBe(0x50);
    expect(disk.flushes).toBeGreaterThan(0);
  });

  it("NCQ: READ FPDMA QUEUED completes through a Set Device Bits FIS and clears PxSACT", () => {
    const { drv } = setup();
    drv.probe();
    const slot = 5;
    const r = drv.issue(0, {
      tf: { command: 0x60, features: 4, count: slot << 3, lba: 3, device: 0x40 },
      bytes: 2048,
      slot,
      ncq: true,
    });
    expect(r.is & PxIS.SDBS).toBeTruthy();
    expect(drv.pr(0, PortReg.SACT)).toBe(0);
    expect(r.stillIssued).toBe(false);
    expect(r.data[0]).toBe(3);
    expect(r.data[1536]).toBe(6);
  });

  it("out-of-range read: ERR with IDNF|ABRT, TFES, the slot stays issued until the engine restarts", () => {
    const { drv } = setup({ diskBytes: 1 << 20 });
    drv.probe();
    const r = drv.issue(0, { tf: { command: 0x25, lba: 2048, count: 1, device: 0x40 }, bytes: 512 });
    expect(r.status & 1).toBe(1);
    expect(r.error).toBe(0x14);
    expect(r.is & PxIS.TFES).toBeTruthy();
    expect(r.stillIssued).toBe(true);
    expect(r.d2h.status).toBe(0x51);
    drv.restartEngine(0);
    expect(drv.pr(0, PortReg.CI)).toBe(0);
    const ok = drv.issue(0, { tf: { command: 0x25, lba: 1, count: 1, device: 0x40 }, bytes: 512 });
    expect(ok.status).toBe(0x50);
  });

  it("NCQ error: log page 10h names the failed tag", () => {
    const { drv } = setup({ diskBytes: 1 << 20 });
    drv.probe();
    const r = drv.issue(0, {
      tf: { command: 0x61, features: 1, count: 7 << 3, lba: 5000, device: 0x40 },
      bytes: 512,
      slot: 7,
      ncq: true,
      write: true,
    });
    expect(r.is & PxIS.TFES).toBeTruthy();
    drv.restartEngine(0);
    const log = drv.issue(0, { tf: { command: 0x2f, lba: 0x10, count: 1 }, bytes: 512 });
    expect(log.status).toBe(0x50);
    expect(log.data[0]).toBe(7);
    expect(log.data[2]! & 1).toBe(1);
  });

  it("a PRDT shorter than the transfer is an overflow (OFS), a PRD outside RAM a host bus data error (HBDS)", () => {
    const { drv, bus } = setup();
    drv.probe();
    const r = drv.issue(0, { tf: { command: 0x25, lba: 0, count: 4, device: 0x40 }, bytes: 1024 });
    expect(r.is & PxIS.OFS).toBeTruthy();
    drv.restartEngine(0);
    // Point the PRD at unmapped space.
    const prdAt = drv.ctba(0, 0) + 0x80;
    drv.issue(0, { tf: { command: 0x25, lba: 0, count: 1, device: 0x40 }, bytes: 512 });
    bus.writeBytes(prdAt, new Uint8Array([0, 0, 0, 0x10, 0, 0, 0, 0]));
    drv.pw(0, PortReg.CI, 1);
    expect(drv.pr(0, PortReg.IS) & PxIS.HBDS).toBeTruthy();
  });

  it("writes to a read-only disk abort", () => {
    const { drv } = setup({ readOnly: true });
    drv.probe();
    const w = drv.issue(0, {
      tf: { command: 0x35, lba: 0, count: 1, device: 0x40 },
      bytes: 512,
      write: true,
    });
    expect(w.status).toBe(0x51);
    expect(w.error & 0x04).toBeTruthy();
  });

  it("software reset through two control FISes re-sends the signature", () => {
    const { drv } = setup();
    drv.probe();
    drv.issue(1, { tf: { c: false, control: 0x04 }, reset: true, clearBusy: true });
    const r = drv.issue(1, { tf: { c: false, control: 0x00 } });
    expect(r.stillIssued).toBe(false);
    expect(drv.pr(1, PortReg.SIG)).toBe(Signature.ATAPI);
    expect(r.d2h.lba).toBe(0xeb1401);
  });

  it("IDENTIFY PACKET DEVICE on the disk aborts with the ATA signature (count 01h, LBA low 01h, mid and high 00h)", () => {
    const { drv } = setup();
    drv.probe();
    const a = drv.issue(0, { tf: { command: 0xa1 }, bytes: 512 });
    expect(a.error & 4).toBeTruthy();
    expect(a.d2h.count).toBe(0x01);
    expect(a.d2h.lba).toBe(0x000001);
    drv.restartEngine(0);
  });

  it("interrupt line: asserted on completion with GHC.IE, released when IS and PxIS are cleared", () => {
    const { drv, irq } = setup();
    drv.probe();
    drv.pw(0, PortReg.CI, 0); // nothing
    drv.issue(0, { tf: { command: 0xec }, bytes: 512 });
    expect(irq.level).toBe(false); // issue() acknowledged
    expect(irq.history.filter((x) => x === true).length).toBeGreaterThan(0);
  });

  it("hot-unplug and plug raise PRCS / PCS", () => {
    const { drv, hba, sata } = setup();
    drv.probe();
    hba.detach(0);
    expect(drv.pr(0, PortReg.SSTS) & 0xf).toBe(0);
    expect(drv.pr(0, PortReg.IS) & PxIS.PRCS).toBeTruthy();
    drv.pw(0, PortReg.SERR, 0xffffffff);
    hba.attach(0, sata);
    expect(drv.pr(0, PortReg.IS) & PxIS.PCS).toBeTruthy();
    expect(drv.pr(0, PortReg.SSTS)).toBe(0x133);
  });
});

describe("ATAPI DVD-ROM", () => {
  it("IDENTIFY PACKET DEVICE says ATAPI CD-ROM type, model Virtual DVD-ROM, firmware R103", () => {
    const { drv } = setup();
    drv.probe();
    const r = drv.issue(1, { tf: { command: 0xa1 }, bytes: 512 });
    expect(r.status & 1).toBe(0);
    const w0 = r.data[0]! | (r.data[1]! << 8);
    expect(w0 >> 14).toBe(2);
    expect((w0 >> 8) & 0x1f).toBe(5);
    expect(identifyString(r.data, 27, 20)).toBe("Virtual DVD-ROM");
    expect(identifyString(r.data, 23, 4)).toBe("R103");
    // IDENTIFY DEVICE on a packet device aborts with the signature.
    const a = drv.issue(1, { tf: { command: 0xec }, bytes: 512 });
    expect(a.error & 4).toBeTruthy();
    expect(a.d2h.lba & 0xffff00).toBe(0xeb1400);
    drv.restartEngine(1);
  });

  it("INQUIRY, READ CAPACITY, READ(10), READ(12)", () => {
    const iso = buildIso9660([{ name: "A.BIN", data: new Uint8Array(5000).fill(0x5a) }]);
    const { drv } = setup({ iso });
    drv.probe();
    const inq = drv.packet(1, [0x12, 0, 0, 0, 36, 0], 36);
    expect(inq.status).toBe(0x50);
    expect(inq.data[0]).toBe(5);
    expect(inq.data[1]).toBe(0x80);
    expect(new TextDecoder().decode(inq.data.subarray(16, 32))).toBe("Virtual DVD-ROM ");
    expect(new TextDecoder().decode(inq.data.subarray(32, 36))).toBe("R103");
    const cap = drv.packet(1, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8);
    const dv = new DataView(cap.data.buffer);
    expect(dv.getUint32(0)).toBe(iso.length / 2048 - 1);
    expect(dv.getUint32(4)).toBe(2048);
    const rd = drv.packet(1, [0x28, 0, 0, 0, 0, 16, 0, 0, 1, 0], 2048);
    expect(new TextDecoder().decode(rd.data.subarray(1, 6))).toBe("CD001");
    const rd12 = drv.packet(1, [0xa8, 0, 0, 0, 0, 17, 0, 0, 0, 1, 0, 0], 2048);
    expect(rd12.data[0]).toBe(0xff);
    expect(rd12.prdbc).toBe(2048);
    const oob = drv.packet(1, [0x28, 0, 0, 0, 0x10, 0, 0, 0, 1, 0], 2048);
    expect(oob.error >> 4).toBe(5);
    drv.restartEngine(1);
    expect(drv.sense(1)).toEqual([5, 0x21, 0]);
  });

  it("empty drive: NOT READY / MEDIUM NOT PRESENT; insert gives UNIT ATTENTION and a NEW MEDIA event", () => {
    const { drv, dvd } = setup({ iso: null });
    drv.probe();
    const tur = drv.packet(1, [0, 0, 0, 0, 0, 0], 0);
    expect(tur.status & 1).toBe(1);
    expect(tur.error >> 4).toBe(2);
    drv.restartEngine(1);
    expect(drv.sense(1)).toEqual([2, 0x3a, 1]);
    dvd.insert(new TestBlockBackend(buildIso9660([]), { readOnly: true }));
    const gesn = drv.packet(1, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], 8);
    expect(gesn.data[2]).toBe(4);
    expect(gesn.data[4]).toBe(2);
    expect(gesn.data[5]! & 2).toBe(2);
    const tur2 = drv.packet(1, [0, 0, 0, 0, 0, 0], 0);
    expect(tur2.error >> 4).toBe(6);
    drv.restartEngine(1);
    const tur3 = drv.packet(1, [0, 0, 0, 0, 0, 0], 0);
    expect(tur3.status).toBe(0x50);
  });

  it("without a medium every medium command ends in NOT READY / MEDIUM NOT PRESENT; the others still answer", () => {
    const { drv } = setup({ iso: null });
    drv.probe();
    // MMC-6 opcodes: TEST UNIT READY, READ CAPACITY, READ(10), READ(12), SEEK(10), VERIFY(10),
    // READ TOC/PMA/ATIP, READ DISC INFORMATION, READ TRACK INFORMATION.
    for (const op of [0x00, 0x25, 0x28, 0xa8, 0x2b, 0x2f, 0x43, 0x51, 0x52]) {
      const r = drv.packet(1, [op, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0], 8);
      expect([op, r.status & 1, r.error >> 4]).toEqual([op, 1, 2]);
      drv.restartEngine(1);
      expect([op, ...drv.sense(1)]).toEqual([op, 2, 0x3a, 1]);
    }
    // INQUIRY needs no medium.
    const inq = drv.packet(1, [0x12, 0, 0, 0, 36, 0], 36);
    expect(inq.status & 1).toBe(0);
  });

  it("READ TOC format 0 (LBA and MSF) and the session format Linux's sr_cd_check asks for", () => {
    const iso = buildIso9660([]);
    const { drv } = setup({ iso });
    drv.probe();
    const blocks = iso.length / 2048;
    const toc = drv.packet(1, [0x43, 0, 0, 0, 0, 0, 1, 0, 20, 0], 20);
    expect(toc.data.subarray(0, 4)).toEqual(new Uint8Array([0, 18, 1, 1]));
    expect(toc.data[6]).toBe(1);
    expect(toc.data[14]).toBe(0xaa);
    expect(new DataView(toc.data.buffer).getUint32(16)).toBe(blocks);
    const msf = drv.packet(1, [0x43, 2, 0, 0, 0, 0, 0xaa, 0, 12, 0], 12);
    const f = blocks + 150;
    expect([...msf.data.subarray(8, 12)]).toEqual([0, Math.floor(f / 4500), Math.floor(f / 75) % 60, f % 75]);
    const ses = drv.packet(1, [0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40], 12);
    expect(ses.data.subarray(0, 4)).toEqual(new Uint8Array([0, 10, 1, 1]));
  });

  it("READ TRACK INFORMATION: track 1 by number (type 1), an LBA on the disc (type 0); other tracks and LBAs are an invalid field", () => {
    const iso = buildIso9660([]);
    const { drv } = setup({ iso });
    drv.probe();
    const blocks = iso.length / 2048;
    // MMC-6 §6.34: byte 1 bits 1:0 the address type, bytes 2-5 the big-endian LBA or track number.
    const rti = (type: number, addr: number) => {
      const r = drv.packet(
        1,
        [0x52, type, addr >>> 24, (addr >>> 16) & 0xff, (addr >>> 8) & 0xff, addr & 0xff, 0, 0, 36, 0],
        36,
      );
      if ((r.status & 1) === 0) return "good";
      drv.restartEngine(1);
      return drv.sense(1).join(",");
    };
    const invalid = [5, 0x24, 0].join(",");
    expect([
      rti(1, 1),
      rti(0, blocks - 1),
      rti(1, 0x0100_0001),
      rti(1, 2),
      rti(0, blocks),
      rti(0, 0x0100_0000),
    ]).toEqual(["good", "good", invalid, invalid, invalid, invalid]);
  });

  it("GET CONFIGURATION current profile DVD-ROM; MODE SENSE(10) page 2Ah", () => {
    const { drv } = setup();
    drv.probe();
    const gc = drv.packet(1, [0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0], 8);
    expect((gc.data[6]! << 8) | gc.data[7]!).toBe(0x10);
    const ms = drv.packet(1, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0], 128);
    expect(ms.data[8]).toBe(0x2a);
    expect(ms.data[8 + 2]! & 0x08).toBe(0x08);
    const total = ((ms.data[0]! << 8) | ms.data[1]!) + 2;
    expect(total).toBe(8 + 22);
  });

  it("guest eject (START STOP UNIT LoEj) reaches the host, refused while locked", () => {
    const { drv, dvd } = setup();
    drv.probe();
    let ejected = 0;
    dvd.onEject = () => ejected++;
    drv.packet(1, [0x1e, 0, 0, 0, 1, 0], 0);
    const refused = drv.packet(1, [0x1b, 0, 0, 0, 2, 0], 0);
    expect(refused.error >> 4).toBe(5);
    drv.restartEngine(1);
    drv.packet(1, [0x1e, 0, 0, 0, 0, 0], 0);
    const e = drv.packet(1, [0x1b, 0, 0, 0, 2, 0], 0);
    expect(e.status).toBe(0x50);
    expect(ejected).toBe(1);
    expect(dvd.medium).toBeUndefined();
  });
});

describe("device options", () => {
  it("identification strings: printable ASCII up to the IDENTIFY field's length, else a ConfigError naming the device", () => {
    const disk = new TestBlockBackend(1 << 20);
    // ATA model number: 40 characters (words 27-46).
    expect(new SataDisk(disk, { model: "M".repeat(40) }).model).toBe("M".repeat(40));
    expect(() => new SataDisk(disk, { model: "M".repeat(41) })).toThrow(ConfigError);
    expect(() => new SataDisk(disk, { serial: "caf\u00e9" })).toThrow(/^SATA disk: serial "caf\u00e9"/);
    // SCSI INQUIRY vendor identification: 8 characters.
    expect(new AtapiDvd({ vendor: "V".repeat(8) }).vendor).toBe("V".repeat(8));
    expect(() => new AtapiDvd({ vendor: "V".repeat(9) })).toThrow(/^ATAPI DVD-ROM: vendor/);
    expect(() => new AtapiDvd({ product: "tab\there" })).toThrow(ConfigError);
  });
});
