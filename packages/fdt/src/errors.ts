import { ArmatureError } from "@armature/core";

/** What was wrong with a DTB handed to `parseDtb`. */
export type FdtParseErrorKind =
  | "truncated" // the buffer ends before the header, totalsize or a block says it should
  | "bad-magic" // not 0xd00dfeed
  | "bad-version" // version/last_comp_version we cannot read (we read v16 and v17 layouts)
  | "bad-offset" // a block offset or size points outside totalsize, or is misaligned
  | "overlap" // two blocks (header, memory reservation map, structure, strings) overlap
  | "bad-token" // an unknown token, or a token where the structure does not allow it
  | "unterminated-string" // a node name or property name without its NUL inside its block
  | "bad-name" // a node or property name outside the characters DTSpec allows
  | "duplicate" // two sibling nodes or two properties of one node with the same name
  | "bad-phandle" // a phandle property that is not one cell, is 0 or 0xffffffff, or is reused
  | "too-deep"; // nodes nested deeper than the parser's limit

/** A malformed device-tree blob. `offset` is the byte offset in the blob where it was found. */
export class FdtParseError extends ArmatureError {
  readonly kind: FdtParseErrorKind;
  readonly offset: number;
  constructor(kind: FdtParseErrorKind, offset: number, message: string) {
    super("E_FDT_PARSE", `invalid DTB at byte 0x${offset.toString(16)}: ${message}`);
    this.kind = kind;
    this.offset = offset;
  }
}

/** A tree the serializer, a builder helper or an edit cannot accept; the message says what to fix. */
export class FdtBuildError extends ArmatureError {
  constructor(message: string) {
    super("E_FDT_BUILD", message);
  }
}
