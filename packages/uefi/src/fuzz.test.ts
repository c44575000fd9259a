// Fuzzed service calls: random service, random register arguments (pointers into RAM, at its
// edges, into MMIO, or anywhere in the 64-bit space) and random bytes at those pointers.
// The dispatcher must answer every call with an EFI status and never throw.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SERVICES } from "./firmware.js";
import { UefiTestDriver } from "./test/index.js";

const RAM = 0x4000_0000;
const RAM_END = RAM + 64 * 1024 * 1024;

describe("fuzzed service arguments", () => {
  it(
    "every call returns (no host exception); statuses are success, warnings or EFI errors",
    () => {
      const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
      const runs = Number(process.env.FUZZ_RUNS ?? 300);
      process.stderr.write(`uefi fuzz: FUZZ_SEED=${seed} FUZZ_RUNS=${runs}\n`);
      const d = new UefiTestDriver({ initrd: new Uint8Array(64), platform: { entropy: (b) => b.fill(1) } });
      const scratch = d.alloc(64 * 1024);
      const arg = fc.oneof(
        fc.constantFrom(0n, 1n, 0xffff_ffff_ffff_ffffn, BigInt(RAM_END - 4), BigInt(RAM_END), 0x0900_0000n),
        fc.integer({ min: 0, max: 64 * 1024 - 1 }).map((o) => BigInt(scratch + o)),
        fc.integer({ min: RAM, max: RAM_END - 1 }).map(BigInt),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.integer({ min: 0, max: 64 }).map(BigInt),
      );
      const names = SERVICES.filter((n) => n !== "Internal.Boot");
      let calls = 0;
      try {
        fc.assert(
          fc.property(
            fc.constantFrom(...names),
            fc.array(arg, { minLength: 8, maxLength: 8 }),
            fc.uint8Array({ minLength: 256, maxLength: 256 }),
            (name, args, bytes) => {
              d.put(scratch, bytes);
              d.cpu.setX(31, BigInt(scratch + 32 * 1024));
              const x0 = d.call(name, ...args);
              calls++;
              expect(typeof x0).toBe("bigint");
            },
          ),
          { seed, numRuns: runs },
        );
      } catch (e) {
        throw new Error(`uefi fuzz failed with FUZZ_SEED=${seed}: ${(e as Error).message}`);
      }
      expect(calls).toBe(runs);
      expect(d.fw.internalErrors).toBe(0);
    },
    Math.max(60_000, Number(process.env.FUZZ_RUNS ?? 300) * 20),
  );
});
