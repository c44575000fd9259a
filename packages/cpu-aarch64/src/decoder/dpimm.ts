import { bfxPreferred, logicalImmValid, movWideable } from "./bitmask.js";
import { bitsOf, cls, e, group, rd, rn, SF } from "./builder.js";

const immr = (w: number): number => bitsOf(w, 16, 6);
const imms = (w: number): number => bitsOf(w, 10, 6);

/** ARM ARM C4.1.86 Data Processing -- Immediate. */
export function defineDpImm(): void {
  group("dpimm");
  cls("pcreladdr");
  e("ADR_only_pcreladdr", "op=0 immlo:2 10000 immhi:19 Rd:5", "adr {Rd:x}, {_:adr}");
  e("ADRP_only_pcreladdr", "op=1 immlo:2 10000 immhi:19 Rd:5", "adrp {Rd:x}, {_:adrp}");

  cls("addsub_imm");
  for (const [sf, r, sz] of SF) {
    const isMov = (w: number): boolean => bitsOf(w, 10, 13) === 0 && (rd(w) === 31 || rn(w) === 31);
    e(
      `ADD_${sz}_addsub_imm`,
      `sf=${sf} op=0 S=0 100010 sh:1 imm12:12 Rn:5 Rd:5`,
      `add {Rd:${r}sp}, {Rn:${r}sp}, #{imm12:u}{sh:lsl12}`,
      { alias: [[`mov {Rd:${r}sp}, {Rn:${r}sp}`, isMov]] },
    );
    e(
      `ADDS_${sz}S_addsub_imm`,
      `sf=${sf} op=0 S=1 100010 sh:1 imm12:12 Rn:5 Rd:5`,
      `adds {Rd:${r}}, {Rn:${r}sp}, #{imm12:u}{sh:lsl12}`,
      { alias: [[`cmn {Rn:${r}sp}, #{imm12:u}{sh:lsl12}`, (w) => rd(w) === 31]] },
    );
    e(
      `SUB_${sz}_addsub_imm`,
      `sf=${sf} op=1 S=0 100010 sh:1 imm12:12 Rn:5 Rd:5`,
      `sub {Rd:${r}sp}, {Rn:${r}sp}, #{imm12:u}{sh:lsl12}`,
    );
    e(
      `SUBS_${sz}S_addsub_imm`,
      `sf=${sf} op=1 S=1 100010 sh:1 imm12:12 Rn:5 Rd:5`,
      `subs {Rd:${r}}, {Rn:${r}sp}, #{imm12:u}{sh:lsl12}`,
      { alias: [[`cmp {Rn:${r}sp}, #{imm12:u}{sh:lsl12}`, (w) => rd(w) === 31]] },
    );
  }

  cls("log_imm");
  for (const [sf, r, sz] of SF) {
    const check = (w: number): boolean => logicalImmValid(bitsOf(w, 22, 1), imms(w), sf === 1);
    const nfield = sf ? "N:1" : "N=0";
    const imm = `{_:bimm${sz}}`;
    // ANDS writes Rd (not SP); ORR is MOV and ANDS is TST in their preferred cases
    for (const [opc, id] of [
      ["00", "AND"],
      ["01", "ORR"],
      ["10", "EOR"],
      ["11", "ANDS"],
    ] as const) {
      const alias: [string, (w: number) => boolean][] = [];
      if (id === "ORR") {
        alias.push([
          `mov {Rd:${r}sp}, {_:bimm${sz}dec}`,
          (w) => rn(w) === 31 && !movWideable(sf, bitsOf(w, 22, 1), imms(w), immr(w)),
        ]);
      }
      if (id === "ANDS") alias.push([`tst {Rn:${r}}, ${imm}`, (w) => rd(w) === 31]);
      e(
        `${id}_${sz}${id === "ANDS" ? "S" : ""}_log_imm`,
        `sf=${sf} opc=${opc} 100100 ${nfield} immr:6 imms:6 Rn:5 Rd:5`,
        `${id.toLowerCase()} {Rd:${r}${id === "ANDS" ? "" : "sp"}}, {Rn:${r}}, ${imm}`,
        alias.length === 0 ? { check } : { check, alias },
      );
    }
  }

  cls("movewide");
  for (const [sf, r, sz] of SF) {
    const hw = sf ? "hw:2" : "hw1=0 hw:1";
    const notShiftedZero = (w: number): boolean => !(bitsOf(w, 5, 16) === 0 && bitsOf(w, 21, 2) !== 0);
    e(
      `MOVN_${sz}_movewide`,
      `sf=${sf} opc=00 100101 ${hw} imm16:16 Rd:5`,
      `movn {Rd:${r}}, #{imm16:u}{hw:lslhw}`,
      {
        alias: [
          [
            `mov {Rd:${r}}, {_:movn${sz}}`,
            (w) => notShiftedZero(w) && (sf === 1 || bitsOf(w, 5, 16) !== 0xffff),
          ],
        ],
      },
    );
    e(
      `MOVZ_${sz}_movewide`,
      `sf=${sf} opc=10 100101 ${hw} imm16:16 Rd:5`,
      `movz {Rd:${r}}, #{imm16:u}{hw:lslhw}`,
      {
        alias: [[`mov {Rd:${r}}, {_:movz${sz}}`, notShiftedZero]],
      },
    );
    e(
      `MOVK_${sz}_movewide`,
      `sf=${sf} opc=11 100101 ${hw} imm16:16 Rd:5`,
      `movk {Rd:${r}}, #{imm16:u}{hw:lslhw}`,
    );
  }

  cls("bitfield");
  for (const [sf, r, sz] of SF) {
    const size = sf ? 64 : 32;
    const nf = sf ? "N=1 immr:6 imms:6" : "N=0 immr5=0 immr:5 imms5=0 imms:5";
    const top = size - 1;
    e(
      `SBFM_${sz}M_bitfield`,
      `sf=${sf} opc=00 100110 ${nf} Rn:5 Rd:5`,
      `sbfm {Rd:${r}}, {Rn:${r}}, #{immr:u}, #{imms:u}`,
      {
        alias: [
          [`asr {Rd:${r}}, {Rn:${r}}, #{immr:u}`, (w) => imms(w) === top],
          [`sbfiz {Rd:${r}}, {Rn:${r}}, {_:bfi_lsb${sz}}, {_:bfi_width}`, (w) => imms(w) < immr(w)],
          [
            `sbfx {Rd:${r}}, {Rn:${r}}, #{immr:u}, {_:bfx_width}`,
            (w) => bfxPreferred(sf, 0, imms(w), immr(w)),
          ],
          [`sxtb {Rd:${r}}, {Rn:w}`, (w) => immr(w) === 0 && imms(w) === 7],
          [`sxth {Rd:${r}}, {Rn:w}`, (w) => immr(w) === 0 && imms(w) === 15],
          [`sxtw {Rd:${r}}, {Rn:w}`, (w) => sf === 1 && immr(w) === 0 && imms(w) === 31],
        ],
      },
    );
    e(
      `BFM_${sz}M_bitfield`,
      `sf=${sf} opc=01 100110 ${nf} Rn:5 Rd:5`,
      `bfm {Rd:${r}}, {Rn:${r}}, #{immr:u}, #{imms:u}`,
      {
        alias: [
          [`bfi {Rd:${r}}, {Rn:${r}}, {_:bfi_lsb${sz}}, {_:bfi_width}`, (w) => imms(w) < immr(w)],
          [`bfxil {Rd:${r}}, {Rn:${r}}, #{immr:u}, {_:bfx_width}`, (w) => imms(w) >= immr(w)],
        ],
      },
    );
    e(
      `UBFM_${sz}M_bitfield`,
      `sf=${sf} opc=10 100110 ${nf} Rn:5 Rd:5`,
      `ubfm {Rd:${r}}, {Rn:${r}}, #{immr:u}, #{imms:u}`,
      {
        alias: [
          [`lsl {Rd:${r}}, {Rn:${r}}, {_:lsl_amt${sz}}`, (w) => imms(w) !== top && imms(w) + 1 === immr(w)],
          [`lsr {Rd:${r}}, {Rn:${r}}, #{immr:u}`, (w) => imms(w) === top],
          [`ubfiz {Rd:${r}}, {Rn:${r}}, {_:bfi_lsb${sz}}, {_:bfi_width}`, (w) => imms(w) < immr(w)],
          [
            `ubfx {Rd:${r}}, {Rn:${r}}, #{immr:u}, {_:bfx_width}`,
            (w) => bfxPreferred(sf, 1, imms(w), immr(w)),
          ],
          [`uxtb {Rd:${r}}, {Rn:w}`, (w) => sf === 0 && immr(w) === 0 && imms(w) === 7],
          [`uxth {Rd:${r}}, {Rn:w}`, (w) => sf === 0 && immr(w) === 0 && imms(w) === 15],
        ],
      },
    );
  }

  cls("extract");
  e(
    "EXTR_32_extract",
    "sf=0 op21=00 100111 N=0 o0=0 Rm:5 imms5=0 imms:5 Rn:5 Rd:5",
    "extr {Rd:w}, {Rn:w}, {Rm:w}, #{imms:u}",
    {
      alias: [["ror {Rd:w}, {Rn:w}, #{imms:u}", (w) => rn(w) === bitsOf(w, 16, 5)]],
    },
  );
  e(
    "EXTR_64_extract",
    "sf=1 op21=00 100111 N=1 o0=0 Rm:5 imms:6 Rn:5 Rd:5",
    "extr {Rd:x}, {Rn:x}, {Rm:x}, #{imms:u}",
    {
      alias: [["ror {Rd:x}, {Rn:x}, #{imms:u}", (w) => rn(w) === bitsOf(w, 16, 5)]],
    },
  );
}
