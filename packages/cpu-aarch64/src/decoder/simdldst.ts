import type { Feature } from "../model.js";
import { cls, e, group } from "./builder.js";

const A: Feature = "FEAT_AdvSIMD";

/** ARM ARM C4.1.88: AdvSIMD load/store multiple structures and single structures. */
export function defineSimdLdst(): void {
  group("ldst");
  // opcode -> [mnemonic number, register count]
  const multi: [string, string, number][] = [
    ["0000", "4", 4],
    ["0010", "1", 4],
    ["0100", "3", 3],
    ["0110", "1", 3],
    ["0111", "1", 1],
    ["1000", "2", 2],
    ["1010", "1", 2],
  ];
  for (const [l, ls] of [
    [0, "ST"],
    [1, "LD"],
  ] as const) {
    for (const [op, n, regs] of multi) {
      const mn = `${ls.toLowerCase()}${n}`;
      const id = `${ls}${n}`;
      const excl = n === "1" ? [] : ["size=11 Q=0"];
      cls("asisdlse", A);
      e(
        `${id}_asisdlse_R${regs}_${regs}v`,
        `0 Q:1 0011000 L=${l} 000000 opcode=${op} size:2 Rn:5 Rt:5`,
        `${mn} {Rt:vl${regs}}, [{Rn:xsp}]`,
        { excl },
      );
      cls("asisdlsep", A);
      e(
        `${id}_asisdlsep_I${regs}_i${regs}`,
        `0 Q:1 0011001 L=${l} 0 Rm=11111 opcode=${op} size:2 Rn:5 Rt:5`,
        `${mn} {Rt:vl${regs}}, [{Rn:xsp}], #{_:postm${regs}}`,
        {
          excl,
        },
      );
      e(
        `${id}_asisdlsep_R${regs}_r${regs}`,
        `0 Q:1 0011001 L=${l} 0 Rm:5 opcode=${op} size:2 Rn:5 Rt:5`,
        `${mn} {Rt:vl${regs}}, [{Rn:xsp}], {Rm:x}`,
        {
          excl: [...excl, "Rm=11111"],
        },
      );
    }
  }
  // single structure: [element, opcode(2 bits of 15:14), size/S constraint pattern]
  for (const [l, ls] of [
    [0, "ST"],
    [1, "LD"],
  ] as const) {
    for (const [r, o0, sel] of [
      [0, 0, 1],
      [1, 0, 2],
      [0, 1, 3],
      [1, 1, 4],
    ] as const) {
      const mn = `${ls.toLowerCase()}${sel}`;
      const id = `${ls}${sel}`;
      const forms: [string, string, string, number][] = [
        ["B", `opcode=00${o0} S:1 size:2`, "b", 1],
        ["H", `opcode=01${o0} S:1 size1:1 size0=0`, "h", 2],
        ["S", `opcode=10${o0} S:1 size=00`, "s", 4],
        ["D", `opcode=10${o0} S=0 size=01`, "d", 8],
      ];
      for (const [E, bitsPat, el, bytes] of forms) {
        cls("asisdlso", A);
        e(
          `${id}_asisdlso_${E}${sel}_${sel}${el}`,
          `0 Q:1 0011010 L=${l} R=${r} 00000 ${bitsPat} Rn:5 Rt:5`,
          `${mn} {Rt:vs${sel}${el}}, [{Rn:xsp}]`,
        );
        cls("asisdlsop", A);
        e(
          `${id}_asisdlsop_${E}${sel}_i${sel}${el}`,
          `0 Q:1 0011011 L=${l} R=${r} Rm=11111 ${bitsPat} Rn:5 Rt:5`,
          `${mn} {Rt:vs${sel}${el}}, [{Rn:xsp}], #${sel * bytes}`,
        );
        e(
          `${id}_asisdlsop_${E}X${sel}_r${sel}${el}`,
          `0 Q:1 0011011 L=${l} R=${r} Rm:5 ${bitsPat} Rn:5 Rt:5`,
          `${mn} {Rt:vs${sel}${el}}, [{Rn:xsp}], {Rm:x}`,
          {
            excl: ["Rm=11111"],
          },
        );
      }
      if (l === 1) {
        cls("asisdlso", A);
        e(
          `${id}R_asisdlso_R${sel}`,
          `0 Q:1 0011010 L=1 R=${r} 00000 opcode=11${o0} S=0 size:2 Rn:5 Rt:5`,
          `${mn}r {Rt:vl${sel}}, [{Rn:xsp}]`,
        );
        cls("asisdlsop", A);
        e(
          `${id}R_asisdlsop_R${sel}_i`,
          `0 Q:1 0011011 L=1 R=${r} Rm=11111 opcode=11${o0} S=0 size:2 Rn:5 Rt:5`,
          `${mn}r {Rt:vl${sel}}, [{Rn:xsp}], #{_:postr${sel}}`,
        );
        e(
          `${id}R_asisdlsop_RX${sel}_r`,
          `0 Q:1 0011011 L=1 R=${r} Rm:5 opcode=11${o0} S=0 size:2 Rn:5 Rt:5`,
          `${mn}r {Rt:vl${sel}}, [{Rn:xsp}], {Rm:x}`,
          {
            excl: ["Rm=11111"],
          },
        );
      }
    }
  }
}
