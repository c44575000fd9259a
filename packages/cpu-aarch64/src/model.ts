/**
 * CPU models: which optional architecture features (Arm ARM A2.2 "Armv8 architecture extensions",
 * FEAT_* names) a core implements. The decoder treats an encoding whose feature is absent from the
 * model as unallocated, so a new core is a feature set, not new code.
 */
export type Feature =
  | "FEAT_FP"
  | "FEAT_AdvSIMD"
  | "FEAT_AES"
  | "FEAT_PMULL"
  | "FEAT_SHA1"
  | "FEAT_SHA256"
  | "FEAT_SHA512"
  | "FEAT_SHA3"
  | "FEAT_SM3"
  | "FEAT_SM4"
  | "FEAT_CRC32"
  | "FEAT_LSE"
  | "FEAT_LSE2"
  | "FEAT_FP16"
  | "FEAT_RDM"
  | "FEAT_JSCVT"
  | "FEAT_FCMA"
  | "FEAT_LRCPC"
  | "FEAT_LRCPC2"
  | "FEAT_DPB"
  | "FEAT_DPB2"
  | "FEAT_DotProd"
  | "FEAT_FHM"
  | "FEAT_DIT"
  | "FEAT_FlagM"
  | "FEAT_FlagM2"
  | "FEAT_SSBS"
  | "FEAT_SB"
  | "FEAT_PAuth"
  | "FEAT_FRINTTS"
  | "FEAT_PAN"
  | "FEAT_UAO"
  | "FEAT_LOR"
  | "FEAT_BTI"
  | "FEAT_MTE"
  | "FEAT_SVE"
  | "FEAT_BF16"
  | "FEAT_I8MM"
  | "FEAT_RNG"
  | "FEAT_SPECRES"
  | "FEAT_LS64"
  | "FEAT_WFxT"
  | "FEAT_XS"
  | "FEAT_EL3";

export interface CpuModel {
  name: string;
  features: ReadonlySet<Feature>;
  /**
   * Pointer-authentication algorithm with FEAT_PAuth: "qarma5" (architected, ID_AA64ISAR1_EL1.APA/GPA
   * = 1) or "impdef" (IMPLEMENTATION DEFINED, API/GPI = 1; much cheaper to emulate). Default qarma5.
   */
  pacAlgorithm?: "qarma5" | "impdef";
  /** MIDR_EL1 (D19.2.92): implementer, variant, architecture, part, revision. Default per model. */
  midr?: number;
}

/** Linux hwcap name -> FEAT_* (arch/arm64 "elf_hwcaps" documentation). */
export const HWCAP_FEATURES: Readonly<Record<string, readonly Feature[]>> = {
  fp: ["FEAT_FP"],
  asimd: ["FEAT_AdvSIMD"],
  aes: ["FEAT_AES"],
  pmull: ["FEAT_PMULL"],
  sha1: ["FEAT_SHA1"],
  sha2: ["FEAT_SHA256"],
  crc32: ["FEAT_CRC32"],
  atomics: ["FEAT_LSE"],
  fphp: ["FEAT_FP16"],
  asimdhp: ["FEAT_FP16"],
  asimdrdm: ["FEAT_RDM"],
  jscvt: ["FEAT_JSCVT"],
  fcma: ["FEAT_FCMA"],
  lrcpc: ["FEAT_LRCPC"],
  dcpop: ["FEAT_DPB"],
  sha3: ["FEAT_SHA3"],
  asimddp: ["FEAT_DotProd"],
  sha512: ["FEAT_SHA512"],
  asimdfhm: ["FEAT_FHM"],
  dit: ["FEAT_DIT"],
  uscat: ["FEAT_LSE2"],
  ilrcpc: ["FEAT_LRCPC2"],
  flagm: ["FEAT_FlagM"],
  ssbs: ["FEAT_SSBS"],
  sb: ["FEAT_SB"],
  paca: ["FEAT_PAuth"],
  pacg: ["FEAT_PAuth"],
  dcpodp: ["FEAT_DPB2"],
  flagm2: ["FEAT_FlagM2"],
  frint: ["FEAT_FRINTTS"],
  sm3: ["FEAT_SM3"],
  sm4: ["FEAT_SM4"],
  bti: ["FEAT_BTI"],
  mte: ["FEAT_MTE"],
  sve: ["FEAT_SVE"],
  bf16: ["FEAT_BF16"],
  i8mm: ["FEAT_I8MM"],
  rng: ["FEAT_RNG"],
  /** not a hwcap: cores with EL3 (SMC, DCPS3); the M1 has none. */
  el3: ["FEAT_EL3"],
};

/** Builds a model from a Linux `/proc/cpuinfo` Features line (unknown hwcaps such as evtstrm are ignored). */
export function modelFromHwcaps(name: string, hwcaps: string): CpuModel {
  const features = new Set<Feature>();
  for (const cap of hwcaps.trim().split(/\s+/)) {
    for (const f of HWCAP_FEATURES[cap] ?? []) features.add(f);
  }
  return { name, features };
}

const M1_HWCAPS = modelFromHwcaps(
  "apple-m1-parallels",
  "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 asimddp sha512 asimdfhm dit uscat ilrcpc flagm ssbs sb paca pacg dcpodp flagm2 frint",
);
/**
 * The Parallels VM on an Apple M1 (seed 000): Armv8.4-A plus the listed hwcaps. PAN (Armv8.1) and
 * UAO (Armv8.2) are mandatory in Armv8.4 but have no hwcap, so they are added here.
 */
export const M1_MODEL: CpuModel = {
  name: M1_HWCAPS.name,
  features: new Set<Feature>([...M1_HWCAPS.features, "FEAT_PAN", "FEAT_UAO"]),
  // Apple's cores use an IMPLEMENTATION DEFINED PAC algorithm too; QARMA5 makes a Debian kernel
  // (which signs every return address) several times slower to emulate.
  pacAlgorithm: "impdef",
};

/** The M1 model with the architected QARMA5 PAC algorithm (bit-exact with QEMU's `-cpu max`). */
export const M1_QARMA5_MODEL: CpuModel = { ...M1_MODEL, name: "m1-qarma5", pacAlgorithm: "qarma5" };

/** Cortex-A72: Armv8.0-A with the crypto extension and CRC32. */
export const CORTEX_A72_MODEL: CpuModel = modelFromHwcaps(
  "cortex-a72",
  "fp asimd aes pmull sha1 sha2 crc32 el3",
);
