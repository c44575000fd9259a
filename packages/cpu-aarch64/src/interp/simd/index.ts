/*
 * Issue #5 handlers: FP, AdvSIMD, crypto and pointer authentication. `simdHandler` is consulted by
 * dispatch.ts for every table entry the base handlers do not execute; `pauthOverride` replaces the
 * NOP handlers of the PAC hint-space instructions.
 */
import type { Handler } from "./common.js";
import { cryptoHandler } from "./crypto.js";
import { FMOV_H_OVERRIDES } from "./fmov.js";
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

/**
 * Handlers that replace a base handler: the PAC hint forms (NOPs in the base dispatch) and the
 * half-precision FMOV forms.
 */
export function override(id: string, iclass: string, mnemonic: string): Handler | undefined {
  const f = FMOV_H_OVERRIDES[id];
  if (f !== undefined) return f;
  if (iclass !== "hints") return undefined;
  return pauthHandler(id, iclass, mnemonic);
}
