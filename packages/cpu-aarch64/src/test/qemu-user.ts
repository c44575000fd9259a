import { type ChildProcess, spawn } from "node:child_process";

const INSTALL = "run 'bash scripts/install-system-tools.sh'";

/**
 * One long-lived `qemu-aarch64 -cpu max,sve=off,sme=off -seed 1 <program>` process spoken to over
 * its stdin/stdout: the one process wrapper the oracle harnesses share (the FP/crypto operand
 * oracle speaks lines, the integer and SIMD differential harnesses speak fixed-size records).
 */
export class QemuUser {
  private readonly proc: ChildProcess;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private waiter: (() => void) | null = null;
  private exited: string | null = null;

  constructor(
    program: string,
    readonly name = "oracle",
    qemu = "qemu-aarch64",
  ) {
    this.proc = spawn(qemu, ["-cpu", "max,sve=off,sme=off", "-seed", "1", program], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.proc.on("error", (e) => {
      this.exited = `${qemu} failed to start (${e.message}); ${INSTALL}`;
      this.waiter?.();
    });
    this.proc.on("exit", (code) => {
      this.exited ??= `${name} under ${qemu} exited with ${code}`;
      this.waiter?.();
    });
    this.proc.stdout!.on("data", (d: Buffer) => {
      this.pending.push(d);
      this.pendingLen += d.length;
      this.waiter?.();
    });
  }

  write(data: Buffer | string): void {
    this.proc.stdin!.write(data);
  }

  private async more(): Promise<void> {
    if (this.exited !== null) throw new Error(this.exited);
    await new Promise<void>((r) => {
      this.waiter = r;
    });
    this.waiter = null;
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = all.length > n ? [all.subarray(n)] : [];
    this.pendingLen = all.length - n;
    return all.subarray(0, n);
  }

  /** The next `n` bytes of output. */
  async read(n: number): Promise<Buffer> {
    while (this.pendingLen < n) await this.more();
    return this.take(n);
  }

  /** Output lines up to (not including) the line `end`. */
  async readLinesUntil(end: string): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const all = Buffer.concat(this.pending);
      this.pending = [all];
      let start = 0;
      let nl = all.indexOf(10, start);
      while (nl >= 0) {
        const line = all.toString("utf8", start, nl);
        start = nl + 1;
        if (line === end) {
          this.take(start);
          return lines;
        }
        lines.push(line);
        nl = all.indexOf(10, start);
      }
      lines.length = 0;
      await this.more();
    }
  }

  /** End stdin (the programs exit at EOF) and optionally send a last record first. */
  close(last?: Buffer): void {
    if (last === undefined) this.proc.stdin!.end();
    else this.proc.stdin!.end(last);
  }
}

/** A harness's fixed-size records: a case encoded into `request` bytes, a result decoded from `response` bytes. */
export interface RecordFormat<C, R> {
  request: number;
  encode(c: C, buf: Buffer, off: number): void;
  response: number;
  decode(buf: Buffer, off: number): R;
}

/**
 * A differential harness under qemu-aarch64 (one long-lived process) that answers each request
 * record with one response record; `last` is sent before stdin ends (the scalar harness's end mark).
 */
export class QemuRecordOracle<C, R> {
  private readonly qemu: QemuUser;

  constructor(
    program: string,
    name: string,
    private readonly format: RecordFormat<C, R>,
    private readonly last?: Buffer,
  ) {
    this.qemu = new QemuUser(program, name);
  }

  async run(cases: readonly C[]): Promise<R[]> {
    const { request, encode, response, decode } = this.format;
    const req = Buffer.alloc(request * cases.length);
    cases.forEach((c, i) => {
      encode(c, req, i * request);
    });
    this.qemu.write(req);
    const all = await this.qemu.read(response * cases.length);
    return cases.map((_, i) => decode(all, i * response));
  }

  close(): void {
    this.qemu.close(this.last);
  }
}
