import { describe, expect, it } from "vitest";
import { CRYPTO_OPS as OPS, cryptoRegs as regs } from "../test/crypto-cases.js";
import { hex32 } from "../test/fp-oracle.js";
import { oracleSuite } from "../test/oracle-suite.js";
import { crc32 } from "./crypto.js";

const { oracle, sample, seed: SEED } = oracleSuite();

const q = (w: number[], o: number) => hex32(w[o + 3]!) + hex32(w[o + 2]!) + hex32(w[o + 1]!) + hex32(w[o]!);

describe("crypto instructions vs qemu-aarch64 -cpu max", () => {
  it("AES, SHA1/256/512, SHA3, PMULL and CRC32 match bit-exactly", async () => {
    const cases: Array<[string, number[]]> = [];
    for (const name of Object.keys(OPS)) for (const w of sample(regs)) cases.push([name, w]);
    const res = await oracle().run(cases.map(([n, w]) => `${n} 0 ${q(w, 0)} ${q(w, 4)} ${q(w, 8)}`));
    const v = new Uint32Array(12);
    const bad: string[] = [];
    cases.forEach(([name, w], i) => {
      v.set(w);
      const x = OPS[name]!(v);
      const r = res[i]!;
      const model = x === undefined ? q(Array.from(v), 0) : hex32(x);
      const qemu = x === undefined ? q(r.q, 0) : hex32(r.xLo);
      if (model !== qemu)
        bad.push(`${name} a=${q(w, 0)} b=${q(w, 4)} c=${q(w, 8)}: model ${model} qemu ${qemu}`);
    });
    expect(bad.length, `FC_SEED=${SEED} ${bad.length}/${cases.length}\n${bad.slice(0, 10).join("\n")}`).toBe(
      0,
    );
  }, 120_000);

  it("CRC32 known check values (bitwise reference)", () => {
    // CRC-32 and CRC-32C of "123456789" with the conventional ~init/~final wrapping.
    let a = 0xffffffff;
    let c = 0xffffffff;
    for (const ch of "123456789") {
      a = crc32(a, ch.charCodeAt(0), 1, false);
      c = crc32(c, ch.charCodeAt(0), 1, true);
    }
    expect((~a >>> 0).toString(16)).toBe("cbf43926");
    expect((~c >>> 0).toString(16)).toBe("e3069283");
  });
});
