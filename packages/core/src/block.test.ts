import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  BlockAccessError,
  type BlockBackend,
  blockRangeOk,
  FileBlockBackend,
  MemoryBlockBackend,
  ReadOnlyBlockBackend,
} from "./block.js";
import { ConfigError } from "./errors.js";

const dir = mkdtempSync(join(tmpdir(), "armature-block-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pattern(n: number, seed: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return a;
}

type Op =
  | { kind: "write"; offset: number; data: Uint8Array }
  | { kind: "zero" | "discard"; offset: number; length: number }
  | { kind: "read"; offset: number; length: number };

const SIZE = 8192;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc
    .tuple(fc.nat(SIZE), fc.uint8Array({ maxLength: 1500 }))
    .filter(([o, d]) => o + d.length <= SIZE)
    .map(([offset, data]) => ({ kind: "write" as const, offset, data })),
  fc
    .tuple(fc.constantFrom("zero" as const, "discard" as const), fc.nat(SIZE), fc.nat(3000))
    .filter(([, o, n]) => o + n <= SIZE)
    .map(([kind, offset, length]) => ({ kind, offset, length })),
  fc
    .tuple(fc.nat(SIZE), fc.nat(3000))
    .filter(([o, n]) => o + n <= SIZE)
    .map(([offset, length]) => ({ kind: "read" as const, offset, length })),
);

describe("block backends", () => {
  it("file and memory backends behave as a plain byte array under any in-bounds sequence", () => {
    let run = 0;
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 24 }), (ops) => {
        const init = pattern(SIZE, run);
        const path = join(dir, `p${run++}.img`);
        writeFileSync(path, init);
        const model = init.slice();
        const backends: BlockBackend[] = [new MemoryBlockBackend(init.slice()), new FileBlockBackend(path)];
        try {
          for (const op of ops) {
            if (op.kind === "write") model.set(op.data, op.offset);
            else if (op.kind !== "read") model.fill(0, op.offset, op.offset + op.length);
            for (const b of backends) {
              if (op.kind === "write") expect(b.write(op.offset, op.data)).toBe(true);
              else if (op.kind === "zero") expect(b.writeZeroes(op.offset, op.length)).toBe(true);
              else if (op.kind === "discard") expect(b.discard?.(op.offset, op.length)).toBe(true);
              else {
                const dst = new Uint8Array(op.length);
                expect(b.read(op.offset, dst)).toBe(true);
                expect(dst).toEqual(model.subarray(op.offset, op.offset + op.length));
              }
            }
          }
          for (const b of backends) expect(b.flush()).toBe(true);
        } finally {
          backends[1]?.close?.();
        }
        expect(new Uint8Array(readFileSync(path))).toEqual(model);
        expect(statSync(path).size).toBe(SIZE);
        rmSync(path);
      }),
      { numRuns: 40, verbose: true },
    );
  });

  it("out-of-bounds calls, writes to read-only media and calls after close throw BlockAccessError", () => {
    const path = join(dir, "ro.img");
    writeFileSync(path, pattern(4096, 1));
    const file = new FileBlockBackend(path, { readOnly: true });
    const mem = new MemoryBlockBackend(4096);
    const ro = new ReadOnlyBlockBackend(new MemoryBlockBackend(pattern(4096, 2)));
    for (const b of [file, mem, ro]) {
      expect(() => b.read(4000, new Uint8Array(512))).toThrow(BlockAccessError);
      expect(() => b.read(-1, new Uint8Array(1))).toThrow(/outside the 4096-byte medium/);
    }
    for (const b of [file, ro]) {
      expect(b.readOnly).toBe(true);
      expect(() => b.write(0, new Uint8Array(512))).toThrow(/read-only/);
      expect(() => b.writeZeroes(0, 512)).toThrow(BlockAccessError);
    }
    expect(() => mem.writeZeroes(4095, 2)).toThrow(BlockAccessError);
    const dst = new Uint8Array(4);
    expect(ro.read(4092, dst)).toBe(true);
    expect(dst).toEqual(pattern(4096, 2).subarray(4092));
    file.close();
    expect(() => file.read(0, dst)).toThrow(/after close/);
    expect(() => file.flush()).toThrow(BlockAccessError);
    expect(new Uint8Array(readFileSync(path))).toEqual(pattern(4096, 1));
  });

  it("CD media: 2048-byte blocks, sizes checked against the block size", () => {
    const iso = join(dir, "cd.iso");
    writeFileSync(iso, pattern(3 * 2048, 5));
    const cd = new ReadOnlyBlockBackend(new FileBlockBackend(iso, { readOnly: true, blockSize: 2048 }));
    expect(cd.blockSize).toBe(2048);
    expect(cd.size).toBe(6144);
    const sector = new Uint8Array(2048);
    expect(cd.read(2 * 2048, sector)).toBe(true);
    expect(sector).toEqual(pattern(6144, 5).subarray(4096));
    cd.close();
    writeFileSync(join(dir, "odd.iso"), new Uint8Array(2048 + 512));
    expect(() => new FileBlockBackend(join(dir, "odd.iso"), { blockSize: 2048 })).toThrow(ConfigError);
    expect(() => new MemoryBlockBackend(1000)).toThrow(/not a multiple of 512/);
    expect(() => new MemoryBlockBackend(4096, { blockSize: 1000 })).toThrow(/power of two/);
    expect(() => new FileBlockBackend(join(dir, "missing.img"))).toThrow(/cannot open/);
  });

  it("blockRangeOk accepts exactly the ranges inside the medium", () => {
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 5000 }), fc.integer({ min: -10, max: 5000 }), (o, n) => {
        expect(blockRangeOk({ size: 4096 }, o, n)).toBe(o >= 0 && n >= 0 && o + n <= 4096);
      }),
    );
  });
});
