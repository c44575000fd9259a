import type { Feature } from "../model.js";
import { cls, e, group } from "./builder.js";

const A: Feature = "FEAT_AdvSIMD";

type Form = "same" | "zero" | "pairl" | "narrow" | "shll" | "not";
type Sz = "all" | "no64" | "b" | "bh" | "d" | "bhs";
function excl(sz: Sz, vector: boolean): string[] {
  switch (sz) {
    case "all":
      return vector ? ["size=11 Q=0"] : [];
    case "no64":
    case "bhs":
      return ["size=11"];
    case "b":
      return ["size=01", "size=1x"];
    case "bh":
      return ["size=1x"];
    case "d":
      return vector ? ["size=0x", "size=10", "Q=0"] : ["size=0x", "size=10"];
  }
}

/** Integer two-register misc (U, opcode, id, form, sizes; sizes of the scalar form, null: vector only). */
const MISC: readonly (readonly [number, string, string, Form, Sz, Sz | null])[] = [
  [0, "00000", "REV64", "same", "no64", null],
  [0, "00001", "REV16", "same", "b", null],
  [0, "00010", "SADDLP", "pairl", "no64", null],
  [0, "00011", "SUQADD", "same", "all", "all"],
  [0, "00100", "CLS", "same", "no64", null],
  [0, "00101", "CNT", "same", "b", null],
  [0, "00110", "SADALP", "pairl", "no64", null],
  [0, "00111", "SQABS", "same", "all", "all"],
  [0, "01000", "CMGT", "zero", "all", "d"],
  [0, "01001", "CMEQ", "zero", "all", "d"],
  [0, "01010", "CMLT", "zero", "all", "d"],
  [0, "01011", "ABS", "same", "all", "d"],
  [0, "10010", "XTN", "narrow", "no64", null],
  [0, "10100", "SQXTN", "narrow", "no64", "bhs"],
  [1, "00000", "REV32", "same", "bh", null],
  [1, "00010", "UADDLP", "pairl", "no64", null],
  [1, "00011", "USQADD", "same", "all", "all"],
  [1, "00100", "CLZ", "same", "no64", null],
  [1, "00110", "UADALP", "pairl", "no64", null],
  [1, "00111", "SQNEG", "same", "all", "all"],
  [1, "01000", "CMGE", "zero", "all", "d"],
  [1, "01001", "CMLE", "zero", "all", "d"],
  [1, "01011", "NEG", "same", "all", "d"],
  [1, "10010", "SQXTUN", "narrow", "no64", "bhs"],
  [1, "10011", "SHLL", "shll", "no64", null],
  [1, "10100", "UQXTN", "narrow", "no64", "bhs"],
];
/**
 * FP two-register misc (U, o1, opcode, id, kind: s=same, z=compare with zero; forms: v vector,
 * s scalar, each with its FP16 encoding).
 */
const FMISC: readonly (readonly [number, number, string, string, "s" | "z", "v" | "s" | "vs"])[] = [
  [0, 0, "11000", "FRINTN", "s", "v"],
  [0, 0, "11001", "FRINTM", "s", "v"],
  [0, 0, "11010", "FCVTNS", "s", "vs"],
  [0, 0, "11011", "FCVTMS", "s", "vs"],
  [0, 0, "11100", "FCVTAS", "s", "vs"],
  [0, 0, "11101", "SCVTF", "s", "vs"],
  [0, 1, "01100", "FCMGT", "z", "vs"],
  [0, 1, "01101", "FCMEQ", "z", "vs"],
  [0, 1, "01110", "FCMLT", "z", "vs"],
  [0, 1, "01111", "FABS", "s", "v"],
  [0, 1, "11000", "FRINTP", "s", "v"],
  [0, 1, "11001", "FRINTZ", "s", "v"],
  [0, 1, "11010", "FCVTPS", "s", "vs"],
  [0, 1, "11011", "FCVTZS", "s", "vs"],
  [0, 1, "11101", "FRECPE", "s", "vs"],
  [0, 1, "11111", "FRECPX", "s", "s"],
  [1, 0, "11000", "FRINTA", "s", "v"],
  [1, 0, "11001", "FRINTX", "s", "v"],
  [1, 0, "11010", "FCVTNU", "s", "vs"],
  [1, 0, "11011", "FCVTMU", "s", "vs"],
  [1, 0, "11100", "FCVTAU", "s", "vs"],
  [1, 0, "11101", "UCVTF", "s", "vs"],
  [1, 1, "01100", "FCMGE", "z", "vs"],
  [1, 1, "01101", "FCMLE", "z", "vs"],
  [1, 1, "01111", "FNEG", "s", "v"],
  [1, 1, "11001", "FRINTI", "s", "v"],
  [1, 1, "11010", "FCVTPU", "s", "vs"],
  [1, 1, "11011", "FCVTZU", "s", "vs"],
  [1, 1, "11101", "FRSQRTE", "s", "vs"],
  [1, 1, "11111", "FSQRT", "s", "v"],
];

/** ARM ARM C4.1.92: AdvSIMD two-register misc, across lanes, scalar pairwise. */
export function defineSimdMisc(): void {
  group("fpsimd");
  cls("asimdmisc", A);
  for (const [u, op, id, form, sz] of MISC) {
    const mn = id.toLowerCase();
    const t =
      form === "same"
        ? `${mn} {Rd:vT}, {Rn:vT}`
        : form === "zero"
          ? `${mn} {Rd:vT}, {Rn:vT}, #0`
          : form === "pairl"
            ? `${mn} {Rd:vW}, {Rn:vT}`
            : form === "narrow"
              ? `${mn}{_:q2} {Rd:vT}, {Rn:vWQ}`
              : `${mn}{_:q2} {Rd:vWQ}, {Rn:vT}, #{_:shllamt}`;
    e(
      `${id}_asimdmisc_${form === "narrow" || form === "shll" ? "N" : "R"}`,
      `0 Q:1 U=${u} 01110 size:2 10000 opcode=${op} 10 Rn:5 Rd:5`,
      t,
      {
        excl: excl(sz, true),
      },
    );
  }
  e("NOT_asimdmisc_R", "0 Q:1 U=1 01110 size=00 10000 opcode=00101 10 Rn:5 Rd:5", "mvn {Rd:vB}, {Rn:vB}");
  e("RBIT_asimdmisc_R", "0 Q:1 U=1 01110 size=01 10000 opcode=00101 10 Rn:5 Rd:5", "rbit {Rd:vB}, {Rn:vB}");
  for (const [u, o1, op, id, k, forms] of FMISC) {
    if (forms === "s") continue;
    const mn = id.toLowerCase();
    const z = k === "z" ? ", #0.0" : "";
    e(
      `${id}_asimdmisc_R`,
      `0 Q:1 U=${u} 01110 o1=${o1} sz:1 10000 opcode=${op} 10 Rn:5 Rd:5`,
      `${mn} {Rd:vF}, {Rn:vF}${z}`,
      {
        excl: ["sz=1 Q=0"],
      },
    );
    e(
      `${id}_asimdmiscfp16_R`,
      `0 Q:1 U=${u} 01110 a=${o1} 1111 00 opcode=${op} 10 Rn:5 Rd:5`,
      `${mn} {Rd:vH}, {Rn:vH}${z}`,
      {
        feature: "FEAT_FP16",
      },
    );
  }
  for (const [u, op, id] of [
    [0, "11110", "FRINT32Z"],
    [0, "11111", "FRINT64Z"],
    [1, "11110", "FRINT32X"],
    [1, "11111", "FRINT64X"],
  ] as const) {
    e(
      `${id}_asimdmisc_R`,
      `0 Q:1 U=${u} 01110 o1=0 sz:1 10000 opcode=${op} 10 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:vF}, {Rn:vF}`,
      {
        excl: ["sz=1 Q=0"],
        feature: "FEAT_FRINTTS",
      },
    );
  }
  e(
    "URECPE_asimdmisc_R",
    "0 Q:1 U=0 01110 o1=1 sz=0 10000 opcode=11100 10 Rn:5 Rd:5",
    "urecpe {Rd:vS2}, {Rn:vS2}",
  );
  e(
    "URSQRTE_asimdmisc_R",
    "0 Q:1 U=1 01110 o1=1 sz=0 10000 opcode=11100 10 Rn:5 Rd:5",
    "ursqrte {Rd:vS2}, {Rn:vS2}",
  );
  e(
    "FCVTN_asimdmisc_N",
    "0 Q:1 U=0 01110 o1=0 sz:1 10000 opcode=10110 10 Rn:5 Rd:5",
    "fcvtn{_:q2} {Rd:vFn}, {Rn:vFw}",
  );
  e(
    "FCVTL_asimdmisc_L",
    "0 Q:1 U=0 01110 o1=0 sz:1 10000 opcode=10111 10 Rn:5 Rd:5",
    "fcvtl{_:q2} {Rd:vFw}, {Rn:vFn}",
  );
  e(
    "FCVTXN_asimdmisc_N",
    "0 Q:1 U=1 01110 o1=0 sz=1 10000 opcode=10110 10 Rn:5 Rd:5",
    "fcvtxn{_:q2} {Rd:vS2}, {Rn:v2d}",
  );

  // ---- scalar two-register misc ----
  cls("asisdmisc", A);
  for (const [u, op, id, form, , sz] of MISC) {
    if (sz === null) continue;
    const mn = id.toLowerCase();
    const t =
      form === "narrow"
        ? `${mn} {Rd:sz}, {Rn:szw}`
        : form === "zero"
          ? `${mn} {Rd:sz}, {Rn:sz}, #0`
          : `${mn} {Rd:sz}, {Rn:sz}`;
    e(
      `${id}_asisdmisc_${form === "narrow" ? "N" : "R"}`,
      `01 U=${u} 11110 size:2 10000 opcode=${op} 10 Rn:5 Rd:5`,
      t,
      {
        excl: excl(sz, false),
      },
    );
  }
  for (const [u, o1, op, id, k, forms] of FMISC) {
    if (forms === "v") continue;
    const mn = id.toLowerCase();
    const z = k === "z" ? ", #0.0" : "";
    e(
      `${id}_asisdmisc_R`,
      `01 U=${u} 11110 o1=${o1} sz:1 10000 opcode=${op} 10 Rn:5 Rd:5`,
      `${mn} {Rd:sF}, {Rn:sF}${z}`,
    );
    e(
      `${id}_asisdmiscfp16_R`,
      `01 U=${u} 11110 a=${o1} 1111 00 opcode=${op} 10 Rn:5 Rd:5`,
      `${mn} {Rd:h}, {Rn:h}${z}`,
      {
        feature: "FEAT_FP16",
      },
    );
  }
  e("FCVTXN_asisdmisc_N", "01 U=1 11110 o1=0 sz=1 10000 opcode=10110 10 Rn:5 Rd:5", "fcvtxn {Rd:s}, {Rn:d}");

  // ---- across lanes ----
  cls("asimdall", A);
  for (const [u, op, id, wide] of [
    [0, "00011", "SADDLV", true],
    [0, "01010", "SMAXV", false],
    [0, "11010", "SMINV", false],
    [0, "11011", "ADDV", false],
    [1, "00011", "UADDLV", true],
    [1, "01010", "UMAXV", false],
    [1, "11010", "UMINV", false],
  ] as const) {
    e(
      `${id}_asimdall_only`,
      `0 Q:1 U=${u} 01110 size:2 11000 opcode=${op} 10 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:${wide ? "szl" : "sz"}}, {Rn:vT}`,
      {
        excl: ["size=11", "size=10 Q=0"],
      },
    );
  }
  for (const [o1, op, id] of [
    [0, "01100", "FMAXNMV"],
    [0, "01111", "FMAXV"],
    [1, "01100", "FMINNMV"],
    [1, "01111", "FMINV"],
  ] as const) {
    e(
      `${id}_asimdall_only_SD`,
      `0 Q=1 U=1 01110 o1=${o1} sz=0 11000 opcode=${op} 10 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:s}, {Rn:v4s}`,
    );
    e(
      `${id}_asimdall_only_H`,
      `0 Q:1 U=0 01110 o1=${o1} 0 11000 opcode=${op} 10 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:h}, {Rn:vH}`,
      {
        feature: "FEAT_FP16",
      },
    );
  }

  // ---- scalar pairwise ----
  cls("asisdpair", A);
  e("ADDP_asisdpair_only", "01 U=0 11110 size=11 11000 opcode=11011 10 Rn:5 Rd:5", "addp {Rd:d}, {Rn:v2d}");
  for (const [o1, op, id] of [
    [0, "01100", "FMAXNMP"],
    [0, "01101", "FADDP"],
    [0, "01111", "FMAXP"],
    [1, "01100", "FMINNMP"],
    [1, "01111", "FMINP"],
  ] as const) {
    e(
      `${id}_asisdpair_only_SD`,
      `01 U=1 11110 o1=${o1} sz:1 11000 opcode=${op} 10 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:sF}, {Rn:vP}`,
    );
    e(
      `${id}_asisdpair_only_H`,
      `01 U=0 11110 o1=${o1} sz=0 11000 opcode=${op} 10 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:h}, {Rn:v2h}`,
      {
        feature: "FEAT_FP16",
      },
    );
  }
}
