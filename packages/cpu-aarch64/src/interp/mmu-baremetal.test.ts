/*
 * Bare-metal programs with the MMU on in the 4K, 16K and 64K granules: the same
 * binary (mmu-baremetal.S, built with GNU as/ld, an assembler we did not write) runs on our Cpu
 * and under qemu-system-aarch64 -M virt (the independent judge); results are checked against
 * values worked out by hand from the ARM ARM and against QEMU's UART output line for line.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus, type MmioDevice } from "@armature/core";
import { afterAll, describe, expect, it } from "vitest";
import { M1_MODEL } from "../model.js";
import { Cpu } from "./cpu.js";

const SRC = join(__dirname, "mmu-baremetal.S");
const LOAD = 0x40080000;
const INSTALL = "run 'bash scripts/install-system-tools.sh'";

function tool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
  } catch (e) {
    throw new Error(`${cmd} failed (${(e as Error).message}); ${INSTALL}`);
  }
}

interface Built {
  elf: string;
  bin: Uint8Array;
  testpages: number;
}

/** The build folders, removed after the tests. */
const dirs: string[] = [];

function build(gbits: number): Built {
  const dir = mkdtempSync(join(tmpdir(), `mmu-bm-${gbits}-`));
  dirs.push(dir);
  const obj = join(dir, "t.o");
  const elf = join(dir, "t.elf");
  const bin = join(dir, "t.bin");
  tool("aarch64-linux-gnu-as", ["--defsym", `GBITS=${gbits}`, "-o", obj, SRC]);
  tool("aarch64-linux-gnu-ld", [
    "-N",
    "--no-warn-rwx-segments",
    `-Ttext=0x${LOAD.toString(16)}`,
    "-e",
    "_start",
    "-o",
    elf,
    obj,
  ]);
  tool("aarch64-linux-gnu-objcopy", ["-O", "binary", elf, bin]);
  const sym = /^([0-9a-f]+) \w testpages$/m.exec(tool("aarch64-linux-gnu-nm", [elf]));
  if (sym === null) throw new Error("testpages symbol missing");
  return { elf, bin: new Uint8Array(readFileSync(bin)), testpages: parseInt(sym[1]!, 16) };
}

/** Run the binary on our Cpu; returns the UART text. */
function runOurs(b: Built): string {
  const bus = new Bus();
  const ram = bus.addRam("ram", 0x40000000, 16 << 20);
  let text = "";
  const uart: MmioDevice = {
    read: () => 0,
    write: (off, _size, v) => {
      if (off === 0) text += String.fromCharCode(v & 0xff);
    },
  };
  bus.addMmio("pl011", 0x09000000, 0x1000, uart);
  ram.u8.set(b.bin, LOAD - 0x40000000);
  const cpu = new Cpu({ bus, model: M1_MODEL });
  cpu.setPC(LOAD);
  const exit = cpu.run(5_000_000);
  expect(exit.reason).toBe("debug"); // HLT #0xf000 (semihosting SYS_EXIT)
  expect(exit.imm).toBe(0xf000);
  return text;
}

function runQemu(b: Built, cpuName: string): string {
  const r = spawnSync(
    "qemu-system-aarch64",
    ["-M", "virt", "-cpu", cpuName, "-nographic", "-semihosting", "-monitor", "none", "-kernel", b.elf],
    { timeout: 30_000 },
  );
  if (r.error !== undefined) throw new Error(`qemu-system-aarch64 failed (${r.error.message}); ${INSTALL}`);
  expect(r.status).toBe(0);
  return r.stdout.toString();
}

const hex = (v: bigint): string => v.toString(16).padStart(16, "0");

/** The 24 result words, worked out from the ARM ARM (see mmu-baremetal.S for each step). */
function expected(gbits: number, testpages: number): string[] {
  const P = 1n << BigInt(gbits);
  const T = 0xffffff8060000000n;
  // ESR_EL1 (D17.2.40): EC 0x25 = Data Abort same EL, 0x21 = Instruction Abort same EL; IL = 1;
  // ISV = 0 (stage 1 fault taken to EL1); DFSC/IFSC 0b0001LL translation, 0b0010LL access flag,
  // 0b0011LL permission; WnR bit 6.
  const dabt = (fsc: number, wnr = false): bigint =>
    BigInt(((0x25 << 26) | (1 << 25) | (wnr ? 1 << 6 : 0) | fsc) >>> 0);
  const iabt = (fsc: number): bigint => BigInt(((0x21 << 26) | (1 << 25) | fsc) >>> 0);
  // Start level of a 39-bit VA: 4K -> level 1, 16K -> level 1 (3 index bits), 64K -> level 2.
  const startLevel = gbits === 16 ? 2 : 1;
  // PAR_EL1 (D17.2.113): F=0: ATTR[63:56] = MAIR attr0 0xff, PA, bit 11 RES1, SH[8:7] = 3 (inner).
  const tp2 = BigInt(testpages + 0x20000);
  // F=1: FST[6:1], bit 11 RES1.
  const parFault = (fst: number): bigint => BigInt(1 | (fst << 1) | 0x800);
  const words = [
    0x600d0000n + BigInt(gbits),
    dabt(0x07),
    T + 6n * P,
    dabt(0x04 | startLevel),
    0xffffffc000000000n,
    dabt(0x0f, true),
    T + P,
    0x1234n,
    dabt(0x0b),
    T + 2n * P,
    iabt(0x0f),
    T + 3n * P,
    0x77n,
    (0xffn << 56n) | tp2 | 0x800n | (3n << 7n),
    parFault(0x0f), // AT S1E1W on a read-only page: permission fault, level 3
    parFault(0x0f), // AT S1E0R on an EL1-only page
    parFault(0x07), // AT S1E1R on an unmapped page: translation fault, level 3
    0xaaaan,
    0xbbbbn, // after break-before-make + TLBI VAE1IS the new mapping is seen
    dabt(0x0f), // LDTR on an EL1-only page
    T + 5n * P,
    0x5555n,
    0x30d01805n,
    0xe0dn,
  ];
  return words.map(hex);
}

const GRANULES: [number, string, string][] = [
  [12, "4K", "cortex-a72"],
  // Cortex-A72 has no 16K granule: QEMU's "max" CPU judges that one.
  [14, "16K", "max"],
  [16, "64K", "cortex-a72"],
];

describe("bare-metal programs with the MMU on (GNU as, checked against QEMU)", () => {
  afterAll(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  for (const [gbits, name, qemuCpu] of GRANULES) {
    it(`${name} granule: tables, high-VA execution, faults, AT, TLBI, LDTR`, () => {
      const b = build(gbits);
      const ours = runOurs(b);
      expect(ours.trimEnd().split("\n")).toEqual(expected(gbits, b.testpages));
      // PAR_EL1.NS (bit 9) is UNKNOWN for a Non-secure translation regime (D17.2.113); QEMU sets
      // it, our mmu package leaves it 0: compare the AT S1E1R line without it.
      const q = runQemu(b, qemuCpu).trimEnd().split("\n");
      q[13] = hex(BigInt(`0x${q[13]}`) & ~0x200n);
      expect(ours.trimEnd().split("\n")).toEqual(q);
    }, 60_000);
  }
});
