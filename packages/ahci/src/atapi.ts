import {
  type BlockBackend,
  ConfigError,
  SnapshotError,
  type StateReader,
  type StateWriter,
} from "@armature/core";
import { type AtaCommand, AtaDeviceBase, abort, ok, putIdString, sealIdentify } from "./device.js";
import { AtaCmd, SenseKey, Signature } from "./regs.js";

export interface AtapiDvdOptions {
  /** SCSI INQUIRY vendor, up to 8 characters (default blank, as the Parallels drive shows none). */
  vendor?: string;
  /** INQUIRY product and ATA model, up to 16 characters (default "Virtual DVD-ROM"). */
  product?: string;
  /** INQUIRY product revision and ATA firmware revision, up to 4 characters (default "R103"). */
  revision?: string;
  /** ATA serial number, up to 20 characters. */
  serial?: string;
  /** Initial medium (an ISO 9660 / UDF image, 2048-byte blocks); none = empty drive. */
  medium?: BlockBackend;
}

const BLOCK = 2048;
const CHUNK = 1 << 20;

/** SCSI / MMC operation codes (SPC-4, MMC-6). */
export const ScsiOp = {
  TEST_UNIT_READY: 0x00,
  REQUEST_SENSE: 0x03,
  INQUIRY: 0x12,
  MODE_SELECT_6: 0x15,
  MODE_SENSE_6: 0x1a,
  START_STOP_UNIT: 0x1b,
  PREVENT_ALLOW_MEDIUM_REMOVAL: 0x1e,
  READ_FORMAT_CAPACITIES: 0x23,
  READ_CAPACITY: 0x25,
  READ_10: 0x28,
  SEEK_10: 0x2b,
  VERIFY_10: 0x2f,
  SYNCHRONIZE_CACHE: 0x35,
  READ_SUBCHANNEL: 0x42,
  READ_TOC_PMA_ATIP: 0x43,
  GET_CONFIGURATION: 0x46,
  GET_EVENT_STATUS_NOTIFICATION: 0x4a,
  READ_DISC_INFORMATION: 0x51,
  READ_TRACK_INFORMATION: 0x52,
  MODE_SELECT_10: 0x55,
  MODE_SENSE_10: 0x5a,
  READ_12: 0xa8,
  READ_DVD_STRUCTURE: 0xad,
  SET_CD_SPEED: 0xbb,
  MECHANISM_STATUS: 0xbd,
} as const;

/**
 * The commands that need a medium; without one they end in CHECK CONDITION, NOT READY, MEDIUM
 * NOT PRESENT (MMC-6 §4.1.6.1).
 */
const NEEDS_MEDIUM: ReadonlySet<number> = new Set([
  ScsiOp.TEST_UNIT_READY,
  ScsiOp.READ_CAPACITY,
  ScsiOp.READ_10,
  ScsiOp.READ_12,
  ScsiOp.SEEK_10,
  ScsiOp.VERIFY_10,
  ScsiOp.READ_TOC_PMA_ATIP,
  ScsiOp.READ_DISC_INFORMATION,
  ScsiOp.READ_TRACK_INFORMATION,
]);

/** Big-endian fields of a command packet. */
const be16 = (p: Uint8Array, o: number) => (p[o]! << 8) | p[o + 1]!;
const be32 = (p: Uint8Array, o: number) =>
  ((p[o]! << 24) | (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!) >>> 0;

/** MMC profiles (MMC-6 §5.3.1). */
const Profile = { NONE: 0x0000, CD_ROM: 0x0008, DVD_ROM: 0x0010 } as const;

/** Media event codes of GET EVENT STATUS NOTIFICATION (MMC-6 §6.6.2.4). */
const MediaEvent = { NO_CHANGE: 0, EJECT_REQUEST: 1, NEW_MEDIA: 2, MEDIA_REMOVAL: 3 } as const;

/**
 * An ATAPI DVD-ROM drive (ATA PACKET feature set carrying SPC/MMC commands): IDENTIFY PACKET
 * DEVICE, INQUIRY, TEST UNIT READY, REQUEST SENSE, READ CAPACITY, READ(10)/(12), READ TOC/PMA/ATIP
 * (formats 0 and 1), GET CONFIGURATION (DVD-ROM profile), GET EVENT STATUS NOTIFICATION (media
 * class), MODE SENSE(6/10) (pages 01h, 2Ah), START STOP UNIT (eject/load), PREVENT ALLOW MEDIUM
 * REMOVAL, READ DISC INFORMATION. Media are read-only images inserted and ejected with
 * `insert()` / `eject()`; the guest sees UNIT ATTENTION and a media event after each change.
 */
export class AtapiDvd extends AtaDeviceBase {
  readonly kind = "atapi";
  readonly signature = Signature.ATAPI;
  readonly resetStatus = 0x00;
  readonly vendor: string;
  readonly product: string;
  readonly revision: string;
  readonly serial: string;
  private mediumBackend: BlockBackend | undefined;
  private prevent = false;
  private senseKey: number = SenseKey.NO_SENSE;
  private asc = 0;
  private ascq = 0;
  private unitAttention = false;
  private mediaEvent: number = MediaEvent.NO_CHANGE;
  /** Called when the guest ejects the medium (START STOP UNIT with LoEj). */
  onEject: ((medium: BlockBackend) => void) | undefined;

  constructor(opts: AtapiDvdOptions = {}) {
    super("ATAPI DVD-ROM", "ahci-atapi");
    this.vendor = this.idString(opts.vendor ?? "", 8, "vendor");
    this.product = this.idString(opts.product ?? "Virtual DVD-ROM", 16, "product");
    this.revision = this.idString(opts.revision ?? "R103", 4, "revision");
    this.serial = this.idString(opts.serial ?? "AR00000000000002", 20, "serial");
    if (opts.medium !== undefined) this.checkMedium(opts.medium);
    this.mediumBackend = opts.medium;
    this.buildIdentify();
  }

  /** The inserted medium, or undefined for an empty drive. */
  get medium(): BlockBackend | undefined {
    return this.mediumBackend;
  }

  /** True while the guest has locked the tray (PREVENT ALLOW MEDIUM REMOVAL). */
  get locked(): boolean {
    return this.prevent;
  }

  private checkMedium(m: BlockBackend): void {
    if (m.size <= 0 || m.size % BLOCK !== 0)
      throw new ConfigError(`ATAPI medium of ${m.size} bytes is not a positive multiple of 2048-byte blocks`);
  }

  /** Insert a medium (replacing any): the guest sees NEW MEDIA and UNIT ATTENTION 28h. */
  insert(medium: BlockBackend): void {
    this.checkMedium(medium);
    this.mediumBackend = medium;
    this.mediaEvent = MediaEvent.NEW_MEDIA;
    this.unitAttention = true;
  }

  /** Remove the medium from the host side (even if the guest locked the tray, like pulling an image). */
  eject(): BlockBackend | undefined {
    const m = this.mediumBackend;
    this.mediumBackend = undefined;
    if (m !== undefined) {
      this.mediaEvent = MediaEvent.MEDIA_REMOVAL;
      this.unitAttention = true;
    }
    return m;
  }

  reset(): void {
    this.prevent = false;
  }

  /**
   * Snapshot (inside the HBA's section): the tray lock, the sense data, a pending unit attention,
   * the media event not yet reported, the command count, and whether a medium was in (its size).
   * The medium's contents are the backend's: the board records its identity.
   */
  saveState(w: StateWriter): void {
    w.bool(this.prevent);
    for (const v of [this.senseKey, this.asc, this.ascq, this.mediaEvent]) w.u8(v);
    w.bool(this.unitAttention);
    w.f64(this.commands);
    w.f64(this.mediumBackend === undefined ? -1 : this.mediumBackend.size);
  }

  loadState(r: StateReader): () => void {
    const prevent = r.bool();
    const [key, asc, ascq, event] = [r.u8(), r.u8(), r.u8(), r.u8()];
    const ua = r.bool();
    const commands = r.f64();
    const size = r.f64();
    const have = this.mediumBackend === undefined ? -1 : this.mediumBackend.size;
    if (size !== have)
      throw new SnapshotError(
        "disk",
        `the DVD drive had ${size < 0 ? "no medium" : `a ${size}-byte medium`}, this one has ${have < 0 ? "none" : `a ${have}-byte medium`}`,
      );
    if (key > 0xf) r.fail(`sense key ${key}`);
    return () => {
      this.prevent = prevent;
      this.senseKey = key;
      this.asc = asc;
      this.ascq = ascq;
      this.mediaEvent = event;
      this.unitAttention = ua;
      this.commands = commands;
    };
  }

  private buildIdentify(): void {
    const w = this.id;
    w.fill(0);
    // ATAPI (bits 15:14 = 10), CD-ROM device type 05h, removable, 12-byte packets, DRQ within 50 us.
    w[0] = 0x8000 | (0x05 << 8) | 0x80 | (2 << 5);
    putIdString(w, 10, 10, this.serial);
    putIdString(w, 23, 4, this.revision);
    putIdString(w, 27, 20, this.product);
    w[49] = (1 << 9) | (1 << 8); // LBA, DMA
    w[53] = 0x0006;
    w[63] = 0x0007;
    w[64] = 0x0003;
    w[65] = 120;
    w[66] = 120;
    w[67] = 120;
    w[68] = 120;
    w[76] = (1 << 1) | (1 << 2) | (1 << 3);
    w[80] = 0x07f0;
    w[82] = (1 << 14) | (1 << 4); // NOP, PACKET
    w[83] = 1 << 14;
    w[84] = 1 << 14;
    w[85] = (1 << 14) | (1 << 4);
    w[86] = 0;
    w[87] = 1 << 14;
    w[88] = 0x003f | (1 << (8 + 5)); // UDMA 0-5, mode 5 selected
    w[222] = 0x1000 | 0x7f;
    sealIdentify(w);
  }

  protected run(cmd: AtaCommand): void {
    const tf = cmd.tf;
    switch (tf.command) {
      case AtaCmd.IDENTIFY_PACKET_DEVICE:
        this.sendIdentify(cmd);
        return;
      case AtaCmd.PACKET:
        this.packet(cmd);
        return;
      case AtaCmd.DEVICE_RESET:
      case AtaCmd.EXECUTE_DEVICE_DIAGNOSTIC:
        this.reset();
        cmd.protocol = "non-data";
        cmd.status = 0x00;
        cmd.error = 0x01;
        this.signatureRegs(cmd);
        return;
      case AtaCmd.SET_FEATURES:
        // Transfer mode and the like are accepted; nothing to configure.
        if ((tf.features & 0xff) === 0x03 || (tf.features & 0xff) === 0x02 || (tf.features & 0xff) === 0x82)
          ok(cmd);
        else abort(cmd);
        return;
      case AtaCmd.CHECK_POWER_MODE:
        ok(cmd);
        cmd.outCount = 0xff;
        return;
      case AtaCmd.IDLE_IMMEDIATE:
      case AtaCmd.STANDBY_IMMEDIATE:
        ok(cmd);
        return;
      default:
        // IDENTIFY DEVICE and other ATA commands: abort with the packet signature (ACS-3 §7.12.5).
        abort(cmd);
        this.signatureRegs(cmd);
    }
  }

  private setSense(key: number, asc: number, ascq: number): void {
    this.senseKey = key;
    this.asc = asc;
    this.ascq = ascq;
  }

  /** CHECK CONDITION: Status ERR, Error register = sense key << 4 (ABRT for illegal requests). */
  private checkCondition(cmd: AtaCommand, key: number, asc: number, ascq: number): void {
    this.setSense(key, asc, ascq);
    cmd.protocol = "packet";
    cmd.status = 0x41;
    cmd.error =
      (key << 4) | (key === SenseKey.ILLEGAL_REQUEST || key === SenseKey.ABORTED_COMMAND ? 0x04 : 0);
    cmd.outCount = 0x03; // I/O and C/D: command completed
  }

  private good(cmd: AtaCommand, transferred = 0): void {
    this.setSense(SenseKey.NO_SENSE, 0, 0);
    cmd.protocol = "packet";
    cmd.status = 0x50;
    cmd.error = 0;
    cmd.outCount = 0x03;
    cmd.transferred = transferred;
  }

  /** Send a reply truncated to the allocation length. */
  private reply(cmd: AtaCommand, data: Uint8Array, alloc: number): void {
    const n = Math.min(data.length, alloc);
    if (n > 0 && !cmd.dataIn(0, data.subarray(0, n))) {
      this.checkCondition(cmd, SenseKey.ABORTED_COMMAND, 0, 0);
      return;
    }
    this.good(cmd, n);
  }

  private notReady(cmd: AtaCommand): void {
    // MEDIUM NOT PRESENT - TRAY CLOSED
    this.checkCondition(cmd, SenseKey.NOT_READY, 0x3a, 0x01);
  }

  private invalidField(cmd: AtaCommand): void {
    this.checkCondition(cmd, SenseKey.ILLEGAL_REQUEST, 0x24, 0x00);
  }

  private packet(cmd: AtaCommand): void {
    const p = cmd.packet;
    const op = p[0]!;
    // Commands that neither report nor clear a pending UNIT ATTENTION (SPC-4 §5.14, MMC-6 §4.1.6.1).
    const uaExempt =
      op === ScsiOp.INQUIRY ||
      op === ScsiOp.REQUEST_SENSE ||
      op === ScsiOp.GET_EVENT_STATUS_NOTIFICATION ||
      op === ScsiOp.GET_CONFIGURATION;
    if (this.unitAttention && !uaExempt) {
      this.unitAttention = false;
      // NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED
      this.checkCondition(cmd, SenseKey.UNIT_ATTENTION, 0x28, 0x00);
      return;
    }
    const m = this.mediumBackend;
    if (NEEDS_MEDIUM.has(op)) {
      if (m === undefined) this.notReady(cmd);
      else this.mediumCommand(cmd, m);
      return;
    }
    switch (op) {
      case ScsiOp.REQUEST_SENSE: {
        const out = this.zeroed(18);
        out[0] = 0x70;
        if (this.unitAttention) {
          this.unitAttention = false;
          this.setSense(SenseKey.UNIT_ATTENTION, 0x28, 0);
        } else if (m === undefined && this.senseKey === SenseKey.NO_SENSE) {
          this.setSense(SenseKey.NOT_READY, 0x3a, 0x01);
        }
        out[2] = this.senseKey;
        out[7] = 10;
        out[12] = this.asc;
        out[13] = this.ascq;
        this.reply(cmd, out, p[4]!);
        return;
      }
      case ScsiOp.INQUIRY:
        this.inquiry(cmd);
        return;
      case ScsiOp.GET_CONFIGURATION:
        this.getConfiguration(cmd);
        return;
      case ScsiOp.GET_EVENT_STATUS_NOTIFICATION:
        this.getEventStatus(cmd);
        return;
      case ScsiOp.MODE_SENSE_10:
      case ScsiOp.MODE_SENSE_6:
        this.modeSense(cmd, op === ScsiOp.MODE_SENSE_10);
        return;
      case ScsiOp.START_STOP_UNIT: {
        const loej = (p[4]! & 2) !== 0;
        const start = (p[4]! & 1) !== 0;
        if (loej && !start) {
          if (this.prevent) {
            this.checkCondition(cmd, SenseKey.ILLEGAL_REQUEST, 0x53, 0x02);
            return;
          }
          const old = this.mediumBackend;
          this.mediumBackend = undefined;
          if (old !== undefined) {
            this.mediaEvent = MediaEvent.MEDIA_REMOVAL;
            this.onEject?.(old);
          }
        }
        this.good(cmd);
        return;
      }
      case ScsiOp.PREVENT_ALLOW_MEDIUM_REMOVAL:
        this.prevent = (p[4]! & 1) !== 0;
        this.good(cmd);
        return;
      case ScsiOp.SET_CD_SPEED:
      case ScsiOp.SYNCHRONIZE_CACHE:
        this.good(cmd);
        return;
      default:
        this.log.warn(`op-${op}`, `unsupported packet command 0x${op.toString(16)}`);
        // INVALID COMMAND OPERATION CODE
        this.checkCondition(cmd, SenseKey.ILLEGAL_REQUEST, 0x20, 0x00);
    }
  }

  private inquiry(cmd: AtaCommand): void {
    const p = cmd.packet;
    const alloc = (p[3]! << 8) | p[4]!;
    if (p[1]! & 1) {
      // Vital product data: supported pages (00h) and unit serial number (80h).
      const page = p[2]!;
      if (page === 0x00) {
        const out = this.zeroed(6);
        out[0] = 0x05;
        out[3] = 2;
        out[4] = 0x00;
        out[5] = 0x80;
        this.reply(cmd, out, alloc);
      } else if (page === 0x80) {
        const s = this.serial;
        const out = this.zeroed(4 + s.length);
        out[0] = 0x05;
        out[1] = 0x80;
        out[3] = s.length;
        for (let i = 0; i < s.length; i++) out[4 + i] = s.charCodeAt(i);
        this.reply(cmd, out, alloc);
      } else this.invalidField(cmd);
      return;
    }
    if (p[2]! !== 0) {
      this.invalidField(cmd);
      return;
    }
    // SPC-4 §6.4.2 standard data: CD/DVD device, removable, SPC-3, response format 2.
    const out = this.zeroed(36);
    out[0] = 0x05;
    out[1] = 0x80;
    out[2] = 0x05;
    out[3] = 0x02;
    out[4] = 31;
    const put = (o: number, n: number, s: string) => {
      const t = s.padEnd(n, " ");
      for (let i = 0; i < n; i++) out[o + i] = t.charCodeAt(i);
    };
    put(8, 8, this.vendor);
    put(16, 16, this.product);
    put(32, 4, this.revision);
    this.reply(cmd, out, alloc);
  }

  /** The commands in NEEDS_MEDIUM, with a medium present. */
  private mediumCommand(cmd: AtaCommand, m: BlockBackend): void {
    const p = cmd.packet;
    switch (p[0]) {
      case ScsiOp.TEST_UNIT_READY:
        this.good(cmd);
        return;
      case ScsiOp.READ_CAPACITY: {
        const out = this.zeroed(8);
        const d = new DataView(out.buffer, out.byteOffset, 8);
        d.setUint32(0, Math.min(m.size / BLOCK - 1, 0xffffffff));
        d.setUint32(4, BLOCK);
        this.reply(cmd, out, 8);
        return;
      }
      case ScsiOp.READ_10:
        this.read(cmd, m, be32(p, 2), be16(p, 7));
        return;
      case ScsiOp.READ_12:
        this.read(cmd, m, be32(p, 2), be32(p, 6));
        return;
      case ScsiOp.SEEK_10:
      case ScsiOp.VERIFY_10:
        if (be32(p, 2) >= m.size / BLOCK) {
          this.checkCondition(cmd, SenseKey.ILLEGAL_REQUEST, 0x21, 0x00);
          return;
        }
        this.good(cmd);
        return;
      case ScsiOp.READ_TOC_PMA_ATIP:
        this.readToc(cmd, m);
        return;
      case ScsiOp.READ_DISC_INFORMATION: {
        // MMC-6 §6.22.3.1: standard disc information, a complete disc with one session and one track.
        const out = this.zeroed(34);
        out[1] = 32;
        out[2] = 0x0e; // last session complete, disc complete
        out[3] = 1; // first track
        out[4] = 1; // sessions (LSB)
        out[5] = 1; // first track in last session
        out[6] = 1; // last track in last session
        out[8] = 0x00; // CD-DA or CD-ROM disc type
        this.reply(cmd, out, be16(p, 7));
        return;
      }
      default: // READ TRACK INFORMATION
        this.readTrackInformation(cmd, m);
    }
  }

  private read(cmd: AtaCommand, m: BlockBackend, lba: number, blocks: number): void {
    const total = m.size / BLOCK;
    if (lba + blocks > total) {
      this.checkCondition(cmd, SenseKey.ILLEGAL_REQUEST, 0x21, 0x00);
      return;
    }
    const bytes = blocks * BLOCK;
    for (let done = 0; done < bytes; done += CHUNK) {
      const n = Math.min(CHUNK, bytes - done);
      const b = this.scratch(n);
      if (!m.read(lba * BLOCK + done, b)) {
        // UNRECOVERED READ ERROR
        this.checkCondition(cmd, SenseKey.MEDIUM_ERROR, 0x11, 0x00);
        cmd.transferred = done;
        return;
      }
      if (!cmd.dataIn(done, b)) {
        this.checkCondition(cmd, SenseKey.ABORTED_COMMAND, 0x00, 0x00);
        cmd.transferred = done;
        return;
      }
    }
    this.good(cmd, bytes);
  }

  /** An address as LBA or as MSF (minute, second, frame with the 150-frame lead-in offset). */
  private putAddr(out: Uint8Array, o: number, lba: number, msf: boolean): void {
    if (msf) {
      const f = lba + 150;
      out[o] = 0;
      out[o + 1] = Math.floor(f / (60 * 75)) & 0xff;
      out[o + 2] = Math.floor(f / 75) % 60;
      out[o + 3] = f % 75;
    } else {
      out[o] = (lba >>> 24) & 0xff;
      out[o + 1] = (lba >>> 16) & 0xff;
      out[o + 2] = (lba >>> 8) & 0xff;
      out[o + 3] = lba & 0xff;
    }
  }

  /** READ TOC/PMA/ATIP (MMC-6 §6.39): format 0 (TOC) and 1 (session information). */
  private readToc(cmd: AtaCommand, m: BlockBackend): void {
    const p = cmd.packet;
    const msf = (p[1]! & 2) !== 0;
    let format = p[2]! & 0x0f;
    // Older drives take the format from the control byte's vendor bits (Linux sr_cd_check uses 0x40).
    if (format === 0) format = p[9]! >> 6;
    const track = p[6]!;
    const alloc = (p[7]! << 8) | p[8]!;
    const leadOut = m.size / BLOCK;
    if (format === 0) {
      if (track > 1 && track !== 0xaa) {
        this.invalidField(cmd);
        return;
      }
      const entries = track === 0xaa ? 1 : 2;
      const out = this.zeroed(4 + 8 * entries);
      out[0] = ((2 + 8 * entries) >> 8) & 0xff;
      out[1] = (2 + 8 * entries) & 0xff;
      out[2] = 1;
      out[3] = 1;
      let o = 4;
      if (entries === 2) {
        out[o + 1] = 0x14; // ADR 1, data track
        out[o + 2] = 1;
        this.putAddr(out, o + 4, 0, msf);
        o += 8;
      }
      out[o + 1] = 0x14;
      out[o + 2] = 0xaa;
      this.putAddr(out, o + 4, leadOut, msf);
      this.reply(cmd, out, alloc);
      return;
    }
    if (format === 1) {
      const out = this.zeroed(12);
      out[1] = 10;
      out[2] = 1;
      out[3] = 1;
      out[5] = 0x14;
      out[6] = 1;
      this.putAddr(out, 8, 0, msf);
      this.reply(cmd, out, alloc);
      return;
    }
    this.invalidField(cmd);
  }

  /** READ TRACK INFORMATION (MMC-6 §6.34): the one data track of a complete disc. */
  private readTrackInformation(cmd: AtaCommand, m: BlockBackend): void {
    const p = cmd.packet;
    const type = p[1]! & 3;
    const addr = be32(p, 2);
    const blocks = m.size / BLOCK;
    const ok = type === 0 ? addr < blocks : type === 1 || type === 2 ? addr === 1 : false;
    if (!ok) {
      this.invalidField(cmd);
      return;
    }
    const out = this.zeroed(48);
    const d = new DataView(out.buffer, out.byteOffset, 48);
    d.setUint16(0, 46);
    out[2] = 1; // track number
    out[3] = 1; // session number
    out[5] = 0x04; // data track, recorded uninterrupted
    out[6] = 0x01; // data mode 1
    d.setUint32(8, 0); // track start
    d.setUint32(20, 16); // blocking factor (ECC block of a DVD)
    d.setUint32(24, blocks); // track size
    d.setUint32(28, blocks - 1); // last recorded address
    this.reply(cmd, out, (p[7]! << 8) | p[8]!);
  }

  /** GET CONFIGURATION (MMC-6 §6.6): profile list, core, morphing, removable medium, random readable, CD read, DVD read. */
  private getConfiguration(cmd: AtaCommand): void {
    const p = cmd.packet;
    const rt = p[1]! & 3;
    const start = (p[2]! << 8) | p[3]!;
    const alloc = (p[7]! << 8) | p[8]!;
    if (rt === 3) {
      this.invalidField(cmd);
      return;
    }
    const present = this.mediumBackend !== undefined;
    const out = this.zeroed(128);
    let o = 8;
    const feature = (
      code: number,
      version: number,
      persistent: boolean,
      current: boolean,
      data: number[],
    ) => {
      const want = rt === 2 ? code === start : code >= start && (rt === 0 || current);
      if (!want) return;
      out[o] = code >> 8;
      out[o + 1] = code & 0xff;
      out[o + 2] = (version << 2) | (persistent ? 2 : 0) | (current ? 1 : 0);
      out[o + 3] = data.length;
      out.set(data, o + 4);
      o += 4 + data.length;
    };
    feature(0x0000, 0, true, true, [
      Profile.DVD_ROM >> 8,
      Profile.DVD_ROM & 0xff,
      present ? 1 : 0,
      0,
      Profile.CD_ROM >> 8,
      Profile.CD_ROM & 0xff,
      0,
      0,
    ]);
    feature(0x0001, 2, true, true, [0, 0, 0, 2, 0, 0, 0, 0]); // Core: ATAPI
    feature(0x0002, 1, true, true, [0, 0, 0, 0]); // Morphing (polled events)
    feature(0x0003, 0, true, true, [(1 << 5) | (1 << 3) | 1, 0, 0, 0]); // Removable: tray, eject, lock
    feature(0x0010, 0, false, present, [0, 0, BLOCK >> 8, 0, 0, 16, 0, 0]); // Random readable
    feature(0x001e, 2, false, false, [0, 0, 0, 0]); // CD read
    feature(0x001f, 0, false, present, [0, 0, 0, 0]); // DVD read
    const len = o - 4;
    out[0] = (len >>> 24) & 0xff;
    out[1] = (len >>> 16) & 0xff;
    out[2] = (len >>> 8) & 0xff;
    out[3] = len & 0xff;
    const cur = present ? Profile.DVD_ROM : Profile.NONE;
    out[6] = cur >> 8;
    out[7] = cur & 0xff;
    this.reply(cmd, out.subarray(0, o), alloc);
  }

  /** GET EVENT STATUS NOTIFICATION (MMC-6 §6.7), polled, media class only. */
  private getEventStatus(cmd: AtaCommand): void {
    const p = cmd.packet;
    if ((p[1]! & 1) === 0) {
      this.invalidField(cmd);
      return;
    } // asynchronous mode not supported
    const classes = p[4]!;
    const alloc = (p[7]! << 8) | p[8]!;
    const out = this.zeroed(8);
    out[3] = 1 << 4; // supported event classes: media
    if ((classes & (1 << 4)) === 0) {
      out[1] = 2;
      out[2] = 0x80; // NEA, no class
      this.reply(cmd, out.subarray(0, 4), alloc);
      return;
    }
    out[1] = 6;
    out[2] = 4; // media class
    out[4] = this.mediaEvent;
    out[5] = this.mediumBackend !== undefined ? 2 : 0;
    this.mediaEvent = MediaEvent.NO_CHANGE;
    this.reply(cmd, out, alloc);
  }

  /** MODE SENSE(6/10) (SPC-4 §6.11/6.12): pages 01h (error recovery) and 2Ah (MM capabilities). */
  private modeSense(cmd: AtaCommand, ten: boolean): void {
    const p = cmd.packet;
    const pc = p[2]! >> 6;
    const page = p[2]! & 0x3f;
    const alloc = ten ? (p[7]! << 8) | p[8]! : p[4]!;
    if (pc === 3) {
      this.checkCondition(cmd, SenseKey.ILLEGAL_REQUEST, 0x39, 0x00);
      return;
    }
    const changeable = pc === 1;
    const hdr = ten ? 8 : 4;
    const out = this.zeroed(hdr + 12 + 22);
    let o = hdr;
    if (page === 0x01 || page === 0x3f) {
      out[o] = 0x01;
      out[o + 1] = 0x0a;
      o += 12;
    }
    if (page === 0x2a || page === 0x3f) {
      out[o] = 0x2a;
      out[o + 1] = 0x14;
      if (!changeable) {
        out[o + 2] = 0x3b; // reads CD-R, CD-RW, method 2, DVD-ROM
        out[o + 3] = 0x00; // no writing
        out[o + 4] = 0x71; // audio play, mode 2 form 1 and 2, multi-session
        out[o + 5] = 0x03; // CD-DA commands, accurate stream
        out[o + 6] = (1 << 5) | (1 << 3) | (this.prevent ? 2 : 0) | 1; // tray, eject, lock state, lock
        out[o + 8] = 4224 >> 8; // max read speed (obsolete field): 24x CD = 4224 kB/s
        out[o + 9] = 4224 & 0xff;
        out[o + 10] = 0x01; // volume levels: 256
        out[o + 11] = 0x00;
        out[o + 12] = 0x00; // buffer 512 KiB
        out[o + 13] = 0x02;
        out[o + 14] = 4224 >> 8;
        out[o + 15] = 4224 & 0xff;
      }
      o += 22;
    }
    if (o === hdr) {
      this.invalidField(cmd);
      return;
    }
    if (ten) {
      out[0] = ((o - 2) >> 8) & 0xff;
      out[1] = (o - 2) & 0xff;
    } else out[0] = o - 1;
    this.reply(cmd, out.subarray(0, o), alloc);
  }
}
