/** Differential-test support (not public API): crypto instruction -> model mapping for the oracle. */
import fc from "fast-check";
import {
  aesd,
  aese,
  aesimc,
  aesmc,
  bcax,
  crc32,
  crc32x,
  eor3,
  pmull8,
  pmull64,
  rax1,
  sha1c,
  sha1h,
  sha1m,
  sha1p,
  sha1su0,
  sha1su1,
  sha256h,
  sha256h2,
  sha256su0,
  sha256su1,
  sha512h,
  sha512h2,
  sha512su0,
  sha512su1,
  xar,
} from "../crypto/crypto.js";

// v holds q0 (words 0..3), q1 (4..7), q2 (8..11). Result: q0 words, or x9 for scalar results.
export type CryptoModel = (v: Uint32Array) => number | undefined;
export const CRYPTO_OPS: Record<string, CryptoModel> = {
  aese: (v) => void aese(v, 0, 4),
  aesd: (v) => void aesd(v, 0, 4),
  aesmc: (v) => void aesmc(v, 0, 0),
  aesimc: (v) => void aesimc(v, 0, 0),
  sha1c: (v) => void sha1c(v, 0, 4, 8),
  sha1p: (v) => void sha1p(v, 0, 4, 8),
  sha1m: (v) => void sha1m(v, 0, 4, 8),
  sha1h: (v) => {
    v[0] = sha1h(v[0]!);
    v.fill(0, 1, 4);
    return undefined;
  },
  sha1su0: (v) => void sha1su0(v, 0, 4, 8),
  sha1su1: (v) => void sha1su1(v, 0, 4),
  sha256h: (v) => void sha256h(v, 0, 4, 8),
  sha256h2: (v) => void sha256h2(v, 0, 4, 8),
  sha256su0: (v) => void sha256su0(v, 0, 4),
  sha256su1: (v) => void sha256su1(v, 0, 4, 8),
  sha512h: (v) => void sha512h(v, 0, 4, 8),
  sha512h2: (v) => void sha512h2(v, 0, 4, 8),
  sha512su0: (v) => void sha512su0(v, 0, 4),
  sha512su1: (v) => void sha512su1(v, 0, 4, 8),
  eor3: (v) => void eor3(v, 0, 0, 4, 8),
  bcax: (v) => void bcax(v, 0, 0, 4, 8),
  rax1: (v) => void rax1(v, 0, 0, 4),
  xar_0: (v) => void xar(v, 0, 0, 4, 0),
  xar_1: (v) => void xar(v, 0, 0, 4, 1),
  xar_13: (v) => void xar(v, 0, 0, 4, 13),
  xar_63: (v) => void xar(v, 0, 0, 4, 63),
  pmull_8: (v) => void pmull8(v, 0, 0, 4, false),
  pmull2_8: (v) => void pmull8(v, 0, 0, 4, true),
  pmull_64: (v) => void pmull64(v, 0, 0, 4, false),
  pmull2_64: (v) => void pmull64(v, 0, 0, 4, true),
  crc32b: (v) => crc32(v[0]!, v[4]!, 1, false),
  crc32h: (v) => crc32(v[0]!, v[4]!, 2, false),
  crc32w: (v) => crc32(v[0]!, v[4]!, 4, false),
  crc32x: (v) => crc32x(v[0]!, v[5]!, v[4]!, false),
  crc32cb: (v) => crc32(v[0]!, v[4]!, 1, true),
  crc32ch: (v) => crc32(v[0]!, v[4]!, 2, true),
  crc32cw: (v) => crc32(v[0]!, v[4]!, 4, true),
  crc32cx: (v) => crc32x(v[0]!, v[5]!, v[4]!, true),
};

export const cryptoWord: fc.Arbitrary<number> = fc.oneof(
  fc.nat({ max: 0xffffffff }),
  fc.constantFrom(0, 0xffffffff, 1, 0x80000000),
);
export const cryptoRegs: fc.Arbitrary<number[]> = fc.array(cryptoWord, { minLength: 12, maxLength: 12 });
