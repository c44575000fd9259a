export * from "./crypto/index.js";
export {
  decode,
  encode,
  encodingIndex,
  encodingSpec,
  field,
  fieldsOf,
  matchesEntry,
} from "./decoder/decode.js";
export type { AliasSpec, EncodingSpec, Exclusion, FieldSpec, OperandSpec } from "./decoder/spec.js";
export { EncodingError } from "./decoder/spec.js";
export { ENCODINGS } from "./decoder/table.js";
export type { Region } from "./disasm/classes.js";
export { REGIONS, regionOf } from "./disasm/classes.js";
export { disassemble, formatEntry, pcRelTarget } from "./disasm/disasm.js";
export * from "./fp/index.js";
export * from "./interp/index.js";
export * from "./jit/index.js";
export type { CpuModel, Feature } from "./model.js";
export { CORTEX_A72_MODEL, HWCAP_FEATURES, M1_MODEL, M1_QARMA5_MODEL, modelFromHwcaps } from "./model.js";
export * from "./pauth/index.js";
export * from "./user/index.js";
