import { bitsOf, cls, e, group, ra, rd, rm, rn, SF } from "./builder.js";

const cond = (w: number): number => bitsOf(w, 12, 4);

/** ARM ARM C4.1.88 Data Processing -- Register. */
export function defineDpReg(): void {
  group("dpreg");
  cls("dp_2src");
  for (const [sf, r, sz] of SF) {
    const ops: [string, string, string][] = [
      ["000010", "UDIV", "udiv"],
      ["000011", "SDIV", "sdiv"],
      ["001000", "LSLV", "lsl"],
      ["001001", "LSRV", "lsr"],
      ["001010", "ASRV", "asr"],
      ["001011", "RORV", "ror"],
    ];
    for (const [op, id, mn] of ops) {
      e(
        `${id}_${sz}_dp_2src`,
        `sf=${sf} 0 S=0 11010110 Rm:5 opcode=${op} Rn:5 Rd:5`,
        `${mn} {Rd:${r}}, {Rn:${r}}, {Rm:${r}}`,
      );
    }
  }
  cls("dp_2src", "FEAT_CRC32");
  for (const [c, cc] of [
    [0, ""],
    [1, "C"],
  ] as const) {
    for (const [sz, szc, rr] of [
      [0, "B", "w"],
      [1, "H", "w"],
      [2, "W", "w"],
      [3, "X", "x"],
    ] as const) {
      const sf = sz === 3 ? 1 : 0;
      e(
        `CRC32${cc}${szc}_${sz === 3 ? "64C" : "32C"}_dp_2src`,
        `sf=${sf} 0 S=0 11010110 Rm:5 010 C=${c} sz=${sz.toString(2).padStart(2, "0")} Rn:5 Rd:5`,
        `crc32${cc.toLowerCase()}${szc.toLowerCase()} {Rd:w}, {Rn:w}, {Rm:${rr}}`,
      );
    }
  }
  cls("dp_2src", "FEAT_PAuth");
  e(
    "PACGA_64P_dp_2src",
    "sf=1 0 S=0 11010110 Rm:5 opcode=001100 Rn:5 Rd:5",
    "pacga {Rd:x}, {Rn:x}, {Rm:xsp}",
  );

  cls("dp_1src");
  for (const [sf, r, sz] of SF) {
    const base = `sf=${sf} 1 S=0 11010110 opcode2=00000`;
    e(`RBIT_${sz}_dp_1src`, `${base} opcode=000000 Rn:5 Rd:5`, `rbit {Rd:${r}}, {Rn:${r}}`);
    e(`REV16_${sz}_dp_1src`, `${base} opcode=000001 Rn:5 Rd:5`, `rev16 {Rd:${r}}, {Rn:${r}}`);
    if (sf === 0) e("REV_32_dp_1src", `${base} opcode=000010 Rn:5 Rd:5`, "rev {Rd:w}, {Rn:w}");
    else {
      e("REV32_64_dp_1src", `${base} opcode=000010 Rn:5 Rd:5`, "rev32 {Rd:x}, {Rn:x}");
      e("REV_64_dp_1src", `${base} opcode=000011 Rn:5 Rd:5`, "rev {Rd:x}, {Rn:x}");
    }
    e(`CLZ_${sz}_dp_1src`, `${base} opcode=000100 Rn:5 Rd:5`, `clz {Rd:${r}}, {Rn:${r}}`);
    e(`CLS_${sz}_dp_1src`, `${base} opcode=000101 Rn:5 Rd:5`, `cls {Rd:${r}}, {Rn:${r}}`);
  }
  cls("dp_1src", "FEAT_PAuth");
  const pac = ["PACIA", "PACIB", "PACDA", "PACDB", "AUTIA", "AUTIB", "AUTDA", "AUTDB"];
  pac.forEach((id, k) => {
    const op = `00${k.toString(2).padStart(3, "0")}`;
    const opz = `01${k.toString(2).padStart(3, "0")}`;
    const mn = id.toLowerCase();
    e(`${id}_64P_dp_1src`, `sf=1 1 S=0 11010110 opcode2=00001 0${op} Rn:5 Rd:5`, `${mn} {Rd:x}, {Rn:xsp}`);
    e(
      `${id.slice(0, 4)}Z${id.slice(4)}_64Z_dp_1src`,
      `sf=1 1 S=0 11010110 opcode2=00001 0${opz} Rn=11111 Rd:5`,
      `${mn.slice(0, 4)}z${mn.slice(4)} {Rd:x}`,
    );
  });
  e("XPACI_64Z_dp_1src", "sf=1 1 S=0 11010110 opcode2=00001 01000 D=0 Rn=11111 Rd:5", "xpaci {Rd:x}");
  e("XPACD_64Z_dp_1src", "sf=1 1 S=0 11010110 opcode2=00001 01000 D=1 Rn=11111 Rd:5", "xpacd {Rd:x}");

  cls("log_shift");
  for (const [sf, r, sz] of SF) {
    const excl = sf ? [] : ["imm6=1xxxxx"];
    const ops: [string, string, string, string][] = [
      ["00", "0", "AND", "and"],
      ["00", "1", "BIC", "bic"],
      ["01", "0", "ORR", "orr"],
      ["01", "1", "ORN", "orn"],
      ["10", "0", "EOR", "eor"],
      ["10", "1", "EON", "eon"],
      ["11", "0", "ANDS", "ands"],
      ["11", "1", "BICS", "bics"],
    ];
    for (const [opc, n, id, mn] of ops) {
      const sfx = opc === "11" ? `${sz}S` : sz;
      const alias: [string, (w: number) => boolean][] = [];
      if (id === "ORR")
        alias.push([
          `mov {Rd:${r}}, {Rm:${r}}`,
          (w) => rn(w) === 31 && bitsOf(w, 10, 6) === 0 && bitsOf(w, 22, 2) === 0,
        ]);
      if (id === "ORN") alias.push([`mvn {Rd:${r}}, {Rm:${r}}{_:shiftlog}`, (w) => rn(w) === 31]);
      if (id === "ANDS") alias.push([`tst {Rn:${r}}, {Rm:${r}}{_:shiftlog}`, (w) => rd(w) === 31]);
      e(
        `${id}_${sfx}_log_shift`,
        `sf=${sf} opc=${opc} 01010 shift:2 N=${n} Rm:5 imm6:6 Rn:5 Rd:5`,
        `${mn} {Rd:${r}}, {Rn:${r}}, {Rm:${r}}{_:shiftlog}`,
        { excl, alias },
      );
    }
  }

  cls("addsub_shift");
  for (const [sf, r, sz] of SF) {
    const excl = sf ? ["shift=11"] : ["shift=11", "imm6=1xxxxx"];
    const sh = "{_:shiftarith}";
    e(
      `ADD_${sz}_addsub_shift`,
      `sf=${sf} op=0 S=0 01011 shift:2 0 Rm:5 imm6:6 Rn:5 Rd:5`,
      `add {Rd:${r}}, {Rn:${r}}, {Rm:${r}}${sh}`,
      {
        excl,
      },
    );
    e(
      `ADDS_${sz}_addsub_shift`,
      `sf=${sf} op=0 S=1 01011 shift:2 0 Rm:5 imm6:6 Rn:5 Rd:5`,
      `adds {Rd:${r}}, {Rn:${r}}, {Rm:${r}}${sh}`,
      {
        excl,
        alias: [[`cmn {Rn:${r}}, {Rm:${r}}${sh}`, (w) => rd(w) === 31]],
      },
    );
    e(
      `SUB_${sz}_addsub_shift`,
      `sf=${sf} op=1 S=0 01011 shift:2 0 Rm:5 imm6:6 Rn:5 Rd:5`,
      `sub {Rd:${r}}, {Rn:${r}}, {Rm:${r}}${sh}`,
      {
        excl,
        alias: [[`neg {Rd:${r}}, {Rm:${r}}${sh}`, (w) => rn(w) === 31]],
      },
    );
    e(
      `SUBS_${sz}_addsub_shift`,
      `sf=${sf} op=1 S=1 01011 shift:2 0 Rm:5 imm6:6 Rn:5 Rd:5`,
      `subs {Rd:${r}}, {Rn:${r}}, {Rm:${r}}${sh}`,
      {
        excl,
        alias: [
          [`cmp {Rn:${r}}, {Rm:${r}}${sh}`, (w) => rd(w) === 31],
          [`negs {Rd:${r}}, {Rm:${r}}${sh}`, (w) => rn(w) === 31],
        ],
      },
    );
  }

  cls("addsub_ext");
  for (const [sf, r, sz] of SF) {
    const excl = ["imm3=101", "imm3=11x"];
    const x = `{_:ext${sz}}`;
    // the flag-setting forms write Rd (not SP) and are CMN/CMP when Rd is ZR
    for (const [op, s, mn, cmp] of [
      [0, 0, "add", null],
      [0, 1, "adds", "cmn"],
      [1, 0, "sub", null],
      [1, 1, "subs", "cmp"],
    ] as const) {
      e(
        `${mn.toUpperCase()}_${sz}${s ? "S" : ""}_addsub_ext`,
        `sf=${sf} op=${op} S=${s} 01011 opt=00 1 Rm:5 option:3 imm3:3 Rn:5 Rd:5`,
        `${mn} {Rd:${r}${s ? "" : "sp"}}, {Rn:${r}sp}, ${x}`,
        cmp === null ? { excl } : { excl, alias: [[`${cmp} {Rn:${r}sp}, ${x}`, (w) => rd(w) === 31]] },
      );
    }
  }

  cls("addsub_carry");
  for (const [sf, r, sz] of SF) {
    const t = (op: number, s: number): string => `sf=${sf} op=${op} S=${s} 11010000 Rm:5 000000 Rn:5 Rd:5`;
    e(`ADC_${sz}_addsub_carry`, t(0, 0), `adc {Rd:${r}}, {Rn:${r}}, {Rm:${r}}`);
    e(`ADCS_${sz}_addsub_carry`, t(0, 1), `adcs {Rd:${r}}, {Rn:${r}}, {Rm:${r}}`);
    e(`SBC_${sz}_addsub_carry`, t(1, 0), `sbc {Rd:${r}}, {Rn:${r}}, {Rm:${r}}`, {
      alias: [[`ngc {Rd:${r}}, {Rm:${r}}`, (w) => rn(w) === 31]],
    });
    e(`SBCS_${sz}_addsub_carry`, t(1, 1), `sbcs {Rd:${r}}, {Rn:${r}}, {Rm:${r}}`, {
      alias: [[`ngcs {Rd:${r}}, {Rm:${r}}`, (w) => rn(w) === 31]],
    });
  }

  cls("rmif", "FEAT_FlagM");
  e(
    "RMIF_only_rmif",
    "sf=1 op=0 S=1 11010000 imm6:6 00001 Rn:5 o2=0 mask:4",
    "rmif {Rn:x}, #{imm6:u}, #{mask:u}",
  );
  cls("setf", "FEAT_FlagM");
  e("SETF8_only_setf", "sf=0 op=0 S=1 11010000 opcode2=000000 sz=0 0010 Rn:5 o3=0 1101", "setf8 {Rn:w}");
  e("SETF16_only_setf", "sf=0 op=0 S=1 11010000 opcode2=000000 sz=1 0010 Rn:5 o3=0 1101", "setf16 {Rn:w}");

  cls("condcmp");
  for (const [sf, r, sz] of SF) {
    for (const [op, id] of [
      [0, "CCMN"],
      [1, "CCMP"],
    ] as const) {
      const mn = id.toLowerCase();
      e(
        `${id}_${sz}_condcmp_reg`,
        `sf=${sf} op=${op} S=1 11010010 Rm:5 cond:4 0 o2=0 Rn:5 o3=0 nzcv:4`,
        `${mn} {Rn:${r}}, {Rm:${r}}, #{nzcv:u}, {cond:cond}`,
      );
      e(
        `${id}_${sz}_condcmp_imm`,
        `sf=${sf} op=${op} S=1 11010010 imm5:5 cond:4 1 o2=0 Rn:5 o3=0 nzcv:4`,
        `${mn} {Rn:${r}}, #{imm5:u}, #{nzcv:u}, {cond:cond}`,
      );
    }
  }

  cls("condsel");
  for (const [sf, r, sz] of SF) {
    const notAl = (w: number): boolean => cond(w) < 14;
    const same = (w: number): boolean => rm(w) === rn(w);
    const t = (op: number, o2: number): string =>
      `sf=${sf} op=${op} S=0 11010100 Rm:5 cond:4 0 o2=${o2} Rn:5 Rd:5`;
    e(`CSEL_${sz}_condsel`, t(0, 0), `csel {Rd:${r}}, {Rn:${r}}, {Rm:${r}}, {cond:cond}`);
    e(`CSINC_${sz}_condsel`, t(0, 1), `csinc {Rd:${r}}, {Rn:${r}}, {Rm:${r}}, {cond:cond}`, {
      alias: [
        [`cset {Rd:${r}}, {cond:invcond}`, (w) => rn(w) === 31 && rm(w) === 31 && notAl(w)],
        [`cinc {Rd:${r}}, {Rn:${r}}, {cond:invcond}`, (w) => same(w) && rn(w) !== 31 && notAl(w)],
      ],
    });
    e(`CSINV_${sz}_condsel`, t(1, 0), `csinv {Rd:${r}}, {Rn:${r}}, {Rm:${r}}, {cond:cond}`, {
      alias: [
        [`csetm {Rd:${r}}, {cond:invcond}`, (w) => rn(w) === 31 && rm(w) === 31 && notAl(w)],
        [`cinv {Rd:${r}}, {Rn:${r}}, {cond:invcond}`, (w) => same(w) && rn(w) !== 31 && notAl(w)],
      ],
    });
    e(`CSNEG_${sz}_condsel`, t(1, 1), `csneg {Rd:${r}}, {Rn:${r}}, {Rm:${r}}, {cond:cond}`, {
      alias: [[`cneg {Rd:${r}}, {Rn:${r}}, {cond:invcond}`, (w) => same(w) && notAl(w)]],
    });
  }

  cls("dp_3src");
  for (const [sf, r, sz] of SF) {
    const t = (op31: string, o0: number): string =>
      `sf=${sf} op54=00 11011 op31=${op31} Rm:5 o0=${o0} Ra:5 Rn:5 Rd:5`;
    e(`MADD_${sz}A_dp_3src`, t("000", 0), `madd {Rd:${r}}, {Rn:${r}}, {Rm:${r}}, {Ra:${r}}`, {
      alias: [[`mul {Rd:${r}}, {Rn:${r}}, {Rm:${r}}`, (w) => ra(w) === 31]],
    });
    e(`MSUB_${sz}A_dp_3src`, t("000", 1), `msub {Rd:${r}}, {Rn:${r}}, {Rm:${r}}, {Ra:${r}}`, {
      alias: [[`mneg {Rd:${r}}, {Rn:${r}}, {Rm:${r}}`, (w) => ra(w) === 31]],
    });
  }
  for (const [u, U] of [
    ["0", "S"],
    ["1", "U"],
  ] as const) {
    const l = U.toLowerCase();
    e(
      `${U}MADDL_64WA_dp_3src`,
      `sf=1 op54=00 11011 U=${u} 01 Rm:5 o0=0 Ra:5 Rn:5 Rd:5`,
      `${l}maddl {Rd:x}, {Rn:w}, {Rm:w}, {Ra:x}`,
      {
        alias: [[`${l}mull {Rd:x}, {Rn:w}, {Rm:w}`, (w) => ra(w) === 31]],
      },
    );
    e(
      `${U}MSUBL_64WA_dp_3src`,
      `sf=1 op54=00 11011 U=${u} 01 Rm:5 o0=1 Ra:5 Rn:5 Rd:5`,
      `${l}msubl {Rd:x}, {Rn:w}, {Rm:w}, {Ra:x}`,
      {
        alias: [[`${l}mnegl {Rd:x}, {Rn:w}, {Rm:w}`, (w) => ra(w) === 31]],
      },
    );
    // Ra is (11111) in the ARM ARM; LLVM ignores it.
    e(
      `${U}MULH_64_dp_3src`,
      `sf=1 op54=00 11011 U=${u} 10 Rm:5 o0=0 Ra:5 Rn:5 Rd:5`,
      `${l}mulh {Rd:x}, {Rn:x}, {Rm:x}`,
    );
  }
}
