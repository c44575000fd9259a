/**
 * Firmware descriptions checked by independent tools: the DT goes through dtc, the MADT
 * through iasl, and both are compared with what QEMU generates for the same placement
 * (/work/shared/reference: virt with GICv3 + ITS, 2 CPUs).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// The acpi package is a lower layer but not linked into this one yet: reach its source directly.
import { buildMadt } from "@armature/acpi";
import { FdtNode, serializeDtb } from "@armature/fdt";
import { afterAll, describe, expect, it } from "vitest";
import { encodeMadtStructure, Gicv3, gicAcpiMadtInput, gicDtInterrupt } from "./index.js";

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

const REFERENCE = "/work/shared/reference";

function need(tool: string): void {
  try {
    execFileSync("which", [tool], { stdio: "pipe" });
  } catch {
    throw new Error(`${tool} is missing: run \`bash scripts/install-system-tools.sh\``);
  }
}

function qemuLikeGic() {
  const gic = new Gicv3({ mpidrs: [0, 1] });
  gic.createIts({ base: 0x8080000 });
  const placement = {
    distributorBase: 0x8000000,
    redistributorBases: [0x80a0000],
    redistributorSizes: [0xf60000],
  };
  return { gic, placement };
}

/** Property lines of one node in dtc's DTS output (children excluded), without phandle. */
function nodeProps(dts: string, header: RegExp): string[] {
  const lines = dts.split("\n");
  const start = lines.findIndex((l) => header.test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  let depth = 0;
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l.endsWith("{")) depth++;
    else if (l === "};") {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && l !== "" && !l.startsWith("phandle")) out.push(l);
  }
  return out.sort();
}

describe("device tree (dtc)", () => {
  it("matches QEMU's intc and its nodes for the same placement", () => {
    need("dtc");
    const { gic, placement } = qemuLikeGic();
    const root = new FdtNode("");
    root.setU32("#address-cells", 2).setU32("#size-cells", 2).setString("compatible", "linux,dummy-virt");
    const nodes = gic.describe(root, placement, { gic: 0x8003, its: [0x8004] });
    expect(nodes.its).toHaveLength(1);
    const dir = tempDir("armature-gic-dt-");
    writeFileSync(join(dir, "gic.dtb"), serializeDtb(root));
    const ours = execFileSync("dtc", ["-I", "dtb", "-O", "dts", join(dir, "gic.dtb")], { encoding: "utf8" });
    const ref = readFileSync(join(REFERENCE, "qemu-virt-gicv3-smmuv3-smp2.dts"), "utf8");
    const refIntc = nodeProps(ref, /^\s*intc@8000000 \{/).filter(
      (l) => !l.startsWith("#redistributor-regions"),
    );
    expect(refIntc.length).toBe(7);
    expect(nodeProps(ours, /^\s*intc@8000000 \{/)).toEqual(refIntc);
    expect(nodeProps(ours, /^\s*its@8080000 \{/)).toEqual(nodeProps(ref, /^\s*its@8080000 \{/));
  });

  it("describes several redistributor regions and a GICv2m frame", () => {
    need("dtc");
    const gic = new Gicv3({ mpidrs: [0, 1, 2], redistributorRegions: [2, 1], lpis: false });
    gic.createV2m({ base: 0x1fff0000, spiBase: 96, spiCount: 32 });
    const root = new FdtNode("");
    root.setU32("#address-cells", 2).setU32("#size-cells", 2);
    gic.describe(root, { distributorBase: 0x10000000, redistributorBases: [0x10100000, 0x10200000] });
    const dir = tempDir("armature-gic-dt-");
    writeFileSync(join(dir, "gic.dtb"), serializeDtb(root));
    const dts = execFileSync("dtc", ["-I", "dtb", "-O", "dts", join(dir, "gic.dtb")], { encoding: "utf8" });
    const intc = nodeProps(dts, /^\s*intc@10000000 \{/);
    expect(intc).toContain("#redistributor-regions = <0x02>;");
    expect(intc).toContain(
      "reg = <0x00 0x10000000 0x00 0x10000 0x00 0x10100000 0x00 0x40000 0x00 0x10200000 0x00 0x20000>;",
    );
    expect(nodeProps(dts, /^\s*v2m@1fff0000 \{/)).toEqual(
      ['compatible = "arm,gic-v2m-frame";', "msi-controller;", "reg = <0x00 0x1fff0000 0x00 0x1000>;"].sort(),
    );
  });
});

function madtTable(structs: Uint8Array[]): Uint8Array {
  const len = 44 + structs.reduce((n, s) => n + s.length, 0);
  const t = new Uint8Array(len);
  const v = new DataView(t.buffer);
  t.set(new TextEncoder().encode("APIC"), 0);
  v.setUint32(4, len, true);
  t[8] = 4;
  t.set(new TextEncoder().encode("BOCHS BXPC    "), 10);
  v.setUint32(24, 1, true);
  t.set(new TextEncoder().encode("BXPC"), 28);
  v.setUint32(32, 1, true);
  let o = 44;
  for (const s of structs) {
    t.set(s, o);
    o += s.length;
  }
  let sum = 0;
  for (const b of t) sum = (sum + b) & 0xff;
  t[9] = (0x100 - sum) & 0xff;
  return t;
}

/** The subtable field lines of an iasl disassembly, from the first subtable to the raw dump. */
function subtableLines(dsl: string): string[] {
  const lines = dsl.split("\n");
  const from = lines.findIndex((l) => l.includes("Subtable Type"));
  const to = lines.findIndex((l) => l.startsWith("Raw Table Data"));
  return lines
    .slice(from, to)
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

describe("interrupt specifiers", () => {
  it("timer and PMU PPIs as QEMU writes them for a GICv3", () => {
    const ref = readFileSync(join(REFERENCE, "qemu-virt-gicv3-smmuv3-smp2.dts"), "utf8");
    const hexCells = (cells: number[]) => cells.map((c) => `0x${c.toString(16).padStart(2, "0")}`).join(" ");
    const timer = [29, 30, 27, 26].flatMap((i) => gicDtInterrupt(i, "level"));
    expect(ref).toContain(`interrupts = <${hexCells(timer)}>;`);
    expect(ref).toContain(`interrupts = <${hexCells(gicDtInterrupt(23, "level"))}>;`);
    expect(gicDtInterrupt(48, "edge")).toEqual([0, 16, 1]);
    expect(() => gicDtInterrupt(3, "edge")).toThrow(/neither/);
  });
});

describe("ACPI MADT (iasl)", () => {
  it("GICD, GICC per CPU, GICR and ITS structures match QEMU's MADT for the same machine", () => {
    need("iasl");
    const { gic, placement } = qemuLikeGic();
    const structs = gic.madt(placement, { performanceInterruptGsiv: 23 }).map(encodeMadtStructure);
    const dir = tempDir("armature-gic-madt-");
    const dat = join(dir, "apic.dat");
    writeFileSync(dat, madtTable(structs));
    execFileSync("iasl", ["-d", dat], { cwd: dir, stdio: "pipe" });
    const dslPath = join(dir, "apic.dsl");
    expect(existsSync(dslPath)).toBe(true);
    const ours = subtableLines(readFileSync(dslPath, "utf8"));
    const ref = subtableLines(readFileSync(join(REFERENCE, "qemu-acpi", "APIC.dsl"), "utf8"));
    expect(ref.length).toBeGreaterThan(60);
    expect(ours).toEqual(ref);
  });

  it("an MSI frame structure decodes with its SPI base and count", () => {
    need("iasl");
    const gic = new Gicv3({ mpidrs: [0], lpis: false });
    gic.createV2m({ base: 0x1fff0000, spiBase: 96, spiCount: 32 });
    const structs = gic
      .madt({ distributorBase: 0x10000000, redistributorBases: [0x10100000] })
      .map(encodeMadtStructure);
    const dir = tempDir("armature-gic-madt-");
    writeFileSync(join(dir, "apic.dat"), madtTable(structs));
    execFileSync("iasl", ["-d", join(dir, "apic.dat")], { cwd: dir, stdio: "pipe" });
    const text = subtableLines(readFileSync(join(dir, "apic.dsl"), "utf8")).join("\n");
    expect(text).toMatch(/Subtable Type : 0D \[Generic MSI Frame\]/);
    expect(text).toMatch(/Base Address : 000000001FFF0000/);
    expect(text).toMatch(/SPI Count : 0020/);
    expect(text).toMatch(/SPI Base : 0060/);
  });
});

describe("@armature/acpi buildMadt input", () => {
  it("gives buildMadt() the same structures our encoder (checked by iasl above) produces", () => {
    const { gic, placement } = qemuLikeGic();
    gic.createV2m({ base: 0x8020000, spiBase: 80, spiCount: 64 });
    const ours = gic.madt(placement, { performanceInterruptGsiv: 23 }).map(encodeMadtStructure);
    const table = buildMadt(gicAcpiMadtInput(gic, placement, { performanceInterruptGsiv: 23 })).bytes;
    const theirs: Uint8Array[] = [];
    for (let o = 44; o < table.length; o += table[o + 1]!) theirs.push(table.subarray(o, o + table[o + 1]!));
    const hex = (list: Uint8Array[]) => list.map((b) => Buffer.from(b).toString("hex")).sort();
    expect(theirs).toHaveLength(ours.length);
    expect(hex(theirs)).toEqual(hex(ours));
  });
});
