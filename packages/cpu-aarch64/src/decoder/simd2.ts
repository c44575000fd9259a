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

/** ARM ARM C4.1.92: AdvSIMD two-register misc, across lanes, scalar pairwise. */
export function defineSimdMisc(): void {
  group("fpsimd");
  cls("asimdmisc", A);
  const misc: [number, string, string, Form, Sz][] = [
    [0, "00000", "REV64", "same", "no64"],
    [0, "00001", "REV16", "same", "b"],
    [0, "00010", "SADDLP", "pairl", "no64"],
    [0, "00011", "SUQADD", "same", "all"],
    [0, "00100", "CLS", "same", "no64"],
    [0, "00101", "CNT", "same", "b"],
    [0, "00110", "SADALP", "pairl", "no64"],
    [0, "00111", "SQABS", "same", "all"],
    [0, "01000", "CMGT", "zero", "all"],
    [0, "01001", "CMEQ", "zero", "all"],
    [0, "01010", "CMLT", "zero", "all"],
    [0, "01011", "ABS", "same", "all"],
    [0, "10010", "XTN", "narrow", "no64"],
    [0, "10100", "SQXTN", "narrow", "no64"],
    [1, "00000", "REV32", "same", "bh"],
    [1, "00010", "UADDLP", "pairl", "no64"],
    [1, "00011", "USQADD", "same", "all"],
    [1, "00100", "CLZ", "same", "no64"],
    [1, "00110", "UADALP", "pairl", "no64"],
    [1, "00111", "SQNEG", "same", "all"],
    [1, "01000", "CMGE", "zero", "all"],
    [1, "01001", "CMLE", "zero", "all"],
    [1, "01011", "NEG", "same", "all"],
    [1, "10010", "SQXTUN", "narrow", "no64"],
    [1, "10011", "SHLL", "shll", "no64"],
    [1, "10100", "UQXTN", "narrow", "no64"],
  ];
  for (const [u, op, id, form, sz] of misc) {
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
  // FP two-register misc: [U, o1, opcode, id, kind] kind: s=same, z=zero compare, i=integer (URECPE)
  const fmisc: [number, number, string, string, "s" | "z" | "i"][] = [
    [0, 0, "11000", "FRINTN", "s"],
    [0, 0, "11001", "FRINTM", "s"],
    [0, 0, "11010", "FCVTNS", "s"],
    [0, 0, "11011", "FCVTMS", "s"],
    [0, 0, "11100", "FCVTAS", "s"],
    [0, 0, "11101", "SCVTF", "s"],
    [0, 1, "01100", "FCMGT", "z"],
    [0, 1, "01101", "FCMEQ", "z"],
    [0, 1, "01110", "FCMLT", "z"],
    [0, 1, "01111", "FABS", "s"],
    [0, 1, "11000", "FRINTP", "s"],
    [0, 1, "11001", "FRINTZ", "s"],
    [0, 1, "11010", "FCVTPS", "s"],
    [0, 1, "11011", "FCVTZS", "s"],
    [0, 1, "11101", "FRECPE", "s"],
    [1, 0, "11000", "FRINTA", "s"],
    [1, 0, "11001", "FRINTX", "s"],
    [1, 0, "11010", "FCVTNU", "s"],
    [1, 0, "11011", "FCVTMU", "s"],
    [1, 0, "11100", "FCVTAU", "s"],
    [1, 0, "11101", "UCVTF", "s"],
    [1, 1, "01100", "FCMGE", "z"],
    [1, 1, "01101", "FCMLE", "z"],
    [1, 1, "01111", "FNEG", "s"],
    [1, 1, "11001", "FRINTI", "s"],
    [1, 1, "11010", "FCVTPU", "s"],
    [1, 1, "11011", "FCVTZU", "s"],
    [1, 1, "11101", "FRSQRTE", "s"],
    [1, 1, "11111", "FSQRT", "s"],
  ];
  for (const [u, o1, op, id, k] of fmisc) {
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
  const smisc: [number, string, string, Form, Sz][] = [
    [0, "00011", "SUQADD", "same", "all"],
    [0, "00111", "SQABS", "same", "all"],
    [0, "01000", "CMGT", "zero", "d"],
    [0, "01001", "CMEQ", "zero", "d"],
    [0, "01010", "CMLT", "zero", "d"],
    [0, "01011", "ABS", "same", "d"],
    [0, "10100", "SQXTN", "narrow", "bhs"],
    [1, "00011", "USQADD", "same", "all"],
    [1, "00111", "SQNEG", "same", "all"],
    [1, "01000", "CMGE", "zero", "d"],
    [1, "01001", "CMLE", "zero", "d"],
    [1, "01011", "NEG", "same", "d"],
    [1, "10010", "SQXTUN", "narrow", "bhs"],
    [1, "10100", "UQXTN", "narrow", "bhs"],
  ];
  for (const [u, op, id, form, sz] of smisc) {
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
  const sfmisc: [number, number, string, string, "s" | "z"][] = [
    [0, 0, "11010", "FCVTNS", "s"],
    [0, 0, "11011", "FCVTMS", "s"],
    [0, 0, "11100", "FCVTAS", "s"],
    [0, 0, "11101", "SCVTF", "s"],
    [0, 1, "01100", "FCMGT", "z"],
    [0, 1, "01101", "FCMEQ", "z"],
    [0, 1, "01110", "FCMLT", "z"],
    [0, 1, "11010", "FCVTPS", "s"],
    [0, 1, "11011", "FCVTZS", "s"],
    [0, 1, "11101", "FRECPE", "s"],
    [0, 1, "11111", "FRECPX", "s"],
    [1, 0, "11010", "FCVTNU", "s"],
    [1, 0, "11011", "FCVTMU", "s"],
    [1, 0, "11100", "FCVTAU", "s"],
    [1, 0, "11101", "UCVTF", "s"],
    [1, 1, "01100", "FCMGE", "z"],
    [1, 1, "01101", "FCMLE", "z"],
    [1, 1, "11010", "FCVTPU", "s"],
    [1, 1, "11011", "FCVTZU", "s"],
    [1, 1, "11101", "FRSQRTE", "s"],
  ];
  for (const [u, o1, op, id, k] of sfmisc) {
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
