import type { Feature } from "../model.js";
import { bitsOf, cls, e, group } from "./builder.js";

const A: Feature = "FEAT_AdvSIMD";
/** Element size (0=B..3=D) from the lowest set bit of imm5 (bits 20:16), or -1 if imm5 = x0000. */
export const imm5Size = (w: number): number => {
  const imm5 = bitsOf(w, 16, 5);
  return imm5 & 15 ? 31 - Math.clz32(imm5 & -imm5) : -1;
};

/** ARM ARM C4.1.92: AdvSIMD three different, copy, permute, extract, table lookup. */
export function defineSimd3(): void {
  group("fpsimd");
  cls("asimddiff", A);
  const diff: [number, string, string, "L" | "W" | "HN", boolean][] = [
    [0, "0000", "SADDL", "L", false],
    [0, "0001", "SADDW", "W", false],
    [0, "0010", "SSUBL", "L", false],
    [0, "0011", "SSUBW", "W", false],
    [0, "0100", "ADDHN", "HN", false],
    [0, "0101", "SABAL", "L", false],
    [0, "0110", "SUBHN", "HN", false],
    [0, "0111", "SABDL", "L", false],
    [0, "1000", "SMLAL", "L", false],
    [0, "1001", "SQDMLAL", "L", true],
    [0, "1010", "SMLSL", "L", false],
    [0, "1011", "SQDMLSL", "L", true],
    [0, "1100", "SMULL", "L", false],
    [0, "1101", "SQDMULL", "L", true],
    [1, "0000", "UADDL", "L", false],
    [1, "0001", "UADDW", "W", false],
    [1, "0010", "USUBL", "L", false],
    [1, "0011", "USUBW", "W", false],
    [1, "0100", "RADDHN", "HN", false],
    [1, "0101", "UABAL", "L", false],
    [1, "0110", "RSUBHN", "HN", false],
    [1, "0111", "UABDL", "L", false],
    [1, "1000", "UMLAL", "L", false],
    [1, "1010", "UMLSL", "L", false],
    [1, "1100", "UMULL", "L", false],
  ];
  for (const [u, op, id, form, hs] of diff) {
    const mn = `${id.toLowerCase()}{_:q2}`;
    const t =
      form === "L"
        ? `${mn} {Rd:vWQ}, {Rn:vT}, {Rm:vT}`
        : form === "W"
          ? `${mn} {Rd:vWQ}, {Rn:vWQ}, {Rm:vT}`
          : `${mn} {Rd:vT}, {Rn:vWQ}, {Rm:vWQ}`;
    e(
      `${id}_asimddiff_${form === "W" ? "W" : form === "HN" ? "N" : "L"}`,
      `0 Q:1 U=${u} 01110 size:2 1 Rm:5 opcode=${op} 00 Rn:5 Rd:5`,
      t,
      {
        excl: hs ? ["size=11", "size=00"] : ["size=11"],
      },
    );
  }
  e(
    "PMULL_asimddiff_L_8",
    "0 Q:1 U=0 01110 size=00 1 Rm:5 opcode=1110 00 Rn:5 Rd:5",
    "pmull{_:q2} {Rd:v8h}, {Rn:vB}, {Rm:vB}",
  );
  e(
    "PMULL_asimddiff_L_64",
    "0 Q:1 U=0 01110 size=11 1 Rm:5 opcode=1110 00 Rn:5 Rd:5",
    "pmull{_:q2} {Rd:v1q}, {Rn:vD}, {Rm:vD}",
    {
      feature: "FEAT_PMULL",
    },
  );
  cls("asisddiff", A);
  for (const [op, id] of [
    ["1001", "SQDMLAL"],
    ["1011", "SQDMLSL"],
    ["1101", "SQDMULL"],
  ] as const) {
    e(
      `${id}_asisddiff_only`,
      `01 U=0 11110 size:2 1 Rm:5 opcode=${op} 00 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:szw}, {Rn:sz}, {Rm:sz}`,
      {
        excl: ["size=11", "size=00"],
      },
    );
  }

  cls("asimdins", A);
  e("DUP_asimdins_DV_v", "0 Q:1 op=0 01110000 imm5:5 0 imm4=0000 1 Rn:5 Rd:5", "dup {Rd:vDup}, {Rn:vElem}", {
    excl: ["imm5=x0000", "imm5=x1000 Q=0"],
  });
  e("DUP_asimdins_DR_r", "0 Q:1 op=0 01110000 imm5:5 0 imm4=0001 1 Rn:5 Rd:5", "dup {Rd:vDup}, {Rn:gpr5}", {
    excl: ["imm5=x0000", "imm5=x1000 Q=0"],
  });
  e("SMOV_asimdins_W_w", "0 Q=0 op=0 01110000 imm5:5 0 imm4=0101 1 Rn:5 Rd:5", "smov {Rd:w}, {Rn:vElem}", {
    excl: ["imm5=x0000", "imm5=xx100", "imm5=x1000"],
  });
  e("SMOV_asimdins_X_x", "0 Q=1 op=0 01110000 imm5:5 0 imm4=0101 1 Rn:5 Rd:5", "smov {Rd:x}, {Rn:vElem}", {
    excl: ["imm5=x0000", "imm5=x1000"],
  });
  e("UMOV_asimdins_W_w", "0 Q=0 op=0 01110000 imm5:5 0 imm4=0111 1 Rn:5 Rd:5", "umov {Rd:w}, {Rn:vElem}", {
    excl: ["imm5=x0000", "imm5=x1000"],
    alias: [["mov {Rd:w}, {Rn:vElem}", (w) => imm5Size(w) === 2]],
  });
  e("UMOV_asimdins_X_x", "0 Q=1 op=0 01110000 imm5:5 0 imm4=0111 1 Rn:5 Rd:5", "mov {Rd:x}, {Rn:vElem}", {
    excl: ["imm5=xxxx1", "imm5=xxx10", "imm5=xx100", "imm5=x0000"],
  });
  e("INS_asimdins_IR_r", "0 Q=1 op=0 01110000 imm5:5 0 imm4=0011 1 Rn:5 Rd:5", "mov {Rd:vElem}, {Rn:gpr5}", {
    excl: ["imm5=x0000"],
  });
  e("INS_asimdins_IV_v", "0 Q=1 op=1 01110000 imm5:5 0 imm4:4 1 Rn:5 Rd:5", "mov {Rd:vElem}, {Rn:vElem2}", {
    excl: ["imm5=x0000"],
  });
  cls("asisdone", A);
  e("DUP_asisdone_only", "01 op=0 11110000 imm5:5 0 imm4=0000 1 Rn:5 Rd:5", "mov {Rd:sDup}, {Rn:vElem}", {
    excl: ["imm5=x0000"],
  });

  cls("asimdperm", A);
  for (const [op, id] of [
    ["001", "UZP1"],
    ["010", "TRN1"],
    ["011", "ZIP1"],
    ["101", "UZP2"],
    ["110", "TRN2"],
    ["111", "ZIP2"],
  ] as const) {
    e(
      `${id}_asimdperm_only`,
      `0 Q:1 001110 size:2 0 Rm:5 0 opcode=${op} 10 Rn:5 Rd:5`,
      `${id.toLowerCase()} {Rd:vT}, {Rn:vT}, {Rm:vT}`,
      {
        excl: ["size=11 Q=0"],
      },
    );
  }
  cls("asimdext", A);
  e(
    "EXT_asimdext_only",
    "0 Q:1 101110 op2=00 0 Rm:5 0 imm4:4 0 Rn:5 Rd:5",
    "ext {Rd:vB}, {Rn:vB}, {Rm:vB}, #{imm4:u}",
    {
      excl: ["Q=0 imm4=1xxx"],
    },
  );
  cls("asimdtbl", A);
  for (const [len, n] of [
    ["00", 1],
    ["01", 2],
    ["10", 3],
    ["11", 4],
  ] as const) {
    for (const [op, id] of [
      [0, "TBL"],
      [1, "TBX"],
    ] as const) {
      e(
        `${id}_asimdtbl_L${n}_${n}`,
        `0 Q:1 001110 op2=00 0 Rm:5 0 len=${len} op=${op} 00 Rn:5 Rd:5`,
        `${id.toLowerCase()} {Rd:vB}, {Rn:tbl${n}}, {Rm:vB}`,
      );
    }
  }
}
