import type { MemReservation } from "./dtb.js";
import type { FdtNode, FdtProperty } from "./tree.js";

export interface DtsOptions {
  reservations?: readonly MemReservation[];
  /** Printed as a comment when non-zero (DTS has no syntax for it; dtc takes `-b`). */
  bootCpuidPhys?: number;
}

/**
 * Prints a tree as DTS source (DTSpec v0.4 chapter 6) that dtc compiles back to the same bytes.
 * A value is printed as a string list when it is printable ASCII made of non-empty
 * NUL-terminated strings, as cells `<...>` when its length is a multiple of 4, else as bytes `[...]`.
 */
export function printDts(root: FdtNode, options: DtsOptions = {}): string {
  const out: string[] = ["/dts-v1/;\n"];
  if (options.bootCpuidPhys) out.push(`// boot_cpuid_phys: 0x${options.bootCpuidPhys.toString(16)}\n`);
  const rsv = options.reservations ?? [];
  if (rsv.length > 0) {
    out.push("\n");
    for (const r of rsv) out.push(`/memreserve/ 0x${r.address.toString(16)} 0x${r.size.toString(16)};\n`);
  }
  out.push("\n");
  printNode(root, "/", 0, out);
  return out.join("");
}

function printNode(node: FdtNode, name: string, depth: number, out: string[]): void {
  const ind = "\t".repeat(depth);
  out.push(`${ind}${name} {\n`);
  for (const p of node.properties) out.push(`${ind}\t${formatProperty(p)}\n`);
  for (const c of node.children) {
    out.push("\n");
    printNode(c, c.name, depth + 1, out);
  }
  out.push(`${ind}};\n`);
}

/** One property as a DTS statement, e.g. `reg = <0x0 0x9000000 0x0 0x1000>;`. */
export function formatProperty(p: FdtProperty): string {
  const v = p.value;
  if (v.length === 0) return `${p.name};`;
  return `${p.name} = ${formatValue(v)};`;
}

/** A property value in DTS syntax (see printDts for the choice of form). */
export function formatValue(v: Uint8Array): string {
  if (isStringList(v)) {
    const parts: string[] = [];
    let s = "";
    for (let i = 0; i < v.length; i++) {
      const c = v[i]!;
      if (c === 0) {
        parts.push(`"${s}"`);
        s = "";
      } else if (c === 0x22 || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
      else s += String.fromCharCode(c);
    }
    return parts.join(", ");
  }
  if (v.length % 4 === 0) {
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const cells: string[] = [];
    for (let i = 0; i < v.length; i += 4) cells.push(`0x${dv.getUint32(i).toString(16)}`);
    return `<${cells.join(" ")}>`;
  }
  return `[${Array.from(v, (b) => b.toString(16).padStart(2, "0")).join(" ")}]`;
}

function isStringList(v: Uint8Array): boolean {
  if (v.length === 0 || v[v.length - 1] !== 0 || v[0] === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === 0) {
      if (i + 1 < v.length && v[i + 1] === 0) return false;
    } else if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
