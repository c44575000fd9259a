/**
 * DecodeBitMasks (ARM ARM J1 shared pseudocode aarch64/instrs/integer/bitmasks) for the logical
 * immediate form. Returns the element pattern replicated to 64 bits as [hi, lo] 32-bit halves, or
 * null for a reserved encoding. Allocation happens only in the disassembler path.
 */
export function logicalImmValid(n: number, imms: number, is64: boolean): boolean {
  if (!is64 && n !== 0) return false;
  const len = highestSetBit((n << 6) | (~imms & 0x3f));
  if (len < 1) return false;
  const levels = (1 << len) - 1;
  return (imms & levels) !== levels;
}

function highestSetBit(x: number): number {
  return x === 0 ? -1 : 31 - Math.clz32(x);
}

/** The immediate value as [hi, lo] (hi is 0 for a 32-bit operation). Assumes logicalImmValid. */
export function decodeLogicalImm(n: number, imms: number, immr: number, is64: boolean): [number, number] {
  const len = highestSetBit((n << 6) | (~imms & 0x3f));
  const levels = (1 << len) - 1;
  const s = imms & levels;
  const r = immr & levels;
  const esize = 1 << len;
  // element: s+1 ones rotated right by r within esize bits (esize <= 64)
  let hi = 0;
  let lo = 0;
  for (let i = 0; i <= s; i++) {
    const b = (i - r + esize) % esize;
    if (b >= 32) hi |= 1 << (b - 32);
    else lo |= 1 << b;
  }
  // replicate
  if (esize < 32) {
    for (let sh = esize; sh < 32; sh *= 2) lo |= lo << sh;
    hi = lo;
  } else if (esize === 32) {
    hi = lo;
  }
  if (!is64) hi = 0;
  return [hi >>> 0, lo >>> 0];
}

/** BFXPreferred (ARM ARM shared pseudocode). */
export function bfxPreferred(sf: number, uns: number, imms: number, immr: number): boolean {
  if (imms < immr) return false;
  if (imms === (sf ? 63 : 31)) return false;
  if (immr === 0) {
    if (sf === 0 && (imms === 7 || imms === 15)) return false;
    if (sf === 1 && uns === 0 && (imms === 7 || imms === 15 || imms === 31)) return false;
  }
  return true;
}

/**
 * Whether a single MOVZ or MOVN can build the ORR immediate (by value; this is how LLVM decides
 * between "mov" and "orr ..., wzr/xzr, #imm", and equals the ARM ARM's MoveWidePreferred for
 * canonical encodings).
 */
export function movWideable(sf: number, n: number, imms: number, immr: number): boolean {
  const [hi, lo] = decodeLogicalImm(n, imms, immr, sf === 1);
  const halves = sf ? [lo & 0xffff, lo >>> 16, hi & 0xffff, hi >>> 16] : [lo & 0xffff, lo >>> 16];
  const nz = halves.filter((h) => h !== 0).length;
  const nf = halves.filter((h) => h !== 0xffff).length;
  return nz <= 1 || nf <= 1;
}
