import type { Feature } from "../model.js";
import { cls, e, group, rm, rn } from "./builder.js";

const A: Feature = "FEAT_AdvSIMD";
type Sizes = "all" | "no64" | "hs" | "b" | "bh" | "d" | "sd" | "nob";
/** Exclusions of size (bits 23:22) and Q for a vector form. */
function sizeExcl(sizes: Sizes, vector = true): string[] {
  const x: string[] = [];
  if (sizes === "all") {
    if (vector) x.push("size=11 Q=0");
  } else if (sizes === "no64") x.push("size=11");
  else if (sizes === "hs") x.push("size=00", "size=11");
  else if (sizes === "b") x.push("size=01", "size=1x");
  else if (sizes === "bh") x.push("size=1x");
  else if (sizes === "d") x.push("size=0x", "size=10", ...(vector ? ["Q=0"] : []));
  else if (sizes === "sd") x.push("size=0x", ...(vector ? ["size=11 Q=0"] : []));
  else if (sizes === "nob") x.push("size=00", ...(vector ? ["size=11 Q=0"] : []));
  return x;
}

/** Integer three same (U, opcode, id, sizes; sizes of the scalar form, null: vector only). */
const SAME: readonly (readonly [number, string, string, Sizes, Sizes | null])[] = [
  [0, "00000", "SHADD", "no64", null],
  [0, "00001", "SQADD", "all", "all"],
  [0, "00010", "SRHADD", "no64", null],
  [0, "00100", "SHSUB", "no64", null],
  [0, "00101", "SQSUB", "all", "all"],
  [0, "00110", "CMGT", "all", "d"],
  [0, "00111", "CMGE", "all", "d"],
  [0, "01000", "SSHL", "all", "d"],
  [0, "01001", "SQSHL", "all", "all"],
  [0, "01010", "SRSHL", "all", "d"],
  [0, "01011", "SQRSHL", "all", "all"],
  [0, "01100", "SMAX", "no64", null],
  [0, "01101", "SMIN", "no64", null],
  [0, "01110", "SABD", "no64", null],
  [0, "01111", "SABA", "no64", null],
  [0, "10000", "ADD", "all", "d"],
  [0, "10001", "CMTST", "all", "d"],
  [0, "10010", "MLA", "no64", null],
  [0, "10011", "MUL", "no64", null],
  [0, "10100", "SMAXP", "no64", null],
  [0, "10101", "SMINP", "no64", null],
  [0, "10110", "SQDMULH", "hs", "hs"],
  [0, "10111", "ADDP", "all", null],
  [1, "00000", "UHADD", "no64", null],
  [1, "00001", "UQADD", "all", "all"],
  [1, "00010", "URHADD", "no64", null],
  [1, "00100", "UHSUB", "no64", null],
  [1, "00101", "UQSUB", "all", "all"],
  [1, "00110", "CMHI", "all", "d"],
  [1, "00111", "CMHS", "all", "d"],
  [1, "01000", "USHL", "all", "d"],
  [1, "01001", "UQSHL", "all", "all"],
  [1, "01010", "URSHL", "all", "d"],
  [1, "01011", "UQRSHL", "all", "all"],
  [1, "01100", "UMAX", "no64", null],
  [1, "01101", "UMIN", "no64", null],
  [1, "01110", "UABD", "no64", null],
  [1, "01111", "UABA", "no64", null],
  [1, "10000", "SUB", "all", "d"],
  [1, "10001", "CMEQ", "all", "d"],
  [1, "10010", "MLS", "no64", null],
  [1, "10011", "PMUL", "b", null],
  [1, "10100", "UMAXP", "no64", null],
  [1, "10101", "UMINP", "no64", null],
  [1, "10110", "SQRDMULH", "hs", "hs"],
];

/** ARM ARM C4.1.92 Advanced SIMD (vector and scalar) and cryptographic instructions. */
export function defineSimd(): void {
  group("fpsimd");
  // ---- three same (integer) ----
  cls("asimdsame", A);
  for (const [u, op, id, sizes] of SAME) {
    const mn = id.toLowerCase();
    e(
      `${id}_asimdsame_only`,
      `0 Q:1 U=${u} 01110 size:2 1 Rm:5 opcode=${op} 1 Rn:5 Rd:5`,
      `${mn} {Rd:vT}, {Rn:vT}, {Rm:vT}`,
      {
        excl: sizeExcl(sizes),
      },
    );
  }
  for (const [u, sz, id] of [
    [0, "00", "AND"],
    [0, "01", "BIC"],
    [0, "10", "ORR"],
    [0, "11", "ORN"],
    [1, "00", "EOR"],
    [1, "01", "BSL"],
    [1, "10", "BIT"],
    [1, "11", "BIF"],
  ] as const) {
    const alias: [string, (w: number) => boolean][] =
      id === "ORR" ? [["mov {Rd:vB}, {Rn:vB}", (w) => rm(w) === rn(w)]] : [];
    e(
      `${id}_asimdsame_only`,
      `0 Q:1 U=${u} 01110 size=${sz} 1 Rm:5 opcode=00011 1 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:vB}, {Rn:vB}, {Rm:vB}`,
      {
        alias,
      },
    );
  }
  // ---- three same (FP, sz) ----
  const fsame: [number, number, string, string][] = [
    [0, 0, "11000", "FMAXNM"],
    [0, 1, "11000", "FMINNM"],
    [0, 0, "11001", "FMLA"],
    [0, 1, "11001", "FMLS"],
    [0, 0, "11010", "FADD"],
    [0, 1, "11010", "FSUB"],
    [0, 0, "11011", "FMULX"],
    [0, 0, "11100", "FCMEQ"],
    [0, 0, "11110", "FMAX"],
    [0, 1, "11110", "FMIN"],
    [0, 0, "11111", "FRECPS"],
    [0, 1, "11111", "FRSQRTS"],
    [1, 0, "11000", "FMAXNMP"],
    [1, 1, "11000", "FMINNMP"],
    [1, 0, "11010", "FADDP"],
    [1, 1, "11010", "FABD"],
    [1, 0, "11011", "FMUL"],
    [1, 0, "11100", "FCMGE"],
    [1, 1, "11100", "FCMGT"],
    [1, 0, "11101", "FACGE"],
    [1, 1, "11101", "FACGT"],
    [1, 0, "11110", "FMAXP"],
    [1, 1, "11110", "FMINP"],
    [1, 0, "11111", "FDIV"],
  ];
  for (const [u, o1, op, id] of fsame) {
    const mn = id.toLowerCase();
    e(
      `${id}_asimdsame_only`,
      `0 Q:1 U=${u} 01110 o1=${o1} sz:1 1 Rm:5 opcode=${op} 1 Rn:5 Rd:5`,
      `${mn} {Rd:vF}, {Rn:vF}, {Rm:vF}`,
      {
        excl: ["sz=1 Q=0"],
      },
    );
    e(
      `${id}_asimdsamefp16_only`,
      `0 Q:1 U=${u} 01110 a=${o1} 10 Rm:5 00 opcode=${op.slice(2)} 1 Rn:5 Rd:5`,
      `${mn} {Rd:vH}, {Rn:vH}, {Rm:vH}`,
      {
        feature: "FEAT_FP16",
      },
    );
  }
  cls("asimdsame", "FEAT_FHM");
  for (const [u, o1, op, id] of [
    [0, 0, "11101", "FMLAL"],
    [0, 1, "11101", "FMLSL"],
    [1, 0, "11001", "FMLAL2"],
    [1, 1, "11001", "FMLSL2"],
  ] as const) {
    e(
      `${id}_asimdsame_F`,
      `0 Q:1 U=${u} 01110 o1=${o1} sz=0 1 Rm:5 opcode=${op} 1 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:vS2}, {Rn:vFhm}, {Rm:vFhm}`,
    );
  }

  // ---- three same extra ----
  cls("asimdsame2", "FEAT_DotProd");
  e(
    "SDOT_asimdsame2_D",
    "0 Q:1 U=0 01110 size=10 0 Rm:5 1 opcode=0010 1 Rn:5 Rd:5",
    "sdot {Rd:vS2}, {Rn:vB}, {Rm:vB}",
  );
  e(
    "UDOT_asimdsame2_D",
    "0 Q:1 U=1 01110 size=10 0 Rm:5 1 opcode=0010 1 Rn:5 Rd:5",
    "udot {Rd:vS2}, {Rn:vB}, {Rm:vB}",
  );
  cls("asimdsame2", "FEAT_RDM");
  e(
    "SQRDMLAH_asimdsame2_only",
    "0 Q:1 U=1 01110 size:2 0 Rm:5 1 opcode=0000 1 Rn:5 Rd:5",
    "sqrdmlah {Rd:vT}, {Rn:vT}, {Rm:vT}",
    {
      excl: sizeExcl("hs"),
    },
  );
  e(
    "SQRDMLSH_asimdsame2_only",
    "0 Q:1 U=1 01110 size:2 0 Rm:5 1 opcode=0001 1 Rn:5 Rd:5",
    "sqrdmlsh {Rd:vT}, {Rn:vT}, {Rm:vT}",
    {
      excl: sizeExcl("hs"),
    },
  );
  cls("asimdsame2", "FEAT_FCMA");
  e(
    "FCMLA_asimdsame2_C",
    "0 Q:1 U=1 01110 size:2 0 Rm:5 1 10 rot:2 1 Rn:5 Rd:5",
    "fcmla {Rd:vT}, {Rn:vT}, {Rm:vT}, #{rot:rot90}",
    { excl: ["size=0x", "size=11 Q=0"] },
  );
  // 16-bit elements also need FEAT_FP16 (C7.2 FCMLA: "if size == '01' && !HaveFP16Ext() then UNDEFINED").
  e(
    "FCMLA_asimdsame2_C_H",
    "0 Q:1 U=1 01110 size=01 0 Rm:5 1 10 rot:2 1 Rn:5 Rd:5",
    "fcmla {Rd:vH}, {Rn:vH}, {Rm:vH}, #{rot:rot90}",
    {
      also: ["FEAT_FP16"],
    },
  );
  e(
    "FCADD_asimdsame2_C",
    "0 Q:1 U=1 01110 size:2 0 Rm:5 1 11 rot:1 0 1 Rn:5 Rd:5",
    "fcadd {Rd:vT}, {Rn:vT}, {Rm:vT}, #{rot:rot270}",
    {
      excl: ["size=0x", "size=11 Q=0"],
    },
  );
  e(
    "FCADD_asimdsame2_C_H",
    "0 Q:1 U=1 01110 size=01 0 Rm:5 1 11 rot:1 0 1 Rn:5 Rd:5",
    "fcadd {Rd:vH}, {Rn:vH}, {Rm:vH}, #{rot:rot270}",
    {
      also: ["FEAT_FP16"],
    },
  );

  // ---- scalar three same ----
  cls("asisdsame", A);
  for (const [u, op, id, , sizes] of SAME) {
    if (sizes === null) continue;
    e(
      `${id}_asisdsame_only`,
      `01 U=${u} 11110 size:2 1 Rm:5 opcode=${op} 1 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:sz}, {Rn:sz}, {Rm:sz}`,
      {
        excl: sizeExcl(sizes, false),
      },
    );
  }
  for (const [u, o1, op, id] of [
    [0, 0, "11011", "FMULX"],
    [0, 0, "11100", "FCMEQ"],
    [0, 0, "11111", "FRECPS"],
    [0, 1, "11111", "FRSQRTS"],
    [1, 0, "11100", "FCMGE"],
    [1, 1, "11100", "FCMGT"],
    [1, 0, "11101", "FACGE"],
    [1, 1, "11101", "FACGT"],
    [1, 1, "11010", "FABD"],
  ] as const) {
    e(
      `${id}_asisdsame_only`,
      `01 U=${u} 11110 o1=${o1} sz:1 1 Rm:5 opcode=${op} 1 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:sF}, {Rn:sF}, {Rm:sF}`,
    );
    e(
      `${id}_asisdsamefp16_only`,
      `01 U=${u} 11110 a=${o1} 10 Rm:5 00 opcode=${op.slice(2)} 1 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:h}, {Rn:h}, {Rm:h}`,
      {
        feature: "FEAT_FP16",
      },
    );
  }
  cls("asisdsame2", "FEAT_RDM");
  e(
    "SQRDMLAH_asisdsame2_only",
    "01 U=1 11110 size:2 0 Rm:5 1 opcode=0000 1 Rn:5 Rd:5",
    "sqrdmlah {Rd:sz}, {Rn:sz}, {Rm:sz}",
    {
      excl: sizeExcl("hs", false),
    },
  );
  e(
    "SQRDMLSH_asisdsame2_only",
    "01 U=1 11110 size:2 0 Rm:5 1 opcode=0001 1 Rn:5 Rd:5",
    "sqrdmlsh {Rd:sz}, {Rn:sz}, {Rm:sz}",
    {
      excl: sizeExcl("hs", false),
    },
  );
}
