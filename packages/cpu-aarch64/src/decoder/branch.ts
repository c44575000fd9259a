import { bitsOf, cls, e, group, rn } from "./builder.js";

const HINTS: readonly [number, string, string][] = [
  [0, "NOP", "nop"],
  [1, "YIELD", "yield"],
  [2, "WFE", "wfe"],
  [3, "WFI", "wfi"],
  [4, "SEV", "sev"],
  [5, "SEVL", "sevl"],
  [6, "DGH", "dgh"],
  [7, "XPACLRI", "xpaclri"],
  [8, "PACIA1716", "pacia1716"],
  [10, "PACIB1716", "pacib1716"],
  [12, "AUTIA1716", "autia1716"],
  [14, "AUTIB1716", "autib1716"],
  [20, "CSDB", "csdb"],
  [24, "PACIAZ", "paciaz"],
  [25, "PACIASP", "paciasp"],
  [26, "PACIBZ", "pacibz"],
  [27, "PACIBSP", "pacibsp"],
  [28, "AUTIAZ", "autiaz"],
  [29, "AUTIASP", "autiasp"],
  [30, "AUTIBZ", "autibz"],
  [31, "AUTIBSP", "autibsp"],
];

const bin = (v: number, n: number): string => v.toString(2).padStart(n, "0");

/** ARM ARM C4.1.87 Branches, Exception Generating and System instructions. */
export function defineBranchSys(): void {
  group("branch_sys");
  cls("perm_undef");
  e("UDF_only_perm_undef", "0000000000000000 imm16:16", "udf #{imm16:u}");
  cls("condbranch");
  e("B_only_condbranch", "0101010 o1=0 imm19:19 o0=0 cond:4", "b.{cond:cond} {_:rel19}");

  cls("exception");
  e("SVC_EX_exception", "11010100 opc=000 imm16:16 op2=000 LL=01", "svc {imm16:imm16}");
  e("HVC_EX_exception", "11010100 opc=000 imm16:16 op2=000 LL=10", "hvc {imm16:imm16}");
  e("SMC_EX_exception", "11010100 opc=000 imm16:16 op2=000 LL=11", "smc {imm16:imm16}", {
    feature: "FEAT_EL3",
  });
  e("BRK_EX_exception", "11010100 opc=001 imm16:16 op2=000 LL=00", "brk {imm16:imm16}");
  e("HLT_EX_exception", "11010100 opc=010 imm16:16 op2=000 LL=00", "hlt {imm16:imm16}");
  e("DCPS1_DC_exception", "11010100 opc=101 imm16:16 op2=000 LL=01", "dcps1{imm16:imm16opt}");
  e("DCPS2_DC_exception", "11010100 opc=101 imm16:16 op2=000 LL=10", "dcps2{imm16:imm16opt}");
  e("DCPS3_DC_exception", "11010100 opc=101 imm16:16 op2=000 LL=11", "dcps3{imm16:imm16opt}", {
    feature: "FEAT_EL3",
  });

  cls("hints");
  for (const [v, id, mn] of HINTS) {
    const feature = /PAC|AUT/.test(id) ? "FEAT_PAuth" : null;
    // The PAC hints are NOPs without FEAT_PAuth, so they stay allocated (as HINT) for other models.
    e(`${id}_HI_hints`, `11010101000000110010 CRm=${bin(v >> 3, 4)} op2=${bin(v & 7, 3)} 11111`, mn, {
      feature,
    });
  }
  e("HINT_HM_hints", "11010101000000110010 CRm:4 op2:3 11111", "hint #{_:hintimm}");

  cls("barriers");
  e("CLREX_BN_barriers", "11010101000000110011 CRm:4 op2=010 11111", "clrex{CRm:clrex}");
  e("DSB_BO_barriers", "11010101000000110011 CRm:4 op2=100 11111", "dsb {CRm:barrier}", {
    alias: [
      ["ssbb", (w) => bitsOf(w, 8, 4) === 0],
      ["pssbb", (w) => bitsOf(w, 8, 4) === 4],
    ],
  });
  e("DMB_BO_barriers", "11010101000000110011 CRm:4 op2=101 11111", "dmb {CRm:barrier}");
  e("ISB_BI_barriers", "11010101000000110011 CRm:4 op2=110 11111", "isb{CRm:isb}");
  // CRm is (0000) in the ARM ARM; LLVM accepts any value ("potentially undefined").
  e("SB_only_barriers", "11010101000000110011 CRm:4 op2=111 11111", "sb", { feature: "FEAT_SB" });

  cls("pstate");
  e("CFINV_M_pstate", "1101010100000 op1=000 0100 CRm=0000 op2=000 11111", "cfinv", {
    feature: "FEAT_FlagM",
  });
  e("XAFLAG_M_pstate", "1101010100000 op1=000 0100 CRm=0000 op2=001 11111", "xaflag", {
    feature: "FEAT_FlagM2",
  });
  e("AXFLAG_M_pstate", "1101010100000 op1=000 0100 CRm=0000 op2=010 11111", "axflag", {
    feature: "FEAT_FlagM2",
  });
  e("MSR_SI_pstate_SPSel", "1101010100000 op1=000 0100 CRm:4 op2=101 11111", "msr SPSel, #{CRm:u}");
  e("MSR_SI_pstate_DAIFSet", "1101010100000 op1=011 0100 CRm:4 op2=110 11111", "msr DAIFSet, #{CRm:u}");
  e("MSR_SI_pstate_DAIFClr", "1101010100000 op1=011 0100 CRm:4 op2=111 11111", "msr DAIFClr, #{CRm:u}");
  e("MSR_SI_pstate_SSBS", "1101010100000 op1=011 0100 CRm=000 imm:1 op2=001 11111", "msr SSBS, #{imm:u}", {
    feature: "FEAT_SSBS",
  });
  e("MSR_SI_pstate_DIT", "1101010100000 op1=011 0100 CRm=000 imm:1 op2=010 11111", "msr DIT, #{imm:u}", {
    feature: "FEAT_DIT",
  });
  // PAN (Armv8.1) and UAO (Armv8.2) are mandatory in the M1's Armv8.4 but not in LLVM's reference
  // -mattr list, which prints these words as the generic MSR (register) form; we keep that text.
  e(
    "MSR_SI_pstate_UAO",
    "1101010100000 op1=000 0100 CRm=000 imm:1 op2=011 11111",
    "msr S0_0_C4_C{imm:u}_3, xzr",
    {
      feature: "FEAT_UAO",
    },
  );
  e(
    "MSR_SI_pstate_PAN",
    "1101010100000 op1=000 0100 CRm=000 imm:1 op2=100 11111",
    "msr S0_0_C4_C{imm:u}_4, xzr",
    {
      feature: "FEAT_PAN",
    },
  );

  cls("systeminstrs");
  e("SYS_CR_systeminstrs", "1101010100 L=0 01 op1:3 CRn:4 CRm:4 op2:3 Rt:5", "{_:sys}");
  e("SYSL_RC_systeminstrs", "1101010100 L=1 01 op1:3 CRn:4 CRm:4 op2:3 Rt:5", "sysl {Rt:x}, {_:sysl}");

  cls("systemmove");
  // op0=00 words that are no hint/barrier/PSTATE form are UNALLOCATED in C5.2, but LLVM decodes them as
  // MSR/MRS of "S0_*" registers; we follow LLVM (the interpreter raises UNDEFINED for unknown registers).
  e("MSR_SR_systemmove", "1101010100 L=0 op0:2 op1:3 CRn:4 CRm:4 op2:3 Rt:5", "msr {_:sysregw}, {Rt:x}");
  e("MRS_RS_systemmove", "1101010100 L=1 op0:2 op1:3 CRn:4 CRm:4 op2:3 Rt:5", "mrs {Rt:x}, {_:sysregr}");

  cls("branch_reg");
  e("BR_64_branch_reg", "1101011 opc=0000 op2=11111 op3=000000 Rn:5 op4=00000", "br {Rn:x}");
  e("BLR_64_branch_reg", "1101011 opc=0001 op2=11111 op3=000000 Rn:5 op4=00000", "blr {Rn:x}");
  e("RET_64R_branch_reg", "1101011 opc=0010 op2=11111 op3=000000 Rn:5 op4=00000", "ret {Rn:x}", {
    alias: [["ret", (w) => rn(w) === 30]],
  });
  e("ERET_64E_branch_reg", "1101011 opc=0100 op2=11111 op3=000000 Rn=11111 op4=00000", "eret");
  e("DRPS_64E_branch_reg", "1101011 opc=0101 op2=11111 op3=000000 Rn=11111 op4=00000", "drps");
  cls("branch_reg", "FEAT_PAuth");
  for (const [m, k] of [
    [0, "A"],
    [1, "B"],
  ] as const) {
    const lk = k.toLowerCase();
    e(`BR${k}AZ_64_branch_reg`, `1101011 opc=0000 op2=11111 00001 M=${m} Rn:5 op4=11111`, `bra${lk}z {Rn:x}`);
    e(
      `BLR${k}AZ_64_branch_reg`,
      `1101011 opc=0001 op2=11111 00001 M=${m} Rn:5 op4=11111`,
      `blra${lk}z {Rn:x}`,
    );
    e(`RET${k}A_64E_branch_reg`, `1101011 opc=0010 op2=11111 00001 M=${m} Rn=11111 op4=11111`, `reta${lk}`);
    e(`ERET${k}A_64E_branch_reg`, `1101011 opc=0100 op2=11111 00001 M=${m} Rn=11111 op4=11111`, `ereta${lk}`);
    e(
      `BR${k}A_64P_branch_reg`,
      `1101011 opc=1000 op2=11111 00001 M=${m} Rn:5 Rm:5`,
      `bra${lk} {Rn:x}, {Rm:xsp}`,
    );
    e(
      `BLR${k}A_64P_branch_reg`,
      `1101011 opc=1001 op2=11111 00001 M=${m} Rn:5 Rm:5`,
      `blra${lk} {Rn:x}, {Rm:xsp}`,
    );
  }

  cls("branch_imm");
  e("B_only_branch_imm", "op=0 00101 imm26:26", "b {_:rel26}");
  e("BL_only_branch_imm", "op=1 00101 imm26:26", "bl {_:rel26}");

  cls("compbranch");
  e("CBZ_32_compbranch", "sf=0 011010 op=0 imm19:19 Rt:5", "cbz {Rt:w}, {_:rel19}");
  e("CBNZ_32_compbranch", "sf=0 011010 op=1 imm19:19 Rt:5", "cbnz {Rt:w}, {_:rel19}");
  e("CBZ_64_compbranch", "sf=1 011010 op=0 imm19:19 Rt:5", "cbz {Rt:x}, {_:rel19}");
  e("CBNZ_64_compbranch", "sf=1 011010 op=1 imm19:19 Rt:5", "cbnz {Rt:x}, {_:rel19}");

  cls("testbranch");
  e("TBZ_only_testbranch", "b5:1 011011 op=0 b40:5 imm14:14 Rt:5", "tbz {_:tbreg}, #{_:tbbit}, {_:rel14}");
  e("TBNZ_only_testbranch", "b5:1 011011 op=1 b40:5 imm14:14 Rt:5", "tbnz {_:tbreg}, #{_:tbbit}, {_:rel14}");
}
