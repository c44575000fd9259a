import { type AmlFragment, aml, memory32Fixed, resourceTemplate } from "@armature/acpi";
import {
  ConfigError,
  type DmaSpace,
  DmaStatus,
  type MmioDevice,
  RateLimitedLog,
  type Snapshottable,
  type StateReader,
  type StateWriter,
} from "@armature/core";
import { type FdtNode, setReg } from "@armature/fdt";
import * as R from "./regs.js";

/** What firmware learns about the machine from the standard items. */
export interface FwCfgOptions {
  /** Where DMA descriptors and buffers live (the board's bus; an IOMMU's space if one translates). */
  dma: DmaSpace;
  /** Offer the DMA interface (ID feature bit 1; default true). */
  dmaEnabled?: boolean;
  /** Guest RAM in bytes (item 0x03). */
  ramSize?: number;
  /** vCPUs (items 0x05 and 0x0f). */
  cpus?: number;
  /** The machine's UUID, RFC 4122 text (item 0x02; default all zeros). */
  uuid?: string;
  /** No graphical console (item 0x04; default true). */
  nographic?: boolean;
  /** Show the firmware's boot menu (item 0x0e; default false). */
  bootMenu?: boolean;
}

/** A named file's options. */
export interface FwCfgFileOptions {
  /** The guest may write it through DMA (default false). */
  writable?: boolean;
  /** Called after each guest write with the whole file (its bytes change in place). */
  onWrite?: (data: Uint8Array) => void;
}

interface Item {
  data: Uint8Array;
  writable: boolean;
  onWrite: ((data: Uint8Array) => void) | undefined;
}

/** The kernel items firmware loads (`-kernel`, `-initrd`, `-append`). */
export interface FwCfgKernel {
  kernel: Uint8Array;
  initrd?: Uint8Array;
  cmdline?: string;
}

const u16le = (v: number) => new Uint8Array([v & 0xff, (v >>> 8) & 0xff]);
const u32le = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const u64le = (v: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
};

function uuidBytes(uuid: string): Uint8Array {
  const hexText = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hexText))
    throw new ConfigError(`fw_cfg uuid "${uuid}" is not an RFC 4122 UUID`);
  // fw_cfg carries the UUID in its big-endian (RFC 4122 wire) byte order.
  return Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(hexText.slice(2 * i, 2 * i + 2), 16));
}

const bswap16 = (v: number) => ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
const bswap32 = (v: number) =>
  (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0;

/**
 * QEMU's firmware configuration device, MMIO flavour: a selector, a data register that streams
 * the selected item, and a DMA interface that reads, writes or skips an item into guest memory
 * with one descriptor. Items: the standard ones (signature, ID, UUID, RAM size, CPUs, boot menu,
 * kernel/initrd/command line) and named files in a directory (the ACPI table loader, SMBIOS,
 * bootorder ...). Guest mistakes set the DMA error bit or read as zero; nothing throws.
 */
export class FwCfg implements MmioDevice, Snapshottable {
  private readonly dma: DmaSpace;
  private readonly dmaEnabled: boolean;
  private readonly items = new Map<number, Item>();
  private readonly files: { name: string; key: number }[] = [];
  private dirty = true;
  private cur: Item | undefined;
  private offset = 0;
  private dmaHi = 0;
  private readonly desc = new Uint8Array(R.FW_CFG_DMA_DESCRIPTOR_SIZE);
  private readonly descView = new DataView(this.desc.buffer);
  private readonly status = new Uint8Array(4);
  private readonly zeros = new Uint8Array(4096);
  private readonly log = new RateLimitedLog("fw-cfg");

  constructor(o: FwCfgOptions) {
    this.dma = o.dma;
    const dmaOn = o.dmaEnabled ?? true;
    this.setItem(R.FW_CFG_SIGNATURE, new TextEncoder().encode("QEMU"));
    this.setItem(R.FW_CFG_ID, u32le(R.FW_CFG_VERSION_TRADITIONAL | (dmaOn ? R.FW_CFG_VERSION_DMA : 0)));
    this.setItem(R.FW_CFG_UUID, o.uuid === undefined ? new Uint8Array(16) : uuidBytes(o.uuid));
    this.setItem(R.FW_CFG_RAM_SIZE, u64le(o.ramSize ?? 0));
    this.setItem(R.FW_CFG_NOGRAPHIC, u16le(o.nographic === false ? 0 : 1));
    this.setItem(R.FW_CFG_NB_CPUS, u16le(o.cpus ?? 1));
    this.setItem(R.FW_CFG_MAX_CPUS, u16le(o.cpus ?? 1));
    this.setItem(R.FW_CFG_NUMA, u64le(0));
    this.setItem(R.FW_CFG_BOOT_MENU, u16le(o.bootMenu ? 1 : 0));
    this.dmaEnabled = dmaOn;
  }

  /** Snapshot state version (Snapshottable, @armature/core). */
  readonly stateVersion = 1;

  /**
   * Save the selected item's key (-1: none), the read/write offset, the DMA address's high word
   * and every writable item's contents (key, bytes); the read-only items come from the machine's
   * configuration. Restoring a writable item calls its onWrite, as the guest's write did.
   */
  saveState(w: StateWriter): void {
    let key = -1;
    const writable: [number, Item][] = [];
    for (const [k, item] of this.items) {
      if (item === this.cur) key = k;
      if (item.writable) writable.push([k, item]);
    }
    w.f64(key);
    w.f64(this.offset);
    w.u32(this.dmaHi);
    w.u32(writable.length);
    for (const [k, item] of writable) {
      w.u32(k);
      w.bytes(item.data);
    }
  }

  loadState(r: StateReader): () => void {
    const key = r.f64();
    // The file directory is built when it is selected; any other key must be one of this device's.
    if (key !== -1 && key !== R.FW_CFG_FILE_DIR && !this.items.has(key))
      r.fail(`fw_cfg item 0x${key.toString(16)}`);
    const offset = r.f64();
    const dmaHi = r.u32();
    const writes: [Item, Uint8Array][] = [];
    for (let n = r.count(this.items.size, "writable items"); n > 0; n--) {
      const item = this.items.get(r.u32());
      if (item === undefined || !item.writable) r.fail("fw_cfg writable item");
      const data = r.bytes(item.data.length);
      if (data.length !== item.data.length) r.fail("fw_cfg writable item size");
      writes.push([item, data.slice()]);
    }
    return () => {
      if (key === -1) this.cur = undefined;
      else this.select(key);
      this.offset = offset;
      this.dmaHi = dmaHi;
      for (const [item, data] of writes) {
        item.data.set(data);
        item.onWrite?.(item.data);
      }
    };
  }

  /** Set a numbered item (the standard keys in regs.ts; below FW_CFG_FILE_FIRST). */
  setItem(key: number, data: Uint8Array): void {
    if (!Number.isInteger(key) || key < 0 || key >= R.FW_CFG_FILE_FIRST || key === R.FW_CFG_FILE_DIR)
      throw new ConfigError(
        `fw_cfg item key 0x${key.toString(16)}: use 0x00..0x1f except 0x19 (files use addFile)`,
      );
    this.items.set(key, { data, writable: false, onWrite: undefined });
  }

  /** Add (or replace) a named file; returns its key. Names are at most 55 bytes. */
  addFile(name: string, data: Uint8Array, o: FwCfgFileOptions = {}): number {
    const bytes = new TextEncoder().encode(name);
    if (bytes.length === 0 || bytes.length >= R.FW_CFG_MAX_FILE_PATH)
      throw new ConfigError(`fw_cfg file name "${name}" must be 1..${R.FW_CFG_MAX_FILE_PATH - 1} bytes`);
    const known = this.files.find((f) => f.name === name);
    const key = known?.key ?? R.FW_CFG_FILE_FIRST + this.files.length;
    if (key > R.FW_CFG_KEY_MASK) throw new ConfigError("fw_cfg: too many files");
    if (known === undefined) this.files.push({ name, key });
    this.items.set(key, { data, writable: o.writable ?? false, onWrite: o.onWrite });
    this.dirty = true;
    return key;
  }

  /** A file's current bytes (after any guest writes), or undefined. */
  file(name: string): Uint8Array | undefined {
    const f = this.files.find((x) => x.name === name);
    return f === undefined ? undefined : this.items.get(f.key)?.data;
  }

  /** The names in the directory, in directory (sorted) order. */
  fileNames(): string[] {
    return this.files.map((f) => f.name).sort();
  }

  /** The kernel, initrd and command-line items firmware boots from (QEMU's `-kernel`). */
  setKernel(k: FwCfgKernel): void {
    this.setItem(R.FW_CFG_KERNEL_ADDR, u32le(0));
    this.setItem(R.FW_CFG_KERNEL_SIZE, u32le(k.kernel.length));
    this.setItem(R.FW_CFG_KERNEL_DATA, k.kernel);
    this.setItem(R.FW_CFG_INITRD_ADDR, u32le(0));
    this.setItem(R.FW_CFG_INITRD_SIZE, u32le(k.initrd?.length ?? 0));
    this.setItem(R.FW_CFG_INITRD_DATA, k.initrd ?? new Uint8Array(0));
    const cmd = new TextEncoder().encode(`${k.cmdline ?? ""}\0`);
    this.setItem(R.FW_CFG_CMDLINE_ADDR, u32le(0));
    this.setItem(R.FW_CFG_CMDLINE_SIZE, u32le(cmd.length));
    this.setItem(R.FW_CFG_CMDLINE_DATA, cmd);
  }

  private directory(): Uint8Array {
    const sorted = [...this.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const out = new Uint8Array(4 + sorted.length * R.FW_CFG_FILE_ENTRY_SIZE);
    const v = new DataView(out.buffer);
    v.setUint32(0, sorted.length, false);
    sorted.forEach((f, i) => {
      const at = 4 + i * R.FW_CFG_FILE_ENTRY_SIZE;
      v.setUint32(at, this.items.get(f.key)!.data.length, false);
      v.setUint16(at + 4, f.key, false);
      out.set(new TextEncoder().encode(f.name), at + 8);
    });
    return out;
  }

  private select(key: number): void {
    const k = key & R.FW_CFG_KEY_MASK;
    this.offset = 0;
    if (k === R.FW_CFG_FILE_DIR) {
      if (this.dirty) {
        this.items.set(R.FW_CFG_FILE_DIR, { data: this.directory(), writable: false, onWrite: undefined });
        this.dirty = false;
      }
    }
    this.cur = this.items.get(k);
  }

  private nextByte(): number {
    const c = this.cur;
    if (c === undefined || this.offset >= c.data.length) return 0;
    return c.data[this.offset++]!;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset >= R.FW_CFG_DATA && offset + size <= R.FW_CFG_DATA + 8) {
      // Bytes in stream order: the first lands at the lowest address (a little-endian load).
      let v = 0;
      for (let i = 0; i < size; i++) v += this.nextByte() * 2 ** (8 * i);
      return v;
    }
    if (this.dmaEnabled && offset >= R.FW_CFG_DMA && offset + size <= R.FW_CFG_DMA + 8) {
      let v = 0;
      for (let i = 0; i < size; i++) {
        const at = offset - R.FW_CFG_DMA + i;
        v += Number((R.FW_CFG_DMA_SIGNATURE >> BigInt(8 * (7 - at))) & 0xffn) * 2 ** (8 * i);
      }
      return v;
    }
    this.log.warn(`r${offset}`, `read of offset 0x${offset.toString(16)} (size ${size}): reads as 0`);
    return 0;
  }

  read64(offset: number): bigint {
    if (offset === R.FW_CFG_DATA) {
      let v = 0n;
      for (let i = 0; i < 8; i++) v |= BigInt(this.nextByte()) << BigInt(8 * i);
      return v;
    }
    const lo = this.read(offset, 4);
    const hi = this.read(offset + 4, 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset === R.FW_CFG_SELECTOR && size === 2) {
      this.select(bswap16(value));
      return;
    }
    if (this.dmaEnabled && offset === R.FW_CFG_DMA && size === 4) {
      this.dmaHi = bswap32(value);
      return;
    }
    if (this.dmaEnabled && offset === R.FW_CFG_DMA + 4 && size === 4) {
      const addr = this.dmaHi * 2 ** 32 + bswap32(value);
      this.dmaHi = 0;
      this.runDma(addr);
      return;
    }
    // Data writes are ignored (the legacy write path is gone); so is anything else.
    this.log.warn(`w${offset}.${size}`, `write of offset 0x${offset.toString(16)} (size ${size}): ignored`);
  }

  write64(offset: number, value: bigint): void {
    if (this.dmaEnabled && offset === R.FW_CFG_DMA) {
      // The register is big-endian: the guest's little-endian store holds the address byte-swapped.
      const v = BigInt.asUintN(64, value);
      let a = 0n;
      for (let i = 0; i < 8; i++) a = (a << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
      this.dmaHi = 0;
      this.runDma(Number(a));
      return;
    }
    this.write(offset, 4, Number(value & 0xffffffffn));
    this.write(offset + 4, 4, Number((value >> 32n) & 0xffffffffn));
  }

  /** One DMA access: select, then read/write/skip, then the control word goes back (0 or ERROR). */
  private runDma(descAddr: number): void {
    if (this.dma.read(descAddr, this.desc) !== DmaStatus.Ok) {
      this.log.warn("desc", `DMA descriptor at 0x${descAddr.toString(16)} is not in memory: ignored`);
      return;
    }
    const v = this.descView;
    const control = v.getUint32(0, false);
    const length = v.getUint32(4, false);
    const address = v.getUint32(8, false) * 2 ** 32 + v.getUint32(12, false);
    let error = false;
    if ((control & R.FW_CFG_DMA_CTL_SELECT) !== 0) this.select(control >>> 16);
    if ((control & R.FW_CFG_DMA_CTL_READ) !== 0) error = !this.dmaRead(address, length);
    else if ((control & R.FW_CFG_DMA_CTL_WRITE) !== 0) error = !this.dmaWrite(address, length);
    else if ((control & R.FW_CFG_DMA_CTL_SKIP) !== 0) this.offset += length;
    const st = this.status;
    st[0] = st[1] = st[2] = 0;
    st[3] = error ? R.FW_CFG_DMA_CTL_ERROR : 0;
    if (this.dma.write(descAddr, st) !== DmaStatus.Ok)
      this.log.warn("status", `DMA descriptor at 0x${descAddr.toString(16)}: status not written`);
  }

  /** Copy `length` bytes of the item to guest memory; past its end the guest gets zeros. */
  private dmaRead(address: number, length: number): boolean {
    const c = this.cur;
    let done = 0;
    if (c !== undefined && this.offset < c.data.length) {
      const n = Math.min(length, c.data.length - this.offset);
      if (this.dma.write(address, c.data.subarray(this.offset, this.offset + n)) !== DmaStatus.Ok)
        return false;
      this.offset += n;
      done = n;
    }
    while (done < length) {
      const n = Math.min(length - done, this.zeros.length);
      if (
        this.dma.write(address + done, n === this.zeros.length ? this.zeros : this.zeros.subarray(0, n)) !==
        DmaStatus.Ok
      )
        return false;
      done += n;
    }
    return true;
  }

  /** Copy `length` bytes from guest memory into a writable item; nothing may land past its end. */
  private dmaWrite(address: number, length: number): boolean {
    const c = this.cur;
    if (c === undefined || !c.writable || this.offset + length > c.data.length) {
      this.log.warn("wr", "DMA write to a read-only item or past its end: error");
      return false;
    }
    if (this.dma.read(address, c.data.subarray(this.offset, this.offset + length)) !== DmaStatus.Ok)
      return false;
    this.offset += length;
    c.onWrite?.(c.data);
    return true;
  }
}

/** Where the board puts the device. */
export interface FwCfgPlacement {
  base: number;
  /** Default FW_CFG_MMIO_SIZE (the DMA register needs all 0x18 bytes). */
  size?: number;
}

/** Adds `fw-cfg@<base>` (`qemu,fw-cfg-mmio`, `dma-coherent`) under `parent` (2/2 cells). */
export function describeFwCfg(parent: FdtNode, p: FwCfgPlacement): FdtNode {
  const n = parent.addChild(`fw-cfg@${p.base.toString(16)}`).setEmpty("dma-coherent");
  return setReg(n, { addressCells: 2, sizeCells: 2 }, [
    { address: p.base, size: p.size ?? R.FW_CFG_MMIO_SIZE },
  ]).setString("compatible", "qemu,fw-cfg-mmio");
}

/** The DSDT device Linux's `qemu_fw_cfg` driver binds under ACPI (`QEMU0002`), for `\_SB`. */
export function fwCfgAcpiDevice(p: FwCfgPlacement): AmlFragment {
  return {
    scope: "\\_SB",
    terms: [
      aml.device("FWCF", [
        aml.hid("QEMU0002"),
        aml.name("_STA", 0x0b),
        aml.cca(true),
        aml.crs(resourceTemplate([memory32Fixed(p.base, p.size ?? R.FW_CFG_MMIO_SIZE)])),
      ]),
    ],
  };
}
