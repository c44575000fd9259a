import { uintBits } from "@armature/core/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CommandHeader,
  decodeCommandHeader,
  decodeD2H,
  decodeH2D,
  decodePrd,
  emptyCommandHeader,
  emptyTaskFile,
  encodeCommandHeader,
  encodeD2H,
  encodeH2D,
  encodePioSetup,
  encodePrd,
  encodeSdb,
  type Prd,
} from "./fis.js";

const u8 = uintBits(8);
const u16 = uintBits(16);
const lba = uintBits(48);

const h2d = fc.record({
  command: u8,
  features: u16,
  lba,
  device: u8,
  count: u16,
  control: u8,
  c: fc.boolean(),
  pmPort: uintBits(4),
});

// Seeds print on failure (fast-check's default reporter); runs are bounded per CI run.
const params = { numRuns: 500 };

describe("FIS encoding (SATA 3.x §10.5)", () => {
  it("Register H2D round-trips every field", () => {
    fc.assert(
      fc.property(h2d, (t) => {
        const b = new Uint8Array(20);
        encodeH2D({ ...emptyTaskFile(), ...t }, b);
        const out = emptyTaskFile();
        expect(decodeH2D(b, out)).toBe(true);
        expect(out).toEqual({ ...emptyTaskFile(), ...t });
      }),
      params,
    );
  });

  it("Register H2D byte layout: type 27h, C bit 7 of byte 1, LBA bytes 4-6 and 8-10, count 12-13", () => {
    fc.assert(
      fc.property(h2d, (t) => {
        const b = new Uint8Array(20);
        encodeH2D({ ...emptyTaskFile(), ...t }, b);
        expect(b[0]).toBe(0x27);
        expect(b[1]! >> 7).toBe(t.c ? 1 : 0);
        const l =
          b[4]! + b[5]! * 2 ** 8 + b[6]! * 2 ** 16 + b[8]! * 2 ** 24 + b[9]! * 2 ** 32 + b[10]! * 2 ** 40;
        expect(l).toBe(t.lba);
        expect(b[12]! | (b[13]! << 8)).toBe(t.count);
        expect(b[3]! | (b[11]! << 8)).toBe(t.features);
      }),
      params,
    );
  });

  it("Register D2H round-trips status, error, LBA, count, device; I bit is bit 6", () => {
    fc.assert(
      fc.property(u8, u8, lba, u16, u8, fc.boolean(), (status, error, l, count, device, i) => {
        const b = new Uint8Array(20);
        encodeD2H({ ...emptyTaskFile(), status, error, lba: l, count, device }, i, b);
        expect(b[0]).toBe(0x34);
        expect((b[1]! >> 6) & 1).toBe(i ? 1 : 0);
        const out = emptyTaskFile();
        expect(decodeD2H(b, out)).toBe(true);
        expect([out.status, out.error, out.lba, out.count, out.device]).toEqual([
          status,
          error,
          l,
          count,
          device,
        ]);
      }),
      params,
    );
  });

  it("decoders refuse other FIS types", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (b) => {
        const t = emptyTaskFile();
        expect(decodeH2D(b, t)).toBe(b[0] === 0x27);
        expect(decodeD2H(b, t)).toBe(b[0] === 0x34);
      }),
      params,
    );
  });

  it("PIO Setup: type 5Fh, D bit 5, E_Status byte 15, transfer count bytes 16-17", () => {
    fc.assert(
      fc.property(u8, u8, fc.boolean(), u16, (status, eStatus, d, tc) => {
        const b = new Uint8Array(20);
        encodePioSetup({ ...emptyTaskFile(), status }, d, true, eStatus, tc, b);
        expect(b[0]).toBe(0x5f);
        expect((b[1]! >> 5) & 1).toBe(d ? 1 : 0);
        expect(b[2]).toBe(status);
        expect(b[15]).toBe(eStatus);
        expect(b[16]! | (b[17]! << 8)).toBe(tc);
      }),
      params,
    );
  });

  it("Set Device Bits: type A1h, status hi/lo bits, SActive little-endian", () => {
    fc.assert(
      fc.property(u8, u8, uintBits(32), (status, error, sactive) => {
        const b = new Uint8Array(8);
        encodeSdb(status, error, sactive, true, b);
        expect(b[0]).toBe(0xa1);
        expect(b[2]).toBe(status & 0x77);
        expect(b[3]).toBe(error);
        expect(new DataView(b.buffer).getUint32(4, true)).toBe(sactive);
      }),
      params,
    );
  });
});

describe("command list structures (AHCI 1.3.1 §4.2)", () => {
  const header = fc.record({
    cfl: uintBits(5),
    atapi: fc.boolean(),
    write: fc.boolean(),
    prefetch: fc.boolean(),
    reset: fc.boolean(),
    bist: fc.boolean(),
    clearBusy: fc.boolean(),
    pmp: uintBits(4),
    prdtl: u16,
    prdbc: uintBits(32),
    // 128-byte aligned, 64-bit
    ctba: uintBits(46).map((x) => x * 128),
  });

  it("command header round-trips; DW0 bit positions match §4.2.2", () => {
    fc.assert(
      fc.property(header, (h: CommandHeader) => {
        const b = new Uint8Array(32);
        encodeCommandHeader(h, b);
        const out = emptyCommandHeader();
        decodeCommandHeader(b, out);
        expect(out).toEqual(h);
        const dw0 = new DataView(b.buffer).getUint32(0, true);
        expect(dw0 >>> 16).toBe(h.prdtl);
        expect((dw0 >> 5) & 1).toBe(h.atapi ? 1 : 0);
        expect((dw0 >> 6) & 1).toBe(h.write ? 1 : 0);
      }),
      params,
    );
  });

  it("CTBA ignores the reserved low 7 bits", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => {
        const out = emptyCommandHeader();
        decodeCommandHeader(b, out);
        expect(out.ctba % 128).toBe(0);
      }),
      params,
    );
  });

  it("PRD round-trips; DBC holds count - 1 in bits 21:0, I in bit 31", () => {
    const prd = fc.record({
      dba: uintBits(47).map((x) => x * 2),
      bytes: fc.integer({ min: 1, max: 1 << 22 }),
      interrupt: fc.boolean(),
    });
    fc.assert(
      fc.property(prd, (p: Prd) => {
        const b = new Uint8Array(16);
        encodePrd(p, b);
        const out: Prd = { dba: 0, bytes: 0, interrupt: false };
        decodePrd(b, out);
        expect(out).toEqual(p);
        const dw3 = new DataView(b.buffer).getUint32(12, true);
        expect(dw3 & 0x3fffff).toBe(p.bytes - 1);
        expect(dw3 >>> 31).toBe(p.interrupt ? 1 : 0);
      }),
      params,
    );
  });
});
