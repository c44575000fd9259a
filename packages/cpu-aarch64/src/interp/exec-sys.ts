/*
 * Exception generation, hints, barriers, PSTATE access, SYS (cache/TLB maintenance) and MRS/MSR
 * (ARM ARM C4.1.87 "Branches, Exception Generating and System instructions", C5.2/C5.3).
 */

import { IO_WORD } from "../jit/wasm/layout.js";
import type { Cpu } from "./cpu.js";
import { EC, esr } from "./syndrome.js";
import { fromHalves, SR } from "./sysregs.js";

function advance(c: Cpu): void {
  const l = c.pc + 4;
  if (l > 0xffffffff) {
    c.pc = l - 4294967296;
    c.pcHi = (c.pcHi + 1) | 0;
  } else c.pc = l;
  c.jumped = true;
}

/** SVC: at EL0 in user mode an exit; otherwise a synchronous exception to EL1 (preferred return = next). */
export function svc(c: Cpu, w: number): void {
  const imm = (w >>> 5) & 0xffff;
  advance(c);
  if (c.userMode && c.el === 0) {
    c.requestExit("svc", imm, esr(EC.SVC64, imm));
    return;
  }
  c.sys.esrEl1 = esr(EC.SVC64, imm) >>> 0;
  c.ss = 0; // a stepped SVC completes: SPSR_EL1.SS = 0 (D2.12.7)
  c.enterEl1(0, c.pc, c.pcHi);
}

/** HVC: with no EL2 in the model it goes to the board; UNDEFINED at EL0. PC already advanced. */
export function hvc(c: Cpu, w: number): void {
  if (c.el === 0) c.undefinedInstruction();
  const imm = (w >>> 5) & 0xffff;
  advance(c);
  c.requestExit("hvc", imm, esr(EC.HVC64, imm));
}

/** SMC: trapped to the board; the PC stays AT the SMC (seed 001: the VMM adds 4). */
export function smc(c: Cpu, w: number): void {
  if (c.el === 0) c.undefinedInstruction();
  const imm = (w >>> 5) & 0xffff;
  c.jumped = true;
  c.requestExit("smc", imm, esr(EC.SMC64, imm));
}

/** BRK: Breakpoint instruction exception (EC 0x3C) to EL1; in user mode an exit "exception". */
export function brk(c: Cpu, w: number): void {
  const imm = (w >>> 5) & 0xffff;
  c.syncException(EC.BRK64, imm, 0, 0, c.pc, c.pcHi);
}

/** HLT: Halting debug is not enabled, so HLT is a debug exit to the host (PC at the HLT). */
export function hlt(c: Cpu, w: number): void {
  const imm = (w >>> 5) & 0xffff;
  if (c.userMode) c.undefinedInstruction();
  c.jumped = true;
  c.requestExit("debug", imm, esr(EC.BRK64, imm));
}

export function undef(c: Cpu, _w: number): void {
  c.undefinedInstruction();
}

export function nop(_c: Cpu, _w: number): void {}

export function wfi(c: Cpu, _w: number): void {
  advance(c);
  if (c.userMode) return;
  // An interrupt already pending ends WFI at once (ARM ARM D1.16.2).
  if ((c.irqLevel && (c.daif & 0x80) === 0) || (c.fiqLevel && (c.daif & 0x40) === 0)) return;
  c.requestExit("wfi", 0, esr(EC.WFX, 0));
}

export function wfe(c: Cpu, _w: number): void {
  advance(c);
  if (c.event) {
    c.event = false;
    return;
  }
  if (c.userMode) return;
  c.requestExit("wfe", 0, esr(EC.WFX, 1));
}

export function sev(c: Cpu, _w: number): void {
  c.event = true;
}

export function clrex(c: Cpu, _w: number): void {
  c.exValid = false;
}

export function cfinv(c: Cpu, _w: number): void {
  c.cf ^= 1;
}

/** XAFLAG (FEAT_FlagM2): external format -> Arm format. */
export function xaflag(c: Cpu, _w: number): void {
  const n = c.nf;
  const z = c.zf;
  const cc = c.cf;
  const v = c.vf;
  c.nf = ~cc & ~z & 1;
  c.zf = z & cc;
  c.cf = cc | z;
  c.vf = ~cc & z & 1;
  void n;
  void v;
}

/** AXFLAG (FEAT_FlagM2): Arm format -> external format. */
export function axflag(c: Cpu, _w: number): void {
  const z = c.zf;
  const cc = c.cf;
  const v = c.vf;
  c.nf = 0;
  c.zf = z | v;
  c.cf = cc & ~v & 1;
  c.vf = 0;
}

export function msrImm(c: Cpu, w: number): void {
  const op1 = (w >>> 16) & 7;
  const op2 = (w >>> 5) & 7;
  const crm = (w >>> 8) & 15;
  if (op1 === 0 && op2 === 5) {
    // SPSel
    if (c.el === 0) c.undefinedInstruction();
    c.setEl(c.el, crm & 1);
    return;
  }
  if (op1 === 3 && (op2 === 6 || op2 === 7)) {
    // DAIFSet / DAIFClr: EL0 only with SCTLR_EL1.UMA
    if (c.el === 0 && (c.sys.sctlr & (1 << 9)) === 0)
      c.sys.cpu.syncException(EC.SYSREG, sysIss(w), 0, 0, c.pc, c.pcHi);
    if (op2 === 6) c.daif |= crm << 6;
    else {
      c.daif &= ~(crm << 6);
      c.recheck = true;
    }
    return;
  }
  if (op1 === 3 && op2 === 1) {
    c.ssbs = crm & 1;
    return;
  }
  if (op1 === 3 && op2 === 2) {
    c.dit = crm & 1;
    return;
  }
  if (op1 === 0 && op2 === 4) {
    if (c.el === 0) c.undefinedInstruction();
    c.pan = crm & 1;
    c.mmu.privChanged();
    return;
  }
  if (op1 === 0 && op2 === 3) {
    if (c.el === 0) c.undefinedInstruction();
    c.uao = crm & 1;
    return;
  }
  c.undefinedInstruction();
}

/** ISS of a trapped MSR/MRS/SYS (EC 0x18): Op0, Op2, Op1, CRn, Rt, CRm, Direction. */
function sysIss(w: number): number {
  const op0 = (w >>> 19) & 3;
  const op1 = (w >>> 16) & 7;
  const crn = (w >>> 12) & 15;
  const crm = (w >>> 8) & 15;
  const op2 = (w >>> 5) & 7;
  const rt = w & 31;
  const l = (w >>> 21) & 1;
  return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | l;
}

/** Whether EL0 may access system register `key` (ARM ARM: op1 = 3 registers, subject to controls). */
function el0Allowed(c: Cpu, key: number, write: boolean): boolean {
  switch (key) {
    case SR.NZCV:
    case SR.FPCR:
    case SR.FPSR:
    case SR.TPIDR_EL0:
    case SR.DIT:
    case SR.SSBS:
      return true;
    case SR.DAIF:
      return (c.sys.sctlr & (1 << 9)) !== 0 || c.userMode;
    case SR.TPIDRRO_EL0:
    case SR.CNTVCT_EL0:
    case SR.CNTFRQ_EL0:
    case SR.CNTPCT_EL0:
    case SR.CTR_EL0:
    case SR.DCZID_EL0:
      return !write;
    default:
      if (isPmuEl0(key)) return pmuEl0Allowed(c, key, write);
      // Linux emulates EL0 reads of the ID registers (HWCAP_CPUID); user mode does the same.
      return c.userMode && !write && key >> 14 === 3 && ((key >> 11) & 7) === 0 && ((key >> 7) & 15) === 0;
  }
}

/** PMU registers accessible from EL0 under PMUSERENR_EL0 (op0 3, op1 3, CRn 9 CRm 12-14, CRn 14 CRm 8-15). */
function isPmuEl0(key: number): boolean {
  if (key >> 14 !== 3 || ((key >> 11) & 7) !== 3) return false;
  const crn = (key >> 7) & 15;
  const crm = (key >> 3) & 15;
  return (crn === 9 && crm >= 12 && crm <= 14) || (crn === 14 && crm >= 8);
}

/**
 * PMUSERENR_EL0 (D19.4.18): EN opens everything; SW lets EL0 write PMSWINC_EL0, CR read
 * PMCCNTR_EL0, ER read the event counters and read/write PMSELR_EL0. PMUSERENR_EL0 itself is
 * readable at EL0 and writable only at EL1. Refused accesses trap to EL1 with EC 0x18.
 */
function pmuEl0Allowed(c: Cpu, key: number, write: boolean): boolean {
  if (key === SR.PMUSERENR_EL0) return !write;
  if (c.userMode) return false;
  const en = c.sys.pmu.userenr;
  if ((en & 1) !== 0) return true;
  if (key === SR.PMSWINC_EL0) return write && (en & 2) !== 0;
  if (key === SR.PMCCNTR_EL0) return !write && (en & 4) !== 0;
  if (key === SR.PMSELR_EL0) return (en & 8) !== 0;
  const evcnt = key === SR.PMXEVCNTR_EL0 || (((key >> 7) & 15) === 14 && ((key >> 3) & 15) < 12);
  return evcnt && !write && (en & 8) !== 0;
}

/**
 * An EL0 MRS/MSR the checks above refuse. DAIF without SCTLR_EL1.UMA is trapped (EC 0x18), and so
 * are reads of the ID register group (op0 3, op1 0, CRn 0) with FEAT_IDST; EL1-only registers and
 * writes to read-only ones are UNDEFINED at EL0 (EC 0x00, ARM ARM D1.10.4 / D13.1.1).
 */
function el0Denied(c: Cpu, w: number, key: number, write: boolean): never {
  const idGroup = key >> 14 === 3 && ((key >> 11) & 7) === 0 && ((key >> 7) & 15) === 0;
  const pmuTrap = isPmuEl0(key) && !(key === SR.PMUSERENR_EL0 && write) && c.sys.has(key);
  if (key === SR.DAIF || (idGroup && !write) || pmuTrap)
    c.syncException(EC.SYSREG, sysIss(w), 0, 0, c.pc, c.pcHi);
  return c.undefinedInstruction();
}

export function mrs(c: Cpu, w: number): void {
  const key = (w >>> 5) & 0xffff;
  const t = w & 31;
  const x = c.x;
  if (key === SR.TPIDR_EL0) {
    if (t !== 31) {
      x[2 * t] = c.sys.tpidrLo;
      x[2 * t + 1] = c.sys.tpidrHi;
    }
    return;
  }
  if (key === SR.NZCV) {
    if (t !== 31) {
      x[2 * t] = c.getNZCV();
      x[2 * t + 1] = 0;
    }
    return;
  }
  if (key === SR.SP_EL0 && c.el !== 0) {
    // Linux reads SP_EL0 (`current`) all the time: the value SysRegs.read gives, without bigints
    if (t !== 31) {
      const banked = c.spsel !== 0;
      const lo = banked ? c.spBank[0]! : x[64]!;
      const hi = banked ? c.spBank[1]! : x[65]!;
      x[2 * t] = lo;
      x[2 * t + 1] = hi;
    }
    return;
  }
  if (c.el === 0 && !el0Allowed(c, key, false)) el0Denied(c, w, key, false);
  const v = c.sys.read(key);
  if (v === undefined) {
    c.log.warn(`mrs-${key}`, `MRS of unimplemented system register ${sysName(key)}: UNDEFINED`);
    c.undefinedInstruction();
  }
  const lo = Number(v & 0xffffffffn) | 0;
  const hi = Number((v >> 32n) & 0xffffffffn) | 0;
  if (t !== 31) {
    x[2 * t] = lo;
    x[2 * t + 1] = hi;
  }
  if (key === SR.TPIDR_EL1) {
    // translated code reads it from here until plainGen moves (src/jit/wasm/compile.ts mrsTpidrEl1Inline)
    const io = c.state.io;
    io[IO_WORD.tpidr1Lo] = lo;
    io[IO_WORD.tpidr1Hi] = hi;
    io[IO_WORD.tpidr1Gen] = c.sys.plainGen;
  }
}

export function msrReg(c: Cpu, w: number): void {
  const key = (w >>> 5) & 0xffff;
  const t = w & 31;
  const x = c.x;
  const lo = x[2 * t]!;
  const hi = x[2 * t + 1]!;
  if (key === SR.TPIDR_EL0) {
    c.sys.tpidrLo = lo;
    c.sys.tpidrHi = hi;
    return;
  }
  if (key === SR.NZCV) {
    c.setNZCV(lo);
    return;
  }
  if (c.el === 0 && !el0Allowed(c, key, true)) el0Denied(c, w, key, true);
  const v = fromHalves(hi, lo);
  if (!c.sys.write(key, v)) {
    c.log.warn(`msr-${key}`, `MSR to unimplemented/read-only system register ${sysName(key)}: UNDEFINED`);
    c.undefinedInstruction();
  }
}

function sysName(key: number): string {
  for (const [n, v] of Object.entries(SR)) if (v === key) return n;
  return `S${key >> 14}_${(key >> 11) & 7}_C${(key >> 7) & 15}_C${(key >> 3) & 15}_${key & 7}`;
}

/** SYS: DC, IC, TLBI, AT (ARM ARM C5.3). */
export function sys(c: Cpu, w: number): void {
  const op1 = (w >>> 16) & 7;
  const crn = (w >>> 12) & 15;
  const crm = (w >>> 8) & 15;
  const op2 = (w >>> 5) & 7;
  const t = w & 31;
  const lo = c.x[2 * t]!;
  const hi = c.x[2 * t + 1]!;
  if (crn === 7) {
    if (op1 === 3 && crm === 4 && op2 === 1) {
      // DC ZVA: zero the 64-byte block (DCZID_EL0.BS = 4 words)
      if (c.el === 0 && !c.userMode && (c.sys.sctlr & (1 << 14)) === 0) {
        c.syncException(EC.SYSREG, sysIss(w), 0, 0, c.pc, c.pcHi);
      }
      // translated code zeroes blocks itself while this holds (src/jit/wasm/compile.ts dcZvaInline)
      const io = c.state.io;
      io[IO_WORD.dzOk] = c.userMode || (c.sys.sctlr & (1 << 14)) !== 0 ? 1 : 0;
      io[IO_WORD.dzGen] = c.sys.plainGen;
      const blo = lo & ~63;
      for (let i = 0; i < 64; i += 8) c.st64((blo + i) | 0, hi, 0, 0);
      return;
    }
    if (crm === 5 && op2 === 1) {
      // IC IVAU (EL0 when SCTLR_EL1.UCI)
      c.invalidateICacheVa(lo, hi);
      return;
    }
    if (op1 === 0 && (crm === 5 || crm === 1) && op2 === 0) {
      // IC IALLU / IC IALLUIS
      if (c.el === 0) c.undefinedInstruction();
      c.invalidateICache();
      return;
    }
    if (op1 === 0 && (crm === 8 || (crm === 9 && op2 < 2))) {
      // AT S1E1R/W, S1E0R/W, S1E1RP/WP: PAR_EL1 from a stage 1 walk (translate.ts)
      if (c.el === 0) c.undefinedInstruction();
      c.mmu.at(crm, op2, lo, hi);
      return;
    }
    // DC CVAC/CVAU/CIVAC/CVAP/CVADP (op1=3) and DC IVAC/ISW/CSW/CISW (op1=0): no caches to
    // maintain, but the VA ones still fault on a bad address (ARM ARM D7.4.9): probe a read.
    if (op1 === 3 || (op1 === 0 && crm === 6 && op2 === 1)) {
      if (op1 === 0 && c.el === 0) c.undefinedInstruction();
      c.ld8(lo, hi);
      return;
    }
    if (c.el === 0) c.undefinedInstruction();
    return;
  }
  if (crn === 8) {
    // TLBI *: drop cached translations (VA/ASID precision not needed for a flat/soft TLB)
    if (c.el === 0) c.undefinedInstruction();
    c.mmu.tlbi(op1, crm, op2, lo, hi);
    return;
  }
  if (c.el === 0) c.undefinedInstruction();
  c.log.warn(`sys-${(w >>> 5) & 0xffff}`, "SYS instruction with no effect in this model");
}

export function sysl(c: Cpu, _w: number): void {
  c.undefinedInstruction();
}
