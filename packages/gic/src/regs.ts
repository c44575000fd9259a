/**
 * Register offsets and field values of the GICv3 (Arm IHI 0069, "GIC architecture specification",
 * chapter 12 "Programmers' model") and of the GICv2m MSI frame (Arm SBSA, appendix "GICv2m").
 */

// ---- GICD (12.9): 64 KiB distributor frame ----
export const GICD_CTLR = 0x0000;
export const GICD_TYPER = 0x0004;
export const GICD_IIDR = 0x0008;
export const GICD_TYPER2 = 0x000c;
export const GICD_STATUSR = 0x0010;
export const GICD_SETSPI_NSR = 0x0040;
export const GICD_CLRSPI_NSR = 0x0048;
export const GICD_IGROUPR = 0x0080;
export const GICD_ISENABLER = 0x0100;
export const GICD_ICENABLER = 0x0180;
export const GICD_ISPENDR = 0x0200;
export const GICD_ICPENDR = 0x0280;
export const GICD_ISACTIVER = 0x0300;
export const GICD_ICACTIVER = 0x0380;
export const GICD_IPRIORITYR = 0x0400;
export const GICD_ITARGETSR = 0x0800;
export const GICD_ICFGR = 0x0c00;
export const GICD_IGRPMODR = 0x0d00;
export const GICD_NSACR = 0x0e00;
export const GICD_SGIR = 0x0f00;
export const GICD_IROUTER = 0x6000;
export const GICD_PIDR2 = 0xffe8;

// GICD_CTLR with GICD_CTLR.DS == 1 (single Security state, 12.9.4).
export const GICD_CTLR_ENABLE_GRP0 = 1 << 0;
export const GICD_CTLR_ENABLE_GRP1 = 1 << 1;
export const GICD_CTLR_ARE = 1 << 4;
export const GICD_CTLR_DS = 1 << 6;
export const GICD_CTLR_RWP = 1 << 31;

// ---- GICR (12.10/12.11): RD_base then SGI_base, 64 KiB each ----
export const GICR_FRAME_SIZE = 0x20000;
export const GICR_SGI_BASE = 0x10000;
export const GICR_CTLR = 0x0000;
export const GICR_IIDR = 0x0004;
export const GICR_TYPER = 0x0008;
export const GICR_STATUSR = 0x0010;
export const GICR_WAKER = 0x0014;
export const GICR_SETLPIR = 0x0040;
export const GICR_CLRLPIR = 0x0048;
export const GICR_PROPBASER = 0x0070;
export const GICR_PENDBASER = 0x0078;
export const GICR_INVLPIR = 0x00a0;
export const GICR_INVALLR = 0x00b0;
export const GICR_SYNCR = 0x00c0;
export const GICR_PIDR2 = 0xffe8;
export const GICR_CTLR_ENABLE_LPIS = 1 << 0;
export const GICR_CTLR_RWP = 1 << 3;
export const GICR_WAKER_PROCESSOR_SLEEP = 1 << 1;
export const GICR_WAKER_CHILDREN_ASLEEP = 1 << 2;
export const GICR_TYPER_PLPIS = 1 << 0;
export const GICR_TYPER_LAST = 1 << 4;
// SGI_base frame (offsets from SGI_base)
export const GICR_IGROUPR0 = 0x0080;
export const GICR_ISENABLER0 = 0x0100;
export const GICR_ICENABLER0 = 0x0180;
export const GICR_ISPENDR0 = 0x0200;
export const GICR_ICPENDR0 = 0x0280;
export const GICR_ISACTIVER0 = 0x0300;
export const GICR_ICACTIVER0 = 0x0380;
export const GICR_IPRIORITYR = 0x0400;
export const GICR_ICFGR0 = 0x0c00;
export const GICR_ICFGR1 = 0x0c04;
export const GICR_IGRPMODR0 = 0x0d00;
export const GICR_NSACR = 0x0e00;

// ---- GITS (12.19): control frame, then translation frame at +64 KiB ----
export const GITS_FRAME_SIZE = 0x20000;
export const GITS_CTLR = 0x0000;
export const GITS_IIDR = 0x0004;
export const GITS_TYPER = 0x0008;
export const GITS_CBASER = 0x0080;
export const GITS_CWRITER = 0x0088;
export const GITS_CREADR = 0x0090;
export const GITS_BASER = 0x0100;
export const GITS_PIDR2 = 0xffe8;
export const GITS_TRANSLATER = 0x10040;
export const GITS_CTLR_ENABLED = 1 << 0;
export const GITS_CTLR_QUIESCENT = 1 << 31;
/** GITS_BASER<n>.Type (12.19.1). */
export const GITS_BASER_TYPE_NONE = 0;
export const GITS_BASER_TYPE_DEVICE = 1;
export const GITS_BASER_TYPE_COLLECTION = 4;

/** ITS command opcodes (5.3, table 5-?: "ITS commands"). */
export const ITS_CMD = {
  MOVI: 0x01,
  INT: 0x03,
  CLEAR: 0x04,
  SYNC: 0x05,
  MAPD: 0x08,
  MAPC: 0x09,
  MAPTI: 0x0a,
  MAPI: 0x0b,
  INV: 0x0c,
  INVALL: 0x0d,
  MOVALL: 0x0e,
  DISCARD: 0x0f,
} as const;

/**
 * ITS command error encodings (5.3.x, "command errors"): 0x01 << 16 | opcode << 8 | cause.
 * The ITS reports them (here: `its.commandErrors`, plus a log line) and ignores the command.
 */
export const ITS_ERR = {
  MOVI_UNMAPPED_INTERRUPT: 0x010107,
  MOVI_UNMAPPED_COLLECTION: 0x010109,
  INT_UNMAPPED_INTERRUPT: 0x010307,
  CLEAR_UNMAPPED_INTERRUPT: 0x010507,
  MAPD_DEVICE_OOR: 0x010801,
  MAPD_ITTSIZE_OOR: 0x010802,
  MAPC_PROCNUM_OOR: 0x010902,
  MAPC_COLLECTION_OOR: 0x010903,
  MAPTI_COLLECTION_OOR: 0x010a03,
  MAPTI_UNMAPPED_DEVICE: 0x010a04,
  MAPTI_ID_OOR: 0x010a05,
  MAPTI_PHYSICALID_OOR: 0x010a06,
  MAPI_COLLECTION_OOR: 0x010b03,
  MAPI_UNMAPPED_DEVICE: 0x010b04,
  MAPI_ID_OOR: 0x010b05,
  INV_UNMAPPED_INTERRUPT: 0x010c07,
  INVALL_UNMAPPED_COLLECTION: 0x010d09,
  MOVALL_PROCNUM_OOR: 0x010e01,
  DISCARD_UNMAPPED_INTERRUPT: 0x010f07,
} as const;

// ---- GICv2m MSI frame (4 KiB) ----
export const V2M_FRAME_SIZE = 0x1000;
export const MSI_TYPER = 0x0008;
export const MSI_SETSPI_NS = 0x0040;
export const MSI_IIDR = 0x0fcc;

/** Peripheral ID2 value: ArchRev [7:4] = 3 (GICv3), JEDEC bit and JEP106 continuation bits. */
export const PIDR2_GICV3 = 0x3b;
/** Implementer Arm (JEP106 0x43B), product 0x0A (not a real part, so no driver quirks apply). */
export const IIDR_VALUE = 0x0a00043b;

/** INTID ranges (2.2). */
export const INTID_SPURIOUS = 1023;
export const LPI_BASE = 8192;

/** System register keys of the ICC_* registers (12.2), op0=3 op1=0 CRn=12 unless noted. */
function key(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}
export const ICC = {
  PMR_EL1: key(3, 0, 4, 6, 0),
  IAR0_EL1: key(3, 0, 12, 8, 0),
  EOIR0_EL1: key(3, 0, 12, 8, 1),
  HPPIR0_EL1: key(3, 0, 12, 8, 2),
  BPR0_EL1: key(3, 0, 12, 8, 3),
  AP0R0_EL1: key(3, 0, 12, 8, 4),
  AP0R1_EL1: key(3, 0, 12, 8, 5),
  AP0R2_EL1: key(3, 0, 12, 8, 6),
  AP0R3_EL1: key(3, 0, 12, 8, 7),
  AP1R0_EL1: key(3, 0, 12, 9, 0),
  AP1R1_EL1: key(3, 0, 12, 9, 1),
  AP1R2_EL1: key(3, 0, 12, 9, 2),
  AP1R3_EL1: key(3, 0, 12, 9, 3),
  DIR_EL1: key(3, 0, 12, 11, 1),
  RPR_EL1: key(3, 0, 12, 11, 3),
  SGI1R_EL1: key(3, 0, 12, 11, 5),
  ASGI1R_EL1: key(3, 0, 12, 11, 6),
  SGI0R_EL1: key(3, 0, 12, 11, 7),
  IAR1_EL1: key(3, 0, 12, 12, 0),
  EOIR1_EL1: key(3, 0, 12, 12, 1),
  HPPIR1_EL1: key(3, 0, 12, 12, 2),
  BPR1_EL1: key(3, 0, 12, 12, 3),
  CTLR_EL1: key(3, 0, 12, 12, 4),
  SRE_EL1: key(3, 0, 12, 12, 5),
  IGRPEN0_EL1: key(3, 0, 12, 12, 6),
  IGRPEN1_EL1: key(3, 0, 12, 12, 7),
  /** EL2 view used by Linux's early EL2 setup: SRE and Enable RAO/WI. */
  SRE_EL2: key(3, 4, 12, 9, 5),
  /** ICH_HCR_EL2: RAZ/WI (no GICv3 virtualization: ICH_* list registers are not implemented). */
  ICH_HCR_EL2: key(3, 4, 12, 11, 0),
} as const;
