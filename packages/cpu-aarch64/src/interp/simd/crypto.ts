/*
 * Cryptographic extension instructions (ARM ARM C4.1.95.x cryptoaes, cryptosha3, cryptosha2,
 * cryptosha512_2/3, crypto4, crypto3_imm6) over the src/crypto primitives.
 */
import * as X from "../../crypto/index.js";
import type { Handler } from "./common.js";

const f = (w: number, lsb: number): number => 4 * ((w >>> lsb) & 31);

const CRYPTO: Record<string, Handler> = {
  AESE: (c, w) => X.aese(c.v, f(w, 0), f(w, 5)),
  AESD: (c, w) => X.aesd(c.v, f(w, 0), f(w, 5)),
  AESMC: (c, w) => X.aesmc(c.v, f(w, 0), f(w, 5)),
  AESIMC: (c, w) => X.aesimc(c.v, f(w, 0), f(w, 5)),
  SHA1C: (c, w) => X.sha1c(c.v, f(w, 0), f(w, 5), f(w, 16)),
  SHA1P: (c, w) => X.sha1p(c.v, f(w, 0), f(w, 5), f(w, 16)),
  SHA1M: (c, w) => X.sha1m(c.v, f(w, 0), f(w, 5), f(w, 16)),
  SHA1SU0: (c, w) => X.sha1su0(c.v, f(w, 0), f(w, 5), f(w, 16)),
  SHA1SU1: (c, w) => X.sha1su1(c.v, f(w, 0), f(w, 5)),
  SHA1H: (c, w) => {
    const d = f(w, 0);
    const r = X.sha1h(c.v[f(w, 5)]!);
    c.v[d] = r >>> 0;
    c.v[d + 1] = 0;
    c.v[d + 2] = 0;
    c.v[d + 3] = 0;
  },
  SHA256H: (c, w) => X.sha256h(c.v, f(w, 0), f(w, 5), f(w, 16)),
  SHA256H2: (c, w) => X.sha256h2(c.v, f(w, 0), f(w, 5), f(w, 16)),
  SHA256SU0: (c, w) => X.sha256su0(c.v, f(w, 0), f(w, 5)),
  SHA256SU1: (c, w) => X.sha256su1(c.v, f(w, 0), f(w, 5), f(w, 16)),
  SHA512H: (c, w) => X.sha512h(c.v, f(w, 0), f(w, 5), f(w, 16)),
  SHA512H2: (c, w) => X.sha512h2(c.v, f(w, 0), f(w, 5), f(w, 16)),
  SHA512SU0: (c, w) => X.sha512su0(c.v, f(w, 0), f(w, 5)),
  SHA512SU1: (c, w) => X.sha512su1(c.v, f(w, 0), f(w, 5), f(w, 16)),
  RAX1: (c, w) => X.rax1(c.v, f(w, 0), f(w, 5), f(w, 16)),
  EOR3: (c, w) => X.eor3(c.v, f(w, 0), f(w, 5), f(w, 16), f(w, 10)),
  BCAX: (c, w) => X.bcax(c.v, f(w, 0), f(w, 5), f(w, 16), f(w, 10)),
  XAR: (c, w) => X.xar(c.v, f(w, 0), f(w, 5), f(w, 16), (w >>> 10) & 63),
};

export function cryptoHandler(iclass: string, mn: string): Handler | undefined {
  if (!iclass.startsWith("crypto")) return undefined;
  return CRYPTO[mn];
}
