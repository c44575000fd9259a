import { uintBits } from "@armature/core/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeEndpointContext,
  decodeInputControlContext,
  decodeSlotContext,
  type EndpointContext,
  encodeEndpointContext,
  encodeInputControlContext,
  encodeSlotContext,
  type SlotContext,
} from "./contexts.js";
import {
  configurationDescriptor,
  DescType,
  endpointDescriptor,
  interfaceDescriptor,
  parseDescriptors,
  stringDescriptor,
  u16,
} from "./descriptors.js";
import { UsbKeyboard } from "./hid.js";
import { XhciTestDriver } from "./test/driver.js";
import { commandCompletionEvent, decodeTrb, encodeTrb, type Trb, transferEvent, trbType } from "./trb.js";

const u32a = uintBits(32);
const words = (b: Uint8Array) =>
  Array.from({ length: b.length / 4 }, (_, i) => new DataView(b.buffer, b.byteOffset).getUint32(i * 4, true));
const params = { numRuns: 500 } as const;

describe("TRB encoding (xHCI 1.2 §6.4)", () => {
  it("encode/decode round-trips every 16-byte TRB, little-endian fields in order", () => {
    fc.assert(
      fc.property(u32a, u32a, u32a, u32a, (lo, hi, status, control) => {
        const t: Trb = { parameterLo: lo, parameterHi: hi, status, control };
        const b = encodeTrb(t, new Uint8Array(16));
        expect(words(b)).toEqual([lo, hi, status, control]);
        expect(decodeTrb(b, 0, { parameterLo: 0, parameterHi: 0, status: 0, control: 0 })).toEqual(t);
      }),
      params,
    );
  });

  it("Transfer and Command Completion events put each field at the spec's bit positions", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 }),
        uintBits(24),
        uintBits(8),
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 1, max: 31 }),
        fc.boolean(),
        (ptr, residual, code, slot, dci, ed) => {
          const e = transferEvent(ptr, residual, code, slot, dci, ed);
          // Table 6-38: status 23:0 length, 31:24 code; control 2 ED, 15:10 type 32, 20:16 EP ID, 31:24 slot.
          expect(e.parameterHi * 2 ** 32 + e.parameterLo).toBe(ptr);
          expect([e.status & 0xffffff, e.status >>> 24]).toEqual([residual, code]);
          expect([
            (e.control >>> 2) & 1,
            trbType(e.control),
            (e.control >>> 16) & 0x1f,
            e.control >>> 24,
          ]).toEqual([ed ? 1 : 0, 32, dci, slot]);
          const c = commandCompletionEvent(ptr - (ptr % 16), code, slot, residual);
          expect([c.status >>> 24, c.status & 0xffffff, trbType(c.control), c.control >>> 24]).toEqual([
            code,
            residual,
            33,
            slot,
          ]);
        },
      ),
      params,
    );
  });
});

const slotArb: fc.Arbitrary<SlotContext> = fc.record({
  routeString: uintBits(20),
  speed: uintBits(4),
  mtt: fc.boolean(),
  hub: fc.boolean(),
  contextEntries: uintBits(5),
  maxExitLatency: uintBits(16),
  rootHubPort: uintBits(8),
  numberOfPorts: uintBits(8),
  ttHubSlot: uintBits(8),
  ttPort: uintBits(8),
  ttThinkTime: uintBits(2),
  interrupterTarget: uintBits(10),
  deviceAddress: uintBits(8),
  slotState: uintBits(5),
});

const epArb: fc.Arbitrary<EndpointContext> = fc.record({
  epState: uintBits(3),
  mult: uintBits(2),
  maxPStreams: uintBits(5),
  lsa: fc.boolean(),
  interval: uintBits(8),
  maxEsitPayloadHi: uintBits(8),
  cErr: uintBits(2),
  epType: uintBits(3),
  hid: fc.boolean(),
  maxBurst: uintBits(8),
  maxPacketSize: uintBits(16),
  dcs: uintBits(1),
  dequeue: uintBits(49).map((x) => x * 16),
  averageTrbLength: uintBits(16),
  maxEsitPayloadLo: uintBits(16),
});

/** `encode` then `decode` gives every drawn value back, and `placed` finds its fields in the dwords. */
function roundTripsAt<T>(
  arb: fc.Arbitrary<T>,
  encode: (x: T) => Uint8Array,
  decode: (b: Uint8Array) => T,
  placed: (x: T, dwords: number[]) => void,
): void {
  fc.assert(
    fc.property(arb, (x) => {
      const b = encode(x);
      expect(decode(b)).toEqual(x);
      placed(x, words(b));
    }),
    params,
  );
}

describe("contexts (xHCI 1.2 §6.2)", () => {
  it("slot context fields round-trip and sit where Figure 6-2 puts them", () => {
    roundTripsAt(slotArb, encodeSlotContext, decodeSlotContext, (s, [d0, d1, d2, d3]) => {
      expect(d0! >>> 27).toBe(s.contextEntries);
      expect((d1! >>> 16) & 0xff).toBe(s.rootHubPort);
      expect(d2! >>> 22).toBe(s.interrupterTarget);
      expect([d3! & 0xff, d3! >>> 27]).toEqual([s.deviceAddress, s.slotState]);
    });
  });

  it("endpoint context fields round-trip and sit where Figure 6-3 puts them", () => {
    roundTripsAt(epArb, encodeEndpointContext, decodeEndpointContext, (e, [d0, d1, d2, d3]) => {
      expect([d0! & 7, (d0! >>> 16) & 0xff]).toEqual([e.epState, e.interval]);
      expect([(d1! >>> 3) & 7, d1! >>> 16, (d1! >>> 8) & 0xff]).toEqual([
        e.epType,
        e.maxPacketSize,
        e.maxBurst,
      ]);
      expect([d3! * 2 ** 32 + ((d2! & ~0xf) >>> 0), d2! & 1]).toEqual([e.dequeue, e.dcs]);
    });
  });

  it("decoding any 32 bytes and re-encoding keeps every defined bit (reserved bits read as zero)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (raw) => {
        // Dequeue pointers are held as numbers: exact below 2^53 (higher ones are unreachable DMA).
        raw[15] = 0;
        raw[14] = raw[14]! & 0x1f;
        const w = words(raw);
        const s = words(encodeSlotContext(decodeSlotContext(raw)));
        expect(s.slice(0, 4)).toEqual([
          (w[0]! & 0xfeffffff) >>> 0,
          w[1]!,
          (w[2]! & 0xffc3ffff) >>> 0,
          (w[3]! & 0xf80000ff) >>> 0,
        ]);
        const e = words(encodeEndpointContext(decodeEndpointContext(raw)));
        expect(e.slice(0, 5)).toEqual([
          (w[0]! & 0xffffff07) >>> 0,
          (w[1]! & 0xffffffbe) >>> 0,
          (w[2]! & 0xfffffff1) >>> 0,
          w[3]!,
          w[4]!,
        ]);
        const i = decodeInputControlContext(raw);
        expect(words(encodeInputControlContext(i))).toEqual([
          w[0]!,
          w[1]!,
          0,
          0,
          0,
          0,
          0,
          (w[7]! & 0xffffff) >>> 0,
        ]);
      }),
      params,
    );
  });
});

const ifaceArb = fc.record({
  bInterfaceNumber: uintBits(8),
  bAlternateSetting: uintBits(8),
  bInterfaceClass: uintBits(8),
  bInterfaceSubClass: uintBits(8),
  bInterfaceProtocol: uintBits(8),
  iInterface: uintBits(8),
  eps: fc.array(
    fc.record({
      bEndpointAddress: uintBits(8),
      bmAttributes: uintBits(8),
      wMaxPacketSize: uintBits(16),
      bInterval: uintBits(8),
    }),
    { maxLength: 4 },
  ),
});

describe("descriptors (USB 3.2 §9.6)", () => {
  it("a configuration bundle parses back into its interface and endpoint descriptors; wTotalLength is exact", () => {
    fc.assert(
      fc.property(fc.array(ifaceArb, { minLength: 1, maxLength: 6 }), (ifaces) => {
        const body: number[] = [];
        for (const i of ifaces) {
          body.push(...interfaceDescriptor({ ...i, bNumEndpoints: i.eps.length }));
          for (const e of i.eps) body.push(...endpointDescriptor(e));
        }
        const conf = Uint8Array.from(
          configurationDescriptor(
            {
              bNumInterfaces: ifaces.length,
              bConfigurationValue: 1,
              iConfiguration: 0,
              bmAttributes: 0x80,
              bMaxPower: 50,
            },
            body,
          ),
        );
        expect(u16(conf, 2)).toBe(conf.length);
        const ds = parseDescriptors(conf)!;
        expect(ds.map((d) => d.type)).toEqual([
          DescType.CONFIGURATION,
          ...ifaces.flatMap((i) => [DescType.INTERFACE, ...i.eps.map(() => DescType.ENDPOINT)]),
        ]);
        const eps = ds.filter((d) => d.type === DescType.ENDPOINT);
        expect(eps.map((d) => [d.bytes[2], d.bytes[3], u16(d.bytes, 4), d.bytes[6]])).toEqual(
          ifaces.flatMap((i) =>
            i.eps.map((e) => [e.bEndpointAddress, e.bmAttributes, e.wMaxPacketSize, e.bInterval]),
          ),
        );
        // Any truncation parses to undefined or to whole descriptors only; it never throws.
        for (let n = 0; n < conf.length; n += 3) {
          const p = parseDescriptors(conf.subarray(0, n));
          if (p !== undefined) expect(p.reduce((a, d) => a + d.bytes.length, 0)).toBe(n);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("string descriptors hold the text as UTF-16LE with bLength = 2 + 2 × units", () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.integer({ min: 1, max: 0xffff }).map((c) => String.fromCharCode(c)),
          maxLength: 126,
        }),
        (s) => {
          const d = stringDescriptor(s);
          expect(d[0]).toBe(2 + 2 * s.length);
          expect(d[1]).toBe(DescType.STRING);
          let back = "";
          for (let i = 2; i < d.length; i += 2) back += String.fromCharCode(d[i]! | (d[i + 1]! << 8));
          expect(back).toBe(s);
        },
      ),
      params,
    );
  });
});

describe("HID keyboard reports (HID 1.11 Appendix B.1)", () => {
  it("after any press/release sequence the report holds the modifiers and the pressed keys, or ErrorRollOver past 6", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: 4, max: 0x65 }), fc.integer({ min: 0xe0, max: 0xe7 })),
            fc.boolean(),
          ),
          { maxLength: 40 },
        ),
        (seq) => {
          const drv = new XhciTestDriver({ ramSize: 1 << 20 });
          const kbd = new UsbKeyboard();
          drv.xhci.attach(kbd, { port: 1, usb3: true });
          kbd.control({ bmRequestType: 0, bRequest: 9, wValue: 1, wIndex: 0, wLength: 0 }, new Uint8Array(0));
          const down = new Set<number>();
          let last: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
          for (const [k, d] of seq) {
            if (d) kbd.keyDown(k);
            else kbd.keyUp(k);
            if (d) down.add(k);
            else down.delete(k);
            const buf = new Uint8Array(8);
            for (;;) {
              const n = kbd.transfer(0x81, buf);
              if (n < 0) break;
              last = [...buf];
            }
          }
          let mods = 0;
          for (const k of down) if (k >= 0xe0) mods |= 1 << (k - 0xe0);
          const keys = [...down].filter((k) => k < 0xe0);
          expect(last[0]).toBe(mods);
          expect(last[1]).toBe(0);
          if (keys.length > 6) expect(last.slice(2)).toEqual([1, 1, 1, 1, 1, 1]);
          else
            expect(
              last
                .slice(2)
                .filter((x) => x !== 0)
                .sort(),
            ).toEqual(keys.sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});
