import {
  type AcpiTableSet,
  aml,
  buildDbg2,
  buildDsdt,
  buildFadt,
  buildGtdt,
  buildIort,
  buildMcfg,
} from "@armature/acpi";
import { FdtNode, setReg } from "@armature/fdt";
import { ARCH_PPI, dtInterrupts, level } from "./interrupts.js";
import {
  type AcpiContext,
  type BoardPart,
  type DtContext,
  type DtPhandles,
  describePartsAcpi,
  describePartsDt,
  partWindows,
} from "./parts.js";

/** The board-wide facts every description starts from. */
export interface BoardIdentity {
  /** Root `compatible`, e.g. "linux,dummy-virt". */
  compatible: string;
  /** Root `model`. */
  model: string;
  ramBase: number;
  ramSize: number;
  /** MPIDR of each vCPU. */
  mpidrs: readonly number[];
  /** APB clock rate the PrimeCells name (default 24 MHz). */
  apbClockHz?: number;
}

/** Fixed phandles of the board's own nodes. */
export const BOARD_PHANDLES: DtPhandles = { clock: 0x8000, gic: 0x8001, msi: 0x8002 };

/**
 * The board's device tree: root (2/2 cells), /chosen (empty: the loader fills it), memory, cpus
 * with PSCI (HVC), the architectural timer and PMU, the APB clock, then every present part's
 * nodes in table order. A pure function: nothing is built.
 */
export function describeBoardDt<B, C>(parts: readonly BoardPart<B, C>[], c: C, id: BoardIdentity): FdtNode {
  partWindows(parts, c);
  const root = new FdtNode("");
  root.setU32("#address-cells", 2).setU32("#size-cells", 2);
  root.setString("compatible", id.compatible).setString("model", id.model);
  root.setU32("interrupt-parent", BOARD_PHANDLES.gic);
  root.addChild("chosen");
  const mem = root.addChild(`memory@${id.ramBase.toString(16)}`).setString("device_type", "memory");
  setReg(mem, root, [{ address: id.ramBase, size: id.ramSize }]);

  const cpus = root.addChild("cpus").setU32("#address-cells", 1).setU32("#size-cells", 0);
  id.mpidrs.forEach((m, i) => {
    const cpu = cpus
      .addChild(`cpu@${i}`)
      .setString("device_type", "cpu")
      .setString("compatible", "arm,armv8");
    // arm/cpus.yaml: reg is MPIDR_EL1's affinity bits (Aff2..Aff0 with one address cell)
    setReg(cpu, cpus, [{ address: m & 0xffffff, size: 0 }]);
    cpu.setString("enable-method", "psci");
  });
  root
    .addChild("psci")
    .setStrings("compatible", ["arm,psci-1.0", "arm,psci-0.2", "arm,psci"])
    .setString("method", "hvc");
  // arm,armv8-timer lists secure phys, non-secure phys, virtual, hypervisor (in that order).
  root
    .addChild("timer")
    .setStrings("compatible", ["arm,armv8-timer", "arm,armv7-timer"])
    .setCells(
      "interrupts",
      dtInterrupts(
        level(ARCH_PPI.timerSecurePhys),
        level(ARCH_PPI.timerPhys),
        level(ARCH_PPI.timerVirt),
        level(ARCH_PPI.timerHyp),
      ),
    )
    .setEmpty("always-on");
  root
    .addChild("pmu")
    .setString("compatible", "arm,armv8-pmuv3")
    .setCells("interrupts", dtInterrupts(level(ARCH_PPI.pmu)));
  root
    .addChild("apb-pclk")
    .setString("compatible", "fixed-clock")
    .setU32("#clock-cells", 0)
    .setU32("clock-frequency", id.apbClockHz ?? 24_000_000)
    .setString("clock-output-names", "clk24mhz")
    .setPhandle(BOARD_PHANDLES.clock);

  let next = 0x8100;
  const d: DtContext = { root, phandles: { ...BOARD_PHANDLES }, allocPhandle: () => next++ };
  describePartsDt(parts, d, c);
  return root;
}

/**
 * The board's ACPI tables: FADT (hardware-reduced, PSCI over HVC), a DSDT with one ACPI0007
 * processor device per vCPU plus the parts' devices, GTDT (the architectural timers), each part's
 * own tables (the GIC's MADT, the UART's SPCR ...), then MCFG, IORT and DBG2 gathered from the
 * parts. A pure function: nothing is built.
 */
export function describeBoardAcpi<B, C>(
  parts: readonly BoardPart<B, C>[],
  c: C,
  id: BoardIdentity,
): AcpiTableSet {
  partWindows(parts, c);
  const a: AcpiContext = {
    dsdt: [
      {
        scope: "\\_SB",
        terms: id.mpidrs.map((_, i) =>
          aml.device(`C${i.toString(16).toUpperCase().padStart(3, "0")}`, [aml.hid("ACPI0007"), aml.uid(i)]),
        ),
      },
    ],
    tables: [],
    mcfg: [],
    iort: [],
    dbg2: [],
    pciMsiOutput: "its",
  };
  describePartsAcpi(parts, a, c);
  const tables = [
    ...a.tables,
    buildGtdt({
      secureEl1: { gsiv: ARCH_PPI.timerSecurePhys },
      nonSecureEl1: { gsiv: ARCH_PPI.timerPhys, alwaysOn: true },
      virtualEl1: { gsiv: ARCH_PPI.timerVirt },
      nonSecureEl2: { gsiv: ARCH_PPI.timerHyp },
    }),
  ];
  if (a.mcfg.length > 0) tables.push(buildMcfg(a.mcfg));
  if (a.iort.length > 0) tables.push(buildIort(a.iort));
  if (a.dbg2.length > 0) tables.push(buildDbg2(a.dbg2));
  return { fadt: buildFadt(), dsdt: buildDsdt(a.dsdt), tables };
}
