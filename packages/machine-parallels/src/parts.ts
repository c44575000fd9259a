import {
  type AmlFragment,
  aml,
  buildMadt,
  buildPptt,
  buildSpcr,
  extendedInterrupt,
  mmioInterruptCrs,
  resourceTemplate,
} from "@armature/acpi";
import { AHCI_MMIO_SIZE, AhciHba, AtapiDvd, SataDisk } from "@armature/ahci";
import { describeAhciAcpi } from "@armature/ahci/acpi";
import { type AcpiContext, ARCH_PPI, type BoardConsole, type BoardPart } from "@armature/board";
import {
  type BlockBackend,
  type Bus,
  BusDmaSpace,
  type Display,
  type DmaSpace,
  type IrqLine,
  irqLine,
  type NetBackend,
  TranslatingDmaSpace,
  type VirtualClock,
} from "@armature/core";
import {
  GICD_SIZE,
  GICR_FRAME_SIZE,
  type GicShape,
  Gicv3,
  gicAcpiMadtInput,
  V2M_FRAME_SIZE,
} from "@armature/gic";
import { PL011_SIZE, Pl011 } from "@armature/pl011";
import { busSmmuMemory, PlatformDmaSpace, SMMU_MMIO_SIZE, SmmuV3 } from "@armature/smmu";
import { namedComponentIortNode, smmuV3IortNode } from "@armature/smmu/acpi";
import {
  attachParallelsUsbDevices,
  EHCI_MMIO_SIZE,
  EhciController,
  type FrameSource,
  type UsbKeyboard,
  type UsbMouse,
  type UvcCamera,
  XHCI_MMIO_SIZE,
  XhciController,
} from "@armature/usb";
import { describeEhciAcpi, describeXhciAcpi } from "@armature/usb/acpi";
import { VirtioBalloon, type VirtioDevice, VirtioGpu, VirtioMmio, VirtioNet } from "@armature/virtio";
import { PARALLELS_GSIV, PARALLELS_MAP, PARALLELS_STREAM, type ParallelsConfig } from "./config.js";

/** VIRTIO_F_ACCESS_PLATFORM (virtio 1.2 §6): the driver uses the platform's DMA translation. */
const ACCESS_PLATFORM = 1n << 33n;

/** What the board plugs in: backends, which describe nothing in ACPI. */
export interface ParallelsBackends {
  disk: BlockBackend | undefined;
  cdrom: BlockBackend | undefined;
  net: NetBackend | undefined;
  display: Display | undefined;
  camera: FrameSource | undefined;
}

/**
 * What parts see while the board is built: the bus, physical DMA, clock, console and backends,
 * and what earlier entries made (the GIC, the SMMU). Table order matters.
 */
export class ParallelsWiring {
  gic: Gicv3 | undefined;
  smmu: SmmuV3 | undefined;
  uart: Pl011 | undefined;
  ahci: AhciHba | undefined;
  dvd: AtapiDvd | undefined;
  ehci: EhciController | undefined;
  xhci: XhciController | undefined;
  keyboard: UsbKeyboard | undefined;
  mouse: UsbMouse | undefined;
  camera: UvcCamera | undefined;
  gpu: VirtioGpu | undefined;
  /** The GED's interrupt: a pulse is a press of the power button. */
  powerButton: IrqLine | undefined;
  /** virtio-mmio transports in virtio-bus order (gpu, balloon, net). */
  readonly virtio: VirtioMmio[] = [];
  readonly dma: DmaSpace;

  constructor(
    readonly bus: Bus,
    readonly clock: VirtualClock,
    readonly console: BoardConsole,
    readonly backends: ParallelsBackends,
  ) {
    this.dma = new BusDmaSpace(bus);
  }

  /** The GIC input for an INTID (the GIC entry must come first). */
  irq(intid: number): IrqLine {
    if (this.gic === undefined) throw new Error("the GIC entry must come before parts with interrupts");
    return irqLine(this.gic, intid);
  }

  /** The DMA space of a master with StreamID `sid`: through the SMMU when the board has one. */
  dmaFor(sid: number): DmaSpace {
    return this.smmu === undefined ? this.dma : new TranslatingDmaSpace(this.dma, this.smmu, sid);
  }
}

export type ParallelsPart = BoardPart<ParallelsWiring, ParallelsConfig>;

const M = PARALLELS_MAP;
const G = PARALLELS_GSIV;

function device(name: string, terms: Parameters<typeof aml.device>[1]): AmlFragment {
  return { scope: "\\_SB", terms: [aml.device(name, terms)] };
}

/** A DMA master behind the SMMU: an IORT named component with one StreamID (IORT E.b §3.1.1.5). */
function iortMaster(a: AcpiContext, c: ParallelsConfig, objectName: string, streamId: number): void {
  if (!c.iommu) return;
  a.iort.push(namedComponentIortNode("smmuv3", { name: objectName, objectName, streamId }));
}

// ---- GICv3 with a GICv2m frame (no ITS: Linux probes GICv2m only when GICD_TYPER.LPIS = 0) ----
function gicShape(c: ParallelsConfig): GicShape {
  return {
    mpidrs: c.mpidrs,
    redistributorRegionSizes: [c.cpus * GICR_FRAME_SIZE],
    itsBases: [],
    v2mFrames: [{ base: M.v2m, spiBase: G.v2mBase, spiCount: G.v2mCount }],
  };
}

const GIC: ParallelsPart = {
  name: "gic",
  windows: (c) => [
    { name: "gicd", base: M.gicd, size: GICD_SIZE },
    { name: "gicr", base: M.gicr, size: c.cpus * GICR_FRAME_SIZE },
    { name: "gicv2m", base: M.v2m, size: V2M_FRAME_SIZE },
  ],
  attach: (b, c) => {
    const s = gicShape(c);
    const gic = new Gicv3({ mpidrs: [...c.mpidrs], dma: b.dma, spiCount: 256, lpis: false });
    b.gic = gic;
    return [gic.distributor, gic.redistributorRegion(0), gic.createV2m(s.v2mFrames[0]!)];
  },
  acpi: (a, c) => {
    a.tables.push(
      buildMadt(
        gicAcpiMadtInput(
          gicShape(c),
          { distributorBase: M.gicd, redistributorBases: [M.gicr] },
          { performanceInterruptGsiv: ARCH_PPI.pmu },
        ),
      ),
    );
  },
};

// ---- SMMUv3: before the masters, which take their DMA spaces from it ----
const SMMU: ParallelsPart = {
  name: "smmuv3",
  present: (c) => c.iommu,
  windows: () => [{ name: "smmuv3", base: M.smmu, size: SMMU_MMIO_SIZE }],
  attach: (b) => {
    b.smmu = new SmmuV3({
      memory: busSmmuMemory(b.bus),
      irqs: { eventq: b.irq(G.smmuEventq), gerror: b.irq(G.smmuGerror), cmdqSync: b.irq(G.smmuSync) },
    });
    return [b.smmu];
  },
  acpi: (a) => {
    a.iort.push(
      smmuV3IortNode({
        base: M.smmu,
        eventGsiv: G.smmuEventq,
        priGsiv: G.smmuPri,
        gerrorGsiv: G.smmuGerror,
        syncGsiv: G.smmuSync,
      }),
    );
  },
};

// ---- SBSA UART (ARMH0011), the console ----
const UART: ParallelsPart = {
  name: "uart",
  windows: () => [{ name: "uart", base: M.uart, size: PL011_SIZE }],
  attach: (b) => {
    const uart: Pl011 = new Pl011({
      irq: b.irq(G.uart),
      backend: b.console.serial("ttyAMA", (bytes) => uart.receive(bytes)),
    });
    b.uart = uart;
    return [uart];
  },
  acpi: (a) => {
    a.dsdt.push(
      device("COM0", [aml.hid("ARMH0011"), aml.uid(0), mmioInterruptCrs(M.uart, PL011_SIZE, G.uart)]),
    );
    a.tables.push(buildSpcr({ base: M.uart, gsiv: G.uart }));
    a.dbg2.push({ base: M.uart, size: PL011_SIZE, namespace: "\\_SB.COM0" });
  },
};

// ---- AHCI (PRL4010): port 0 the disk, port 1 the DVD-ROM ----
const AHCI: ParallelsPart = {
  name: "ahci",
  windows: () => [{ name: "ahci", base: M.ahci, size: AHCI_MMIO_SIZE }],
  attach: (b) => {
    const disk = b.backends.disk;
    b.dvd = new AtapiDvd(b.backends.cdrom === undefined ? {} : { medium: b.backends.cdrom });
    b.ahci = new AhciHba({
      dma: b.dmaFor(PARALLELS_STREAM.ahci),
      irq: b.irq(G.ahci),
      ports: 2,
      devices: [disk === undefined ? undefined : new SataDisk(disk), b.dvd],
    });
    return [b.ahci];
  },
  acpi: (a, c) => {
    a.dsdt.push(describeAhciAcpi({ base: M.ahci, gsi: G.ahci, name: "SATA" }));
    iortMaster(a, c, "\\_SB.SATA", PARALLELS_STREAM.ahci);
  },
};

// ---- USB: EHCI (bus 1, empty) and xHCI (buses 2 and 3: mouse, keyboard, camera on SuperSpeed) ----
const EHCI: ParallelsPart = {
  name: "ehci",
  windows: () => [{ name: "ehci", base: M.ehci, size: EHCI_MMIO_SIZE }],
  attach: (b) => {
    b.ehci = new EhciController({ irq: b.irq(G.ehci), clock: b.clock });
    return [b.ehci];
  },
  acpi: (a, c) => {
    a.dsdt.push(describeEhciAcpi({ base: M.ehci, spi: G.ehci - 32 }, 0, "EHC0"));
    iortMaster(a, c, "\\_SB.EHC0", PARALLELS_STREAM.ehci);
  },
};

const XHCI: ParallelsPart = {
  name: "xhci",
  windows: () => [{ name: "xhci", base: M.xhci, size: XHCI_MMIO_SIZE }],
  attach: (b) => {
    const xhci = new XhciController({
      dma: b.dmaFor(PARALLELS_STREAM.xhci),
      irq: b.irq(G.xhci),
      clock: b.clock,
    });
    const usb = attachParallelsUsbDevices(xhci, { clock: b.clock, frames: b.backends.camera });
    b.mouse = usb.mouse;
    b.keyboard = usb.keyboard;
    b.camera = usb.camera;
    b.xhci = xhci;
    return [xhci];
  },
  acpi: (a, c) => {
    a.dsdt.push(describeXhciAcpi({ base: M.xhci, spi: G.xhci - 32 }, 0, "XHC0"));
    iortMaster(a, c, "\\_SB.XHC0", PARALLELS_STREAM.xhci);
  },
};

/**
 * A virtio-mmio device (ACPI LNRO0005, what Linux's virtio_mmio matches; the balloon carries
 * Parallels' own _HID PRL4006 with LNRO0005 as _CID). Its DMA goes through the SMMU once the
 * driver negotiates VIRTIO_F_ACCESS_PLATFORM (virtio_balloon does not: it stays physical).
 */
function virtioMmio(
  name: string,
  o: { base: number; gsiv: number; sid: number; uid: number; hid?: string },
  create: (b: ParallelsWiring, c: ParallelsConfig) => VirtioDevice | undefined,
  present?: (c: ParallelsConfig) => boolean,
): ParallelsPart {
  const aname = `VR0${o.uid}`;
  return {
    name,
    ...(present === undefined ? {} : { present }),
    windows: () => [{ name, base: o.base, size: M.virtioWindow }],
    attach: (b, c) => {
      const dev = create(b, c)!;
      let transport: VirtioMmio | undefined;
      const dma =
        b.smmu === undefined
          ? b.dma
          : new PlatformDmaSpace(
              b.dma,
              b.dmaFor(o.sid),
              () => ((transport?.core.features ?? 0n) & ACCESS_PLATFORM) !== 0n,
            );
      transport = new VirtioMmio(dev, { dma, irq: b.irq(o.gsiv) });
      b.virtio.push(transport);
      return [transport];
    },
    acpi: (a, c) => {
      a.dsdt.push(
        device(aname, [
          aml.hid(o.hid ?? "LNRO0005"),
          ...(o.hid === undefined ? [] : [aml.cid("LNRO0005")]),
          aml.uid(o.uid),
          aml.cca(true),
          mmioInterruptCrs(o.base, M.virtioWindow, o.gsiv),
        ]),
      );
      iortMaster(a, c, `\\_SB.${aname}`, o.sid);
    },
  };
}

// ---- Power button: an ACPI Generic Event Device (ACPI 6.4 §5.6.9) that notifies PWRB ----
/**
 * Hardware-reduced ACPI has no fixed power button: a GED (ACPI0013) owns an edge interrupt and its
 * _EVT method turns it into Notify(PWRB, 0x80), which Linux's button driver reports as KEY_POWER.
 * `ParallelsWiring.powerButton` pulses the interrupt.
 */
const POWER_BUTTON: ParallelsPart = {
  name: "ged",
  attach: (b) => {
    b.powerButton = b.irq(G.ged);
    return [];
  },
  acpi: (a) => {
    a.dsdt.push(
      device("PWRB", [aml.hid("PNP0C0C"), aml.uid(0)]),
      device("GED0", [
        aml.hid("ACPI0013"),
        aml.uid(0),
        aml.crs(resourceTemplate([extendedInterrupt([G.ged], { edge: true })])),
        aml.method("_EVT", { args: 1, serialized: true }, [
          aml.ifElse(aml.lEqual(aml.arg(0), G.ged), [aml.notify("\\_SB.PWRB", 0x80)]),
        ]),
      ]),
    );
  },
};

const CPU_TOPOLOGY: ParallelsPart = {
  name: "pptt",
  acpi: (a, c) => {
    a.tables.push(
      buildPptt([
        {
          physicalPackage: true,
          children: c.mpidrs.map((_, i) => ({ acpiProcessorId: i })),
        },
      ]),
    );
  },
};

/**
 * The Parallels-like board: one entry per part, placed, wired and described in this order (the
 * virtio devices' order makes them virtio0/1/2 = gpu/balloon/net, as on Parallels).
 */
export const PARALLELS_PARTS: readonly ParallelsPart[] = [
  GIC,
  SMMU,
  UART,
  AHCI,
  EHCI,
  XHCI,
  virtioMmio("virtio-gpu", { base: M.gpu, gsiv: G.gpu, sid: PARALLELS_STREAM.gpu, uid: 0 }, (b) => {
    b.gpu = new VirtioGpu(b.backends.display === undefined ? {} : { display: b.backends.display });
    return b.gpu;
  }),
  virtioMmio(
    "virtio-balloon",
    { base: M.balloon, gsiv: G.balloon, sid: PARALLELS_STREAM.balloon, uid: 1, hid: "PRL4006" },
    () => new VirtioBalloon(),
  ),
  virtioMmio(
    "virtio-net",
    { base: M.net, gsiv: G.net, sid: PARALLELS_STREAM.net, uid: 2 },
    (b, c) => new VirtioNet(b.backends.net!, { mac: c.mac }),
    (c) => c.net,
  ),
  POWER_BUTTON,
  CPU_TOPOLOGY,
];
