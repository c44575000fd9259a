import { existsSync, readFileSync } from "node:fs";
import { buildIort } from "@armature/acpi";
import { FdtNode } from "@armature/fdt";
import { describe, expect, it } from "vitest";
import { rootComplexIortNode, smmuV3IortNode } from "./acpi.js";
import { describeSmmuV3Dt, setPciIommuMap } from "./describe.js";

const REF = "/work/shared/reference";

describe("SMMUv3 description", () => {
  it("DT node has the binding's properties, as QEMU's virt,iommu=smmuv3 tree does", () => {
    const root = new FdtNode("").setU32("#address-cells", 2).setU32("#size-cells", 2);
    const n = describeSmmuV3Dt(root, {
      base: 0x0905_0000,
      interrupts: { eventq: [0, 74, 1], gerror: [0, 77, 1], cmdqSync: [0, 76, 1] },
      phandle: 0x8005,
    });
    expect(n.name).toBe("smmuv3@9050000");
    expect(n.getStrings("compatible")).toEqual(["arm,smmu-v3"]);
    expect(n.getCells("reg")).toEqual([0, 0x0905_0000, 0, 0x20000]);
    expect(n.getCells("#iommu-cells")).toEqual([1]);
    expect(n.hasProperty("dma-coherent")).toBe(true);
    expect(n.getStrings("interrupt-names")).toEqual(["eventq", "gerror", "cmdq-sync"]);
    // Edge-triggered SPIs (flags 1), as in QEMU's tree: interrupts = <0 0x4a 1 ...>.
    expect(n.getCells("interrupts")).toEqual([0, 74, 1, 0, 77, 1, 0, 76, 1]);
    const pcie = root.addChild("pcie@10000000");
    setPciIommuMap(pcie, 0x8005);
    expect(pcie.getCells("iommu-map")).toEqual([0, 0x8005, 0, 0x10000]);
    if (!existsSync(`${REF}/qemu-virt-gicv3-smmuv3-smp2.dts`)) return; // reference outputs absent
    const dts = readFileSync(`${REF}/qemu-virt-gicv3-smmuv3-smp2.dts`, "utf8");
    expect(dts).toContain("#iommu-cells = <0x01>");
    expect(dts).toContain("iommu-map = <0x00 0x8005 0x00 0x10000>");
  });

  it.skipIf(!existsSync(`${REF}/qemu-acpi/IORT.dsl`))(
    "IORT SMMUv3 and root complex nodes match QEMU's IORT field by field",
    () => {
      const dsl = readFileSync(`${REF}/qemu-acpi/IORT.dsl`, "utf8");
      // QEMU's node order and sizes: ITS group, SMMUv3 (one mapping to the ITS), root complex.
      const smmu = smmuV3IortNode({
        base: 0x0905_0000,
        eventGsiv: 0x6a,
        gerrorGsiv: 0x6d,
        syncGsiv: 0x6c,
        priGsiv: 0x6b,
        itsGroup: "its",
      });
      const rc = rootComplexIortNode("smmuv3", { addressBits: 64, ridCount: 0x100 });
      const t = buildIort([
        { type: "its", name: "its", itsIds: [0] },
        smmu,
        {
          ...rc,
          mappings: [...rc.mappings, { inputBase: 0x100, count: 0xff00, outputBase: 0x100, output: "its" }],
        },
      ]);
      const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
      const fields = new Map<string, [number, number, bigint]>();
      for (const m of dsl.matchAll(/^\[([0-9A-F]{3})h \d+ +(\d)\] +([^:]+?) : ([0-9A-F]+)$/gm)) {
        fields.set(`${m[1]}:${m[3]}`, [Number.parseInt(m[1]!, 16), Number(m[2]), BigInt(`0x${m[4]}`)]);
      }
      const check = [
        "058:Base Address",
        "060:Flags (decoded below)",
        "070:Model",
        "074:Event GSIV",
        "078:PRI GSIV",
        "090:ID Count",
        "07C:GERR GSIV",
        "080:Sync GSIV",
        "088:Device ID Mapping Index",
        "094:Output Base",
        "098:Output Reference",
        "0B0:Cache Coherency",
        "0B7:Memory Flags (decoded below)",
        "0B8:ATS Attribute",
        "0BC:PCI Segment Number",
        "0C0:Memory Size Limit",
        "0C4:Input base",
        // 0C8 ID Count left out: QEMU stores 0x100 for RIDs 0..0xff (the field is "count - 1").
        "0D0:Output Reference",
        "0D8:Input base",
        "0E4:Output Reference",
      ];
      for (const k of check) {
        const f = fields.get(k);
        expect(f, k).toBeDefined();
        const [off, len, want] = f!;
        const got =
          len === 8
            ? view.getBigUint64(off, true)
            : BigInt(len === 4 ? view.getUint32(off, true) : view.getUint8(off));
        expect(got, k).toBe(want);
      }
    },
  );
});
