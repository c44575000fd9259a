import { ByteWriter, toBigU64, type U64 } from "../bytes.js";
import { fail } from "../errors.js";
import { type AmlTerm, aml } from "./ast.js";

/** One resource descriptor's bytes (ACPI 6.5 §6.4). */
export interface ResourceDescriptor {
  readonly kind: string;
  readonly bytes: Uint8Array;
}

/** ResourceTemplate () { ... }: a Buffer of descriptors closed by an End Tag (0x79, checksum 0). */
export function resourceTemplate(descriptors: readonly ResourceDescriptor[]): AmlTerm {
  const all: number[] = [];
  for (const d of descriptors) for (const b of d.bytes) all.push(b);
  all.push(0x79, 0x00);
  return aml.buffer(all);
}

/** Memory32Fixed (ReadWrite|ReadOnly, base, length) — §6.4.3.4, 12 bytes. */
export function memory32Fixed(base: number, length: number, writable = true): ResourceDescriptor {
  const w = new ByteWriter()
    .u8(0x86)
    .u16(9)
    .u8(writable ? 1 : 0)
    .u32(base, "Memory32Fixed base")
    .u32(length, "Memory32Fixed length");
  return { kind: "Memory32Fixed", bytes: w.finish() };
}

export type MemoryCacheability = "NonCacheable" | "Cacheable" | "WriteCombining" | "Prefetchable";

/** Options shared by the Word/DWord/QWord address-space descriptors (§6.4.3.5). */
export interface AddressSpaceOptions {
  /** ResourceProducer (a bridge decoding a window) or ResourceConsumer. Default producer. */
  producer?: boolean;
  /** SubDecode instead of PosDecode. */
  subtractive?: boolean;
  minFixed?: boolean;
  maxFixed?: boolean;
  granularity?: U64;
  translation?: U64;
}

export interface MemoryRangeOptions extends AddressSpaceOptions {
  cacheability?: MemoryCacheability;
  writable?: boolean;
}

function generalFlags(o: AddressSpaceOptions): number {
  return (
    (o.producer === false ? 1 : 0) |
    (o.subtractive ? 2 : 0) |
    (o.minFixed !== false ? 4 : 0) |
    (o.maxFixed !== false ? 8 : 0)
  );
}

function memFlags(o: MemoryRangeOptions): number {
  const c = { NonCacheable: 0, Cacheable: 1, WriteCombining: 2, Prefetchable: 3 }[
    o.cacheability ?? "NonCacheable"
  ];
  return (o.writable === false ? 0 : 1) | (c << 1);
}

function addressSpace(
  tag: number,
  width: 2 | 4 | 8,
  kind: string,
  resourceType: number,
  typeFlags: number,
  min: U64,
  length: U64,
  o: AddressSpaceOptions,
): ResourceDescriptor {
  const lo = toBigU64(min, `${kind} minimum`);
  const len = toBigU64(length, `${kind} length`);
  if (len === 0n) fail("E_VALUE", `${kind}: length must be non-zero`);
  const max = lo + len - 1n;
  const limit = (1n << BigInt(width * 8)) - 1n;
  if (max > limit)
    fail("E_RANGE", `${kind}: range ${lo.toString(16)}+${len.toString(16)} exceeds ${width * 8} bits`);
  const w = new ByteWriter()
    .u8(tag)
    .u16(3 + 5 * width)
    .u8(resourceType)
    .u8(generalFlags(o))
    .u8(typeFlags);
  const put = (v: bigint) => {
    if (v > limit) fail("E_RANGE", `${kind}: value 0x${v.toString(16)} exceeds ${width * 8} bits`);
    if (width === 2) w.u16(Number(v));
    else if (width === 4) w.u32(Number(v));
    else w.u64(v);
  };
  put(toBigU64(o.granularity ?? 0, "granularity"));
  put(lo);
  put(max);
  put(toBigU64(o.translation ?? 0, "translation"));
  put(len);
  return { kind, bytes: w.finish() };
}

/** DWordMemory (min..min+length-1) — §6.4.3.5.2, 26 bytes. */
export function dwordMemory(min: number, length: number, o: MemoryRangeOptions = {}): ResourceDescriptor {
  return addressSpace(0x87, 4, "DWordMemory", 0, memFlags(o), min, length, o);
}

/** QWordMemory (min..min+length-1) — §6.4.3.5.1, 46 bytes. */
export function qwordMemory(min: U64, length: U64, o: MemoryRangeOptions = {}): ResourceDescriptor {
  return addressSpace(0x8a, 8, "QWordMemory", 0, memFlags(o), min, length, o);
}

/** WordBusNumber (min..min+length-1) — §6.4.3.5.3, 16 bytes. */
export function wordBusNumber(min: number, length: number, o: AddressSpaceOptions = {}): ResourceDescriptor {
  return addressSpace(0x88, 2, "WordBusNumber", 2, 0, min, length, o);
}

/** DWordIO — §6.4.3.5.2 with resource type 1 (EntireRange, TypeStatic). */
export function dwordIo(min: number, length: number, o: AddressSpaceOptions = {}): ResourceDescriptor {
  return addressSpace(0x87, 4, "DWordIO", 1, 3, min, length, o);
}

export interface InterruptOptions {
  /** Edge-triggered (default level). */
  edge?: boolean;
  /** Active-low (default active-high). */
  activeLow?: boolean;
  shared?: boolean;
  wakeCapable?: boolean;
  /** ResourceProducer (default consumer). */
  producer?: boolean;
}

/** Extended Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { gsivs } — §6.4.3.6. */
export function extendedInterrupt(gsivs: readonly number[], o: InterruptOptions = {}): ResourceDescriptor {
  if (gsivs.length === 0 || gsivs.length > 255)
    fail("E_VALUE", "Interrupt descriptor needs 1-255 interrupt numbers");
  const flags =
    (o.producer ? 0 : 1) |
    (o.edge ? 2 : 0) |
    (o.activeLow ? 4 : 0) |
    (o.shared ? 8 : 0) |
    (o.wakeCapable ? 0x10 : 0);
  const w = new ByteWriter()
    .u8(0x89)
    .u16(2 + 4 * gsivs.length)
    .u8(flags)
    .u8(gsivs.length);
  for (const g of gsivs) w.u32(g, "interrupt number");
  return { kind: "Interrupt", bytes: w.finish() };
}

/**
 * Name (_CRS) of a device with one register window and one interrupt (a PL011, PL031 or
 * virtio-mmio window): Memory32Fixed (ReadWrite, base, length) and a level-triggered,
 * active-high, exclusive consumer Interrupt (gsiv).
 */
export function mmioInterruptCrs(base: number, length: number, gsiv: number): AmlTerm {
  return aml.crs(resourceTemplate([memory32Fixed(base, length), extendedInterrupt([gsiv])]));
}
