/**
 * Test-side driver for oracle/armv8_oracle.c: one long-lived `qemu-aarch64 -cpu max` process that
 * executes real instructions for batches of operand lines. Not part of the public surface.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
  private readonly proc: ChildProcessWithoutNullStreams;
  private buf = "";
  private waiters: Array<() => void> = [];
  private lines: string[] = [];
  private dead = false;

  private constructor(bin: string) {
    this.proc = spawn("qemu-aarch64", ["-cpu", "max,sve=off,sme=off", "-seed", "1", bin], { stdio: "pipe" });
    this.proc.stdout.setEncoding("utf8");
    this.proc.stdout.on("data", (d: string) => {
      this.buf += d;
      let i = this.buf.indexOf("\n");
      while (i >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
        i = this.buf.indexOf("\n");
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.on("exit", () => {
      this.dead = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static start(): ArmOracle {
    need("qemu-aarch64");
    return new ArmOracle(buildOracle());
  }

  /** Run lines "<op> <fpcr> <a> <b> <c>" (hex); resolves with one parsed result per line. */
  async run(lines: readonly string[]): Promise<OracleResult[]> {
    this.lines = [];
    const chunk = 2000;
    const raw: string[] = [];
    for (let i = 0; i < lines.length; i += chunk) {
      const part = lines.slice(i, i + chunk);
      this.proc.stdin.write(`${part.join("\n")}\nsync\n`);
      while (!this.lines.includes("ok")) {
        if (this.dead) throw new Error("qemu-aarch64 oracle exited");
        await new Promise<void>((res) => this.waiters.push(res));
      }
      const k = this.lines.indexOf("ok");
      raw.push(...this.lines.slice(0, k));
      this.lines = this.lines.slice(k + 1);
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
    this.proc.stdin.end();
    this.proc.kill();
  }
}

export function hex32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, "0");
}
