/**
 * Test-side driver for oracle/armv8_oracle.c: one long-lived `qemu-aarch64 -cpu max` process that
 * executes real instructions for batches of operand lines. Not part of the public surface.
 */
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { QemuUser } from "./qemu-user.js";

const ORACLE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "oracle");
const INSTALL = "bash scripts/install-system-tools.sh";

function need(tool: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
  } catch {
    throw new Error(`${tool} is missing: run \`${INSTALL}\` (FP/crypto oracle tests need it)`);
  }
}

/** Build (if stale) and return the path of the static oracle binary. */
export function buildOracle(): string {
  const bin = join(ORACLE_DIR, "build", "armv8_oracle");
  const src = join(ORACLE_DIR, "armv8_oracle.c");
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    need("aarch64-linux-gnu-gcc");
    execFileSync("bash", [join(ORACLE_DIR, "build.sh")], { stdio: "inherit" });
  }
  return bin;
}

export interface OracleResult {
  /** q0 as four uint32 words, least significant first. */
  q: [number, number, number, number];
  /** x9 as [hi, lo]. */
  xHi: number;
  xLo: number;
  fpsr: number;
  /** NZCV as a 4-bit value. */
  nzcv: number;
}

export class ArmOracle {
  private constructor(private readonly qemu: QemuUser) {}

  static start(): ArmOracle {
    need("qemu-aarch64");
    return new ArmOracle(new QemuUser(buildOracle(), "armv8_oracle"));
  }

  /** Run lines "<op> <fpcr> <a> <b> <c>" (hex); resolves with one parsed result per line. */
  async run(lines: readonly string[]): Promise<OracleResult[]> {
    const chunk = 2000;
    const raw: string[] = [];
    for (let i = 0; i < lines.length; i += chunk) {
      const part = lines.slice(i, i + chunk);
      this.qemu.write(`${part.join("\n")}\nsync\n`);
      raw.push(...(await this.qemu.readLinesUntil("ok")));
    }
    return raw.map((l, i) => {
      if (l.startsWith("error")) throw new Error(`oracle: ${l} for line '${lines[i]}'`);
      const [q, x, fpsr, nzcv] = l.split(" ") as [string, string, string, string];
      return {
        q: [
          Number.parseInt(q.slice(24, 32), 16),
          Number.parseInt(q.slice(16, 24), 16),
          Number.parseInt(q.slice(8, 16), 16),
          Number.parseInt(q.slice(0, 8), 16),
        ],
        xHi: Number.parseInt(x.slice(0, 8), 16),
        xLo: Number.parseInt(x.slice(8, 16), 16),
        fpsr: Number.parseInt(fpsr, 16),
        nzcv: Number.parseInt(nzcv, 16) >>> 28,
      };
    });
  }

  close(): void {
    this.qemu.close();
  }
}

export function hex32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, "0");
}
