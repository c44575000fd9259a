/*
 * JS source for one guest instruction inside a translated block. Every emitter here
 * reproduces, operation for operation, the interpreter handler the dispatch table picks for the
 * encoding (src/interp/exec-*.ts); anything not listed returns null and the block calls that
 * handler instead. Names in the emitted code:
 *   c  the Cpu, x  c.x (Int32Array lo/hi pairs), lo/hi  the PC of the block's first instruction
 *   (lo unsigned; PC of instruction i is lo + 4i: a block never leaves its 4 KB page),
 *   k  index of the instruction that may throw next, RT  runtime helpers (jit.ts).
 */
import { bitfieldMasks64, bitMask, R } from "../interp/alu.js";
import { TLB_SIZE } from "../interp/cpu.js";

/** What the block builder needs to know about one emitted instruction. */
export interface Emitted {
  /** JS statements. */
  code: string;
  /** May throw ABORT (memory access, exception): the builder sets `k` and `c.pc` first. */
  mayThrow: boolean;
  /** A store: after it the block leaves if the page's code was written or a device wants a re-check. */
  store: boolean;
  /** Ends the block (unconditional branch): the code has set c.pc/c.pcHi/c.jumped and returned. */
  ends: boolean;
  /**
   * A load/store with the software TLB checked inline: on a hit it touches guest RAM only (cannot
   * throw, no device, no code page); otherwise (a miss, MMIO, a page-crossing access, a watched
   * page) the block leaves before it with nothing changed, and `JitEngine.enter` runs the
   * interpreter's handler for it (see `slowExit`).
   */
  lazy?: boolean;
}

const s32 = (v: number): string => String(v | 0);

/** Register slot of Rn where 31 is SP. */
const spSlot = (r: number): number => (r === 31 ? 64 : 2 * r);

function done(code: string, mayThrow = false, store = false, ends = false): Emitted {
  return { code, mayThrow, store, ends };
}

/** Writes (lo, hi) expressions to Rd (31 = ZR: nothing). */
function setD(d: number, lo: string, hi: string): string {
  if (d === 31) return "";
  return `x[${2 * d}] = ${lo}; x[${2 * d + 1}] = ${hi};`;
}
function setDsp(d: number, lo: string, hi: string): string {
  const i = spSlot(d);
  return `x[${i}] = ${lo}; x[${i + 1}] = ${hi};`;
}

/** Condition (ARM ARM ConditionHolds) as a JS boolean expression over c.nf/zf/cf/vf. */
export function condExpr(cond: number): string {
  let r: string;
  switch (cond >>> 1) {
    case 0:
      r = "c.zf === 1";
      break;
    case 1:
      r = "c.cf === 1";
      break;
    case 2:
      r = "c.nf === 1";
      break;
    case 3:
      r = "c.vf === 1";
      break;
    case 4:
      r = "(c.cf === 1 && c.zf === 0)";
      break;
    case 5:
      r = "c.nf === c.vf";
      break;
    case 6:
      r = "(c.nf === c.vf && c.zf === 0)";
      break;
    default:
      r = "true";
  }
  return (cond & 1) !== 0 && cond !== 15 ? `!(${r})` : r;
}

/**
 * AddWithCarry (64-bit) of register pair a (slot ai) and operand b (JS expressions for the two
 * int32 halves, evaluated once), carry-in cin; writes flags when S; result in rl/rh (block locals).
 */
function adc64(ai: number, bl: string, bh: string, cin: number, S: boolean): string {
  // int32 adds truncated with | 0 and the carries from unsigned compares: V8 keeps all of it in
  // 32-bit registers (sums above 2^31 as doubles used to cost "lost precision" deopts)
  const lt = cin ? "<=" : "<";
  let s = `{ const al = x[${ai}], ah = x[${ai + 1}], bl = ${bl}, bh = ${bh};`;
  s += ` rl = (al + bl${cin ? " + 1" : ""}) | 0; const cy = (rl >>> 0) ${lt} (al >>> 0) ? 1 : 0; rh = (ah + bh + cy) | 0;`;
  if (S) {
    s += " c.nf = rh >>> 31; c.zf = (rl | rh) === 0 ? 1 : 0;";
    // carry out of bit 63 = majority(a63, b63, carry into 63), and result bit 63 = a63 ^ b63 ^ that
    // carry: bitwise only, so no branch whose untaken side lacks V8 type feedback
    s += " c.cf = ((ah & bh) | ((ah | bh) & ~rh)) >>> 31;";
    s += " c.vf = (~(ah ^ bh) & (ah ^ rh)) >>> 31;";
  }
  return `${s} }`;
}
function adc32(ai: number, b: string, cin: number, S: boolean): string {
  let s = `{ const a = x[${ai}], b = ${b}; rl = (a + b${cin ? " + 1" : ""}) | 0;`;
  if (S) {
    s += ` c.nf = rl >>> 31; c.zf = rl === 0 ? 1 : 0; c.cf = (rl >>> 0) ${cin ? "<=" : "<"} (a >>> 0) ? 1 : 0;`;
    s += " c.vf = (~(a ^ b) & (a ^ rl)) >>> 31;";
  }
  return `${s} }`;
}

/**
 * Shift (0 LSL, 1 LSR, 2 ASR, 3 ROR) of the 64-bit pair (lo, hi) (simple expressions: register
 * reads) by the constant amt (0..63), as alu.ts shift64: [lo, hi] expressions.
 */
function sh64(lo: string, hi: string, type: number, amt: number): [string, string] {
  amt &= 63;
  if (amt === 0) return [lo, hi];
  if (type === 0) {
    if (amt < 32) return [`(${lo} << ${amt})`, `((${hi} << ${amt}) | (${lo} >>> ${32 - amt}))`];
    return ["0", `(${lo} << ${amt - 32})`];
  }
  if (type === 1) {
    if (amt < 32) return [`((${lo} >>> ${amt}) | (${hi} << ${32 - amt}))`, `((${hi} >>> ${amt}) | 0)`];
    return [`((${hi} >>> ${amt - 32}) | 0)`, "0"];
  }
  if (type === 2) {
    if (amt < 32) return [`((${lo} >>> ${amt}) | (${hi} << ${32 - amt}))`, `(${hi} >> ${amt})`];
    return [`(${hi} >> ${amt - 32})`, `(${hi} >> 31)`];
  }
  let l = lo;
  let h = hi;
  if (amt >= 32) {
    l = hi;
    h = lo;
    amt -= 32;
  }
  if (amt === 0) return [l, h];
  return [`((${l} >>> ${amt}) | (${h} << ${32 - amt}))`, `((${h} >>> ${amt}) | (${l} << ${32 - amt}))`];
}

/** Shift of the 32-bit value v by the constant amt (0..31), as alu.ts shift32. */
function sh32(v: string, type: number, amt: number): string {
  amt &= 31;
  if (amt === 0) return v;
  if (type === 0) return `(${v} << ${amt})`;
  if (type === 1) return `((${v} >>> ${amt}) | 0)`;
  if (type === 2) return `(${v} >> ${amt})`;
  return `((${v} >>> ${amt}) | (${v} << ${32 - amt}))`;
}

/** NZCV from a 4-bit immediate (Cpu.setNZCV of nzcv << 28). */
function setFlagsImm(nzcv: number): string {
  return `c.nf = ${(nzcv >>> 3) & 1}; c.zf = ${(nzcv >>> 2) & 1}; c.cf = ${(nzcv >>> 1) & 1}; c.vf = ${nzcv & 1};`;
}

/** PC-relative value pc(i) + off into (rl, rh), as the interpreter's pcPlus. */
function pcPlus(i: number, off: number): string {
  return `{ const l = lo + ${4 * i + off}; if (l > 0xffffffff) { rl = (l - 4294967296) | 0; rh = (hi + 1) | 0; } else if (l < 0) { rl = (l + 4294967296) | 0; rh = (hi - 1) | 0; } else { rl = l | 0; rh = hi; } }`;
}
/**
 * Leave the block to pc(0) + `off` bytes, having retired `ret` instructions (n before this pass),
 * `jumped` telling the run loop whether it was a taken branch. The builder turns the marker into
 * `{ ex = <exit number>; break; }` and sets the PC, c.jumped and the count from tables in one
 * epilogue shared by every such exit (jit.ts blockSource): a rarely taken exit then runs no
 * arithmetic of its own, so it cannot deoptimise the block for lack of type feedback.
 */
export function exitTo(off: number, ret: number, jumped: boolean): string {
  return `/*EXIT:${off}:${ret}:${jumped ? 1 : 0}*/`;
}

/**
 * Leave the block before instruction i, a load/store the inline TLB check did not serve: the
 * epilogue sets c.jitSlow and `JitEngine.enter` runs the interpreter's handler for it. The slow
 * path thus runs no code of the block: a path first taken after V8 optimised the block cannot
 * deoptimise it for lack of type feedback (it used to: `c.pc = lo + 4i` and the c.ld* call).
 */
function slowExit(i: number): string {
  return `/*EXIT:${4 * i}:${i}:2*/`;
}

/**
 * A taken direct branch from instruction i by `off` bytes: to the block's own start it loops inside
 * the block while a whole further pass fits in the budget (what the run loop would do: same page,
 * no exit pending, no re-check, else the block had returned); otherwise it leaves the block.
 */
function takeBranch(i: number, off: number): string {
  if (4 * i + off === 0) {
    return `if (budget - n >= ${i + 1} + LEN) { n += ${i + 1}; continue; } ${exitTo(0, i + 1, true)}`;
  }
  return exitTo(4 * i + off, i + 1, true);
}

/** Address base(n) + off (|off| < 2^32) into (al, ah), as the interpreter's addOff. */
function addrOff(n: number, off: number): string {
  const b = spSlot(n);
  if (off === 0) return `al = x[${b}]; ah = x[${b + 1}];`;
  // off > 0 carries when the low word wraps below the base, off < 0 borrows when it wraps above
  const wrap =
    off > 0
      ? `(al >>> 0) < (b0 >>> 0) ? (x[${b + 1}] + 1) | 0`
      : `(al >>> 0) > (b0 >>> 0) ? (x[${b + 1}] - 1) | 0`;
  return `{ const b0 = x[${b}]; al = (b0 + ${off}) | 0; ah = ${wrap} : x[${b + 1}]; }`;
}

/** Bytes past which an access of 2^size bytes at page offset o crosses the page (the Cpu.ld* and st* bound). */
const lastOff = (size: number): number => 0x1000 - (1 << size);
const GET = ["getUint8", "getUint16", "getInt32"];
const SET = ["setUint8", "setUint16", "setInt32"];

/**
 * The TLB slot and page offset of (al, ah), then `if (hit) fast else slow` for a read or a write
 * (slow: the block's slowExit).
 */
function tlbIf(write: boolean, size: number, fast: string, slow: string): string {
  const [tl, th] = write ? ["WTL", "WTH"] : ["RTL", "RTH"];
  const bound = size === 0 ? "" : ` && o <= ${lastOff(size)}`;
  return `{ const ti = (al >>> 12) & ${TLB_SIZE - 1}, o = al & 0xfff; if (${tl}[ti] === (al & -4096) && ${th}[ti] === ah${bound}) { ${fast} } else ${slow} }`;
}

/**
 * Single-register integer transfer at (al, ah) (the interpreter's `transfer` for V = 0), the
 * software TLB checked inline exactly as Cpu.ld* and st* check it; a miss, MMIO, a page-crossing
 * access or a watched page (no TLB entries then) takes Cpu.ld* and st* as before.
 */
function transfer(w: number, i: number): { code: string; store: boolean } | null {
  const slow = slowExit(i);
  const t = w & 31;
  const size = w >>> 30;
  const opc = (w >>> 22) & 3;
  if (opc === 0) {
    let fast: string;
    const vl = `x[${2 * t}]`;
    if (size === 3) {
      fast = `const dv = WV[ti], b = WB[ti] + o; dv.setInt32(b, ${vl}, true); dv.setInt32(b + 4, x[${2 * t + 1}], true);`;
    } else {
      const v = size === 2 ? vl : size === 1 ? `${vl} & 0xffff` : `${vl} & 0xff`;
      fast = `WV[ti].${SET[size]}(WB[ti] + o, ${v}${size === 0 ? "" : ", true"});`;
    }
    return { code: tlbIf(true, size, fast, slow), store: true };
  }
  if (size === 3) {
    if (opc !== 1) return null; // PRFM
    const fast =
      "const dv = RV[ti], b = RB[ti] + o; rl = dv.getInt32(b, true); rh = dv.getInt32(b + 4, true);";
    return {
      code: tlbIf(false, 3, fast, slow) + setD(t, "rl", "rh"),
      store: false,
    };
  }
  if (size === 2 && opc === 3) return null; // unallocated (decoder rejects)
  const ld = tlbIf(false, size, `rl = RV[ti].${GET[size]}(RB[ti] + o${size === 0 ? "" : ", true"});`, slow);
  if (opc === 1) return { code: ld + setD(t, "rl", "0"), store: false };
  const sx = size === 2 ? "rl" : size === 1 ? "(rl << 16) >> 16" : "(rl << 24) >> 24";
  return {
    code: `${ld} { const s = ${sx}; ${setD(t, "s", opc === 2 ? "s >> 31" : "0")} }`,
    store: false,
  };
}

/** A load/store emitted with transfer(): checks and syncs only on its slow path. */
function lazyMem(code: string, store: boolean): Emitted {
  return { code, mayThrow: false, store, ends: false, lazy: true };
}

/**
 * Source for instruction i (word w, encoding `id` of class `iclass`), or null: the block calls the
 * interpreter's handler for it.
 */
export function emit(i: number, w: number, id: string, iclass: string): Emitted | null {
  const d = w & 31;
  const n = (w >>> 5) & 31;
  const sf = w >>> 31;
  switch (iclass) {
    case "addsub_imm": {
      let imm = (w >>> 10) & 0xfff;
      if ((w >>> 22) & 1) imm <<= 12;
      const S = ((w >>> 29) & 1) === 1;
      const sub = (w >>> 30) & 1;
      const ni = spSlot(n);
      const put = S ? setD : setDsp;
      if (sf) {
        const code = sub ? adc64(ni, s32(~imm), "-1", 1, S) : adc64(ni, s32(imm), "0", 0, S);
        return done(code + put(d, "rl", "rh"));
      }
      const code = sub ? adc32(ni, s32(~imm), 1, S) : adc32(ni, s32(imm), 0, S);
      return done(code + put(d, "rl", "0"));
    }
    case "addsub_shift": {
      const type = (w >>> 22) & 3;
      const amt = (w >>> 10) & 63;
      if (type === 3) return null; // reserved
      if (!sf && amt >= 32) return null;
      const m = (w >>> 16) & 31;
      const sub = (w >>> 30) & 1;
      const S = ((w >>> 29) & 1) === 1;
      let code: string;
      if (sf) {
        const [bl, bh] = sh64(`x[${2 * m}]`, `x[${2 * m + 1}]`, type, amt);
        code = sub ? adc64(2 * n, `~${bl}`, `~${bh}`, 1, S) : adc64(2 * n, bl, bh, 0, S);
        return done(code + setD(d, "rl", "rh"));
      }
      const b = sh32(`x[${2 * m}]`, type, amt);
      code = sub ? adc32(2 * n, `~${b}`, 1, S) : adc32(2 * n, b, 0, S);
      return done(code + setD(d, "rl", "0"));
    }
    case "log_shift": {
      const type = (w >>> 22) & 3;
      const amt = (w >>> 10) & 63;
      if (!sf && amt >= 32) return null;
      const m = (w >>> 16) & 31;
      const opc = (w >>> 29) & 3;
      const neg = (w >>> 21) & 1;
      let bl: string;
      let bh: string;
      if (sf) [bl, bh] = sh64(`x[${2 * m}]`, `x[${2 * m + 1}]`, type, amt);
      else {
        bl = sh32(`x[${2 * m}]`, type, amt);
        bh = "0";
      }
      let code = `{ let bl = ${bl}, bh = ${bh};`;
      if (neg) code += ` bl = ~bl; bh = ${sf ? "~bh" : "0"};`;
      const op = opc === 1 ? "|" : opc === 2 ? "^" : "&";
      code += ` rl = x[${2 * n}] ${op} bl; rh = ${sf ? `x[${2 * n + 1}]` : "0"} ${op} bh; }`;
      if (opc === 3) {
        code += sf
          ? " c.nf = rh >>> 31; c.zf = (rl | rh) === 0 ? 1 : 0; c.cf = 0; c.vf = 0;"
          : " c.nf = rl >>> 31; c.zf = rl === 0 ? 1 : 0; c.cf = 0; c.vf = 0;";
      }
      return done(code + setD(d, "rl", "rh"));
    }
    case "log_imm": {
      const opc = (w >>> 29) & 3;
      bitMask((w >>> 22) & 1, (w >>> 10) & 63, (w >>> 16) & 63);
      const mlo = R[0]!;
      const mhi = sf ? R[1]! : 0;
      const op = opc === 1 ? "|" : opc === 2 ? "^" : "&";
      let code = `rl = x[${2 * n}] ${op} ${s32(mlo)}; rh = ${sf ? `x[${2 * n + 1}]` : "0"} ${op} ${s32(mhi)};`;
      if (opc === 3) {
        code += " c.nf = (sf_hi) >>> 31; c.zf = (sf_z) === 0 ? 1 : 0; c.cf = 0; c.vf = 0;"
          .replace("sf_hi", sf ? "rh" : "rl")
          .replace("sf_z", sf ? "rl | rh" : "rl");
        return done(code + setD(d, "rl", "rh"));
      }
      return done(code + setDsp(d, "rl", "rh"));
    }
    case "addsub_ext": {
      const option = (w >>> 13) & 7;
      const sh = (w >>> 10) & 7;
      if (sh > 4) return null; // reserved
      const m = (w >>> 16) & 31;
      const sub = (w >>> 30) & 1;
      const S = ((w >>> 29) & 1) === 1;
      const ml = `x[${2 * m}]`;
      const mh = `x[${2 * m + 1}]`;
      let el: string;
      let eh: string;
      switch (option) {
        case 0:
          el = `(${ml} & 0xff)`;
          eh = "0";
          break;
        case 1:
          el = `(${ml} & 0xffff)`;
          eh = "0";
          break;
        case 2:
          el = ml;
          eh = "0";
          break;
        case 4:
          el = `((${ml} << 24) >> 24)`;
          eh = `(${el} >> 31)`;
          break;
        case 5:
          el = `((${ml} << 16) >> 16)`;
          eh = `(${el} >> 31)`;
          break;
        case 6:
          el = ml;
          eh = `(${ml} >> 31)`;
          break;
        default:
          el = ml;
          eh = mh;
      }
      const ni = spSlot(n);
      const put = S ? setD : setDsp;
      let code = `{ const el = ${el}, eh = ${eh};`;
      const bl = sh === 0 ? "el" : `(el << ${sh})`;
      const bh = sh === 0 ? "eh" : `((eh << ${sh}) | (el >>> ${32 - sh}))`;
      if (sf) {
        code += sub ? adc64(ni, `~${bl}`, `~${bh}`, 1, S) : adc64(ni, bl, bh, 0, S);
        return done(`${code} }${put(d, "rl", "rh")}`);
      }
      code += sub ? adc32(ni, `~${bl}`, 1, S) : adc32(ni, bl, 0, S);
      return done(`${code} }${put(d, "rl", "0")}`);
    }
    case "bitfield": {
      const opc = (w >>> 29) & 3; // 0 SBFM, 1 BFM, 2 UBFM
      if (opc === 3) return null;
      const r = (w >>> 16) & 63;
      const s = (w >>> 10) & 63;
      if (!sf && (r >= 32 || s >= 32)) return null; // unallocated
      if (d === 31) return done("");
      if (!sf) {
        const ones = s === 31 ? -1 : (1 << (s + 1)) - 1;
        const wm = r === 0 ? ones : (ones >>> r) | (ones << (32 - r));
        const tb = ((s - r) & 31) + 1;
        const tm = tb === 32 ? -1 : (1 << tb) - 1;
        const src = `x[${2 * n}]`;
        const rot = r === 0 ? src : `((${src} >>> ${r}) | (${src} << ${32 - r}))`;
        const dst = opc === 1 ? `x[${2 * d}]` : "0";
        const top = opc === 0 ? `(-((${src} >>> ${s}) & 1))` : dst;
        return done(
          `{ const bot = (${dst} & ${s32(~wm)}) | (${rot} & ${s32(wm)}); rl = (${top} & ${s32(~tm)}) | (bot & ${s32(tm)}); }${setD(d, "rl", "0")}`,
        );
      }
      bitfieldMasks64(s, r);
      const wlo = R[0]!;
      const whi = R[1]!;
      const tlo = R[2]!;
      const thi = R[3]!;
      const [rl, rh] = sh64(`x[${2 * n}]`, `x[${2 * n + 1}]`, 3, r);
      const dl = opc === 1 ? `x[${2 * d}]` : "0";
      const dh = opc === 1 ? `x[${2 * d + 1}]` : "0";
      let code = `{ const bl = (${dl} & ${s32(~wlo)}) | (${rl} & ${s32(wlo)}), bh = (${dh} & ${s32(~whi)}) | (${rh} & ${s32(whi)});`;
      if (opc === 0) {
        const bit = s >= 32 ? `((x[${2 * n + 1}] >>> ${s - 32}) & 1)` : `((x[${2 * n}] >>> ${s}) & 1)`;
        code += ` const p = -${bit};`;
        code += ` rl = (p & ${s32(~tlo)}) | (bl & ${s32(tlo)}); rh = (p & ${s32(~thi)}) | (bh & ${s32(thi)}); }`;
      } else {
        code += ` rl = (${dl} & ${s32(~tlo)}) | (bl & ${s32(tlo)}); rh = (${dh} & ${s32(~thi)}) | (bh & ${s32(thi)}); }`;
      }
      return done(code + setD(d, "rl", "rh"));
    }
    case "extract": {
      const m = (w >>> 16) & 31;
      const lsb = (w >>> 10) & 63;
      if (d === 31) return done("");
      if (sf) {
        const ml = `x[${2 * m}]`;
        const mh = `x[${2 * m + 1}]`;
        const nl = `x[${2 * n}]`;
        const nh = `x[${2 * n + 1}]`;
        if (lsb === 0) return done(`{ const l = ${ml}, h = ${mh}; ${setD(d, "l", "h")} }`);
        if (lsb < 32)
          return done(
            `{ const l = (${ml} >>> ${lsb}) | (${mh} << ${32 - lsb}), h = (${mh} >>> ${lsb}) | (${nl} << ${32 - lsb}); ${setD(d, "l", "h")} }`,
          );
        if (lsb === 32) return done(`{ const l = ${mh}, h = ${nl}; ${setD(d, "l", "h")} }`);
        const k = lsb - 32;
        return done(
          `{ const l = (${mh} >>> ${k}) | (${nl} << ${32 - k}), h = (${nl} >>> ${k}) | (${nh} << ${32 - k}); ${setD(d, "l", "h")} }`,
        );
      }
      if (lsb >= 32) return null;
      const mv = `x[${2 * m}]`;
      const nv = `x[${2 * n}]`;
      return done(
        `{ const l = ${lsb === 0 ? mv : `(${mv} >>> ${lsb}) | (${nv} << ${32 - lsb})`}; ${setD(d, "l", "0")} }`,
      );
    }
    case "condcmp": {
      if (((w >>> 10) & 1) !== 0 || ((w >>> 4) & 1) !== 0) return null; // unallocated o2/o3
      const sub = (w >>> 30) & 1;
      const isImm = (w >>> 11) & 1;
      const m = (w >>> 16) & 31;
      const bl = isImm ? s32(m) : `x[${2 * m}]`;
      const bh = isImm ? "0" : `x[${2 * m + 1}]`;
      let t: string;
      if (sf)
        t = sub
          ? adc64(2 * n, isImm ? s32(~m) : `~${bl}`, isImm ? "-1" : `~${bh}`, 1, true)
          : adc64(2 * n, bl, bh, 0, true);
      else t = sub ? adc32(2 * n, isImm ? s32(~m) : `~${bl}`, 1, true) : adc32(2 * n, bl, 0, true);
      return done(`if (${condExpr((w >>> 12) & 15)}) { ${t} } else { ${setFlagsImm(w & 15)} }`);
    }
    case "dp_2src": {
      const opc = (w >>> 10) & 0x3f;
      const m = (w >>> 16) & 31;
      if (opc >= 8 && opc <= 11) {
        if (d === 31) return done("");
        const type = opc - 8;
        if (sf)
          return done(
            `A.shift64(x[${2 * n}], x[${2 * n + 1}], ${type}, x[${2 * m}] & 63); ${setD(d, "AR[0]", "AR[1]")}`,
          );
        return done(`{ const v = A.shift32(x[${2 * n}], ${type}, x[${2 * m}] & 31); ${setD(d, "v", "0")} }`);
      }
      if (opc === 2 && !sf) {
        if (d === 31) return done("");
        return done(
          `{ const b = x[${2 * m}]; const q = b === 0 ? 0 : Math.floor((x[${2 * n}] >>> 0) / (b >>> 0)) | 0; ${setD(d, "q", "0")} }`,
        );
      }
      return null;
    }
    case "movewide": {
      if (d === 31) return done("");
      const opc = (w >>> 29) & 3;
      const hw = (w >>> 21) & 3;
      const imm = (w >>> 5) & 0xffff;
      if (opc === 3) {
        if (hw === 0)
          return done(
            `x[${2 * d}] = (x[${2 * d}] & 0xffff0000) | ${imm};${sf ? "" : ` x[${2 * d + 1}] = 0;`}`,
          );
        if (hw === 1)
          return done(
            `x[${2 * d}] = (x[${2 * d}] & 0xffff) | ${s32(imm << 16)};${sf ? "" : ` x[${2 * d + 1}] = 0;`}`,
          );
        if (hw === 2) return done(`x[${2 * d + 1}] = (x[${2 * d + 1}] & 0xffff0000) | ${imm};`);
        return done(`x[${2 * d + 1}] = (x[${2 * d + 1}] & 0xffff) | ${s32(imm << 16)};`);
      }
      let lo = hw === 0 ? imm : hw === 1 ? imm << 16 : 0;
      let hi = hw === 2 ? imm : hw === 3 ? imm << 16 : 0;
      if (opc === 0) {
        lo = ~lo;
        hi = ~hi;
      }
      return done(`x[${2 * d}] = ${s32(lo)}; x[${2 * d + 1}] = ${sf ? s32(hi) : "0"};`);
    }
    case "pcreladdr": {
      const immlo = (w >>> 29) & 3;
      const immhi = (w << 8) >> 13;
      const imm = immhi * 4 + immlo;
      if (w >>> 31 === 0) return done(pcPlus(i, imm) + setD(d, "rl", "rh"));
      return done(
        `{ const p = lo + ${4 * i}; const l = p - (p % 4096) + ${imm * 4096}; const cy = Math.floor(l / 4294967296); ${setD(d, "(l - cy * 4294967296) | 0", "(hi + cy) | 0")} }`,
      );
    }
    case "condsel": {
      const op = (w >>> 30) & 1;
      const o2 = (w >>> 10) & 1;
      const m = (w >>> 16) & 31;
      if (d === 31) return done("");
      let els = `rl = x[${2 * m}]; rh = x[${2 * m + 1}];`;
      if (op) els += " rl = ~rl; rh = ~rh;";
      if (o2) els += " rl = (rl + 1) | 0; if (rl === 0) rh = (rh + 1) | 0;";
      return done(
        `if (${condExpr((w >>> 12) & 15)}) { rl = x[${2 * n}]; rh = x[${2 * n + 1}]; } else { ${els} } ${setD(d, "rl", sf ? "rh" : "0")}`,
      );
    }
    case "branch_imm": {
      const off = (w << 6) >> 4;
      let code = "";
      if (w >>> 31) code += `${pcPlus(i, 4)}x[60] = rl; x[61] = rh;`;
      return done(
        code + (w >>> 31 ? exitTo(4 * i + off, i + 1, true) : takeBranch(i, off)),
        false,
        false,
        true,
      );
    }
    case "condbranch": {
      if ((w & 0x10) !== 0) return null; // BC.cond (FEAT_HBC) or unallocated
      const off = ((w << 8) >> 13) * 4;
      return done(`if (${condExpr(w & 15)}) { ${takeBranch(i, off)} }`);
    }
    case "compbranch": {
      const op = (w >>> 24) & 1;
      const v = sf ? `(x[${2 * d}] | x[${2 * d + 1}])` : `x[${2 * d}]`;
      const off = ((w << 8) >> 13) * 4;
      return done(`if (${v} ${op ? "!==" : "==="} 0) { ${takeBranch(i, off)} }`);
    }
    case "testbranch": {
      const bit = ((w >>> 31) << 5) | ((w >>> 19) & 31);
      const op = (w >>> 24) & 1;
      const v = bit >= 32 ? `((x[${2 * d + 1}] >>> ${bit - 32}) & 1)` : `((x[${2 * d}] >>> ${bit}) & 1)`;
      const off = ((w << 13) >> 18) * 4;
      return done(`if (${v} === ${op}) { ${takeBranch(i, off)} }`);
    }
    case "ldst_pos": {
      if ((w >>> 26) & 1) return null; // SIMD&FP
      const size = w >>> 30;
      const tr = transfer(w, i);
      if (tr === null) return null;
      const off = ((w >>> 10) & 0xfff) * (1 << size);
      return lazyMem(addrOff(n, off) + tr.code, tr.store);
    }
    case "ldst_unscaled":
    case "ldst_immpost":
    case "ldst_immpre": {
      if ((w >>> 26) & 1) return null;
      const tr = transfer(w, i);
      if (tr === null) return null;
      const off = (w << 11) >> 23;
      const mode = (w >>> 10) & 3;
      const b = spSlot(n);
      if (mode === 0) return lazyMem(addrOff(n, off) + tr.code, tr.store);
      // pre/post index: address (al, ah) = base (+ off for pre), then the base register = base + off
      const wb = `{ const bl0 = x[${b}], bh0 = x[${b + 1}]; ${addrOff(n, off)} wl = al; wh = ah;${mode === 1 ? " al = bl0; ah = bh0;" : ""} }`;
      return lazyMem(`${wb} ${tr.code} x[${b}] = wl; x[${b + 1}] = wh;`, tr.store);
    }
    case "ldstpair_off":
    case "ldstpair_pre":
    case "ldstpair_post": {
      // LDP/STP Xt1, Xt2 (F.ldstp64 in the interpreter), LDP/STP Wt1, Wt2 and LDPSW (ldstPair)
      const op = id.slice(0, id.indexOf("_ldstpair_"));
      if (op !== "LDP_64" && op !== "STP_64" && op !== "LDP_32" && op !== "STP_32" && op !== "LDPSW_64")
        return null;
      const wide = op.endsWith("P_64");
      const bytes = wide ? 8 : 4;
      const i0 = spSlot(n);
      const mode = (w >>> 23) & 3;
      const off = ((w << 10) >> 25) * bytes;
      const t = w & 31;
      const t2 = (w >>> 10) & 31;
      const wrap =
        off >= 0 ? "(wl >>> 0) < (blo >>> 0) ? (bhi + 1) | 0" : "(wl >>> 0) > (blo >>> 0) ? (bhi - 1) | 0";
      let code = `{ const blo = x[${i0}], bhi = x[${i0 + 1}]; wl = (blo + ${off}) | 0; wh = ${wrap} : bhi;`;
      code += mode === 1 ? " al = blo; ah = bhi;" : " al = wl; ah = wh;";
      let store = false;
      // both elements in one page and a TLB hit: straight to the host view
      const inPage = `const ti = (al >>> 12) & ${TLB_SIZE - 1}, o = al & 0xfff; if (TL[ti] === (al & -4096) && TH[ti] === ah && o <= ${0x1000 - 2 * bytes})`;
      if ((w >>> 22) & 1) {
        if (wide) {
          code += ` let l1 = 0, h1 = 0, l2 = 0, h2 = 0; { ${inPage.replace("TL[", "RTL[").replace("TH[", "RTH[")} { const dv = RV[ti], b = RB[ti] + o; l1 = dv.getInt32(b, true); h1 = dv.getInt32(b + 4, true); l2 = dv.getInt32(b + 8, true); h2 = dv.getInt32(b + 12, true); }`;
          code += ` else ${slowExit(i)} }`;
          code += setD(t, "l1", "h1") + setD(t2, "l2", "h2");
        } else {
          const sx = op === "LDPSW_64";
          code += ` let l1 = 0, l2 = 0; { ${inPage.replace("TL[", "RTL[").replace("TH[", "RTH[")} { const dv = RV[ti], b = RB[ti] + o; l1 = dv.getInt32(b, true); l2 = dv.getInt32(b + 4, true); }`;
          code += ` else ${slowExit(i)} }`;
          code += setD(t, "l1", sx ? "(l1 >> 31)" : "0") + setD(t2, "l2", sx ? "(l2 >> 31)" : "0");
        }
      } else {
        store = true;
        const wr = inPage.replace("TL[", "WTL[").replace("TH[", "WTH[");
        if (wide) {
          code += ` const v1l = x[${2 * t}], v1h = x[${2 * t + 1}], v2l = x[${2 * t2}], v2h = x[${2 * t2 + 1}];`;
          code += ` { ${wr} { const dv = WV[ti], b = WB[ti] + o; dv.setInt32(b, v1l, true); dv.setInt32(b + 4, v1h, true); dv.setInt32(b + 8, v2l, true); dv.setInt32(b + 12, v2h, true); }`;
        } else {
          code += ` const v1l = x[${2 * t}], v2l = x[${2 * t2}];`;
          code += ` { ${wr} { const dv = WV[ti], b = WB[ti] + o; dv.setInt32(b, v1l, true); dv.setInt32(b + 4, v2l, true); }`;
        }
        code += ` else ${slowExit(i)} }`;
      }
      code += " }";
      if (mode !== 2) code += ` x[${i0}] = wl; x[${i0 + 1}] = wh;`;
      return lazyMem(code, store);
    }
    case "ldst_regoff": {
      if ((w >>> 26) & 1) return null;
      const tr = transfer(w, i);
      if (tr === null) return null;
      const m = (w >>> 16) & 31;
      const option = (w >>> 13) & 7;
      const size = w >>> 30;
      const sh = (w >>> 12) & 1 ? size : 0;
      let ml = `x[${2 * m}]`;
      let mh = option === 2 ? "0" : option === 6 ? `(x[${2 * m}] >> 31)` : `x[${2 * m + 1}]`;
      if (sh !== 0) {
        mh = `((${mh} << ${sh}) | (${ml} >>> ${32 - sh}))`;
        ml = `(${ml} << ${sh})`;
      }
      const b = spSlot(n);
      const code = `{ const ml = ${ml}, mh = ${mh}, b0 = x[${b}]; al = (b0 + ml) | 0; ah = (x[${b + 1}] + mh + ((al >>> 0) < (b0 >>> 0) ? 1 : 0)) | 0; }`;
      return lazyMem(code + tr.code, tr.store);
    }
    case "dp_3src": {
      const op31 = (w >>> 21) & 7;
      if (op31 !== 0) return null;
      const o0 = (w >>> 15) & 1;
      const m = (w >>> 16) & 31;
      const a = (w >>> 10) & 31;
      if (!sf) {
        return done(
          `{ const p = Math.imul(x[${2 * n}], x[${2 * m}]); ${setD(d, `(x[${2 * a}] ${o0 ? "-" : "+"} p) | 0`, "0")} }`,
        );
      }
      let code = `A.mul64(x[${2 * n}], x[${2 * n + 1}], x[${2 * m}], x[${2 * m + 1}]); { const plo = AR[0], phi = AR[1], alo = x[${2 * a}], ahi = x[${2 * a + 1}];`;
      code += o0
        ? ` const l = (alo >>> 0) - (plo >>> 0); ${setD(d, "l | 0", "(ahi - phi - (l < 0 ? 1 : 0)) | 0")} }`
        : ` const l = (alo >>> 0) + (plo >>> 0); ${setD(d, "l | 0", "(ahi + phi + (l > 0xffffffff ? 1 : 0)) | 0")} }`;
      return done(code);
    }
    case "branch_reg": {
      const opc = (w >>> 21) & 15;
      const op3 = (w >>> 10) & 63;
      if (op3 !== 0 || (w & 31) !== 0 || opc > 2) return null;
      let code = `{ const tl = x[${2 * n}], th = x[${2 * n + 1}];`;
      if (opc === 1) code += `${pcPlus(i, 4)} x[60] = rl; x[61] = rh;`;
      code += ` c.pc = tl >>> 0; c.pcHi = th | 0; c.jumped = true; return n + ${i + 1}; }`;
      return done(code, false, false, true);
    }
  }
  return null;
}

/**
 * Data-processing classes whose handlers only read and write registers and NZCV (no memory, no
 * branch, no re-check): the block calls them without the checks that follow other handler calls.
 */
export const PURE_CLASSES = new Set([
  "addsub_ext",
  "addsub_carry",
  "bitfield",
  "extract",
  "condcmp",
  "condcmp_imm",
  "condcmp_reg",
  "dp_1src",
  "dp_2src",
  "dp_3src",
  "rmif",
  "setf",
]);

/** Encoding classes after which a block ends (control leaves the straight line or the EL changes). */
export const BLOCK_END_CLASSES = new Set(["branch_imm", "branch_reg", "exception"]);
