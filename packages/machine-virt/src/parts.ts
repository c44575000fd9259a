import {
  aml,
  buildMadt,
  buildSpcr,
  dwordIo,
  dwordMemory,
  mmioInterruptCrs,
  qwordMemory,
  resourceTemplate,
  wordBusNumber,
} from "@armature/acpi";
import { AhciPciFunction, AtapiDvd, SataDisk } from "@armature/ahci";
import {
  ARCH_PPI,
  type BoardConsole,
  type BoardPart,
  dtInterrupts,
  level,
  type PartInterrupt,
  spi,
} from "@armature/board";
import { CfiFlash, describeCfiFlash, VIRT_FLASH_BANK_SIZE, VIRT_FLASH_BLOCK_SIZE } from "@armature/cfi-flash";
import {
  type Bus,
  type DmaSpace,
  type IrqLine,
  irqLine,
  type MsiSink,
  type NetBackend,
  type PciFunction,
  type RamRegion,
  TranslatingDmaSpace,
  type VirtualClock,
} from "@armature/core";
import { describeFwCfg, FW_CFG_MMIO_SIZE, FwCfg, fwCfgAcpiDevice } from "@armature/fw-cfg";
import {
  describeGicDt,
  GICD_SIZE,
  GICR_FRAME_SIZE,
  GITS_FRAME_SIZE,
  type GicPlacement,
  type GicShape,
  Gicv3,
  gicAcpiMadtInput,
  V2M_FRAME_SIZE,
} from "@armature/gic";
import {
  describePciHostBridge,
  type PciBridgeShape,
  PciHostBridge,
  type PciWindow,
  pciAcpiDescription,
} from "@armature/pci";
import { describePl011, PL011_SIZE, Pl011 } from "@armature/pl011";
import { describePl031, PL031_SIZE, Pl031 } from "@armature/pl031";
import {
  busSmmuMemory,
  describeSmmuV3Dt,
  PlatformDmaSpace,
  SMMU_MMIO_SIZE,
  SmmuV3,
  setPciIommuMap,
  translatingMsiSink,
} from "@armature/smmu";
import { smmuV3IortNode } from "@armature/smmu/acpi";
import {
  type UsbDevice,
  UsbKeyboard,
  UsbMouse,
  UsbTablet,
  UvcCamera,
  usbInputListener,
  XhciPciFunction,
} from "@armature/usb";
import {
  VirtioBalloon,
  VirtioBlk,
  VirtioConsole,
  type VirtioDevice,
  VirtioFeature,
  VirtioGpu,
  VirtioNet,
  VirtioPciFunction,
  VirtioRng,
} from "@armature/virtio";
import type { VirtConfig, VirtUsbDevice } from "./config.js";
import { seededEntropy } from "./entropy.js";
import { PCI_IO_DEFAULT_SIZE } from "./layout.js";
import { virtNetBackend, wakeOnReceive } from "./net.js";

/** ECAM gives each bus 1 MiB of configuration space (PCIe 6.0 §7.2.2). */
const ECAM_BUS_SIZE = 1 << 20;

/**
 * What parts see while the board is built: the bus, DMA, clock and console, the GIC's lines, and
 * what earlier entries made (the GIC and its MSI sink, the PCI bridge). Table order matters:
 * a part may use what the entries before it set.
 */
export class VirtWiring {
  gic: Gicv3 | undefined;
  msi: MsiSink | undefined;
  pci: PciHostBridge | undefined;
  /** The SMMUv3 in front of the PCI functions (iommu: "smmuv3"). */
  iommu: SmmuV3 | undefined;
  /** The AHCI function (when the configuration has SATA devices). */
  ahci: AhciPciFunction | undefined;
  /** The virtio-gpu (when the configuration has a GPU display). */
  gpu: VirtioGpu | undefined;
  /** The xHCI and its devices (usb option). */
  usb: VirtUsb | undefined;
  uart: Pl011 | undefined;
  rtc: Pl031 | undefined;
  /** fw_cfg and the variable store flash bank (with `firmware`). */
  fwCfg: FwCfg | undefined;
  varsFlash: CfiFlash | undefined;
  /** Flash bank 0 (the firmware code), mapped as RAM. */
  codeFlash: RamRegion | undefined;
  virtioConsole: VirtioConsole | undefined;
  /** The network backend behind virtio-net (the machine closes it when it stops). */
  net: NetBackend | undefined;
  /** Host I/O delivered something to a device: the machine ends its idle wait (set by the machine). */
  wake: () => void = () => {};
  /** virtio-pci functions, in slot order. */
  readonly virtio: VirtioPciFunction[] = [];
  private nextSlot = 1;

  constructor(
    readonly bus: Bus,
    readonly dma: DmaSpace,
    readonly clock: VirtualClock,
    readonly console: BoardConsole,
  ) {}

  /** The GIC input for an INTID (SPIs; the GIC must be placed first). */
  irq(i: PartInterrupt): IrqLine {
    if (this.gic === undefined) throw new Error("the GIC entry must come before parts with interrupts");
    return irqLine(this.gic, i.intid);
  }

  /**
   * The DMA space of the function the next `attachPci` plugs in: the bus, or with an IOMMU its
   * translation for the function's requester id (root bus 0: RID = device << 3 = StreamID).
   */
  pciDma(): DmaSpace {
    return this.iommu === undefined
      ? this.dma
      : new TranslatingDmaSpace(this.dma, this.iommu, this.nextSlot << 3);
  }

  /** Plug a function into the next free slot of the root bus (device 1, 2, ...). */
  attachPci(fn: PciFunction): void {
    if (this.pci === undefined) throw new Error("the PCIe entry must come before PCI functions");
    this.pci.attach(fn, { device: this.nextSlot++ });
  }
}

/** One entry of the virt board's table. */
export type VirtPart = BoardPart<VirtWiring, VirtConfig>;

// ---- interrupts: each defined once, as an INTID, from the layout ----
const uartIrq = (c: VirtConfig) => level(spi(c.layout.uartSpi));
const rtcIrq = (c: VirtConfig) => level(spi(c.layout.rtcSpi));
const pciIntx = (c: VirtConfig) => [0, 1, 2, 3].map((k) => level(spi(c.layout.pciIntxSpi + k)));

// ---- the GIC ----
const V2M_DEFAULT_SPI_BASE = 96;
const V2M_DEFAULT_SPI_COUNT = 64;

function gicShape(c: VirtConfig): GicShape {
  const L = c.layout;
  return {
    mpidrs: c.mpidrs,
    redistributorRegionSizes: [c.cpus * GICR_FRAME_SIZE],
    itsBases: L.its === undefined ? [] : [L.its],
    v2mFrames:
      L.its === undefined && L.v2m !== undefined
        ? [
            {
              base: L.v2m,
              spiBase: L.v2mSpiBase ?? V2M_DEFAULT_SPI_BASE,
              spiCount: L.v2mSpiCount ?? V2M_DEFAULT_SPI_COUNT,
            },
          ]
        : [],
  };
}

const gicPlacement = (c: VirtConfig): GicPlacement => ({
  distributorBase: c.layout.gicd,
  redistributorBases: [c.layout.gicr],
});

/**
 * GICv3 with an ITS (qemu layout) or a GICv2m frame (vz layout). Linux probes GICv2m frames only
 * when GICD_TYPER.LPIS = 0, so the vz layout has no LPIs.
 */
const GIC: VirtPart = {
  name: "gic",
  windows: (c) => {
    const s = gicShape(c);
    return [
      { name: "gicd", base: c.layout.gicd, size: GICD_SIZE },
      { name: "gicr", base: c.layout.gicr, size: s.redistributorRegionSizes[0]! },
      ...s.itsBases.map((base) => ({ name: "gits", base, size: GITS_FRAME_SIZE })),
      ...s.v2mFrames.map((f) => ({ name: "gicv2m", base: f.base, size: V2M_FRAME_SIZE })),
    ];
  },
  attach: (b, c) => {
    const s = gicShape(c);
    const gic = new Gicv3({ mpidrs: [...c.mpidrs], dma: b.dma, spiCount: 256, lpis: s.itsBases.length > 0 });
    b.gic = gic;
    const frames = [
      ...s.itsBases.map((base) => gic.createIts({ base })),
      ...s.v2mFrames.map((f) => gic.createV2m(f)),
    ];
    b.msi = frames[0];
    return [gic.distributor, gic.redistributorRegion(0), ...frames];
  },
  dt: (d, c) => {
    const s = gicShape(c);
    describeGicDt(s, d.root, gicPlacement(c), {
      gic: d.phandles.gic,
      ...(s.itsBases.length > 0 ? { its: [d.phandles.msi] } : { v2m: [d.phandles.msi] }),
    });
  },
  acpi: (a, c) => {
    const s = gicShape(c);
    a.tables.push(
      buildMadt(gicAcpiMadtInput(s, gicPlacement(c), { performanceInterruptGsiv: ARCH_PPI.pmu })),
    );
    if (s.itsBases.length > 0) a.iort.push({ type: "its", name: "its", itsIds: s.itsBases.map((_, k) => k) });
  },
};

// ---- PrimeCells ----
const PL011_PART: VirtPart = {
  name: "pl011",
  present: (c) => c.uart,
  windows: (c) => [{ name: "pl011", base: c.layout.uart, size: PL011_SIZE }],
  attach: (b, c) => {
    const uart: Pl011 = new Pl011({
      irq: b.irq(uartIrq(c)),
      backend: b.console.serial("ttyAMA", (bytes) => uart.receive(bytes)),
    });
    b.uart = uart;
    return [uart];
  },
  dt: (d, c) => {
    const base = c.layout.uart;
    describePl011(d.root, { base, interrupts: dtInterrupts(uartIrq(c)), clockPhandle: d.phandles.clock });
    d.root.addChild("aliases").setString("serial0", `/pl011@${base.toString(16)}`);
  },
  acpi: (a, c) => {
    const base = c.layout.uart;
    const gsiv = uartIrq(c).intid;
    a.dsdt.push({
      scope: "\\_SB",
      terms: [
        aml.device("COM0", [aml.hid("ARMH0011"), aml.uid(0), mmioInterruptCrs(base, PL011_SIZE, gsiv)]),
      ],
    });
    a.tables.push(buildSpcr({ base, gsiv }));
    a.dbg2.push({ base, size: PL011_SIZE, namespace: "\\_SB.COM0" });
  },
};

const PL031_PART: VirtPart = {
  name: "pl031",
  present: (c) => c.rtc,
  windows: (c) => [{ name: "pl031", base: c.layout.rtc, size: PL031_SIZE }],
  attach: (b, c) => {
    b.rtc = new Pl031({
      clock: b.clock,
      irq: b.irq(rtcIrq(c)),
      ...(c.epochSeconds === undefined ? {} : { epochSeconds: c.epochSeconds }),
    });
    return [b.rtc];
  },
  dt: (d, c) => {
    describePl031(d.root, {
      base: c.layout.rtc,
      interrupts: dtInterrupts(rtcIrq(c)),
      clockPhandle: d.phandles.clock,
    });
  },
  acpi: (a, c) => {
    a.dsdt.push({
      scope: "\\_SB",
      terms: [
        aml.device("RTC0", [
          aml.hid("ARMH0061"),
          aml.uid(0),
          mmioInterruptCrs(c.layout.rtc, PL031_SIZE, rtcIrq(c).intid),
        ]),
      ],
    });
  },
};

// ---- firmware: CFI flash banks and fw_cfg (qemu layout, `firmware`) ----
const MiB = 1024 * 1024;

/**
 * The two flash banks: bank 0 holds the firmware code and is mapped as RAM (the CPU fetches
 * instructions only from RAM; the firmware never programs its own bank), bank 1 is a CFI flash
 * with the variable store.
 */
const FLASH_PART: VirtPart = {
  name: "cfi-flash",
  present: (c) => c.firmware !== undefined,
  windows: (c) => [
    { name: "flash0", base: c.layout.flash![0], size: VIRT_FLASH_BANK_SIZE, mapping: "self" },
    { name: "flash1", base: c.layout.flash![1], size: VIRT_FLASH_BANK_SIZE },
  ],
  attach: (b, c) => {
    const fw = c.firmware!;
    const code = b.bus.addRam("flash0", c.layout.flash![0], VIRT_FLASH_BANK_SIZE);
    b.codeFlash = code;
    code.u8.fill(0xff);
    code.u8.set(fw.code);
    const vars = fw.vars ?? new Uint8Array(VIRT_FLASH_BANK_SIZE).fill(0xff);
    b.varsFlash = new CfiFlash({
      data: vars,
      blockSize: VIRT_FLASH_BLOCK_SIZE,
      ...(fw.onVarsChange === undefined ? {} : { onChange: fw.onVarsChange }),
    });
    return [b.varsFlash];
  },
  dt: (d, c) => {
    describeCfiFlash(
      d.root,
      c.layout.flash!.map((base) => ({ base, size: VIRT_FLASH_BANK_SIZE })),
    );
  },
};

/** fw_cfg: the machine fills its files (ACPI, SMBIOS, kernel) once the board is described. */
const FW_CFG_PART: VirtPart = {
  name: "fw-cfg",
  present: (c) => c.firmware !== undefined,
  windows: (c) => [{ name: "fw-cfg", base: c.layout.fwCfg!, size: FW_CFG_MMIO_SIZE }],
  attach: (b, c) => {
    b.fwCfg = new FwCfg({ dma: b.dma, ramSize: c.memoryMiB * MiB, cpus: c.cpus });
    return [b.fwCfg];
  },
  dt: (d, c) => {
    describeFwCfg(d.root, { base: c.layout.fwCfg! });
  },
  acpi: (a, c) => {
    a.dsdt.push(fwCfgAcpiDevice({ base: c.layout.fwCfg! }));
  },
};

// ---- SMMUv3 ----
/** eventq, priq, cmdq-sync, gerror: four edge SPIs from the layout's smmuSpi (as QEMU's virt). */
function smmuIrqs(c: VirtConfig) {
  const edge = (n: number): PartInterrupt => ({ intid: spi(c.layout.smmuSpi! + n), trigger: "edge" });
  return { eventq: edge(0), priq: edge(1), cmdqSync: edge(2), gerror: edge(3) };
}
const SMMU_IORT_NAME = "smmuv3";

/**
 * An Arm SMMUv3 in front of every PCI function (iommu: "smmuv3"): PCI entries after it take their
 * DMA space from `VirtWiring.pciDma()` and the bridge's MSIs are translated like DMA (the doorbell a
 * function holds is an IOVA). It must come after the GIC and before PCIe.
 */
const SMMU_PART: VirtPart = {
  name: "smmuv3",
  present: (c) => c.iommu === "smmuv3",
  windows: (c) => [{ name: "smmuv3", base: c.layout.smmu!, size: SMMU_MMIO_SIZE }],
  attach: (b, c) => {
    const i = smmuIrqs(c);
    b.iommu = new SmmuV3({
      memory: busSmmuMemory(b.bus),
      ...(b.msi === undefined ? {} : { msi: b.msi }),
      irqs: { eventq: b.irq(i.eventq), gerror: b.irq(i.gerror), cmdqSync: b.irq(i.cmdqSync) },
    });
    return [b.iommu];
  },
  dt: (d, c) => {
    const i = smmuIrqs(c);
    const phandle = d.allocPhandle();
    describeSmmuV3Dt(d.root, {
      base: c.layout.smmu!,
      interrupts: {
        eventq: dtInterrupts(i.eventq),
        gerror: dtInterrupts(i.gerror),
        cmdqSync: dtInterrupts(i.cmdqSync),
      },
      phandle,
    });
    d.phandles.iommu = phandle;
  },
  acpi: (a, c) => {
    const i = smmuIrqs(c);
    const its = a.iort.find((n) => n.type === "its");
    a.iort.push(
      smmuV3IortNode({
        name: SMMU_IORT_NAME,
        base: c.layout.smmu!,
        eventGsiv: i.eventq.intid,
        priGsiv: i.priq.intid,
        syncGsiv: i.cmdqSync.intid,
        gerrorGsiv: i.gerror.intid,
        ...(its === undefined ? {} : { itsGroup: its.name }),
      }),
    );
    a.pciMsiOutput = SMMU_IORT_NAME;
  },
};

// ---- PCIe ----
function pciShape(c: VirtConfig): PciBridgeShape & { mmio32: PciWindow } {
  const L = c.layout;
  return {
    ecamBase: L.ecam,
    ecamSize: L.ecamSize,
    busRange: [0, L.ecamSize / ECAM_BUS_SIZE - 1],
    mmio32: { cpuBase: L.pciMmio32, size: L.pciMmio32Size },
    mmio64: { cpuBase: L.pciMmio64, size: L.pciMmio64Size },
    io:
      L.pciIo === undefined
        ? undefined
        : { cpuBase: L.pciIo, size: L.pciIoSize ?? PCI_IO_DEFAULT_SIZE, pciBase: 0 },
  };
}

/** The PCIe ECAM root bridge; PCI functions after it in the table plug into it. */
const PCIE: VirtPart = {
  name: "pcie",
  windows: (c) => {
    const s = pciShape(c);
    return [
      { name: "ecam", base: s.ecamBase, size: s.ecamSize, mapping: "self" },
      ...[s.mmio32, s.mmio64, s.io].flatMap((w, k) =>
        w === undefined
          ? []
          : [
              {
                name: ["pci-mmio32", "pci-mmio64", "pci-io"][k]!,
                base: w.cpuBase,
                size: w.size,
                mapping: "reserved" as const,
              },
            ],
      ),
    ];
  },
  attach: (b, c) => {
    const s = pciShape(c);
    if (b.msi === undefined) throw new Error("the GIC entry must come before PCIe");
    b.pci = new PciHostBridge({
      bus: b.bus,
      ecamBase: s.ecamBase,
      busRange: s.busRange,
      mmio32: s.mmio32,
      ...(s.mmio64 === undefined ? {} : { mmio64: s.mmio64 }),
      ...(s.io === undefined ? {} : { io: s.io }),
      // Behind an SMMU, a function's MSI address is an IOVA: translated before the GIC sees it.
      msi: b.iommu === undefined ? b.msi : translatingMsiSink(b.iommu, b.msi),
      intx: pciIntx(c).map((i) => b.irq(i)),
    });
    return [];
  },
  dt: (d, c) => {
    const node = describePciHostBridge(pciShape(c), d.root, {
      interruptParent: d.phandles.gic,
      intxSpecifiers: pciIntx(c).map((i) => dtInterrupts(i)),
      msiParent: d.phandles.msi,
    });
    if (d.phandles.iommu !== undefined) setPciIommuMap(node, d.phandles.iommu);
  },
  acpi: (a, c) => {
    const s = pciShape(c);
    const p = pciAcpiDescription(
      s,
      pciIntx(c).map((i) => i.intid),
    );
    a.mcfg.push({
      base: p.mcfg.baseAddress,
      segment: p.segment,
      startBus: p.mcfg.startBus,
      endBus: p.mcfg.endBus,
    });
    const crs = p.crs.map((r) =>
      r.kind === "bus"
        ? wordBusNumber(r.min, r.length)
        : r.kind === "io"
          ? dwordIo(r.min, r.length, { translation: r.translation })
          : r.kind === "mem32"
            ? dwordMemory(r.min, r.length, { translation: r.translation })
            : qwordMemory(r.min, r.length, { translation: r.translation }),
    );
    a.dsdt.push({
      scope: "\\_SB",
      terms: [
        aml.device("PCI0", [
          aml.hid(p.hid),
          aml.cid(p.cid),
          aml.name("_SEG", p.segment),
          aml.name("_BBN", p.baseBus),
          aml.uid(0),
          aml.cca(true),
          aml.prt(p.prt.map((e) => ({ device: e.address >>> 16, pin: e.pin as 0 | 1 | 2 | 3, gsi: e.gsi }))),
          aml.method("_CBA", {}, [aml.ret(s.ecamBase)]),
          aml.crs(resourceTemplate(crs)),
        ]),
      ],
    });
    // The root complex's RIDs go to the SMMU (which maps them on to the ITS) or straight to the ITS.
    if (a.iort.some((n) => n.name === a.pciMsiOutput))
      a.iort.push({
        type: "rc",
        name: "pci0",
        segment: p.segment,
        mappings: [{ inputBase: 0, count: 0x10000, outputBase: 0, output: a.pciMsiOutput }],
      });
  },
};

const ACCESS_PLATFORM = 1n << BigInt(VirtioFeature.ACCESS_PLATFORM);

/**
 * A virtio device as a virtio-pci function in the next slot (PCI is discovered: no DT node, no
 * ACPI device). `create` returns undefined to leave the slot out for this configuration.
 */
function virtioPci(
  name: string,
  create: (b: VirtWiring, c: VirtConfig) => VirtioDevice | undefined,
): VirtPart {
  return {
    name,
    attach: (b, c) => {
      const dev = create(b, c);
      if (dev !== undefined) {
        // Behind an IOMMU, a device the driver did not make platform-aware (no
        // VIRTIO_F_ACCESS_PLATFORM: Linux's virtio_balloon) uses guest-physical addresses.
        const iommu = b.pciDma();
        const dma =
          b.iommu === undefined
            ? b.dma
            : new PlatformDmaSpace(b.dma, iommu, () => (fn.core.features & ACCESS_PLATFORM) !== 0n);
        const fn: VirtioPciFunction = new VirtioPciFunction(dev, { dma, interruptPin: 1 });
        b.attachPci(fn);
        b.virtio.push(fn);
      }
      return [];
    },
  };
}

/** Port n's serial number, AR and n + 1 in 14 digits (SataDisk's and AtapiDvd's defaults for ports 0 and 1). */
const sataSerial = (port: number) => `AR${String(port + 1).padStart(14, "0")}`;

/** An AHCI PCI function with the configured SATA disks and ATAPI DVD-ROMs, one per port. */
const AHCI_PART: VirtPart = {
  name: "ahci",
  present: (c) => c.sata.length > 0,
  attach: (b, c) => {
    const devices = c.sata.map((d, port) =>
      d.kind === "disk"
        ? new SataDisk(d.backend, {
            serial: sataSerial(port),
            ...(d.model === undefined ? {} : { model: d.model }),
          })
        : new AtapiDvd({
            serial: sataSerial(port),
            ...(d.backend === undefined ? {} : { medium: d.backend }),
          }),
    );
    b.ahci = new AhciPciFunction({ dma: b.pciDma(), devices });
    b.attachPci(b.ahci);
    return [];
  },
};

/** The board's USB: the xHCI function and the devices on its USB 3 ports. */
export interface VirtUsb {
  readonly xhci: XhciPciFunction;
  /** Every device, in port order (USB 3 port 1 first). */
  readonly devices: readonly UsbDevice[];
  /** The first tablet, keyboard, mouse and camera (host input goes to the first of each). */
  readonly tablet: UsbTablet | undefined;
  readonly keyboard: UsbKeyboard | undefined;
  readonly mouse: UsbMouse | undefined;
  readonly camera: UvcCamera | undefined;
}

/**
 * An xHCI with the configured devices on USB 3 ports 1.. (default: a tablet, a keyboard and
 * optionally the UVC camera: the Parallels VM's order). With a GPU before it, the display's host
 * input reaches the first keyboard and the first tablet (or, without one, the first mouse).
 */
const XHCI_PART: VirtPart = {
  name: "xhci",
  present: (c) => c.usb !== undefined,
  attach: (b, c) => {
    const xhci = new XhciPciFunction({ dma: b.pciDma(), clock: b.clock });
    const make = (d: VirtUsbDevice): UsbDevice => {
      if (d.kind === "keyboard") return new UsbKeyboard();
      if (d.kind === "mouse") return new UsbMouse();
      if (d.kind === "tablet") return new UsbTablet();
      return new UvcCamera({ clock: b.clock, ...(d.frames === undefined ? {} : { frames: d.frames }) });
    };
    const devices = (c.usb ?? []).map(make);
    devices.forEach((d, i) => {
      xhci.xhci.attach(d, { port: i + 1, usb3: true });
    });
    const first = <T>(k: new (...a: never[]) => T): T | undefined =>
      devices.find((d) => d instanceof k) as T | undefined;
    const tablet = first(UsbTablet);
    const keyboard = first(UsbKeyboard);
    const mouse = first(UsbMouse);
    b.attachPci(xhci);
    b.usb = { xhci, devices, tablet, keyboard, mouse, camera: first(UvcCamera) };
    b.gpu?.display.addInputListener(usbInputListener({ keyboard, tablet, mouse }));
    return [];
  },
};

/**
 * The virt board: one entry per part, placed, wired and described in this order. To add a part,
 * add one entry (and a typed option in VirtBoardOptions / VirtAttachments): see
 * docs/adding-a-device.md.
 */
export const VIRT_PARTS: readonly VirtPart[] = [
  GIC,
  PL011_PART,
  PL031_PART,
  FLASH_PART,
  FW_CFG_PART,
  SMMU_PART,
  PCIE,
  virtioPci("virtio-blk", (_b, c) => (c.disk === undefined ? undefined : new VirtioBlk(c.disk))),
  virtioPci("virtio-net", (b, c) => {
    b.net = virtNetBackend(c.net, c.netDump);
    return b.net === undefined
      ? undefined
      : new VirtioNet(
          wakeOnReceive(b.net, () => b.wake()),
          c.mac === undefined ? {} : { mac: c.mac },
        );
  }),
  virtioPci("virtio-console", (b) => {
    b.virtioConsole = new VirtioConsole(b.console.stream("hvc"));
    return b.virtioConsole;
  }),
  virtioPci("virtio-balloon", () => new VirtioBalloon()),
  // Deterministic runs replay the entropy too (a fixed-seed generator instead of the host CSPRNG).
  virtioPci("virtio-rng", (_b, c) =>
    c.deterministic ? new VirtioRng(seededEntropy(0x9e37_79b9)) : new VirtioRng(),
  ),
  virtioPci("virtio-gpu", (b, c) => {
    if (!c.gpu) return undefined;
    b.gpu = new VirtioGpu(c.gpuDisplay === undefined ? {} : { display: c.gpuDisplay });
    return b.gpu;
  }),
  AHCI_PART,
  XHCI_PART,
];
