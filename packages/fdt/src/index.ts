export * from "./cells.js";
export type { FdtDocument, MemReservation, SerializeOptions } from "./dtb.js";
export {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_LAST_COMP_VERSION,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  FDT_VERSION,
  serializeDocument,
  serializeDtb,
} from "./dtb.js";
export type { DtsOptions } from "./dts.js";
export { formatProperty, formatValue, printDts } from "./dts.js";
export type { FdtParseErrorKind } from "./errors.js";
export { FdtBuildError, FdtParseError } from "./errors.js";
export * from "./lookup.js";
export { nodeNameProblem, propertyNameProblem } from "./names.js";
export type { ParsedDtb, ParseOptions } from "./parse.js";
export { parseDtb } from "./parse.js";
export type { PrimecellPlacement } from "./primecell.js";
export { addPrimecellNode } from "./primecell.js";
export { FdtNode, FdtProperty, fdtDifference } from "./tree.js";
