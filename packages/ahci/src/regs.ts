/**
 * AHCI 1.3.1 register map (Serial ATA AHCI 1.3.1 §3) and ATA/ATAPI constants (ACS-3, MMC-6, SPC-4).
 * Names follow the specification.
 */

/** Generic host control registers (§3.1), offsets in the ABAR. */
export const HbaReg = {
  CAP: 0x00,
  GHC: 0x04,
  IS: 0x08,
  PI: 0x0c,
  VS: 0x10,
  CCC_CTL: 0x14,
  CCC_PORTS: 0x18,
  EM_LOC: 0x1c,
  EM_CTL: 0x20,
  CAP2: 0x24,
  BOHC: 0x28,
} as const;

/** Port registers (§3.3), offsets from the port's base (0x100 + port * 0x80). */
export const PortReg = {
  CLB: 0x00,
  CLBU: 0x04,
  FB: 0x08,
  FBU: 0x0c,
  IS: 0x10,
  IE: 0x14,
  CMD: 0x18,
  TFD: 0x20,
  SIG: 0x24,
  SSTS: 0x28,
  SCTL: 0x2c,
  SERR: 0x30,
  SACT: 0x34,
  CI: 0x38,
  SNTF: 0x3c,
  FBS: 0x40,
  DEVSLP: 0x44,
} as const;

export const PORT_BASE = 0x100;
export const PORT_STRIDE = 0x80;
/** ABAR size that holds all 32 ports (0x100 + 32 * 0x80 = 0x1100, rounded to a power of two). */
export const AHCI_MMIO_SIZE = 0x2000;
/** AHCI version 1.3.1 (§3.1.5). */
export const AHCI_VERSION = 0x00010301;

/** CAP bits (§3.1.1). */
export const Cap = {
  SXS: 1 << 5,
  EMS: 1 << 6,
  CCCS: 1 << 7,
  PSC: 1 << 13,
  SSC: 1 << 14,
  PMD: 1 << 15,
  FBSS: 1 << 16,
  SPM: 1 << 17,
  SAM: 1 << 18,
  SCLO: 1 << 24,
  SAL: 1 << 25,
  SALP: 1 << 26,
  SSS: 1 << 27,
  SMPS: 1 << 28,
  SSNTF: 1 << 29,
  SNCQ: 1 << 30,
  S64A: 2 ** 31,
} as const;

/** GHC bits (§3.1.2). */
export const Ghc = { HR: 1 << 0, IE: 1 << 1, MRSM: 1 << 2, AE: 2 ** 31 } as const;

/** PxIS / PxIE bits (§3.3.5, §3.3.6). */
export const PxIS = {
  DHRS: 1 << 0,
  PSS: 1 << 1,
  DSS: 1 << 2,
  SDBS: 1 << 3,
  UFS: 1 << 4,
  DPS: 1 << 5,
  PCS: 1 << 6,
  DMPS: 1 << 7,
  PRCS: 1 << 22,
  IPMS: 1 << 23,
  OFS: 1 << 24,
  INFS: 1 << 26,
  IFS: 1 << 27,
  HBDS: 1 << 28,
  HBFS: 1 << 29,
  TFES: 1 << 30,
  CPDS: 2 ** 31,
} as const;
/** PxIS bits that are writable-one-to-clear (PCS and PRCS mirror PxSERR and are read-only). */
export const PXIS_RWC = 0xfdbfffff & ~(PxIS.PCS | PxIS.PRCS | PxIS.UFS);
/** PxIE bits that exist. */
export const PXIE_MASK = 0xfdc000ff;

/** PxCMD bits (§3.3.7). */
export const PxCMD = {
  ST: 1 << 0,
  SUD: 1 << 1,
  POD: 1 << 2,
  CLO: 1 << 3,
  FRE: 1 << 4,
  FR: 1 << 14,
  CR: 1 << 15,
  CPS: 1 << 16,
  PMA: 1 << 17,
  HPCP: 1 << 18,
  MPSP: 1 << 19,
  CPD: 1 << 20,
  ESP: 1 << 21,
  FBSCP: 1 << 22,
  APSTE: 1 << 23,
  ATAPI: 1 << 24,
  DLAE: 1 << 25,
  ALPE: 1 << 26,
  ASP: 1 << 27,
} as const;
/** PxCMD bits software may write (ST, SUD, POD, CLO, FRE, PMA, ATAPI, DLAE, ALPE, ASP, ICC, APSTE). */
export const PXCMD_RW =
  0xf0000000 | (1 << 27) | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 23) | (1 << 17) | 0x17;

/** PxSERR DIAG bits (§3.3.12). */
export const SErr = {
  /** DIAG.N: PhyRdy change. */
  DIAG_N: 1 << 16,
  /** DIAG.X: exchanged (COMINIT received). */
  DIAG_X: 1 << 26,
} as const;

/** FIS types (SATA 3.x §10.5). */
export const FisType = {
  REG_H2D: 0x27,
  REG_D2H: 0x34,
  DMA_ACTIVATE: 0x39,
  DMA_SETUP: 0x41,
  DATA: 0x46,
  BIST: 0x58,
  PIO_SETUP: 0x5f,
  SET_DEVICE_BITS: 0xa1,
} as const;

/** Offsets inside the received-FIS area (§4.2.1). */
export const RxFis = { DSFIS: 0x00, PSFIS: 0x20, RFIS: 0x40, SDBFIS: 0x58, UFIS: 0x60, SIZE: 0x100 } as const;

/** ATA Status register bits. */
export const AtaStatus = { ERR: 0x01, DRQ: 0x08, DSC: 0x10, DF: 0x20, DRDY: 0x40, BSY: 0x80 } as const;
/** ATA Error register bits. */
export const AtaError = { AMNF: 0x01, ABRT: 0x04, IDNF: 0x10, UNC: 0x40, ICRC: 0x80 } as const;

/** ATA command codes used here (ACS-3 §7). */
export const AtaCmd = {
  NOP: 0x00,
  DSM: 0x06,
  DEVICE_RESET: 0x08,
  RECALIBRATE: 0x10,
  READ_SECTORS: 0x20,
  READ_SECTORS_EXT: 0x24,
  READ_DMA_EXT: 0x25,
  READ_NATIVE_MAX_EXT: 0x27,
  READ_MULTIPLE_EXT: 0x29,
  READ_LOG_EXT: 0x2f,
  WRITE_SECTORS: 0x30,
  WRITE_SECTORS_EXT: 0x34,
  WRITE_DMA_EXT: 0x35,
  WRITE_MULTIPLE_EXT: 0x39,
  WRITE_DMA_FUA_EXT: 0x3d,
  READ_VERIFY: 0x40,
  READ_VERIFY_EXT: 0x42,
  READ_LOG_DMA_EXT: 0x47,
  READ_FPDMA_QUEUED: 0x60,
  WRITE_FPDMA_QUEUED: 0x61,
  EXECUTE_DEVICE_DIAGNOSTIC: 0x90,
  INITIALIZE_DEVICE_PARAMETERS: 0x91,
  PACKET: 0xa0,
  IDENTIFY_PACKET_DEVICE: 0xa1,
  SMART: 0xb0,
  READ_MULTIPLE: 0xc4,
  WRITE_MULTIPLE: 0xc5,
  SET_MULTIPLE_MODE: 0xc6,
  READ_DMA: 0xc8,
  WRITE_DMA: 0xca,
  WRITE_MULTIPLE_FUA_EXT: 0xce,
  STANDBY_IMMEDIATE: 0xe0,
  IDLE_IMMEDIATE: 0xe1,
  STANDBY: 0xe2,
  IDLE: 0xe3,
  CHECK_POWER_MODE: 0xe5,
  SLEEP: 0xe6,
  FLUSH_CACHE: 0xe7,
  FLUSH_CACHE_EXT: 0xea,
  IDENTIFY_DEVICE: 0xec,
  SET_FEATURES: 0xef,
  READ_NATIVE_MAX: 0xf8,
} as const;

/** Device signatures in PxSIG after a reset (§3.3.9; ATA8-ACS §9.12 and SATA). */
export const Signature = { ATA: 0x00000101, ATAPI: 0xeb140101 } as const;

/** SCSI sense keys (SPC-4 §4.5.6). */
export const SenseKey = {
  NO_SENSE: 0x0,
  NOT_READY: 0x2,
  MEDIUM_ERROR: 0x3,
  ILLEGAL_REQUEST: 0x5,
  UNIT_ATTENTION: 0x6,
  DATA_PROTECT: 0x7,
  ABORTED_COMMAND: 0xb,
} as const;
