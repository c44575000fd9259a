import type { BlockBackend, StateReader, StateWriter } from "@armature/core";
import { type AtaCommand, AtaDeviceBase, abort, ok, putIdString, sealIdentify } from "./device.js";
import { AtaCmd, AtaError, Signature } from "./regs.js";

export interface SataDiskOptions {
  /** IDENTIFY model number, up to 40 characters (default "ARMATURE HARDDISK"). */
  model?: string;
  /** IDENTIFY serial number, up to 20 characters (default "AR00000000000001"). */
  serial?: string;
  /** IDENTIFY firmware revision, up to 8 characters (default "1.0"). */
  firmware?: string;
  /** Physical sector size: 512 or 4096 bytes (logical sectors are always 512). Default 512. */
  physicalSectorSize?: 512 | 4096;
  /** Volatile write cache enabled at power-on (default true; SET FEATURES 02h/82h toggle it). */
  writeCache?: boolean;
  /** Advertise DATA SET MANAGEMENT / TRIM (default: true unless the backend is read-only). */
  trim?: boolean;
  /** Advertise NCQ (READ/WRITE FPDMA QUEUED, queue depth 32). Default true. */
  ncq?: boolean;
  /** Nominal media rotation rate (IDENTIFY word 217): 1 = solid state (default). */
  rotationRate?: number;
}

const SECTOR = 512;
const CHUNK = 1 << 20;
/** DSM: how many 512-byte blocks of LBA range entries one command may carry (IDENTIFY word 105). */
const DSM_MAX_BLOCKS = 8;
const MAX_MULTIPLE = 16;

/** The PIO and DMA reads and writes (ACS-3 §7): LBA width, direction, DMA or PIO, forced unit access. */
const READ_WRITE: ReadonlyMap<number, { lba48: boolean; write: boolean; dma: boolean; fua: boolean }> =
  new Map(
    (
      [
        [AtaCmd.READ_SECTORS, false, false, false, false],
        [AtaCmd.READ_MULTIPLE, false, false, false, false],
        [AtaCmd.READ_DMA, false, false, true, false],
        [AtaCmd.READ_SECTORS_EXT, true, false, false, false],
        [AtaCmd.READ_MULTIPLE_EXT, true, false, false, false],
        [AtaCmd.READ_DMA_EXT, true, false, true, false],
        [AtaCmd.WRITE_SECTORS, false, true, false, false],
        [AtaCmd.WRITE_MULTIPLE, false, true, false, false],
        [AtaCmd.WRITE_DMA, false, true, true, false],
        [AtaCmd.WRITE_SECTORS_EXT, true, true, false, false],
        [AtaCmd.WRITE_MULTIPLE_EXT, true, true, false, false],
        [AtaCmd.WRITE_MULTIPLE_FUA_EXT, true, true, false, true],
        [AtaCmd.WRITE_DMA_EXT, true, true, true, false],
        [AtaCmd.WRITE_DMA_FUA_EXT, true, true, true, true],
      ] as const
    ).map(([op, lba48, write, dma, fua]) => [op, { lba48, write, dma, fua }]),
  );

/** General Purpose Log addresses (ACS-3 Table A.2). */
const Log = { DIRECTORY: 0x00, NCQ_ERROR: 0x10, IDENTIFY_DEVICE: 0x30 } as const;

/**
 * A SATA disk (ACS-3): IDENTIFY DEVICE, 28/48-bit PIO and DMA reads and writes, NCQ (READ/WRITE
 * FPDMA QUEUED), FLUSH CACHE (EXT), SET FEATURES, READ LOG (DMA) EXT (directory, NCQ command
 * error, IDENTIFY DEVICE data page 0), DATA SET MANAGEMENT/TRIM, power-mode commands. SMART is
 * not supported. Errors are reported with Status.ERR and Error.ABRT/IDNF/UNC.
 */
export class SataDisk extends AtaDeviceBase {
  readonly kind = "ata";
  readonly signature = Signature.ATA;
  readonly resetStatus = 0x50;
  readonly sectors: number;
  readonly model: string;
  readonly serial: string;
  readonly firmware: string;
  readonly trim: boolean;
  readonly ncq: boolean;
  private writeCache: boolean;
  private readonly defaultWriteCache: boolean;
  private readonly physical: number;
  private readonly rotation: number;
  private multiple = MAX_MULTIPLE;
  private udmaMode = 6;
  /** The last NCQ error (for log 10h): tag, status, error, LBA, count; -1 = none. */
  private ncqErrTag = -1;
  private ncqErrStatus = 0;
  private ncqErrError = 0;
  private ncqErrLba = 0;
  private ncqErrCount = 0;

  constructor(
    readonly backend: BlockBackend,
    opts: SataDiskOptions = {},
  ) {
    super("SATA disk", "ahci-disk");
    if (backend.size <= 0 || backend.size % SECTOR !== 0)
      this.fail(
        `backend size ${backend.size} is not a positive multiple of 512 bytes; pad the image (truncate -s)`,
      );
    this.sectors = backend.size / SECTOR;
    if (this.sectors >= 2 ** 48) this.fail("more than 2^48 sectors cannot be addressed by LBA48");
    this.model = this.idString(opts.model ?? "ARMATURE HARDDISK", 40, "model");
    this.serial = this.idString(opts.serial ?? "AR00000000000001", 20, "serial");
    this.firmware = this.idString(opts.firmware ?? "1.0", 8, "firmware");
    this.physical = opts.physicalSectorSize ?? 512;
    if (this.physical !== 512 && this.physical !== 4096)
      this.fail(`physical sector size ${this.physical}: use 512 or 4096`);
    this.defaultWriteCache = opts.writeCache ?? true;
    this.writeCache = this.defaultWriteCache;
    this.trim = (opts.trim ?? !backend.readOnly) && !backend.readOnly;
    this.ncq = opts.ncq ?? true;
    this.rotation = opts.rotationRate ?? 1;
    this.buildIdentify();
  }

  reset(): void {
    this.multiple = MAX_MULTIPLE;
    this.buildIdentify();
  }

  /**
   * Snapshot (inside the HBA's section): the settings SET FEATURES and SET MULTIPLE change (write
   * cache, multiple count, UDMA mode), the last NCQ error (for READ LOG EXT 10h) and the command
   * count. The contents are the backend's: the board records the disk's identity.
   */
  saveState(w: StateWriter): void {
    w.bool(this.writeCache);
    for (const k of DISK_I32) w.i32(this[k]);
    w.f64(this.ncqErrLba);
    w.f64(this.commands);
    w.f64(this.sectors);
  }

  loadState(r: StateReader): () => void {
    const writeCache = r.bool();
    const s = {} as Record<(typeof DISK_I32)[number], number>;
    for (const k of DISK_I32) s[k] = r.i32();
    const lba = r.f64();
    const commands = r.f64();
    const sectors = r.f64();
    if (sectors !== this.sectors) r.fail(`the disk had ${sectors} sectors, this one has ${this.sectors}`);
    const { multiple, udmaMode: udma, ncqErrTag: tag } = s;
    if (multiple < 0 || multiple > MAX_MULTIPLE || udma < 0 || udma > 6 || tag < -1 || tag > 31)
      r.fail(`disk settings (multiple ${multiple}, UDMA ${udma}, NCQ tag ${tag})`);
    return () => {
      Object.assign(this, s);
      this.writeCache = writeCache;
      this.ncqErrLba = lba;
      this.commands = commands;
      this.buildIdentify();
    };
  }

  private buildIdentify(): void {
    const w = this.id;
    w.fill(0);
    const n = this.sectors;
    w[0] = 0x0040; // fixed device, ATA
    // Default CHS geometry (obsolete words, still read by old software).
    const cyl = Math.min(16383, Math.floor(n / (16 * 63)));
    w[1] = cyl;
    w[3] = 16;
    w[6] = 63;
    putIdString(w, 10, 10, this.serial);
    putIdString(w, 23, 4, this.firmware);
    putIdString(w, 27, 20, this.model);
    w[47] = 0x8000 | MAX_MULTIPLE;
    w[49] = (1 << 9) | (1 << 8); // LBA, DMA
    w[50] = 0x4000;
    w[53] = 0x0006; // words 64-70 and 88 valid
    w[54] = cyl;
    w[55] = 16;
    w[56] = 63;
    const chs = cyl * 16 * 63;
    w[57] = chs & 0xffff;
    w[58] = chs >>> 16;
    w[59] = 0x0100 | this.multiple;
    const lba28 = Math.min(n, 0x0fffffff);
    w[60] = lba28 & 0xffff;
    w[61] = lba28 >>> 16;
    w[63] = 0x0007; // MWDMA 0-2 supported
    w[64] = 0x0003; // PIO 3-4
    w[65] = 120;
    w[66] = 120;
    w[67] = 120;
    w[68] = 120;
    if (this.trim) w[69] = (1 << 14) | (1 << 5); // deterministic read after TRIM, reads zero
    if (this.ncq) w[75] = 31; // queue depth 32
    // SATA capabilities: Gen1/2/3 speeds, NCQ.
    w[76] = (1 << 1) | (1 << 2) | (1 << 3) | (this.ncq ? 1 << 8 : 0);
    w[77] = 3 << 1; // current speed Gen3
    w[80] = 0x07f0; // ATA/ATAPI-4 .. ACS-3
    w[81] = 0x0000;
    // Command sets: 82 (NOP, write cache, look-ahead), 83 (LBA48, FLUSH CACHE EXT, FLUSH CACHE),
    // 84 (General Purpose Logging, bit 14 one).
    w[82] = (1 << 14) | (1 << 6) | (1 << 5);
    w[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10);
    w[84] = (1 << 14) | (1 << 5);
    w[85] = (1 << 14) | (1 << 6) | (this.writeCache ? 1 << 5 : 0);
    w[86] = (1 << 13) | (1 << 12) | (1 << 10);
    w[87] = (1 << 14) | (1 << 5);
    w[88] = 0x007f | (1 << (8 + this.udmaMode)); // UDMA 0-6 supported, current mode selected
    w[93] = 0;
    const v = n;
    w[100] = v & 0xffff;
    w[101] = Math.floor(v / 0x10000) & 0xffff;
    w[102] = Math.floor(v / 0x100000000) & 0xffff;
    w[103] = 0;
    if (this.trim) w[105] = DSM_MAX_BLOCKS;
    // Physical/logical sector size (word 106): valid, 2^X logical sectors per physical sector.
    w[106] = this.physical === 4096 ? 0x4000 | (1 << 13) | 3 : 0x4000;
    w[209] = 0x4000; // logical sector 0 is at offset 0 of a physical sector
    if (this.trim) w[169] = 1;
    w[217] = this.rotation;
    w[222] = 0x1000 | 0x7f; // Serial ATA; SATA 1.0a .. 3.1
    sealIdentify(w);
  }

  protected run(cmd: AtaCommand): void {
    const tf = cmd.tf;
    const rw = READ_WRITE.get(tf.command);
    if (rw !== undefined) {
      // A sector count of 0 means 256 sectors with 28-bit LBA, 65536 with 48-bit.
      const lba = rw.lba48 ? tf.lba : lba28(tf.lba, tf.device);
      const count = rw.lba48 ? tf.count || 65536 : tf.count & 0xff || 256;
      this.readWrite(cmd, lba, count, rw.write, rw.dma ? "dma" : rw.write ? "pio-out" : "pio-in", rw.fua);
      return;
    }
    switch (tf.command) {
      case AtaCmd.IDENTIFY_DEVICE:
        this.sendIdentify(cmd);
        return;
      case AtaCmd.READ_FPDMA_QUEUED:
      case AtaCmd.WRITE_FPDMA_QUEUED: {
        const write = tf.command === AtaCmd.WRITE_FPDMA_QUEUED;
        if (!this.ncq) {
          abort(cmd);
          return;
        }
        this.readWrite(cmd, tf.lba, tf.features || 65536, write, "ncq", write && (tf.device & 0x80) !== 0);
        if (cmd.status & 1) this.recordNcqError(cmd, tf.count >> 3, tf.lba, tf.features);
        return;
      }
      case AtaCmd.READ_VERIFY:
      case AtaCmd.READ_VERIFY_EXT: {
        const ext = tf.command === AtaCmd.READ_VERIFY_EXT;
        const lba = ext ? tf.lba : lba28(tf.lba, tf.device);
        const count = ext ? tf.count || 65536 : tf.count & 0xff || 256;
        if (lba + count > this.sectors) abort(cmd, AtaError.IDNF | AtaError.ABRT);
        else ok(cmd);
        return;
      }
      case AtaCmd.FLUSH_CACHE:
      case AtaCmd.FLUSH_CACHE_EXT:
        if (this.backend.flush()) ok(cmd);
        else abort(cmd);
        return;
      case AtaCmd.SET_FEATURES:
        this.setFeatures(cmd);
        return;
      case AtaCmd.SET_MULTIPLE_MODE: {
        const c = tf.count & 0xff;
        if (c === 0 || c > MAX_MULTIPLE || (c & (c - 1)) !== 0) abort(cmd);
        else {
          this.multiple = c;
          this.buildIdentify();
          ok(cmd);
        }
        return;
      }
      case AtaCmd.READ_LOG_EXT:
      case AtaCmd.READ_LOG_DMA_EXT:
        this.readLog(cmd, tf.command === AtaCmd.READ_LOG_DMA_EXT ? "dma" : "pio-in");
        return;
      case AtaCmd.DSM:
        this.dsm(cmd);
        return;
      case AtaCmd.CHECK_POWER_MODE:
        ok(cmd);
        cmd.outCount = 0xff; // active or idle
        return;
      case AtaCmd.STANDBY_IMMEDIATE:
      case AtaCmd.IDLE_IMMEDIATE:
      case AtaCmd.STANDBY:
      case AtaCmd.IDLE:
      case AtaCmd.SLEEP:
      case AtaCmd.RECALIBRATE:
      case AtaCmd.INITIALIZE_DEVICE_PARAMETERS:
        ok(cmd);
        return;
      case AtaCmd.EXECUTE_DEVICE_DIAGNOSTIC:
        ok(cmd);
        cmd.error = 0x01;
        this.signatureRegs(cmd);
        return;
      case AtaCmd.PACKET:
      case AtaCmd.IDENTIFY_PACKET_DEVICE:
      case AtaCmd.DEVICE_RESET:
        // Not a packet device: abort with the ATA signature in the registers (ACS-3 §7.17.5).
        abort(cmd);
        this.signatureRegs(cmd);
        return;
      default:
        // NOP, SMART, READ NATIVE MAX, vendor commands...: not supported.
        this.log.warn(`cmd-${tf.command}`, `unsupported ATA command 0x${tf.command.toString(16)} aborted`);
        abort(cmd);
    }
  }

  private readWrite(
    cmd: AtaCommand,
    lba: number,
    count: number,
    write: boolean,
    protocol: "dma" | "pio-in" | "pio-out" | "ncq",
    fua = false,
  ): void {
    if (lba + count > this.sectors) {
      abort(cmd, AtaError.IDNF | AtaError.ABRT, protocol);
      cmd.outLba = lba;
      return;
    }
    const b = this.backend;
    if (write && b.readOnly) {
      abort(cmd, AtaError.ABRT, protocol);
      return;
    }
    const total = count * SECTOR;
    const base = lba * SECTOR;
    for (let done = 0; done < total; done += CHUNK) {
      const buf = this.scratch(Math.min(CHUNK, total - done));
      if (write) {
        if (!cmd.dataOut(done, buf)) {
          abort(cmd, AtaError.ABRT, protocol);
          cmd.transferred = done;
          return;
        }
        if (!b.write(base + done, buf)) {
          abort(cmd, AtaError.ABRT, protocol);
          cmd.transferred = done;
          return;
        }
      } else {
        if (!b.read(base + done, buf)) {
          abort(cmd, AtaError.UNC | AtaError.ABRT, protocol);
          cmd.transferred = done;
          return;
        }
        if (!cmd.dataIn(done, buf)) {
          abort(cmd, AtaError.ABRT, protocol);
          cmd.transferred = done;
          return;
        }
      }
    }
    if (write && (fua || !this.writeCache) && !b.flush()) {
      abort(cmd, AtaError.ABRT, protocol);
      return;
    }
    cmd.transferred = total;
    ok(cmd, protocol);
  }

  private recordNcqError(cmd: AtaCommand, tag: number, lba: number, count: number): void {
    this.ncqErrTag = tag & 0x1f;
    this.ncqErrStatus = cmd.status;
    this.ncqErrError = cmd.error;
    this.ncqErrLba = lba;
    this.ncqErrCount = count;
  }

  private setFeatures(cmd: AtaCommand): void {
    const sub = cmd.tf.features & 0xff;
    switch (sub) {
      case 0x02: // enable volatile write cache
      case 0x82: // disable volatile write cache
        this.writeCache = sub === 0x02;
        this.buildIdentify();
        ok(cmd);
        return;
      case 0x03: {
        // Set transfer mode (count: mode class in bits 7:3, mode in 2:0).
        const c = cmd.tf.count & 0xff;
        const cls = c >> 3;
        const mode = c & 7;
        if (cls === 8 && mode <= 6) {
          this.udmaMode = mode;
          this.buildIdentify();
          ok(cmd);
        } else if (cls <= 1 || (cls === 4 && mode <= 2)) ok(cmd);
        else abort(cmd);
        return;
      }
      case 0x55: // disable read look-ahead
      case 0xaa: // enable read look-ahead
      case 0x66: // disable reverting to power-on defaults
      case 0xcc: // enable reverting to power-on defaults
        ok(cmd);
        return;
      default:
        // SATA features (10h/90h), APM, PUIS...: not supported.
        abort(cmd);
    }
  }

  private readLog(cmd: AtaCommand, protocol: "pio-in" | "dma"): void {
    const tf = cmd.tf;
    const logAddr = tf.lba & 0xff;
    const page = Math.floor(tf.lba / 0x100) & 0xffff;
    const pages = tf.count;
    if (pages === 0) {
      abort(cmd, AtaError.ABRT, protocol);
      return;
    }
    const out = this.scratch(pages * 512);
    out.fill(0);
    const d = new DataView(out.buffer, out.byteOffset, out.length);
    switch (logAddr) {
      case Log.DIRECTORY:
        if (page !== 0 || pages !== 1) {
          abort(cmd, AtaError.ABRT, protocol);
          return;
        }
        d.setUint16(0, 0x0001, true); // GPL version
        if (this.ncq) d.setUint16(Log.NCQ_ERROR * 2, 1, true);
        d.setUint16(Log.IDENTIFY_DEVICE * 2, 1, true);
        break;
      case Log.NCQ_ERROR:
        if (!this.ncq || page !== 0 || pages !== 1) {
          abort(cmd, AtaError.ABRT, protocol);
          return;
        }
        // ACS-3 §A.14: byte 0 NQ|tag (NQ set when the error was not for a queued command).
        out[0] = this.ncqErrTag < 0 ? 0x80 : this.ncqErrTag;
        out[2] = this.ncqErrStatus;
        out[3] = this.ncqErrError;
        out[4] = this.ncqErrLba & 0xff;
        out[5] = (this.ncqErrLba >>> 8) & 0xff;
        out[6] = (this.ncqErrLba >>> 16) & 0xff;
        out[8] = Math.floor(this.ncqErrLba / 0x1000000) & 0xff;
        out[9] = Math.floor(this.ncqErrLba / 0x100000000) & 0xff;
        out[10] = Math.floor(this.ncqErrLba / 0x10000000000) & 0xff;
        out[12] = this.ncqErrCount & 0xff;
        out[13] = (this.ncqErrCount >>> 8) & 0xff;
        {
          let sum = 0;
          for (let i = 0; i < 511; i++) sum += out[i]!;
          out[511] = (256 - (sum & 0xff)) & 0xff;
        }
        this.ncqErrTag = -1;
        break;
      case Log.IDENTIFY_DEVICE:
        // ACS-3 §9.10: page 0 lists the supported pages (only page 0 here).
        if (page !== 0 || pages !== 1) {
          abort(cmd, AtaError.ABRT, protocol);
          return;
        }
        d.setUint16(0, 0x0001, true);
        out[2] = 0; // page number
        out[8] = 1; // number of entries
        out[9] = 0x00;
        break;
      default:
        abort(cmd, AtaError.ABRT, protocol);
        return;
    }
    this.sendIn(cmd, out, protocol);
  }

  private discardRange(offset: number, length: number): boolean {
    const b = this.backend;
    return b.discard !== undefined ? b.discard(offset, length) : b.writeZeroes(offset, length);
  }

  /** DATA SET MANAGEMENT with the TRIM bit (ACS-3 §7.5): LBA range entries (48-bit LBA, 16-bit count). */
  private dsm(cmd: AtaCommand): void {
    const tf = cmd.tf;
    const blocks = tf.count;
    if (!this.trim || (tf.features & 1) === 0 || blocks === 0 || blocks > DSM_MAX_BLOCKS) {
      abort(cmd, AtaError.ABRT, "dma");
      return;
    }
    const buf = this.scratch(blocks * 512);
    if (!cmd.dataOut(0, buf)) {
      abort(cmd, AtaError.ABRT, "dma");
      return;
    }
    cmd.transferred = buf.length;
    const d = new DataView(buf.buffer, buf.byteOffset, buf.length);
    // Validate every entry before touching the disk.
    for (let o = 0; o < buf.length; o += 8) {
      const lba = d.getUint32(o, true) + d.getUint16(o + 4, true) * 2 ** 32;
      const n = d.getUint16(o + 6, true);
      if (n !== 0 && lba + n > this.sectors) {
        abort(cmd, AtaError.IDNF | AtaError.ABRT, "dma");
        return;
      }
    }
    for (let o = 0; o < buf.length; o += 8) {
      const lba = d.getUint32(o, true) + d.getUint16(o + 4, true) * 2 ** 32;
      const n = d.getUint16(o + 6, true);
      if (n !== 0 && !this.discardRange(lba * SECTOR, n * SECTOR)) {
        abort(cmd, AtaError.ABRT, "dma");
        return;
      }
    }
    ok(cmd, "dma");
  }
}

/** A 28-bit LBA: bits 27:24 come from the Device register. */
function lba28(lba: number, device: number): number {
  return (lba & 0xffffff) + (device & 0x0f) * 0x1000000;
}

/** The disk's settings and last NCQ error saved as i32, in snapshot order. */
const DISK_I32 = ["multiple", "udmaMode", "ncqErrTag", "ncqErrStatus", "ncqErrError", "ncqErrCount"] as const;
