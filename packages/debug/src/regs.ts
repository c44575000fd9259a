/*
 * The registers GDB sees, numbered as the target description below says (GDB manual, "AArch64
 * Features": org.gnu.gdb.aarch64.core x0-x30, sp, pc, cpsr; org.gnu.gdb.aarch64.fpu v0-v31, fpsr,
 * fpcr; org.gnu.gdb.aarch64.pauth pauth_dmask, pauth_cmask), then a feature of EL1 system
 * registers worth showing.
 */
import { type Cpu, SR } from "@armature/cpu-aarch64";

/** One register: its name, width and how to read / write it on a vCPU. */
export interface GdbRegister {
  readonly name: string;
  readonly bits: 32 | 64 | 128;
  read(cpu: Cpu): bigint;
  /** Returns false when the register is read-only. */
  write(cpu: Cpu, v: bigint): boolean;
}

const vreg = (n: number): GdbRegister => ({
  name: `v${n}`,
  bits: 128,
  read: (c) => {
    let v = 0n;
    for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(c.v[4 * n + w]! >>> 0);
    return v;
  },
  write: (c, v) => {
    for (let w = 0; w < 4; w++) c.v[4 * n + w] = Number((v >> BigInt(32 * w)) & 0xffffffffn);
    return true;
  },
});

/**
 * PAC bits of an address under the current EL1&0 regime (bits 54 down to the VA size, as in the
 * ARM ARM's AddrTop/PAC field; TBI is left to GDB's own top-byte handling). Zero with the MMU off.
 */
function pacMask(c: Cpu): bigint {
  if ((c.sys.sctlr & 1) === 0) return 0n;
  const tcr = c.sys.read(SR.TCR_EL1, true) ?? 0n;
  const t0sz = Number(tcr & 63n);
  const vaBits = 64 - (t0sz === 0 ? 16 : t0sz);
  if (vaBits >= 55) return 0n;
  return ((1n << 55n) - 1n) & ~((1n << BigInt(vaBits)) - 1n);
}

const spEl = (n: 0 | 1): GdbRegister => ({
  name: `sp_el${n}`,
  bits: 64,
  read: (c) => {
    const [lo, hi] = c.readSpEl(n);
    return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  },
  write: (c, v) => {
    c.writeSpEl(n, Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0);
    return true;
  },
});

/** The system registers of the "org.armature.aarch64.sysregs" feature. */
export const SYSREG_NAMES = [
  "sctlr_el1",
  "tcr_el1",
  "ttbr0_el1",
  "ttbr1_el1",
  "mair_el1",
  "vbar_el1",
  "esr_el1",
  "far_el1",
  "elr_el1",
  "spsr_el1",
  "sp_el0",
  "sp_el1",
  "tpidr_el0",
  "tpidr_el1",
  "contextidr_el1",
  "cpacr_el1",
  "par_el1",
  "mdscr_el1",
  "mpidr_el1",
] as const;

type SysregName = (typeof SYSREG_NAMES)[number];

/** A system register of that feature, read and written through the SR key of its upper-case name. */
function sysreg(name: SysregName): GdbRegister {
  if (name === "sp_el0" || name === "sp_el1") return spEl(name === "sp_el0" ? 0 : 1);
  const key = SR[name.toUpperCase() as Uppercase<typeof name>];
  // MPIDR_EL1 is read-only to a debugger (the CPU's affinity is the board's).
  const writable = name !== "mpidr_el1";
  return {
    name,
    bits: 64,
    read: (c) => c.sys.read(key, true) ?? 0n,
    write: (c, v) => writable && c.sys.write(key, v),
  };
}

/** Every register, index = GDB register number. */
export const GDB_REGISTERS: readonly GdbRegister[] = [
  ...Array.from(
    { length: 31 },
    (_, n): GdbRegister => ({
      name: `x${n}`,
      bits: 64,
      read: (c) => c.getX(n),
      write: (c, v) => {
        c.setX(n, v);
        return true;
      },
    }),
  ),
  {
    name: "sp",
    bits: 64,
    read: (c) => c.getX(31),
    write: (c, v) => {
      c.setX(31, v);
      return true;
    },
  },
  {
    name: "pc",
    bits: 64,
    read: (c) => c.getPC(),
    write: (c, v) => {
      c.setPC(v);
      return true;
    },
  },
  {
    name: "cpsr",
    bits: 32,
    read: (c) => BigInt(c.pstateToSpsr()),
    write: (c, v) => {
      c.restoreSpsr(Number(v & 0xffffffffn));
      return true;
    },
  },
  ...Array.from({ length: 32 }, (_, n) => vreg(n)),
  {
    name: "fpsr",
    bits: 32,
    read: (c) => BigInt(c.fpsr >>> 0),
    write: (c, v) => c.sys.write(SR.FPSR, v),
  },
  {
    name: "fpcr",
    bits: 32,
    read: (c) => BigInt(c.fpcr >>> 0),
    write: (c, v) => c.sys.write(SR.FPCR, v),
  },
  { name: "pauth_dmask", bits: 64, read: pacMask, write: () => false },
  { name: "pauth_cmask", bits: 64, read: pacMask, write: () => false },
  ...SYSREG_NAMES.map(sysreg),
];

/** Registers sent in a `g` reply (core + fpu); GDB asks for the rest with `p`. */
export const G_PACKET_REGISTERS = 68;

/** GDB register number of the PC. */
export const PC_REGNUM = 32;

const FIRST_PAUTH = 68;
const FIRST_SYSREG = 70;

function reg(n: number, type?: string): string {
  const r = GDB_REGISTERS[n]!;
  return `<reg name="${r.name}" bitsize="${r.bits}" regnum="${n}"${type === undefined ? "" : ` type="${type}"`}/>`;
}

function range(from: number, to: number, type?: (n: number) => string | undefined): string {
  let s = "";
  for (let n = from; n < to; n++) s += reg(n, type?.(n));
  return s;
}

/** Vector views of a 128-bit V register (GDB shows `$v0.d.u`, `$v0.s.f`, ...). */
const VECTOR_TYPES = [
  '<vector id="v2d" type="ieee_double" count="2"/>',
  '<vector id="v2u" type="uint64" count="2"/>',
  '<vector id="v2i" type="int64" count="2"/>',
  '<vector id="v4f" type="ieee_single" count="4"/>',
  '<vector id="v4u" type="uint32" count="4"/>',
  '<vector id="v4i" type="int32" count="4"/>',
  '<vector id="v8u" type="uint16" count="8"/>',
  '<vector id="v8i" type="int16" count="8"/>',
  '<vector id="v16u" type="uint8" count="16"/>',
  '<vector id="v16i" type="int8" count="16"/>',
  '<vector id="v1u" type="uint128" count="1"/>',
  '<vector id="v1i" type="int128" count="1"/>',
  '<union id="vnd"><field name="f" type="v2d"/><field name="u" type="v2u"/><field name="s" type="v2i"/></union>',
  '<union id="vns"><field name="f" type="v4f"/><field name="u" type="v4u"/><field name="s" type="v4i"/></union>',
  '<union id="vnh"><field name="u" type="v8u"/><field name="s" type="v8i"/></union>',
  '<union id="vnb"><field name="u" type="v16u"/><field name="s" type="v16i"/></union>',
  '<union id="vnq"><field name="u" type="v1u"/><field name="s" type="v1i"/></union>',
  '<union id="aarch64v"><field name="d" type="vnd"/><field name="s" type="vns"/><field name="h" type="vnh"/><field name="b" type="vnb"/><field name="q" type="vnq"/></union>',
].join("");

/** The target description GDB reads with `qXfer:features:read:target.xml`. */
export const TARGET_XML = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
  "<target>",
  "<architecture>aarch64</architecture>",
  '<feature name="org.gnu.gdb.aarch64.core">',
  range(0, 31),
  reg(31, "data_ptr"),
  reg(32, "code_ptr"),
  reg(33),
  "</feature>",
  '<feature name="org.gnu.gdb.aarch64.fpu">',
  VECTOR_TYPES,
  range(34, 66, () => "aarch64v"),
  reg(66),
  reg(67),
  "</feature>",
  '<feature name="org.gnu.gdb.aarch64.pauth">',
  range(FIRST_PAUTH, FIRST_SYSREG),
  "</feature>",
  '<feature name="org.armature.aarch64.sysregs">',
  range(FIRST_SYSREG, GDB_REGISTERS.length),
  "</feature>",
  "</target>",
].join("");
