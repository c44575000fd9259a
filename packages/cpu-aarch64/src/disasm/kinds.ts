import { decodeLogicalImm } from "../decoder/bitmask.js";
import { imm5Size } from "../decoder/simd3.js";
import { immhSize } from "../decoder/simd4.js";
import { sysregName, sysText } from "./sysregs.js";

/**
 * Operand kinds of the assembler templates: `{field:kind}` prints field `field` of the word with
 * `kind`; `{_:kind}` reads whatever bits it needs from the whole word. Text follows LLVM 14's AArch64
 * instruction printer (register names, `#imm` decimal, logical immediates in hex, ...).
 */
export type KindFn = (w: number, v: number, pc: number) => string;

/** A trailing `// comment` an operand asks for (LLVM prints some immediates' values there). */
export const comment = { text: "" };

const bits = (w: number, lsb: number, width: number): number => (w >>> lsb) & ((1 << width) - 1);
const sext = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);

export function hex64(hi: number, lo: number): string {
  if (hi === 0) return `0x${(lo >>> 0).toString(16)}`;
  return `0x${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16).padStart(8, "0")}`;
}
export function dec64(hi: number, lo: number): string {
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString();
}

const xreg = (v: number): string => (v === 31 ? "xzr" : `x${v}`);
const wreg = (v: number): string => (v === 31 ? "wzr" : `w${v}`);

export const COND = [
  "eq",
  "ne",
  "hs",
  "lo",
  "mi",
  "pl",
  "vs",
  "vc",
  "hi",
  "ls",
  "ge",
  "lt",
  "gt",
  "le",
  "al",
  "nv",
];
const BARRIER = [
  "",
  "oshld",
  "oshst",
  "osh",
  "",
  "nshld",
  "nshst",
  "nsh",
  "",
  "ishld",
  "ishst",
  "ish",
  "",
  "ld",
  "st",
  "sy",
];
const SHIFT = ["lsl", "lsr", "asr", "ror"];
const EXTEND = ["uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"];
/** Rm with its extend (C6.2.4 ADD (extended register)): LSL is preferred when Rd or Rn is SP. */
function extend(w: number, is64: boolean): string {
  const opt = bits(w, 13, 3);
  const amt = bits(w, 10, 3);
  const m = bits(w, 16, 5);
  const reg = is64 && (opt & 3) === 3 ? xreg(m) : wreg(m);
  const spForm = bits(w, 0, 5) === 31 && bits(w, 29, 1) === 0 ? true : bits(w, 5, 5) === 31;
  if (spForm && opt === (is64 ? 3 : 2)) return amt === 0 ? reg : `${reg}, lsl #${amt}`;
  return `${reg}, ${EXTEND[opt]}${amt ? ` #${amt}` : ""}`;
}
function PRFOP(v: number): string {
  const type = v >> 3;
  const target = (v >> 1) & 3;
  if (type === 3 || target === 3) return `#${v}`;
  return `${["pld", "pli", "pst"][type]}l${target + 1}${v & 1 ? "strm" : "keep"}`;
}
function regoff(w: number, scale: number): string {
  const opt = bits(w, 13, 3);
  const s = bits(w, 12, 1);
  const m = bits(w, 16, 5);
  const reg = opt & 1 ? xreg(m) : wreg(m);
  const ext = opt === 3 ? "lsl" : EXTEND[opt]!;
  if (s) return `${reg}, ${ext} #${scale}`;
  return opt === 3 ? reg : `${reg}, ${ext}`;
}
/** VFPExpandImm (ARM ARM J1): abcdefgh -> +-(1 + efgh/16) * 2^e. */
export function fpImm(imm8: number): number {
  const sign = imm8 & 0x80 ? -1 : 1;
  const b = (imm8 >> 6) & 1;
  const cd = (imm8 >> 4) & 3;
  const exp = b ? cd - 3 : cd + 1;
  return sign * (1 + (imm8 & 15) / 16) * 2 ** exp;
}
const ARR = ["8b", "16b", "4h", "8h", "2s", "4s", "1d", "2d"];
const abcdefgh = (w: number): number => (bits(w, 16, 3) << 5) | bits(w, 5, 5);
function vlist(w: number, v: number, n: number): string {
  const arr = ARR[(bits(w, 10, 2) << 1) | bits(w, 30, 1)];
  const regs: string[] = [];
  for (let i = 0; i < n; i++) regs.push(`v${(v + i) % 32}.${arr}`);
  return `{ ${regs.join(", ")} }`;
}
/** Single-structure element list with its index (C7.2 LD1 single structure: index from Q:S:size). */
function vsingle(w: number, v: number, n: number, el: string): string {
  const qs = (bits(w, 30, 1) << 1) | bits(w, 12, 1);
  const size = bits(w, 10, 2);
  const idx =
    el === "b" ? (qs << 2) | size : el === "h" ? (qs << 1) | (size >> 1) : el === "s" ? qs : qs >> 1;
  const regs: string[] = [];
  for (let i = 0; i < n; i++) regs.push(`v${(v + i) % 32}.${el}`);
  return `{ ${regs.join(", ")} }[${idx}]`;
}
const hexImm = (v: number): string => (v === 0 ? "#0" : `#0x${v.toString(16)}`);

/**
 * Register lists of the LD1-LD4/ST1-ST4 forms with n = 1..4 registers: vlN (whole registers),
 * postmN / postrN (post-index amount of the multiple / single-structure forms), vsN{b,h,s,d}
 * (one element).
 */
function structureLists(): Record<string, KindFn> {
  const out: Record<string, KindFn> = {};
  for (let n = 1; n <= 4; n++) {
    out[`vl${n}`] = (w, v) => vlist(w, v, n);
    out[`postm${n}`] = (w) => `${(bits(w, 30, 1) ? 16 : 8) * n}`;
    out[`postr${n}`] = (w) => `${(1 << bits(w, 10, 2)) * n}`;
    for (const el of ["b", "h", "s", "d"]) out[`vs${n}${el}`] = (w, v) => vsingle(w, v, n, el);
  }
  return out;
}

/**
 * Load/store offsets scaled by the access size 2^s bytes (s = 0..4): uoffS (unsigned imm12,
 * omitted when 0), regoffS (register offset), poffS (signed imm7 of a pair, omitted when 0),
 * pimmS (the same, always printed).
 */
function scaledOffsets(): Record<string, KindFn> {
  const out: Record<string, KindFn> = {};
  for (let s = 0; s <= 4; s++) {
    const pair = (w: number): number => sext(bits(w, 15, 7), 7) * (1 << s);
    out[`uoff${s}`] = (w) => {
      const v = bits(w, 10, 12) << s;
      return v === 0 ? "" : `, #${v}`;
    };
    out[`regoff${s}`] = (w) => regoff(w, s);
    out[`poff${s}`] = (w) => {
      const v = pair(w);
      return v === 0 ? "" : `, #${v}`;
    };
    out[`pimm${s}`] = (w) => `${pair(w)}`;
  }
  return out;
}

export const KINDS: Record<string, KindFn> = {
  b: (_w, v) => `b${v}`,
  ...structureLists(),
  vSh: (w, v) => `v${v}.${ARR[(immhSize(w) << 1) | bits(w, 30, 1)]}`,
  vShW: (w, v) => `v${v}.${ARR[((immhSize(w) + 1) << 1) | 1]}`,
  sSh: (w, v) => `${"bhsd"[immhSize(w)]}${v}`,
  sShW: (w, v) => `${"bhsd"[immhSize(w) + 1]}${v}`,
  shr: (w) => `${(16 << immhSize(w)) - bits(w, 16, 7)}`,
  shl: (w) => `${bits(w, 16, 7) - (8 << immhSize(w))}`,
  imm8: (w) => `${abcdefgh(w)}`,
  lsl32: (w) => (bits(w, 13, 2) ? `, lsl #${bits(w, 13, 2) * 8}` : ""),
  lsl16: (w) => (bits(w, 13, 1) ? ", lsl #8" : ""),
  msl: (w) => `${bits(w, 12, 1) ? 16 : 8}`,
  imm64: (w) => {
    const v = abcdefgh(w);
    if (v === 0) return "0000000000000000";
    let s = "";
    for (let i = 7; i >= 0; i--) s += (v >> i) & 1 ? "ff" : "00";
    return `0x${s.replace(/^0+/, "").padStart(14, "0")}`;
  },
  fpimm8: (w) => fpImm(abcdefgh(w)).toFixed(8),
  elemidx: (w) => {
    const size = bits(w, 22, 2);
    if (size === 1)
      return `v${bits(w, 16, 4)}.h[${(bits(w, 11, 1) << 2) | (bits(w, 21, 1) << 1) | bits(w, 20, 1)}]`;
    return `v${bits(w, 16, 5)}.s[${(bits(w, 11, 1) << 1) | bits(w, 21, 1)}]`;
  },
  felemidx: (w) => {
    if (bits(w, 22, 1)) return `v${bits(w, 16, 5)}.d[${bits(w, 11, 1)}]`;
    return `v${bits(w, 16, 5)}.s[${(bits(w, 11, 1) << 1) | bits(w, 21, 1)}]`;
  },
  helemidx: (w) => `v${bits(w, 16, 4)}.h[${(bits(w, 11, 1) << 2) | (bits(w, 21, 1) << 1) | bits(w, 20, 1)}]`,
  dotidx: (w) => `v${bits(w, 16, 5)}.4b[${(bits(w, 11, 1) << 1) | bits(w, 21, 1)}]`,
  cmlaidxh: (w) => `v${bits(w, 16, 5)}.h[${(bits(w, 11, 1) << 1) | bits(w, 21, 1)}]`,
  cmlaidxs: (w) => `v${bits(w, 16, 5)}.s[${bits(w, 11, 1)}]`,
  v1q: (_w, v) => `v${v}.1q`,
  vD: (w, v) => `v${v}.${bits(w, 30, 1) ? "2d" : "1d"}`,
  vDup: (w, v) => {
    const sz = imm5Size(w);
    return `v${v}.${ARR[(sz << 1) | bits(w, 30, 1)]}`;
  },
  vElem: (w, v) => {
    const sz = imm5Size(w);
    return `v${v}.${"bhsd"[sz]}[${bits(w, 16, 5) >> (sz + 1)}]`;
  },
  vElem2: (w, v) => {
    const sz = imm5Size(w);
    return `v${v}.${"bhsd"[sz]}[${bits(w, 11, 4) >> sz}]`;
  },
  sDup: (w, v) => `${"bhsd"[imm5Size(w)]}${v}`,
  gpr5: (w, v) => (imm5Size(w) === 3 ? xreg(v) : wreg(v)),
  tbl1: (_w, v) => `{ v${v}.16b }`,
  tbl2: (_w, v) => `{ v${v}.16b, v${(v + 1) % 32}.16b }`,
  tbl3: (_w, v) => `{ v${v}.16b, v${(v + 1) % 32}.16b, v${(v + 2) % 32}.16b }`,
  tbl4: (_w, v) => `{ v${v}.16b, v${(v + 1) % 32}.16b, v${(v + 2) % 32}.16b, v${(v + 3) % 32}.16b }`,
  vW: (w, v) => `v${v}.${ARR[((bits(w, 22, 2) + 1) << 1) | bits(w, 30, 1)]}`,
  vWQ: (w, v) => `v${v}.${ARR[((bits(w, 22, 2) + 1) << 1) | 1]}`,
  vFn: (w, v) => `v${v}.${bits(w, 22, 1) ? (bits(w, 30, 1) ? "4s" : "2s") : bits(w, 30, 1) ? "8h" : "4h"}`,
  vFw: (w, v) => `v${v}.${bits(w, 22, 1) ? "2d" : "4s"}`,
  vP: (w, v) => `v${v}.${bits(w, 22, 1) ? "2d" : "2s"}`,
  v2d: (_w, v) => `v${v}.2d`,
  v4s: (_w, v) => `v${v}.4s`,
  v2h: (_w, v) => `v${v}.2h`,
  v16b: (_w, v) => `v${v}.16b`,
  v8h: (_w, v) => `v${v}.8h`,
  szw: (w, v) => `${"hsd"[bits(w, 22, 2)]}${v}`,
  szl: (w, v) => `${"hsd"[bits(w, 22, 2)]}${v}`,
  q2: (w) => (bits(w, 30, 1) ? "2" : ""),
  shllamt: (w) => `${8 << bits(w, 22, 2)}`,
  vT: (w, v) => `v${v}.${ARR[(bits(w, 22, 2) << 1) | bits(w, 30, 1)]}`,
  vF: (w, v) => `v${v}.${ARR[((2 + bits(w, 22, 1)) << 1) | bits(w, 30, 1)]}`,
  vH: (w, v) => `v${v}.${bits(w, 30, 1) ? "8h" : "4h"}`,
  vB: (w, v) => `v${v}.${bits(w, 30, 1) ? "16b" : "8b"}`,
  vS2: (w, v) => `v${v}.${bits(w, 30, 1) ? "4s" : "2s"}`,
  vFhm: (w, v) => `v${v}.${bits(w, 30, 1) ? "4h" : "2h"}`,
  sz: (w, v) => `${"bhsd"[bits(w, 22, 2)]}${v}`,
  sF: (w, v) => `${bits(w, 22, 1) ? "d" : "s"}${v}`,
  rot90: (_w, v) => `${v * 90}`,
  rot270: (_w, v) => `${v ? 270 : 90}`,
  v: (_w, v) => `v${v}`,
  fpimm: (_w, v) => `${fpImm(v).toFixed(8)}`,
  fbits: (_w, v) => `${64 - v}`,
  h: (_w, v) => `h${v}`,
  s: (_w, v) => `s${v}`,
  d: (_w, v) => `d${v}`,
  q: (_w, v) => `q${v}`,
  cond: (_w, v) => COND[v]!,
  s9: (_w, v) => `${sext(v, 9)}`,
  s9opt: (_w, v) => (v === 0 ? "" : `, #${sext(v, 9)}`),
  prfop: (_w, v) => PRFOP(v),
  acqdropped: () => {
    comment.text = "acquire semantics dropped since destination is zero";
    return "";
  },
  pacoff: (w) => {
    const off = sext((bits(w, 22, 1) << 9) | bits(w, 12, 9), 10) * 8;
    return off === 0 ? "" : `, #${off}`;
  },
  pacimm: (w) => `${sext((bits(w, 22, 1) << 9) | bits(w, 12, 9), 10) * 8}`,
  pairw16: (w) => wreg(bits(w, 16, 5) + 1),
  pairx16: (w) => xreg(bits(w, 16, 5) + 1),
  pairw0: (w) => wreg(bits(w, 0, 5) + 1),
  pairx0: (w) => xreg(bits(w, 0, 5) + 1),
  invcond: (_w, v) => COND[v ^ 1]!,
  shiftlog: (w) => {
    const amt = bits(w, 10, 6);
    const t = bits(w, 22, 2);
    return amt === 0 && t === 0 ? "" : `, ${SHIFT[t]} #${amt}`;
  },
  shiftarith: (w) => {
    const amt = bits(w, 10, 6);
    const t = bits(w, 22, 2);
    return amt === 0 && t === 0 ? "" : `, ${SHIFT[t]} #${amt}`;
  },
  ext32: (w) => extend(w, false),
  ext64: (w) => extend(w, true),
  rel19: (w) => `#${sext(bits(w, 5, 19), 19) * 4}`,
  rel14: (w) => `#${sext(bits(w, 5, 14), 14) * 4}`,
  rel26: (w) => `#${sext(bits(w, 0, 26), 26) * 4}`,
  imm16: (_w, v) => hexImm(v),
  imm16opt: (_w, v) => (v === 0 ? "" : ` ${hexImm(v)}`),
  hintimm: (w) => `${bits(w, 5, 7)}`,
  clrex: (_w, v) => (v === 15 ? "" : ` #${v}`),
  isb: (_w, v) => (v === 15 ? "" : ` #${v}`),
  barrier: (_w, v) => BARRIER[v] || `#${v}`,
  sys: (w) => sysText(w),
  sysl: (w) => `#${bits(w, 16, 3)}, c${bits(w, 12, 4)}, c${bits(w, 8, 4)}, #${bits(w, 5, 3)}`,
  sysregw: (w) => sysregName(w, true),
  sysregr: (w) => sysregName(w, false),
  tbreg: (w) => (bits(w, 31, 1) ? xreg(bits(w, 0, 5)) : wreg(bits(w, 0, 5))),
  tbbit: (w) => `${(bits(w, 31, 1) << 5) | bits(w, 19, 5)}`,
  x: (_w, v) => xreg(v),
  w: (_w, v) => wreg(v),
  xsp: (_w, v) => (v === 31 ? "sp" : `x${v}`),
  wsp: (_w, v) => (v === 31 ? "wsp" : `w${v}`),
  u: (_w, v) => `${v}`,
  lsl12: (w, v) => {
    if (!v) return "";
    comment.text = `=${bits(w, 10, 12) * 4096}`;
    return ", lsl #12";
  },
  lslhw: (_w, v) => (v ? `, lsl #${v * 16}` : ""),
  adr: (w) => `#${sext((bits(w, 5, 19) << 2) | bits(w, 29, 2), 21)}`,
  adrp: (w) => `#${sext((bits(w, 5, 19) << 2) | bits(w, 29, 2), 21) * 4096}`,
  bimm32: (w) => {
    const [, lo] = decodeLogicalImm(0, bits(w, 10, 6), bits(w, 16, 6), false);
    return `#${hex64(0, lo)}`;
  },
  bimm64: (w) => {
    const [hi, lo] = decodeLogicalImm(bits(w, 22, 1), bits(w, 10, 6), bits(w, 16, 6), true);
    return `#${hex64(hi, lo)}`;
  },
  bimm32dec: (w) => {
    const [, lo] = decodeLogicalImm(0, bits(w, 10, 6), bits(w, 16, 6), false);
    return `#${lo | 0}`;
  },
  bimm64dec: (w) => {
    const [hi, lo] = decodeLogicalImm(bits(w, 22, 1), bits(w, 10, 6), bits(w, 16, 6), true);
    return `#${dec64(hi, lo)}`;
  },
  movz32: (w) => `#${(bits(w, 5, 16) << (bits(w, 21, 1) * 16)) | 0}`,
  movn32: (w) => `#${~(bits(w, 5, 16) << (bits(w, 21, 1) * 16)) | 0}`,
  movz64: (w) => {
    const sh = bits(w, 21, 2) * 16;
    const v = bits(w, 5, 16);
    return `#${sh >= 32 ? dec64(v << (sh - 32), 0) : dec64(0, v << sh)}`;
  },
  movn64: (w) => {
    const sh = bits(w, 21, 2) * 16;
    const v = bits(w, 5, 16);
    return `#${sh >= 32 ? dec64(~(v << (sh - 32)), -1) : dec64(-1, ~(v << sh))}`;
  },
  bfi_lsb32: (w) => `#${(32 - bits(w, 16, 6)) % 32}`,
  bfi_lsb64: (w) => `#${(64 - bits(w, 16, 6)) % 64}`,
  bfi_width: (w) => `#${bits(w, 10, 6) + 1}`,
  bfx_width: (w) => `#${bits(w, 10, 6) - bits(w, 16, 6) + 1}`,
  lsl_amt32: (w) => `#${31 - bits(w, 10, 6)}`,
  lsl_amt64: (w) => `#${63 - bits(w, 10, 6)}`,
  ...scaledOffsets(),
};
