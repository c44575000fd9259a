// fast-check generators of random, dtc-valid device trees (used by this package's tests only).
import { spawn, spawnSync } from "node:child_process";
import fc from "fast-check";
import type { MemReservation } from "../dtb.js";
import { FdtNode } from "../tree.js";

interface RawNode {
  name: string;
  props: { name: string; value: Uint8Array }[];
  phandle: boolean;
  children: RawNode[];
}

const RESERVED_PROPS = new Set(["name", "phandle", "linux,phandle"]);
const propName = fc
  .oneof(
    { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9,._+*#?-]{0,14}$/) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "#address-cells",
        "#size-cells",
        "#interrupt-cells",
        "compatible",
        "reg",
        "status",
        "ranges",
        "interrupts",
        "bootargs",
        "device_type",
      ),
    },
  )
  .filter((n) => !RESERVED_PROPS.has(n));
const nodeName = fc.stringMatching(/^[a-z][a-z0-9,._+-]{0,12}(@[0-9a-f]{1,8})?$/);

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 0,
  maxLength: 12,
});
const value: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 8 }).map((cells) => {
    const out = new Uint8Array(cells.length * 4);
    const dv = new DataView(out.buffer);
    cells.forEach((c, i) => {
      dv.setUint32(i * 4, c);
    });
    return out;
  }),
  fc.array(printable, { minLength: 1, maxLength: 4 }).map((list) => {
    const enc = new TextEncoder();
    return enc.encode(list.map((s) => `${s}\0`).join(""));
  }),
  fc.uint8Array({ minLength: 1, maxLength: 24 }),
);

function rawNode(depth: number): fc.Arbitrary<RawNode> {
  const children: fc.Arbitrary<RawNode[]> =
    depth <= 0
      ? fc.constant([])
      : fc.uniqueArray(rawNode(depth - 1), { maxLength: depth > 2 ? 3 : 2, selector: (n) => n.name });
  return fc.record({
    name: nodeName,
    props: fc.uniqueArray(fc.record({ name: propName, value }), { maxLength: 6, selector: (p) => p.name }),
    phandle: fc.boolean(),
    children,
  });
}

function build(raw: RawNode, name: string, next: { ph: number }): FdtNode {
  const n = new FdtNode(name);
  for (const p of raw.props) n.setBytes(p.name, p.value);
  if (raw.phandle) n.setPhandle(next.ph++);
  for (const c of raw.children) n.appendChild(build(c, c.name, next));
  return n;
}

export interface RandomTree {
  root: FdtNode;
  reservations: MemReservation[];
}

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

/** Random trees that dtc accepts without errors (up to 4 levels, unique names, unique phandles). */
export const randomTree: fc.Arbitrary<RandomTree> = fc
  .record({
    root: rawNode(3),
    firstPhandle: fc.integer({ min: 1, max: 0xfff0 }),
    reservations: fc.array(fc.record({ address: u64, size: u64.filter((s) => s !== 0n) }), { maxLength: 3 }),
  })
  .map(({ root, firstPhandle, reservations }) => ({
    root: build(root, "", { ph: firstPhandle }),
    reservations,
  }));

/** Fails loudly (with the install command) when dtc is missing. */
export function requireDtc(): void {
  const r = spawnSync("dtc", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    throw new Error("dtc (device-tree-compiler) is missing: run `bash scripts/install-system-tools.sh`");
}

export interface DtcResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs dtc with `input` on stdin. */
export function dtc(args: readonly string[], input: Uint8Array | string): Promise<DtcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("dtc", [...args, "-"], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        status: code ?? -1,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    child.stdin.on("error", () => {}); // dtc may exit before reading everything
    child.stdin.end(input);
  });
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
