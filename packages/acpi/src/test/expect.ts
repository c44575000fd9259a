// Expected (field name, value) sequences in iasl's decoding, derived from builder inputs.
import type { GtdtOptions, IortNode, MadtOptions, SratOptions } from "../index.js";

export type Expect = ReadonlyArray<readonly [string, bigint | number | string]>;

export function madtExpect(o: MadtOptions): Expect {
  const e: [string, bigint | number | string][] = [];
  for (const c of o.giccs) {
    e.push(
      ["Subtable Type", "0B [Generic Interrupt Controller]"],
      ["Length", 0x50],
      ["CPU Interface Number", c.cpuInterfaceNumber],
      ["Processor UID", c.acpiProcessorUid],
      ["Flags (decoded below)", 1 | (c.pmuEdge ? 2 : 0)],
      ["Performance Interrupt", c.pmuGsiv ?? 0],
      ["Base Address", c.gicc ?? 0],
      ["Virtual GIC Base Address", c.gicv ?? 0],
      ["Hypervisor GIC Base Address", c.gich ?? 0],
      ["Virtual GIC Interrupt", c.vgicMaintenanceGsiv ?? 0],
      ["ARM MPIDR", BigInt(c.mpidr)],
    );
  }
  e.push(
    ["Subtable Type", "0C [Generic Interrupt Distributor]"],
    ["Base Address", BigInt(o.gicd.base)],
    ["Version", o.gicd.version],
  );
  for (const f of o.msiFrames ?? []) {
    e.push(
      ["Subtable Type", "0D [Generic MSI Frame]"],
      ["MSI Frame ID", f.id],
      ["Base Address", BigInt(f.base)],
    );
    e.push(
      ["Flags (decoded below)", f.spiBase !== undefined ? 1 : 0],
      ["SPI Count", f.spiCount ?? 0],
      ["SPI Base", f.spiBase ?? 0],
    );
  }
  for (const r of o.gicrs ?? [])
    e.push(
      ["Subtable Type", "0E [Generic Interrupt Redistributor]"],
      ["Base Address", BigInt(r.base)],
      ["Length", r.length],
    );
  for (const i of o.its ?? [])
    e.push(
      ["Subtable Type", "0F [Generic Interrupt Translator]"],
      ["Translation ID", i.id],
      ["Base Address", BigInt(i.base)],
    );
  return e;
}

export function gtdtExpect(o: GtdtOptions): Expect {
  const f = (t: { edge?: boolean; activeLow?: boolean; alwaysOn?: boolean }) =>
    (t.edge ? 1 : 0) | (t.activeLow ? 2 : 0) | (t.alwaysOn ? 4 : 0);
  const e: [string, bigint | number | string][] = [
    ["Counter Block Address", BigInt(o.cntControlBase ?? 0xffff_ffff_ffff_ffffn)],
    ["Secure EL1 Interrupt", o.secureEl1.gsiv],
    ["EL1 Flags (decoded below)", f(o.secureEl1)],
    ["Non-Secure EL1 Interrupt", o.nonSecureEl1.gsiv],
    ["NEL1 Flags (decoded below)", f(o.nonSecureEl1)],
    ["Virtual Timer Interrupt", o.virtualEl1.gsiv],
    ["VT Flags (decoded below)", f(o.virtualEl1)],
    ["Non-Secure EL2 Interrupt", o.nonSecureEl2.gsiv],
    ["NEL2 Flags (decoded below)", f(o.nonSecureEl2)],
    ["Platform Timer Count", o.watchdogs?.length ?? 0],
  ];
  for (const w of o.watchdogs ?? []) {
    e.push(
      ["Subtable Type", "01 [Generic Watchdog Timer]"],
      ["Refresh Frame Address", BigInt(w.refreshFrame)],
    );
    e.push(["Control Frame Address", BigInt(w.controlFrame)], ["Timer Interrupt", w.gsiv]);
  }
  return e;
}

export function iortExpect(nodes: readonly IortNode[]): Expect {
  const e: [string, bigint | number | string][] = [["Node Count", nodes.length]];
  for (const n of nodes) {
    e.push(["Type", { its: 0, nc: 1, rc: 2, smmuv3: 4 }[n.type]]);
    if (n.type === "its") {
      e.push(["ItsCount", n.itsIds.length]);
      for (const i of n.itsIds) e.push(["Identifiers", i]);
      continue;
    }
    const maps = n.mappings ?? [];
    e.push(["Mapping Count", maps.length]);
    if (n.type === "smmuv3") {
      e.push(["Base Address", BigInt(n.base)], ["Flags (decoded below)", n.coherent === false ? 0 : 1]);
      e.push(
        ["Event GSIV", n.eventGsiv],
        ["PRI GSIV", n.priGsiv],
        ["GERR GSIV", n.gerrorGsiv],
        ["Sync GSIV", n.syncGsiv],
      );
      e.push(["Device ID Mapping Index", n.deviceIdMappingIndex ?? 0]);
    } else if (n.type === "rc") {
      e.push(
        ["ATS Attribute", n.ats ? 1 : 0],
        ["PCI Segment Number", n.segment],
        ["Memory Size Limit", n.addressBits ?? 48],
      );
    } else {
      e.push(["Memory Size Limit", n.addressBits ?? 48], ["Device Name", n.objectName]);
    }
    for (const m of maps) {
      e.push(["Input base", m.inputBase], ["ID Count", m.count - 1], ["Output Base", m.outputBase]);
      e.push(["Flags (decoded below)", m.single ? 1 : 0]);
    }
  }
  return e;
}

export function sratExpect(o: SratOptions): Expect {
  const e: [string, bigint | number | string][] = [];
  for (const m of o.memory ?? []) {
    e.push(
      ["Subtable Type", "01 [Memory Affinity]"],
      ["Proximity Domain", m.domain],
      ["Base Address", BigInt(m.base)],
    );
    e.push(["Address Length", BigInt(m.length)], ["Flags (decoded below)", 1 | (m.hotplug ? 2 : 0)]);
  }
  for (const g of o.giccs ?? []) {
    e.push(
      ["Subtable Type", "03 [GICC Affinity]"],
      ["Proximity Domain", g.domain],
      ["Acpi Processor UID", g.acpiProcessorUid],
    );
    e.push(["Clock Domain", g.clockDomain ?? 0]);
  }
  for (const i of o.its ?? [])
    e.push(["Subtable Type", "04 [GIC ITS Affinity]"], ["Proximity Domain", i.domain], ["ITS ID", i.itsId]);
  return e;
}
