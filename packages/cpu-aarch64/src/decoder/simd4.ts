import type { Feature } from "../model.js";
import { bitsOf, cls, e, group } from "./builder.js";

const A: Feature = "FEAT_AdvSIMD";
/** Element size index from immh (bits 22:19): 0=B .. 3=D, -1 for immh=0000. */
export const immhSize = (w: number): number => {
  const immh = bitsOf(w, 19, 4);
  return immh ? 31 - Math.clz32(immh) : -1;
};

type ShKind = "R" | "L" | "N" | "LL" | "F";

/** Integer x indexed element (U, opcode, id, form, feature other than AdvSIMD). */
const ELEM_INT: readonly (readonly [number, string, string, "int" | "long", Feature | null])[] = [
  [0, "0010", "SMLAL", "long", null],
  [0, "0011", "SQDMLAL", "long", null],
  [0, "0110", "SMLSL", "long", null],
  [0, "0111", "SQDMLSL", "long", null],
  [0, "1000", "MUL", "int", null],
  [0, "1010", "SMULL", "long", null],
  [0, "1011", "SQDMULL", "long", null],
  [0, "1100", "SQDMULH", "int", null],
  [0, "1101", "SQRDMULH", "int", null],
  [1, "0000", "MLA", "int", null],
  [1, "0010", "UMLAL", "long", null],
  [1, "0100", "MLS", "int", null],
  [1, "0110", "UMLSL", "long", null],
  [1, "1010", "UMULL", "long", null],
  [1, "1101", "SQRDMLAH", "int", "FEAT_RDM"],
  [1, "1111", "SQRDMLSH", "int", "FEAT_RDM"],
];
/** FP x indexed element, vector and scalar (U, opcode, id). */
const ELEM_FP = [
  [0, "0001", "FMLA"],
  [0, "0101", "FMLS"],
  [0, "1001", "FMUL"],
  [1, "1001", "FMULX"],
] as const;

/** ARM ARM C4.1.92: AdvSIMD shift by immediate, modified immediate, vector/scalar x indexed element. */
export function defineSimd4(): void {
  group("fpsimd");
  cls("asimdshf", A);
  const sh: [number, string, string, ShKind][] = [
    [0, "00000", "SSHR", "R"],
    [0, "00010", "SSRA", "R"],
    [0, "00100", "SRSHR", "R"],
    [0, "00110", "SRSRA", "R"],
    [0, "01010", "SHL", "L"],
    [0, "01110", "SQSHL", "L"],
    [0, "10000", "SHRN", "N"],
    [0, "10001", "RSHRN", "N"],
    [0, "10010", "SQSHRN", "N"],
    [0, "10011", "SQRSHRN", "N"],
    [0, "10100", "SSHLL", "LL"],
    [0, "11100", "SCVTF", "F"],
    [0, "11111", "FCVTZS", "F"],
    [1, "00000", "USHR", "R"],
    [1, "00010", "USRA", "R"],
    [1, "00100", "URSHR", "R"],
    [1, "00110", "URSRA", "R"],
    [1, "01000", "SRI", "R"],
    [1, "01010", "SLI", "L"],
    [1, "01100", "SQSHLU", "L"],
    [1, "01110", "UQSHL", "L"],
    [1, "10000", "SQSHRUN", "N"],
    [1, "10001", "SQRSHRUN", "N"],
    [1, "10010", "UQSHRN", "N"],
    [1, "10011", "UQRSHRN", "N"],
    [1, "10100", "USHLL", "LL"],
    [1, "11100", "UCVTF", "F"],
    [1, "11111", "FCVTZU", "F"],
  ];
  for (const [u, op, id, k] of sh) {
    const mn = id.toLowerCase();
    const t =
      k === "R"
        ? `${mn} {Rd:vSh}, {Rn:vSh}, #{_:shr}`
        : k === "L"
          ? `${mn} {Rd:vSh}, {Rn:vSh}, #{_:shl}`
          : k === "N"
            ? `${mn}{_:q2} {Rd:vSh}, {Rn:vShW}, #{_:shr}`
            : k === "LL"
              ? `${mn}{_:q2} {Rd:vShW}, {Rn:vSh}, #{_:shl}`
              : `${mn} {Rd:vSh}, {Rn:vSh}, #{_:shr}`;
    // element size comes from the highest set bit of immh (C7.2 "immh" tables)
    const excl =
      k === "N" || k === "LL"
        ? ["immh=0000", "immh=1xxx"]
        : k === "F"
          ? ["immh=00xx", "immh=1xxx Q=0"]
          : ["immh=0000", "immh=1xxx Q=0"];
    e(
      `${id}_asimdshf_${k === "N" ? "N" : k === "LL" ? "L" : k === "F" ? "C" : "R"}`,
      `0 Q:1 U=${u} 011110 immh:4 immb:3 opcode=${op} 1 Rn:5 Rd:5`,
      t,
      { excl },
    );
    // Half-precision fixed-point conversions (immh = 001x) need FEAT_FP16.
    if (k === "F") {
      e(`${id}_asimdshf_C_H`, `0 Q:1 U=${u} 011110 immh:4 immb:3 opcode=${op} 1 Rn:5 Rd:5`, t, {
        excl: ["immh=1xxx", "immh=01xx", "immh=000x"],
        feature: "FEAT_FP16",
      });
    }
  }
  cls("asisdshf", A);
  const ssh: [number, string, string, ShKind, "d" | "all" | "narrow" | "fp"][] = [
    [0, "00000", "SSHR", "R", "d"],
    [0, "00010", "SSRA", "R", "d"],
    [0, "00100", "SRSHR", "R", "d"],
    [0, "00110", "SRSRA", "R", "d"],
    [0, "01010", "SHL", "L", "d"],
    [0, "01110", "SQSHL", "L", "all"],
    [0, "10010", "SQSHRN", "N", "narrow"],
    [0, "10011", "SQRSHRN", "N", "narrow"],
    [0, "11100", "SCVTF", "F", "fp"],
    [0, "11111", "FCVTZS", "F", "fp"],
    [1, "00000", "USHR", "R", "d"],
    [1, "00010", "USRA", "R", "d"],
    [1, "00100", "URSHR", "R", "d"],
    [1, "00110", "URSRA", "R", "d"],
    [1, "01000", "SRI", "R", "d"],
    [1, "01010", "SLI", "L", "d"],
    [1, "01100", "SQSHLU", "L", "all"],
    [1, "01110", "UQSHL", "L", "all"],
    [1, "10000", "SQSHRUN", "N", "narrow"],
    [1, "10001", "SQRSHRUN", "N", "narrow"],
    [1, "10010", "UQSHRN", "N", "narrow"],
    [1, "10011", "UQRSHRN", "N", "narrow"],
    [1, "11100", "UCVTF", "F", "fp"],
    [1, "11111", "FCVTZU", "F", "fp"],
  ];
  for (const [u, op, id, k, sz] of ssh) {
    const mn = id.toLowerCase();
    const amt = k === "L" ? "shl" : "shr";
    const t = k === "N" ? `${mn} {Rd:sSh}, {Rn:sShW}, #{_:shr}` : `${mn} {Rd:sSh}, {Rn:sSh}, #{_:${amt}}`;
    const excl =
      sz === "d"
        ? ["immh=0xxx"]
        : sz === "narrow"
          ? ["immh=0000", "immh=1xxx"]
          : sz === "fp"
            ? ["immh=00xx"]
            : ["immh=0000"];
    e(
      `${id}_asisdshf_${k === "N" ? "N" : k === "F" ? "C" : "R"}`,
      `01 U=${u} 111110 immh:4 immb:3 opcode=${op} 1 Rn:5 Rd:5`,
      t,
      { excl },
    );
    if (sz === "fp") {
      e(`${id}_asisdshf_C_H`, `01 U=${u} 111110 immh:4 immb:3 opcode=${op} 1 Rn:5 Rd:5`, t, {
        excl: ["immh=1xxx", "immh=01xx", "immh=000x"],
        feature: "FEAT_FP16",
      });
    }
  }

  cls("asimdimm", A);
  const imm = "0 Q:1 op=OP 0111100000 a:1 b:1 c:1 cmode=CM o2=0 1 d:1 e:1 f:1 g:1 h:1 Rd:5";
  const p = (op: number, cm: string, q?: number): string =>
    imm
      .replace("OP", `${op}`)
      .replace("CM", cm)
      .replace("Q:1", q === undefined ? "Q:1" : `Q=${q}`);
  // cmode field split: we keep the whole cmode fixed per entry via a named field
  // cmode<0> = 0: MOVI/MVNI (shifted and shifting-ones forms), 1: ORR/BIC (shifted forms only)
  for (const [op, id, mn, c0] of [
    [0, "MOVI", "movi", 0],
    [1, "MVNI", "mvni", 0],
    [0, "ORR", "orr", 1],
    [1, "BIC", "bic", 1],
  ] as const) {
    e(
      `${id}_asimdimm_L_sl`,
      p(op, "0").replace("cmode=0", `cmode3=0 cmode21:2 cmode0=${c0}`),
      `${mn} {Rd:vS2}, #{_:imm8}{_:lsl32}`,
    );
    e(
      `${id}_asimdimm_L_hl`,
      p(op, "0").replace("cmode=0", `cmode3=1 cmode2=0 cmode1:1 cmode0=${c0}`),
      `${mn} {Rd:vH}, #{_:imm8}{_:lsl16}`,
    );
    if (c0 === 0) {
      e(
        `${id}_asimdimm_M_sm`,
        p(op, "0").replace("cmode=0", "cmode31=110 cmode0:1"),
        `${mn} {Rd:vS2}, #{_:imm8}, msl #{_:msl}`,
      );
    }
  }
  e("MOVI_asimdimm_N_b", p(0, "1110"), "movi {Rd:vB}, #{_:imm8}");
  e("MOVI_asimdimm_D_ds", p(1, "1110", 0), "movi {Rd:d}, #{_:imm64}");
  e("MOVI_asimdimm_D2_d", p(1, "1110", 1), "movi {Rd:v2d}, #{_:imm64}");
  e("FMOV_asimdimm_S_s", p(0, "1111"), "fmov {Rd:vS2}, #{_:fpimm8}");
  e("FMOV_asimdimm_D2_d", p(1, "1111", 1), "fmov {Rd:v2d}, #{_:fpimm8}");
  e("FMOV_asimdimm_H_h", p(0, "1111").replace("o2=0", "o2=1"), "fmov {Rd:vH}, #{_:fpimm8}", {
    feature: "FEAT_FP16",
  });

  // ---- vector x indexed element ----
  cls("asimdelem", A);
  for (const [u, op, id, k, f] of ELEM_INT) {
    const mn = id.toLowerCase();
    const t =
      k === "long" ? `${mn}{_:q2} {Rd:vWQ}, {Rn:vT}, {_:elemidx}` : `${mn} {Rd:vT}, {Rn:vT}, {_:elemidx}`;
    e(
      `${id}_asimdelem_${k === "long" ? "L" : "R"}`,
      `0 Q:1 U=${u} 01111 size:2 L:1 M:1 Rm:4 opcode=${op} H:1 0 Rn:5 Rd:5`,
      t,
      {
        excl: ["size=00", "size=11"],
        feature: f ?? A,
      },
    );
  }
  for (const [u, op, id] of ELEM_FP) {
    const mn = id.toLowerCase();
    e(
      `${id}_asimdelem_R_SD`,
      `0 Q:1 U=${u} 01111 1 sz:1 L:1 M:1 Rm:4 opcode=${op} H:1 0 Rn:5 Rd:5`,
      `${mn} {Rd:vF}, {Rn:vF}, {_:felemidx}`,
      {
        excl: ["sz=1 L=1", "sz=1 Q=0"],
      },
    );
    e(
      `${id}_asimdelem_RH_H`,
      `0 Q:1 U=${u} 01111 00 L:1 M:1 Rm:4 opcode=${op} H:1 0 Rn:5 Rd:5`,
      `${mn} {Rd:vH}, {Rn:vH}, {_:helemidx}`,
      {
        feature: "FEAT_FP16",
      },
    );
  }
  for (const [u, op, id] of [
    [0, "0000", "FMLAL"],
    [0, "0100", "FMLSL"],
    [1, "1000", "FMLAL2"],
    [1, "1100", "FMLSL2"],
  ] as const) {
    e(
      `${id}_asimdelem_LH`,
      `0 Q:1 U=${u} 01111 10 L:1 M:1 Rm:4 opcode=${op} H:1 0 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:vS2}, {Rn:vFhm}, {_:helemidx}`,
      {
        feature: "FEAT_FHM",
      },
    );
  }
  for (const [u, id] of [
    [0, "SDOT"],
    [1, "UDOT"],
  ] as const) {
    e(
      `${id}_asimdelem_D`,
      `0 Q:1 U=${u} 01111 10 L:1 M:1 Rm:4 opcode=1110 H:1 0 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:vS2}, {Rn:vB}, {_:dotidx}`,
      {
        feature: "FEAT_DotProd",
      },
    );
  }
  e(
    "FCMLA_asimdelem_C_H",
    "0 Q:1 U=1 01111 01 L:1 M:1 Rm:4 0 rot:2 1 H:1 0 Rn:5 Rd:5",
    "fcmla {Rd:vH}, {Rn:vH}, {_:cmlaidxh}, #{rot:rot90}",
    {
      feature: "FEAT_FCMA",
      also: ["FEAT_FP16"],
      excl: ["Q=0 H=1"],
    },
  );
  e(
    "FCMLA_asimdelem_C_S",
    "0 Q=1 U=1 01111 10 L:1 M:1 Rm:4 0 rot:2 1 H:1 0 Rn:5 Rd:5",
    "fcmla {Rd:v4s}, {Rn:v4s}, {_:cmlaidxs}, #{rot:rot90}",
    {
      feature: "FEAT_FCMA",
      excl: ["L=1"],
    },
  );

  cls("asisdelem", A);
  // the scalar integer forms are the saturating ones (ARM ARM C4.1.92.x asisdelem)
  for (const [u, op, id, k, f] of ELEM_INT.filter(([, , id]) => id.startsWith("SQ"))) {
    const mn = id.toLowerCase();
    const t = k === "long" ? `${mn} {Rd:szw}, {Rn:sz}, {_:elemidx}` : `${mn} {Rd:sz}, {Rn:sz}, {_:elemidx}`;
    e(
      `${id}_asisdelem_${k === "long" ? "L" : "R"}`,
      `01 U=${u} 11111 size:2 L:1 M:1 Rm:4 opcode=${op} H:1 0 Rn:5 Rd:5`,
      t,
      {
        excl: ["size=00", "size=11"],
        feature: f ?? A,
      },
    );
  }
  for (const [u, op, id] of ELEM_FP) {
    const mn = id.toLowerCase();
    e(
      `${id}_asisdelem_R_SD`,
      `01 U=${u} 11111 1 sz:1 L:1 M:1 Rm:4 opcode=${op} H:1 0 Rn:5 Rd:5`,
      `${mn} {Rd:sF}, {Rn:sF}, {_:felemidx}`,
      {
        excl: ["sz=1 L=1"],
      },
    );
    e(
      `${id}_asisdelem_RH_H`,
      `01 U=${u} 11111 00 L:1 M:1 Rm:4 opcode=${op} H:1 0 Rn:5 Rd:5`,
      `${mn} {Rd:h}, {Rn:h}, {_:helemidx}`,
      {
        feature: "FEAT_FP16",
      },
    );
  }
}
