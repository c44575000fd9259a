/**
 * Random guest behaviour against the xHCI model: commands with random fields and context
 * pointers, random transfer TRBs, corrupted rings and contexts, random register writes. Used by
 * the per-run fuzz test (bounded) and by scripts/fuzz-long.sh.
 */
import { captureWarnings, xorshift32 } from "@armature/core/test";
import { UsbKeyboard, UsbMouse } from "../hid.js";
import { trb } from "../trb.js";
import { UvcCamera } from "../uvc.js";
import { XHCI_MMIO_SIZE } from "../xhci.js";
import { RAM_BASE, XHCI_BASE, XhciTestDriver } from "./driver.js";

export interface FuzzReport {
  cases: number;
  hostExceptions: number;
  hostSystemErrors: number;
  commands: number;
  transfers: number;
  events: number;
  firstFailure: string | undefined;
}

const RAM_SIZE = 4 * 1024 * 1024;

/** Runs `cases` random cases from `seed`; never throws (exceptions are counted and described). */
export function fuzzXhci(seed: number, cases: number): FuzzReport {
  const r = xorshift32(seed);
  const pick = (n: number) => r() % n;
  const rep: FuzzReport = {
    cases,
    hostExceptions: 0,
    hostSystemErrors: 0,
    commands: 0,
    transfers: 0,
    events: 0,
    firstFailure: undefined,
  };
  /** Add a controller's counters to the report (before it is replaced, and at the end). */
  const tally = (d: XhciTestDriver) => {
    const st = d.xhci.stats;
    rep.hostSystemErrors += st.hostSystemErrors;
    rep.commands += st.commands;
    rep.transfers += st.transfers;
    rep.events += st.events;
  };
  const restoreLogger = captureWarnings();
  let drv: XhciTestDriver | undefined;
  let kbd: UsbKeyboard | undefined;
  try {
    for (let c = 0; c < cases; c++) {
      try {
        if (drv === undefined || c % 200 === 0) {
          if (drv !== undefined) tally(drv);
          drv = new XhciTestDriver({
            ramSize: RAM_SIZE,
            contextSize: pick(2) ? 64 : 32,
            interrupters: 1 + pick(4),
          });
          kbd = new UsbKeyboard();
          drv.xhci.attach(new UsbMouse(), { port: 1, usb3: true });
          drv.xhci.attach(kbd, { port: 2, usb3: true });
          drv.xhci.attach(new UvcCamera(), { port: 3, usb3: true });
          drv.xhci.attach(new UsbKeyboard(), { port: 1, usb3: false });
        }
        oneCase(drv, kbd!, r, pick);
      } catch (e) {
        rep.hostExceptions++;
        rep.firstFailure ??= `case ${c} (seed ${seed}): ${(e as Error).stack ?? String(e)}`;
        drv = undefined;
      }
    }
  } finally {
    restoreLogger();
  }
  if (drv !== undefined) tally(drv);
  return rep;
}

function randomAddress(drv: XhciTestDriver, r: () => number): number {
  switch (r() % 5) {
    case 0:
      return XHCI_BASE + (r() % XHCI_MMIO_SIZE); // MMIO, not RAM
    case 1:
      return r() * 2 ** 21 + r(); // far away, up to 2^53
    case 2:
      return 0;
    default: {
      // Somewhere in RAM, filled with random bytes (a random context or ring).
      const a = RAM_BASE + 0x200000 + (r() % (RAM_SIZE - 0x210000));
      const b = new Uint8Array(64 * 34);
      for (let i = 0; i < b.length; i += 4) new DataView(b.buffer).setUint32(i, r(), true);
      drv.dma.write(a - (a % 16), b);
      return a - (r() % 3 === 0 ? 0 : a % 16);
    }
  }
}

function oneCase(drv: XhciTestDriver, kbd: UsbKeyboard, r: () => number, pick: (n: number) => number): void {
  // A fresh controller state each case: HCRST and the driver's init sequence.
  drv.pending.length = 0;
  drv.rings.clear();
  drv.start(1 + pick(8));
  // Sometimes bring a device up properly so that transfer rings and configured endpoints exist.
  let slot = 0;
  if (pick(2) === 0) {
    drv.resetPort(5 + pick(3));
    slot = drv.enableSlot();
    drv.addressDevice(slot, 5 + pick(3), 4, pick(4) === 0, 512);
    if (pick(2) === 0)
      drv.configureEndpoints(slot, [
        { dci: 3, type: pick(8), maxPacket: pick(3) === 0 ? 0 : 8 + pick(1024) },
      ]);
  }
  const actions = 1 + pick(24);
  for (let a = 0; a < actions; a++) {
    switch (pick(9)) {
      case 0:
      case 1: {
        // A command with random type, slot, flags and a random (context) pointer.
        const type = pick(4) === 0 ? pick(64) : 9 + pick(15);
        const control =
          (type << 10) |
          ((pick(256) << 16) & 0xff0000) |
          ((pick(4) === 0 ? pick(256) : slot) << 24) |
          (r() & 0x3fe & ~1);
        const t = trb(randomAddress(drv, r), r(), control);
        drv.cmd.push(t);
        drv.w32(0x3000, 0);
        break;
      }
      case 2:
      case 3: {
        // Random transfer TRBs on an endpoint ring that exists (or not).
        const dci = pick(3) === 0 ? 1 + pick(31) : pick(2) ? 1 : 3;
        const ring = drv.rings.get(`${slot}:${dci}`);
        const n = 1 + pick(6);
        for (let i = 0; i < n && ring; i++) {
          const type = pick(3) === 0 ? pick(64) : 1 + pick(8);
          const t = trb(
            randomAddress(drv, r),
            pick(2) ? r() : pick(0x20000),
            (type << 10) | (r() & 0xffff03fe),
          );
          if (pick(4) === 0) t.parameterHi = r();
          ring.push(t);
        }
        drv.w32(0x3000 + 4 * (pick(4) === 0 ? pick(40) : slot), pick(4) === 0 ? r() : dci);
        break;
      }
      case 4: {
        // A random register write (any size, any offset, 32 or 64 bits).
        const off = pick(XHCI_MMIO_SIZE);
        const sizes = [1, 2, 4, 8] as const;
        const size = sizes[pick(4)]!;
        if (size === 8) drv.xhci.write64(off & ~7, (BigInt(r()) << 32n) | BigInt(r()));
        else drv.xhci.write(off & ~(size - 1), size, size === 4 ? r() : r() & ((1 << (8 * size)) - 1));
        break;
      }
      case 5:
        drv.xhci.read(pick(XHCI_MMIO_SIZE) & ~3, 4);
        drv.xhci.read64(pick(XHCI_MMIO_SIZE) & ~7);
        break;
      case 6: {
        // Corrupt a ring or context the controller is using.
        const target =
          pick(3) === 0 ? drv.cmd.base : pick(2) ? drv.evBase : drv.outputCtx(slot > 0 ? slot : 1);
        const b = new Uint8Array(16 + pick(256));
        for (let i = 0; i < b.length; i++) b[i] = r() & 0xff;
        drv.dma.write(target + 16 * pick(8), b);
        break;
      }
      case 7:
        kbd.tap(4 + pick(40));
        break;
      default:
        drv.poll();
        if (pick(4) === 0) drv.resetPort(1 + pick(8), pick(2) === 0);
    }
  }
}
