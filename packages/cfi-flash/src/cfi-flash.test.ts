import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus } from "@armature/core";
import { captureWarnings, fuzzRandom, fuzzSettings } from "@armature/core/test";
import { FdtNode } from "@armature/fdt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CfiFlash, describeCfiFlash } from "./cfi-flash.js";
import { FlashFile } from "./file-store.js";
import * as R from "./regs.js";

const BASE = 0x0400_0000;
const SIZE = 1 << 21; // 2 MiB bank, 8 blocks of 256 KiB: small enough for tests
const BLOCK = R.VIRT_FLASH_BLOCK_SIZE;

/** Two x16 devices on a 32-bit bus, commanded the way EDK2's NOR flash driver does (both lanes). */
function bank(o: { readOnly?: boolean; seen?: [number, number][] } = {}) {
  const data = new Uint8Array(SIZE).fill(0xff);
  const flash = new CfiFlash({
    data,
    blockSize: BLOCK,
    ...(o.readOnly ? { readOnly: true } : {}),
    onChange: (off, len) => o.seen?.push([off, len]),
  });
  const bus = new Bus();
  bus.addMmio("flash1", BASE, SIZE, flash);
  const dual = (c: number) => ((c << 16) | c) >>> 0;
  const cmd = (off: number, c: number) => bus.write(BASE + off, 4, dual(c));
  const rd = (off: number) => bus.read(BASE + off, 4) >>> 0;
  return { data, flash, bus, cmd, rd, dual };
}

describe("CFI query (JESD68.01) as two interleaved x16 devices", () => {
  it("answers QRY, the Intel command set, the geometry and the extended table", () => {
    const b = bank();
    b.cmd(0x55 * 4, R.CMD_CFI_QUERY);
    const q = (a: number) => b.rd(a * 4) & 0xffff;
    expect([q(0x10), q(0x11), q(0x12)]).toEqual([0x51, 0x52, 0x59]);
    expect(b.rd(0x10 * 4)).toBe(0x0051_0051); // both devices answer
    expect(q(0x13) | (q(0x14) << 8)).toBe(R.CFI_CMDSET_INTEL);
    expect(2 ** q(0x27)).toBe(SIZE / 2); // each device holds half the bank
    expect(q(0x28) | (q(0x29) << 8)).toBe(R.CFI_INTERFACE_X16);
    expect(q(0x2c)).toBe(1);
    expect((q(0x2d) | (q(0x2e) << 8)) + 1).toBe(SIZE / BLOCK);
    expect((q(0x2f) | (q(0x30) << 8)) * 256).toBe(BLOCK / 2);
    const pri = q(0x15);
    expect(String.fromCharCode(q(pri), q(pri + 1), q(pri + 2))).toBe("PRI");
    b.cmd(0, R.CMD_READ_ARRAY);
    expect(b.rd(0x10 * 4)).toBe(0xffff_ffff);
  });
});

describe("Intel/Sharp command set", () => {
  it("word program only clears bits and leaves status readable until read array", () => {
    const b = bank();
    b.cmd(0x100, R.CMD_WORD_PROGRAM);
    b.bus.write(BASE + 0x100, 4, 0x1234_5678);
    expect(b.rd(0x100) & 0x00ff_00ff).toBe(0x0080_0080); // status: ready on both lanes
    b.cmd(0, R.CMD_READ_ARRAY);
    expect(b.rd(0x100)).toBe(0x1234_5678);
    b.cmd(0x100, R.CMD_WORD_PROGRAM_ALT);
    b.bus.write(BASE + 0x100, 4, 0xffff_0000);
    b.cmd(0, R.CMD_READ_ARRAY);
    expect(b.rd(0x100)).toBe(0x1234_0000);
  });

  it("block erase sets one block to 0xFF; a bad confirm is a sequence error until clear status", () => {
    const b = bank();
    b.data.fill(0, 0, 2 * BLOCK);
    b.cmd(BLOCK + 8, R.CMD_BLOCK_ERASE);
    b.cmd(BLOCK + 8, R.CMD_CONFIRM);
    b.cmd(0, R.CMD_READ_ARRAY);
    expect(b.data[BLOCK - 1]).toBe(0);
    expect(b.data.subarray(BLOCK, 2 * BLOCK).every((x) => x === 0xff)).toBe(true);
    b.cmd(0, R.CMD_BLOCK_ERASE);
    b.cmd(0, R.CMD_READ_ARRAY); // not a confirm
    expect(b.rd(0) & 0xff).toBe(R.SR_READY | R.SR_ERASE_ERROR | R.SR_PROGRAM_ERROR);
    expect(b.data[0]).toBe(0);
    b.cmd(0, R.CMD_CLEAR_STATUS);
    b.cmd(0, R.CMD_READ_STATUS);
    expect(b.rd(0)).toBe(0x0080_0080);
  });

  it("buffered program: setup, word count - 1, data, confirm (EDK2's sequence)", () => {
    const seen: [number, number][] = [];
    const b = bank({ seen });
    const at = 2 * BLOCK + 0x40;
    b.cmd(at, R.CMD_BUFFERED_PROGRAM);
    expect(b.rd(at) & 0x80).toBe(0x80); // buffer available
    b.cmd(at, 32 - 1);
    for (let i = 0; i < 32; i++) b.bus.write(BASE + at + 4 * i, 4, 0xa5a5_0000 + i);
    expect(b.data[at + 4]).toBe(0xff); // nothing written before the confirm
    b.cmd(at, R.CMD_CONFIRM);
    b.cmd(0, R.CMD_READ_ARRAY);
    expect(b.rd(at + 4 * 31)).toBe(0xa5a5_001f);
    expect(seen).toHaveLength(32);
    // More words than the write buffer holds (64 bytes per device = 32 bus words): error.
    b.cmd(at, R.CMD_BUFFERED_PROGRAM);
    b.cmd(at, 33 - 1);
    expect(b.rd(at) & 0x30).toBe(0x30);
  });

  it("read identifier shows Intel and per-block lock status; locked blocks refuse program and erase", () => {
    const b = bank();
    b.cmd(BLOCK, R.CMD_LOCK_SETUP);
    b.cmd(BLOCK, R.CMD_LOCK_BLOCK);
    b.cmd(0, R.CMD_READ_ID);
    expect(b.rd(0)).toBe(0x0089_0089);
    expect(b.rd(BLOCK + 2 * 4)).toBe(0x0001_0001);
    expect(b.rd(2 * 4)).toBe(0);
    b.cmd(BLOCK, R.CMD_BLOCK_ERASE);
    b.cmd(BLOCK, R.CMD_CONFIRM);
    expect(b.rd(BLOCK) & 0xff).toBe(R.SR_READY | R.SR_ERASE_ERROR | R.SR_BLOCK_LOCKED);
    b.cmd(0, R.CMD_CLEAR_STATUS);
    b.cmd(BLOCK, R.CMD_LOCK_SETUP);
    b.cmd(BLOCK, R.CMD_UNLOCK_BLOCK);
    b.cmd(BLOCK, R.CMD_WORD_PROGRAM);
    b.bus.write(BASE + BLOCK, 4, 0);
    expect(b.rd(BLOCK) & 0xff).toBe(R.SR_READY);
    b.cmd(0, R.CMD_READ_ARRAY);
    expect(b.rd(BLOCK)).toBe(0);
  });

  it("a read-only bank (firmware code) refuses program and erase", () => {
    const b = bank({ readOnly: true });
    b.cmd(0, R.CMD_WORD_PROGRAM);
    b.bus.write(BASE, 4, 0);
    expect(b.rd(0) & R.SR_PROGRAM_ERROR).toBe(R.SR_PROGRAM_ERROR);
    b.cmd(0, R.CMD_READ_ARRAY);
    expect(b.rd(0)).toBe(0xffff_ffff);
  });

  it("describes the banks as QEMU virt does", () => {
    const root = new FdtNode("").setU32("#address-cells", 2).setU32("#size-cells", 2);
    const n = describeCfiFlash(root, [
      { base: 0, size: R.VIRT_FLASH_BANK_SIZE },
      { base: 0x0400_0000, size: R.VIRT_FLASH_BANK_SIZE },
    ]);
    expect(n.name).toBe("flash@0");
    const reg = new DataView(n.property("reg")!.value.buffer);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => reg.getUint32(4 * i, false))).toEqual([
      0, 0, 0, 0x400_0000, 0, 0x400_0000, 0, 0x400_0000,
    ]);
    expect(new TextDecoder().decode(n.property("compatible")!.value)).toBe("cfi-flash\0");
  });

  it("checks its options", () => {
    expect(() => new CfiFlash({ data: new Uint8Array(1000), blockSize: 256 })).toThrow(
      /multiple of the block size/,
    );
  });
});

describe("FlashFile", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "armature-flash-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("creates the file from a template, saves changes by rename, and reopens them", () => {
    const path = join(dir, "vars.fd");
    const f = FlashFile.open(path, { size: 4096, template: new Uint8Array([1, 2, 3]) });
    expect([...readFileSync(path).subarray(0, 4)]).toEqual([1, 2, 3, 0xff]);
    f.data[5] = 0;
    f.changed();
    expect(readFileSync(path)[5]).toBe(0xff); // not yet: saved after the quiet period or on flush
    f.close();
    expect(readFileSync(path)[5]).toBe(0);
    expect(readdirSync(dir)).toEqual(["vars.fd"]); // no temporary file left
    expect(FlashFile.open(path, { size: 4096 }).data[5]).toBe(0);
    writeFileSync(join(dir, "short.fd"), new Uint8Array(10));
    expect(() => FlashFile.open(join(dir, "short.fd"), { size: 4096 })).toThrow(/exactly 4096/);
    expect(existsSync(path)).toBe(true);
  });

  it("refuses contents the validator rejects and leaves the file untouched; ignores a crashed save's temporary", () => {
    const path = join(dir, "checked.fd");
    const bytes = new Uint8Array(4096).fill(7);
    writeFileSync(path, bytes);
    writeFileSync(`${path}.12345.tmp`, new Uint8Array(100)); // a save cut short before its rename
    const validate = (b: Uint8Array) => (b[0] === 7 ? "starts with 7" : undefined);
    expect(() => FlashFile.open(path, { size: 4096, validate })).toThrow(
      /checked\.fd is corrupt: starts with 7/,
    );
    expect(readFileSync(path).equals(Buffer.from(bytes))).toBe(true);
    expect(() =>
      FlashFile.open(join(dir, "new.fd"), { size: 4096, template: new Uint8Array([7]), validate }),
    ).toThrow(/template .* is unusable: starts with 7/);
    expect(existsSync(join(dir, "new.fd"))).toBe(false);
    const ok = FlashFile.open(path, { size: 4096, validate: () => undefined });
    expect(ok.data[0]).toBe(7);
    rmSync(`${path}.12345.tmp`);
  });
});

const { cases: CASES, seed: SEED } = fuzzSettings("CFI_FUZZ", 50_000);

describe(`CFI flash fuzz: ${CASES} random command sequences (seed ${SEED}; CFI_FUZZ_SEED=${SEED} to replay)`, () => {
  beforeAll(() => captureWarnings());

  it("never throws, reports changes in bounds, and still obeys the command set afterwards", () => {
    console.log(`cfi-flash fuzz seed ${SEED} (replay: CFI_FUZZ_SEED=${SEED})`);
    const r = fuzzRandom(SEED);
    const erased: number[] = [];
    const data = new Uint8Array(SIZE).fill(0xff);
    const flash = new CfiFlash({
      data,
      blockSize: BLOCK,
      onChange: (off, len) => {
        expect(off + len).toBeLessThanOrEqual(SIZE);
        if (len === BLOCK) erased.push(off);
      },
    });
    const bus = new Bus();
    bus.addMmio("flash", BASE, SIZE, flash);
    const cmds = [0xff, 0x90, 0x98, 0x70, 0x50, 0x40, 0x10, 0xe8, 0x20, 0xd0, 0x60, 0x01, 0x2f, 0x00, 0x1f];
    for (let n = 0; n < CASES; n++) {
      const size = ([1, 2, 4] as const)[r.int(3)]!;
      const off = r.int(SIZE - size + 1);
      if (r.int(3) === 0) bus.read(BASE + off, size);
      else {
        const c = r.int(4) === 0 ? r.u32() : cmds[r.int(cmds.length)]!;
        bus.write(
          BASE + off,
          size,
          ((size === 4 ? ((c & 0xff) << 16) | c : c) >>> 0) & (2 ** (8 * size) - 1),
        );
      }
    }
    // Still obeys: unlock block 0, erase it, program a word, read it back.
    const dual = (c: number) => ((c << 16) | c) >>> 0;
    bus.write(BASE, 4, dual(R.CMD_CLEAR_STATUS));
    bus.write(BASE, 4, dual(R.CMD_LOCK_SETUP));
    bus.write(BASE, 4, dual(R.CMD_UNLOCK_BLOCK));
    bus.write(BASE, 4, dual(R.CMD_BLOCK_ERASE));
    bus.write(BASE, 4, dual(R.CMD_CONFIRM));
    bus.write(BASE, 4, dual(R.CMD_WORD_PROGRAM));
    bus.write(BASE, 4, 0x1234_5678);
    bus.write(BASE, 4, dual(R.CMD_READ_ARRAY));
    expect(bus.read(BASE, 4)).toBe(0x1234_5678);
    console.log(`cfi-flash fuzz: ${erased.length} block erases`);
  });
});
