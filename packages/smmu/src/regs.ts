/**
 * SMMUv3 register offsets, field values, command opcodes and event numbers (ARM IHI 0070,
 * chapter 6 "Memory map and registers", 4 "Commands", 7 "Events").
 */

/** Register offsets in page 0 (page 1 is at +0x10000 and holds the queue PROD/CONS aliases). */
export const Reg = {
  IDR0: 0x00,
  IDR1: 0x04,
  IDR2: 0x08,
  IDR3: 0x0c,
  IDR4: 0x10,
  IDR5: 0x14,
  IIDR: 0x18,
  AIDR: 0x1c,
  CR0: 0x20,
  CR0ACK: 0x24,
  CR1: 0x28,
  CR2: 0x2c,
  STATUSR: 0x40,
  GBPA: 0x44,
  AGBPA: 0x48,
  IRQ_CTRL: 0x50,
  IRQ_CTRLACK: 0x54,
  GERROR: 0x60,
  GERRORN: 0x64,
  GERROR_IRQ_CFG0: 0x68,
  GERROR_IRQ_CFG1: 0x70,
  GERROR_IRQ_CFG2: 0x74,
  STRTAB_BASE: 0x80,
  STRTAB_BASE_CFG: 0x88,
  CMDQ_BASE: 0x90,
  CMDQ_PROD: 0x98,
  CMDQ_CONS: 0x9c,
  EVTQ_BASE: 0xa0,
  EVTQ_PROD: 0xa8,
  EVTQ_CONS: 0xac,
  EVTQ_IRQ_CFG0: 0xb0,
  EVTQ_IRQ_CFG1: 0xb8,
  EVTQ_IRQ_CFG2: 0xbc,
  PRIQ_BASE: 0xc0,
  PRIQ_PROD: 0xc8,
  PRIQ_CONS: 0xcc,
  /** Page 1 base: EVTQ_PROD/CONS (and PRIQ_PROD/CONS) are architecturally here. */
  PAGE1: 0x10000,
} as const;

/** Size of the register frame (two 64 KiB pages). */
export const SMMU_MMIO_SIZE = 0x20000;

export const CR0 = { SMMUEN: 1, PRIQEN: 2, EVTQEN: 4, CMDQEN: 8, ATSCHK: 16 } as const;
export const IRQ_CTRL = { GERROR_IRQEN: 1, PRIQ_IRQEN: 2, EVTQ_IRQEN: 4 } as const;
export const GBPA = { UPDATE: 0x8000_0000, ABORT: 1 << 20 } as const;

/** GERROR bits. An error is active while GERROR[x] != GERRORN[x]. */
export const Gerror = {
  CMDQ_ERR: 1 << 0,
  EVTQ_ABT_ERR: 1 << 2,
  PRIQ_ABT_ERR: 1 << 3,
  MSI_CMDQ_ABT_ERR: 1 << 4,
  MSI_EVTQ_ABT_ERR: 1 << 5,
  MSI_PRIQ_ABT_ERR: 1 << 6,
  MSI_GERROR_ABT_ERR: 1 << 7,
  SFM_ERR: 1 << 8,
} as const;

/** CMDQ_CONS.ERR (bits 30:24) codes. */
export const CError = { NONE: 0, ILL: 1, ABT: 2, ATC_INV_SYNC: 3 } as const;

/** Command opcodes (CMD[7:0]). */
export const Op = {
  PREFETCH_CONFIG: 0x01,
  PREFETCH_ADDR: 0x02,
  CFGI_STE: 0x03,
  CFGI_STE_RANGE: 0x04,
  CFGI_CD: 0x05,
  CFGI_CD_ALL: 0x06,
  CFGI_VMS_PIDM: 0x07,
  TLBI_NH_ALL: 0x10,
  TLBI_NH_ASID: 0x11,
  TLBI_NH_VA: 0x12,
  TLBI_NH_VAA: 0x13,
  TLBI_EL3_ALL: 0x18,
  TLBI_EL3_VA: 0x1a,
  TLBI_EL2_ALL: 0x20,
  TLBI_EL2_ASID: 0x21,
  TLBI_EL2_VA: 0x22,
  TLBI_EL2_VAA: 0x23,
  TLBI_S12_VMALL: 0x28,
  TLBI_S2_IPA: 0x2a,
  TLBI_NSNH_ALL: 0x30,
  ATC_INV: 0x40,
  PRI_RESP: 0x41,
  RESUME: 0x44,
  STALL_TERM: 0x45,
  CMD_SYNC: 0x46,
} as const;

/** Event record types (EVT[7:0]). */
export const Evt = {
  F_UUT: 0x01,
  C_BAD_STREAMID: 0x02,
  F_STE_FETCH: 0x03,
  C_BAD_STE: 0x04,
  F_BAD_ATS_TREQ: 0x05,
  F_STREAM_DISABLED: 0x06,
  F_TRANSL_FORBIDDEN: 0x07,
  C_BAD_SUBSTREAMID: 0x08,
  F_CD_FETCH: 0x09,
  C_BAD_CD: 0x0a,
  F_WALK_EABT: 0x0b,
  F_TRANSLATION: 0x10,
  F_ADDR_SIZE: 0x11,
  F_ACCESS: 0x12,
  F_PERMISSION: 0x13,
} as const;

/** Event record CLASS (bits 105:104): what was being translated when a stage 2 fault hit. */
export const EvtClass = { CD: 0, TT: 1, IN: 2 } as const;

/** STE.Config values (bits 3:1). */
export const SteConfig = { ABORT: 0, BYPASS: 4, S1: 5, S2: 6, NESTED: 7 } as const;

/** STE.S1DSS: what a transaction without a SubstreamID does when S1CDMax > 0. */
export const S1Dss = { TERMINATE: 0, BYPASS: 1, SSID0: 2 } as const;

/** Sizes in bytes. */
export const STE_SIZE = 64;
export const CD_SIZE = 64;
export const CMD_SIZE = 16;
export const EVT_SIZE = 32;
