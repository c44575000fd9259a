import { cls, e, group, SF } from "./builder.js";

/** One (size, V, opc) row of the load/store register tables (ARM ARM C4.1.88.*). */
interface Row {
  size: string;
  v: 0 | 1;
  opc: string;
  id: string; // XML mnemonic + register variant, e.g. "LDRSB_64"
  mn: string; // base mnemonic (ldrsb); unscaled/unprivileged forms derive theirs
  reg: string; // operand kind of Rt
  scale: number;
}

const INT_ROWS: Row[] = [
  { size: "00", v: 0, opc: "00", id: "STRB_32", mn: "strb", reg: "w", scale: 0 },
  { size: "00", v: 0, opc: "01", id: "LDRB_32", mn: "ldrb", reg: "w", scale: 0 },
  { size: "00", v: 0, opc: "10", id: "LDRSB_64", mn: "ldrsb", reg: "x", scale: 0 },
  { size: "00", v: 0, opc: "11", id: "LDRSB_32", mn: "ldrsb", reg: "w", scale: 0 },
  { size: "01", v: 0, opc: "00", id: "STRH_32", mn: "strh", reg: "w", scale: 1 },
  { size: "01", v: 0, opc: "01", id: "LDRH_32", mn: "ldrh", reg: "w", scale: 1 },
  { size: "01", v: 0, opc: "10", id: "LDRSH_64", mn: "ldrsh", reg: "x", scale: 1 },
  { size: "01", v: 0, opc: "11", id: "LDRSH_32", mn: "ldrsh", reg: "w", scale: 1 },
  { size: "10", v: 0, opc: "00", id: "STR_32", mn: "str", reg: "w", scale: 2 },
  { size: "10", v: 0, opc: "01", id: "LDR_32", mn: "ldr", reg: "w", scale: 2 },
  { size: "10", v: 0, opc: "10", id: "LDRSW_64", mn: "ldrsw", reg: "x", scale: 2 },
  { size: "11", v: 0, opc: "00", id: "STR_64", mn: "str", reg: "x", scale: 3 },
  { size: "11", v: 0, opc: "01", id: "LDR_64", mn: "ldr", reg: "x", scale: 3 },
];
const FP_ROWS: Row[] = [
  { size: "00", v: 1, opc: "00", id: "STR_B", mn: "str", reg: "b", scale: 0 },
  { size: "00", v: 1, opc: "01", id: "LDR_B", mn: "ldr", reg: "b", scale: 0 },
  { size: "00", v: 1, opc: "10", id: "STR_Q", mn: "str", reg: "q", scale: 4 },
  { size: "00", v: 1, opc: "11", id: "LDR_Q", mn: "ldr", reg: "q", scale: 4 },
  { size: "01", v: 1, opc: "00", id: "STR_H", mn: "str", reg: "h", scale: 1 },
  { size: "01", v: 1, opc: "01", id: "LDR_H", mn: "ldr", reg: "h", scale: 1 },
  { size: "10", v: 1, opc: "00", id: "STR_S", mn: "str", reg: "s", scale: 2 },
  { size: "10", v: 1, opc: "01", id: "LDR_S", mn: "ldr", reg: "s", scale: 2 },
  { size: "11", v: 1, opc: "00", id: "STR_D", mn: "str", reg: "d", scale: 3 },
  { size: "11", v: 1, opc: "01", id: "LDR_D", mn: "ldr", reg: "d", scale: 3 },
];

function rowsFor(form: string): Row[] {
  return [...INT_ROWS, ...FP_ROWS].map((r) => ({ ...r, form }));
}

/** Mnemonic of the unscaled (LDUR...) / unprivileged (LDTR...) variants. */
const unscaledMn = (mn: string): string => mn.replace(/^(ld|st)r/, "$1ur");
const unprivMn = (mn: string): string => mn.replace(/^(ld|st)r/, "$1tr");
const unscaledId = (id: string): string => id.replace(/^(LD|ST)R/, "$1UR");
const unprivId = (id: string): string => id.replace(/^(LD|ST)R/, "$1TR");

/** Load/store exclusive (register and pair): L, o0 (acquire/release), mnemonic. */
const EXCLUSIVE = [
  [0, 0, "stx"],
  [0, 1, "stlx"],
  [1, 0, "ldx"],
  [1, 1, "ldax"],
] as const;

/** ARM ARM C4.1.88 Loads and Stores (integer and SIMD&FP register forms, atomics, exclusives). */
export function defineLdst(): void {
  group("ldst");
  const feat = (r: Row): "FEAT_FP" | null => (r.v ? "FEAT_FP" : null);
  const head = (r: Row): string => `size=${r.size} 111 V=${r.v}`;

  cls("ldst_pos");
  for (const r of rowsFor("pos")) {
    e(
      `${r.id}_ldst_pos`,
      `${head(r)} 01 opc=${r.opc} imm12:12 Rn:5 Rt:5`,
      `${r.mn} {Rt:${r.reg}}, [{Rn:xsp}{_:uoff${r.scale}}]`,
      {
        feature: feat(r),
      },
    );
  }
  e(
    "PRFM_P_ldst_pos",
    "size=11 111 V=0 01 opc=10 imm12:12 Rn:5 Rt:5",
    "prfm {Rt:prfop}, [{Rn:xsp}{_:uoff3}]",
  );

  for (const [form, suffix, amode] of [
    ["immpre", "11", "[{Rn:xsp}, #{imm9:s9}]!"],
    ["immpost", "01", "[{Rn:xsp}], #{imm9:s9}"],
  ] as const) {
    cls(`ldst_${form}`);
    for (const r of rowsFor(form)) {
      e(
        `${r.id}_ldst_${form}`,
        `${head(r)} 00 opc=${r.opc} 0 imm9:9 ${suffix} Rn:5 Rt:5`,
        `${r.mn} {Rt:${r.reg}}, ${amode}`,
        {
          feature: feat(r),
        },
      );
    }
  }

  cls("ldst_unscaled");
  for (const r of rowsFor("unscaled")) {
    e(
      `${unscaledId(r.id)}_ldst_unscaled`,
      `${head(r)} 00 opc=${r.opc} 0 imm9:9 00 Rn:5 Rt:5`,
      `${unscaledMn(r.mn)} {Rt:${r.reg}}, [{Rn:xsp}{imm9:s9opt}]`,
      {
        feature: feat(r),
      },
    );
  }
  e(
    "PRFUM_P_ldst_unscaled",
    "size=11 111 V=0 00 opc=10 0 imm9:9 00 Rn:5 Rt:5",
    "prfum {Rt:prfop}, [{Rn:xsp}{imm9:s9opt}]",
  );

  cls("ldst_unpriv");
  for (const r of INT_ROWS) {
    e(
      `${unprivId(r.id)}_ldst_unpriv`,
      `${head(r)} 00 opc=${r.opc} 0 imm9:9 10 Rn:5 Rt:5`,
      `${unprivMn(r.mn)} {Rt:${r.reg}}, [{Rn:xsp}{imm9:s9opt}]`,
    );
  }

  cls("ldst_regoff");
  for (const r of rowsFor("regoff")) {
    const id = r.scale === 0 && r.v === 0 ? r.id.replace(/_32$/, "_32B").replace(/_64$/, "_64B") : r.id;
    e(
      `${id}_ldst_regoff`,
      `${head(r)} 00 opc=${r.opc} 1 Rm:5 option:3 S:1 10 Rn:5 Rt:5`,
      `${r.mn} {Rt:${r.reg}}, [{Rn:xsp}, {_:regoff${r.scale}}]`,
      {
        feature: feat(r),
        excl: ["option=x0x"],
      },
    );
  }
  e(
    "PRFM_P_ldst_regoff",
    "size=11 111 V=0 00 opc=10 1 Rm:5 option:3 S:1 10 Rn:5 Rt:5",
    "prfm {Rt:prfop}, [{Rn:xsp}, {_:regoff3}]",
    {
      excl: ["option=x0x"],
    },
  );

  cls("loadlit");
  e("LDR_32_loadlit", "opc=00 011 V=0 00 imm19:19 Rt:5", "ldr {Rt:w}, {_:rel19}");
  e("LDR_64_loadlit", "opc=01 011 V=0 00 imm19:19 Rt:5", "ldr {Rt:x}, {_:rel19}");
  e("LDRSW_64_loadlit", "opc=10 011 V=0 00 imm19:19 Rt:5", "ldrsw {Rt:x}, {_:rel19}");
  e("PRFM_P_loadlit", "opc=11 011 V=0 00 imm19:19 Rt:5", "prfm {Rt:prfop}, {_:rel19}");
  e("LDR_S_loadlit", "opc=00 011 V=1 00 imm19:19 Rt:5", "ldr {Rt:s}, {_:rel19}", { feature: "FEAT_FP" });
  e("LDR_D_loadlit", "opc=01 011 V=1 00 imm19:19 Rt:5", "ldr {Rt:d}, {_:rel19}", { feature: "FEAT_FP" });
  e("LDR_Q_loadlit", "opc=10 011 V=1 00 imm19:19 Rt:5", "ldr {Rt:q}, {_:rel19}", { feature: "FEAT_FP" });

  // Pairs: opc 00 = 32-bit (or S), 01 = LDPSW (or D), 10 = 64-bit (or Q).
  const pairs: [string, number, string, string, number, string, number][] = [
    ["00", 0, "STP_32", "stp", 0, "w", 2],
    ["00", 0, "LDP_32", "ldp", 1, "w", 2],
    ["01", 0, "LDPSW_64", "ldpsw", 1, "x", 2],
    ["10", 0, "STP_64", "stp", 0, "x", 3],
    ["10", 0, "LDP_64", "ldp", 1, "x", 3],
    ["00", 1, "STP_S", "stp", 0, "s", 2],
    ["00", 1, "LDP_S", "ldp", 1, "s", 2],
    ["01", 1, "STP_D", "stp", 0, "d", 3],
    ["01", 1, "LDP_D", "ldp", 1, "d", 3],
    ["10", 1, "STP_Q", "stp", 0, "q", 4],
    ["10", 1, "LDP_Q", "ldp", 1, "q", 4],
  ];
  for (const [form, idx, amode] of [
    ["ldstpair_off", "010", `[{Rn:xsp}{_:poff}]`],
    ["ldstpair_pre", "011", `[{Rn:xsp}, #{_:pimm}]!`],
    ["ldstpair_post", "001", `[{Rn:xsp}], #{_:pimm}`],
    ["ldstnapair_offs", "000", `[{Rn:xsp}{_:poff}]`],
  ] as const) {
    cls(form);
    for (const [opc, v, id, mn0, l, reg, scale] of pairs) {
      if (form === "ldstnapair_offs" && id === "LDPSW_64") continue;
      const mn = form === "ldstnapair_offs" ? mn0.replace("p", "np") : mn0;
      const xid = form === "ldstnapair_offs" ? id.replace("P_", "NP_") : id;
      e(
        `${xid}_${form}`,
        `opc=${opc} 101 V=${v} ${idx} L=${l} imm7:7 Rt2:5 Rn:5 Rt:5`,
        `${mn} {Rt:${reg}}, {Rt2:${reg}}, ${amode.replace("_:poff", `_:poff${scale}`).replace("_:pimm", `_:pimm${scale}`)}`,
        { feature: v ? "FEAT_FP" : null },
      );
    }
  }

  cls("ldstexclr");
  // size, B/H in the id, b/h in the mnemonic, Rt width
  const szs = [
    ["00", "B", "b", "w"],
    ["01", "H", "h", "w"],
    ["10", "", "", "w"],
    ["11", "", "", "x"],
  ] as const;
  for (const [size, bh, sfx, rt] of szs) {
    // Rs / Rt2 are (1) in the ARM ARM; LLVM accepts other values with "potentially undefined".
    for (const [l, o0, mn] of EXCLUSIVE) {
      e(
        `${mn.toUpperCase()}R${bh}_${l ? "LR" : "SR"}${size === "11" ? "64" : "32"}_ldstexclr`,
        `size=${size} 001000 o2=0 L=${l} o1=0 Rs:5 o0=${o0} Rt2:5 Rn:5 Rt:5`,
        `${mn}r${sfx} ${l ? "" : "{Rs:w}, "}{Rt:${rt}}, [{Rn:xsp}]`,
      );
    }
    cls("ldstord");
    e(
      `STLR${bh}_${size === "11" ? "SL64" : "SL32"}_ldstord`,
      `size=${size} 001000 o2=1 L=0 o1=0 Rs:5 o0=1 Rt2:5 Rn:5 Rt:5`,
      `stlr${sfx} {Rt:${rt}}, [{Rn:xsp}]`,
    );
    e(
      `LDAR${bh}_${size === "11" ? "LR64" : "LR32"}_ldstord`,
      `size=${size} 001000 o2=1 L=1 o1=0 Rs:5 o0=1 Rt2:5 Rn:5 Rt:5`,
      `ldar${sfx} {Rt:${rt}}, [{Rn:xsp}]`,
    );
    cls("comswap", "FEAT_LSE");
    for (const [l, o0, v] of [
      [0, 0, ""],
      [0, 1, "l"],
      [1, 0, "a"],
      [1, 1, "al"],
    ] as const) {
      e(
        `CAS${v.toUpperCase()}${bh}_C${size === "11" ? "64" : "32"}_comswap`,
        `size=${size} 001000 o2=1 L=${l} o1=1 Rs:5 o0=${o0} Rt2=11111 Rn:5 Rt:5`,
        `cas${v}${sfx} {Rs:${rt}}, {Rt:${rt}}, [{Rn:xsp}]`,
      );
    }
    cls("ldstexclr");
  }
  cls("ldstexclp");
  for (const [sz, r, s] of SF) {
    for (const [l, o0, mn] of EXCLUSIVE) {
      e(
        `${mn.toUpperCase()}P_${l ? "LP" : "SP"}${s}_ldstexclp`,
        `1 sz=${sz} 001000 o2=0 L=${l} o1=1 Rs:5 o0=${o0} Rt2:5 Rn:5 Rt:5`,
        `${mn}p ${l ? "" : "{Rs:w}, "}{Rt:${r}}, {Rt2:${r}}, [{Rn:xsp}]`,
      );
    }
  }
  cls("comswappr", "FEAT_LSE");
  for (const [sz, r, s] of SF) {
    for (const [l, o0, v] of [
      [0, 0, ""],
      [0, 1, "L"],
      [1, 0, "A"],
      [1, 1, "AL"],
    ] as const) {
      // Rs and Rt must be even (C6.2.x CASP: "if Rs<0> == '1' then UNDEFINED").
      e(
        `CASP${v}_CP${s}_comswappr`,
        `0 sz=${sz} 001000 o2=0 L=${l} o1=1 Rs:5 o0=${o0} Rt2=11111 Rn:5 Rt:5`,
        `casp${v.toLowerCase()} {Rs:${r}}, {_:pair${r}16}, {Rt:${r}}, {_:pair${r}0}, [{Rn:xsp}]`,
        { excl: ["Rs=xxxx1", "Rt=xxxx1"] },
      );
    }
  }

  cls("ldapstl_unscaled", "FEAT_LRCPC2");
  for (const [size, opc, id, mn, reg] of [
    ["00", "00", "STLURB_32", "stlurb", "w"],
    ["00", "01", "LDAPURB_32", "ldapurb", "w"],
    ["00", "10", "LDAPURSB_64", "ldapursb", "x"],
    ["00", "11", "LDAPURSB_32", "ldapursb", "w"],
    ["01", "00", "STLURH_32", "stlurh", "w"],
    ["01", "01", "LDAPURH_32", "ldapurh", "w"],
    ["01", "10", "LDAPURSH_64", "ldapursh", "x"],
    ["01", "11", "LDAPURSH_32", "ldapursh", "w"],
    ["10", "00", "STLUR_32", "stlur", "w"],
    ["10", "01", "LDAPUR_32", "ldapur", "w"],
    ["10", "10", "LDAPURSW_64", "ldapursw", "x"],
    ["11", "00", "STLUR_64", "stlur", "x"],
    ["11", "01", "LDAPUR_64", "ldapur", "x"],
  ] as const) {
    e(
      `${id}_ldapstl_unscaled`,
      `size=${size} 011001 opc=${opc} 0 imm9:9 00 Rn:5 Rt:5`,
      `${mn} {Rt:${reg}}, [{Rn:xsp}{imm9:s9opt}]`,
    );
  }

  cls("memop", "FEAT_LSE");
  const ops: [string, string, string][] = [
    ["0000", "LDADD", "add"],
    ["0001", "LDCLR", "clr"],
    ["0010", "LDEOR", "eor"],
    ["0011", "LDSET", "set"],
    ["0100", "LDSMAX", "smax"],
    ["0101", "LDSMIN", "smin"],
    ["0110", "LDUMAX", "umax"],
    ["0111", "LDUMIN", "umin"],
    ["1000", "SWP", "swp"],
  ];
  for (const [size, bh, sfx, rt] of szs) {
    for (const [o3opc, id, op] of ops) {
      for (const [a, rr, v] of [
        [0, 0, ""],
        [1, 0, "a"],
        [0, 1, "l"],
        [1, 1, "al"],
      ] as const) {
        const mn = id === "SWP" ? `swp${v}${sfx}` : `ld${op}${v}${sfx}`;
        const alias: [string, (w: number) => boolean][] = [];
        const isZero = (w: number): boolean => (w & 31) === 31;
        if (id !== "SWP" && a === 0) alias.push([`st${op}${v}${sfx} {Rs:${rt}}, [{Rn:xsp}]`, isZero]);
        if (a === 1) alias.push([`${mn} {Rs:${rt}}, {Rt:${rt}}, [{Rn:xsp}]{_:acqdropped}`, isZero]);
        e(
          `${id}${v.toUpperCase()}${bh}_${size === "11" ? "64" : "32"}_memop`,
          `size=${size} 111 V=0 00 A=${a} R=${rr} 1 Rs:5 o3=${o3opc[0]} opc=${o3opc.slice(1)} 00 Rn:5 Rt:5`,
          `${mn} {Rs:${rt}}, {Rt:${rt}}, [{Rn:xsp}]`,
          { alias },
        );
      }
    }
    e(
      `LDAPR${bh}_${size === "11" ? "64L" : "32L"}_memop`,
      `size=${size} 111 V=0 00 A=1 R=0 1 Rs=11111 o3=1 opc=100 00 Rn:5 Rt:5`,
      `ldapr${sfx} {Rt:${rt}}, [{Rn:xsp}]`,
      { feature: "FEAT_LRCPC" },
    );
  }

  cls("ldst_pac", "FEAT_PAuth");
  for (const [m, k] of [
    [0, "A"],
    [1, "B"],
  ] as const) {
    e(
      `LDR${k}A_64_ldst_pac`,
      `size=11 111 V=0 00 M=${m} S:1 1 imm9:9 W=0 1 Rn:5 Rt:5`,
      `ldra${k.toLowerCase()} {Rt:x}, [{Rn:xsp}{_:pacoff}]`,
    );
    e(
      `LDR${k}A_64W_ldst_pac`,
      `size=11 111 V=0 00 M=${m} S:1 1 imm9:9 W=1 1 Rn:5 Rt:5`,
      `ldra${k.toLowerCase()} {Rt:x}, [{Rn:xsp}, #{_:pacimm}]!`,
    );
  }
}
