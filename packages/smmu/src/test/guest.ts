/**
 * A guest-side SMMUv3 programmer for tests: writes stream tables, context descriptors and
 * commands into RAM from the field layouts of ARM IHI 0070 (written from the spec tables with
 * BigInt, independently of the model's decoder), and reads event records back.
 */
import type { Bus, MmioDevice } from "@armature/core";

export interface SteFields {
  config: "abort" | "bypass" | "s1" | "s2" | "nested" | number;
  valid?: boolean;
  s1fmt?: number;
  ctxPtr?: number;
  s1cdmax?: number;
  s1dss?: number;
  strw?: number;
  privcfg?: number;
  instcfg?: number;
  vmid?: number;
  s2t0sz?: number;
  s2sl0?: number;
  /** S2TG encoding: 0 4K, 1 64K, 2 16K. */
  s2tg?: number;
  s2ps?: number;
  s2aa64?: boolean;
  s2endi?: boolean;
  s2r?: boolean;
  s2ttb?: number;
}

export interface CdFields {
  valid?: boolean;
  t0sz: number;
  /** TG0 encoding: 0 4K, 1 64K, 2 16K. */
  tg0: number;
  epd0?: boolean;
  t1sz?: number;
  /** TG1 encoding: 1 16K, 2 4K, 3 64K. */
  tg1?: number;
  epd1?: boolean;
  ips?: number;
  wxn?: boolean;
  tbi?: number;
  pan?: boolean;
  aa64?: boolean;
  endi?: boolean;
  r?: boolean;
  a?: boolean;
  asid?: number;
  had0?: boolean;
  had1?: boolean;
  ttb0?: number;
  ttb1?: number;
  mair?: bigint;
}

const CFG: Record<string, number> = { abort: 0, bypass: 4, s1: 5, s2: 6, nested: 7 };
const b = (v: boolean | undefined, bit: number): bigint => (v ? 1n << BigInt(bit) : 0n);
const f = (v: number | undefined, lsb: number, width: number): bigint =>
  (BigInt(v ?? 0) & ((1n << BigInt(width)) - 1n)) << BigInt(lsb);

/** The four 64-bit words of an STE that carry fields (words 4..7 are zero). */
export function encodeSte(s: SteFields): bigint[] {
  const cfg = typeof s.config === "number" ? s.config : CFG[s.config]!;
  const w0 =
    b(s.valid ?? true, 0) |
    f(cfg, 1, 3) |
    f(s.s1fmt, 4, 2) |
    (BigInt(s.ctxPtr ?? 0) & 0xf_ffff_ffff_ffc0n) |
    f(s.s1cdmax, 59, 5);
  const w1 = f(s.s1dss, 0, 2) | f(s.strw, 30, 2) | f(s.privcfg, 48, 2) | f(s.instcfg, 50, 2);
  const w2 =
    f(s.vmid, 0, 16) |
    f(s.s2t0sz, 32, 6) |
    f(s.s2sl0, 38, 2) |
    f(s.s2tg, 46, 2) |
    f(s.s2ps ?? 5, 48, 3) |
    b(s.s2aa64 ?? true, 51) |
    b(s.s2endi, 52) |
    b(s.s2r ?? true, 58);
  const w3 = BigInt(s.s2ttb ?? 0) & 0xf_ffff_ffff_fff0n;
  return [w0, w1, w2, w3];
}

export function encodeCd(c: CdFields): bigint[] {
  const w0 =
    f(c.t0sz, 0, 6) |
    f(c.tg0, 6, 2) |
    b(c.epd0, 14) |
    b(c.endi, 15) |
    f(c.t1sz ?? 16, 16, 6) |
    f(c.tg1 ?? 2, 22, 2) |
    b(c.epd1 ?? true, 30) |
    b(c.valid ?? true, 31) |
    f(c.ips ?? 5, 32, 3) |
    b(c.wxn, 36) |
    f(c.tbi, 38, 2) |
    b(c.pan, 40) |
    b(c.aa64 ?? true, 41) |
    b(c.r ?? true, 45) |
    b(c.a ?? true, 46) |
    f(c.asid, 48, 16);
  const w1 = b(c.had0, 1) | (BigInt(c.ttb0 ?? 0) & 0xf_ffff_ffff_fff0n);
  const w2 = b(c.had1, 1) | (BigInt(c.ttb1 ?? 0) & 0xf_ffff_ffff_fff0n);
  const w3 = c.mair ?? 0xffn;
  return [w0, w1, w2, w3];
}

/** A decoded event record (IHI 0070 7.3 field positions). */
export interface EventRecord {
  type: number;
  ssv: boolean;
  ssid: number;
  sid: number;
  stall: boolean;
  pnu: boolean;
  ind: boolean;
  rnw: boolean;
  s2: boolean;
  cls: number;
  ttrnw: boolean;
  inputAddr: bigint;
  ipa: bigint;
  fetchAddr: bigint;
  raw: bigint[];
}

export function decodeEvent(w: bigint[]): EventRecord {
  const [w0, w1, w2, w3] = w as [bigint, bigint, bigint, bigint];
  const bit = (x: bigint, n: number): boolean => ((x >> BigInt(n)) & 1n) === 1n;
  return {
    type: Number(w0 & 0xffn),
    ssv: bit(w0, 11),
    ssid: Number((w0 >> 12n) & 0xfffffn),
    sid: Number(w0 >> 32n),
    stall: bit(w1, 31),
    pnu: bit(w1, 33),
    ind: bit(w1, 34),
    rnw: bit(w1, 35),
    s2: bit(w1, 39),
    cls: Number((w1 >> 40n) & 3n),
    ttrnw: bit(w1, 44),
    inputAddr: w2,
    ipa: w3 & 0xf_ffff_ffff_f000n,
    fetchAddr: w3 & 0xf_ffff_ffff_fff8n,
    raw: w,
  };
}

/** Command encoders (IHI 0070 chapter 4). Each returns the two 64-bit words. */
export const Cmd = {
  cfgiSte: (sid: number): bigint[] => [0x03n | (BigInt(sid) << 32n), 1n],
  cfgiAll: (): bigint[] => [0x04n, 31n],
  cfgiCd: (sid: number, ssid = 0): bigint[] => [0x05n | (BigInt(ssid) << 12n) | (BigInt(sid) << 32n), 1n],
  tlbiNhAll: (vmid = 0): bigint[] => [0x10n | (BigInt(vmid) << 32n), 0n],
  tlbiNhAsid: (asid: number, vmid = 0): bigint[] => [
    0x11n | (BigInt(vmid) << 32n) | (BigInt(asid) << 48n),
    0n,
  ],
  tlbiNhVa: (asid: number, va: bigint, vmid = 0): bigint[] => [
    0x12n | (BigInt(vmid) << 32n) | (BigInt(asid) << 48n),
    va & ~0xfffn,
  ],
  tlbiNhVaa: (va: bigint, vmid = 0): bigint[] => [0x13n | (BigInt(vmid) << 32n), va & ~0xfffn],
  tlbiEl2All: (): bigint[] => [0x20n, 0n],
  tlbiS12Vmall: (vmid: number): bigint[] => [0x28n | (BigInt(vmid) << 32n), 0n],
  tlbiS2Ipa: (vmid: number, ipa: bigint): bigint[] => [
    0x2an | (BigInt(vmid) << 32n),
    ipa & 0xf_ffff_ffff_f000n,
  ],
  tlbiNsnhAll: (): bigint[] => [0x30n, 0n],
  /** CS: 0 none, 1 IRQ/MSI, 2 SEV. */
  sync: (cs = 0, msiAddr = 0n, msiData = 0): bigint[] => [
    0x46n | (BigInt(cs) << 12n) | (3n << 22n) | (0xfn << 24n) | (BigInt(msiData >>> 0) << 32n),
    msiAddr & 0xf_ffff_ffff_fffcn,
  ],
  raw: (w0: bigint, w1 = 0n): bigint[] => [w0, w1],
};

const R = {
  CR0: 0x20,
  CR0ACK: 0x24,
  IRQ_CTRL: 0x50,
  STRTAB_BASE: 0x80,
  STRTAB_BASE_CFG: 0x88,
  CMDQ_BASE: 0x90,
  CMDQ_PROD: 0x98,
  CMDQ_CONS: 0x9c,
  EVTQ_BASE: 0xa0,
  EVTQ_PROD: 0x100a8,
  EVTQ_CONS: 0x100ac,
};

export interface GuestLayout {
  strtab: number;
  cmdq: number;
  cmdqLog2: number;
  evtq: number;
  evtqLog2: number;
}

/**
 * Drives an SMMU through its registers the way a driver does, with structures in bus RAM.
 * `dev` is the SMMU's MmioDevice (register offsets), `bus` the memory it reads.
 */
export class SmmuGuest {
  cmdProd = 0;
  evtCons = 0;
  constructor(
    readonly dev: MmioDevice,
    readonly bus: Bus,
    readonly layout: GuestLayout,
  ) {}

  put64(pa: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.bus.write(pa, 4, Number(u & 0xffffffffn));
    this.bus.write(pa + 4, 4, Number(u >> 32n));
  }
  get64(pa: number): bigint {
    return (BigInt(this.bus.read(pa + 4, 4)) << 32n) | BigInt(this.bus.read(pa, 4));
  }
  reg(off: number): number {
    return this.dev.read(off, 4);
  }
  setReg(off: number, v: number): void {
    this.dev.write(off, 4, v >>> 0);
  }
  setReg64(off: number, v: bigint): void {
    this.setReg(off, Number(v & 0xffffffffn));
    this.setReg(off + 4, Number(v >> 32n));
  }

  /** Linear stream table of 2^log2 STEs (fmt 0) or 2-level (fmt 1, split 8 when `twoLevel`). */
  init(opts: { log2size: number; twoLevel?: boolean; split?: number; enable?: boolean }): void {
    const L = this.layout;
    this.setReg64(R.STRTAB_BASE, BigInt(L.strtab));
    const cfg = opts.twoLevel ? (1 << 16) | ((opts.split ?? 8) << 6) | opts.log2size : opts.log2size;
    this.setReg(R.STRTAB_BASE_CFG, cfg);
    this.setReg64(R.CMDQ_BASE, BigInt(L.cmdq) | BigInt(L.cmdqLog2));
    this.setReg(R.CMDQ_PROD, 0);
    this.setReg(R.CMDQ_CONS, 0);
    this.setReg64(R.EVTQ_BASE, BigInt(L.evtq) | BigInt(L.evtqLog2));
    this.setReg(R.EVTQ_PROD, 0);
    this.setReg(R.EVTQ_CONS, 0);
    this.setReg(R.IRQ_CTRL, 5);
    this.setReg(R.CR0, opts.enable === false ? 0xc : 0xd);
    this.cmdProd = 0;
    this.evtCons = 0;
  }

  /** Write an STE at a linear index, or through a 2-level L1 descriptor the caller set up. */
  writeSte(addr: number, s: SteFields): void {
    const w = encodeSte(s);
    for (let i = 0; i < 8; i++) this.put64(addr + 8 * i, w[i] ?? 0n);
  }
  steAddr(sid: number): number {
    return this.layout.strtab + sid * 64;
  }
  writeCd(addr: number, c: CdFields): void {
    const w = encodeCd(c);
    for (let i = 0; i < 8; i++) this.put64(addr + 8 * i, w[i] ?? 0n);
  }

  /** Queue commands and publish PROD. */
  submit(...cmds: bigint[][]): void {
    const L = this.layout;
    const n = 2 ** L.cmdqLog2;
    for (const c of cmds) {
      const at = L.cmdq + (this.cmdProd % n) * 16;
      this.put64(at, c[0]!);
      this.put64(at + 8, c[1]!);
      this.cmdProd = (this.cmdProd + 1) % (2 * n);
    }
    this.setReg(R.CMDQ_PROD, this.cmdProd);
  }

  /** CMDQ_CONS (index + wrap, and ERR in bits 30:24). */
  cmdCons(): number {
    return this.reg(R.CMDQ_CONS);
  }

  /** Drain the event queue. */
  events(): EventRecord[] {
    const L = this.layout;
    const n = 2 ** L.evtqLog2;
    const m = 2 * n - 1;
    const out: EventRecord[] = [];
    const prod = this.reg(R.EVTQ_PROD);
    while ((this.evtCons & m) !== (prod & m)) {
      const at = L.evtq + (this.evtCons % n) * 32;
      out.push(decodeEvent([0, 1, 2, 3].map((i) => this.get64(at + 8 * i))));
      this.evtCons = (this.evtCons + 1) & m;
    }
    this.setReg(R.EVTQ_CONS, (prod & 0x8000_0000) | this.evtCons);
    return out;
  }
}
