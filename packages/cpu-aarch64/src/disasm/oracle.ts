import { spawnSync } from "node:child_process";

/**
 * The llvm-mc 14 oracle (tests and scripts only; not exported from the package root). Words are fed
 * one per line as `0xNN 0xNN 0xNN 0xNN` (little-endian) so line N is word N; an invalid word gives no
 * stdout line and `<stdin>:N:C: warning: invalid instruction encoding` on stderr.
 */
export const LLVM_MATTR =
  "+fp-armv8,+neon,+aes,+sha2,+sha3,+crc,+lse,+fullfp16,+rdm,+jsconv,+complxnum,+rcpc,+ccpp,+dotprod,+fp16fml,+dit,+lse2,+rcpc-immo,+flagm,+ssbs,+sb,+pauth,+ccdp,+altnzcv,+fptoint";

export interface OracleResult {
  /** Normalised text (see normaliseLlvm), or null for an invalid encoding. */
  text: string | null;
  /** llvm-mc warned "potentially undefined instruction encoding" (CONSTRAINED UNPREDICTABLE). */
  unpredictable: boolean;
}

export const LLVM_INSTALL_HINT =
  "llvm-mc (LLVM 14) is required for the disassembler cross-check: run `bash scripts/install-system-tools.sh`";

/** Throws (loudly) when llvm-mc is not installed. */
export function requireLlvmMc(): string {
  const r = spawnSync("llvm-mc", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0 || !/LLVM version 14/.test(r.stdout)) {
    throw new Error(`${LLVM_INSTALL_HINT} (found: ${r.error?.message ?? r.stdout.split("\n")[1] ?? "?"})`);
  }
  return "llvm-mc";
}

/** LLVM's line `\tadd\tx0, x1, #1, lsl #12    // =4096` -> `add x0, x1, #1, lsl #12 // =4096`. */
export function normaliseLlvm(line: string): string {
  return line
    .trim()
    .replace(/\t/, " ")
    .replace(/\s+\/\/\s*/, " // ")
    .replace(/\t/g, " ");
}

/** llvm-mc -mattr flag per Linux hwcap (for cross-checking other CPU models' feature gates). */
export const HWCAP_LLVM_MATTR: Readonly<Record<string, string>> = {
  fp: "+fp-armv8",
  asimd: "+neon",
  aes: "+aes",
  sha2: "+sha2",
  crc32: "+crc",
  atomics: "+lse",
  fphp: "+fullfp16",
  asimdrdm: "+rdm",
  jscvt: "+jsconv",
  fcma: "+complxnum",
  lrcpc: "+rcpc",
  dcpop: "+ccpp",
  sha3: "+sha3",
  asimddp: "+dotprod",
  asimdfhm: "+fp16fml",
  dit: "+dit",
  uscat: "+lse2",
  ilrcpc: "+rcpc-immo",
  flagm: "+flagm",
  ssbs: "+ssbs",
  sb: "+sb",
  paca: "+pauth",
  dcpodp: "+ccdp",
  flagm2: "+altnzcv",
  frint: "+fptoint",
  el3: "+el3",
};

/** The reference -mattr for CORTEX_A72_MODEL (Armv8.0 + crypto + CRC32, with EL3). */
export const LLVM_MATTR_A72 = "+fp-armv8,+neon,+aes,+sha2,+crc,+el3";

/** Disassembles many words with llvm-mc in batches (one process per `batch` words). */
export function llvmDisassemble(words: ArrayLike<number>, batch = 20000, mattr = LLVM_MATTR): OracleResult[] {
  requireLlvmMc();
  const out: OracleResult[] = [];
  for (let base = 0; base < words.length; base += batch) {
    const n = Math.min(batch, words.length - base);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const w = words[base + i]! >>> 0;
      const b = [w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24];
      lines.push(b.map((x) => `0x${x.toString(16).padStart(2, "0")}`).join(" "));
    }
    const r = spawnSync("llvm-mc", ["--disassemble", "-triple=aarch64", `-mattr=${mattr}`], {
      input: `${lines.join("\n")}\n`,
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    if (r.error || r.status !== 0)
      throw new Error(`llvm-mc failed: ${r.error?.message ?? r.stderr.slice(0, 500)}`);
    const invalid = new Set<number>();
    const unpred = new Set<number>();
    for (const m of r.stderr.matchAll(/^<stdin>:(\d+):\d+: warning: (.*)$/gm)) {
      const line = Number(m[1]) - 1;
      if (/invalid instruction encoding/.test(m[2]!)) invalid.add(line);
      else if (/potentially undefined/.test(m[2]!)) unpred.add(line);
    }
    const texts = r.stdout.split("\n").filter((l) => l.trim() !== "" && !/^\s*\.text\s*$/.test(l));
    let t = 0;
    for (let i = 0; i < n; i++) {
      if (invalid.has(i)) out.push({ text: null, unpredictable: false });
      else {
        const line = texts[t++];
        if (line === undefined) throw new Error("llvm-mc produced fewer lines than valid words");
        out.push({ text: normaliseLlvm(line), unpredictable: unpred.has(i) });
      }
    }
    if (t !== texts.length) throw new Error(`llvm-mc produced ${texts.length} lines for ${t} valid words`);
  }
  return out;
}
