export {
  type AmlFragment,
  type AmlTerm,
  type AmlValue,
  aml,
  composeFragments,
  DSD_DEVICE_PROPERTIES_UUID,
  encodeAml,
  type MethodOptions,
  type PrtEntry,
} from "./aml/ast.js";
export {
  decodePkgLength,
  eisaIdValue,
  encodeInteger,
  encodeNameString,
  encodePkgLength,
  encodeString,
  uuidBytes,
} from "./aml/encoding.js";
export {
  type AddressSpaceOptions,
  dwordIo,
  dwordMemory,
  extendedInterrupt,
  type InterruptOptions,
  type MemoryCacheability,
  type MemoryRangeOptions,
  memory32Fixed,
  qwordMemory,
  type ResourceDescriptor,
  resourceTemplate,
  wordBusNumber,
} from "./aml/resources.js";
export type { U64 } from "./bytes.js";
export { AcpiError } from "./errors.js";
export { type AcpiImage, type AcpiTableSet, layoutAcpi, type PlacedTable } from "./layout.js";
export { SAMPLE_MACHINE, sampleFragments, sampleMadt, sampleSmbios, sampleTableSet } from "./sample.js";
export {
  SMBIOS_HANDLE_NONE,
  SMBIOS_HANDLE_NOT_PROVIDED,
  type SmbiosBaseboardInfo,
  type SmbiosBiosInfo,
  SmbiosBuilder,
  type SmbiosChassisInfo,
  type SmbiosHandle,
  type SmbiosMappedAddressInfo,
  type SmbiosMemoryArrayInfo,
  type SmbiosMemoryDeviceInfo,
  type SmbiosProcessorInfo,
  type SmbiosSystemInfo,
  type SmbiosTables,
  smbiosUuidBytes,
} from "./smbios/smbios.js";
export { buildDsdt, buildSsdt } from "./tables/definition-block.js";
export {
  type AcpiOem,
  type AcpiTable,
  DEFAULT_OEM,
  fixChecksum,
  type GenericAddress,
} from "./tables/header.js";
export {
  buildIort,
  type IortIdMapping,
  type IortItsGroup,
  type IortNamedComponent,
  type IortNode,
  type IortRootComplex,
  type IortSmmuV3,
} from "./tables/iort.js";
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
