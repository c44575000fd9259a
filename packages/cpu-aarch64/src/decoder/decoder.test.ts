import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { llvmDisassemble } from "../disasm/oracle.js";
import { CORTEX_A72_MODEL, M1_MODEL } from "../model.js";
import { parseExclusion, tableDataMisses } from "./builder.js";
import { decode, encode, encodingIndex, matchesEntry } from "./decode.js";
import { EncodingError, parsePattern } from "./spec.js";
import { ENCODINGS } from "./table.js";

const idOf = (w: number, model = M1_MODEL): string | null => {
  const i = decode(w, model);
  return i < 0 ? null : ENCODINGS[i]!.id;
};

describe("encoding table", () => {
  it("ids are unique and fields + fixed bits tile all 32 bits exactly", () => {
    expect(new Set(ENCODINGS.map((e) => e.id)).size).toBe(ENCODINGS.length);
    for (const s of ENCODINGS) {
      let covered = s.mask;
      for (const f of s.fields) {
        const m = f.width === 32 ? -1 : ((1 << f.width) - 1) << f.lsb;
        expect((covered & m) === 0, `${s.id}: field ${f.name} overlaps`).toBe(true);
        covered |= m;
      }
      expect(covered | 0, s.id).toBe(-1);
      expect(s.bits & ~s.mask, s.id).toBe(0);
    }
  });

  it("the parsed table data (table-data.ts) is current and says what parsing says", () => {
    // A miss means the table changed since the data was made: pnpm --filter @armature/cpu-aarch64 gen:decoder
    expect(tableDataMisses()).toBe(0);
    for (const s of ENCODINGS) {
      const fixedAt = new Map<string, { lsb: number; width: number }>();
      const p = parsePattern(s.pattern, fixedAt);
      expect([s.mask, s.bits], s.id).toEqual([p.mask, p.bits]);
      expect(s.fields, s.id).toEqual(p.fields);
      expect(s.fixed, s.id).toEqual(p.fixed);
      expect(s.excludes, s.id).toEqual(s.excludes.map((x) => parseExclusion(s.id, x.text, p, fixedAt)));
    }
    // LDR (immediate, unsigned offset), 64-bit: size=11 111 V=0 01 opc=01 imm12 Rn Rt (ARM ARM C6.2.166)
    const ldr = ENCODINGS[encodingIndex("LDR_64_ldst_pos")]!;
    expect([ldr.mask >>> 0, ldr.bits >>> 0]).toEqual([0xffc00000, 0xf9400000]);
  });

  it("feature gates belong to the model: LSE, PAuth, SMC, FP16", () => {
    const ldadd = 0xb8200020; // LDADD w0, w0, [x1]  (FEAT_LSE)
    expect(idOf(ldadd)).toBe("LDADD_32_memop");
    expect(idOf(ldadd, CORTEX_A72_MODEL)).toBeNull();
    const paciasp = 0xd503233f; // PACIASP is a hint: a NOP on cores without FEAT_PAuth
    expect(idOf(paciasp)).toBe("PACIASP_HI_hints");
    expect(idOf(paciasp, CORTEX_A72_MODEL)).toBe("HINT_HM_hints");
    const smc = 0xd4000003; // SMC #0 needs EL3, which the M1 VM does not have
    expect(idOf(smc)).toBeNull();
    expect(idOf(smc, CORTEX_A72_MODEL)).toBe("SMC_EX_exception");
    const faddh = 0x1ee22820; // FADD h0, h1, h2 (FEAT_FP16)
    expect(idOf(faddh)).toBe("FADD_H_floatdp2");
    expect(idOf(faddh, CORTEX_A72_MODEL)).toBeNull();
  });

  it("encode checks its input and says what to fix", () => {
    expect(() => encode("NOPE_only_nothing", {})).toThrow(EncodingError);
    expect(() => encode("ADD_64_addsub_imm", { imm12: 4096 })).toThrow(/does not fit/);
    expect(() => encode("ADD_64_addsub_imm", { Rx: 1 })).toThrow(/no field "Rx"/);
    // AND (immediate) with an all-ones element is reserved (DecodeBitMasks)
    expect(() => encode("AND_32_log_imm", { immr: 0, imms: 0x1f })).toThrow(/reserved/);
  });

  it("encoded words mean what llvm-mc says they mean", () => {
    const words = [
      encode("ADD_64_addsub_imm", { Rd: 0, Rn: 1, imm12: 4 }),
      encode("LDR_64_ldst_pos", { Rt: 2, Rn: 31, imm12: 3 }),
      encode("B_only_branch_imm", { imm26: 0x3ffffff }),
      encode("LDADDAL_64_memop", { Rs: 1, Rn: 2, Rt: 3 }),
      encode("FADD_D_floatdp2", { Rd: 1, Rn: 2, Rm: 3 }),
      encode("MOVZ_64_movewide", { Rd: 5, imm16: 0x1234, hw: 2 }),
    ];
    expect(llvmDisassemble(words).map((r) => r.text)).toEqual([
      "add x0, x1, #4",
      "ldr x2, [sp, #24]",
      "b #-4",
      "ldaddal x1, x3, [x2]",
      "fadd d1, d2, d3",
      "mov x5, #20014547599360",
    ]);
  });

  it("decode agrees with a linear scan of the table (most specific entry first)", () => {
    const pop = (x: number): number => {
      let c = 0;
      for (let v = x >>> 0; v; v &= v - 1) c++;
      return c;
    };
    for (const model of [M1_MODEL, CORTEX_A72_MODEL]) {
      const order = ENCODINGS.map((_, i) => i).filter((i) => {
        const s = ENCODINGS[i]!;
        return (
          (s.feature === null || model.features.has(s.feature)) &&
          s.alsoRequires.every((f) => model.features.has(f))
        );
      });
      order.sort((a, b) => pop(ENCODINGS[b]!.mask) - pop(ENCODINGS[a]!.mask) || a - b);
      const naive = (w: number): number => order.find((i) => matchesEntry(i, w)) ?? -1;
      // Random words (mostly unallocated or one of the wide classes), and words made from an
      // entry's fixed bits with random other bits (every entry's buckets, made on first use).
      fc.assert(
        fc.property(fc.nat({ max: 0xffffffff }), (w) => {
          expect(decode(w, model)).toBe(naive(w));
        }),
        { numRuns: Number(process.env.FC_NUM_RUNS ?? 2000) },
      );
      fc.assert(
        fc.property(fc.nat({ max: ENCODINGS.length - 1 }), fc.nat({ max: 0xffffffff }), (i, r) => {
          const s = ENCODINGS[i]!;
          const w = (s.bits | (r & ~s.mask)) >>> 0;
          expect(decode(w, model)).toBe(naive(w));
        }),
        { numRuns: Number(process.env.FC_NUM_RUNS ?? 4000) },
      );
    }
  });

  it("encodingIndex finds entries by their ARM XML name", () => {
    expect(ENCODINGS[encodingIndex("CRC32CX_64C_dp_2src")]!.mnemonic).toBe("CRC32CX");
  });
});
