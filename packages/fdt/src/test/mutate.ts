// Mutations of valid DTBs for the robustness tests (this package's tests only).
import fc from "fast-check";

export type Mutation =
  | { op: "truncate"; at: number }
  | { op: "flip"; at: number; xor: number }
  | { op: "word"; at: number; value: number }
  | { op: "header"; field: number; value: number; relative: boolean }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; count: number };

const interesting = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 9, 0x10, 0x28, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 0xd00dfeed),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: 0x400 }),
);

/** Positions are fractions of the blob length so one mutation applies to any blob. */
const frac = fc.integer({ min: 0, max: 0xffff }).map((x) => x / 0x10000);
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  frac.map((f) => ({ op: "truncate" as const, at: f })),
  fc.record({ op: fc.constant("flip" as const), at: frac, xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant("word" as const), at: frac, value: interesting }),
  fc.record({
    op: fc.constant("header" as const),
    field: fc.integer({ min: 0, max: 9 }),
    value: fc.oneof(interesting, fc.integer({ min: -64, max: 64 })),
    relative: fc.boolean(),
  }),
  fc.record({
    op: fc.constant("insert" as const),
    at: frac,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ op: fc.constant("delete" as const), at: frac, count: fc.integer({ min: 1, max: 8 }) }),
);

export function applyMutations(blob: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = blob.slice();
  for (const m of ms) {
    const pos = Math.floor(((m as { at?: number }).at ?? 0) * b.length);
    switch (m.op) {
      case "truncate":
        b = b.slice(0, pos);
        break;
      case "flip":
        if (b.length > 0) b[pos] = b[pos]! ^ m.xor;
        break;
      case "word": {
        const at = pos & ~3;
        if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at, m.value >>> 0);
        break;
      }
      case "header": {
        const at = m.field * 4;
        if (at + 4 <= b.length) {
          const dv = new DataView(b.buffer);
          dv.setUint32(at, (m.relative ? dv.getUint32(at) + m.value : m.value) >>> 0);
        }
        break;
      }
      case "insert": {
        const n = new Uint8Array(b.length + m.bytes.length);
        n.set(b.subarray(0, pos));
        n.set(m.bytes, pos);
        n.set(b.subarray(pos), pos + m.bytes.length);
        b = n;
        break;
      }
      case "delete": {
        const end = Math.min(b.length, pos + m.count);
        const n = new Uint8Array(b.length - (end - pos));
        n.set(b.subarray(0, pos));
        n.set(b.subarray(end), pos);
        b = n;
        break;
      }
    }
  }
  return b;
}
