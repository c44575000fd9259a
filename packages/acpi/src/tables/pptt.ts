import { fail } from "../errors.js";
import { type AcpiOem, type AcpiTable, beginTable, endTable } from "./header.js";

/** A cache (PPTT type 1, revision-2 layout of 24 bytes). Shared caches are the same object. */
export interface PpttCache {
  type: "data" | "instruction" | "unified";
  size: number;
  sets: number;
  associativity: number;
  lineSize: number;
  writeThrough?: boolean;
  /** The next level of cache (e.g. L1D -> L2). */
  next?: PpttCache;
}

/** A processor hierarchy node (PPTT type 0). Leaves are CPUs and carry an ACPI processor UID. */
export interface PpttProcessor {
  physicalPackage?: boolean;
  /** ACPI processor UID; makes the "ACPI Processor ID valid" flag set. */
  acpiProcessorId?: number;
  thread?: boolean;
  identical?: boolean;
  /** Private caches (the first level; deeper levels via `next`). */
  caches?: readonly PpttCache[];
  children?: readonly PpttProcessor[];
}

/** PPTT revision 2: processor hierarchy and cache nodes; caches precede their first user. */
export function buildPptt(roots: readonly PpttProcessor[], oem?: Partial<AcpiOem>): AcpiTable {
  type Item =
    | { kind: "cache"; c: PpttCache }
    | { kind: "proc"; p: PpttProcessor; parent: PpttProcessor | undefined };
  const items: Item[] = [];
  const seenCache = new Set<PpttCache>();
  const addCache = (c: PpttCache, depth: number): void => {
    if (depth > 16) fail("E_VALUE", "PPTT cache `next` chain loops");
    if (c.next) addCache(c.next, depth + 1);
    if (!seenCache.has(c)) {
      seenCache.add(c);
      items.push({ kind: "cache", c });
    }
  };
  const walk = (p: PpttProcessor, parent: PpttProcessor | undefined): void => {
    for (const c of p.caches ?? []) addCache(c, 0);
    items.push({ kind: "proc", p, parent });
    for (const ch of p.children ?? []) walk(ch, p);
  };
  for (const r of roots) walk(r, undefined);
  const off = new Map<object, number>();
  let at = 36;
  for (const it of items) {
    if (it.kind === "cache") {
      off.set(it.c, at);
      at += 24;
    } else {
      off.set(it.p, at);
      at += 20 + 4 * (it.p.caches?.length ?? 0);
    }
  }
  const w = beginTable("PPTT", 2, oem);
  for (const it of items) {
    if (it.kind === "cache") {
      const c = it.c;
      w.u8(1).u8(24).u16(0).u32(0x7f); // all of size, sets, assoc, alloc, type, write policy, line size valid
      w.u32(c.next ? off.get(c.next)! : 0)
        .u32(c.size)
        .u32(c.sets)
        .u8(c.associativity);
      const type = { data: 0, instruction: 1, unified: 2 }[c.type];
      w.u8(3 | (type << 2) | (c.writeThrough ? 0x10 : 0)).u16(c.lineSize);
    } else {
      const p = it.p;
      const caches = p.caches ?? [];
      const leaf = (p.children?.length ?? 0) === 0;
      const flags =
        (p.physicalPackage ? 1 : 0) |
        (p.acpiProcessorId !== undefined ? 2 : 0) |
        (p.thread ? 4 : 0) |
        (leaf ? 8 : 0) |
        (p.identical ? 16 : 0);
      w.u8(0)
        .u8(20 + 4 * caches.length)
        .u16(0)
        .u32(flags);
      w.u32(it.parent ? off.get(it.parent)! : 0)
        .u32(p.acpiProcessorId ?? 0)
        .u32(caches.length);
      for (const c of caches) w.u32(off.get(c)!);
    }
  }
  return endTable(w);
}
