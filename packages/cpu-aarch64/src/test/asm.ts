import { execFileSync } from "node:child_process";

/**
 * Assemble AArch64 source with llvm-mc (an encoder we did not write) and return the instruction
 * words. Branch offsets are numeric (`b #-4`).
 */
export function asm(src: string, mattr = "+v8.4a"): number[] {
  let out: string;
  try {
    out = execFileSync("llvm-mc", ["-triple=aarch64", `-mattr=${mattr}`, "-show-encoding"], {
      input: src,
    }).toString();
  } catch (e) {
    throw new Error(`llvm-mc failed (${(e as Error).message}); run 'bash scripts/install-system-tools.sh'`);
  }
  return [...out.matchAll(/encoding: \[0x(..),0x(..),0x(..),0x(..)\]/g)].map(
    (m) => parseInt(m[4]! + m[3]! + m[2]! + m[1]!, 16) >>> 0,
  );
}
