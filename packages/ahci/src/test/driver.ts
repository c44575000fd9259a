import { Bus, BusDmaSpace, type MmioDevice } from "@armature/core";
import {
  CmdTable,
  decodeD2H,
  emptyTaskFile,
  encodeCommandHeader,
  encodeH2D,
  encodePrd,
  type TaskFile,
} from "../fis.js";
import { Ghc, HbaReg, PORT_BASE, PORT_STRIDE, PortReg, PxCMD, RxFis, Signature } from "../regs.js";

/** Guest RAM for driver tests. */
export const TEST_RAM_BASE = 0x4000_0000;
export const TEST_RAM_SIZE = 64 << 20;
/** Where data buffers start in test RAM (below: command lists, FIS areas, command tables). */
export const TEST_DATA_BASE = TEST_RAM_BASE + (4 << 20);

/** A test machine: a bus with RAM, and its DMA space. */
export function testMemory(): { bus: Bus; dma: BusDmaSpace } {
  const bus = new Bus();
  bus.addRam("ram", TEST_RAM_BASE, TEST_RAM_SIZE);
  return { bus, dma: new BusDmaSpace(bus) };
}

export interface IssueOptions {
  /** Register FIS fields (command, features, lba, count, device, control, c). */
  tf: Partial<TaskFile>;
  /** ATAPI packet (sets the A bit). */
  packet?: readonly number[];
  /** Data direction (W bit). */
  write?: boolean;
  /** Data buffer size in bytes (PRDT built over it); 0 = no PRDT. */
  bytes?: number;
  /** Split the buffer into PRDs of at most this many bytes (default 64 KiB). */
  prdSize?: number;
  /** Command slot (default 0). */
  slot?: number;
  /** Data to place in the buffer first (writes). */
  data?: Uint8Array;
  /** Also set PxSACT for this slot (NCQ). */
  ncq?: boolean;
  /** Leave the data buffer alone before and after (benchmarks): `data` in the result is empty. */
  skipData?: boolean;
  /** Header bits for control FISes. */
  reset?: boolean;
  clearBusy?: boolean;
}

export interface IssueResult {
  /** PxCI bit still set after the write (the HBA stalled on an error). */
  stillIssued: boolean;
  tfd: number;
  status: number;
  error: number;
  is: number;
  /** The D2H Register FIS in the received-FIS area. */
  d2h: TaskFile;
  /** PIO Setup FIS E_Status (byte 15) and status (byte 2). */
  pioEStatus: number;
  prdbc: number;
  /** The data buffer after the command. */
  data: Uint8Array;
}

/**
 * A driver that talks to an AHCI ABAR the way Linux's libahci does at probe: enable AHCI, reset
 * the HBA, program each port's command list and FIS area, COMRESET through PxSCTL, classify
 * through PxSIG, then issue commands one slot at a time. Used by this package's tests and by
 * anyone testing a board that places AHCI.
 */
export class AhciTestDriver {
  readonly base: number;
  constructor(
    readonly bus: Bus,
    readonly mmio: MmioDevice,
  ) {
    this.base = TEST_RAM_BASE;
  }

  r(off: number): number {
    return this.mmio.read(off, 4) >>> 0;
  }
  w(off: number, v: number): void {
    this.mmio.write(off, 4, v >>> 0);
  }
  pr(port: number, reg: number): number {
    return this.r(PORT_BASE + port * PORT_STRIDE + reg);
  }
  pw(port: number, reg: number, v: number): void {
    this.w(PORT_BASE + port * PORT_STRIDE + reg, v);
  }

  clb(port: number): number {
    return this.base + port * 0x10000;
  }
  fb(port: number): number {
    return this.clb(port) + 0x400;
  }
  ctba(port: number, slot: number): number {
    return this.clb(port) + 0x1000 + slot * 0x400;
  }
  dataAddr(port: number): number {
    return TEST_DATA_BASE + port * (8 << 20);
  }

  /** ahci_reset_controller + ahci_port_init + hard reset of every implemented port; returns classes. */
  probe(): ("ata" | "atapi" | "none")[] {
    this.w(HbaReg.GHC, Ghc.AE);
    this.w(HbaReg.GHC, Ghc.AE | Ghc.HR);
    if (this.r(HbaReg.GHC) & Ghc.HR) throw new Error("GHC.HR did not clear");
    this.w(HbaReg.GHC, Ghc.AE);
    const pi = this.r(HbaReg.PI);
    const classes: ("ata" | "atapi" | "none")[] = [];
    for (let p = 0; p < 32; p++) {
      if (((pi >>> p) & 1) === 0) continue;
      // ahci_stop_engine / ahci_stop_fis_rx
      this.pw(p, PortReg.CMD, this.pr(p, PortReg.CMD) & ~PxCMD.ST);
      this.pw(p, PortReg.CMD, this.pr(p, PortReg.CMD) & ~PxCMD.FRE);
      this.pw(p, PortReg.CLB, this.clb(p) % 2 ** 32);
      this.pw(p, PortReg.CLBU, Math.floor(this.clb(p) / 2 ** 32));
      this.pw(p, PortReg.FB, this.fb(p) % 2 ** 32);
      this.pw(p, PortReg.FBU, 0);
      this.pw(p, PortReg.SERR, this.pr(p, PortReg.SERR));
      this.pw(p, PortReg.IS, this.pr(p, PortReg.IS));
      this.w(HbaReg.IS, 1 << p);
      this.pw(p, PortReg.CMD, this.pr(p, PortReg.CMD) | PxCMD.FRE | PxCMD.SUD | PxCMD.POD);
      classes.push(this.hardreset(p));
      this.pw(p, PortReg.IS, 0xffffffff);
      this.pw(p, PortReg.IE, 0x7d8000ff & ~0x20); // DEF_PORT_IRQ minus DPS
      this.pw(p, PortReg.CMD, this.pr(p, PortReg.CMD) | PxCMD.ST);
    }
    this.w(HbaReg.IS, 0xffffffff);
    this.w(HbaReg.GHC, Ghc.AE | Ghc.IE);
    return classes;
  }

  /** sata_link_hardreset: DET=1 then DET=0, wait for DET=3, then classify by PxSIG. */
  hardreset(p: number): "ata" | "atapi" | "none" {
    const rfis = this.fb(p) + RxFis.RFIS;
    this.bus.writeBytes(rfis, new Uint8Array([0x34, 0, 0x80, 0]));
    this.pw(p, PortReg.SCTL, 0x301);
    this.pw(p, PortReg.SCTL, 0x300);
    if ((this.pr(p, PortReg.SSTS) & 0xf) !== 3) return "none";
    this.pw(p, PortReg.SERR, this.pr(p, PortReg.SERR));
    if (this.pr(p, PortReg.TFD) & 0x80) throw new Error(`port ${p}: BSY after reset`);
    const sig = this.pr(p, PortReg.SIG);
    return sig === Signature.ATAPI ? "atapi" : sig === Signature.ATA ? "ata" : "none";
  }

  /** Build a command in `slot`, issue it, and return what the HBA reported. */
  issue(port: number, o: IssueOptions): IssueResult {
    const slot = o.slot ?? 0;
    const ct = this.ctba(port, slot);
    const bytes = o.bytes ?? 0;
    const prdSize = o.prdSize ?? 64 * 1024;
    const prds = bytes === 0 ? 0 : Math.ceil(bytes / prdSize);
    const data = this.dataAddr(port);
    if (o.data) this.bus.writeBytes(data, o.data);
    else if (bytes > 0 && !o.skipData) this.bus.writeBytes(data, new Uint8Array(bytes));
    const tf = { ...emptyTaskFile(), c: true, ...o.tf };
    const fis = new Uint8Array(64);
    encodeH2D(tf, fis);
    this.bus.writeBytes(ct, fis);
    if (o.packet) {
      const acmd = new Uint8Array(16);
      acmd.set(o.packet);
      this.bus.writeBytes(ct + CmdTable.ACMD, acmd);
    }
    const prd = new Uint8Array(16);
    for (let i = 0; i < prds; i++) {
      const len = Math.min(prdSize, bytes - i * prdSize);
      encodePrd({ dba: data + i * prdSize, bytes: len, interrupt: false }, prd);
      this.bus.writeBytes(ct + CmdTable.PRDT + i * 16, prd);
    }
    const hdr = new Uint8Array(32);
    encodeCommandHeader(
      {
        cfl: 5,
        atapi: o.packet !== undefined,
        write: o.write ?? false,
        prefetch: false,
        reset: o.reset ?? false,
        bist: false,
        clearBusy: o.clearBusy ?? false,
        pmp: 0,
        prdtl: prds,
        prdbc: 0,
        ctba: ct,
      },
      hdr,
    );
    this.bus.writeBytes(this.clb(port) + slot * 32, hdr);
    if (o.ncq) this.pw(port, PortReg.SACT, 1 << slot);
    this.pw(port, PortReg.CI, (1 << slot) >>> 0);
    const tfd = this.pr(port, PortReg.TFD);
    const rx = new Uint8Array(RxFis.SIZE);
    this.bus.readBytes(this.fb(port), rx);
    const d2h = emptyTaskFile();
    decodeD2H(rx, d2h, RxFis.RFIS);
    const hdrAfter = new Uint8Array(32);
    this.bus.readBytes(this.clb(port) + slot * 32, hdrAfter);
    const out = new Uint8Array(o.skipData ? 0 : bytes);
    if (bytes > 0 && !o.skipData) this.bus.readBytes(data, out);
    const is = this.pr(port, PortReg.IS);
    const res: IssueResult = {
      stillIssued: ((this.pr(port, PortReg.CI) >>> slot) & 1) === 1,
      tfd,
      status: tfd & 0xff,
      error: (tfd >> 8) & 0xff,
      is,
      d2h,
      pioEStatus: rx[RxFis.PSFIS + 15]!,
      prdbc: new DataView(hdrAfter.buffer).getUint32(4, true),
      data: out,
    };
    // Acknowledge like the interrupt handler (port status first, then the global bit).
    this.pw(port, PortReg.IS, is);
    this.w(HbaReg.IS, 1 << port);
    return res;
  }

  /** ahci_stop_engine + ahci_start_engine: what EH does after an error. */
  restartEngine(port: number): void {
    this.pw(port, PortReg.CMD, this.pr(port, PortReg.CMD) & ~PxCMD.ST);
    this.pw(port, PortReg.SERR, this.pr(port, PortReg.SERR));
    this.pw(port, PortReg.IS, 0xffffffff);
    this.pw(port, PortReg.CMD, this.pr(port, PortReg.CMD) | PxCMD.ST);
  }

  /** A packet command with a data-in buffer of `bytes`. */
  packet(port: number, cdb: readonly number[], bytes: number, skipData = false): IssueResult {
    return this.issue(port, { tf: { command: 0xa0, features: 1 }, packet: cdb, bytes, skipData });
  }

  /** REQUEST SENSE: [sense key, ASC, ASCQ]. */
  sense(port: number): [number, number, number] {
    const r = this.packet(port, [0x03, 0, 0, 0, 18, 0], 18);
    return [r.data[2]! & 0xf, r.data[12]!, r.data[13]!];
  }
}

/** IDENTIFY string words (byte-swapped pairs) to text, trimmed. */
export function identifyString(id: Uint8Array, firstWord: number, words: number): string {
  let s = "";
  for (let i = 0; i < words; i++) {
    s += String.fromCharCode(id[2 * (firstWord + i) + 1]!, id[2 * (firstWord + i)]!);
  }
  return s.trim();
}
