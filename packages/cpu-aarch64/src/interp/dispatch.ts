/*
 * Dispatch: one handler per entry of the decoder's ENCODINGS table, chosen once at load time by the
 * entry's `id` (ARM XML encoding name) or, for classes where one handler serves every variant, by its
 * `iclass`. The pre-decode cache stores ENCODINGS indices; index ENCODINGS.length is "unallocated".
 */
import { decode } from "../decoder/decode.js";
import { ENCODINGS } from "../decoder/table.js";
import type { CpuModel } from "../model.js";
import type { Cpu } from "./cpu.js";
import * as I from "./exec-int.js";
import * as M from "./exec-mem.js";
import { SIMD_BY_CLASS, SIMD_BY_ID } from "./exec-simd.js";
import * as S from "./exec-sys.js";

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
  systemmove: S.nop, // replaced by id below
  ...SIMD_BY_CLASS,
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
  ...SIMD_BY_ID,
};

/** PAC hint-space instructions: NOPs here (pointer authentication is the FP/SIMD/PAuth issue). */
const PAC_HINT = /^(XPACLRI|PACI[AB](1716|SP|Z)|AUTI[AB](1716|SP|Z))_HI_hints$/;

function pick(id: string, iclass: string, feature: string | null): Handler | undefined {
  const h = BY_ID[id];
  if (h !== undefined) return h;
  if (PAC_HINT.test(id)) return S.nop;
  // Pointer authentication (other than the hint-space forms) belongs to issue #5.
  if (feature === "FEAT_PAuth") return undefined;
  return BY_CLASS[iclass];
}

const handlers: Handler[] = [];
const missing: string[] = [];
for (const e of ENCODINGS) {
  const h = pick(e.id, e.iclass, e.feature);
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

export function decodeIndex(w: number, model: CpuModel): number {
  const i = decode(w, model);
  return i < 0 ? UNDEF_INDEX : i;
}
