/** Base class of every error Armature throws at a host programmer. `code` is stable. */
export class ArmatureError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A placement or option that cannot work: fix the configuration. */
export class ConfigError extends ArmatureError {
  constructor(message: string) {
    super("E_CONFIG", message);
  }
}

/** Two regions placed on one bus overlap. Both are named in the message. */
export class RegionOverlapError extends ArmatureError {
  readonly first: string;
  readonly second: string;
  constructor(first: RegionLike, second: RegionLike) {
    super(
      "E_REGION_OVERLAP",
      `region "${second.name}" [${hex(second.base)}..${hex(second.base + second.size)}) overlaps ` +
        `region "${first.name}" [${hex(first.base)}..${hex(first.base + first.size)}); ` +
        "move one of them or shrink it",
    );
    this.first = first.name;
    this.second = second.name;
  }
}

/** Why a bus access failed. */
export type BusErrorKind = "unmapped" | "straddle" | "size";

/**
 * An access reached no region (or crossed from one region into another where MMIO is involved).
 * The CPU turns it into an external abort; a DMA space turns it into a DmaStatus.
 */
export class BusError extends ArmatureError {
  readonly address: number;
  readonly size: number;
  readonly write: boolean;
  readonly kind: BusErrorKind;
  constructor(kind: BusErrorKind, address: number, size: number, write: boolean) {
    super(
      "E_BUS",
      `${write ? "write" : "read"} of ${size} byte(s) at ${hex(address)}: ${
        kind === "unmapped"
          ? "no region claims this address"
          : kind === "straddle"
            ? "the access crosses a region boundary involving MMIO"
            : "unsupported access size"
      }`,
    );
    this.address = address;
    this.size = size;
    this.write = write;
    this.kind = kind;
  }
}

export interface RegionLike {
  readonly name: string;
  readonly base: number;
  readonly size: number;
}

/** `0x`-prefixed lower-case hex of a non-negative integer (safe up to 2^53). */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
