import type { Feature } from "../model.js";
import { bitsOf, cls, e, group, SF } from "./builder.js";

/** ftype -> [id suffix, register kind, feature]: 00 single, 01 double, 11 half (FEAT_FP16). */
const FTYPES: readonly [string, string, string, Feature][] = [
  ["00", "S", "s", "FEAT_FP"],
  ["01", "D", "d", "FEAT_FP"],
  ["11", "H", "h", "FEAT_FP16"],
];

/** ARM ARM C4.1.92: scalar floating-point data processing and conversions. */
export function defineFp(): void {
  group("fpsimd");
  cls("floatdp2");
  for (const [ft, T, r, feature] of FTYPES) {
    const ops: [string, string][] = [
      ["0000", "FMUL"],
      ["0001", "FDIV"],
      ["0010", "FADD"],
      ["0011", "FSUB"],
      ["0100", "FMAX"],
      ["0101", "FMIN"],
      ["0110", "FMAXNM"],
      ["0111", "FMINNM"],
      ["1000", "FNMUL"],
    ];
    for (const [op, id] of ops) {
      e(
        `${id}_${T}_floatdp2`,
        `M=0 0 S=0 11110 ftype=${ft} 1 Rm:5 opcode=${op} 10 Rn:5 Rd:5`,
        `${id.toLowerCase()} {Rd:${r}}, {Rn:${r}}, {Rm:${r}}`,
        {
          feature,
        },
      );
    }
  }

  cls("floatdp3");
  for (const [ft, T, r, feature] of FTYPES) {
    for (const [o1, o0, id] of [
      [0, 0, "FMADD"],
      [0, 1, "FMSUB"],
      [1, 0, "FNMADD"],
      [1, 1, "FNMSUB"],
    ] as const) {
      e(
        `${id}_${T}_floatdp3`,
        `M=0 0 S=0 11111 ftype=${ft} o1=${o1} Rm:5 o0=${o0} Ra:5 Rn:5 Rd:5`,
        `${id.toLowerCase()} {Rd:${r}}, {Rn:${r}}, {Rm:${r}}, {Ra:${r}}`,
        {
          feature,
        },
      );
    }
  }

  cls("floatdp1");
  for (const [ft, T, r, feature] of FTYPES) {
    const ops: [string, string, string][] = [
      ["000000", "FMOV", "fmov"],
      ["000001", "FABS", "fabs"],
      ["000010", "FNEG", "fneg"],
      ["000011", "FSQRT", "fsqrt"],
      ["001000", "FRINTN", "frintn"],
      ["001001", "FRINTP", "frintp"],
      ["001010", "FRINTM", "frintm"],
      ["001011", "FRINTZ", "frintz"],
      ["001100", "FRINTA", "frinta"],
      ["001110", "FRINTX", "frintx"],
      ["001111", "FRINTI", "frinti"],
    ];
    for (const [op, id, mn] of ops) {
      e(
        `${id}_${T}_floatdp1`,
        `M=0 0 S=0 11110 ftype=${ft} 1 opcode=${op} 10000 Rn:5 Rd:5`,
        `${mn} {Rd:${r}}, {Rn:${r}}`,
        { feature },
      );
    }
    if (T !== "H") {
      for (const [op, id] of [
        ["010000", "FRINT32Z"],
        ["010001", "FRINT32X"],
        ["010010", "FRINT64Z"],
        ["010011", "FRINT64X"],
      ] as const) {
        e(
          `${id}_${T}_floatdp1`,
          `M=0 0 S=0 11110 ftype=${ft} 1 opcode=${op} 10000 Rn:5 Rd:5`,
          `${id.toLowerCase()} {Rd:${r}}, {Rn:${r}}`,
          {
            feature: "FEAT_FRINTTS",
          },
        );
      }
    }
    // FCVT between precisions (opcode 0001 opc), base FP for every pair.
    for (const [opc, D, rd] of [
      ["00", "S", "s"],
      ["01", "D", "d"],
      ["11", "H", "h"],
    ] as const) {
      if (D === T) continue;
      e(
        `FCVT_${D}${T}_floatdp1`,
        `M=0 0 S=0 11110 ftype=${ft} 1 0001 opc=${opc} 10000 Rn:5 Rd:5`,
        `fcvt {Rd:${rd}}, {Rn:${r}}`,
        {
          feature: "FEAT_FP",
        },
      );
    }
  }

  cls("floatcmp");
  for (const [ft, T, r, feature] of FTYPES) {
    // opc<1>: signalling (FCMPE), opc<0>: compare with +0.0
    for (const [opc, id, zero] of [
      ["00", "FCMP", false],
      ["01", "FCMP", true],
      ["10", "FCMPE", false],
      ["11", "FCMPE", true],
    ] as const) {
      e(
        `${id}_${T}${zero ? "Z" : ""}_floatcmp`,
        `M=0 0 S=0 11110 ftype=${ft} 1 Rm:5 op=00 1000 Rn:5 opc=${opc} 000`,
        `${id.toLowerCase()} {Rn:${r}}, ${zero ? "#0.0" : `{Rm:${r}}`}`,
        { feature },
      );
    }
  }

  cls("floatimm");
  for (const [ft, T, r, feature] of FTYPES) {
    e(
      `FMOV_${T}_floatimm`,
      `M=0 0 S=0 11110 ftype=${ft} 1 imm8:8 100 imm5=00000 Rd:5`,
      `fmov {Rd:${r}}, #{imm8:fpimm}`,
      { feature },
    );
  }

  cls("floatccmp");
  for (const [ft, T, r, feature] of FTYPES) {
    e(
      `FCCMP_${T}_floatccmp`,
      `M=0 0 S=0 11110 ftype=${ft} 1 Rm:5 cond:4 01 Rn:5 op=0 nzcv:4`,
      `fccmp {Rn:${r}}, {Rm:${r}}, #{nzcv:u}, {cond:cond}`,
      {
        feature,
      },
    );
    e(
      `FCCMPE_${T}_floatccmp`,
      `M=0 0 S=0 11110 ftype=${ft} 1 Rm:5 cond:4 01 Rn:5 op=1 nzcv:4`,
      `fccmpe {Rn:${r}}, {Rm:${r}}, #{nzcv:u}, {cond:cond}`,
      {
        feature,
      },
    );
  }

  cls("floatsel");
  for (const [ft, T, r, feature] of FTYPES) {
    e(
      `FCSEL_${T}_floatsel`,
      `M=0 0 S=0 11110 ftype=${ft} 1 Rm:5 cond:4 11 Rn:5 Rd:5`,
      `fcsel {Rd:${r}}, {Rn:${r}}, {Rm:${r}}, {cond:cond}`,
      {
        feature,
      },
    );
  }

  cls("float2fix");
  for (const [sf, g, G] of SF) {
    for (const [ft, T, r, feature] of FTYPES) {
      const excl = sf ? [] : ["scale=0xxxxx"];
      const conv = `${G}${T}`;
      const fromInt: [string, string, string][] = [
        ["00", "010", "SCVTF"],
        ["00", "011", "UCVTF"],
      ];
      for (const [rm, op, id] of fromInt) {
        e(
          `${id}_${T}${G}_float2fix`,
          `sf=${sf} 0 S=0 11110 ftype=${ft} 0 rmode=${rm} opcode=${op} scale:6 Rn:5 Rd:5`,
          `${id.toLowerCase()} {Rd:${r}}, {Rn:${g}}, #{scale:fbits}`,
          {
            feature,
            excl,
          },
        );
      }
      for (const [rm, op, id] of [
        ["11", "000", "FCVTZS"],
        ["11", "001", "FCVTZU"],
      ] as const) {
        e(
          `${id}_${conv}_float2fix`,
          `sf=${sf} 0 S=0 11110 ftype=${ft} 0 rmode=${rm} opcode=${op} scale:6 Rn:5 Rd:5`,
          `${id.toLowerCase()} {Rd:${g}}, {Rn:${r}}, #{scale:fbits}`,
          {
            feature,
            excl,
          },
        );
      }
    }
  }

  cls("float2int");
  for (const [sf, g, G] of SF) {
    for (const [ft, T, r, feature] of FTYPES) {
      const toInt: [string, string, string][] = [
        ["00", "000", "FCVTNS"],
        ["00", "001", "FCVTNU"],
        ["00", "100", "FCVTAS"],
        ["00", "101", "FCVTAU"],
        ["01", "000", "FCVTPS"],
        ["01", "001", "FCVTPU"],
        ["10", "000", "FCVTMS"],
        ["10", "001", "FCVTMU"],
        ["11", "000", "FCVTZS"],
        ["11", "001", "FCVTZU"],
      ];
      for (const [rm, op, id] of toInt) {
        e(
          `${id}_${G}${T}_float2int`,
          `sf=${sf} 0 S=0 11110 ftype=${ft} 1 rmode=${rm} opcode=${op} 000000 Rn:5 Rd:5`,
          `${id.toLowerCase()} {Rd:${g}}, {Rn:${r}}`,
          {
            feature,
          },
        );
      }
      for (const [op, id] of [
        ["010", "SCVTF"],
        ["011", "UCVTF"],
      ] as const) {
        e(
          `${id}_${T}${G}_float2int`,
          `sf=${sf} 0 S=0 11110 ftype=${ft} 1 rmode=00 opcode=${op} 000000 Rn:5 Rd:5`,
          `${id.toLowerCase()} {Rd:${r}}, {Rn:${g}}`,
          {
            feature,
          },
        );
      }
      const fmovOk = (sf === 0 && T === "S") || (sf === 1 && T === "D") || T === "H";
      if (fmovOk) {
        e(
          `FMOV_${G}${T}_float2int`,
          `sf=${sf} 0 S=0 11110 ftype=${ft} 1 rmode=00 opcode=110 000000 Rn:5 Rd:5`,
          `fmov {Rd:${g}}, {Rn:${r}}`,
          {
            feature,
          },
        );
        e(
          `FMOV_${T}${G}_float2int`,
          `sf=${sf} 0 S=0 11110 ftype=${ft} 1 rmode=00 opcode=111 000000 Rn:5 Rd:5`,
          `fmov {Rd:${r}}, {Rn:${g}}`,
          {
            feature,
          },
        );
      }
    }
  }
  e(
    "FMOV_64VX_float2int",
    "sf=1 0 S=0 11110 ftype=10 1 rmode=01 opcode=110 000000 Rn:5 Rd:5",
    "fmov {Rd:x}, {Rn:v}.d[1]",
    {
      feature: "FEAT_FP",
    },
  );
  e(
    "FMOV_V64I_float2int",
    "sf=1 0 S=0 11110 ftype=10 1 rmode=01 opcode=111 000000 Rn:5 Rd:5",
    "fmov {Rd:v}.d[1], {Rn:x}",
    {
      feature: "FEAT_FP",
    },
  );
  e(
    "FJCVTZS_32D_float2int",
    "sf=0 0 S=0 11110 ftype=01 1 rmode=11 opcode=110 000000 Rn:5 Rd:5",
    "fjcvtzs {Rd:w}, {Rn:d}",
    {
      feature: "FEAT_JSCVT",
    },
  );
  void bitsOf;
}
