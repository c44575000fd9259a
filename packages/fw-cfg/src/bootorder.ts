// The "bootorder" fw_cfg file, in the format QEMU writes (and EDK2's QemuBootOrderLib and
// SeaBIOS read): the boot devices' OpenFirmware device paths, highest priority first, separated
// by "\n" and ended by one NUL byte (counted in the file's size); a machine with no boot order
// has the file with no bytes at all.

/**
 * The root of QEMU's OpenFirmware paths for PCI functions on a PCIe host bridge that has no
 * legacy I/O port (QEMU's virt): node name "pci", unit address all ones. Firmware matches the
 * node name only.
 */
export const OFW_PCI_ROOT = "/pci@ffffffffffffffff";

/** A boot device, as the board knows it: its PCI slot and function, and what sits behind them. */
export type OfwBootDevice =
  /** A virtio-blk PCI function (class mass storage/SCSI): `/pci@…/scsi@S[,F]/disk@0,0`. */
  | { readonly kind: "virtio-blk"; readonly slot: number; readonly function?: number }
  /**
   * A disk or DVD on a port of an Intel ICH9 AHCI function (8086:2922):
   * `/pci@…/pci8086,2922@S[,F]/drive@P/disk@0`.
   */
  | { readonly kind: "ahci"; readonly slot: number; readonly function?: number; readonly port: number };

/** The PCI unit address: the slot in hex, then ",function" when the function is not 0. */
function pciUnit(slot: number, fn = 0): string {
  if (!Number.isInteger(slot) || slot < 0 || slot > 31) throw new RangeError(`PCI slot ${slot}: 0..31`);
  if (!Number.isInteger(fn) || fn < 0 || fn > 7) throw new RangeError(`PCI function ${fn}: 0..7`);
  return fn === 0 ? slot.toString(16) : `${slot.toString(16)},${fn.toString(16)}`;
}

/** The OpenFirmware device path QEMU gives `d` in its boot order. */
export function ofwBootPath(d: OfwBootDevice): string {
  const pci = `${OFW_PCI_ROOT}/`;
  if (d.kind === "virtio-blk") return `${pci}scsi@${pciUnit(d.slot, d.function)}/disk@0,0`;
  if (!Number.isInteger(d.port) || d.port < 0 || d.port > 31)
    throw new RangeError(`AHCI port ${d.port}: 0..31`);
  return `${pci}pci8086,2922@${pciUnit(d.slot, d.function)}/drive@${d.port.toString(16)}/disk@0`;
}

/** The "bootorder" file for these device paths (highest priority first); empty for none. */
export function bootOrderFile(paths: readonly string[]): Uint8Array {
  if (paths.length === 0) return new Uint8Array(0);
  for (const p of paths)
    if (p.length === 0 || p.includes("\n") || p.includes("\0") || /[^\x20-\x7e]/.test(p))
      throw new RangeError(`boot path ${JSON.stringify(p)}: printable ASCII with no newline`);
  return new TextEncoder().encode(`${paths.join("\n")}\0`);
}
