import { ByteWriter, checksum8, type U64 } from "../bytes.js";
import { fail } from "../errors.js";
import {
  type AcpiOem,
  type AcpiTable,
  beginTable,
  endTable,
  GAS_ZERO,
  type GenericAddress,
  writeGas,
} from "./header.js";

// ---------------------------------------------------------------- RSDP (§5.2.5.3)
export const RSDP_SIZE = 36;

/** RSDP revision 2 (36 bytes) pointing at an XSDT; both checksums filled in. */
export function buildRsdp(xsdtAddress: U64, oemId = "ARMTRE"): Uint8Array {
  const w = new ByteWriter();
  w.ascii("RSD PTR ", 8, "signature")
    .u8(0)
    .ascii(oemId, 6, "OEM ID")
    .u8(2)
    .u32(0)
    .u32(RSDP_SIZE)
    .u64(xsdtAddress)
    .u8(0)
    .zeros(3);
  const b = w.finish();
  b[8] = checksum8(b, 0, 20);
  b[32] = checksum8(b, 0, 36);
  return b;
}

// ---------------------------------------------------------------- XSDT (§5.2.8)
export function buildXsdt(entries: readonly U64[], oem?: Partial<AcpiOem>): AcpiTable {
  const w = beginTable("XSDT", 1, oem);
  for (const e of entries) w.u64(e, "XSDT entry");
  return endTable(w);
}

// ---------------------------------------------------------------- FADT (§5.2.9)
export const FADT_FLAG_HW_REDUCED_ACPI = 1 << 20;
export const FADT_FLAG_LOW_POWER_S0_IDLE_CAPABLE = 1 << 21;
// §5.2.9.4 ARM_BOOT_ARCH
export const ARM_BOOT_ARCH_PSCI_COMPLIANT = 1 << 0;
export const ARM_BOOT_ARCH_PSCI_USE_HVC = 1 << 1;
export const FADT_DSDT_OFFSET = 40;
export const FADT_X_DSDT_OFFSET = 140;

export interface FadtOptions {
  oem?: Partial<AcpiOem>;
  /** DSDT address (the layout fills this in). */
  dsdtAddress?: U64;
  /** Extra FADT flags beyond HW_REDUCED_ACPI. */
  flags?: number;
  /** Defaults to PSCI_COMPLIANT | PSCI_USE_HVC. */
  armBootArch?: number;
  /** Hypervisor Vendor Identity (FADT 6.3), e.g. 0x4d52414d5241n. */
  hypervisorVendor?: U64;
  sleepControl?: GenericAddress;
  sleepStatus?: GenericAddress;
  /** Preferred_PM_Profile (0 unspecified, 4 enterprise server). */
  pmProfile?: number;
}

/** A hardware-reduced FADT, revision 6.3 (276 bytes). */
export function buildFadt(o: FadtOptions = {}): AcpiTable {
  const w = beginTable("FACP", 6, o.oem);
  w.u32(0); // FIRMWARE_CTRL
  w.u32(0); // DSDT (32-bit): left 0, X_DSDT is used
  w.u8(0); // reserved
  w.u8(o.pmProfile ?? 0);
  w.u16(0); // SCI_INT
  w.u32(0); // SMI_CMD
  w.zeros(4); // ACPI_ENABLE, ACPI_DISABLE, S4BIOS_REQ, PSTATE_CNT
  w.zeros(8 * 4); // PM1a/b EVT, PM1a/b CNT, PM2 CNT, PM TMR, GPE0, GPE1
  w.zeros(8); // lengths, GPE1_BASE, CST_CNT
  w.zeros(8); // P_LVL2/3_LAT, FLUSH_SIZE, FLUSH_STRIDE
  w.zeros(5); // DUTY_OFFSET, DUTY_WIDTH, DAY_ALRM, MON_ALRM, CENTURY
  w.u16(0); // IAPC_BOOT_ARCH
  w.u8(0);
  w.u32((FADT_FLAG_HW_REDUCED_ACPI | (o.flags ?? 0)) >>> 0);
  writeGas(w, GAS_ZERO); // RESET_REG
  w.u8(0); // RESET_VALUE
  w.u16(o.armBootArch ?? ARM_BOOT_ARCH_PSCI_COMPLIANT | ARM_BOOT_ARCH_PSCI_USE_HVC);
  w.u8(3); // FADT minor version (6.3)
  w.u64(0); // X_FIRMWARE_CTRL
  if (w.length !== FADT_X_DSDT_OFFSET) fail("E_INTERNAL", "FADT layout");
  w.u64(o.dsdtAddress ?? 0);
  for (let i = 0; i < 8; i++) writeGas(w, GAS_ZERO); // X_PM1a_EVT .. X_GPE1
  writeGas(w, o.sleepControl ?? GAS_ZERO);
  writeGas(w, o.sleepStatus ?? GAS_ZERO);
  w.u64(o.hypervisorVendor ?? 0);
  return endTable(w);
}

// ---------------------------------------------------------------- GTDT (§5.2.25)
export interface TimerInterrupt {
  gsiv: number;
  edge?: boolean;
  activeLow?: boolean;
  alwaysOn?: boolean;
}

export interface SbsaWatchdog {
  refreshFrame: U64;
  controlFrame: U64;
  gsiv: number;
  edge?: boolean;
  activeLow?: boolean;
  secure?: boolean;
}

export interface GtdtOptions {
  oem?: Partial<AcpiOem>;
  secureEl1: TimerInterrupt;
  nonSecureEl1: TimerInterrupt;
  virtualEl1: TimerInterrupt;
  nonSecureEl2: TimerInterrupt;
  cntControlBase?: U64;
  cntReadBase?: U64;
  watchdogs?: readonly SbsaWatchdog[];
}

function timerFlags(t: TimerInterrupt): number {
  return (t.edge ? 1 : 0) | (t.activeLow ? 2 : 0) | (t.alwaysOn ? 4 : 0);
}

/** GTDT revision 2 with optional SBSA generic watchdog structures. */
export function buildGtdt(o: GtdtOptions): AcpiTable {
  const w = beginTable("GTDT", 2, o.oem);
  const wds = o.watchdogs ?? [];
  w.u64(o.cntControlBase ?? 0xffff_ffff_ffff_ffffn).u32(0);
  for (const t of [o.secureEl1, o.nonSecureEl1, o.virtualEl1, o.nonSecureEl2])
    w.u32(t.gsiv, "timer GSIV").u32(timerFlags(t));
  w.u64(o.cntReadBase ?? 0xffff_ffff_ffff_ffffn);
  w.u32(wds.length).u32(wds.length ? 0x60 : 0);
  for (const d of wds) {
    w.u8(1).u16(28).u8(0).u64(d.refreshFrame).u64(d.controlFrame).u32(d.gsiv);
    w.u32((d.edge ? 1 : 0) | (d.activeLow ? 2 : 0) | (d.secure ? 4 : 0));
  }
  return endTable(w);
}

// ---------------------------------------------------------------- SPCR (Microsoft SPCR spec rev 2)
export const SPCR_INTERFACE_PL011 = 0x03;
const BAUD_CODES: Record<number, number> = { 9600: 3, 19200: 4, 57600: 6, 115200: 7 };

export interface SpcrOptions {
  oem?: Partial<AcpiOem>;
  base: U64;
  gsiv: number;
  /** 9600/19200/57600/115200, or 0 = "as is" (firmware left it configured). */
  baud?: number;
  interfaceType?: number;
}

/** SPCR revision 2 for a PL011 (80 bytes). */
export function buildSpcr(o: SpcrOptions): AcpiTable {
  const w = beginTable("SPCR", 2, o.oem);
  const baud = o.baud ?? 115200;
  const code = baud === 0 ? 0 : BAUD_CODES[baud];
  if (code === undefined) fail("E_VALUE", `SPCR baud ${baud}: use 0, 9600, 19200, 57600 or 115200`);
  w.u8(o.interfaceType ?? SPCR_INTERFACE_PL011).zeros(3);
  writeGas(w, { spaceId: 0, bitWidth: 32, bitOffset: 0, accessSize: 3, address: o.base });
  w.u8(0x08); // interrupt type: ARMH GIC (bit 3)
  w.u8(0); // PC-AT IRQ
  w.u32(o.gsiv, "SPCR GSIV");
  w.u8(code).u8(0).u8(1).u8(0).u8(0).u8(0); // baud, parity none, 1 stop bit, no flow control, VT100, language
  w.u16(0xffff).u16(0xffff).u8(0).u8(0).u8(0).u32(0).u8(0); // not a PCI device
  w.u32(0); // reserved
  return endTable(w);
}

// ---------------------------------------------------------------- DBG2 (Microsoft DBG2 spec)
export const DBG2_PORT_SERIAL = 0x8000;
export const DBG2_SUBTYPE_PL011 = 0x0003;

export interface Dbg2Device {
  base: U64;
  /** Size of the register window. */
  size: number;
  /** Namespace path of the device, e.g. `\_SB.COM0` ("." if none). */
  namespace: string;
  portType?: number;
  portSubtype?: number;
}

export function buildDbg2(devices: readonly Dbg2Device[], oem?: Partial<AcpiOem>): AcpiTable {
  const w = beginTable("DBG2", 0, oem);
  w.u32(44).u32(devices.length);
  for (const d of devices) {
    const nsLen = d.namespace.length + 1;
    const len = 22 + 12 + 4 + nsLen;
    w.u8(0)
      .u16(len)
      .u8(1)
      .u16(nsLen)
      .u16(22 + 16)
      .u16(0)
      .u16(0);
    w.u16(d.portType ?? DBG2_PORT_SERIAL)
      .u16(d.portSubtype ?? DBG2_SUBTYPE_PL011)
      .u16(0);
    w.u16(22).u16(34);
    writeGas(w, { spaceId: 0, bitWidth: 32, bitOffset: 0, accessSize: 3, address: d.base });
    w.u32(d.size, "DBG2 address size");
    w.ascii(d.namespace, d.namespace.length, "DBG2 namespace").u8(0);
  }
  return endTable(w);
}

// ---------------------------------------------------------------- MCFG (PCI Firmware spec §4.1.2)
export interface EcamRegion {
  base: U64;
  segment: number;
  startBus: number;
  endBus: number;
}

export function buildMcfg(regions: readonly EcamRegion[], oem?: Partial<AcpiOem>): AcpiTable {
  const w = beginTable("MCFG", 1, oem);
  w.zeros(8);
  for (const r of regions) {
    if (r.endBus < r.startBus) fail("E_VALUE", `MCFG: end bus ${r.endBus} < start bus ${r.startBus}`);
    w.u64(r.base, "ECAM base").u16(r.segment).u8(r.startBus).u8(r.endBus).u32(0);
  }
  return endTable(w);
}

// ---------------------------------------------------------------- SRAT (§5.2.16)
export interface SratMemory {
  domain: number;
  base: U64;
  length: U64;
  hotplug?: boolean;
  nonVolatile?: boolean;
}
export interface SratGicc {
  domain: number;
  acpiProcessorUid: number;
  clockDomain?: number;
}
export interface SratIts {
  domain: number;
  itsId: number;
}
export interface SratOptions {
  oem?: Partial<AcpiOem>;
  memory?: readonly SratMemory[];
  giccs?: readonly SratGicc[];
  its?: readonly SratIts[];
}

export function buildSrat(o: SratOptions): AcpiTable {
  const w = beginTable("SRAT", 3, o.oem);
  w.u32(1).u64(0); // reserved (1 for backward compatibility)
  for (const m of o.memory ?? []) {
    w.u8(1).u8(40).u32(m.domain).u16(0).u64(m.base).u64(m.length).u32(0);
    w.u32(1 | (m.hotplug ? 2 : 0) | (m.nonVolatile ? 4 : 0)).u64(0);
  }
  for (const g of o.giccs ?? [])
    w.u8(3)
      .u8(18)
      .u32(g.domain)
      .u32(g.acpiProcessorUid)
      .u32(1)
      .u32(g.clockDomain ?? 0);
  for (const i of o.its ?? []) w.u8(4).u8(12).u32(i.domain).u16(0).u32(i.itsId);
  return endTable(w);
}

// ---------------------------------------------------------------- DSDT / SSDT (§5.2.11)
/** Wrap AML bytes into a definition block (revision 2: 64-bit integers). */
export function buildDefinitionBlock(
  signature: "DSDT" | "SSDT",
  aml: Uint8Array,
  oem?: Partial<AcpiOem>,
): AcpiTable {
  const w = beginTable(signature, 2, oem);
  w.bytes(aml);
  return endTable(w);
}
