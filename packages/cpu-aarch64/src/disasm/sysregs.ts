import type { Feature } from "../model.js";

/**
 * System register names for MRS/MSR (ARM ARM D13 / D17), keyed by op0:op1:CRn:CRm:op2. Only the
 * registers of this CPU model's architecture level that LLVM 14 names for the reference -mattr list
 * (Armv8.0 + GICv3 + PMU + debug, DIT, SSBS, the PAuth keys); others print as S<op0>_<op1>_C<n>_C<m>_<op2>.
 */
const R = 1;
const W = 2;
const RW = 3;
const key = (op0: number, op1: number, crn: number, crm: number, op2: number): number =>
  (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;

export const SYSREG_READ = new Map<number, string>();
export const SYSREG_WRITE = new Map<number, string>();

function reg(name: string, op0: number, op1: number, crn: number, crm: number, op2: number, rw = RW): void {
  const k = key(op0, op1, crn, crm, op2);
  if (rw & R) SYSREG_READ.set(k, name);
  if (rw & W) SYSREG_WRITE.set(k, name);
}

const LIST = `
MIDR_EL1 3 0 0 0 0 r|MPIDR_EL1 3 0 0 0 5 r|REVIDR_EL1 3 0 0 0 6 r|ID_PFR0_EL1 3 0 0 1 0 r|ID_PFR1_EL1 3 0 0 1 1 r
ID_DFR0_EL1 3 0 0 1 2 r|ID_AFR0_EL1 3 0 0 1 3 r|ID_MMFR0_EL1 3 0 0 1 4 r|ID_MMFR1_EL1 3 0 0 1 5 r|ID_MMFR2_EL1 3 0 0 1 6 r
ID_MMFR3_EL1 3 0 0 1 7 r|ID_ISAR0_EL1 3 0 0 2 0 r|ID_ISAR1_EL1 3 0 0 2 1 r|ID_ISAR2_EL1 3 0 0 2 2 r|ID_ISAR3_EL1 3 0 0 2 3 r
ID_ISAR4_EL1 3 0 0 2 4 r|ID_ISAR5_EL1 3 0 0 2 5 r|ID_MMFR4_EL1 3 0 0 2 6 r|MVFR0_EL1 3 0 0 3 0 r
MVFR1_EL1 3 0 0 3 1 r|MVFR2_EL1 3 0 0 3 2 r|ID_AA64PFR0_EL1 3 0 0 4 0 r|ID_AA64PFR1_EL1 3 0 0 4 1 r
ID_AA64DFR0_EL1 3 0 0 5 0 r|ID_AA64DFR1_EL1 3 0 0 5 1 r|ID_AA64AFR0_EL1 3 0 0 5 4 r|ID_AA64AFR1_EL1 3 0 0 5 5 r
ID_AA64ISAR0_EL1 3 0 0 6 0 r|ID_AA64ISAR1_EL1 3 0 0 6 1 r|ID_AA64MMFR0_EL1 3 0 0 7 0 r|ID_AA64MMFR1_EL1 3 0 0 7 1 r
ID_AA64MMFR2_EL1 3 0 0 7 2 r|CCSIDR_EL1 3 1 0 0 0 r|CLIDR_EL1 3 1 0 0 1 r|AIDR_EL1 3 1 0 0 7 r|CSSELR_EL1 3 2 0 0 0 rw
CTR_EL0 3 3 0 0 1 r|DCZID_EL0 3 3 0 0 7 r|VPIDR_EL2 3 4 0 0 0 rw|VMPIDR_EL2 3 4 0 0 5 rw
RVBAR_EL1 3 0 12 0 1 r|RVBAR_EL2 3 4 12 0 1 r|RVBAR_EL3 3 6 12 0 1 r|ISR_EL1 3 0 12 1 0 r|CNTPCT_EL0 3 3 14 0 1 r
CNTVCT_EL0 3 3 14 0 2 r|MDCCSR_EL0 2 3 0 1 0 r|DBGDTRRX_EL0 2 3 0 5 0 r|DBGDTRTX_EL0 2 3 0 5 0 w|OSLSR_EL1 2 0 1 1 4 r
OSLAR_EL1 2 0 1 0 4 w|DBGAUTHSTATUS_EL1 2 0 7 14 6 r|MDRAR_EL1 2 0 1 0 0 r|PMCEID0_EL0 3 3 9 12 6 r|PMCEID1_EL0 3 3 9 12 7 r
PMSWINC_EL0 3 3 9 12 4 w|ICC_IAR1_EL1 3 0 12 12 0 r|ICC_IAR0_EL1 3 0 12 8 0 r|ICC_HPPIR1_EL1 3 0 12 12 2 r
ICC_HPPIR0_EL1 3 0 12 8 2 r|ICC_RPR_EL1 3 0 12 11 3 r|ICH_VTR_EL2 3 4 12 11 1 r|ICH_EISR_EL2 3 4 12 11 3 r
ICH_ELRSR_EL2 3 4 12 11 5 r|ICH_MISR_EL2 3 4 12 11 2 r|ICC_EOIR1_EL1 3 0 12 12 1 w|ICC_EOIR0_EL1 3 0 12 8 1 w
ICC_DIR_EL1 3 0 12 11 1 w|ICC_SGI1R_EL1 3 0 12 11 5 w|ICC_ASGI1R_EL1 3 0 12 11 6 w|ICC_SGI0R_EL1 3 0 12 11 7 w
SCTLR_EL1 3 0 1 0 0|ACTLR_EL1 3 0 1 0 1|CPACR_EL1 3 0 1 0 2|SCTLR_EL2 3 4 1 0 0|ACTLR_EL2 3 4 1 0 1|HCR_EL2 3 4 1 1 0
MDCR_EL2 3 4 1 1 1|CPTR_EL2 3 4 1 1 2|HSTR_EL2 3 4 1 1 3|HACR_EL2 3 4 1 1 7|SCTLR_EL3 3 6 1 0 0|ACTLR_EL3 3 6 1 0 1
SCR_EL3 3 6 1 1 0|SDER32_EL3 3 6 1 1 1|CPTR_EL3 3 6 1 1 2|MDCR_EL3 3 6 1 3 1|TTBR0_EL1 3 0 2 0 0|TTBR1_EL1 3 0 2 0 1
TCR_EL1 3 0 2 0 2|TCR_EL2 3 4 2 0 2|VTCR_EL2 3 4 2 1 2|TTBR0_EL3 3 6 2 0 0
TCR_EL3 3 6 2 0 2|DACR32_EL2 3 4 3 0 0|APIAKeyLo_EL1 3 0 2 1 0|APIAKeyHi_EL1 3 0 2 1 1|APIBKeyLo_EL1 3 0 2 1 2
APIBKeyHi_EL1 3 0 2 1 3|APDAKeyLo_EL1 3 0 2 2 0|APDAKeyHi_EL1 3 0 2 2 1|APDBKeyLo_EL1 3 0 2 2 2|APDBKeyHi_EL1 3 0 2 2 3
APGAKeyLo_EL1 3 0 2 3 0|APGAKeyHi_EL1 3 0 2 3 1|SPSR_EL1 3 0 4 0 0|ELR_EL1 3 0 4 0 1|SP_EL0 3 0 4 1 0|SPSel 3 0 4 2 0
CurrentEL 3 0 4 2 2 r|DAIF 3 3 4 2 1|NZCV 3 3 4 2 0|FPCR 3 3 4 4 0|FPSR 3 3 4 4 1|DSPSR_EL0 3 3 4 5 0|DLR_EL0 3 3 4 5 1
SPSR_EL2 3 4 4 0 0|ELR_EL2 3 4 4 0 1|SP_EL1 3 4 4 1 0|SPSR_irq 3 4 4 3 0|SPSR_abt 3 4 4 3 1|SPSR_und 3 4 4 3 2
SPSR_fiq 3 4 4 3 3|SPSR_EL3 3 6 4 0 0|ELR_EL3 3 6 4 0 1|SP_EL2 3 6 4 1 0|DIT 3 3 4 2 5|SSBS 3 3 4 2 6|ICC_PMR_EL1 3 0 4 6 0
IFSR32_EL2 3 4 5 0 1|AFSR0_EL1 3 0 5 1 0|AFSR1_EL1 3 0 5 1 1|ESR_EL1 3 0 5 2 0|AFSR0_EL2 3 4 5 1 0|AFSR1_EL2 3 4 5 1 1
ESR_EL2 3 4 5 2 0|FPEXC32_EL2 3 4 5 3 0|AFSR0_EL3 3 6 5 1 0|AFSR1_EL3 3 6 5 1 1|ESR_EL3 3 6 5 2 0|FAR_EL1 3 0 6 0 0
FAR_EL2 3 4 6 0 0|HPFAR_EL2 3 4 6 0 4|FAR_EL3 3 6 6 0 0|PAR_EL1 3 0 7 4 0|PMCR_EL0 3 3 9 12 0|PMCNTENSET_EL0 3 3 9 12 1
PMCNTENCLR_EL0 3 3 9 12 2|PMOVSCLR_EL0 3 3 9 12 3|PMSELR_EL0 3 3 9 12 5|PMCCNTR_EL0 3 3 9 13 0|PMXEVTYPER_EL0 3 3 9 13 1
PMXEVCNTR_EL0 3 3 9 13 2|PMUSERENR_EL0 3 3 9 14 0|PMINTENSET_EL1 3 0 9 14 1|PMINTENCLR_EL1 3 0 9 14 2
PMOVSSET_EL0 3 3 9 14 3|PMCCFILTR_EL0 3 3 14 15 7|MAIR_EL1 3 0 10 2 0|AMAIR_EL1 3 0 10 3 0|MAIR_EL2 3 4 10 2 0
AMAIR_EL2 3 4 10 3 0|MAIR_EL3 3 6 10 2 0|AMAIR_EL3 3 6 10 3 0|VBAR_EL1 3 0 12 0 0|VBAR_EL2 3 4 12 0 0|VBAR_EL3 3 6 12 0 0
RMR_EL1 3 0 12 0 2|RMR_EL2 3 4 12 0 2|RMR_EL3 3 6 12 0 2|CONTEXTIDR_EL1 3 0 13 0 1|TPIDR_EL1 3 0 13 0 4|TPIDR_EL0 3 3 13 0 2
TPIDRRO_EL0 3 3 13 0 3|TPIDR_EL2 3 4 13 0 2|TPIDR_EL3 3 6 13 0 2|CNTFRQ_EL0 3 3 14 0 0|CNTKCTL_EL1 3 0 14 1 0
CNTP_TVAL_EL0 3 3 14 2 0|CNTP_CTL_EL0 3 3 14 2 1|CNTP_CVAL_EL0 3 3 14 2 2|CNTV_TVAL_EL0 3 3 14 3 0|CNTV_CTL_EL0 3 3 14 3 1
CNTV_CVAL_EL0 3 3 14 3 2|CNTHCTL_EL2 3 4 14 1 0|CNTHP_TVAL_EL2 3 4 14 2 0|CNTHP_CTL_EL2 3 4 14 2 1|CNTHP_CVAL_EL2 3 4 14 2 2
CNTVOFF_EL2 3 4 14 0 3|CNTPS_TVAL_EL1 3 7 14 2 0|CNTPS_CTL_EL1 3 7 14 2 1|CNTPS_CVAL_EL1 3 7 14 2 2|ICC_BPR0_EL1 3 0 12 8 3
ICC_BPR1_EL1 3 0 12 12 3|ICC_CTLR_EL1 3 0 12 12 4|ICC_SRE_EL1 3 0 12 12 5|ICC_IGRPEN0_EL1 3 0 12 12 6
ICC_IGRPEN1_EL1 3 0 12 12 7|ICC_SRE_EL2 3 4 12 9 5|ICC_CTLR_EL3 3 6 12 12 4|ICC_SRE_EL3 3 6 12 12 5
ICC_IGRPEN1_EL3 3 6 12 12 7|ICH_HCR_EL2 3 4 12 11 0|ICH_VMCR_EL2 3 4 12 11 7|OSDTRRX_EL1 2 0 0 0 2|MDCCINT_EL1 2 0 0 2 0
MDSCR_EL1 2 0 0 2 2|OSDTRTX_EL1 2 0 0 3 2|OSECCR_EL1 2 0 0 6 2|OSDLR_EL1 2 0 1 3 4|DBGPRCR_EL1 2 0 1 4 4
DBGCLAIMSET_EL1 2 0 7 8 6|DBGCLAIMCLR_EL1 2 0 7 9 6|DBGDTR_EL0 2 3 0 4 0|DBGVCR32_EL2 2 4 0 7 0|TEECR32_EL1 2 2 0 0 0
TEEHBR32_EL1 2 2 1 0 0`;

for (const item of LIST.split(/[|\n]/)) {
  const t = item.trim().split(/\s+/);
  if (t.length < 6) continue;
  const [name, ...nums] = t;
  const rw = t[6] === "r" ? R : t[6] === "w" ? W : RW;
  reg(name!, Number(nums[0]), Number(nums[1]), Number(nums[2]), Number(nums[3]), Number(nums[4]), rw);
}
for (let n = 0; n < 4; n++) {
  reg(`ICC_AP0R${n}_EL1`, 3, 0, 12, 8, 4 + n);
  reg(`ICC_AP1R${n}_EL1`, 3, 0, 12, 9, n);
  reg(`ICH_AP0R${n}_EL2`, 3, 4, 12, 8, n);
  reg(`ICH_AP1R${n}_EL2`, 3, 4, 12, 9, n);
}
for (let n = 0; n < 16; n++) {
  reg(`ICH_LR${n}_EL2`, 3, 4, 12, 12 + (n >> 3), n & 7);
  reg(`DBGBVR${n}_EL1`, 2, 0, 0, n, 4);
  reg(`DBGBCR${n}_EL1`, 2, 0, 0, n, 5);
  reg(`DBGWVR${n}_EL1`, 2, 0, 0, n, 6);
  reg(`DBGWCR${n}_EL1`, 2, 0, 0, n, 7);
}
for (let n = 0; n < 31; n++) {
  reg(`PMEVCNTR${n}_EL0`, 3, 3, 14, 8 + (n >> 3), n & 7);
  reg(`PMEVTYPER${n}_EL0`, 3, 3, 14, 12 + (n >> 3), n & 7);
}

/** Names that exist only with a feature (LLVM prints the generic form without its -mattr flag). */
const GATED = new Map<number, Feature>();
for (const [op2, crm] of [
  [0, 1],
  [1, 1],
  [2, 1],
  [3, 1],
  [0, 2],
  [1, 2],
  [2, 2],
  [3, 2],
  [0, 3],
  [1, 3],
] as const) {
  GATED.set(key(3, 0, 2, crm, op2), "FEAT_PAuth");
}
GATED.set(key(3, 3, 4, 2, 5), "FEAT_DIT");
GATED.set(key(3, 3, 4, 2, 6), "FEAT_SSBS");

/** The model whose features decide feature-gated names (set by the disassembler for each word). */
export const nameModel: { features: ReadonlySet<Feature> | null } = { features: null };
const hasFeature = (f: Feature | undefined): boolean =>
  f === undefined || nameModel.features === null || nameModel.features.has(f);

/** Name LLVM prints for the register at bits [20:5] of an MRS (read) / MSR (write) word. */
export function sysregName(w: number, write: boolean): string {
  const k = (w >>> 5) & 0xffff;
  const name = (write ? SYSREG_WRITE : SYSREG_READ).get(k);
  if (name && hasFeature(GATED.get(k))) return name;
  return `S${(k >>> 14) & 3}_${(k >>> 11) & 7}_C${(k >>> 7) & 15}_C${(k >>> 3) & 15}_${k & 7}`;
}

/** SYS aliases (C5.3 / C5.5): DC, IC, AT, TLBI keyed by op1:CRn:CRm:op2; value [mnemonic, op, takesReg]. */
const SYS_OPS = new Map<number, readonly [string, string, boolean]>();
const SYS_GATED = new Map<number, Feature>();
const sk = (op1: number, crn: number, crm: number, op2: number): number =>
  (op1 << 11) | (crn << 7) | (crm << 3) | op2;
function sys(mn: string, op: string, op1: number, crn: number, crm: number, op2: number, reg: boolean): void {
  SYS_OPS.set(sk(op1, crn, crm, op2), [mn, op, reg]);
}
sys("ic", "ialluis", 0, 7, 1, 0, false);
sys("ic", "iallu", 0, 7, 5, 0, false);
sys("ic", "ivau", 3, 7, 5, 1, true);
for (const [op, op1, crm, op2] of [
  ["ivac", 0, 6, 1],
  ["isw", 0, 6, 2],
  ["csw", 0, 10, 2],
  ["cisw", 0, 14, 2],
  ["zva", 3, 4, 1],
  ["cvac", 3, 10, 1],
  ["cvau", 3, 11, 1],
  ["civac", 3, 14, 1],
  ["cvap", 3, 12, 1],
  ["cvadp", 3, 13, 1],
] as const) {
  sys("dc", op, op1, 7, crm, op2, true);
}
SYS_GATED.set(sk(3, 7, 12, 1), "FEAT_DPB");
SYS_GATED.set(sk(3, 7, 13, 1), "FEAT_DPB2");
for (const [op, op1, op2] of [
  ["s1e1r", 0, 0],
  ["s1e1w", 0, 1],
  ["s1e0r", 0, 2],
  ["s1e0w", 0, 3],
  ["s1e2r", 4, 0],
  ["s1e2w", 4, 1],
  ["s12e1r", 4, 4],
  ["s12e1w", 4, 5],
  ["s12e0r", 4, 6],
  ["s12e0w", 4, 7],
  ["s1e3r", 6, 0],
  ["s1e3w", 6, 1],
] as const) {
  sys("at", op, op1, 7, 8, op2, true);
}
for (const [op, op1, crm, op2, r] of [
  ["vmalle1is", 0, 3, 0, false],
  ["vae1is", 0, 3, 1, true],
  ["aside1is", 0, 3, 2, true],
  ["vaae1is", 0, 3, 3, true],
  ["vale1is", 0, 3, 5, true],
  ["vaale1is", 0, 3, 7, true],
  ["vmalle1", 0, 7, 0, false],
  ["vae1", 0, 7, 1, true],
  ["aside1", 0, 7, 2, true],
  ["vaae1", 0, 7, 3, true],
  ["vale1", 0, 7, 5, true],
  ["vaale1", 0, 7, 7, true],
  ["ipas2e1is", 4, 0, 1, true],
  ["ipas2le1is", 4, 0, 5, true],
  ["alle2is", 4, 3, 0, false],
  ["vae2is", 4, 3, 1, true],
  ["alle1is", 4, 3, 4, false],
  ["vale2is", 4, 3, 5, true],
  ["vmalls12e1is", 4, 3, 6, false],
  ["ipas2e1", 4, 4, 1, true],
  ["ipas2le1", 4, 4, 5, true],
  ["alle2", 4, 7, 0, false],
  ["vae2", 4, 7, 1, true],
  ["alle1", 4, 7, 4, false],
  ["vale2", 4, 7, 5, true],
  ["vmalls12e1", 4, 7, 6, false],
  ["alle3is", 6, 3, 0, false],
  ["vae3is", 6, 3, 1, true],
  ["vale3is", 6, 3, 5, true],
  ["alle3", 6, 7, 0, false],
  ["vae3", 6, 7, 1, true],
  ["vale3", 6, 7, 5, true],
] as const) {
  sys("tlbi", op, op1, 8, crm, op2, r);
}

/** Operands of SYS: the DC/IC/AT/TLBI alias when one applies, else the generic form. */
export function sysText(w: number): string {
  const op1 = (w >>> 16) & 7;
  const crn = (w >>> 12) & 15;
  const crm = (w >>> 8) & 15;
  const op2 = (w >>> 5) & 7;
  const rt = w & 31;
  const k = sk(op1, crn, crm, op2);
  const a = hasFeature(SYS_GATED.get(k)) ? SYS_OPS.get(k) : undefined;
  const xt = rt === 31 ? "xzr" : `x${rt}`;
  if (a) return a[2] ? `${a[0]} ${a[1]}, ${xt}` : `${a[0]} ${a[1]}`;
  return `sys #${op1}, c${crn}, c${crm}, #${op2}${rt === 31 ? "" : `, ${xt}`}`;
}

/*
 * Registers LLVM 14 names although the M1 model does not implement them: the ETE/ETMv4 trace unit
 * (system-register view of the programmers' model: offset/4 = CRn:op2:CRm, op0 = 2, op1 = 1), the
 * trace buffer (TRBE), RAS 1.1 fault injection and a few ID registers.
 */
const ETE: [string, number, number][] = [
  ["TRCPRGCTLR", 0x004, RW],
  ["TRCPROCSELR", 0x008, RW],
  ["TRCSTATR", 0x00c, R],
  ["TRCCONFIGR", 0x010, RW],
  ["TRCAUXCTLR", 0x018, RW],
  ["TRCEVENTCTL0R", 0x020, RW],
  ["TRCEVENTCTL1R", 0x024, RW],
  ["TRCRSR", 0x028, RW],
  ["TRCSTALLCTLR", 0x02c, RW],
  ["TRCTSCTLR", 0x030, RW],
  ["TRCSYNCPR", 0x034, RW],
  ["TRCCCCTLR", 0x038, RW],
  ["TRCBBCTLR", 0x03c, RW],
  ["TRCTRACEIDR", 0x040, RW],
  ["TRCQCTLR", 0x044, RW],
  ["TRCVICTLR", 0x080, RW],
  ["TRCVIIECTLR", 0x084, RW],
  ["TRCVISSCTLR", 0x088, RW],
  ["TRCVIPCSSCTLR", 0x08c, RW],
  ["TRCVDCTLR", 0x0a0, RW],
  ["TRCVDSACCTLR", 0x0a4, RW],
  ["TRCVDARCCTLR", 0x0a8, RW],
  ["TRCSEQRSTEVR", 0x118, RW],
  ["TRCSEQSTR", 0x11c, RW],
  ["TRCEXTINSELR", 0x120, RW],
  ["TRCOSLAR", 0x300, W],
  ["TRCOSLSR", 0x304, R],
  ["TRCPDCR", 0x310, RW],
  ["TRCPDSR", 0x314, R],
  ["TRCCIDCCTLR0", 0x680, RW],
  ["TRCCIDCCTLR1", 0x684, RW],
  ["TRCVMIDCCTLR0", 0x688, RW],
  ["TRCVMIDCCTLR1", 0x68c, RW],
  ["TRCITCTRL", 0xf00, RW],
  ["TRCCLAIMSET", 0xfa0, RW],
  ["TRCCLAIMCLR", 0xfa4, RW],
  ["TRCDEVAFF0", 0xfa8, R],
  ["TRCDEVAFF1", 0xfac, R],
  ["TRCLAR", 0xfb0, W],
  ["TRCLSR", 0xfb4, R],
  ["TRCAUTHSTATUS", 0xfb8, R],
  ["TRCDEVARCH", 0xfbc, R],
  ["TRCDEVID", 0xfc8, R],
  ["TRCDEVTYPE", 0xfcc, R],
  ["TRCPIDR4", 0xfd0, R],
  ["TRCPIDR5", 0xfd4, R],
  ["TRCPIDR6", 0xfd8, R],
  ["TRCPIDR7", 0xfdc, R],
  ["TRCPIDR0", 0xfe0, R],
  ["TRCPIDR1", 0xfe4, R],
  ["TRCPIDR2", 0xfe8, R],
  ["TRCPIDR3", 0xfec, R],
  ["TRCCIDR0", 0xff0, R],
  ["TRCCIDR1", 0xff4, R],
  ["TRCCIDR2", 0xff8, R],
  ["TRCCIDR3", 0xffc, R],
];
const ete = (name: string, off: number, rw: number): void => {
  const n = off >> 2;
  reg(name, 2, 1, n >> 7, n & 15, (n >> 4) & 7, rw);
};
for (const [name, off, rw] of ETE) ete(name, off, rw);
for (let n = 0; n < 3; n++) ete(`TRCSEQEVR${n}`, 0x100 + 4 * n, RW);
for (let n = 1; n < 4; n++) ete(`TRCEXTINSELR${n}`, 0x120 + 4 * n, RW); // ETE: TRCEXTINSELR<n>
for (let n = 0; n < 4; n++) {
  ete(`TRCCNTRLDVR${n}`, 0x140 + 4 * n, RW);
  ete(`TRCCNTCTLR${n}`, 0x150 + 4 * n, RW);
  ete(`TRCCNTVR${n}`, 0x160 + 4 * n, RW);
}
for (let n = 8; n < 14; n++) ete(`TRCIDR${n}`, 0x180 + 4 * (n - 8), R);
for (let n = 0; n < 8; n++) {
  ete(`TRCIMSPEC${n}`, 0x1c0 + 4 * n, RW);
  ete(`TRCIDR${n}`, 0x1e0 + 4 * n, R);
  ete(`TRCSSCCR${n}`, 0x280 + 4 * n, RW);
  ete(`TRCSSCSR${n}`, 0x2a0 + 4 * n, RW);
  ete(`TRCSSPCICR${n}`, 0x2c0 + 4 * n, RW);
  ete(`TRCDVCVR${n}`, 0x500 + 16 * n, RW);
  ete(`TRCDVCMR${n}`, 0x580 + 16 * n, RW);
  ete(`TRCCIDCVR${n}`, 0x600 + 8 * n, RW);
  ete(`TRCVMIDCVR${n}`, 0x640 + 8 * n, RW);
}
for (let n = 2; n < 32; n++) ete(`TRCRSCTLR${n}`, 0x200 + 4 * n, RW);
for (let n = 0; n < 16; n++) {
  ete(`TRCACVR${n}`, 0x400 + 8 * n, RW);
  ete(`TRCACATR${n}`, 0x480 + 8 * n, RW);
}
for (const [name, op2, rw] of [
  ["TRBLIMITR_EL1", 0, RW],
  ["TRBPTR_EL1", 1, RW],
  ["TRBBASER_EL1", 2, RW],
  ["TRBSR_EL1", 3, RW],
  ["TRBMAR_EL1", 4, RW],
  ["TRBTRG_EL1", 6, RW],
  ["TRBIDR_EL1", 7, R],
] as const) {
  reg(name, 3, 0, 9, 11, op2, rw);
}
reg("ERXPFGF_EL1", 3, 0, 5, 4, 4, R);
reg("ERXPFGCTL_EL1", 3, 0, 5, 4, 5);
reg("ERXPFGCDN_EL1", 3, 0, 5, 4, 6);
reg("ERXMISC2_EL1", 3, 0, 5, 5, 2);
reg("ERXMISC3_EL1", 3, 0, 5, 5, 3);
reg("PMMIR_EL1", 3, 0, 9, 14, 6);
reg("ID_MMFR5_EL1", 3, 0, 0, 3, 6, R);
reg("ID_AA64ISAR2_EL1", 3, 0, 0, 6, 2, R);
