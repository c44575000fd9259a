// The instruction words the firmware writes into guest memory, checked against LLVM's assembler.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import * as A64 from "./code.js";

function llvmMc(asm: string[]): number[] | undefined {
  try {
    const out = execFileSync("llvm-mc", ["-triple=aarch64", "-show-encoding"], {
      input: asm.join("\n"),
      encoding: "utf8",
    });
    return [
      ...out.matchAll(/encoding: \[(0x[0-9a-f]{2}),(0x[0-9a-f]{2}),(0x[0-9a-f]{2}),(0x[0-9a-f]{2})\]/g),
    ].map((m) => (Number(m[1]) | (Number(m[2]) << 8) | (Number(m[3]) << 16) | (Number(m[4]) << 24)) >>> 0);
  } catch {
    return undefined;
  }
}

const haveLlvmMc = llvmMc(["nop"]) !== undefined;

describe.skipIf(!haveLlvmMc)("firmware instruction encodings match llvm-mc", () => {
  it("trampoline and service stub instructions", () => {
    const cases: [string, number][] = [
      ["hvc #0xe000", A64.hvc(0xe000)],
      ["hvc #0xe07f", A64.hvc(0xe07f)],
      ["ret", A64.RET],
      ["ldr x2, #128", A64.ldrLiteral(2, 128)],
      ["ldr x2, #76", A64.ldrLiteral(2, 76)],
      ["msr mair_el1, x2", A64.msrMairEl1(2)],
      ["msr tcr_el1, x2", A64.msrTcrEl1(2)],
      ["msr ttbr0_el1, x2", A64.msrTtbr0El1(2)],
      ["msr cpacr_el1, x2", A64.msrCpacrEl1(2)],
      ["msr sctlr_el1, x2", A64.msrSctlrEl1(2)],
      ["isb", A64.ISB],
      ["dsb sy", A64.DSB_SY],
      ["tlbi vmalle1", A64.TLBI_VMALLE1],
      ["ic iallu", A64.IC_IALLU],
      ["mov sp, x2", A64.movSpFrom(2)],
      ["b #0", A64.B_SELF],
    ];
    expect(llvmMc(cases.map((c) => c[0]))).toEqual(cases.map((c) => c[1]));
  });
});
