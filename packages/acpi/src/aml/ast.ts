import type { U64 } from "../bytes.js";
import { fail } from "../errors.js";
import {
  eisaIdValue,
  encodeInteger,
  encodeNameString,
  encodePkgLength,
  encodeString,
  nameSeg,
  uuidBytes,
} from "./encoding.js";

/**
 * One AML term (a data object, a named object, a statement or an expression). Terms are plain
 * values: build them with the `aml` constructors and encode them with `encodeAml`.
 */
export interface AmlTerm {
  readonly kind: string;
  /** Append this term's AML bytes to `out`. */
  emit(out: number[]): void;
  /** Declared name (Name, Device, Method, Scope) — used to catch duplicates when composing. */
  readonly declares?: string;
}

/** Values accepted where ASL takes a data object: numbers become Integers, strings Strings. */
export type AmlValue = AmlTerm | number | bigint | string | readonly AmlValue[];

function term(kind: string, emit: (out: number[]) => void, declares?: string): AmlTerm {
  return declares === undefined ? { kind, emit } : { kind, emit, declares };
}

function toTerm(v: AmlValue): AmlTerm {
  if (typeof v === "number" || typeof v === "bigint") return aml.int(v);
  if (typeof v === "string") return aml.str(v);
  if (Array.isArray(v)) return aml.pkg(v as readonly AmlValue[]);
  return v as AmlTerm;
}

function withPkgLength(prefix: number[], body: number[]): number[] {
  return [...prefix, ...encodePkgLength(body.length), ...body];
}

function emitAll(terms: readonly AmlTerm[]): number[] {
  const out: number[] = [];
  for (const t of terms) t.emit(out);
  return out;
}

function pushAll(out: number[], src: readonly number[]): void {
  for (const b of src) out.push(b);
}

/** Encode a list of terms (a TermList) to bytes. */
export function encodeAml(terms: readonly AmlTerm[]): Uint8Array {
  return Uint8Array.from(emitAll(terms));
}

export interface MethodOptions {
  /** Number of arguments, 0-7. */
  args?: number;
  serialized?: boolean;
  syncLevel?: number;
}

/** `_DSD` device-properties UUID (ACPI _DSD Implementation Guide). */
export const DSD_DEVICE_PROPERTIES_UUID = "daffd814-6eba-4d8c-8a91-bc9bbf4aa301";

/** One `_PRT` entry: PCI device `device`, INTx pin 0-3 (A-D), routed to GSIV `gsi` (or a link device). */
export interface PrtEntry {
  device: number;
  pin: 0 | 1 | 2 | 3;
  gsi?: number;
  /** Path of a PCI interrupt link device instead of a fixed GSIV. */
  link?: string;
}

/** The AML term constructors. */
export const aml = {
  /** Integer in its shortest encoding (Zero, One, Ones, Byte, Word, DWord, QWord). */
  int(v: U64): AmlTerm {
    const bytes = encodeInteger(v);
    return term("Integer", (out) => pushAll(out, bytes));
  },
  str(s: string): AmlTerm {
    const bytes = encodeString(s);
    return term("String", (out) => pushAll(out, bytes));
  },
  /** EisaId("PNP0A08"): a 32-bit compressed ID. */
  eisaId(id: string): AmlTerm {
    return aml.int(eisaIdValue(id));
  },
  /** Buffer (n) { bytes } — §20.2.5.4 DefBuffer := 0x11 PkgLength BufferSize ByteList. */
  buffer(bytes: ArrayLike<number>): AmlTerm {
    const data = Array.from(bytes);
    for (const b of data)
      if (!Number.isInteger(b) || b < 0 || b > 255) fail("E_VALUE", `AML buffer byte ${b}`);
    return term("Buffer", (out) =>
      pushAll(out, withPkgLength([0x11], [...encodeInteger(data.length), ...data])),
    );
  },
  /** ToUUID("...") as a 16-byte buffer. */
  uuid(u: string): AmlTerm {
    return aml.buffer(uuidBytes(u));
  },
  /** Package () { ... }; more than 255 elements become a VarPackage (0x13). */
  pkg(elements: readonly AmlValue[]): AmlTerm {
    const body = emitAll(elements.map(toTerm));
    return term("Package", (out) => {
      if (elements.length <= 255) pushAll(out, withPkgLength([0x12], [elements.length, ...body]));
      else pushAll(out, withPkgLength([0x13], [...encodeInteger(elements.length), ...body]));
    });
  },
  /** A reference to a named object (a bare NameString), e.g. in a package or as an operand. */
  ref(path: string): AmlTerm {
    const bytes = encodeNameString(path);
    return term("NameString", (out) => pushAll(out, bytes));
  },
  /** Name (NAME, value) */
  name(name: string, value: AmlValue): AmlTerm {
    const n = encodeNameString(name);
    const v = toTerm(value);
    return term(
      "Name",
      (out) => {
        out.push(0x08);
        pushAll(out, n);
        v.emit(out);
      },
      name,
    );
  },
  /** Scope (path) { terms } */
  scope(path: string, terms: readonly AmlTerm[]): AmlTerm {
    const n = encodeNameString(path);
    return term("Scope", (out) => pushAll(out, withPkgLength([0x10], [...n, ...emitAll(terms)])), path);
  },
  /** Device (NAME) { terms } — ExtOpPrefix 0x5B 0x82. */
  device(name: string, terms: readonly AmlTerm[]): AmlTerm {
    const n = encodeNameString(name);
    return term(
      "Device",
      (out) => pushAll(out, withPkgLength([0x5b, 0x82], [...n, ...emitAll(terms)])),
      name,
    );
  },
  /** Method (NAME, args, Serialized?) { body } */
  method(name: string, opts: MethodOptions, body: readonly AmlTerm[]): AmlTerm {
    const args = opts.args ?? 0;
    const sync = opts.syncLevel ?? 0;
    if (!Number.isInteger(args) || args < 0 || args > 7) fail("E_VALUE", `Method ${name}: args must be 0-7`);
    if (!Number.isInteger(sync) || sync < 0 || sync > 15)
      fail("E_VALUE", `Method ${name}: syncLevel must be 0-15`);
    const flags = args | (opts.serialized ? 0x08 : 0) | (sync << 4);
    const n = encodeNameString(name);
    return term(
      "Method",
      (out) => pushAll(out, withPkgLength([0x14], [...n, flags, ...emitAll(body)])),
      name,
    );
  },
  /** Return (value) */
  ret(value: AmlValue): AmlTerm {
    const v = toTerm(value);
    return term("Return", (out) => {
      out.push(0xa4);
      v.emit(out);
    });
  },
  /** target = source (Store) */
  store(source: AmlValue, target: AmlTerm): AmlTerm {
    const s = toTerm(source);
    return term("Store", (out) => {
      out.push(0x70);
      s.emit(out);
      target.emit(out);
    });
  },
  /** If (predicate) { then } Else { otherwise } */
  ifElse(predicate: AmlTerm, then: readonly AmlTerm[], otherwise?: readonly AmlTerm[]): AmlTerm {
    return term("If", (out) => {
      pushAll(out, withPkgLength([0xa0], [...emitAll([predicate]), ...emitAll(then)]));
      if (otherwise) pushAll(out, withPkgLength([0xa1], emitAll(otherwise)));
    });
  },
  /** (a == b) */
  lEqual(a: AmlValue, b: AmlValue): AmlTerm {
    return binary("LEqual", 0x93, a, b, false);
  },
  /** !a */
  lNot(a: AmlValue): AmlTerm {
    const t = toTerm(a);
    return term("LNot", (out) => {
      out.push(0x92);
      t.emit(out);
    });
  },
  /** And (a, b, target): (a & b), stored into `target` when given */
  and(a: AmlValue, b: AmlValue, target?: AmlTerm): AmlTerm {
    return binary("And", 0x7b, a, b, true, target);
  },
  /** Or (a, b, target): (a | b), stored into `target` when given */
  or(a: AmlValue, b: AmlValue, target?: AmlTerm): AmlTerm {
    return binary("Or", 0x7d, a, b, true, target);
  },
  /** Add (a, b, target): (a + b), stored into `target` when given */
  add(a: AmlValue, b: AmlValue, target?: AmlTerm): AmlTerm {
    return binary("Add", 0x72, a, b, true, target);
  },
  /** Notify (object, value) */
  notify(object: string, value: number): AmlTerm {
    const o = encodeNameString(object);
    const v = encodeInteger(value);
    return term("Notify", (out) => pushAll(out, [0x86, ...o, ...v]));
  },
  /** ArgN, N = 0..6 */
  arg(n: number): AmlTerm {
    if (!Number.isInteger(n) || n < 0 || n > 6) fail("E_VALUE", `Arg${n}: use 0-6`);
    return term("Arg", (out) => out.push(0x68 + n));
  },
  /** LocalN, N = 0..7 */
  local(n: number): AmlTerm {
    if (!Number.isInteger(n) || n < 0 || n > 7) fail("E_VALUE", `Local${n}: use 0-7`);
    return term("Local", (out) => out.push(0x60 + n));
  },
  /** External (path, type, args) — ExternalOp 0x15; type 0 Any, 1 Integer, 8 Method ... */
  external(path: string, objectType = 0, argCount = 0): AmlTerm {
    const n = encodeNameString(path);
    if (!Number.isInteger(objectType) || objectType < 0 || objectType > 16)
      fail("E_VALUE", `External ${path}: bad object type`);
    if (!Number.isInteger(argCount) || argCount < 0 || argCount > 7)
      fail("E_VALUE", `External ${path}: args must be 0-7`);
    return term("External", (out) => pushAll(out, [0x15, ...n, objectType, argCount]));
  },
  /** Escape hatch: pre-encoded AML bytes. */
  raw(bytes: ArrayLike<number>, kind = "Raw"): AmlTerm {
    const b = Array.from(bytes);
    return term(kind, (out) => pushAll(out, b));
  },

  // ---- common device objects ----
  /** Name (_HID, "ARMH0011") — a string ID; use `hidEisa` for the compressed EISA form. */
  hid(id: string): AmlTerm {
    return aml.name("_HID", id);
  },
  hidEisa(id: string): AmlTerm {
    return aml.name("_HID", aml.eisaId(id));
  },
  cid(id: string): AmlTerm {
    return aml.name("_CID", id);
  },
  uid(id: number | string): AmlTerm {
    return aml.name("_UID", id);
  },
  /** Name (_CCA, One|Zero): DMA is cache-coherent. */
  cca(coherent: boolean): AmlTerm {
    return aml.name("_CCA", coherent ? 1 : 0);
  },
  /** Name (_STA, value); 0x0F = present, enabled, shown, functioning. */
  sta(value = 0x0f): AmlTerm {
    return aml.name("_STA", value);
  },
  /** Name (_CRS, ResourceTemplate () { ... }) */
  crs(template: AmlTerm): AmlTerm {
    return aml.name("_CRS", template);
  },
  /** Name (_PRT, Package () { Package () { addr, pin, source, index } ... }) — §6.2.13 */
  prt(entries: readonly PrtEntry[]): AmlTerm {
    return aml.name(
      "_PRT",
      entries.map((e) => {
        if (!Number.isInteger(e.device) || e.device < 0 || e.device > 31)
          fail("E_VALUE", `_PRT device ${e.device}: use 0-31`);
        const addr = e.device * 0x10000 + 0xffff;
        if (e.link !== undefined) return [addr, e.pin, aml.ref(e.link), 0];
        if (e.gsi === undefined) fail("E_VALUE", "_PRT entry needs either gsi or link");
        return [addr, e.pin, 0, e.gsi];
      }),
    );
  },
  /** Name (_DSD, Package () { ToUUID(device properties), Package () { Package () { key, value } ... } }) */
  dsd(properties: Readonly<Record<string, AmlValue>> | ReadonlyArray<readonly [string, AmlValue]>): AmlTerm {
    const list = Array.isArray(properties)
      ? (properties as ReadonlyArray<readonly [string, AmlValue]>)
      : Object.entries(properties as Record<string, AmlValue>);
    return aml.name("_DSD", [aml.uuid(DSD_DEVICE_PROPERTIES_UUID), list.map(([k, v]) => [k, v])]);
  },
};

function binary(
  kind: string,
  op: number,
  a: AmlValue,
  b: AmlValue,
  hasTarget: boolean,
  target?: AmlTerm,
): AmlTerm {
  const ta = toTerm(a);
  const tb = toTerm(b);
  return term(kind, (out) => {
    out.push(op);
    ta.emit(out);
    tb.emit(out);
    if (target) target.emit(out);
    else if (hasTarget) out.push(0x00); // NullName: result not stored
  });
}

/**
 * A piece of namespace a device package contributes: terms to place under `scope`
 * (e.g. `\_SB`). `composeFragments` merges fragments into one TermList for a DSDT/SSDT.
 */
export interface AmlFragment {
  scope: string;
  terms: readonly AmlTerm[];
}

/** Merge fragments by scope (first-seen order); root (`\`) terms are emitted unwrapped. */
export function composeFragments(fragments: readonly AmlFragment[]): AmlTerm[] {
  const byScope = new Map<string, AmlTerm[]>();
  for (const f of fragments) {
    const scope = f.scope === "" ? "\\" : f.scope;
    let list = byScope.get(scope);
    if (!list) {
      list = [];
      byScope.set(scope, list);
    }
    for (const t of f.terms) {
      if (t.declares !== undefined && t.kind !== "Scope") {
        const key = nameKey(t.declares);
        if (list.some((o) => o.declares !== undefined && o.kind !== "Scope" && nameKey(o.declares) === key)) {
          fail(
            "E_DUPLICATE",
            `AML fragments declare "${t.declares}" twice in scope ${scope}; rename one of them`,
          );
        }
      }
      list.push(t);
    }
  }
  const out: AmlTerm[] = [];
  for (const [scope, terms] of byScope) {
    if (scope === "\\") out.push(...terms);
    else out.push(aml.scope(scope, terms));
  }
  return out;
}

function nameKey(path: string): string {
  const m = /^([\\^]*)(.*)$/.exec(path)!;
  return (
    m[1] +
    m[2]!
      .split(".")
      .filter((s) => s !== "")
      .map(nameSeg)
      .join(".")
  );
}
