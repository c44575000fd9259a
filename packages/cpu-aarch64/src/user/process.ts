import { randomFillSync } from "node:crypto";
import * as fs from "node:fs";
import { resolve } from "node:path";
import { isatty } from "node:tty";
import { Bus, BusError, ConfigError, type RamRegion, RateLimitedLog } from "@armature/core";
import { Cpu, type CpuEngine, resolveCpuEngine } from "../interp/cpu.js";
import { hwcapsFromIdRegs } from "../interp/idregs.js";
import { EC, ecOf, FSC } from "../interp/syndrome.js";
import { type CpuModel, M1_MODEL } from "../model.js";
import { type ElfImage, parseElf } from "./elf.js";

const PAGE = 4096;
const STACK_TOP = 0x7ffff0000000;
const STACK_SIZE = 8 * 1024 * 1024;
const MMAP_BASE = 0x4000000000;
const BRK_CHUNK = 16 * 1024 * 1024;

const pageDown = (a: number): number => a - (a % PAGE);
const pageUp = (a: number): number => Math.ceil(a / PAGE) * PAGE;

/** Linux errno values (asm-generic/errno-base.h). */
const E = {
  PERM: 1,
  NOENT: 2,
  BADF: 9,
  NOMEM: 12,
  ACCES: 13,
  FAULT: 14,
  EXIST: 17,
  NOTDIR: 20,
  ISDIR: 21,
  INVAL: 22,
  NOTTY: 25,
  SPIPE: 29,
  RANGE: 34,
  NOSYS: 38,
} as const;

/** Signal names for the "uncaught target signal" line. */
const SIGNAME: Record<number, string> = {
  4: "Illegal instruction",
  5: "Trace/breakpoint trap",
  7: "Bus error",
  11: "Segmentation fault",
};

export interface UserOptions {
  /** argv[0..] of the guest (argv[0] is usually the program path). */
  argv: string[];
  env?: Record<string, string | undefined>;
  model?: CpuModel;
  /** Where guest stdout/stderr go (default: the host's fds 1 and 2). */
  stdout?: (bytes: Uint8Array) => void;
  stderr?: (bytes: Uint8Array) => void;
  /** Instructions per run() slice (default 10 million). */
  slice?: number;
  /**
   * CPU execution engine (CpuOptions.engine): "interp" or "jit" (default: ARMATURE_CPU_ENGINE when
   * set, else "jit"); anything else is a ConfigError.
   */
  engine?: CpuEngine;
}

/**
 * Linux user-mode emulation of one static AArch64 program (like qemu-user): the ELF is mapped at
 * its addresses (VA = PA on a private bus), the initial stack follows the Linux/ELF ABI, and SVC #0
 * is served by the syscall layer below.
 */
export class UserProcess {
  readonly bus = new Bus({ arena: "auto" });
  readonly cpu: Cpu;
  readonly image: ElfImage;
  exitCode: number | null = null;
  private brkStart = 0;
  private brkCur = 0;
  private brkMapped = 0;
  private mmapNext = MMAP_BASE;
  private readonly fds = new Map<number, number>([
    [0, 0],
    [1, 1],
    [2, 2],
  ]);
  /** File offsets of regular files opened by the guest (pread/pwrite on the host keep lseek exact). */
  private readonly pos = new Map<number, number>();
  private readonly log = new RateLimitedLog("armature user");
  private readonly exePath: string;
  private readonly opts: UserOptions;

  constructor(elfPath: string, opts: UserOptions) {
    resolveCpuEngine(opts.engine); // a bad engine is a ConfigError before the file is read
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(elfPath);
    } catch (e) {
      throw new ConfigError(`cannot read ELF file "${elfPath}": ${(e as Error).message}`);
    }
    this.exePath = resolve(elfPath);
    this.opts = opts;
    this.image = parseElf(bytes);
    if (this.image.interp !== null) {
      throw new ConfigError(
        `"${elfPath}" is dynamically linked (interpreter ${this.image.interp}); build it with -static`,
      );
    }
    this.cpu = new Cpu({ bus: this.bus, model: opts.model ?? M1_MODEL, userMode: true, engine: opts.engine });
    this.load(bytes);
    this.setupStack(opts.argv, opts.env ?? {});
  }

  private addRam(name: string, base: number, size: number): RamRegion {
    return this.bus.addRam(name, base, size);
  }

  private load(bytes: Uint8Array): void {
    // Merge the page spans of all PT_LOAD segments, then copy file contents in.
    const spans: [number, number][] = this.image.segments
      .map((s): [number, number] => [pageDown(s.vaddr), pageUp(s.vaddr + s.memsz)])
      .sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const sp of spans) {
      const last = merged[merged.length - 1];
      if (last !== undefined && sp[0] <= last[1]) last[1] = Math.max(last[1], sp[1]);
      else merged.push([sp[0], sp[1]]);
    }
    merged.forEach(([a, b], i) => {
      this.addRam(`elf${i}`, a, b - a);
    });
    for (const s of this.image.segments) {
      this.bus.writeBytes(s.vaddr, bytes.subarray(s.offset, s.offset + s.filesz));
    }
    this.brkStart = this.brkCur = this.brkMapped = pageUp(this.image.end);
    this.addRam("stack", STACK_TOP - STACK_SIZE, STACK_SIZE);
  }

  private setupStack(argv: string[], env: Record<string, string | undefined>): void {
    const enc = new TextEncoder();
    let sp = STACK_TOP;
    const pushBytes = (b: Uint8Array): number => {
      sp -= b.length;
      this.bus.writeBytes(sp, b);
      return sp;
    };
    const pushStr = (s: string): number => pushBytes(enc.encode(`${s}\0`));
    const execfn = pushStr(argv[0] ?? this.exePath);
    const platform = pushStr("aarch64");
    const random = new Uint8Array(16);
    randomFillSync(random);
    sp -= sp % 16;
    const randomAddr = pushBytes(random);
    const argvAddrs = argv.map(pushStr);
    const envAddrs = Object.entries(env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => pushStr(`${k}=${v}`));
    const { hwcap, hwcap2 } = hwcapsFromIdRegs(this.cpu.sys.id);
    const img = this.image;
    const auxv: [number, number][] = [
      [3, img.phdrAddr], // AT_PHDR
      [4, img.phentsize], // AT_PHENT
      [5, img.phnum], // AT_PHNUM
      [6, PAGE], // AT_PAGESZ
      [7, 0], // AT_BASE
      [8, 0], // AT_FLAGS
      [9, img.entry], // AT_ENTRY
      [11, 0], // AT_UID
      [12, 0], // AT_EUID
      [13, 0], // AT_GID
      [14, 0], // AT_EGID
      [15, platform], // AT_PLATFORM
      [16, hwcap], // AT_HWCAP
      [17, 100], // AT_CLKTCK
      [23, 0], // AT_SECURE
      [25, randomAddr], // AT_RANDOM
      [26, hwcap2], // AT_HWCAP2
      [31, execfn], // AT_EXECFN
      [0, 0], // AT_NULL
    ];
    const words: number[] = [argv.length, ...argvAddrs, 0, ...envAddrs, 0];
    for (const [k, v] of auxv) words.push(k, v);
    sp -= sp % 16;
    sp -= words.length * 8;
    sp -= sp % 16;
    const buf = new Uint8Array(words.length * 8);
    const dv = new DataView(buf.buffer);
    words.forEach((w, i) => {
      dv.setBigUint64(i * 8, BigInt(w), true);
    });
    this.bus.writeBytes(sp, buf);
    const cpu = this.cpu;
    cpu.setX(31, sp);
    cpu.setPC(img.entry);
  }

  /** Run until the program exits; returns its exit status (128 + signal for a fatal signal). */
  run(): number {
    const slice = this.opts.slice ?? 10_000_000;
    const cpu = this.cpu;
    for (;;) {
      const exit = cpu.run(slice);
      if (exit.reason === "svc") {
        this.syscall();
        if (this.exitCode !== null) return this.exitCode;
      } else if (exit.reason === "exception") {
        const ec = ecOf(exit.esr);
        const sig =
          ec === EC.DABT_LOWER || ec === EC.DABT_SAME
            ? (exit.esr & 0x3f) === FSC.ALIGNMENT
              ? 7
              : 11
            : ec === EC.IABT_LOWER || ec === EC.IABT_SAME
              ? 11
              : ec === EC.PC_ALIGN
                ? 7
                : ec === EC.BRK64
                  ? 5
                  : 4;
        const at = cpu.getPC().toString(16);
        this.writeErr(
          `armature: uncaught target signal ${sig} (${SIGNAME[sig] ?? "signal"}) at pc 0x${at}\n`,
        );
        this.exitCode = 128 + sig;
        return this.exitCode;
      } else if (exit.reason !== "budget") {
        this.writeErr(`armature: unexpected exit ${exit.reason}\n`);
        this.exitCode = 1;
        return 1;
      }
    }
  }

  private writeErr(s: string): void {
    const b = new TextEncoder().encode(s);
    if (this.opts.stderr) this.opts.stderr(b);
    else fs.writeSync(2, b);
  }

  // ---------------------------------------------------------------- guest memory helpers

  private readMem(addr: number, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    try {
      this.bus.readBytes(addr, out);
    } catch (e) {
      if (e instanceof BusError) return null;
      throw e;
    }
    return out;
  }

  private writeMem(addr: number, bytes: Uint8Array): boolean {
    try {
      this.bus.writeBytes(addr, bytes);
    } catch (e) {
      if (e instanceof BusError) return false;
      throw e;
    }
    this.cpu.invalidateCode(addr, bytes.length);
    return true;
  }

  private readCString(addr: number): string | null {
    const bytes: number[] = [];
    for (let a = addr; bytes.length < 4096; a++) {
      const r = this.bus.findRam(a);
      if (r === undefined) return null;
      const b = r.u8[a - r.base]!;
      if (b === 0) return Buffer.from(bytes).toString("utf8");
      bytes.push(b);
    }
    return null;
  }

  private arg(n: number): number {
    // Addresses and sizes as JS numbers (exact below 2^53).
    const x = this.cpu.x;
    return (x[2 * n + 1]! >>> 0) * 4294967296 + (x[2 * n]! >>> 0);
  }
  private argI(n: number): number {
    return this.cpu.x[2 * n]!;
  }

  private ret(v: number | bigint): void {
    this.cpu.setX(0, BigInt.asUintN(64, BigInt(v)));
  }

  // ---------------------------------------------------------------- syscalls

  /** One system call: number in X8, arguments X0..X5, result (or -errno) in X0 (Linux AArch64 ABI). */
  private syscall(): void {
    const nr = this.cpu.x[16]!;
    const r = this.dispatch(nr);
    if (this.exitCode === null) this.ret(r);
  }

  private dispatch(nr: number): number | bigint {
    switch (nr) {
      case 63: // read
        return this.sysRead(this.argI(0), this.arg(1), this.arg(2));
      case 64: // write
        return this.sysWrite(this.argI(0), this.arg(1), this.arg(2));
      case 65: // readv
      case 66: {
        // writev
        const iov = this.arg(1);
        const cnt = this.argI(2);
        let total = 0;
        for (let i = 0; i < cnt; i++) {
          const d = this.readMem(iov + 16 * i, 16);
          if (d === null) return -E.FAULT;
          const v = new DataView(d.buffer);
          const base = Number(v.getBigUint64(0, true));
          const len = Number(v.getBigUint64(8, true));
          const n =
            nr === 66 ? this.sysWrite(this.argI(0), base, len) : this.sysRead(this.argI(0), base, len);
          if (n < 0) return total > 0 ? total : n;
          total += n;
          if (n < len) break;
        }
        return total;
      }
      case 56: // openat
        return this.sysOpenat(this.argI(0), this.arg(1), this.argI(2), this.argI(3));
      case 57: {
        // close
        const fd = this.argI(0);
        const h = this.fds.get(fd);
        if (h === undefined) return -E.BADF;
        this.fds.delete(fd);
        this.pos.delete(fd);
        // dup'ed descriptors share one host fd: close it with the last guest fd that names it.
        if (h > 2 && ![...this.fds.values()].includes(h)) fs.closeSync(h);
        return 0;
      }
      case 23: // dup(oldfd)
      case 24: {
        // dup3(oldfd, newfd, flags): the new fd shares the host fd (and, here, the file offset
        // is copied rather than shared — enough for redirections, which is what busybox uses).
        const old = this.argI(0);
        const h = this.fds.get(old);
        if (h === undefined) return -E.BADF;
        let fd: number;
        if (nr === 23) {
          fd = 0;
          while (this.fds.has(fd)) fd++;
        } else {
          fd = this.argI(1);
          if (fd === old || fd < 0) return -E.INVAL;
          const prev = this.fds.get(fd);
          if (prev !== undefined) {
            this.fds.delete(fd);
            this.pos.delete(fd);
            if (prev > 2 && ![...this.fds.values()].includes(prev)) fs.closeSync(prev);
          }
        }
        this.fds.set(fd, h);
        const p = this.pos.get(old);
        if (p !== undefined) this.pos.set(fd, p);
        return fd;
      }
      case 167: // prctl: PR_SET_NAME and friends have nothing to act on here
        return -E.INVAL;
      case 80: // fstat
        return this.sysFstat(this.argI(0), this.arg(1));
      case 79: {
        // newfstatat(dirfd, path, statbuf, flags)
        const path = this.readCString(this.arg(1));
        if (path === null) return -E.FAULT;
        if (path === "" && (this.argI(3) & 0x1000) !== 0) return this.sysFstat(this.argI(0), this.arg(2));
        try {
          return this.writeStat(this.arg(2), fs.statSync(path));
        } catch (e) {
          return -errnoOf(e);
        }
      }
      case 62: {
        // lseek(fd, offset, whence): regular files only
        const fd = this.argI(0);
        const h = this.fds.get(fd);
        if (h === undefined) return -E.BADF;
        const cur = this.pos.get(fd);
        if (cur === undefined) return -E.SPIPE;
        const off = this.cpu.x[3]! * 4294967296 + (this.cpu.x[2]! >>> 0); // signed 64-bit (exact to 2^53)
        const whence = this.argI(2);
        const base = whence === 0 ? 0 : whence === 1 ? cur : whence === 2 ? fs.fstatSync(h).size : -1;
        if (base < 0 || base + off < 0) return -E.INVAL;
        this.pos.set(fd, base + off);
        return base + off;
      }
      case 222: // mmap
        return this.sysMmap(this.arg(0), this.arg(1), this.argI(2), this.argI(3), this.argI(4), this.arg(5));
      case 215: // munmap
      case 226: // mprotect
      case 233: // madvise
        return 0;
      case 216: // mremap: glibc falls back to malloc+copy
        return -E.NOMEM;
      case 214: // brk
        return this.sysBrk(this.arg(0));
      case 93: // exit
      case 94: // exit_group
        this.exitCode = this.argI(0) & 0xff;
        return 0;
      case 29: {
        // ioctl
        const h = this.fds.get(this.argI(0));
        if (h === undefined) return -E.BADF;
        const req = this.argI(1) >>> 0;
        if (req === 0x5401 || req === 0x5413) {
          // TCGETS / TIOCGWINSZ: only on a terminal
          if (!isatty(h)) return -E.NOTTY;
          this.writeMem(this.arg(2), new Uint8Array(req === 0x5401 ? 60 : 8));
          return 0;
        }
        return -E.NOTTY;
      }
      case 160: {
        // uname
        const b = new Uint8Array(65 * 6);
        const fields = ["Linux", "armature", "6.1.0", "#1 SMP armature", "aarch64", "(none)"];
        fields.forEach((f, i) => {
          b.set(new TextEncoder().encode(f), 65 * i);
        });
        return this.writeMem(this.arg(0), b) ? 0 : -E.FAULT;
      }
      case 113: {
        // clock_gettime
        const ns = this.argI(0) === 0 ? BigInt(Date.now()) * 1000000n : process.hrtime.bigint();
        const b = new Uint8Array(16);
        const dv = new DataView(b.buffer);
        dv.setBigUint64(0, ns / 1000000000n, true);
        dv.setBigUint64(8, ns % 1000000000n, true);
        return this.writeMem(this.arg(1), b) ? 0 : -E.FAULT;
      }
      case 169: {
        // gettimeofday
        const us = BigInt(Date.now()) * 1000n;
        const b = new Uint8Array(16);
        const dv = new DataView(b.buffer);
        dv.setBigUint64(0, us / 1000000n, true);
        dv.setBigUint64(8, us % 1000000n, true);
        if (this.arg(0) !== 0 && !this.writeMem(this.arg(0), b)) return -E.FAULT;
        return 0;
      }
      case 278: {
        // getrandom
        const len = Math.min(this.arg(1), 1 << 20);
        const b = new Uint8Array(len);
        randomFillSync(b);
        return this.writeMem(this.arg(0), b) ? len : -E.FAULT;
      }
      case 96: // set_tid_address
      case 172: // getpid
      case 178: // gettid
        return 4242;
      case 173: // getppid
        return 1;
      case 99: // set_robust_list
      case 134: // rt_sigaction (recorded nowhere: no asynchronous signals are delivered)
        if (nr === 134 && this.arg(2) !== 0) this.writeMem(this.arg(2), new Uint8Array(32));
        return 0;
      case 135: // rt_sigprocmask
        if (this.arg(2) !== 0) this.writeMem(this.arg(2), new Uint8Array(8));
        return 0;
      case 78: {
        // readlinkat
        const path = this.readCString(this.arg(1));
        if (path === null) return -E.FAULT;
        let target: string;
        if (path === "/proc/self/exe") target = this.exePath;
        else {
          try {
            target = fs.readlinkSync(path);
          } catch (e) {
            return -errnoOf(e);
          }
        }
        const b = new TextEncoder().encode(target).subarray(0, this.arg(3));
        return this.writeMem(this.arg(2), b) ? b.length : -E.FAULT;
      }
      case 17: {
        // getcwd
        const b = new TextEncoder().encode(`${process.cwd()}\0`);
        if (b.length > this.arg(1)) return -E.RANGE;
        return this.writeMem(this.arg(0), b) ? b.length : -E.FAULT;
      }
      case 49: {
        // chdir
        const path = this.readCString(this.arg(0));
        if (path === null) return -E.FAULT;
        try {
          process.chdir(path);
          return 0;
        } catch (e) {
          return -errnoOf(e);
        }
      }
      case 174: // getuid
      case 175: // geteuid
      case 176: // getgid
      case 177: // getegid
        return nr === 174 || nr === 175 ? (process.getuid?.() ?? 0) : (process.getgid?.() ?? 0);
      case 73: // ppoll: every fd is ready
        return this.argI(1);
      case 261: {
        // prlimit64(pid, resource, new, old)
        if (this.arg(3) !== 0) {
          const b = new Uint8Array(16);
          const dv = new DataView(b.buffer);
          const v = this.argI(1) === 3 ? BigInt(STACK_SIZE) : 0xffffffffffffffffn;
          dv.setBigUint64(0, v, true);
          dv.setBigUint64(8, 0xffffffffffffffffn, true);
          this.writeMem(this.arg(3), b);
        }
        return 0;
      }
      case 98: // futex: single thread, nothing to wait for
        return 0;
      case 35: {
        // unlinkat(dirfd, path, flags): AT_REMOVEDIR = 0x200
        const path = this.readCString(this.arg(1));
        if (path === null) return -E.FAULT;
        try {
          if (this.argI(2) & 0x200) fs.rmdirSync(path);
          else fs.unlinkSync(path);
          return 0;
        } catch (e) {
          return -errnoOf(e);
        }
      }
      case 34: {
        // mkdirat(dirfd, path, mode)
        const path = this.readCString(this.arg(1));
        if (path === null) return -E.FAULT;
        try {
          fs.mkdirSync(path, this.argI(2) & 0o7777);
          return 0;
        } catch (e) {
          return -errnoOf(e);
        }
      }
      case 293: // rseq: glibc probes it at startup and copes with ENOSYS (not worth a log line)
        return -E.NOSYS;
      case 179: {
        // sysinfo: uptime 0, 1 GiB of RAM all free, mem_unit 1
        const b = new Uint8Array(112);
        const dv = new DataView(b.buffer);
        dv.setBigUint64(32, 1n << 30n, true);
        dv.setBigUint64(40, 1n << 30n, true);
        dv.setUint16(80, 1, true);
        dv.setUint32(104, 1, true);
        return this.writeMem(this.arg(0), b) ? 0 : -E.FAULT;
      }
      case 131: // tgkill
      case 129: // kill
        this.writeErr(`armature: guest raised signal ${this.argI(2)}\n`);
        this.exitCode = 128 + (this.argI(nr === 131 ? 2 : 1) & 0x7f);
        return 0;
      default:
        this.log.warn(`nosys-${nr}`, `unsupported syscall ${nr}: returning -ENOSYS`);
        return -E.NOSYS;
    }
  }

  private sysRead(fd: number, buf: number, len: number): number {
    const h = this.fds.get(fd);
    if (h === undefined) return -E.BADF;
    const tmp = new Uint8Array(Math.min(len, 1 << 20));
    let n: number;
    const at = this.pos.get(fd);
    try {
      n = fs.readSync(h, tmp, 0, tmp.length, at ?? null);
      if (at !== undefined) this.pos.set(fd, at + n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") return -11;
      if ((e as NodeJS.ErrnoException).code === "EOF") return 0;
      return -errnoOf(e);
    }
    return this.writeMem(buf, tmp.subarray(0, n)) ? n : -E.FAULT;
  }

  private sysWrite(fd: number, buf: number, len: number): number {
    const h = this.fds.get(fd);
    if (h === undefined) return -E.BADF;
    const data = this.readMem(buf, len);
    if (data === null) return -E.FAULT;
    if (h === 1 && this.opts.stdout) {
      this.opts.stdout(data);
      return len;
    }
    if (h === 2 && this.opts.stderr) {
      this.opts.stderr(data);
      return len;
    }
    try {
      const at = this.pos.get(fd);
      let off = 0;
      while (off < data.length) {
        off += fs.writeSync(h, data, off, data.length - off, at === undefined ? null : at + off);
      }
      if (at !== undefined) this.pos.set(fd, at + len);
      return len;
    } catch (e) {
      return -errnoOf(e);
    }
  }

  private sysOpenat(dirfd: number, pathAddr: number, flags: number, mode: number): number {
    const path = this.readCString(pathAddr);
    if (path === null) return -E.FAULT;
    if (!path.startsWith("/") && dirfd !== -100) return -E.NOSYS;
    // Linux AArch64 open flags: ACCMODE 3, CREAT 0o100, EXCL 0o200, TRUNC 0o1000, APPEND 0o2000.
    const hostFlags = flags & (3 | 0o100 | 0o200 | 0o1000 | 0o2000);
    try {
      const h = fs.openSync(path, hostFlags, mode & 0o7777);
      let fd = 3;
      while (this.fds.has(fd)) fd++;
      this.fds.set(fd, h);
      if ((flags & 0o2000) === 0 && fs.fstatSync(h).isFile()) this.pos.set(fd, 0);
      return fd;
    } catch (e) {
      return -errnoOf(e);
    }
  }

  private sysFstat(fd: number, addr: number): number {
    const h = this.fds.get(fd);
    if (h === undefined) return -E.BADF;
    try {
      return this.writeStat(addr, fs.fstatSync(h));
    } catch (e) {
      return -errnoOf(e);
    }
  }

  /** struct stat of the AArch64 (asm-generic) ABI: 128 bytes. */
  private writeStat(addr: number, st: fs.Stats): number {
    const b = new Uint8Array(128);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, BigInt(st.dev), true);
    dv.setBigUint64(8, BigInt(st.ino), true);
    dv.setUint32(16, st.mode, true);
    dv.setUint32(20, st.nlink, true);
    dv.setUint32(24, st.uid, true);
    dv.setUint32(28, st.gid, true);
    dv.setBigUint64(32, BigInt(st.rdev), true);
    dv.setBigInt64(48, BigInt(st.size), true);
    dv.setInt32(56, st.blksize, true);
    dv.setBigInt64(64, BigInt(st.blocks), true);
    const t = (ms: number, o: number): void => {
      dv.setBigInt64(o, BigInt(Math.floor(ms / 1000)), true);
      dv.setBigInt64(o + 8, BigInt(Math.floor((ms % 1000) * 1e6)), true);
    };
    t(st.atimeMs, 72);
    t(st.mtimeMs, 88);
    t(st.ctimeMs, 104);
    return this.writeMem(addr, b) ? 0 : -E.FAULT;
  }

  private sysBrk(want: number): number {
    if (want === 0 || want < this.brkStart) return this.brkCur;
    if (want > this.brkMapped) {
      const need = pageUp(want) - this.brkMapped;
      const size = Math.max(need, BRK_CHUNK);
      try {
        this.addRam(`brk@${this.brkMapped.toString(16)}`, this.brkMapped, size);
      } catch {
        return this.brkCur;
      }
      this.brkMapped += size;
    }
    this.brkCur = want;
    return want;
  }

  private sysMmap(addr: number, len: number, _prot: number, flags: number, fd: number, off: number): number {
    if (len === 0) return -E.INVAL;
    const size = pageUp(len);
    const fixed = (flags & 0x10) !== 0;
    let base: number;
    if (fixed) {
      base = addr;
      // Inside an existing mapping: reuse its memory (zero-filled / file-filled below).
      const r = this.bus.findRam(base, size);
      if (r !== undefined) {
        this.writeMem(base, new Uint8Array(size));
      } else {
        try {
          this.addRam(`mmap@${base.toString(16)}`, base, size);
        } catch {
          return -E.NOMEM;
        }
      }
    } else {
      base = this.mmapNext;
      this.mmapNext += size + PAGE; // a guard page between mappings
      this.addRam(`mmap@${base.toString(16)}`, base, size);
    }
    if ((flags & 0x20) === 0) {
      // file-backed private mapping: copy the contents in
      const h = this.fds.get(fd);
      if (h === undefined) return -E.BADF;
      const b = new Uint8Array(len);
      fs.readSync(h, b, 0, len, off);
      this.writeMem(base, b);
    }
    return base;
  }
}

/** Host error codes passed on to the guest as its errno (anything else: EINVAL). */
const HOST_ERRNO = new Map<string | undefined, number>(
  Object.entries({
    ENOENT: E.NOENT,
    EACCES: E.ACCES,
    EEXIST: E.EXIST,
    ENOTDIR: E.NOTDIR,
    EISDIR: E.ISDIR,
    EBADF: E.BADF,
    EPERM: E.PERM,
  }),
);

function errnoOf(e: unknown): number {
  return HOST_ERRNO.get((e as NodeJS.ErrnoException).code) ?? E.INVAL;
}

/** Convenience: run a static AArch64 Linux program to completion; returns its exit status. */
export function runUserProgram(elfPath: string, opts: UserOptions): number {
  return new UserProcess(elfPath, opts).run();
}
