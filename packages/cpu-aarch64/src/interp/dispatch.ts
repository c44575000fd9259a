/*
 * Dispatch: one handler per entry of the decoder's ENCODINGS table, chosen once at load time by
 * walking RULES in order; the first rule that names a handler wins. The pre-decode cache stores
 * ENCODINGS indices; index ENCODINGS.length is "unallocated".
 */
import { decode } from "../decoder/decode.js";
import type { EncodingSpec } from "../decoder/spec.js";
import { ENCODINGS } from "../decoder/table.js";
import type { CpuModel } from "../model.js";
import type { Cpu } from "./cpu.js";
import {
  add32imm,
  add32reg,
  add64imm,
  add64reg,
  and64reg,
  eor64reg,
  ldr32pos,
  ldr32reg,
  ldr64pos,
  ldr64reg,
  ldrbpos,
  ldrbreg,
  ldstp64,
  movz,
  orr32reg,
  orr64reg,
  str32pos,
  str32reg,
  str64pos,
  str64reg,
  strbpos,
  strbreg,
  sub32reg,
  sub64imm,
  sub64reg,
  subs32imm,
  subs32reg,
  subs64imm,
  subs64reg,
} from "./exec-fast.js";
import {
  addsubCarry,
  addsubExt,
  addsubImm,
  addsubShift,
  bitfield,
  branchImm,
  branchReg,
  compbranch,
  condbranch,
  condcmp,
  condsel,
  dp1src,
  dp2src,
  dp3src,
  eret,
  extract,
  logImm,
  logShift,
  movewide,
  pcreladdr,
  rmif,
  setf,
  testbranch,
} from "./exec-int.js";
import {
  ldapstlUnscaled,
  ldstExcl,
  ldstImm9,
  ldstPair,
  ldstPos,
  ldstRegoff,
  loadlit,
  memop,
} from "./exec-mem.js";
import { baseSimdHandler } from "./exec-simd.js";
import {
  axflag,
  brk,
  cfinv,
  clrex,
  hlt,
  hvc,
  mrs,
  msrImm,
  msrReg,
  nop,
  sev,
  smc,
  svc,
  sys,
  sysl,
  undef,
  wfe,
  wfi,
  xaflag,
} from "./exec-sys.js";
import { FMOV_H_OVERRIDES } from "./simd/fmov.js";
import { pauthHandler, simdHandler } from "./simd/index.js";

export type Handler = (c: Cpu, w: number) => void;

/** Handlers chosen by encoding id (system and branch forms whose class mixes unrelated things). */
const BY_ID: Readonly<Record<string, Handler>> = {
  SVC_EX_exception: svc,
  HVC_EX_exception: hvc,
  SMC_EX_exception: smc,
  BRK_EX_exception: brk,
  HLT_EX_exception: hlt,
  NOP_HI_hints: nop,
  YIELD_HI_hints: nop,
  WFE_HI_hints: wfe,
  WFI_HI_hints: wfi,
  SEV_HI_hints: sev,
  SEVL_HI_hints: sev,
  DGH_HI_hints: nop,
  CSDB_HI_hints: nop,
  HINT_HM_hints: nop,
  CLREX_BN_barriers: clrex,
  DSB_BO_barriers: nop,
  DMB_BO_barriers: nop,
  ISB_BI_barriers: nop,
  SB_only_barriers: nop,
  CFINV_M_pstate: cfinv,
  XAFLAG_M_pstate: xaflag,
  AXFLAG_M_pstate: axflag,
  MSR_SI_pstate_SPSel: msrImm,
  MSR_SI_pstate_DAIFSet: msrImm,
  MSR_SI_pstate_DAIFClr: msrImm,
  MSR_SI_pstate_SSBS: msrImm,
  MSR_SI_pstate_DIT: msrImm,
  MSR_SI_pstate_PAN: msrImm,
  MSR_SI_pstate_UAO: msrImm,
  MSR_SI_pstate: msrImm,
  SYS_CR_systeminstrs: sys,
  SYSL_RC_systeminstrs: sysl,
  MSR_SR_systemmove: msrReg,
  MRS_RS_systemmove: mrs,
  BR_64_branch_reg: branchReg,
  BLR_64_branch_reg: branchReg,
  RET_64R_branch_reg: branchReg,
  ERET_64E_branch_reg: eret,
  // UNDEFINED by definition (UDF) or outside Debug state (DCPS*, DRPS): ARM ARM C6.2.
  UDF_only_perm_undef: undef,
  DCPS1_DC_exception: undef,
  DCPS2_DC_exception: undef,
  DCPS3_DC_exception: undef,
  DRPS_64E_branch_reg: undef,
  // specialised hot forms (exec-fast.ts)
  ADD_64_addsub_shift: add64reg,
  SUB_64_addsub_shift: sub64reg,
  ADD_32_addsub_shift: add32reg,
  SUB_32_addsub_shift: sub32reg,
  SUBS_64_addsub_shift: subs64reg,
  SUBS_32_addsub_shift: subs32reg,
  ADD_64_addsub_imm: add64imm,
  SUB_64_addsub_imm: sub64imm,
  ADD_32_addsub_imm: add32imm,
  SUBS_64S_addsub_imm: subs64imm,
  SUBS_32S_addsub_imm: subs32imm,
  LDR_64_ldst_pos: ldr64pos,
  LDR_32_ldst_pos: ldr32pos,
  LDRB_32_ldst_pos: ldrbpos,
  STR_64_ldst_pos: str64pos,
  STR_32_ldst_pos: str32pos,
  STRB_32_ldst_pos: strbpos,
  LDR_64_ldst_regoff: ldr64reg,
  LDR_32_ldst_regoff: ldr32reg,
  LDRB_32B_ldst_regoff: ldrbreg,
  STR_64_ldst_regoff: str64reg,
  STR_32_ldst_regoff: str32reg,
  STRB_32B_ldst_regoff: strbreg,
  ORR_64_log_shift: orr64reg,
  ORR_32_log_shift: orr32reg,
  EOR_64_log_shift: eor64reg,
  AND_64_log_shift: and64reg,
  MOVZ_32_movewide: movz,
  MOVZ_64_movewide: movz,
  LDP_64_ldstpair_off: ldstp64,
  STP_64_ldstpair_off: ldstp64,
  LDP_64_ldstpair_pre: ldstp64,
  STP_64_ldstpair_pre: ldstp64,
  LDP_64_ldstpair_post: ldstp64,
  STP_64_ldstpair_post: ldstp64,
};

/** Handlers serving a whole instruction class (they read the variant bits themselves). */
const BY_CLASS: Readonly<Record<string, Handler>> = {
  pcreladdr,
  addsub_imm: addsubImm,
  log_imm: logImm,
  movewide,
  bitfield,
  extract,
  addsub_shift: addsubShift,
  addsub_ext: addsubExt,
  addsub_carry: addsubCarry,
  log_shift: logShift,
  condsel,
  condcmp,
  condcmp_imm: condcmp,
  condcmp_reg: condcmp,
  dp_1src: dp1src,
  dp_2src: dp2src,
  dp_3src: dp3src,
  rmif,
  setf,
  branch_imm: branchImm,
  condbranch,
  compbranch,
  testbranch,
  ldst_pos: ldstPos,
  ldst_immpost: ldstImm9,
  ldst_immpre: ldstImm9,
  ldst_unscaled: ldstImm9,
  ldst_unpriv: ldstImm9,
  ldst_regoff: ldstRegoff,
  loadlit,
  ldstpair_off: ldstPair,
  ldstpair_post: ldstPair,
  ldstpair_pre: ldstPair,
  ldstnapair_offs: ldstPair,
  ldstexcl: ldstExcl,
  ldstexclr: ldstExcl,
  ldstexclp: ldstExcl,
  ldstord: ldstExcl,
  comswap: ldstExcl,
  comswappr: ldstExcl,
  memop,
  ldapstl_unscaled: ldapstlUnscaled,
  barriers: nop,
};

type Rule = (e: EncodingSpec) => Handler | undefined;

/** The dispatch table, in priority order. */
const RULES: readonly Rule[] = [
  // 1. Half-precision FMOV forms (the base FMOV handlers treat ftype 11 as single precision).
  (e) => FMOV_H_OVERRIDES[e.id],
  // 2. PAuth hint-space instructions (PACIASP, AUTIASP, XPACLRI, ...); other hints fall through.
  (e) => (e.iclass === "hints" ? pauthHandler(e.id, e.iclass, e.mnemonic) : undefined),
  // 3. By encoding id: exceptions, hints, barriers, PSTATE, system moves, hot specialised forms.
  (e) => BY_ID[e.id],
  // 4. SIMD&FP bit moves, integer compares/permutes and structure loads/stores (exec-simd.ts).
  (e) => baseSimdHandler(e.id, e.iclass, e.mnemonic),
  // 5. Integer, branch and load/store classes; PAuth forms of those classes go to rule 6.
  (e) => (e.feature === "FEAT_PAuth" ? undefined : BY_CLASS[e.iclass]),
  // 6. FP arithmetic, AdvSIMD, crypto, PAuth (simd/).
  (e) => simdHandler(e.id, e.iclass, e.mnemonic),
];

const handlers: Handler[] = [];
const missing: string[] = [];
for (const e of ENCODINGS) {
  let h: Handler | undefined;
  for (const rule of RULES) {
    h = rule(e);
    if (h !== undefined) break;
  }
  if (h === undefined) missing.push(e.id);
  handlers.push(h ?? undef);
}
handlers.push(undef);

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
