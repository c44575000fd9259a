import type { CpuModel, Feature } from "../model.js";

/**
 * ID register values derived from a CpuModel's feature set (ARM ARM D19.2 ID_AA64*_EL1 field
 * encodings), so Linux sees exactly the model's features and user mode's AT_HWCAP follows from them.
 */
export interface IdRegs {
  midr: bigint;
  isar0: bigint;
  isar1: bigint;
  isar2: bigint;
  pfr0: bigint;
  pfr1: bigint;
  mmfr0: bigint;
  mmfr1: bigint;
  mmfr2: bigint;
  dfr0: bigint;
  zfr0: bigint;
}

function f(v: number, shift: number): bigint {
  return BigInt(v) << BigInt(shift);
}

export function idRegsFor(model: CpuModel): IdRegs {
  const has = (x: Feature): boolean => model.features.has(x);
  const isar0 =
    f(has("FEAT_PMULL") ? 2 : has("FEAT_AES") ? 1 : 0, 4) |
    f(has("FEAT_SHA1") ? 1 : 0, 8) |
    f(has("FEAT_SHA512") ? 2 : has("FEAT_SHA256") ? 1 : 0, 12) |
    f(has("FEAT_CRC32") ? 1 : 0, 16) |
    f(has("FEAT_LSE") ? 2 : 0, 20) |
    f(has("FEAT_RDM") ? 1 : 0, 28) |
    f(has("FEAT_SHA3") ? 1 : 0, 32) |
    f(has("FEAT_SM3") ? 1 : 0, 36) |
    f(has("FEAT_SM4") ? 1 : 0, 40) |
    f(has("FEAT_DotProd") ? 1 : 0, 44) |
    f(has("FEAT_FHM") ? 1 : 0, 48) |
    f(has("FEAT_FlagM2") ? 2 : has("FEAT_FlagM") ? 1 : 0, 52) |
    f(has("FEAT_RNG") ? 1 : 0, 60);
  // PAuth: APA/GPA (bits 7:4, 27:24) advertise QARMA5, API/GPI (11:8, 31:28) an IMPDEF algorithm.
  const pac = has("FEAT_PAuth") ? 1 : 0;
  const impdef = model.pacAlgorithm === "impdef";
  const isar1 =
    f(has("FEAT_DPB2") ? 2 : has("FEAT_DPB") ? 1 : 0, 0) |
    f(impdef ? 0 : pac, 4) | // APA
    f(impdef ? pac : 0, 8) | // API
    f(has("FEAT_JSCVT") ? 1 : 0, 12) |
    f(has("FEAT_FCMA") ? 1 : 0, 16) |
    f(has("FEAT_LRCPC2") ? 2 : has("FEAT_LRCPC") ? 1 : 0, 20) |
    f(impdef ? 0 : pac, 24) | // GPA
    f(impdef ? pac : 0, 28) | // GPI
    f(has("FEAT_FRINTTS") ? 1 : 0, 32) |
    f(has("FEAT_SB") ? 1 : 0, 36) |
    f(has("FEAT_SPECRES") ? 1 : 0, 40) |
    f(has("FEAT_BF16") ? 1 : 0, 44) |
    f(has("FEAT_I8MM") ? 1 : 0, 52);
  const fp = has("FEAT_FP") ? (has("FEAT_FP16") ? 1 : 0) : 0xf;
  const simd = has("FEAT_AdvSIMD") ? (has("FEAT_FP16") ? 1 : 0) : 0xf;
  const pfr0 =
    f(1, 0) | // EL0 AArch64 only
    f(1, 4) | // EL1 AArch64 only
    f(fp, 16) |
    f(simd, 20) |
    f(1, 24) | // GIC system register interface
    f(has("FEAT_SVE") ? 1 : 0, 32) |
    f(has("FEAT_DIT") ? 1 : 0, 48) |
    f(1, 56); // CSV2
  const pfr1 = f(has("FEAT_BTI") ? 1 : 0, 0) | f(has("FEAT_SSBS") ? 2 : 0, 4) | f(has("FEAT_MTE") ? 1 : 0, 8);
  // MMFR0: PARange 40 bits (2), ASIDBits 16 (2), BigEnd 0, SNSMem 0, BigEndEL0 0, TGran16 supported,
  // TGran64 supported (0), TGran4 supported (0).
  const mmfr0 = f(2, 0) | f(2, 4) | f(1, 20);
  // PAN (v8.1, with PAN2 for AT S1E1RP/WP) and UAO (v8.2) follow the model (Armv8.4 models have them).
  const mmfr1 =
    f(2, 4) /* VMIDBits 16 */ |
    f(has("FEAT_PAN") ? 2 : 0, 20) /* PAN, PAN2 */ |
    f(has("FEAT_LOR") ? 1 : 0, 16);
  const mmfr2 = f(has("FEAT_UAO") ? 1 : 0, 4) /* UAO */ | f(has("FEAT_LSE2") ? 1 : 0, 32);
  // DFR0: DebugVer v8 (6), PMUVer v8.1 (4), BRPs 6 (5), WRPs 4 (3), CTX_CMPs 2 (1).
  const dfr0 = f(6, 0) | f(4, 8) | f(5, 12) | f(3, 20) | f(1, 28);
  const a72 = model.name === "cortex-a72";
  const midr = model.midr !== undefined ? BigInt(model.midr >>> 0) : a72 ? 0x410fd083n : 0x610f0220n; // Cortex-A72 r0p3 / Apple (0x61) part 0x022
  return { midr, isar0, isar1, isar2: 0n, pfr0, pfr1, mmfr0, mmfr1, mmfr2, dfr0, zfr0: 0n };
}

/** Linux AT_HWCAP bits (uapi asm/hwcap.h) */
const HWCAP = {
  FP: 1 << 0,
  ASIMD: 1 << 1,
  EVTSTRM: 1 << 2,
  AES: 1 << 3,
  PMULL: 1 << 4,
  SHA1: 1 << 5,
  SHA2: 1 << 6,
  CRC32: 1 << 7,
  ATOMICS: 1 << 8,
  FPHP: 1 << 9,
  ASIMDHP: 1 << 10,
  CPUID: 1 << 11,
  ASIMDRDM: 1 << 12,
  JSCVT: 1 << 13,
  FCMA: 1 << 14,
  LRCPC: 1 << 15,
  DCPOP: 1 << 16,
  SHA3: 1 << 17,
  SM3: 1 << 18,
  SM4: 1 << 19,
  ASIMDDP: 1 << 20,
  SHA512: 1 << 21,
  SVE: 1 << 22,
  ASIMDFHM: 1 << 23,
  DIT: 1 << 24,
  USCAT: 1 << 25,
  ILRCPC: 1 << 26,
  FLAGM: 1 << 27,
  SSBS: 1 << 28,
  SB: 1 << 29,
  PACA: 1 << 30,
  PACG: 2 ** 31,
} as const;

/** Linux AT_HWCAP2 bits (uapi asm/hwcap.h) that the ID registers can advertise. */
const HWCAP2 = {
  DCPODP: 1 << 0,
  FLAGM2: 1 << 7,
  FRINT: 1 << 8,
  I8MM: 1 << 13,
  BF16: 1 << 14,
  RNG: 1 << 16,
  BTI: 1 << 17,
  MTE: 1 << 18,
} as const;

/**
 * One capability: advertised when the 4-bit ID register field at `shift` is at least `min`. FP and
 * AdvSIMD are signed fields (0xf = not implemented, so "at least 0" means present).
 */
type Cap = readonly [
  reg: keyof IdRegs,
  shift: number,
  min: number,
  hwcap: number,
  hwcap2: number,
  signed?: true,
];

/** Linux's ID-register -> hwcap rules; a bit named by two rows (PACA, PACG) is set by either. */
const CAPS: readonly Cap[] = [
  ["pfr0", 16, 0, HWCAP.FP, 0, true],
  ["pfr0", 16, 1, HWCAP.FPHP, 0, true],
  ["pfr0", 20, 0, HWCAP.ASIMD, 0, true],
  ["pfr0", 20, 1, HWCAP.ASIMDHP, 0, true],
  ["isar0", 4, 1, HWCAP.AES, 0],
  ["isar0", 4, 2, HWCAP.PMULL, 0],
  ["isar0", 8, 1, HWCAP.SHA1, 0],
  ["isar0", 12, 1, HWCAP.SHA2, 0],
  ["isar0", 12, 2, HWCAP.SHA512, 0],
  ["isar0", 16, 1, HWCAP.CRC32, 0],
  ["isar0", 20, 2, HWCAP.ATOMICS, 0],
  ["isar0", 28, 1, HWCAP.ASIMDRDM, 0],
  ["isar0", 32, 1, HWCAP.SHA3, 0],
  ["isar0", 36, 1, HWCAP.SM3, 0],
  ["isar0", 40, 1, HWCAP.SM4, 0],
  ["isar0", 44, 1, HWCAP.ASIMDDP, 0],
  ["isar0", 48, 1, HWCAP.ASIMDFHM, 0],
  ["isar0", 52, 1, HWCAP.FLAGM, 0],
  ["isar0", 52, 2, 0, HWCAP2.FLAGM2],
  ["isar0", 60, 1, 0, HWCAP2.RNG],
  ["isar1", 0, 1, HWCAP.DCPOP, 0],
  ["isar1", 0, 2, 0, HWCAP2.DCPODP],
  ["isar1", 4, 1, HWCAP.PACA, 0], // APA
  ["isar1", 8, 1, HWCAP.PACA, 0], // API
  ["isar1", 12, 1, HWCAP.JSCVT, 0],
  ["isar1", 16, 1, HWCAP.FCMA, 0],
  ["isar1", 20, 1, HWCAP.LRCPC, 0],
  ["isar1", 20, 2, HWCAP.ILRCPC, 0],
  ["isar1", 24, 1, HWCAP.PACG, 0], // GPA
  ["isar1", 28, 1, HWCAP.PACG, 0], // GPI
  ["isar1", 32, 1, 0, HWCAP2.FRINT],
  ["isar1", 36, 1, HWCAP.SB, 0],
  ["isar1", 44, 1, 0, HWCAP2.BF16],
  ["isar1", 52, 1, 0, HWCAP2.I8MM],
  ["pfr0", 32, 1, HWCAP.SVE, 0],
  ["pfr0", 48, 1, HWCAP.DIT, 0],
  ["pfr1", 0, 1, 0, HWCAP2.BTI],
  ["pfr1", 4, 2, HWCAP.SSBS, 0],
  ["pfr1", 8, 1, 0, HWCAP2.MTE],
  ["mmfr2", 32, 1, HWCAP.USCAT, 0],
];

/** AT_HWCAP and AT_HWCAP2 as Linux computes them from the ID registers. */
export function hwcapsFromIdRegs(id: IdRegs): { hwcap: number; hwcap2: number } {
  // CPUID: EL0 ID-register access is emulated; EVTSTRM: Linux always enables the timer event stream.
  let hwcap = HWCAP.CPUID | HWCAP.EVTSTRM;
  let hwcap2 = 0;
  for (const [reg, shift, min, h, h2, signed] of CAPS) {
    const f = Number((id[reg] >> BigInt(shift)) & 0xfn);
    if ((signed && f >= 8 ? f - 16 : f) < min) continue;
    hwcap = (hwcap | h) >>> 0;
    hwcap2 |= h2;
  }
  return { hwcap, hwcap2 };
}
