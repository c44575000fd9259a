import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AmlTerm,
  aml,
  buildDefinitionBlock,
  composeFragments,
  decodePkgLength,
  dwordIo,
  dwordMemory,
  encodeAml,
  encodePkgLength,
  extendedInterrupt,
  memory32Fixed,
  qwordMemory,
  resourceTemplate,
  sampleTableSet,
  wordBusNumber,
} from "./index.js";
import { IASL_PROBLEM, iaslCompile, iaslDisassemble } from "./test/tools.js";

const RUNS = Number(process.env.FC_NUM_RUNS ?? 15);
const HEADER = 'DefinitionBlock ("", "DSDT", 2, "ARMTRE", "ARMATURE", 0x00000001)';

function hexBytes(a: Uint8Array, from: number): string {
  return Array.from(a.subarray(from, from + 24), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Compare iasl's AML body with ours; returns "" or a description of the first difference. */
function diffBody(iasl: Uint8Array | undefined, ours: Uint8Array): string {
  if (!iasl) return "iasl produced no AML";
  const body = iasl.subarray(36);
  const n = Math.min(body.length, ours.length);
  for (let i = 0; i < n; i++) {
    if (body[i] !== ours[i])
      return `first difference at body offset ${i}: iasl ${hexBytes(body, i)} / ours ${hexBytes(ours, i)}`;
  }
  return body.length === ours.length ? "" : `length iasl ${body.length} / ours ${ours.length}`;
}

function compileAndCompare(asl: string, ours: Uint8Array, flags = ""): string {
  const r = iaslCompile(new Map([["t", asl]]), flags);
  if (!/Compilation successful\. 0 Errors/.test(r.log))
    return `iasl failed:\n${r.log}\n${asl.slice(0, 2000)}`;
  return diffBody(r.aml.get("t"), ours);
}

// ---------------------------------------------------------------- data objects as (ASL text, term)
interface Sample {
  asl: string;
  term: AmlTerm;
}

const hex = (v: bigint | number) => `0x${v.toString(16).toUpperCase()}`;
const boundaryInts = [
  0n,
  1n,
  2n,
  0xffn,
  0x100n,
  0xffffn,
  0x10000n,
  0xffff_ffffn,
  0x1_0000_0000n,
  (1n << 64n) - 2n,
  (1n << 64n) - 1n,
];
const intArb: fc.Arbitrary<Sample> = fc
  .oneof(
    fc.constantFrom(...boundaryInts),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.bigInt({ min: 0n, max: 0x1_0000n }),
  )
  .map((v) => ({ asl: hex(v), term: aml.int(v) }));
const strArb: fc.Arbitrary<Sample> = fc
  .string({ unit: fc.constantFrom(..."ABCxyz019 _-.,:;!#$%&'()*+/<=>?@[]^`{|}~"), maxLength: 40 })
  .map((s) => ({ asl: `"${s}"`, term: aml.str(s) }));
const bufArb: fc.Arbitrary<Sample> = fc
  .oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 4080, max: 4100 }))
  .chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))
  .map((b) => ({ asl: `Buffer () {${Array.from(b, (x) => hex(x)).join(",")}}`, term: aml.buffer(b) }));
const { pkg: pkgArb } = fc.letrec<{ pkg: Sample; el: Sample }>((tie) => ({
  el: fc.oneof({ depthSize: "small" }, intArb, strArb, tie("pkg")),
  pkg: fc
    .oneof(fc.array(tie("el"), { maxLength: 8 }), fc.array(intArb, { minLength: 250, maxLength: 300 }))
    .map((els) => ({
      asl: `Package () {${els.map((e) => e.asl).join(", ")}}`,
      term: aml.pkg(els.map((e) => e.term)),
    })),
}));
const dataArb = fc.oneof(intArb, strArb, bufArb, pkgArb);

describe("AML encoders", () => {
  it("PkgLength: decodes back and uses the fewest bytes, at every boundary", () => {
    const lens: number[] = [];
    for (const edge of [0x3f, 1 << 12, 1 << 20, 1 << 28])
      for (let d = -8; d <= 2; d++) if (edge + d >= 0) lens.push(edge + d);
    const check = (body: number) => {
      if (body + 4 >= 1 << 28) {
        expect(() => encodePkgLength(body)).toThrow(/PkgLength/);
        return;
      }
      const enc = encodePkgLength(body);
      const dec = decodePkgLength(enc, 0);
      expect(dec.size).toBe(enc.length);
      expect(dec.value).toBe(body + enc.length);
      // naive model (ACPI §20.2.4): n bytes hold 6 bits (n=1) or 4+8(n-1) bits
      const fits = (n: number) => body + n < (n === 1 ? 64 : 2 ** (4 + 8 * (n - 1)));
      const minimal = [1, 2, 3, 4].find(fits);
      expect(enc.length).toBe(minimal);
      if (enc.length > 1) expect(enc[0]! & 0x30).toBe(0); // bits 4-5 of a multi-byte lead are reserved zero
    };
    lens.forEach(check);
    fc.assert(fc.property(fc.integer({ min: 0, max: (1 << 28) - 5 }), check), { numRuns: 1000 });
  });

  it("data objects (integers, strings, buffers, packages) encode exactly as iasl compiles them", () => {
    fc.assert(
      fc.property(fc.array(dataArb, { minLength: 1, maxLength: 30 }), (items) => {
        const asl = `${HEADER}\n{\n${items.map((it, i) => `    Name (N${i.toString().padStart(3, "0")}, ${it.asl})`).join("\n")}\n}\n`;
        const ours = encodeAml(items.map((it, i) => aml.name(`N${i.toString().padStart(3, "0")}`, it.term)));
        expect(compileAndCompare(asl, ours)).toBe("");
      }),
      { numRuns: RUNS },
    );
  });

  it("name strings (root, parent prefixes, single/dual/multi segments) encode as iasl -on compiles them", () => {
    const seg = fc.stringMatching(/^[A-Z][A-Z0-9]{0,3}$/);
    const path = fc.record({
      kind: fc.constantFrom("root", "parent", "plain"),
      carets: fc.integer({ min: 1, max: 2 }),
      segs: fc.array(seg, { minLength: 1, maxLength: 5 }),
    });
    fc.assert(
      fc.property(fc.array(path, { minLength: 1, maxLength: 20 }), (paths) => {
        const scope = ["DEVA", "DEVB"];
        const refs: string[] = [];
        const externals = new Set<string>();
        for (const p of paths) {
          let ref: string;
          let abs: string[];
          if (p.kind === "root") {
            ref = `\\${p.segs.join(".")}`;
            abs = p.segs;
          } else if (p.kind === "parent") {
            ref = `${"^".repeat(p.carets)}${p.segs.join(".")}`;
            abs = [...scope.slice(0, scope.length - p.carets), ...p.segs];
          } else {
            ref = p.segs.join(".");
            abs = [...scope, ...p.segs];
          }
          if (abs[0] === "DEVA") continue; // would collide with the device tree itself
          refs.push(ref);
          externals.add(`\\${abs.join(".")}`);
        }
        if (refs.length === 0) return;
        const ext = [...externals];
        const asl = `${HEADER}\n{\n${ext.map((e) => `    External (${e}, IntObj)`).join("\n")}
    Device (DEVA) { Name (_ADR, Zero)
      Device (DEVB) { Name (_ADR, Zero)
        Name (REFS, Package () { ${refs.join(", ")} })
      }
    }
}\n`;
        // iasl wraps External opcodes in an If (Zero) block, so compare the device tree that follows.
        const ours = encodeAml([
          aml.device("DEVA", [
            aml.name("_ADR", 0),
            aml.device("DEVB", [
              aml.name("_ADR", 0),
              aml.name(
                "REFS",
                refs.map((r) => aml.ref(r)),
              ),
            ]),
          ]),
        ]);
        const r = iaslCompile(new Map([["t", asl]]), "-on");
        expect(r.log).toMatch(/Compilation successful\. 0 Errors/);
        const got = r.aml.get("t")!;
        expect(diffBody(got.subarray(got.length - ours.length - 36), ours)).toBe("");
      }),
      { numRuns: RUNS },
    );
  });

  it("2/3- and 3/4-byte PkgLength boundaries match iasl (packages of long strings, up to 1 MiB)", () => {
    // A Package body is NumElements (1 byte) + the elements; a string costs its length + 2.
    const sources = new Map<string, string>();
    const ours = new Map<string, Uint8Array>();
    for (const edge of [0xfff - 2, 0xfffff - 3]) {
      for (let d = -1; d <= 1; d++) {
        const rem = edge + d - 1;
        const k = Math.ceil(rem / 8002);
        const strs: string[] = [];
        for (let i = 0; i < k; i++) {
          const cost = Math.floor(rem / k) + (i < rem % k ? 1 : 0);
          strs.push(String.fromCharCode(0x41 + (i % 26)).repeat(cost - 2));
        }
        const name = `p${edge.toString(16)}_${d + 1}`;
        sources.set(
          name,
          `${HEADER}\n{\n    Name (BIG0, Package () {\n${strs.map((x) => `"${x}"`).join(",\n")}})\n}\n`,
        );
        ours.set(name, encodeAml([aml.name("BIG0", strs)]));
      }
    }
    const r = iaslCompile(sources);
    expect(r.log).not.toMatch(/[1-9]\d* Errors/);
    for (const [name, bytes] of ours) expect(diffBody(r.aml.get(name), bytes), name).toBe("");
  });

  it("rejects bad names and values with a typed error", () => {
    expect(() => aml.name("1ABC", 0)).toThrow(/NameSeg/);
    expect(() => aml.name("ABCDE", 0)).toThrow(/NameSeg/);
    expect(() => aml.int(-1)).toThrow(/64 bits/);
    expect(() => aml.str("caf\u00e9")).toThrow(/ASCII/);
    expect(() =>
      composeFragments([
        { scope: "\\_SB", terms: [aml.device("COM0", [])] },
        { scope: "\\_SB", terms: [aml.device("COM0", [])] },
      ]),
    ).toThrow(/twice/);
  });
});

// ---------------------------------------------------------------- round trip through iasl
export function kitchenSink(): Uint8Array {
  const frags = [
    {
      scope: "\\_SB",
      terms: [
        aml.device("DEV0", [
          aml.hidEisa("PNP0C02"),
          aml.cid("PNP0A03"),
          aml.uid("DEV-ZERO"),
          aml.cca(false),
          aml.crs(
            resourceTemplate([
              memory32Fixed(0x1000_0000, 0x1000, false),
              dwordMemory(0x2000_0000, 0x1000_0000, { cacheability: "Cacheable", producer: false }),
              qwordMemory(0x80_0000_0000n, 0x10_0000_0000n, {
                cacheability: "Prefetchable",
                translation: 0x1000n,
              }),
              wordBusNumber(0x10, 0x20, { minFixed: false, maxFixed: false }),
              dwordIo(0, 0x10000, { translation: 0x3eff_0000 }),
              extendedInterrupt([40, 41, 42], {
                edge: true,
                activeLow: true,
                shared: true,
                wakeCapable: true,
              }),
            ]),
          ),
          aml.dsd({
            "clock-frequency": 24_000_000,
            compatible: "arm,pl011",
            "reg-list": [1, 2, 0xffff_ffff_ffffn],
          }),
          aml.name("BUF0", aml.buffer([1, 2, 3, 4, 5])),
          aml.name(
            "VPKG",
            Array.from({ length: 300 }, (_, i) => i),
          ),
          aml.method("_DSM", { args: 4, serialized: true }, [
            aml.ifElse(aml.lEqual(aml.arg(2), 0), [aml.ret(aml.buffer([1]))], [aml.ret(aml.buffer([0]))]),
          ]),
          aml.method("TEST", { args: 1 }, [
            // Store (Add (a, b), X) would come back from iasl as Add (a, b, X): use the target form
            aml.add(aml.arg(0), 5, aml.local(0)),
            aml.and(aml.local(0), 0xff, aml.local(1)),
            aml.or(aml.local(1), 0x100, aml.local(2)),
            aml.store(aml.local(2), aml.ref("\\_SB.DEV0.BUF0")),
            aml.ifElse(aml.lNot(aml.lEqual(aml.local(2), 0)), [aml.notify("\\_SB.DEV0", 0x80)]),
            aml.ret(aml.local(2)),
          ]),
          aml.method("_STA", {}, [aml.ret(0x0f)]),
        ]),
        aml.device("PCI1", [
          aml.hid("PNP0A08"),
          aml.prt([
            { device: 0, pin: 0, link: "LNKA" },
            { device: 1, pin: 3, gsi: 0x30 },
          ]),
          aml.device("LNKA", [
            aml.hidEisa("PNP0C0F"),
            aml.uid(0),
            aml.sta(0x0b),
            aml.crs(resourceTemplate([extendedInterrupt([0x23])])),
          ]),
        ]),
      ],
    },
    { scope: "\\", terms: [aml.name("ROOT", 0x1234_5678_9abc_def0n)] },
  ];
  return buildDefinitionBlock("DSDT", encodeAml(composeFragments(frags))).bytes;
}

describe("AML round trip: ours -> iasl -d -> iasl -> same bytes", () => {
  const set = sampleTableSet();
  const ssdt = set.tables.find((t) => t.signature === "SSDT")!;
  const inputs = new Map([
    ["dsdt", set.dsdt.bytes],
    ["ssdt", ssdt.bytes],
    ["sink", kitchenSink()],
  ]);
  const dis = iaslDisassemble(inputs);

  it("disassembles without problems", () => {
    expect(dis.status, dis.log).toBe(0);
    for (const [name] of inputs) expect(dis.dsl.get(name) ?? "missing", name).not.toMatch(IASL_PROBLEM);
  });

  it("recompiles to identical AML and header", () => {
    // -on: iasl's NamePath optimisation would rewrite e.g. Scope (\\_SB) at the root into Scope (_SB);
    // that is an optimisation choice, not the canonical encoding of what was written.
    const comp = iaslCompile(new Map([...inputs.keys()].map((n) => [n, dis.dsl.get(n)!])), "-on");
    // iasl's semantic checks (reserved-name types, _HID/_ADR presence ...) pass without remarks
    expect(
      comp.log.match(/Compilation successful\. 0 Errors, 0 Warnings, 0 Remarks/g)?.length,
      comp.log,
    ).toBe(inputs.size);
    for (const [name, bytes] of inputs) {
      const back = comp.aml.get(name);
      expect(back, name).toBeDefined();
      expect(diffBody(back, bytes.subarray(36)), name).toBe("");
      // signature, length, revision, OEM fields (bytes 0-9 minus checksum, 10-31); compiler ID differs
      expect(Array.from(back!.subarray(0, 9)), name).toEqual(Array.from(bytes.subarray(0, 9)));
      expect(Array.from(back!.subarray(10, 28)), name).toEqual(Array.from(bytes.subarray(10, 28)));
    }
  });

  it("kitchen sink decompiles to the ASL it was built from", () => {
    const t = dis.dsl.get("sink")!;
    for (const s of [
      'Name (_HID, EisaId ("PNP0C02")',
      'Name (_UID, "DEV-ZERO")',
      "Name (_CCA, Zero)",
      "Name (_STA, 0x0B)",
      "Memory32Fixed (ReadOnly,",
      "DWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,",
      "QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Prefetchable, ReadWrite,",
      "WordBusNumber (ResourceProducer, MinNotFixed, MaxNotFixed, PosDecode,",
      "Interrupt (ResourceConsumer, Edge, ActiveLow, SharedAndWake, ,, )",
      '"clock-frequency"',
      "0x016E3600",
      "Method (_DSM, 4, Serialized)",
      "Method (TEST, 1, NotSerialized)",
      "Notify (\\_SB.DEV0, 0x80)",
      "Name (ROOT, 0x123456789ABCDEF0)",
      "LNKA",
      "Package (0x012C)",
    ]) {
      expect(t, s).toContain(s);
    }
  });
});
