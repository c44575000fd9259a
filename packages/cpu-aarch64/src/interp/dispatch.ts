/*
 * Dispatch: one handler per entry of the decoder's ENCODINGS table, chosen once at load time by the
 * entry's `id` (ARM XML encoding name) or, for classes where one handler serves every variant, by its
 * `iclass`. The pre-decode cache stores ENCODINGS indices; index ENCODINGS.length is "unallocated".
 */
import { decode } from "../decoder/decode.js";
import { ENCODINGS } from "../decoder/table.js";
import type { CpuModel } from "../model.js";
import type { Cpu } from "./cpu.js";
import * as F from "./exec-fast.js";
import * as I from "./exec-int.js";
import * as M from "./exec-mem.js";
import * as V from "./exec-simd.js";
import * as S from "./exec-sys.js";
import * as J from "./simd/index.js";

export type Handler = (c: Cpu, w: number) => void;

/** Handlers serving a whole instruction class (they read the variant bits themselves). */
const BY_CLASS: Record<string, Handler> = {
  pcreladdr: I.pcreladdr,
  addsub_imm: I.addsubImm,
  log_imm: I.logImm,
  movewide: I.movewide,
  bitfield: I.bitfield,
  extract: I.extract,
  addsub_shift: I.addsubShift,
  addsub_ext: I.addsubExt,
  addsub_carry: I.addsubCarry,
  log_shift: I.logShift,
  condsel: I.condsel,
  condcmp: I.condcmp,
  condcmp_imm: I.condcmp,
  condcmp_reg: I.condcmp,
  dp_1src: I.dp1src,
  dp_2src: I.dp2src,
  dp_3src: I.dp3src,
  rmif: I.rmif,
  setf: I.setf,
  branch_imm: I.branchImm,
  condbranch: I.condbranch,
  compbranch: I.compbranch,
  testbranch: I.testbranch,
  ldst_pos: M.ldstPos,
  ldst_immpost: M.ldstImm9,
  ldst_immpre: M.ldstImm9,
  ldst_unscaled: M.ldstImm9,
  ldst_unpriv: M.ldstImm9,
  ldst_regoff: M.ldstRegoff,
  loadlit: M.loadlit,
  ldstpair_off: M.ldstPair,
  ldstpair_post: M.ldstPair,
  ldstpair_pre: M.ldstPair,
  ldstnapair_offs: M.ldstPair,
  ldstexcl: M.ldstExcl,
  ldstexclr: M.ldstExcl,
  ldstexclp: M.ldstExcl,
  ldstord: M.ldstExcl,
  comswap: M.ldstExcl,
  comswappr: M.ldstExcl,
  memop: M.memop,
  ldapstl_unscaled: M.ldapstlUnscaled,
  barriers: S.nop,
};

/**
 * SIMD&FP entries executed here (bit moves, integer compares/permutes, structure loads/stores that
 * static glibc needs), by class and mnemonic. Everything else in those classes is issue #5.
 */
const SIMD_MNEMONICS: Record<string, string[]> = {
  asimdsame:
    "ADD SUB CMTST CMEQ CMGT CMHI CMGE CMHS SMAX UMAX SMIN UMIN SMAXP UMAXP SMINP UMINP ADDP AND BIC ORR ORN EOR BSL BIT BIF MOV".split(
      " ",
    ),
  asimdimm: "MOVI MVNI ORR BIC FMOV".split(" "),
  asimdins: "DUP INS MOV UMOV SMOV".split(" "),
  asimdshf: "SSHR USHR SSRA USRA SHL SHRN SHRN2 SSHLL SSHLL2 USHLL USHLL2 SXTL SXTL2 UXTL UXTL2".split(" "),
  asimdmisc: "REV64 REV32 REV16 CNT NOT MVN RBIT CMEQ CMLE CMGT CMGE CMLT ABS NEG XTN XTN2 CLS CLZ".split(
    " ",
  ),
  asimdall: "ADDV SMAXV UMAXV SMINV UMINV SADDLV UADDLV".split(" "),
  asimdperm: "UZP1 UZP2 TRN1 TRN2 ZIP1 ZIP2".split(" "),
  asimdext: ["EXT"],
  asimdtbl: ["TBL", "TBX"],
  asisdlse: ["LD1", "ST1", "LD2", "ST2", "LD3", "ST3", "LD4", "ST4"],
  asisdlsep: ["LD1", "ST1", "LD2", "ST2", "LD3", "ST3", "LD4", "ST4"],
  asisdlso: ["LD1", "ST1", "LD1R"],
  asisdlsop: ["LD1", "ST1", "LD1R"],
  asisdpair: ["ADDP"],
  asisdone: ["DUP", "MOV"],
};

/** Handlers chosen by encoding id (system and branch forms whose class mixes unrelated things). */
const BY_ID: Record<string, Handler> = {
  SVC_EX_exception: S.svc,
  HVC_EX_exception: S.hvc,
  SMC_EX_exception: S.smc,
  BRK_EX_exception: S.brk,
  HLT_EX_exception: S.hlt,
  NOP_HI_hints: S.nop,
  YIELD_HI_hints: S.nop,
  WFE_HI_hints: S.wfe,
  WFI_HI_hints: S.wfi,
  SEV_HI_hints: S.sev,
  SEVL_HI_hints: S.sev,
  DGH_HI_hints: S.nop,
  CSDB_HI_hints: S.nop,
  HINT_HM_hints: S.nop,
  CLREX_BN_barriers: S.clrex,
  DSB_BO_barriers: S.nop,
  DMB_BO_barriers: S.nop,
  ISB_BI_barriers: S.nop,
  SB_only_barriers: S.nop,
  CFINV_M_pstate: S.cfinv,
  XAFLAG_M_pstate: S.xaflag,
  AXFLAG_M_pstate: S.axflag,
  MSR_SI_pstate_SPSel: S.msrImm,
  MSR_SI_pstate_DAIFSet: S.msrImm,
  MSR_SI_pstate_DAIFClr: S.msrImm,
  MSR_SI_pstate_SSBS: S.msrImm,
  MSR_SI_pstate_DIT: S.msrImm,
  MSR_SI_pstate_PAN: S.msrImm,
  MSR_SI_pstate_UAO: S.msrImm,
  MSR_SI_pstate: S.msrImm,
  SYS_CR_systeminstrs: S.sys,
  SYSL_RC_systeminstrs: S.sysl,
  MSR_SR_systemmove: S.msrReg,
  MRS_RS_systemmove: S.mrs,
  BR_64_branch_reg: I.branchReg,
  BLR_64_branch_reg: I.branchReg,
  RET_64R_branch_reg: I.branchReg,
  ERET_64E_branch_reg: I.eret,
  // UNDEFINED by definition (UDF) or outside Debug state (DCPS*, DRPS): ARM ARM C6.2.
  UDF_only_perm_undef: S.undef,
  DCPS1_DC_exception: S.undef,
  DCPS2_DC_exception: S.undef,
  DCPS3_DC_exception: S.undef,
  DRPS_64E_branch_reg: S.undef,
  // specialised hot forms (exec-fast.ts)
  ADD_64_addsub_shift: F.add64reg,
  SUB_64_addsub_shift: F.sub64reg,
  ADD_32_addsub_shift: F.add32reg,
  SUB_32_addsub_shift: F.sub32reg,
  SUBS_64_addsub_shift: F.subs64reg,
  SUBS_32_addsub_shift: F.subs32reg,
  ADD_64_addsub_imm: F.add64imm,
  SUB_64_addsub_imm: F.sub64imm,
  ADD_32_addsub_imm: F.add32imm,
  SUBS_64S_addsub_imm: F.subs64imm,
  SUBS_32S_addsub_imm: F.subs32imm,
  LDR_64_ldst_pos: F.ldr64pos,
  LDR_32_ldst_pos: F.ldr32pos,
  LDRB_32_ldst_pos: F.ldrbpos,
  STR_64_ldst_pos: F.str64pos,
  STR_32_ldst_pos: F.str32pos,
  STRB_32_ldst_pos: F.strbpos,
  LDR_64_ldst_regoff: F.ldr64reg,
  LDR_32_ldst_regoff: F.ldr32reg,
  LDRB_32B_ldst_regoff: F.ldrbreg,
  STR_64_ldst_regoff: F.str64reg,
  STR_32_ldst_regoff: F.str32reg,
  STRB_32B_ldst_regoff: F.strbreg,
  ORR_64_log_shift: F.orr64reg,
  ORR_32_log_shift: F.orr32reg,
  EOR_64_log_shift: F.eor64reg,
  AND_64_log_shift: F.and64reg,
  MOVZ_32_movewide: F.movz,
  MOVZ_64_movewide: F.movz,
  LDP_64_ldstpair_off: F.ldstp64,
  STP_64_ldstpair_off: F.ldstp64,
  LDP_64_ldstpair_pre: F.ldstp64,
  STP_64_ldstpair_pre: F.ldstp64,
  LDP_64_ldstpair_post: F.ldstp64,
  STP_64_ldstpair_post: F.ldstp64,
};

/** PAC hint-space instructions: NOPs here (pointer authentication is the FP/SIMD/PAuth issue). */
const PAC_HINT = /^(XPACLRI|PACI[AB](1716|SP|Z)|AUTI[AB](1716|SP|Z))_HI_hints$/;

function pick(id: string, iclass: string, feature: string | null, mnemonic: string): Handler | undefined {
  const h = BY_ID[id];
  if (h !== undefined) return h;
  const simd = V.simdById(id, iclass);
  if (simd !== undefined) return simd;
  const mn = SIMD_MNEMONICS[iclass];
  if (mn !== undefined) return mn.includes(mnemonic) ? V.SIMD_BY_CLASS[iclass] : undefined;
  if (PAC_HINT.test(id)) return S.nop;
  // Pointer authentication (other than the hint-space forms) belongs to issue #5.
  if (feature === "FEAT_PAuth") return undefined;
  return BY_CLASS[iclass];
}

const handlers: Handler[] = [];
const missing: string[] = [];
for (const e of ENCODINGS) {
  // FP/AdvSIMD/crypto/PAuth (issue #5, simd/): PAC hints and FP16 FMOVs override; the rest fill gaps.
  const h =
    J.override(e.id, e.iclass, e.mnemonic) ??
    pick(e.id, e.iclass, e.feature, e.mnemonic) ??
    J.simdHandler(e.id, e.iclass, e.mnemonic);
  if (h === undefined) missing.push(e.id);
  handlers.push(h ?? S.undef);
}
handlers.push(S.undef);

/** handler per ENCODINGS index, plus the "unallocated" handler at index ENCODINGS.length. */
export const HANDLERS: readonly Handler[] = handlers;
export const UNDEF_INDEX = ENCODINGS.length;
/** Ids of decoder entries the interpreter does not execute (they raise UNDEFINED). */
export const UNIMPLEMENTED_IDS: readonly string[] = missing;

/** Whether the interpreter executes encoding `id` (rather than raising UNDEFINED). */
export function isImplemented(id: string): boolean {
  return !missing.includes(id);
}

/**
 * SMC without EL3 is UNDEFINED at EL1 unless EL2 traps it (HCR_EL2.TSC); the board plays EL2 here and
 * traps it, as Hypervisor.framework does (seed 001), so SMC executes (as an exit) on every model.
 */
const SMC_INDEX = ENCODINGS.findIndex((e) => e.id === "SMC_EX_exception");

export function decodeIndex(w: number, model: CpuModel): number {
  const i = decode(w, model);
  if (i >= 0) return i;
  if ((w & 0xffe0001f) === (0xd4000003 | 0) && SMC_INDEX >= 0) return SMC_INDEX;
  return UNDEF_INDEX;
}
