// A UEFI 2.x environment whose services run on the host. Every service pointer in the guest's
// tables points at a two-instruction stub `HVC #(UEFI_HVC_BASE + id); RET` in runtime code
// memory; the board routes those HVCs to `UefiFirmware.hvc()`, which reads the arguments from
// x0..x7 (and the stack for variadic calls), does the work against guest memory and puts the
// EFI_STATUS in x0. Bad guest input is answered with an EFI error status; it never throws.

import {
  BumpAllocator,
  ConfigError,
  concatBytes,
  RateLimitedLog,
  SnapshotError,
  type Snapshottable,
  type StateReader,
  type StateWriter,
} from "@armature/core";
import { decodeLoadOption } from "./bootopt.js";
import {
  B_SELF,
  DSB_SY,
  hvc,
  IC_IALLU,
  ISB,
  ldrLiteral,
  movSpFrom,
  msrCpacrEl1,
  msrMairEl1,
  msrSctlrEl1,
  msrTcrEl1,
  msrTtbr0El1,
  RET,
  TLBI_VMALLE1,
} from "./code.js";
import { crc32 } from "./crc32.js";
import { FatError } from "./fat.js";
import { GUID, guidBytes, guidText } from "./guid.js";
import {
  EFI_PAGE,
  MEMORY_DESCRIPTOR_SIZE,
  MEMORY_DESCRIPTOR_VERSION,
  MemoryMap,
  MemoryType,
} from "./memmap.js";
import {
  buildIdentityMap,
  CPACR_VALUE,
  MAIR_VALUE,
  type MapRange,
  SCTLR_VALUE,
  TCR_VALUE,
  walkStage1Span,
} from "./mmu.js";
import { type BootImageFile, type PeImage, PeImageError, parsePe, relocatePe } from "./pe.js";
import type { ResetKind, UefiCpu, UefiPlatform } from "./platform.js";
import {
  EFI_BUFFER_TOO_SMALL,
  EFI_DEVICE_ERROR,
  EFI_INVALID_PARAMETER,
  EFI_LOAD_ERROR,
  EFI_NOT_FOUND,
  EFI_NOT_READY,
  EFI_OUT_OF_RESOURCES,
  EFI_SECURITY_VIOLATION,
  EFI_SUCCESS,
  EFI_UNSUPPORTED,
  EFI_VOLUME_CORRUPTED,
  efiStatusName,
} from "./status.js";
import {
  END_OF_DEVICE_PATH,
  type FileSystemHandle,
  filePathNode,
  STORAGE_SERVICES,
  Storage,
  splitNodes,
  utf16z,
} from "./storage.js";
import {
  EFI_VARIABLE_APPEND_WRITE,
  EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS,
  EFI_VARIABLE_BOOTSERVICE_ACCESS,
  EFI_VARIABLE_HARDWARE_ERROR_RECORD,
  EFI_VARIABLE_NON_VOLATILE,
  EFI_VARIABLE_RUNTIME_ACCESS,
  EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS,
  type EfiVariable,
  MAX_VARIABLE_SIZE,
  VARIABLE_STORE_SIZE,
  VariableStore,
} from "./vars.js";

/** First HVC immediate the firmware uses (PSCI keeps HVC #0). */
export const UEFI_HVC_BASE = 0xe000;

const MiB = 1024 * 1024;
const SYSTEM_TABLE_SIGNATURE = 0x5453_5953_2049_4249n; // "IBI SYST"
const BOOT_SERVICES_SIGNATURE = 0x5652_4553_544f_4f42n; // "BOOTSERV"
const RUNTIME_SERVICES_SIGNATURE = 0x5652_4553_544e_5552n; // "RUNTSERV"

/** Boot services in EFI_BOOT_SERVICES order (UEFI 2.10 4.4.1). */
const BOOT_SERVICES = [
  "RaiseTPL",
  "RestoreTPL",
  "AllocatePages",
  "FreePages",
  "GetMemoryMap",
  "AllocatePool",
  "FreePool",
  "CreateEvent",
  "SetTimer",
  "WaitForEvent",
  "SignalEvent",
  "CloseEvent",
  "CheckEvent",
  "InstallProtocolInterface",
  "ReinstallProtocolInterface",
  "UninstallProtocolInterface",
  "HandleProtocol",
  "Reserved",
  "RegisterProtocolNotify",
  "LocateHandle",
  "LocateDevicePath",
  "InstallConfigurationTable",
  "LoadImage",
  "StartImage",
  "Exit",
  "UnloadImage",
  "ExitBootServices",
  "GetNextMonotonicCount",
  "Stall",
  "SetWatchdogTimer",
  "ConnectController",
  "DisconnectController",
  "OpenProtocol",
  "CloseProtocol",
  "OpenProtocolInformation",
  "ProtocolsPerHandle",
  "LocateHandleBuffer",
  "LocateProtocol",
  "InstallMultipleProtocolInterfaces",
  "UninstallMultipleProtocolInterfaces",
  "CalculateCrc32",
  "CopyMem",
  "SetMem",
  "CreateEventEx",
] as const;

/** Runtime services in EFI_RUNTIME_SERVICES order (UEFI 2.10 4.5.1). */
const RUNTIME_SERVICES = [
  "GetTime",
  "SetTime",
  "GetWakeupTime",
  "SetWakeupTime",
  "SetVirtualAddressMap",
  "ConvertPointer",
  "GetVariable",
  "GetNextVariableName",
  "SetVariable",
  "GetNextHighMonotonicCount",
  "ResetSystem",
  "UpdateCapsule",
  "QueryCapsuleCapabilities",
  "QueryVariableInfo",
] as const;

const CON_OUT = [
  "ConOut.Reset",
  "ConOut.OutputString",
  "ConOut.TestString",
  "ConOut.QueryMode",
  "ConOut.SetMode",
  "ConOut.SetAttribute",
  "ConOut.ClearScreen",
  "ConOut.SetCursorPosition",
  "ConOut.EnableCursor",
] as const;
const CON_IN = ["ConIn.Reset", "ConIn.ReadKeyStroke"] as const;
const OTHER = [
  "LoadFile2.LoadFile",
  "Rng.GetInfo",
  "Rng.GetRNG",
  "Internal.Boot",
  "Internal.ImageReturn",
] as const;

/** Every trap the firmware answers, by id (HVC immediate - UEFI_HVC_BASE). */
export const SERVICES: readonly string[] = [
  ...BOOT_SERVICES.map((s) => `BS.${s}`),
  ...RUNTIME_SERVICES.map((s) => `RT.${s}`),
  ...CON_OUT,
  ...CON_IN,
  ...OTHER,
  ...STORAGE_SERVICES.blockIo,
  ...STORAGE_SERVICES.diskIo,
  ...STORAGE_SERVICES.simpleFs,
  ...STORAGE_SERVICES.file,
];
const ID = new Map(SERVICES.map((s, i) => [s, i]));
const id = (name: string): number => ID.get(name)!;

/** EFI_RT_PROPERTIES_TABLE.RuntimeServicesSupported bits (UEFI 2.10 4.6.2). */
export const RT_SUPPORTED = {
  GetTime: 0x1,
  SetTime: 0x2,
  GetVariable: 0x10,
  GetNextVariableName: 0x20,
  SetVariable: 0x40,
  SetVirtualAddressMap: 0x80,
  ResetSystem: 0x400,
  QueryVariableInfo: 0x2000,
} as const;

/** A guest pointer or length the firmware cannot use: answered with EFI_INVALID_PARAMETER. */
class GuestFault extends Error {}

/** What the board does after `hvc()` returned. */
export type UefiAction =
  /** Resume the vCPU. */
  | "continue"
  /** Nothing to do until `idleUntilNs` (or console input): idle the vCPU, it re-executes the HVC. */
  | "idle"
  /** ResetSystem was called; the platform's reset() ran. Stop the vCPU. */
  | "reset"
  /** The boot image returned or called Exit(); `exitStatus` holds its status. */
  | "exit";

export interface UefiOptions {
  /**
   * The boot image: a PE/COFF AArch64 EFI application (e.g. an arm64 Linux Image with its EFI
   * stub). Absent: the boot manager boots the platform's disks (BootOrder/Boot####, then
   * \EFI\BOOT\BOOTAA64.EFI on each EFI System Partition). A BootImageFile is read straight into
   * guest RAM where the image is laid out (its headers first, to parse them).
   */
  image?: Uint8Array | BootImageFile;
  /** LoadOptions of the boot image (the kernel command line), passed as UTF-16. */
  cmdline?: string;
  /** The initrd, offered through LoadFile2 on Linux's initrd media device path. */
  initrd?: Uint8Array;
  /** FirmwareVendor (default "EDK II", so Linux prints `efi: EFI v2.70 by EDK II`). */
  vendor?: string;
  /** EFI_SYSTEM_TABLE revision: major << 16 | minor (default 2.70 = 0x20046). */
  revision?: number;
  /** FirmwareRevision (default 0x10000). */
  firmwareRevision?: number;
  /** Variable store (default: a volatile one). */
  variables?: VariableStore;
  /** Alignment of the boot image's load address (default 2 MiB, what arm64 Linux runs in place at). */
  imageAlign?: number;
}

interface Protocol {
  guid: string;
  iface: number;
}

interface LoadedImage {
  handle: number;
  base: number;
  pages: number;
  entry: number;
  started: boolean;
  /** Memory for LoadOptions and the LOADED_IMAGE structure. */
  infoAddr: number;
}

interface ImageContext {
  handle: number;
  saved: bigint[];
  sp: bigint;
  returnPc: bigint;
}

interface EfiEvent {
  type: number;
  signaled: boolean;
  deadlineNs: number;
  periodNs: number;
  isKeyEvent: boolean;
}

const EVT_TIMER = 0x8000_0000;
const EVT_NOTIFY_WAIT = 0x100;
const EVT_NOTIFY_SIGNAL = 0x200;

export class UefiFirmware implements Snapshottable {
  readonly memoryMap: MemoryMap;
  /** EFI_SYSTEM_TABLE address (x1 at the image's entry). */
  readonly systemTable: number;
  readonly bootServicesTable: number;
  readonly runtimeServicesTable: number;
  /** EFI_HANDLE of the boot image (x0 at its entry; 0 until the boot manager has loaded one). */
  imageHandle = 0;
  /** Where the boot image was loaded (its MZ header; 0 until the boot manager has loaded one). */
  imageBase = 0;
  /** Where the board starts vCPU 0: EL1h, DAIF masked, MMU off (the trampoline turns it on). */
  readonly entry: { pc: number; pstate: number };
  /** Config tables installed at start (guid -> address). */
  readonly variables: VariableStore;
  /** Set by ExitBootServices. */
  bootServicesExited = false;
  /** Set by SetVirtualAddressMap. */
  virtualMode = false;
  /** After "idle": wake by this monotonic time (Infinity: on console input only). */
  idleUntilNs = Number.POSITIVE_INFINITY;
  /** After "exit": the boot image's status. */
  exitStatus = 0n;
  /** Host exceptions caught inside a service (a firmware bug; answered EFI_DEVICE_ERROR). */
  internalErrors = 0;
  /** Service calls by name (for tests and diagnostics). */
  readonly calls = new Map<string, number>();

  private readonly p: UefiPlatform;
  private readonly log = new RateLimitedLog("uefi");
  private readonly stubBase: number;
  private readonly rtCode: { base: number; pages: number };
  private readonly rtData: BumpAllocator;
  private readonly bsData: BumpAllocator;
  private readonly configTable: number;
  private readonly configCapacity = 64;
  private readonly configEntries: { guid: string; table: bigint }[] = [];
  private readonly handleDb = new Map<number, Protocol[]>();
  private readonly images = new Map<number, LoadedImage>();
  private readonly contexts: ImageContext[] = [];
  private readonly events = new Map<number, EfiEvent>();
  private readonly pools = new Map<number, number>();
  private readonly guidCells = new Map<string, number>();
  private readonly conInEvent: number;
  private readonly initrd: Uint8Array | undefined;
  private readonly storage: Storage;
  /** Boot manager state (no `image` given): the candidates left and the one running. */
  private bootManager:
    | { candidates: BootCandidate[] | undefined; current: BootCandidate | undefined; tried: number }
    | undefined;
  private readonly imageAlign: number;
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);
  private tpl = 4;
  private monotonic = 0n;
  private timeOffsetMs = 0;
  private timeZone = 0x7ff; // EFI_UNSPECIFIED_TIMEZONE
  private daylight = 0;
  private translating = false;
  private translateRegs: ReturnType<NonNullable<UefiCpu["translationRegs"]>> | undefined;
  private stallUntilNs: number | undefined;
  private rtPropertiesAddr = 0;

  constructor(platform: UefiPlatform, o: UefiOptions) {
    this.p = platform;
    this.variables = o.variables ?? new VariableStore();
    this.initrd = o.initrd;
    if (platform.ram.length === 0) throw new ConfigError("UEFI: the board gave no RAM");
    const pe = o.image === undefined ? undefined : parseImage(o.image);
    this.imageAlign = o.imageAlign ?? 2 * MiB;
    this.memoryMap = new MemoryMap(platform.ram);
    const mm = this.memoryMap;
    const need = (kind: string, type: number, bytes: number, align = EFI_PAGE): number => {
      const a = mm.allocate("any", type, Math.ceil(bytes / EFI_PAGE), 0, align);
      if (a === undefined)
        throw new ConfigError(
          `UEFI: no room in RAM for the firmware's ${kind} (${bytes} bytes); give the board more memory`,
        );
      return a;
    };

    // Runtime code: the service stubs. Runtime regions are 64 KiB aligned (arm64 Linux maps them
    // with 64 KiB pages when it uses them).
    const stubBytes = SERVICES.length * 8;
    const rtCodeSize = Math.ceil(stubBytes / 0x1_0000) * 0x1_0000;
    this.stubBase = need("runtime code", MemoryType.RuntimeServicesCode, rtCodeSize, 0x1_0000);
    this.rtCode = { base: this.stubBase, pages: rtCodeSize / EFI_PAGE };
    const stubs = new Uint8Array(stubBytes);
    const sv = new DataView(stubs.buffer);
    SERVICES.forEach((_, i) => {
      sv.setUint32(i * 8, hvc(UEFI_HVC_BASE + i), true);
      sv.setUint32(i * 8 + 4, RET, true);
    });
    this.write(this.stubBase, stubs);

    const rtDataBase = need("runtime data", MemoryType.RuntimeServicesData, 0x1_0000, 0x1_0000);
    this.rtData = new BumpAllocator(rtDataBase, 0x1_0000, "UEFI firmware arena");
    const bsHeap = need("boot services data", MemoryType.BootServicesData, MiB);
    this.bsData = new BumpAllocator(bsHeap, MiB, "UEFI firmware arena");
    const stackSize = MiB;
    const stack = need("stack", MemoryType.BootServicesData, stackSize, 0x1_0000);

    // The tables.
    const vendor = o.vendor ?? "EDK II";
    const vendorAddr = this.rtData.take(2 * (vendor.length + 1));
    this.write(vendorAddr, utf16z(vendor));
    this.systemTable = this.rtData.take(120);
    this.runtimeServicesTable = this.rtData.take(24 + 8 * RUNTIME_SERVICES.length);
    this.configTable = this.rtData.take(24 * this.configCapacity);
    this.bootServicesTable = this.bsData.take(24 + 8 * BOOT_SERVICES.length);
    const rev = o.revision ?? (2 << 16) | 70;
    this.writeTable(
      this.bootServicesTable,
      BOOT_SERVICES_SIGNATURE,
      rev,
      BOOT_SERVICES.map((s) => `BS.${s}`),
    );
    this.writeTable(
      this.runtimeServicesTable,
      RUNTIME_SERVICES_SIGNATURE,
      rev,
      RUNTIME_SERVICES.map((s) => `RT.${s}`),
    );

    // Console protocols.
    const conOutMode = this.bsData.take(24);
    this.write(conOutMode, le([1, 4], [0, 4], [0x07, 4], [0, 4], [0, 4], [0, 1]));
    const conOut = this.bsData.take(8 * CON_OUT.length + 8);
    this.write(conOut, this.pointers([...CON_OUT.map((s) => this.stub(s)), conOutMode]));
    this.conInEvent = this.newEvent({
      type: EVT_NOTIFY_WAIT,
      signaled: false,
      deadlineNs: Number.POSITIVE_INFINITY,
      periodNs: 0,
      isKeyEvent: true,
    });
    const conIn = this.bsData.take(24);
    this.write(conIn, this.pointers([...CON_IN.map((s) => this.stub(s)), this.conInEvent]));
    const conHandle = this.newHandle([
      { guid: GUID.SIMPLE_TEXT_OUTPUT, iface: conOut },
      { guid: GUID.SIMPLE_TEXT_INPUT, iface: conIn },
    ]);

    const st = new Uint8Array(120);
    const sd = new DataView(st.buffer);
    sd.setBigUint64(0, SYSTEM_TABLE_SIGNATURE, true);
    sd.setUint32(8, rev, true);
    sd.setUint32(12, 120, true);
    sd.setBigUint64(24, BigInt(vendorAddr), true);
    sd.setUint32(32, o.firmwareRevision ?? 0x10000, true);
    sd.setBigUint64(40, BigInt(conHandle), true);
    sd.setBigUint64(48, BigInt(conIn), true);
    sd.setBigUint64(56, BigInt(conHandle), true);
    sd.setBigUint64(64, BigInt(conOut), true);
    sd.setBigUint64(72, BigInt(conHandle), true);
    sd.setBigUint64(80, BigInt(conOut), true);
    sd.setBigUint64(88, BigInt(this.runtimeServicesTable), true);
    sd.setBigUint64(96, BigInt(this.bootServicesTable), true);
    sd.setBigUint64(112, BigInt(this.configTable), true);
    this.write(this.systemTable, st);

    // EFI_RT_PROPERTIES_TABLE: exactly the runtime services that work.
    this.rtPropertiesAddr = this.rtData.take(8);
    const supported = Object.values(RT_SUPPORTED).reduce((a, b) => a | b, 0);
    this.write(this.rtPropertiesAddr, le([1, 2], [8, 2], [supported, 4]));
    this.addConfig(GUID.RT_PROPERTIES_TABLE, BigInt(this.rtPropertiesAddr));

    // Firmware tables from the board.
    if (platform.acpi !== undefined) {
      const size = platform.acpi(0n).bytes.length;
      const base = need("ACPI tables", MemoryType.AcpiReclaim, size);
      const img = platform.acpi(BigInt(base));
      this.write(base, img.bytes);
      this.addConfig(GUID.ACPI_20_TABLE, img.rsdpAddress);
    }
    if (platform.smbios !== undefined) {
      const size = platform.smbios(0n).table.length;
      const base = need("SMBIOS tables", MemoryType.RuntimeServicesData, 32 + size);
      const s = platform.smbios(BigInt(base + 32));
      this.write(base, s.entryPoint);
      this.write(base + 32, s.table);
      this.addConfig(GUID.SMBIOS3_TABLE, BigInt(base));
    }
    if (platform.deviceTree !== undefined) {
      const base = need("device tree", MemoryType.BootServicesData, platform.deviceTree.length);
      this.write(base, platform.deviceTree);
      this.addConfig(GUID.DEVICE_TREE, BigInt(base));
    }

    if (platform.entropy !== undefined) {
      const rng = this.bsData.take(16);
      this.write(rng, this.pointers([this.stub("Rng.GetInfo"), this.stub("Rng.GetRNG")]));
      this.newHandle([{ guid: GUID.RNG, iface: rng }]);
    }
    if (o.initrd !== undefined) {
      const lf2 = this.bsData.take(8);
      this.write(lf2, this.pointers([this.stub("LoadFile2.LoadFile")]));
      const dp = this.bsData.take(24);
      this.write(dp, initrdDevicePath());
      this.newHandle([
        { guid: GUID.LOAD_FILE2, iface: lf2 },
        { guid: GUID.DEVICE_PATH, iface: dp },
      ]);
    }

    // The board's disks: BLOCK_IO/DISK_IO per disk and partition, SIMPLE_FILE_SYSTEM on FAT.
    this.storage = new Storage(
      {
        read: (a, n) => this.read(a, n),
        write: (a, d) => this.write(a, d),
        alloc: (n) => this.bsData.take(n, 16),
        newHandle: (ps) => this.newHandle(ps),
        addProtocol: (h, guid, iface) => {
          this.handleDb.get(h)?.push({ guid, iface });
        },
        stub: (n) => this.stub(n),
        fault: () => {
          throw new GuestFault();
        },
      },
      platform.disks ?? [],
    );

    // The boot image.
    if (o.image !== undefined && pe !== undefined) {
      const align = Math.max(this.imageAlign, pe.sectionAlignment, EFI_PAGE);
      const pages = Math.ceil(pe.sizeOfImage / EFI_PAGE);
      const loadAt = mm.allocate("any", MemoryType.LoaderCode, pages, 0, align);
      if (loadAt === undefined)
        throw new ConfigError(`UEFI: no room in RAM for the boot image (${pe.sizeOfImage} bytes)`);
      this.layOut(o.image, pe, loadAt);
      this.imageBase = loadAt;
      this.imageHandle = this.registerImage(loadAt, pages, loadAt + pe.entryRva, pe.sizeOfImage, {
        loadOptions: utf16z(o.cmdline ?? ""),
        parent: 0,
      });
    } else this.bootManager = { candidates: undefined, current: undefined, tried: 0 };

    // Entry: identity map + trampoline.
    const ranges: MapRange[] = [
      ...platform.ram.map((r) => ({ base: r.base, size: r.size, kind: "normal" as const })),
      ...platform.mmio.map((r) => ({ base: r.base, size: r.size, kind: "device" as const })),
    ];
    const pt = buildIdentityMap(
      ranges.map((r) => ({
        ...r,
        base: alignDown(r.base),
        size: alignUp(r.base + r.size) - alignDown(r.base),
      })),
      (n) => need("page tables", MemoryType.BootServicesData, n * EFI_PAGE),
    );
    for (const pg of pt.pages) this.write(pg.address, pg.bytes);
    const tramp = need("entry code", MemoryType.BootServicesCode, EFI_PAGE);
    this.write(tramp, this.trampoline(pt.ttbr0, stack + stackSize));
    this.entry = { pc: tramp, pstate: 0x3c5 };
  }

  /** Whether `imm` is one of the firmware's HVC immediates. */
  handles(imm: number): boolean {
    return imm >= UEFI_HVC_BASE && imm < UEFI_HVC_BASE + SERVICES.length;
  }

  /** The address of the stub for service `name` (e.g. "BS.AllocatePages"). */
  stub(name: string): number {
    const i = ID.get(name);
    if (i === undefined) throw new ConfigError(`no UEFI service "${name}"`);
    return this.stubBase + 8 * i;
  }

  /** The configuration tables currently installed (GUID text -> table address). */
  configurationTables(): { guid: string; table: bigint }[] {
    return this.configEntries.map((e) => ({ ...e }));
  }

  /**
   * Handle `HVC #imm` from `cpu` (the PC already points past the HVC, at the stub's RET).
   * Never throws for guest input.
   */
  hvc(imm: number, cpu: UefiCpu): UefiAction {
    const sid = imm - UEFI_HVC_BASE;
    const name = SERVICES[sid];
    if (name === undefined) {
      cpu.setX(0, EFI_UNSUPPORTED);
      return "continue";
    }
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    const isRuntime = name.startsWith("RT.");
    // Pointer arguments are virtual addresses of the caller's translation regime: our identity
    // map during boot services, the OS's page tables for runtime calls (with or without
    // SetVirtualAddressMap: arm64 Linux may skip it and still pass kernel addresses).
    this.translateRegs = cpu.translationRegs?.();
    this.translating = this.translateRegs !== undefined && (this.translateRegs.sctlr & 1n) !== 0n;
    this.action = "continue";
    try {
      if (this.bootServicesExited && !isRuntime && !name.startsWith("Internal.")) {
        cpu.setX(0, EFI_UNSUPPORTED);
        return "continue";
      }
      const r = this.call(name, cpu);
      if (r !== undefined) cpu.setX(0, r);
    } catch (e) {
      if (e instanceof GuestFault) cpu.setX(0, EFI_INVALID_PARAMETER);
      else {
        this.internalErrors++;
        this.log.warn(name, `${name}: internal error ${(e as Error).stack ?? String(e)}`);
        cpu.setX(0, EFI_DEVICE_ERROR);
      }
    } finally {
      this.translating = false;
    }
    return this.action;
  }

  private action: UefiAction = "continue";

  // ------------------------------------------------------------------ guest memory helpers

  /**
   * The PA of `addr` and how many bytes from there map contiguously on the same page or block
   * (the caller's translation regime while translating; else VA = PA, up to 2^52).
   */
  private paSpan(addr: bigint | number): { pa: number; span: number } {
    const a = typeof addr === "bigint" ? addr : BigInt(addr);
    if (a < 0n || a >= 1n << 64n) throw new GuestFault();
    if (this.translating && this.translateRegs !== undefined) {
      const w = walkStage1Span(this.translateRegs, a, (x) => this.physU64(x));
      if (w === undefined) throw new GuestFault();
      return w;
    }
    if (a >= 1n << 52n) throw new GuestFault();
    return { pa: Number(a), span: 2 ** 52 - Number(a) };
  }

  /** The PA where [addr, addr+len) lies contiguously (through any number of pages or blocks), or undefined. */
  private contiguousPa(addr: bigint, len: number): number | undefined {
    try {
      const first = this.paSpan(addr);
      let done = first.span;
      while (done < len) {
        const next = this.paSpan(addr + BigInt(done));
        if (next.pa !== first.pa + done) return undefined;
        done += next.span;
      }
      return first.pa;
    } catch (e) {
      if (e instanceof GuestFault) return undefined;
      throw e;
    }
  }

  private physU64(pa: number): bigint | undefined {
    try {
      this.p.memory.readBytes(pa, this.scratch);
      return this.scratchView.getBigUint64(0, true);
    } catch {
      return undefined;
    }
  }

  /** Run `fn(pa, offset, n)` over [addr, addr + len), page by page when translating. */
  private xfer(addr: bigint | number, len: number, fn: (pa: number, off: number, n: number) => void): void {
    if (len === 0) return;
    if (!Number.isSafeInteger(len) || len < 0 || len > 1 << 30) throw new GuestFault();
    let a = typeof addr === "bigint" ? addr : BigInt(addr);
    let off = 0;
    while (off < len) {
      const { pa, span } = this.paSpan(a);
      const n = Math.min(len - off, span);
      fn(pa, off, n);
      off += n;
      a += BigInt(n);
    }
  }

  private read(addr: bigint | number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.xfer(addr, len, (pa, off, n) => {
      try {
        this.p.memory.readBytes(pa, out.subarray(off, off + n));
      } catch {
        throw new GuestFault();
      }
    });
    return out;
  }

  private write(addr: bigint | number, data: Uint8Array): void {
    this.xfer(addr, data.length, (pa, off, n) => {
      try {
        this.p.memory.writeBytes(pa, data.subarray(off, off + n));
      } catch {
        throw new GuestFault();
      }
    });
  }

  private r64(addr: bigint | number): bigint {
    return new DataView(this.read(addr, 8).buffer).getBigUint64(0, true);
  }
  private r32(addr: bigint | number): number {
    return new DataView(this.read(addr, 4).buffer).getUint32(0, true);
  }
  private w64(addr: bigint | number, v: bigint | number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
    this.write(addr, b);
  }
  private w32(addr: bigint | number, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.write(addr, b);
  }
  private guid(addr: bigint): string {
    if (addr === 0n) throw new GuestFault();
    return guidText(this.read(addr, 16));
  }
  /** A NUL-terminated UTF-16 string (at most `max` units). */
  private utf16(addr: bigint, max = 32768): string {
    if (addr === 0n) throw new GuestFault();
    let s = "";
    for (let i = 0; i < max; i++) {
      const b = this.read(addr + BigInt(2 * i), 2);
      const c = b[0]! | (b[1]! << 8);
      if (c === 0) return s;
      s += String.fromCharCode(c);
    }
    throw new GuestFault();
  }
  private need(ptr: bigint): bigint {
    if (ptr === 0n) throw new GuestFault();
    return ptr;
  }

  private pointers(vals: (number | bigint)[]): Uint8Array {
    const b = new Uint8Array(8 * vals.length);
    const dv = new DataView(b.buffer);
    vals.forEach((v, i) => {
      dv.setBigUint64(8 * i, BigInt(v), true);
    });
    return b;
  }

  private writeTable(at: number, signature: bigint, rev: number, names: string[]): void {
    const size = 24 + 8 * names.length;
    const b = new Uint8Array(size);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, signature, true);
    dv.setUint32(8, rev, true);
    dv.setUint32(12, size, true);
    names.forEach((n, i) => {
      dv.setBigUint64(24 + 8 * i, n === "BS.Reserved" ? 0n : BigInt(this.stub(n)), true);
    });
    dv.setUint32(16, crc32(b), true);
    this.write(at, b);
  }

  /** Recompute the CRC32 of the table header at `at` (HeaderSize bytes, CRC field zero). */
  private fixCrc(at: number): void {
    const size = this.r32(at + 12);
    this.w32(at + 16, 0);
    this.w32(at + 16, crc32(this.read(at, size)));
  }

  private addConfig(guid: string, table: bigint): void {
    const i = this.configEntries.findIndex((e) => e.guid === guid);
    if (i >= 0) this.configEntries[i]!.table = table;
    else this.configEntries.push({ guid, table });
    this.syncConfig();
  }

  private syncConfig(): void {
    const b = new Uint8Array(24 * this.configEntries.length);
    const dv = new DataView(b.buffer);
    this.configEntries.forEach((e, i) => {
      b.set(guidBytes(e.guid), 24 * i);
      dv.setBigUint64(24 * i + 16, e.table, true);
    });
    this.write(this.configTable, b);
    this.w64(this.systemTable + 104, this.configEntries.length);
    this.fixCrc(this.systemTable);
  }

  private newHandle(protocols: Protocol[]): number {
    const h = this.bsData.take(16, 16);
    this.handleDb.set(h, protocols);
    return h;
  }

  private newEvent(e: EfiEvent): number {
    const h = this.bsData.take(16, 16);
    this.events.set(h, e);
    return h;
  }

  private guidCell(guid: string): number {
    let a = this.guidCells.get(guid);
    if (a === undefined) {
      a = this.bsData.take(16);
      this.write(a, guidBytes(guid));
      this.guidCells.set(guid, a);
    }
    return a;
  }

  private registerImage(
    base: number,
    pages: number,
    entry: number,
    size: number,
    from: {
      loadOptions: Uint8Array;
      parent: number;
      /** The device the image came from (a partition handle) and its path there. */
      device?: { handle: number; devicePath: Uint8Array; path: string };
    },
  ) {
    const opts = from.loadOptions;
    const parent = from.parent;
    const info = this.bsData.take(96 + opts.length);
    const fileDp =
      from.device === undefined
        ? END_OF_DEVICE_PATH
        : concatBytes([filePathNode(from.device.path), END_OF_DEVICE_PATH]);
    const fp = this.bsData.take(fileDp.length);
    this.write(fp, fileDp);
    let fullDp = fp;
    if (from.device !== undefined) {
      const own = from.device.devicePath;
      const full = concatBytes([own.subarray(0, own.length - 4), fileDp]);
      fullDp = this.bsData.take(full.length);
      this.write(fullDp, full);
    }
    const li = new Uint8Array(96);
    const dv = new DataView(li.buffer);
    dv.setUint32(0, 0x1000, true);
    dv.setBigUint64(8, BigInt(parent), true);
    dv.setBigUint64(16, BigInt(this.systemTable), true);
    dv.setBigUint64(24, 0n, true); // DeviceHandle: set below
    dv.setBigUint64(32, BigInt(fp), true);
    dv.setUint32(48, opts.length, true);
    dv.setBigUint64(56, BigInt(info + 96), true);
    dv.setBigUint64(64, BigInt(base), true);
    dv.setBigUint64(72, BigInt(size), true);
    dv.setUint32(80, MemoryType.LoaderCode, true);
    dv.setUint32(84, MemoryType.LoaderData, true);
    this.write(info, li);
    this.write(info + 96, opts);
    const handle = this.newHandle([
      { guid: GUID.LOADED_IMAGE, iface: info },
      { guid: GUID.LOADED_IMAGE_DEVICE_PATH, iface: fullDp },
    ]);
    // The image's device: the partition it was read from, or a handle with only an (empty) device path.
    const dev = from.device?.handle ?? this.newHandle([{ guid: GUID.DEVICE_PATH, iface: fp }]);
    this.w64(info + 24, dev);
    this.images.set(handle, { handle, base, pages, entry, started: false, infoAddr: info });
    return handle;
  }

  /** The entry trampoline: MMU on with the identity map, SP set, then HVC Internal.Boot. */
  private trampoline(ttbr0: number, stackTop: number): Uint8Array {
    const lit = 0x80; // literal pool offset
    const literals = [MAIR_VALUE, TCR_VALUE, BigInt(ttbr0), CPACR_VALUE, SCTLR_VALUE, BigInt(stackTop)];
    const code = [
      ldrLiteral(2, lit + 0 - 0x00),
      msrMairEl1(2),
      ldrLiteral(2, lit + 8 - 0x08),
      msrTcrEl1(2),
      ldrLiteral(2, lit + 16 - 0x10),
      msrTtbr0El1(2),
      ldrLiteral(2, lit + 24 - 0x18),
      msrCpacrEl1(2),
      ISB,
      TLBI_VMALLE1,
      IC_IALLU,
      DSB_SY,
      ISB,
      ldrLiteral(2, lit + 32 - 0x34),
      msrSctlrEl1(2),
      ISB,
      ldrLiteral(2, lit + 40 - 0x40),
      movSpFrom(2),
      hvc(UEFI_HVC_BASE + id("Internal.Boot")),
      hvc(UEFI_HVC_BASE + id("Internal.Boot")), // reached when the boot image returns (see bootImage)
      B_SELF,
    ];
    const b = new Uint8Array(lit + 8 * literals.length);
    const dv = new DataView(b.buffer);
    code.forEach((w, i) => {
      dv.setUint32(4 * i, w, true);
    });
    literals.forEach((v, i) => {
      dv.setBigUint64(lit + 8 * i, v, true);
    });
    return b;
  }

  // ------------------------------------------------------------------ dispatch

  private call(name: string, cpu: UefiCpu): bigint | undefined {
    const x = (n: number) => cpu.getX(n);
    switch (name) {
      case "Internal.Boot":
        return this.internalBoot(cpu);
      case "Internal.ImageReturn":
        return this.imageReturned(cpu, x(0));
      // -------------------------------------------------------------- console
      case "ConOut.Reset":
      case "ConOut.SetAttribute":
      case "ConOut.EnableCursor":
        return EFI_SUCCESS;
      case "ConOut.ClearScreen":
        this.p.console.write(new TextEncoder().encode("\x1b[2J\x1b[H"));
        return EFI_SUCCESS;
      case "ConOut.SetCursorPosition":
        this.p.console.write(new TextEncoder().encode(`\x1b[${Number(x(2)) + 1};${Number(x(1)) + 1}H`));
        return EFI_SUCCESS;
      case "ConOut.OutputString":
        this.p.console.write(new TextEncoder().encode(this.utf16(x(1))));
        return EFI_SUCCESS;
      case "ConOut.TestString":
        this.utf16(x(1));
        return EFI_SUCCESS;
      case "ConOut.QueryMode":
        if (x(1) !== 0n) return EFI_UNSUPPORTED;
        this.w64(this.need(x(2)), 80);
        this.w64(this.need(x(3)), 25);
        return EFI_SUCCESS;
      case "ConOut.SetMode":
        return x(1) === 0n ? EFI_SUCCESS : EFI_UNSUPPORTED;
      case "ConIn.Reset":
        return EFI_SUCCESS;
      case "ConIn.ReadKeyStroke": {
        const key = this.need(x(1));
        const c = this.p.console.readByte?.();
        if (c === undefined) return EFI_NOT_READY;
        const ch = c === 0x0a ? 0x0d : c === 0x7f ? 0x08 : c;
        this.write(key, le([0, 2], [ch, 2]));
        return EFI_SUCCESS;
      }
      // -------------------------------------------------------------- protocols
      case "LoadFile2.LoadFile":
        return this.loadFile2(x(2), x(3), x(4));
      case "Rng.GetInfo": {
        const sizeP = this.need(x(1));
        const size = this.r64(sizeP);
        this.w64(sizeP, 16);
        if (size < 16n) return EFI_BUFFER_TOO_SMALL;
        this.write(this.need(x(2)), guidBytes(GUID.RNG_ALGORITHM_RAW));
        return EFI_SUCCESS;
      }
      case "BlockIo.Reset":
      case "BlockIo.ReadBlocks":
      case "BlockIo.WriteBlocks":
      case "BlockIo.FlushBlocks":
      case "DiskIo.ReadDisk":
      case "DiskIo.WriteDisk":
      case "SimpleFs.OpenVolume":
      case "File.Open":
      case "File.Close":
      case "File.Delete":
      case "File.Read":
      case "File.Write":
      case "File.GetPosition":
      case "File.SetPosition":
      case "File.GetInfo":
      case "File.SetInfo":
      case "File.Flush":
        return this.storage.call(name, x);
      case "Rng.GetRNG": {
        if (x(1) !== 0n && this.guid(x(1)) !== GUID.RNG_ALGORITHM_RAW) return EFI_UNSUPPORTED;
        const len = x(2);
        if (len === 0n || len > 1n << 20n) return EFI_INVALID_PARAMETER;
        const buf = new Uint8Array(Number(len));
        this.p.entropy?.(buf);
        this.write(this.need(x(3)), buf);
        return EFI_SUCCESS;
      }
    }
    if (name.startsWith("BS.")) return this.bootService(name.slice(3), cpu);
    return this.runtimeService(name.slice(3), cpu);
  }

  private internalBoot(cpu: UefiCpu): bigint | undefined {
    if (this.bootManager !== undefined) return this.bootNext(cpu);
    const img = this.images.get(this.imageHandle)!;
    if (img.started) {
      // The boot image returned to the trampoline.
      this.action = "exit";
      cpu.setPC(cpu.getPC() - 4n);
      return undefined;
    }
    return this.startImage(cpu, this.imageHandle, cpu.getPC());
  }

  private startImage(cpu: UefiCpu, handle: number, returnPc: bigint): bigint | undefined {
    const img = this.images.get(handle);
    if (img === undefined) return EFI_INVALID_PARAMETER;
    if (img.started) return EFI_INVALID_PARAMETER;
    img.started = true;
    const saved: bigint[] = [];
    for (let r = 19; r <= 30; r++) saved.push(cpu.getX(r));
    this.contexts.push({ handle, saved, sp: cpu.getX(31), returnPc });
    cpu.setX(0, BigInt(handle));
    cpu.setX(1, BigInt(this.systemTable));
    cpu.setX(30, BigInt(this.stub("Internal.ImageReturn")));
    cpu.setPC(BigInt(img.entry));
    return undefined;
  }

  /** The running image returned from its entry point or called Exit(): resume its starter. */
  private imageReturned(cpu: UefiCpu, status: bigint, handle?: number): bigint | undefined {
    const ctx = this.contexts[this.contexts.length - 1];
    if (ctx === undefined || (handle !== undefined && handle !== ctx.handle)) return EFI_INVALID_PARAMETER;
    this.contexts.pop();
    ctx.saved.forEach((v, i) => {
      cpu.setX(19 + i, v);
    });
    cpu.setX(31, ctx.sp);
    cpu.setPC(ctx.returnPc);
    if (ctx.handle === this.imageHandle) {
      this.exitStatus = status;
      // Under the boot manager, the trampoline's HVC runs next and tries the next option.
      if (this.bootManager === undefined) this.action = "exit";
    }
    return status;
  }

  private loadFile2(bootPolicy: bigint, sizeP: bigint, buffer: bigint): bigint {
    const initrd = this.initrd;
    if (initrd === undefined) return EFI_NOT_FOUND;
    if (bootPolicy !== 0n) return EFI_UNSUPPORTED;
    const have = this.r64(this.need(sizeP));
    this.w64(sizeP, initrd.length);
    if (buffer === 0n || have < BigInt(initrd.length)) return EFI_BUFFER_TOO_SMALL;
    this.write(buffer, initrd);
    return EFI_SUCCESS;
  }

  // ------------------------------------------------------------------ boot services

  private bootService(name: string, cpu: UefiCpu): bigint | undefined {
    const x = (n: number) => cpu.getX(n);
    const mm = this.memoryMap;
    switch (name) {
      case "RaiseTPL": {
        const old = this.tpl;
        this.tpl = Number(x(0) & 0x1fn);
        return BigInt(old);
      }
      case "RestoreTPL":
        this.tpl = Number(x(0) & 0x1fn);
        return undefined;
      case "AllocatePages": {
        const kind = Number(x(0));
        const type = Number(x(1));
        const pages = x(2);
        const memP = this.need(x(3));
        if (kind > 2 || !validAllocType(type)) return EFI_INVALID_PARAMETER;
        if (pages === 0n || pages > 1n << 40n)
          return pages === 0n ? EFI_INVALID_PARAMETER : EFI_OUT_OF_RESOURCES;
        const want = this.r64(memP);
        if (kind !== 0 && want >= 1n << 52n) return EFI_NOT_FOUND;
        const at = mm.allocate(["any", "max", "address"][kind] as "any", type, Number(pages), Number(want));
        if (at === undefined) return kind === 2 ? EFI_NOT_FOUND : EFI_OUT_OF_RESOURCES;
        this.w64(memP, at);
        return EFI_SUCCESS;
      }
      case "FreePages": {
        const addr = x(0);
        const pages = x(1);
        if (addr % 4096n !== 0n) return EFI_INVALID_PARAMETER;
        if (addr >= 1n << 52n || pages === 0n || pages > 1n << 40n) return EFI_NOT_FOUND;
        return mm.free(Number(addr), Number(pages)) ? EFI_SUCCESS : EFI_NOT_FOUND;
      }
      case "GetMemoryMap": {
        const sizeP = this.need(x(0));
        const have = this.r64(sizeP);
        const need = mm.encodedSize;
        if (x(3) !== 0n) this.w64(x(3), MEMORY_DESCRIPTOR_SIZE);
        if (x(4) !== 0n) this.w32(x(4), MEMORY_DESCRIPTOR_VERSION);
        this.w64(sizeP, need);
        if (have < BigInt(need)) return EFI_BUFFER_TOO_SMALL;
        this.write(this.need(x(1)), mm.encode());
        this.w64(this.need(x(2)), mm.key);
        return EFI_SUCCESS;
      }
      case "AllocatePool": {
        const type = Number(x(0));
        const size = x(1);
        const bufP = this.need(x(2));
        if (!validAllocType(type)) return EFI_INVALID_PARAMETER;
        if (size > 1n << 40n) return EFI_OUT_OF_RESOURCES;
        const pages = Math.max(1, Math.ceil(Number(size) / EFI_PAGE));
        const at = mm.allocate("any", type, pages);
        if (at === undefined) return EFI_OUT_OF_RESOURCES;
        this.pools.set(at, pages);
        this.w64(bufP, at);
        return EFI_SUCCESS;
      }
      case "FreePool": {
        const a = Number(BigInt.asUintN(53, x(0)));
        const pages = this.pools.get(a);
        if (pages === undefined || BigInt(a) !== x(0)) return EFI_INVALID_PARAMETER;
        this.pools.delete(a);
        mm.free(a, pages);
        return EFI_SUCCESS;
      }
      case "CreateEvent":
      case "CreateEventEx": {
        const type = Number(x(0) & 0xffff_ffffn);
        const eventP = this.need(name === "CreateEvent" ? x(4) : x(5));
        // EVT_TIMER, EVT_RUNTIME, EVT_RUNTIME_CONTEXT, NOTIFY_WAIT/SIGNAL, SIGNAL_EXIT_BOOT_SERVICES/VA_CHANGE.
        const known = 0xe000_0303;
        if ((type & ~known) !== 0) return EFI_INVALID_PARAMETER;
        if (type & (EVT_NOTIFY_WAIT | EVT_NOTIFY_SIGNAL) && x(2) === 0n) return EFI_INVALID_PARAMETER;
        const h = this.newEvent({
          type,
          signaled: false,
          deadlineNs: Number.POSITIVE_INFINITY,
          periodNs: 0,
          isKeyEvent: false,
        });
        this.w64(eventP, h);
        return EFI_SUCCESS;
      }
      case "SetTimer": {
        const ev = this.events.get(Number(BigInt.asUintN(53, x(0))));
        if (ev === undefined || (ev.type & EVT_TIMER) === 0) return EFI_INVALID_PARAMETER;
        const kind = Number(x(1));
        const ns = Number(BigInt.asUintN(52, x(2))) * 100;
        if (kind === 0) ev.deadlineNs = Number.POSITIVE_INFINITY;
        else if (kind === 1 || kind === 2) {
          ev.deadlineNs = this.p.monotonicNs() + ns;
          ev.periodNs = kind === 1 ? Math.max(ns, 100) : 0;
        } else return EFI_INVALID_PARAMETER;
        ev.signaled = false;
        return EFI_SUCCESS;
      }
      case "WaitForEvent": {
        const n = x(0);
        if (n === 0n || n > 1024n) return EFI_INVALID_PARAMETER;
        const list = this.need(x(1));
        const indexP = this.need(x(2));
        let earliest = Number.POSITIVE_INFINITY;
        for (let i = 0; i < Number(n); i++) {
          const h = Number(BigInt.asUintN(53, this.r64(list + BigInt(8 * i))));
          const ev = this.events.get(h);
          if (ev === undefined || ev.type & EVT_NOTIFY_SIGNAL) {
            this.w64(indexP, i);
            return EFI_INVALID_PARAMETER;
          }
          if (this.poll(ev)) {
            ev.signaled = false;
            this.w64(indexP, i);
            return EFI_SUCCESS;
          }
          earliest = Math.min(earliest, ev.deadlineNs);
        }
        // Nothing yet: let the board idle; the vCPU re-executes the HVC afterwards.
        this.idleUntilNs = earliest;
        this.action = "idle";
        cpu.setPC(cpu.getPC() - 4n);
        return undefined;
      }
      case "SignalEvent": {
        const ev = this.events.get(Number(BigInt.asUintN(53, x(0))));
        if (ev === undefined) return EFI_INVALID_PARAMETER;
        ev.signaled = true;
        return EFI_SUCCESS;
      }
      case "CloseEvent": {
        const h = Number(BigInt.asUintN(53, x(0)));
        if (!this.events.has(h) || h === this.conInEvent) return EFI_INVALID_PARAMETER;
        this.events.delete(h);
        return EFI_SUCCESS;
      }
      case "CheckEvent": {
        const ev = this.events.get(Number(BigInt.asUintN(53, x(0))));
        if (ev === undefined || ev.type & EVT_NOTIFY_SIGNAL) return EFI_INVALID_PARAMETER;
        if (this.poll(ev)) {
          ev.signaled = false;
          return EFI_SUCCESS;
        }
        return EFI_NOT_READY;
      }
      case "InstallProtocolInterface":
        if (x(2) !== 0n) return EFI_INVALID_PARAMETER; // EFI_NATIVE_INTERFACE only
        return this.install(this.need(x(0)), [[this.guid(x(1)), x(3)]]);
      case "ReinstallProtocolInterface": {
        const ps = this.handleDb.get(Number(BigInt.asUintN(53, x(0))));
        if (ps === undefined) return EFI_INVALID_PARAMETER;
        const g = this.guid(x(1));
        const p = ps.find((q) => q.guid === g && BigInt(q.iface) === x(2));
        if (p === undefined) return EFI_NOT_FOUND;
        p.iface = Number(BigInt.asUintN(53, x(3)));
        return EFI_SUCCESS;
      }
      case "UninstallProtocolInterface":
        return this.uninstall(x(0), [[this.guid(x(1)), x(2)]]);
      case "HandleProtocol":
        return this.openProtocol(x(0), x(1), x(2), 2n);
      case "OpenProtocol":
        return this.openProtocol(x(0), x(1), x(2), x(5));
      case "CloseProtocol": {
        const ps = this.handleDb.get(Number(BigInt.asUintN(53, x(0))));
        if (ps === undefined) return EFI_INVALID_PARAMETER;
        const g = this.guid(x(1));
        return ps.some((p) => p.guid === g) ? EFI_SUCCESS : EFI_NOT_FOUND;
      }
      case "OpenProtocolInformation":
        return EFI_UNSUPPORTED;
      case "RegisterProtocolNotify":
        this.guid(x(0));
        this.w64(this.need(x(2)), this.bsData.take(8));
        return EFI_SUCCESS;
      case "LocateHandle": {
        const hs = this.locate(Number(x(0)), x(1));
        if (typeof hs === "bigint") return hs;
        const sizeP = this.need(x(3));
        const have = this.r64(sizeP);
        this.w64(sizeP, 8 * hs.length);
        if (have < BigInt(8 * hs.length)) return EFI_BUFFER_TOO_SMALL;
        this.write(this.need(x(4)), this.pointers(hs));
        return EFI_SUCCESS;
      }
      case "LocateHandleBuffer": {
        const countP = this.need(x(3));
        const bufP = this.need(x(4));
        const hs = this.locate(Number(x(0)), x(1));
        if (typeof hs === "bigint") return hs;
        const at = this.allocPool(8 * hs.length);
        if (at === undefined) return EFI_OUT_OF_RESOURCES;
        this.write(at, this.pointers(hs));
        this.w64(countP, hs.length);
        this.w64(bufP, at);
        return EFI_SUCCESS;
      }
      case "LocateProtocol": {
        const ifaceP = this.need(x(2));
        const g = this.guid(x(0));
        for (const ps of this.handleDb.values()) {
          const p = ps.find((q) => q.guid === g);
          if (p !== undefined) {
            this.w64(ifaceP, p.iface);
            return EFI_SUCCESS;
          }
        }
        this.w64(ifaceP, 0);
        return EFI_NOT_FOUND;
      }
      case "LocateDevicePath":
        return this.locateDevicePath(x(0), x(1), x(2));
      case "InstallMultipleProtocolInterfaces":
      case "UninstallMultipleProtocolInterfaces": {
        const pairs: [string, bigint][] = [];
        // Variadic (AAPCS64): x1..x7, then 8-byte stack slots.
        const arg = (i: number) => (i < 7 ? x(1 + i) : this.r64(cpu.getX(31) + BigInt(8 * (i - 7))));
        for (let i = 0; ; i += 2) {
          if (i > 64) return EFI_INVALID_PARAMETER;
          const g = arg(i);
          if (g === 0n) break;
          pairs.push([this.guid(g), arg(i + 1)]);
        }
        if (name === "UninstallMultipleProtocolInterfaces") return this.uninstall(x(0), pairs);
        return this.install(this.need(x(0)), pairs);
      }
      case "InstallConfigurationTable": {
        const g = this.guid(x(0));
        const table = x(1);
        const i = this.configEntries.findIndex((e) => e.guid === g);
        if (table === 0n) {
          if (i < 0) return EFI_NOT_FOUND;
          this.configEntries.splice(i, 1);
        } else if (i >= 0) this.configEntries[i]!.table = table;
        else if (this.configEntries.length >= this.configCapacity) return EFI_OUT_OF_RESOURCES;
        else this.configEntries.push({ guid: g, table });
        this.syncConfig();
        return EFI_SUCCESS;
      }
      case "LoadImage":
        return this.loadImage(x(1), x(2), x(3), x(4), x(5));
      case "StartImage": {
        const h = Number(BigInt.asUintN(53, x(0)));
        if (!this.images.has(h) || BigInt(h) !== x(0)) return EFI_INVALID_PARAMETER;
        // Resume at the stub's RET, which returns to the caller (x30 restored from the saved set).
        return this.startImage(cpu, h, cpu.getPC());
      }
      case "Exit": {
        const h = Number(BigInt.asUintN(53, x(0)));
        return this.imageReturned(cpu, x(1), h);
      }
      case "UnloadImage": {
        const h = Number(BigInt.asUintN(53, x(0)));
        const img = this.images.get(h);
        if (img === undefined || BigInt(h) !== x(0)) return EFI_INVALID_PARAMETER;
        if (this.contexts.some((c) => c.handle === h)) return EFI_UNSUPPORTED;
        this.images.delete(h);
        this.handleDb.delete(h);
        mm.free(img.base, img.pages);
        return EFI_SUCCESS;
      }
      case "ExitBootServices": {
        const h = Number(BigInt.asUintN(53, x(0)));
        if (!this.images.has(h)) return EFI_INVALID_PARAMETER;
        if (x(1) !== BigInt(mm.key)) return EFI_INVALID_PARAMETER;
        this.bootServicesExited = true;
        // Boot-time pointers in the system table are no longer valid (UEFI 2.10 7.4.6).
        for (const off of [40, 48, 56, 64, 72, 80, 96]) this.w64(this.systemTable + off, 0);
        this.fixCrc(this.systemTable);
        return EFI_SUCCESS;
      }
      case "GetNextMonotonicCount": {
        const p = this.need(x(0));
        this.w64(p, this.monotonic);
        this.monotonic++;
        return EFI_SUCCESS;
      }
      case "Stall": {
        // Idle the vCPU until the time has passed (the board moves a virtual clock on, or sleeps);
        // the HVC re-executes and finds the deadline reached.
        const now = this.p.monotonicNs();
        if (this.stallUntilNs === undefined)
          this.stallUntilNs = now + Number(BigInt.asUintN(32, x(0))) * 1000;
        if (now >= this.stallUntilNs) {
          this.stallUntilNs = undefined;
          return EFI_SUCCESS;
        }
        this.idleUntilNs = this.stallUntilNs;
        this.action = "idle";
        cpu.setPC(cpu.getPC() - 4n);
        return undefined;
      }
      case "SetWatchdogTimer":
        // Accepted; no watchdog fires.
        return EFI_SUCCESS;
      case "ConnectController":
        return EFI_NOT_FOUND;
      case "DisconnectController":
        return EFI_SUCCESS;
      case "ProtocolsPerHandle": {
        const ps = this.handleDb.get(Number(BigInt.asUintN(53, x(0))));
        if (ps === undefined) return EFI_INVALID_PARAMETER;
        const bufP = this.need(x(1));
        const countP = this.need(x(2));
        const at = this.allocPool(8 * ps.length);
        if (at === undefined) return EFI_OUT_OF_RESOURCES;
        this.write(at, this.pointers(ps.map((p) => this.guidCell(p.guid))));
        this.w64(bufP, at);
        this.w64(countP, ps.length);
        return EFI_SUCCESS;
      }
      case "CalculateCrc32": {
        const len = x(1);
        if (len === 0n || len > 1n << 30n) return EFI_INVALID_PARAMETER;
        const out = this.need(x(2));
        this.w32(out, crc32(this.read(this.need(x(0)), Number(len))));
        return EFI_SUCCESS;
      }
      case "CopyMem": {
        const len = x(2);
        if (len > 1n << 30n) throw new GuestFault();
        if (len === 0n) return undefined;
        // In place when both ranges are contiguous in one RAM region (copyWithin handles
        // overlap, as CopyMem must); else through a copy.
        const [dst, src, n] = [x(0), x(1), Number(len)];
        const pd = this.contiguousPa(dst, n);
        const ps = pd === undefined ? undefined : this.contiguousPa(src, n);
        const r = ps === undefined ? undefined : this.p.memory.findRam?.(pd!, n);
        if (r !== undefined && ps! >= r.base && ps! + n <= r.base + r.u8.length)
          r.u8.copyWithin(pd! - r.base, ps! - r.base, ps! - r.base + n);
        else this.write(dst, this.read(src, n));
        return undefined;
      }
      case "SetMem": {
        const len = x(1);
        if (len > 1n << 30n) throw new GuestFault();
        if (len === 0n) return undefined;
        const value = Number(x(2) & 0xffn);
        const pa = this.contiguousPa(x(0), Number(len));
        const view = pa === undefined ? undefined : this.ramView(pa, Number(len));
        if (view !== undefined) view.fill(value);
        else this.write(x(0), new Uint8Array(Number(len)).fill(value));
        return undefined;
      }
      default:
        return EFI_UNSUPPORTED;
    }
  }

  private poll(ev: EfiEvent): boolean {
    if (ev.isKeyEvent) return this.p.console.hasInput?.() ?? false;
    if (!ev.signaled && ev.deadlineNs <= this.p.monotonicNs()) {
      ev.signaled = true;
      ev.deadlineNs = ev.periodNs > 0 ? ev.deadlineNs + ev.periodNs : Number.POSITIVE_INFINITY;
    }
    return ev.signaled;
  }

  private allocPool(bytes: number): number | undefined {
    const pages = Math.max(1, Math.ceil(bytes / EFI_PAGE));
    const at = this.memoryMap.allocate("any", MemoryType.BootServicesData, pages);
    if (at !== undefined) this.pools.set(at, pages);
    return at;
  }

  private openProtocol(handle: bigint, guidP: bigint, ifaceP: bigint, attributes: bigint): bigint {
    const g = this.guid(guidP);
    const ps = this.handleDb.get(Number(BigInt.asUintN(53, handle)));
    if (ps === undefined || BigInt.asUintN(53, handle) !== handle) return EFI_INVALID_PARAMETER;
    const test = attributes === 4n; // EFI_OPEN_PROTOCOL_TEST_PROTOCOL
    if (!test && ifaceP === 0n) return EFI_INVALID_PARAMETER;
    const p = ps.find((q) => q.guid === g);
    if (p === undefined) {
      if (!test) this.w64(ifaceP, 0);
      return EFI_UNSUPPORTED;
    }
    if (!test) this.w64(ifaceP, p.iface);
    return EFI_SUCCESS;
  }

  private install(handleP: bigint, pairs: [string, bigint][]): bigint {
    let h = Number(BigInt.asUintN(53, this.r64(handleP)));
    let ps = h === 0 ? undefined : this.handleDb.get(h);
    if (h !== 0 && ps === undefined) return EFI_INVALID_PARAMETER;
    for (const [g] of pairs) if (ps?.some((p) => p.guid === g)) return EFI_INVALID_PARAMETER;
    if (new Set(pairs.map((p) => p[0])).size !== pairs.length) return EFI_INVALID_PARAMETER;
    if (ps === undefined) {
      h = this.newHandle([]);
      ps = this.handleDb.get(h)!;
    }
    for (const [guid, iface] of pairs) ps.push({ guid, iface: Number(BigInt.asUintN(53, iface)) });
    this.w64(handleP, h);
    return EFI_SUCCESS;
  }

  private uninstall(handle: bigint, pairs: [string, bigint][]): bigint {
    const h = Number(BigInt.asUintN(53, handle));
    const ps = this.handleDb.get(h);
    if (ps === undefined) return EFI_INVALID_PARAMETER;
    for (const [g, iface] of pairs)
      if (!ps.some((p) => p.guid === g && BigInt(p.iface) === iface)) return EFI_NOT_FOUND;
    for (const [g] of pairs)
      ps.splice(
        ps.findIndex((p) => p.guid === g),
        1,
      );
    if (ps.length === 0 && !this.images.has(h)) this.handleDb.delete(h);
    return EFI_SUCCESS;
  }

  /** Handles for LocateHandle(Buffer): 0 AllHandles, 1 ByRegisterNotify, 2 ByProtocol. */
  private locate(searchType: number, guidP: bigint): number[] | bigint {
    let hs: number[];
    if (searchType === 0) hs = [...this.handleDb.keys()];
    else if (searchType === 2) {
      const g = this.guid(guidP);
      hs = [...this.handleDb.entries()].filter(([, ps]) => ps.some((p) => p.guid === g)).map(([h]) => h);
    } else if (searchType === 1) return EFI_NOT_FOUND;
    else return EFI_INVALID_PARAMETER;
    return hs.length === 0 ? EFI_NOT_FOUND : hs;
  }

  /** Device path nodes (type, subtype, bytes) up to and excluding the end node. */
  private devicePathNodes(addr: bigint): Uint8Array[] {
    const nodes: Uint8Array[] = [];
    let a = addr;
    for (let i = 0; i < 256; i++) {
      const h = this.read(a, 4);
      const len = h[2]! | (h[3]! << 8);
      if (h[0] === 0x7f && h[1] === 0xff) return nodes;
      if (len < 4) throw new GuestFault();
      nodes.push(this.read(a, len));
      a += BigInt(len);
    }
    throw new GuestFault();
  }

  private locateDevicePath(guidP: bigint, dpPP: bigint, deviceP: bigint): bigint {
    const g = this.guid(guidP);
    const dpP = this.need(dpPP);
    if (deviceP === 0n) return EFI_INVALID_PARAMETER;
    const dp = this.need(this.r64(dpP));
    const want = this.devicePathNodes(dp);
    let best: { handle: number; n: number } | undefined;
    for (const [h, ps] of this.handleDb) {
      if (!ps.some((p) => p.guid === g)) continue;
      const path = ps.find((p) => p.guid === GUID.DEVICE_PATH);
      if (path === undefined) continue;
      const have = this.devicePathNodes(BigInt(path.iface));
      if (have.length > want.length) continue;
      if (!have.every((node, i) => equalBytes(node, want[i]!))) continue;
      if (best === undefined || have.length > best.n) best = { handle: h, n: have.length };
    }
    if (best === undefined) return EFI_NOT_FOUND;
    let rest = dp;
    for (let i = 0; i < best.n; i++) rest += BigInt(want[i]!.length);
    this.w64(dpP, rest);
    this.w64(deviceP, best.handle);
    return EFI_SUCCESS;
  }

  private loadImage(parent: bigint, dpAddr: bigint, source: bigint, size: bigint, handleP: bigint): bigint {
    const hp = this.need(handleP);
    if (!this.images.has(Number(BigInt.asUintN(53, parent)))) return EFI_INVALID_PARAMETER;
    let file: Uint8Array;
    let device: { handle: number; devicePath: Uint8Array; path: string } | undefined;
    const target = dpAddr === 0n ? undefined : this.storage.resolveDevicePath(this.devicePathNodes(dpAddr));
    if (target !== undefined && target.path !== "")
      device = { handle: target.fs.handle, devicePath: target.fs.devicePath, path: target.path };
    if (source === 0n) {
      // From a file system: the device path names a FAT volume and a file on it.
      if (device === undefined || target === undefined) return EFI_NOT_FOUND;
      let f: Uint8Array | undefined;
      try {
        f = target.fs.volume.readFile(target.path);
      } catch (e) {
        if (!(e instanceof FatError)) throw e;
        this.say(`LoadImage: ${target.path}: ${e.message}`);
        return EFI_VOLUME_CORRUPTED;
      }
      if (f === undefined) return EFI_NOT_FOUND;
      file = f;
    } else {
      if (size === 0n || size > 1n << 31n) return EFI_LOAD_ERROR;
      file = this.read(source, Number(size));
    }
    const r = this.loadPeImage(file, EFI_PAGE, {
      loadOptions: new Uint8Array(0),
      parent: Number(parent),
      ...(device === undefined ? {} : { device }),
    });
    if (typeof r === "bigint") return r;
    this.w64(hp, r.handle);
    return EFI_SUCCESS;
  }

  /** Load and relocate a PE image; an EFI error (with a console line saying why) on bad images. */
  private loadPeImage(
    file: Uint8Array,
    minAlign: number,
    from: Parameters<UefiFirmware["registerImage"]>[4],
  ): { handle: number; base: number } | bigint {
    let pe: ReturnType<typeof parsePe>;
    try {
      pe = parsePe(file);
    } catch (e) {
      if (e instanceof PeImageError) {
        this.say(`LoadImage: ${e.message}`);
        return e.code === "E_PE_MACHINE" ? EFI_UNSUPPORTED : EFI_LOAD_ERROR;
      }
      throw e;
    }
    const pages = Math.ceil(pe.sizeOfImage / EFI_PAGE);
    const align = Math.max(pe.sectionAlignment, minAlign, EFI_PAGE);
    let at = this.memoryMap.allocate("any", MemoryType.LoaderCode, pages, 0, align);
    if (at === undefined && align > pe.sectionAlignment)
      at = this.memoryMap.allocate(
        "any",
        MemoryType.LoaderCode,
        pages,
        0,
        Math.max(pe.sectionAlignment, EFI_PAGE),
      );
    if (at === undefined) return EFI_OUT_OF_RESOURCES;
    try {
      this.layOut(file, pe, at);
    } catch (e) {
      this.memoryMap.free(at, pages);
      if (e instanceof PeImageError) {
        this.say(`LoadImage: ${e.message}`);
        return EFI_LOAD_ERROR;
      }
      throw e;
    }
    this.p.codeChanged?.();
    const h = this.registerImage(at, pages, at + pe.entryRva, pe.sizeOfImage, from);
    return { handle: h, base: at };
  }

  /** Relocate `file` into guest RAM at `at` (in place when the memory gives a RAM view). */
  private layOut(file: Uint8Array | BootImageFile, pe: PeImage, at: number): void {
    const view = this.ramView(at, pe.sizeOfImage);
    if (view !== undefined) relocatePe(file, pe, at, view);
    else this.write(at, relocatePe(file, pe, at));
  }

  /** Guest-physical [pa, pa+len) as a view of RAM, when the platform gives one. */
  private ramView(pa: number, len: number): Uint8Array | undefined {
    const r = this.p.memory.findRam?.(pa, len);
    return r === undefined ? undefined : r.u8.subarray(pa - r.base, pa - r.base + len);
  }

  private say(line: string): void {
    this.p.console.write(new TextEncoder().encode(`${line}\r\n`));
  }

  // ------------------------------------------------------------------ boot manager

  /**
   * Internal.Boot without a boot image: start the next boot candidate (BootOrder's Boot####
   * entries, then \EFI\BOOT\BOOTAA64.EFI on each EFI System Partition). Its return lands on the
   * same HVC, which tries the next one; when none is left, a console line says why and the board
   * gets "exit".
   */
  private bootNext(cpu: UefiCpu): bigint | undefined {
    const bm = this.bootManager!;
    if (bm.candidates === undefined) {
      for (const p of this.storage.problems) this.say(`UEFI: ${p}`);
      bm.candidates = this.bootCandidates();
    }
    if (bm.current !== undefined) {
      this.say(`UEFI: ${bm.current.label} returned ${efiStatusName(this.exitStatus)}`);
      const img = this.images.get(this.imageHandle);
      if (img !== undefined && !this.contexts.some((c) => c.handle === img.handle)) {
        this.images.delete(img.handle);
        this.handleDb.delete(img.handle);
        this.memoryMap.free(img.base, img.pages);
      }
      bm.current = undefined;
    }
    const missing: string[] = [];
    while (bm.candidates.length > 0) {
      const c = bm.candidates.shift()!;
      let file: Uint8Array | undefined;
      try {
        file = c.fs.volume.readFile(c.path);
      } catch (e) {
        if (!(e instanceof FatError)) throw e;
        this.say(`UEFI: ${c.label}: cannot read ${c.path}: ${e.message}`);
        continue;
      }
      if (file === undefined) {
        if (c.bootNumber === undefined) missing.push(`${c.label}: ${c.path} not found`);
        else this.say(`UEFI: ${c.label}: ${c.path} not found`);
        continue;
      }
      const r = this.loadPeImage(file, this.imageAlign, {
        loadOptions: c.loadOptions,
        parent: 0,
        device: { handle: c.fs.handle, devicePath: c.fs.devicePath, path: c.path },
      });
      if (typeof r === "bigint") {
        this.say(`UEFI: ${c.label}: cannot load ${c.path} (${efiStatusName(r)})`);
        continue;
      }
      bm.current = c;
      bm.tried++;
      this.imageHandle = r.handle;
      this.imageBase = r.base;
      if (c.bootNumber !== undefined) {
        const b = new Uint8Array(2);
        new DataView(b.buffer).setUint16(0, c.bootNumber, true);
        this.variables.set(
          GUID.GLOBAL_VARIABLE,
          "BootCurrent",
          EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS,
          b,
        );
      }
      return this.startImage(cpu, r.handle, cpu.getPC() - 4n);
    }
    if (bm.tried === 0) {
      for (const m of missing) this.say(`UEFI: ${m}`);
      this.say(
        "UEFI: nothing to boot: no boot option or EFI System Partition with \\EFI\\BOOT\\BOOTAA64.EFI on the board's disks",
      );
      this.exitStatus = EFI_NOT_FOUND;
    } else this.say("UEFI: no boot option left to try");
    this.action = "exit";
    cpu.setPC(cpu.getPC() - 4n);
    return undefined;
  }

  private bootCandidates(): BootCandidate[] {
    const out: BootCandidate[] = [];
    const order = this.variables.get(GUID.GLOBAL_VARIABLE, "BootOrder")?.data ?? new Uint8Array(0);
    const ov = new DataView(order.buffer, order.byteOffset, order.byteLength);
    for (let i = 0; i + 2 <= order.length; i += 2) {
      const n = ov.getUint16(i, true);
      const name = `Boot${n.toString(16).toUpperCase().padStart(4, "0")}`;
      const v = this.variables.get(GUID.GLOBAL_VARIABLE, name);
      if (v === undefined || v.data.length === 0) {
        this.say(`UEFI: BootOrder lists ${name}, which does not exist`);
        continue;
      }
      const opt = decodeLoadOption(v.data);
      if (typeof opt === "string") {
        this.say(`UEFI: ${name} is malformed: ${opt}`);
        continue;
      }
      if ((opt.attributes & 1) === 0) continue;
      const label = `${name} "${opt.description}"`;
      const t = this.storage.resolveDevicePath(splitNodes(opt.devicePath));
      if (t === undefined) {
        this.say(`UEFI: ${label}: its device path names no FAT volume on the board's disks`);
        continue;
      }
      out.push({
        label,
        fs: t.fs,
        path: t.path === "" ? REMOVABLE_MEDIA_PATH : t.path,
        loadOptions: opt.optionalData,
        bootNumber: n,
      });
    }
    for (const fs of this.storage.fileSystems())
      if (fs.esp || fs.partition === 0)
        out.push({
          label: fs.partition === 0 ? `disk ${fs.disk}` : `disk ${fs.disk} partition ${fs.partition}`,
          fs,
          path: REMOVABLE_MEDIA_PATH,
          loadOptions: new Uint8Array(0),
        });
    return out;
  }

  // ------------------------------------------------------------------ snapshot

  readonly stateVersion = 1;

  /**
   * Snapshot of the firmware after ExitBootServices: what the runtime services keep on the host
   * (virtual mode, SetTime's offset, time zone and daylight, the monotonic count, the variable
   * store), plus where its tables are (checked on restore: a restoring firmware must have laid
   * them out at the same addresses). The tables and stubs themselves are guest RAM. Before
   * ExitBootServices the boot services' host state (allocations, handles, events, images) is not
   * saved: SnapshotError("unsupported").
   */
  saveState(w: StateWriter): void {
    if (!this.bootServicesExited)
      throw new SnapshotError(
        "unsupported",
        "the built-in UEFI is still running boot services (before ExitBootServices); snapshot once the OS has taken over",
      );
    for (const a of [this.systemTable, this.runtimeServicesTable, this.stubBase, this.configTable]) w.f64(a);
    w.bool(this.virtualMode);
    w.f64(this.timeOffsetMs);
    w.u16(this.timeZone);
    w.u8(this.daylight);
    w.u64(this.monotonic);
    w.f64(this.internalErrors);
    const vars = this.variables.list();
    w.u32(vars.length);
    for (const v of vars) {
      w.str(v.name);
      w.str(v.guid);
      w.u32(v.attributes);
      w.bytes(v.data);
    }
  }

  loadState(r: StateReader): () => void {
    const at = [r.f64(), r.f64(), r.f64(), r.f64()];
    const here = [this.systemTable, this.runtimeServicesTable, this.stubBase, this.configTable];
    if (at.some((a, i) => a !== here[i]))
      r.fail(
        `the firmware's tables were at 0x${at.map((a) => a.toString(16)).join("/0x")}, this firmware's are at 0x${here.map((a) => a.toString(16)).join("/0x")} (another RAM size or firmware build)`,
      );
    const virtualMode = r.bool();
    const offset = r.f64();
    const tz = r.u16();
    const daylight = r.u8();
    const monotonic = r.u64();
    const errors = r.f64();
    const vars: EfiVariable[] = [];
    for (let n = r.count(1 << 16, "variables"); n > 0; n--) {
      const name = r.str(1024);
      const guid = r.str(64);
      const attributes = r.u32();
      const data = r.bytes(MAX_VARIABLE_SIZE * 64).slice();
      if (name === "" || !/^[0-9a-f-]{36}$/.test(guid)) r.fail(`variable "${name}" ${guid}`);
      vars.push({ name, guid, attributes, data });
    }
    return () => {
      this.bootServicesExited = true;
      this.virtualMode = virtualMode;
      this.timeOffsetMs = offset;
      this.timeZone = tz;
      this.daylight = daylight;
      this.monotonic = monotonic;
      this.internalErrors = errors;
      this.stallUntilNs = undefined;
      this.idleUntilNs = Number.POSITIVE_INFINITY;
      this.action = "continue";
      this.variables.replaceAll(vars);
    };
  }

  // ------------------------------------------------------------------ runtime services

  private runtimeService(name: string, cpu: UefiCpu): bigint | undefined {
    const x = (n: number) => cpu.getX(n);
    switch (name) {
      case "GetTime": {
        const tp = this.need(x(0));
        const ms = this.p.wallClockMs() + this.timeOffsetMs;
        const d = new Date(ms);
        const t = le(
          [d.getUTCFullYear(), 2],
          [d.getUTCMonth() + 1, 1],
          [d.getUTCDate(), 1],
          [d.getUTCHours(), 1],
          [d.getUTCMinutes(), 1],
          [d.getUTCSeconds(), 1],
          [0, 1],
          [(ms % 1000) * 1_000_000, 4],
          [this.timeZone, 2],
          [this.daylight, 1],
          [0, 1],
        );
        this.write(tp, t);
        if (x(1) !== 0n) this.write(x(1), le([1, 4], [0, 4], [0, 1], [0, 1], [0, 1], [0, 1]));
        return EFI_SUCCESS;
      }
      case "SetTime": {
        const t = new DataView(this.read(this.need(x(0)), 16).buffer);
        const y = t.getUint16(0, true);
        const mo = t.getUint8(2);
        const da = t.getUint8(3);
        const h = t.getUint8(4);
        const mi = t.getUint8(5);
        const s = t.getUint8(6);
        const ns = t.getUint32(8, true);
        const tz = t.getInt16(12, true);
        if (
          y < 1900 ||
          y > 9999 ||
          mo < 1 ||
          mo > 12 ||
          da < 1 ||
          da > daysIn(y, mo) ||
          h > 23 ||
          mi > 59 ||
          s > 59 ||
          ns > 999_999_999 ||
          (tz !== 0x7ff && (tz < -1440 || tz > 1440))
        )
          return EFI_INVALID_PARAMETER;
        const ms = Date.UTC(y, mo - 1, da, h, mi, s, Math.floor(ns / 1e6));
        this.timeOffsetMs = ms - this.p.wallClockMs();
        this.timeZone = tz & 0xffff;
        this.daylight = t.getUint8(14);
        return EFI_SUCCESS;
      }
      case "SetVirtualAddressMap":
        return this.setVirtualAddressMap(x(0), x(1), x(2), x(3));
      case "GetVariable":
        return this.getVariable(x(0), x(1), x(2), x(3), x(4));
      case "GetNextVariableName":
        return this.getNextVariableName(x(0), x(1), x(2));
      case "SetVariable":
        return this.setVariable(x(0), x(1), x(2), x(3), x(4));
      case "QueryVariableInfo": {
        const attrs = Number(x(0) & 0xffff_ffffn);
        if ((attrs & EFI_VARIABLE_BOOTSERVICE_ACCESS) === 0 && attrs !== 0) return EFI_INVALID_PARAMETER;
        if (this.bootServicesExited && (attrs & EFI_VARIABLE_RUNTIME_ACCESS) === 0)
          return EFI_INVALID_PARAMETER;
        const nv = (attrs & EFI_VARIABLE_NON_VOLATILE) !== 0;
        this.w64(this.need(x(1)), VARIABLE_STORE_SIZE);
        this.w64(this.need(x(2)), Math.max(0, VARIABLE_STORE_SIZE - this.variables.used(nv)));
        this.w64(this.need(x(3)), MAX_VARIABLE_SIZE);
        return EFI_SUCCESS;
      }
      case "ResetSystem": {
        const kind: ResetKind = x(0) === 2n ? "shutdown" : x(0) === 1n ? "warm" : "cold";
        this.p.reset(kind);
        this.action = "reset";
        return EFI_SUCCESS;
      }
      default:
        return EFI_UNSUPPORTED;
    }
  }

  private setVirtualAddressMap(size: bigint, descSize: bigint, version: bigint, map: bigint): bigint {
    if (!this.bootServicesExited || this.virtualMode) return EFI_UNSUPPORTED;
    if (descSize < 40n || descSize > 4096n || version !== BigInt(MEMORY_DESCRIPTOR_VERSION))
      return EFI_INVALID_PARAMETER;
    if (size % descSize !== 0n || size > 1n << 24n) return EFI_INVALID_PARAMETER;
    const bytes = this.read(this.need(map), Number(size));
    const dv = new DataView(bytes.buffer);
    const mapping = new Map<number, { pages: number; virt: bigint }>();
    for (let o = 0; o < bytes.length; o += Number(descSize)) {
      const attr = dv.getBigUint64(o + 32, true);
      if ((attr & (1n << 63n)) === 0n) continue;
      const phys = Number(BigInt.asUintN(52, dv.getBigUint64(o + 8, true)));
      mapping.set(phys, {
        pages: Number(BigInt.asUintN(40, dv.getBigUint64(o + 24, true))),
        virt: dv.getBigUint64(o + 16, true),
      });
    }
    // Every runtime range of ours must have a mapping.
    const toVirt = (pa: number): bigint | undefined => {
      for (const [phys, m] of mapping)
        if (pa >= phys && pa < phys + m.pages * EFI_PAGE) return m.virt + BigInt(pa - phys);
      return undefined;
    };
    const rtVa = toVirt(this.runtimeServicesTable);
    const stubVa = toVirt(this.rtCode.base);
    if (rtVa === undefined || stubVa === undefined) return EFI_NO_MAPPING;
    // Convert the runtime services table's function pointers and the system table's pointers.
    RUNTIME_SERVICES.forEach((s, i) => {
      this.w64(
        this.runtimeServicesTable + 24 + 8 * i,
        stubVa + BigInt(this.stub(`RT.${s}`) - this.rtCode.base),
      );
    });
    this.fixCrc(this.runtimeServicesTable);
    this.w64(this.systemTable + 88, rtVa);
    const vendorVa = toVirt(Number(this.r64(this.systemTable + 24)));
    if (vendorVa !== undefined) this.w64(this.systemTable + 24, vendorVa);
    const ctVa = toVirt(this.configTable);
    if (ctVa !== undefined) this.w64(this.systemTable + 112, ctVa);
    this.fixCrc(this.systemTable);
    this.virtualMode = true;
    return EFI_SUCCESS;
  }

  private visible(attributes: number): boolean {
    return !this.bootServicesExited || (attributes & EFI_VARIABLE_RUNTIME_ACCESS) !== 0;
  }

  private getVariable(nameP: bigint, guidP: bigint, attrP: bigint, sizeP: bigint, data: bigint): bigint {
    const name = this.utf16(nameP, 1024);
    const g = this.guid(guidP);
    const sp = this.need(sizeP);
    const v = this.variables.get(g, name);
    if (v === undefined || !this.visible(v.attributes)) return EFI_NOT_FOUND;
    const have = this.r64(sp);
    this.w64(sp, v.data.length);
    if (attrP !== 0n) this.w32(attrP, v.attributes);
    if (have < BigInt(v.data.length)) return EFI_BUFFER_TOO_SMALL;
    if (v.data.length > 0) this.write(this.need(data), v.data);
    return EFI_SUCCESS;
  }

  private getNextVariableName(sizeP: bigint, nameP: bigint, guidP: bigint): bigint {
    const sp = this.need(sizeP);
    const have = this.r64(sp);
    const name = this.utf16(nameP, Number(have < 2048n ? have / 2n : 1024n) || 1);
    const list = this.variables.list().filter((v) => this.visible(v.attributes));
    let i = 0;
    if (name !== "") {
      const g = this.guid(guidP);
      i = list.findIndex((v) => v.name === name && v.guid === g);
      if (i < 0) return EFI_INVALID_PARAMETER;
      i++;
    }
    const next = list[i];
    if (next === undefined) return EFI_NOT_FOUND;
    const bytes = utf16z(next.name);
    this.w64(sp, bytes.length);
    if (have < BigInt(bytes.length)) return EFI_BUFFER_TOO_SMALL;
    this.write(nameP, bytes);
    this.write(guidP, guidBytes(next.guid));
    return EFI_SUCCESS;
  }

  private setVariable(nameP: bigint, guidP: bigint, attrs64: bigint, size: bigint, data: bigint): bigint {
    const name = this.utf16(nameP, 1024);
    const g = this.guid(guidP);
    if (name === "") return EFI_INVALID_PARAMETER;
    const attrs = Number(attrs64 & 0xffff_ffffn);
    if (attrs64 >> 32n !== 0n) return EFI_INVALID_PARAMETER;
    if (
      attrs &
      (EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS | EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS)
    )
      return size === 0n ? EFI_INVALID_PARAMETER : EFI_SECURITY_VIOLATION;
    if (attrs & EFI_VARIABLE_HARDWARE_ERROR_RECORD) return EFI_INVALID_PARAMETER;
    if (size > BigInt(MAX_VARIABLE_SIZE)) return EFI_OUT_OF_RESOURCES;
    const append = (attrs & EFI_VARIABLE_APPEND_WRITE) !== 0;
    const base = attrs & ~EFI_VARIABLE_APPEND_WRITE;
    const old = this.variables.get(g, name);
    if (old !== undefined && !this.visible(old.attributes)) return EFI_NOT_FOUND;
    const del = size === 0n && !append ? true : base === 0;
    if (del) {
      if (append && size === 0n) return EFI_SUCCESS;
      if (old === undefined) return EFI_NOT_FOUND;
      this.variables.set(g, name, old.attributes, new Uint8Array(0));
      return EFI_SUCCESS;
    }
    if ((base & EFI_VARIABLE_RUNTIME_ACCESS) !== 0 && (base & EFI_VARIABLE_BOOTSERVICE_ACCESS) === 0)
      return EFI_INVALID_PARAMETER;
    if ((base & EFI_VARIABLE_BOOTSERVICE_ACCESS) === 0) return EFI_INVALID_PARAMETER;
    if (this.bootServicesExited) {
      if ((base & EFI_VARIABLE_RUNTIME_ACCESS) === 0) return EFI_INVALID_PARAMETER;
      if ((base & EFI_VARIABLE_NON_VOLATILE) === 0 && old === undefined) return EFI_INVALID_PARAMETER;
    }
    if (old !== undefined && old.attributes !== base) return EFI_INVALID_PARAMETER;
    const bytes = size === 0n ? new Uint8Array(0) : this.read(this.need(data), Number(size));
    if (this.variables.used(false) + bytes.length + 2 * name.length > VARIABLE_STORE_SIZE)
      return EFI_OUT_OF_RESOURCES;
    try {
      this.variables.set(g, name, base, bytes, append);
    } catch (e) {
      this.log.warn("vars", `SetVariable: cannot persist the variable store: ${(e as Error).message}`);
      return EFI_DEVICE_ERROR;
    }
    return EFI_SUCCESS;
  }
}

const EFI_NO_MAPPING = (1n << 63n) | 17n;

/** The removable-media boot path for AArch64 (UEFI 2.10 §3.5.1.1). */
export const REMOVABLE_MEDIA_PATH = "\\EFI\\BOOT\\BOOTAA64.EFI";

interface BootCandidate {
  label: string;
  fs: FileSystemHandle;
  path: string;
  loadOptions: Uint8Array;
  bootNumber?: number;
}

function validAllocType(t: number): boolean {
  return (
    (t >= 1 && t <= 6) ||
    t === MemoryType.AcpiReclaim ||
    t === MemoryType.AcpiNvs ||
    (t >= 0x8000_0000 && t <= 0xffff_ffff)
  );
}

/** Little-endian fields [value, bytes]. */
function le(...fields: [number, number][]): Uint8Array {
  const n = fields.reduce((a, [, s]) => a + s, 0);
  const b = new Uint8Array(n);
  const dv = new DataView(b.buffer);
  let o = 0;
  for (const [v, s] of fields) {
    if (s === 1) dv.setUint8(o, v & 0xff);
    else if (s === 2) dv.setUint16(o, v & 0xffff, true);
    else dv.setUint32(o, v >>> 0, true);
    o += s;
  }
  return b;
}

/** VenMedia(LINUX_EFI_INITRD_MEDIA_GUID)/End (UEFI 2.10 10.3.5.3, Linux's initrd device path). */
function initrdDevicePath(): Uint8Array {
  const b = new Uint8Array(24);
  b.set([4, 3, 20, 0], 0);
  b.set(guidBytes(GUID.LINUX_INITRD_MEDIA), 4);
  b.set([0x7f, 0xff, 4, 0], 20);
  return b;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function daysIn(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const alignDown = (a: number) => Math.floor(a / EFI_PAGE) * EFI_PAGE;
const alignUp = (a: number) => Math.ceil(a / EFI_PAGE) * EFI_PAGE;

/** The PE headers of a boot image; a file is read for them (its first 64 KiB, else all of it). */
function parseImage(image: Uint8Array | BootImageFile): PeImage {
  if (image instanceof Uint8Array) return parsePe(image);
  const head = new Uint8Array(Math.min(image.size, 64 * 1024));
  image.read(head, 0);
  try {
    return parsePe(head, image.size);
  } catch (e) {
    if (!(e instanceof PeImageError) || head.length === image.size) throw e;
    const all = new Uint8Array(image.size);
    image.read(all, 0);
    return parsePe(all);
  }
}
