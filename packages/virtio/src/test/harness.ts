import type { VirtioDevice } from "../device.js";
import { VirtioMmio } from "../mmio.js";
import { VirtioPciFunction } from "../pci.js";
import type { QueueConfig, RingQueue } from "../queue.js";
import { type DriverQueueBase, DriverSplitQueue, GuestMemory } from "./driver.js";
import {
  initializeDevice,
  MmioTransportDriver,
  PciTransportDriver,
  type VirtioTransportDriver,
} from "./transport.js";

/** Which transport a harness puts a device behind. */
export type TransportKind = "pci-msix" | "pci-intx" | "mmio";
export const TRANSPORT_KINDS: readonly TransportKind[] = ["pci-msix", "pci-intx", "mmio"];

/** A device behind a transport with guest memory and a driver for it. */
export interface DeviceHarness {
  mem: GuestMemory;
  t: VirtioTransportDriver;
  transport: VirtioPciFunction | VirtioMmio;
}

/** Put `device` behind `kind` with fresh guest memory (16 MiB at 1 GiB unless given). */
export function harness(
  device: VirtioDevice,
  kind: TransportKind,
  mem = new GuestMemory(),
  opts: { packed?: boolean } = {},
): DeviceHarness {
  const packed = opts.packed ?? false;
  if (kind === "mmio") {
    const d = new MmioTransportDriver();
    const transport = new VirtioMmio(device, { dma: mem.dma, irq: d.line, packed });
    d.connect(transport);
    return { mem, t: d, transport };
  }
  const transport = new VirtioPciFunction(device, { dma: mem.dma, packed });
  return { mem, t: new PciTransportDriver(transport, { msix: kind === "pci-msix" }), transport };
}

/**
 * Drive `h`'s device to DRIVER_OK with every feature it offers and split queues of `size`
 * entries as its receiveq (0) and transmitq (1), as the console and net drivers start.
 */
export function startRxTx(h: DeviceHarness, size = 16): { rx: DriverSplitQueue; tx: DriverSplitQueue } {
  const rx = new DriverSplitQueue(h.mem, size);
  const tx = new DriverSplitQueue(h.mem, size);
  initializeDevice(h.t, (1n << 64n) - 1n, [rx, tx]);
  return { rx, tx };
}

/**
 * `dev` started on `drv`'s rings (size and addresses), with indirect descriptors and without
 * EVENT_IDX unless `cfg` says otherwise: a device-side ring to test against its driver.
 */
export function configured<Q extends RingQueue>(
  drv: DriverQueueBase,
  dev: Q,
  cfg: Partial<QueueConfig> = {},
): Q {
  dev.configure({ size: drv.size, ...drv.rings(), eventIdx: false, indirect: true, ...cfg });
  return dev;
}
