import { Bus, sysRegKey } from "@armature/core";
import { describe, expect, it } from "vitest";
import { encode } from "../../decoder/decode.js";
import { M1_MODEL } from "../../model.js";
import { addPac, auth, PacAlgorithm, PacOut, PacRegime } from "../../pauth/index.js";
import { Cpu } from "../cpu.js";

const CODE = 0x40000000;
const DATA = 0x40100000;

function machine(): { cpu: Cpu; put: (words: number[]) => void; bus: Bus } {
  const bus = new Bus();
  const code = bus.addRam("code", CODE, 0x1000);
  bus.addRam("data", DATA, 0x1000);
  const cpu = new Cpu({ bus, model: M1_MODEL, userMode: true });
  return {
    cpu,
    bus,
    put: (words) => {
      words.forEach((w, i) => {
        code.view.setUint32(4 * i, w >>> 0, true);
      });
      cpu.invalidateCode(CODE, 0x1000);
      cpu.setPC(CODE);
    },
  };
}

const w = (id: string, f: Record<string, number>): number => encode(id, f);

describe("pointer authentication instructions", () => {
  it("PACIA inserts the PAC that AddPAC computes (zero keys, user regime, M1's IMPDEF algorithm) and AUTIA removes it", () => {
    const { cpu, put } = machine();
    const ptr = 0x0000_7fff_1234_5678n;
    cpu.setX(0, ptr);
    cpu.setX(1, 0x1122334455667788n);
    put([w("PACIA_64P_dp_1src", { Rn: 1, Rd: 0 }), w("AUTIA_64P_dp_1src", { Rn: 1, Rd: 0 })]);
    cpu.run(1);
    const signed = cpu.getX(0);
    expect(signed).not.toBe(ptr);
    const rg = new PacRegime();
    rg.tbi0 = true;
    rg.algorithm = PacAlgorithm.IMPDEF; // M1_MODEL advertises API/GPI
    const out = new PacOut();
    addPac(out, rg, 0x7fff, 0x12345678, 0x11223344, 0x55667788, 0, 0, 0, 0, false);
    expect(signed).toBe((BigInt(out.hi) << 32n) | BigInt(out.lo));
    cpu.run(1);
    expect(cpu.getX(0)).toBe(ptr);
  });

  it("AUTIB with the wrong modifier yields the architected error pointer; XPACI strips", () => {
    const { cpu, put } = machine();
    const ptr = 0x0000_0000_0040_1000n;
    cpu.setX(5, ptr);
    cpu.setX(6, 7n);
    cpu.setX(7, 8n);
    put([
      w("PACIB_64P_dp_1src", { Rn: 6, Rd: 5 }),
      w("ORR_64_log_shift", { Rd: 9, Rn: 31, Rm: 5, shift: 0, imm6: 0 }),
      w("AUTIB_64P_dp_1src", { Rn: 7, Rd: 5 }),
      w("XPACI_64Z_dp_1src", { Rd: 9 }),
    ]);
    cpu.run(4);
    // error code 2 (B key) in bits 54:53 (TBI0 set for user space)
    expect((cpu.getX(5) >> 53n) & 3n).toBe(2n);
    expect(cpu.getX(5) & 0xffff_ffff_ffffn).toBe(ptr);
    expect(cpu.getX(9)).toBe(ptr);
  });

  it("PACIASP/RETAA round trip returns to the link address; PACGA is keyed and low-zero", () => {
    const { cpu, put } = machine();
    cpu.setX(31, BigInt(DATA + 0x800));
    cpu.setX(30, BigInt(CODE + 0x20));
    cpu.setX(2, 0xabcdefn);
    cpu.setX(3, 0x123n);
    put([
      0xd503233f, // paciasp
      w("PACGA_64P_dp_2src", { Rd: 4, Rn: 2, Rm: 3 }),
      w("RETAA_64E_branch_reg", {}),
    ]);
    cpu.run(1);
    expect(cpu.getX(30)).not.toBe(BigInt(CODE + 0x20));
    cpu.run(1);
    expect(cpu.getX(4) & 0xffffffffn).toBe(0n);
    expect(cpu.getX(4)).not.toBe(0n);
    cpu.run(1);
    expect(cpu.getPC()).toBe(BigInt(CODE + 0x20));
  });

  it("LDRAA authenticates the base (zero modifier) and loads; writeback form updates the base", () => {
    const { cpu, put, bus } = machine();
    bus.write64(DATA + 0x18, 0x0102030405060708n);
    cpu.setX(1, BigInt(DATA + 0x10));
    put([w("PACDZA_64Z_dp_1src", { Rd: 1 }), w("LDRAA_64W_ldst_pac", { Rn: 1, Rt: 2, S: 0, imm9: 1 })]);
    cpu.run(2);
    expect(cpu.getX(2)).toBe(0x0102030405060708n);
    expect(cpu.getX(1)).toBe(BigInt(DATA + 0x18));
  });

  it("EL1: SCTLR_EL1.EnIA gates PACIASP, keys come from APIAKey{Lo,Hi}_EL1, AUTIASP restores", () => {
    const bus = new Bus();
    const code = bus.addRam("code", CODE, 0x1000);
    const cpu = new Cpu({ bus, model: M1_MODEL });
    const paciasp = 0xd503233f;
    const autiasp = 0xd50323bf;
    [paciasp, paciasp, paciasp, autiasp].forEach((x, i) => {
      code.view.setUint32(4 * i, x, true);
    });
    cpu.invalidateCode(CODE, 0x1000);
    cpu.setPC(CODE);
    cpu.setX(31, 0x4000_8000n);
    const lr = 0xffff_8000_1234_5670n;
    cpu.setX(30, lr);
    const SCTLR = sysRegKey(3, 0, 1, 0, 0);
    const base = cpu.sys.read(SCTLR)!;
    cpu.run(1); // EnIA clear: NOP
    expect(cpu.getX(30)).toBe(lr);
    cpu.sys.write(SCTLR, base | (1n << 31n));
    cpu.run(1);
    const withZeroKey = cpu.getX(30);
    expect(withZeroKey).not.toBe(lr);
    cpu.setX(30, lr);
    cpu.sys.write(sysRegKey(3, 0, 2, 1, 0), 0x0123456789abcdefn); // APIAKeyLo_EL1
    cpu.sys.write(sysRegKey(3, 0, 2, 1, 1), 0xfedcba9876543210n); // APIAKeyHi_EL1
    cpu.run(1);
    const signed = cpu.getX(30);
    expect(signed).not.toBe(withZeroKey);
    expect(signed).not.toBe(lr);
    cpu.run(1);
    expect(cpu.getX(30)).toBe(lr);
  });

  it("BLRAA links and branches to the authenticated target; BRAAZ with a tampered pointer poisons it", () => {
    const { cpu, put } = machine();
    const target = BigInt(CODE + 0x10);
    cpu.setX(3, target);
    cpu.setX(4, 0x55n);
    put([
      w("PACIA_64P_dp_1src", { Rn: 4, Rd: 3 }),
      w("BLRAA_64P_branch_reg", { Rn: 3, Rm: 4 }),
      0,
      0,
      w("PACIZA_64Z_dp_1src", { Rd: 3 }),
      w("EOR_64_log_imm", { Rd: 3, Rn: 3, N: 1, immr: 12, imms: 0 }), // flip bit 52 (inside the PAC field)
      w("BRAAZ_64_branch_reg", { Rn: 3 }),
    ]);
    cpu.run(2);
    expect(cpu.getPC()).toBe(target);
    expect(cpu.getX(30)).toBe(BigInt(CODE + 8));
    cpu.setX(3, BigInt(CODE + 0x40));
    cpu.run(3);
    // failed authentication: error code 1 (A key) in bits 54:53, the branch goes to a non-canonical address
    expect((cpu.getPC() >> 53n) & 3n).toBe(1n);
  });

  it("EL1: ERETAA authenticates ELR_EL1 with SP as the modifier (A key)", () => {
    const bus = new Bus();
    const code = bus.addRam("code", CODE, 0x1000);
    const cpu = new Cpu({ bus, model: M1_MODEL });
    [0xd503233f, w("ERETAA_64E_branch_reg", {})].forEach((x, i) => {
      code.view.setUint32(4 * i, x, true);
    });
    cpu.invalidateCode(CODE, 0x1000);
    cpu.setPC(CODE);
    cpu.setX(31, 0x4000_9000n);
    const target = BigInt(CODE + 0x100);
    cpu.setX(30, target);
    const SCTLR = sysRegKey(3, 0, 1, 0, 0);
    cpu.sys.write(SCTLR, cpu.sys.read(SCTLR)! | (1n << 31n));
    cpu.sys.write(sysRegKey(3, 0, 2, 1, 0), 0x1111222233334444n);
    cpu.run(1); // PACIASP: x30 signed with SP
    expect(cpu.getX(30)).not.toBe(target);
    cpu.sys.write(sysRegKey(3, 0, 4, 0, 1), cpu.getX(30)); // ELR_EL1
    cpu.sys.write(sysRegKey(3, 0, 4, 0, 0), 0x3c5n); // SPSR_EL1: EL1h, DAIF masked
    cpu.run(1);
    expect(cpu.getPC()).toBe(target);
  });
});

describe("PACIxSP / AUTIxSP result memo", () => {
  it("every result equals AddPAC / Auth of the pure functions, through key, TCR_EL1 and SP changes", () => {
    const bus = new Bus();
    const code = bus.addRam("code", CODE, 0x1000);
    const cpu = new Cpu({ bus, model: M1_MODEL });
    const OPS = [0xd503233f, 0xd50323bf, 0xd503237f, 0xd50323ff]; // PACIASP AUTIASP PACIBSP AUTIBSP
    OPS.forEach((x, i) => {
      code.view.setUint32(4 * i, x, true);
    });
    cpu.invalidateCode(CODE, 0x1000);
    const SCTLR = sysRegKey(3, 0, 1, 0, 0);
    cpu.sys.write(SCTLR, cpu.sys.read(SCTLR)! | (1n << 31n) | (1n << 30n));
    const TCR = sysRegKey(3, 0, 2, 0, 2);
    const KEYREG = [sysRegKey(3, 0, 2, 1, 0), sysRegKey(3, 0, 2, 1, 2)]; // APIAKeyLo, APIBKeyLo (+1: Hi)
    const isar1 = Number(cpu.sys.id.isar1 & 0xffffffffn);
    const lvl = Math.max((isar1 >>> 4) & 15, (isar1 >>> 8) & 15);
    const rg = new PacRegime();
    rg.level = lvl >= 3 ? 3 : lvl === 2 ? 2 : 1;
    rg.fpac = lvl >= 4;
    rg.fpacCombined = lvl >= 5;
    rg.algorithm = (isar1 >>> 8) & 15 ? PacAlgorithm.IMPDEF : PacAlgorithm.QARMA5;
    let seed = 0x2545f491;
    const rnd = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const pool = (n: number): number[] => Array.from({ length: n }, rnd);
    // Small pools of high halves (the memo's slot does not depend on them) and larger pools of low
    // halves (so entries that differ in one field share a slot).
    const hiPtr = [0xffff8000, 0xffff8001, 0x0000ffff, 0xff7f8000];
    const hiSp = [0xffff8000, 0xffff8000 ^ 0x10];
    const loPtr = pool(48);
    const loSp = pool(48);
    const keys = [0n, 0n, 0n, 0n];
    const keySets = keys.map(() =>
      [0n, 0n, 0n].map((_, i) => (i === 0 ? 0n : (BigInt(rnd()) << 32n) | BigInt(rnd()))),
    );
    const tcrs = [0x0000_0051_b551_0010n, 0x0000_0011_b519_0010n, 0x0000_0000_8010_8010n];
    let tcr = tcrs[0]!;
    cpu.sys.write(TCR, tcr);
    const signed: [number, number, number, number][] = [];
    const out = new PacOut();
    const big = (h: number, l: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
    let hits = 0;
    for (let step = 0; step < 20000; step++) {
      // key words from small sets, so earlier key and TCR_EL1 combinations come back (as a kernel's
      // per-task keys do); TTBR0_EL1 writes move the registers' generation without changing either
      if (step % 400 === 399) {
        const k = rnd() & 3;
        keys[k] = keySets[k]![rnd() % 3]!;
        cpu.sys.write(KEYREG[k >>> 1]! + (k & 1), keys[k]!);
      }
      if (step % 1100 === 1099) {
        tcr = tcrs[rnd() % tcrs.length]!;
        cpu.sys.write(TCR, tcr);
      }
      if (step % 300 === 299) cpu.sys.write(sysRegKey(3, 0, 2, 0, 0), BigInt(rnd()) << 12n); // TTBR0_EL1
      const op = rnd() & 3;
      const aut = (op & 1) === 1;
      const b = op >>> 1;
      let ph = hiPtr[rnd() & 3]!;
      let pl = loPtr[rnd() % loPtr.length]!;
      let sh = hiSp[rnd() & 1]!;
      let sl = loSp[rnd() % loSp.length]!;
      if (aut && signed.length > 0 && (rnd() & 1) === 0) [ph, pl, sh, sl] = signed[rnd() % signed.length]!;
      cpu.setX(30, big(ph, pl));
      cpu.setX(31, big(sh, sl));
      cpu.setPC(BigInt(CODE + 4 * op));
      cpu.run(1);
      rg.setFromTcrTwoRanges(Number(tcr >> 32n), Number(tcr & 0xffffffffn));
      const kh = keys[2 * b + 1]!;
      const kl = keys[2 * b]!;
      const K = [
        Number(kh >> 32n),
        Number(kh & 0xffffffffn),
        Number(kl >> 32n),
        Number(kl & 0xffffffffn),
      ] as const;
      if (aut) auth(out, rg, ph, pl, sh, sl, K[0], K[1], K[2], K[3], false, b as 0 | 1, false);
      else addPac(out, rg, ph, pl, sh, sl, K[0], K[1], K[2], K[3], false);
      const want = big(out.hi, out.lo);
      if (cpu.getX(30) !== want)
        throw new Error(
          `step ${step} op ${op} x30 ${big(ph, pl).toString(16)} sp ${big(sh, sl).toString(16)}: got ${cpu.getX(30).toString(16)} want ${want.toString(16)}`,
        );
      if (!aut) {
        signed.push([out.hi | 0, out.lo | 0, sh, sl]);
        if (signed.length > 64) signed.shift();
      }
      if (aut && ((out.hi >>> 21) & 3) === 0) hits++;
    }
    expect(hits).toBeGreaterThan(1000); // the AUTs of signed pointers succeed
  });
});
