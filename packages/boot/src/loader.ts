import { randomBytes } from "node:crypto";
import { type Bus, ConfigError, hex, type RamRegion } from "@armature/core";
import { FdtNode, FdtParseError, parseDtb, serializeDtb } from "@armature/fdt";
import { type KernelImage, readKernel } from "./image.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** booting.rst §2: the DTB must not exceed 2 MiB and sits on an 8-byte boundary. */
export const MAX_DTB_SIZE = 2 * MiB;

/** Processor state at the kernel's first instruction (booting.rst §4), for the CPU to apply. */
export interface EntryState {
  pc: number;
  /** x0 = DTB address, x1 = x2 = x3 = 0. */
  x: readonly [number, number, number, number];
  /** SPSR-style PSTATE: M[3:0] = 0b0101 (EL1h), D, A, I, F masked = 0x3c5. */
  pstate: number;
  el: 1;
  /** SPSel = 1: the stack pointer is SP_EL1 ("h"). */
  spSel: 1;
  /** PSTATE.DAIF bits (D, A, I, F) all set. */
  daif: 0xf;
  /** SCTLR_EL1.M, .C and .I: MMU, data cache and instruction cache off. */
  mmu: false;
  dcache: false;
  icache: false;
}

export interface Placement {
  address: number;
  size: number;
}

/** Where everything went, and how to start the CPU. */
export interface LinuxBootPlan {
  kernel: Placement & {
    kind: KernelImage["kind"];
    /** The kernel's footprint in RAM (image_size, bss included, for an Image). */
    footprint: number;
    gzip: boolean;
  };
  initrd?: Placement;
  dtb: Placement;
  /** The final DTB bytes (after /chosen was filled). */
  dtbBytes: Uint8Array;
  entry: EntryState;
}

/** What placement needs to know about RAM (a RamRegion is one). */
export interface RamExtent {
  readonly name: string;
  readonly base: number;
  readonly size: number;
}

export interface LinuxBootOptions<R extends RamExtent = RamExtent> {
  /** The RAM the kernel, initrd and DTB go into (its base and size drive the placement). */
  ram: R;
  /** The kernel file: an arm64 Image, an Image.gz, or a raw binary. */
  kernel: Uint8Array | KernelImage;
  initrd?: Uint8Array;
  /** The device tree: the board's root node (edited in place: /chosen is filled) or a DTB. */
  fdt: FdtNode | Uint8Array;
  bootargs?: string;
  /** `/chosen/stdout-path`, e.g. "/pl011@9000000" or "serial0:115200n8". */
  stdoutPath?: string;
  /** `/chosen/kaslr-seed` (u64); default random; `false` leaves it out. */
  kaslrSeed?: bigint | false;
  /** `/chosen/rng-seed` bytes; default 32 random bytes; `false` leaves it out. */
  rngSeed?: Uint8Array | false;
  /** Override the 2 MiB-aligned base the kernel is loaded above (default: first one in RAM). */
  kernelBase?: number;
}

/** loadLinux's options: a RamRegion to write into, or any RAM extent plus the Bus to write through. */
export type LinuxLoadOptions =
  | (LinuxBootOptions<RamRegion> & { bus?: undefined })
  | (LinuxBootOptions<RamExtent> & { bus: Bus });

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;
const mib = (n: number): string => `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;

/**
 * Computes where the kernel, initrd and DTB go, fills /chosen and serializes the DTB, without
 * touching RAM. Placement follows QEMU's virt conventions: an Image at a 2 MiB-aligned base +
 * text_offset (raw binaries at base + 0x80000, entered at their first byte), the initrd at
 * RAM base + min(RAM/2, 128 MiB) (or above the kernel if that is higher), the DTB on the next
 * 2 MiB boundary after the initrd. Throws ConfigError (with what to change) when it does not fit.
 */
export function planLinuxBoot(o: LinuxBootOptions): LinuxBootPlan {
  const ram = o.ram;
  const ramEnd = ram.base + ram.size;
  const k = o.kernel instanceof Uint8Array ? readKernel(o.kernel) : o.kernel;

  const base = o.kernelBase ?? alignUp(ram.base, 2 * MiB);
  if (base % (2 * MiB) !== 0) throw new ConfigError(`kernelBase ${hex(base)} must be 2 MiB-aligned`);
  const kernelAddr = base + k.loadOffset;
  const kernelEnd = kernelAddr + k.footprint;
  if (kernelAddr < ram.base || kernelEnd > ramEnd)
    throw new ConfigError(
      `the kernel needs [${hex(kernelAddr)}, ${hex(kernelEnd)}) but RAM "${ram.name}" is [${hex(ram.base)}, ${hex(ramEnd)}); ` +
        `give the machine at least ${mib(alignUp(kernelEnd - ram.base, MiB))} of RAM`,
    );

  // QEMU's convention (hw/arm/boot.c behaviour): initrd at base + min(RAM/2, 128 MiB).
  const initrdAddr = Math.max(
    ram.base + Math.min(Math.floor(ram.size / 2), 128 * MiB),
    alignUp(kernelEnd, 2 * MiB),
  );
  const initrdSize = o.initrd?.length ?? 0;
  const initrdEnd = initrdAddr + initrdSize;
  if (o.initrd && initrdEnd > ramEnd)
    throw new ConfigError(
      `the initrd (${mib(initrdSize)}) does not fit: it would end at ${hex(initrdEnd)}, past the end of RAM ` +
        `${hex(ramEnd)}; give the machine at least ${mib(alignUp(2 * (initrdSize + 2 * MiB), MiB))} of RAM or use a smaller initrd`,
    );
  if (o.initrd) {
    // booting.rst §2: the initrd must lie in a 1 GiB-aligned window of up to 32 GiB that also covers the kernel.
    const window = Math.floor(kernelAddr / GiB) * GiB;
    if (initrdEnd > window + 32 * GiB)
      throw new ConfigError(
        `the initrd at ${hex(initrdAddr)} is more than 32 GiB above the kernel's 1 GiB-aligned window; reduce the RAM size`,
      );
  }

  const dtbAddr = alignUp(initrdEnd, 2 * MiB);
  const root = o.fdt instanceof FdtNode ? o.fdt : parseUserDtb(o.fdt);
  const reservations = o.fdt instanceof FdtNode ? [] : parseDtb(o.fdt, { strict: false }).reservations;
  const chosen = root.child("chosen") ?? root.addChild("chosen");
  if (o.bootargs !== undefined) chosen.setString("bootargs", o.bootargs);
  if (o.stdoutPath !== undefined) chosen.setString("stdout-path", o.stdoutPath);
  if (o.initrd) {
    chosen.setU64("linux,initrd-start", initrdAddr);
    chosen.setU64("linux,initrd-end", initrdEnd);
  } else {
    chosen.removeProperty("linux,initrd-start");
    chosen.removeProperty("linux,initrd-end");
  }
  const kaslr = o.kaslrSeed ?? randomBytes(8).readBigUInt64BE();
  if (kaslr !== false) chosen.setU64("kaslr-seed", kaslr);
  const rng = o.rngSeed ?? new Uint8Array(randomBytes(32));
  if (rng !== false) chosen.setBytes("rng-seed", rng);
  const dtbBytes = serializeDtb(root, { reservations });
  if (dtbBytes.length > MAX_DTB_SIZE)
    throw new ConfigError(
      `the DTB is ${dtbBytes.length} bytes; Linux accepts at most 2 MiB (booting.rst §2)`,
    );
  if (dtbAddr + dtbBytes.length > ramEnd)
    throw new ConfigError(
      `the DTB would be placed at ${hex(dtbAddr)}, past the end of RAM ${hex(ramEnd)}; ` +
        `give the machine at least ${mib(alignUp(dtbAddr + dtbBytes.length - ram.base, MiB))} of RAM or use a smaller initrd`,
    );

  const plan: LinuxBootPlan = {
    kernel: { kind: k.kind, address: kernelAddr, size: k.data.length, footprint: k.footprint, gzip: k.gzip },
    dtb: { address: dtbAddr, size: dtbBytes.length },
    dtbBytes,
    entry: {
      pc: kernelAddr,
      x: [dtbAddr, 0, 0, 0],
      pstate: 0x3c5,
      el: 1,
      spSel: 1,
      daif: 0xf,
      mmu: false,
      dcache: false,
      icache: false,
    },
  };
  if (o.initrd) plan.initrd = { address: initrdAddr, size: initrdSize };
  checkLayout(plan);
  return plan;
}

/**
 * Plans the boot (see planLinuxBoot) and writes the kernel, initrd and DTB: straight into `ram`
 * when it is a RamRegion, or through `bus.writeBytes` when a Bus is given (then `ram` only says
 * where RAM is, and a write that reaches no RAM throws the bus's BusError).
 */
export function loadLinux(o: LinuxLoadOptions): LinuxBootPlan {
  const k = o.kernel instanceof Uint8Array ? readKernel(o.kernel) : o.kernel;
  const plan = planLinuxBoot({ ...o, kernel: k });
  const bus = o.bus;
  const ram = o.ram as RamRegion;
  const put = (addr: number, bytes: Uint8Array): void => {
    if (bus) bus.writeBytes(addr, bytes);
    else ram.u8.set(bytes, addr - ram.base);
  };
  // The kernel, then zeros over the rest of its footprint (its .bss): each byte written once (a
  // fill of the whole footprint first touched 27 MB of fresh RAM twice, ~10 ms).
  const kOff = plan.kernel.address - ram.base;
  const tail = Math.max(0, plan.kernel.footprint - k.data.length);
  put(plan.kernel.address, k.data);
  if (bus) put(plan.kernel.address + k.data.length, new Uint8Array(tail));
  else ram.u8.fill(0, kOff + k.data.length, kOff + k.data.length + tail);
  if (o.initrd && plan.initrd) put(plan.initrd.address, o.initrd);
  put(plan.dtb.address, plan.dtbBytes);
  return plan;
}

function parseUserDtb(bytes: Uint8Array): FdtNode {
  try {
    return parseDtb(bytes).root;
  } catch (e) {
    if (e instanceof FdtParseError) throw new ConfigError(`the DTB given is not valid: ${e.message}`);
    throw e;
  }
}

/** Defensive re-check of the invariants booting.rst asks for. */
function checkLayout(p: LinuxBootPlan): void {
  if (p.dtb.address % 8 !== 0)
    throw new ConfigError(`DTB address ${hex(p.dtb.address)} is not 8-byte aligned`);
  const parts: [string, number, number][] = [
    ["kernel", p.kernel.address, p.kernel.address + p.kernel.footprint],
    ["DTB", p.dtb.address, p.dtb.address + p.dtb.size],
  ];
  if (p.initrd) parts.push(["initrd", p.initrd.address, p.initrd.address + p.initrd.size]);
  for (let i = 0; i < parts.length; i++)
    for (let j = i + 1; j < parts.length; j++) {
      const [an, as, ae] = parts[i]!;
      const [bn, bs, be] = parts[j]!;
      if (as < be && bs < ae) throw new ConfigError(`the ${an} and the ${bn} overlap; change kernelBase`);
    }
}
