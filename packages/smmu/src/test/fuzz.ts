/**
 * Fuzz harness: random register programming, random stream tables (linear and 2-level), random
 * STEs and CDs (mostly well-formed, with random bit flips), random command queues and random
 * transactions (including addresses and StreamIDs a JS number cannot represent exactly) against
 * random memory with abort holes. Nothing may throw; the caller counts host exceptions.
 */
import { DmaStatus, type DmaTranslation } from "@armature/core";
import { xorshift32 } from "@armature/core/test";
import { Reg } from "../regs.js";
import { SmmuV3 } from "../smmu.js";
import { encodeCd, encodeSte } from "./guest.js";
import { SmmuTestMemory } from "./memory.js";

export interface FuzzResult {
  cases: number;
  exceptions: number;
  firstError?: string;
  translations: number;
  ok: number;
  events: number;
  commands: number;
}

const OPS = [
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0x23, 0x28, 0x2a, 0x30, 0x44,
  0x45, 0x46,
];

export function runFuzz(seed: number, cases: number): FuzzResult {
  const r = xorshift32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[r() % xs.length]!;
  const big = (): bigint => (BigInt(r()) << 32n) | BigInt(r());
  const res: FuzzResult = { cases, exceptions: 0, translations: 0, ok: 0, events: 0, commands: 0 };
  const out: DmaTranslation = { status: DmaStatus.Ok, pa: 0, limit: 0 };
  for (let i = 0; i < cases; i++) {
    try {
      const mem = new SmmuTestMemory({ seed: r() | 1, windowBits: 33 + (r() % 4), aborts: (r() & 3) !== 0 });
      const smmu = new SmmuV3({
        memory: mem,
        sidBits: 1 + (r() % 20),
        ssidBits: r() % 21,
        iotlbEntries: 1 + (r() % 64),
      });
      const strtab = 0x1_0000_0000 + (r() % 16) * 0x10_0000 + (r() & 0xfc0);
      const twoLevel = (r() & 1) === 1;
      const log2 = r() % 24;
      smmu.write64!(Reg.STRTAB_BASE, BigInt(strtab) | ((r() & 7) === 0 ? big() : 0n));
      smmu.write(
        Reg.STRTAB_BASE_CFG,
        4,
        (r() & 15) === 0 ? r() : (twoLevel ? 1 << 16 : 0) | ((r() % 12) << 6) | log2,
      );
      const cmdq = 0x1_2000_0000 + (r() % 4) * 0x10_0000;
      const cmdqLog2 = r() % 10;
      smmu.write64!(Reg.CMDQ_BASE, BigInt(cmdq) | BigInt((r() & 7) === 0 ? r() & 0x1f : cmdqLog2));
      const evtq = 0x1_3000_0000 + (r() % 4) * 0x10_0000;
      smmu.write64!(Reg.EVTQ_BASE, BigInt(evtq) | BigInt(r() % 8));
      if ((r() & 3) === 0) smmu.write64!(Reg.EVTQ_IRQ_CFG0, BigInt(0x1_3000_0000 + (r() & 0xfffc)));
      smmu.write(Reg.IRQ_CTRL, 4, r() & 7);
      smmu.write(Reg.CR2, 4, r() & 7);
      smmu.write(Reg.CR0, 4, (r() & 7) === 0 ? r() : 0xd);
      // Random STEs (and their CDs / L1 descriptors) for a handful of StreamIDs.
      const sids: number[] = [];
      for (let k = 0; k < 4; k++) {
        const sid = r() % 2 ** (r() % 21);
        sids.push(sid);
        let steAt = strtab + sid * 64;
        if (twoLevel) {
          const l2 = 0x1_1000_0000 + (r() % 16) * 0x1_0000;
          const split = 8;
          mem.set(strtab + Math.floor(sid / 2 ** split) * 8, BigInt(l2) | BigInt(r() % 12));
          steAt = l2 + (sid % 2 ** split) * 64;
        }
        const cdAt = 0x1_0800_0000 + (r() % 64) * 0x1000;
        const ste = encodeSte({
          config: r() % 8,
          valid: (r() & 15) !== 0,
          s1fmt: r() % 4,
          ctxPtr: (r() & 7) === 0 ? Number(big() & 0xf_ffff_ffffn) : cdAt,
          s1cdmax: (r() & 3) === 0 ? r() % 32 : 0,
          s1dss: r() % 4,
          strw: (r() & 7) === 0 ? r() % 4 : 0,
          privcfg: r() % 4,
          instcfg: r() % 4,
          vmid: r() & 0xffff,
          s2t0sz: r() % 64,
          s2sl0: r() % 4,
          s2tg: r() % 4,
          s2ps: r() % 8,
          s2aa64: (r() & 15) !== 0,
          s2endi: (r() & 15) === 0,
          s2r: (r() & 1) === 1,
          s2ttb: 0x1_0000_0000 + (r() % 2 ** 20) * 0x1000,
        });
        for (const [j, w] of ste.entries())
          mem.set(steAt + 8 * j, (r() & 31) === 0 ? w ^ (1n << BigInt(r() % 64)) : w);
        const cd = encodeCd({
          valid: (r() & 15) !== 0,
          t0sz: r() % 64,
          tg0: r() % 4,
          epd0: (r() & 7) === 0,
          t1sz: r() % 64,
          tg1: r() % 4,
          epd1: (r() & 1) === 1,
          ips: r() % 8,
          wxn: (r() & 1) === 1,
          tbi: r() % 4,
          pan: (r() & 1) === 1,
          aa64: (r() & 15) !== 0,
          endi: (r() & 15) === 0,
          r: (r() & 3) !== 0,
          asid: r() & 0xffff,
          had0: (r() & 1) === 1,
          ttb0: 0x1_0000_0000 + (r() % 2 ** 20) * 0x1000,
          ttb1: (r() % 2 ** 20) * 0x1000,
          mair: big(),
        });
        for (const [j, w] of cd.entries())
          mem.set(cdAt + 8 * j, (r() & 31) === 0 ? w ^ (1n << BigInt(r() % 64)) : w);
        if ((r() & 3) === 0) mem.set(cdAt, BigInt(0x1_0900_0000 + (r() % 64) * 0x1000) | 1n); // as an L1CD
      }
      // A random command queue, published in one or more PROD writes.
      const n = 2 ** cmdqLog2;
      const count = r() % Math.min(2 * n, 24);
      for (let k = 0; k < count; k++) {
        const at = cmdq + (k % n) * 16;
        const op = (r() & 15) === 0 ? r() & 0xff : pick(OPS);
        let w0 = (big() & ~0xffn) | BigInt(op);
        if (op === 0x46 && (r() & 1) === 0) w0 &= ~(3n << 12n);
        mem.set(at, w0);
        mem.set(at + 8, (r() & 1) === 0 ? big() : BigInt(0x1_3000_0000 + (r() & 0xfffc)));
        res.commands++;
      }
      smmu.write(Reg.CMDQ_PROD, 4, count % (2 * n));
      if ((r() & 3) === 0) smmu.write(Reg.GERRORN, 4, smmu.read(Reg.GERROR, 4));
      // Transactions, including unrepresentable addresses and StreamIDs.
      for (let k = 0; k < 12; k++) {
        const sid = (r() & 7) === 0 ? pick([-1, 2 ** 40, Number.NaN, 0.5, 2 ** 32 - 1]) : pick(sids);
        const kind = r() % 8;
        const addr =
          kind === 0
            ? pick([-1, 2 ** 53, 2 ** 64, Number.NaN, Number.POSITIVE_INFINITY, 0.5])
            : kind < 4
              ? r() * 4096 + (r() & 0xfff)
              : (r() % 2 ** 16) * 2 ** 32 + r();
        res.translations++;
        if ((r() & 3) === 0)
          smmu.translateSubstream(sid, (r() % 2 ** 21) - 1, r(), r(), (r() & 1) === 1, out);
        else smmu.translate(sid, addr, (r() & 1) === 1, out);
        if (out.status === DmaStatus.Ok) res.ok++;
        if ((r() & 15) === 0) smmu.write(Reg.PAGE1 + Reg.EVTQ_CONS, 4, r());
      }
      // Random register traffic at the end (64-bit and narrow accesses, page 1, IMPDEF space).
      for (let k = 0; k < 4; k++) {
        const off = (r() % 0x20000) & ~3;
        if ((r() & 1) === 0) smmu.write(off, 4, r());
        else smmu.read(off, pick([1, 2, 4] as const));
        if ((r() & 7) === 0) smmu.write64!(off & ~7, big());
      }
      res.events += smmu.stats.events;
    } catch (e) {
      res.exceptions++;
      res.firstError ??= `case ${i}: ${(e as Error).stack ?? String(e)}`;
    }
  }
  return res;
}
