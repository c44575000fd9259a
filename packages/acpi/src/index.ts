export * from "./aml/ast.js";
export {
  decodePkgLength,
  eisaIdValue,
  encodeInteger,
  encodeNameString,
  encodePkgLength,
  encodeString,
  uuidBytes,
} from "./aml/encoding.js";
export * from "./aml/resources.js";
export type { U64 } from "./bytes.js";
export { AcpiError } from "./errors.js";
export { type AcpiImage, type AcpiTableSet, layoutAcpi, type PlacedTable } from "./layout.js";
export { SAMPLE_MACHINE, sampleFragments, sampleMadt, sampleSmbios, sampleTableSet } from "./sample.js";
export * from "./smbios/smbios.js";
export { buildDsdt, buildSsdt } from "./tables/definition-block.js";
export {
  type AcpiOem,
  type AcpiTable,
  DEFAULT_OEM,
  fixChecksum,
  type GenericAddress,
} from "./tables/header.js";
export * from "./tables/iort.js";
export {
  buildMadt,
  type MadtGicc,
  type MadtGicd,
  type MadtGicr,
  type MadtIts,
  type MadtMsiFrame,
  type MadtOptions,
} from "./tables/madt.js";
export { buildPptt, type PpttCache, type PpttProcessor } from "./tables/pptt.js";
export {
  ARM_BOOT_ARCH_PSCI_COMPLIANT,
  ARM_BOOT_ARCH_PSCI_USE_HVC,
  buildDbg2,
  buildDefinitionBlock,
  buildFadt,
  buildGtdt,
  buildMcfg,
  buildRsdp,
  buildSpcr,
  buildSrat,
  buildXsdt,
  type Dbg2Device,
  type EcamRegion,
  FADT_FLAG_HW_REDUCED_ACPI,
  type FadtOptions,
  type GtdtOptions,
  type SbsaWatchdog,
  SPCR_INTERFACE_PL011,
  type SpcrOptions,
  type SratGicc,
  type SratIts,
  type SratMemory,
  type SratOptions,
  type TimerInterrupt,
} from "./tables/simple.js";
