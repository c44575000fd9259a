/*
 * FP, AdvSIMD, crypto and pointer authentication handlers. dispatch.ts consults `simdHandler` for
 * every table entry the base handlers do not execute, and `pauthHandler` first for the PAC
 * hint-space instructions (NOPs without FEAT_PAuth, real PAC/AUT with it).
 */
import type { Handler } from "./common.js";
import { cryptoHandler } from "./crypto.js";
import {
  float2fix,
  float2int,
  floatccmp,
  floatcmp,
  floatdp1,
  floatdp2,
  floatdp3,
  floatsel,
} from "./fp-scalar.js";
import { fpVectorHandler } from "./fp-vector.js";
import { intVectorHandler } from "./int-vector.js";
import { ldstSingle } from "./ldst.js";
import { pauthHandler } from "./pauth.js";

export type { Handler };
export { pauthHandler };

const SCALAR: Record<string, Handler> = {
  floatdp1,
  floatdp2,
  floatdp3,
  floatcmp,
  floatccmp,
  floatsel,
  float2int,
  float2fix,
};

/** Handler for a decoder entry (ENCODINGS id, iclass, mnemonic), or undefined if none here. */
export function simdHandler(id: string, iclass: string, mnemonic: string): Handler | undefined {
  const s = SCALAR[iclass];
  if (s !== undefined) return s;
  if (iclass === "asisdlso" || iclass === "asisdlsop") return ldstSingle;
  return (
    fpVectorHandler(id, iclass, mnemonic) ??
    intVectorHandler(id, iclass, mnemonic) ??
    cryptoHandler(iclass, mnemonic) ??
    pauthHandler(id, iclass, mnemonic)
  );
}
