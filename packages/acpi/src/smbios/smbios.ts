import { ByteWriter, checksum8, toBigU64, type U64 } from "../bytes.js";
import { fail } from "../errors.js";

/** A structure handle (SMBIOS 3.x §6.1.2). 0xFFFE = "not provided", 0xFFFF = "none". */
export type SmbiosHandle = number;
export const SMBIOS_HANDLE_NONE = 0xffff;
export const SMBIOS_HANDLE_NOT_PROVIDED = 0xfffe;

export interface SmbiosBiosInfo {
  vendor: string;
  version: string;
  releaseDate: string;
  /** ROM size in KiB, multiple of 64 (default 64). */
  romSizeKiB?: number;
  /** BIOS Characteristics qword (default: bit 3, "not supported"). */
  characteristics?: U64;
  /** Extension bytes 1-2 (default: UEFI supported | virtual machine). */
  characteristicsExt?: readonly [number, number];
  biosMajor?: number;
  biosMinor?: number;
}

export interface SmbiosSystemInfo {
  manufacturer: string;
  productName: string;
  version?: string;
  serialNumber?: string;
  /** RFC 4122 text form; stored with the first three fields little-endian (SMBIOS 2.6+). */
  uuid?: string;
  /** Wake-up type (6 = power switch). */
  wakeUpType?: number;
  skuNumber?: string;
  family?: string;
}

export interface SmbiosBaseboardInfo {
  manufacturer: string;
  product: string;
  version?: string;
  serialNumber?: string;
  assetTag?: string;
  locationInChassis?: string;
  chassis?: SmbiosHandle;
  /** Board type (0x0A motherboard). */
  boardType?: number;
}

export interface SmbiosChassisInfo {
  manufacturer: string;
  /** Chassis type (1 other, 3 desktop, 0x11 main server chassis). */
  type?: number;
  version?: string;
  serialNumber?: string;
  assetTag?: string;
  skuNumber?: string;
}

export interface SmbiosProcessorInfo {
  socket: string;
  manufacturer: string;
  version?: string;
  /** Processor family 2 (0x101 = ARMv8). */
  family?: number;
  /** Processor ID qword (Arm: MIDR_EL1 in the low 32 bits). */
  processorId?: U64;
  maxSpeedMHz?: number;
  currentSpeedMHz?: number;
  coreCount: number;
  coreEnabled?: number;
  threadCount?: number;
  serialNumber?: string;
  assetTag?: string;
  partNumber?: string;
}

export interface SmbiosMemoryArrayInfo {
  /** Maximum capacity in bytes. */
  maxCapacity: U64;
  devices: number;
  /** Error correction (3 none, 6 multi-bit ECC). */
  errorCorrection?: number;
}

export interface SmbiosMemoryDeviceInfo {
  array: SmbiosHandle;
  /** Size in bytes (multiple of 1 MiB). */
  size: U64;
  locator: string;
  bankLocator?: string;
  manufacturer?: string;
  serialNumber?: string;
  assetTag?: string;
  partNumber?: string;
  /** Memory type (7 RAM, 0x1A DDR4). */
  memoryType?: number;
  speedMTs?: number;
}

export interface SmbiosMappedAddressInfo {
  array: SmbiosHandle;
  /** Start (bytes) and length (bytes) of the range. */
  start: U64;
  length: U64;
  partitionWidth?: number;
}

class StringSet {
  readonly list: string[] = [];
  add(s: string | undefined, what: string): number {
    if (s === undefined || s === "") return 0;
    if (!/^[\x20-\x7e]*$/.test(s)) fail("E_VALUE", `SMBIOS ${what} "${s}": use printable ASCII`);
    this.list.push(s);
    if (this.list.length > 255) fail("E_RANGE", "SMBIOS structure has more than 255 strings");
    return this.list.length;
  }
}

interface Structure {
  type: number;
  handle: number;
  formatted: Uint8Array;
  strings: string[];
}

/** The SMBIOS 3.0 table and its 64-bit entry point. */
export interface SmbiosTables {
  entryPoint: Uint8Array;
  table: Uint8Array;
}

/**
 * Builds an SMBIOS 3.0 structure table (DSP0134 3.0.0): types 0, 1, 2, 3, 4, 16, 17, 19, 32
 * and the type 127 end marker. Each `add*` returns the structure's handle.
 */
export class SmbiosBuilder {
  private readonly structs: Structure[] = [];
  private nextHandle = 0;

  /** One structure: its header (type, length, handle), what `fill` writes, its strings; checks the length. */
  private structure(type: number, length: number, fill: (w: ByteWriter, s: StringSet) => void): SmbiosHandle {
    const handle = this.nextHandle++;
    const w = new ByteWriter().u8(type).u8(length).u16(handle);
    const strings = new StringSet();
    fill(w, strings);
    const formatted = w.finish();
    if (formatted.length !== length)
      fail("E_INTERNAL", `SMBIOS type ${type} length ${formatted.length} != ${length}`);
    this.structs.push({ type, handle, formatted, strings: strings.list });
    return handle;
  }

  /** Type 0, BIOS Information (24 bytes, 2.4+ layout). */
  addBios(i: SmbiosBiosInfo): SmbiosHandle {
    return this.structure(0, 0x18, (w, s) => {
      const rom = i.romSizeKiB ?? 64;
      if (rom % 64 !== 0 || rom < 64 || rom > 16384)
        fail("E_VALUE", `SMBIOS BIOS ROM size ${rom} KiB: use 64..16384 in steps of 64`);
      w.u8(s.add(i.vendor, "vendor")).u8(s.add(i.version, "BIOS version")).u16(0);
      w.u8(s.add(i.releaseDate, "release date")).u8(rom / 64 - 1);
      w.u64(i.characteristics ?? 0x08);
      const ext = i.characteristicsExt ?? [0x00, 0x18];
      w.u8(ext[0])
        .u8(ext[1])
        .u8(i.biosMajor ?? 0xff)
        .u8(i.biosMinor ?? 0xff)
        .u8(0xff)
        .u8(0xff);
    });
  }

  /** Type 1, System Information (27 bytes). */
  addSystem(i: SmbiosSystemInfo): SmbiosHandle {
    return this.structure(1, 0x1b, (w, s) => {
      w.u8(s.add(i.manufacturer, "manufacturer")).u8(s.add(i.productName, "product"));
      w.u8(s.add(i.version, "version")).u8(s.add(i.serialNumber, "serial"));
      w.bytes(i.uuid ? smbiosUuidBytes(i.uuid) : new Uint8Array(16));
      w.u8(i.wakeUpType ?? 6)
        .u8(s.add(i.skuNumber, "SKU"))
        .u8(s.add(i.family, "family"));
    });
  }

  /** Type 2, Baseboard Information (15 bytes, no contained handles). */
  addBaseboard(i: SmbiosBaseboardInfo): SmbiosHandle {
    return this.structure(2, 0x0f, (w, s) => {
      w.u8(s.add(i.manufacturer, "manufacturer"))
        .u8(s.add(i.product, "product"))
        .u8(s.add(i.version, "version"));
      w.u8(s.add(i.serialNumber, "serial")).u8(s.add(i.assetTag, "asset tag"));
      w.u8(0x01)
        .u8(s.add(i.locationInChassis, "location"))
        .u16(i.chassis ?? 0)
        .u8(i.boardType ?? 0x0a)
        .u8(0);
    });
  }

  /** Type 3, System Enclosure (22 bytes: no contained elements, SKU string). */
  addChassis(i: SmbiosChassisInfo): SmbiosHandle {
    return this.structure(3, 0x16, (w, s) => {
      w.u8(s.add(i.manufacturer, "manufacturer"))
        .u8(i.type ?? 1)
        .u8(s.add(i.version, "version"));
      w.u8(s.add(i.serialNumber, "serial")).u8(s.add(i.assetTag, "asset tag"));
      w.u8(3).u8(3).u8(3).u8(2); // boot-up, power supply, thermal: safe; security: unknown
      w.u32(0).u8(0).u8(0).u8(0).u8(3); // OEM, height, power cords, element count 0, record length 3
      w.u8(s.add(i.skuNumber, "SKU"));
    });
  }

  /** Type 4, Processor Information (48 bytes, 3.0 layout). */
  addProcessor(i: SmbiosProcessorInfo): SmbiosHandle {
    return this.structure(4, 0x30, (w, s) => {
      const fam = i.family ?? 0x101;
      const cores = i.coreCount;
      const enabled = i.coreEnabled ?? cores;
      const threads = i.threadCount ?? cores;
      const small = (n: number) => (n > 255 ? 0xff : n);
      w.u8(s.add(i.socket, "socket"))
        .u8(3)
        .u8(fam > 0xfd ? 0xfe : fam)
        .u8(s.add(i.manufacturer, "manufacturer"));
      w.u64(i.processorId ?? 0)
        .u8(s.add(i.version, "version"))
        .u8(0); // voltage unknown
      w.u16(0)
        .u16(i.maxSpeedMHz ?? 0)
        .u16(i.currentSpeedMHz ?? 0)
        .u8(0x41)
        .u8(0x02); // status populated+enabled, upgrade unknown
      w.u16(SMBIOS_HANDLE_NONE).u16(SMBIOS_HANDLE_NONE).u16(SMBIOS_HANDLE_NONE);
      w.u8(s.add(i.serialNumber, "serial"))
        .u8(s.add(i.assetTag, "asset tag"))
        .u8(s.add(i.partNumber, "part number"));
      w.u8(small(cores)).u8(small(enabled)).u8(small(threads)).u16(0x04); // 64-bit capable
      w.u16(fam).u16(cores).u16(enabled).u16(threads);
    });
  }

  /** Type 16, Physical Memory Array (23 bytes). */
  addMemoryArray(i: SmbiosMemoryArrayInfo): SmbiosHandle {
    return this.structure(16, 0x17, (w) => {
      const cap = toBigU64(i.maxCapacity, "max capacity");
      const kib = cap / 1024n;
      w.u8(3)
        .u8(3)
        .u8(i.errorCorrection ?? 3); // location system board, use system memory
      if (kib < 0x8000_0000n) w.u32(Number(kib)).u16(SMBIOS_HANDLE_NOT_PROVIDED).u16(i.devices).u64(0);
      else w.u32(0x8000_0000).u16(SMBIOS_HANDLE_NOT_PROVIDED).u16(i.devices).u64(cap);
    });
  }

  /** Type 17, Memory Device (40 bytes, 2.8 layout). */
  addMemoryDevice(i: SmbiosMemoryDeviceInfo): SmbiosHandle {
    return this.structure(17, 0x28, (w, s) => {
      const size = toBigU64(i.size, "memory size");
      if (size % (1n << 20n) !== 0n) fail("E_VALUE", "SMBIOS memory device size must be a multiple of 1 MiB");
      const mib = Number(size >> 20n);
      w.u16(i.array).u16(SMBIOS_HANDLE_NOT_PROVIDED).u16(0xffff).u16(0xffff);
      w.u16(Math.min(mib, 0x7fff)).u8(0x09).u8(0); // form factor DIMM, not in a set
      w.u8(s.add(i.locator, "locator"))
        .u8(s.add(i.bankLocator, "bank locator"))
        .u8(i.memoryType ?? 0x07)
        .u16(0x02);
      w.u16(i.speedMTs ?? 0)
        .u8(s.add(i.manufacturer, "manufacturer"))
        .u8(s.add(i.serialNumber, "serial"));
      w.u8(s.add(i.assetTag, "asset tag")).u8(s.add(i.partNumber, "part number")).u8(0);
      w.u32(mib < 0x7fff ? 0 : mib)
        .u16(i.speedMTs ?? 0)
        .u16(0)
        .u16(0)
        .u16(0);
    });
  }

  /** Type 19, Memory Array Mapped Address (31 bytes). */
  addMappedAddress(i: SmbiosMappedAddressInfo): SmbiosHandle {
    return this.structure(19, 0x1f, (w) => {
      const start = toBigU64(i.start, "start");
      const len = toBigU64(i.length, "length");
      if (len === 0n) fail("E_VALUE", "SMBIOS mapped address range length must be non-zero");
      const end = start + len - 1n;
      const fits = end / 1024n < 0xffff_ffffn;
      if (fits) w.u32(Number(start / 1024n)).u32(Number(end / 1024n));
      else w.u32(0xffff_ffff).u32(0xffff_ffff);
      w.u16(i.array).u8(i.partitionWidth ?? 1);
      if (fits) w.u64(0).u64(0);
      else w.u64(start).u64(end);
    });
  }

  /** Type 32, System Boot Information (11 bytes), status 0 = no errors. */
  addSystemBoot(status = 0): SmbiosHandle {
    return this.structure(32, 0x0b, (w) => {
      w.zeros(6).u8(status);
    });
  }

  /** The structure table (type 127 appended) and the 3.0 entry point naming `tableAddress`. */
  build(tableAddress: U64): SmbiosTables {
    const w = new ByteWriter();
    const all = [
      ...this.structs,
      {
        type: 127,
        handle: this.nextHandle,
        formatted: new Uint8Array([127, 4, this.nextHandle & 0xff, this.nextHandle >> 8]),
        strings: [] as string[],
      },
    ];
    for (const st of all) {
      w.bytes(st.formatted);
      if (st.strings.length === 0) w.u8(0).u8(0);
      else {
        for (const str of st.strings) w.ascii(str, str.length, "string").u8(0);
        w.u8(0);
      }
    }
    const table = w.finish();
    const ep = new ByteWriter();
    // §5.2.2 SMBIOS 3.0 (64-bit) entry point: 24 bytes
    ep.ascii("_SM3_", 5, "anchor").u8(0).u8(0x18).u8(3).u8(0).u8(0).u8(1).u8(0);
    ep.u32(table.length).u64(tableAddress);
    const entryPoint = ep.finish();
    entryPoint[5] = checksum8(entryPoint);
    return { entryPoint, table };
  }

  /**
   * The layout `dmidecode --from-dump` reads (what `--dump-bin` writes): the entry point at
   * offset 0 with its table address set to 0x20, and the table at offset 0x20.
   */
  buildDump(): Uint8Array {
    const { entryPoint, table } = this.build(0x20);
    const out = new Uint8Array(0x20 + table.length);
    out.set(entryPoint, 0);
    out.set(table, 0x20);
    return out;
  }
}

/** UUID bytes in SMBIOS order: time_low, time_mid, time_hi little-endian (§7.2.1). */
export function smbiosUuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex))
    fail("E_VALUE", `UUID "${uuid}": use xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`);
  const b = hex.match(/../g)!.map((h) => Number.parseInt(h, 16));
  return Uint8Array.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.slice(8)]);
}
