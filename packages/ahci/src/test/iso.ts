/**
 * A minimal ISO 9660 (ECMA-119) image builder for tests: one Primary Volume Descriptor, a
 * terminator, L and M path tables, and a root directory holding plain files (level 1 names,
 * "NAME.EXT;1"; Linux shows them in lower case). Enough for `mount -t iso9660`.
 */

const S = 2048;

export interface IsoFile {
  /** 8.3 name in d-characters (A-Z, 0-9, _), e.g. "HELLO.TXT". */
  name: string;
  data: Uint8Array;
}

function bothEndian32(b: Uint8Array, o: number, v: number): void {
  const d = new DataView(b.buffer, b.byteOffset);
  d.setUint32(o, v, true);
  d.setUint32(o + 4, v, false);
}

function bothEndian16(b: Uint8Array, o: number, v: number): void {
  const d = new DataView(b.buffer, b.byteOffset);
  d.setUint16(o, v, true);
  d.setUint16(o + 2, v, false);
}

function putText(b: Uint8Array, o: number, n: number, s: string): void {
  const t = s.padEnd(n, " ").slice(0, n);
  for (let i = 0; i < n; i++) b[o + i] = t.charCodeAt(i);
}

/** A directory record (ECMA-119 §9.1); returns its length. */
function dirRecord(
  b: Uint8Array,
  o: number,
  extent: number,
  size: number,
  dir: boolean,
  id: Uint8Array,
): number {
  const len = 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
  b[o] = len;
  b[o + 1] = 0;
  bothEndian32(b, o + 2, extent);
  bothEndian32(b, o + 10, size);
  // Recording date: 2026-01-01 00:00:00 UTC.
  b.set([126, 1, 1, 0, 0, 0, 0], o + 18);
  b[o + 25] = dir ? 0x02 : 0x00;
  bothEndian16(b, o + 28, 1);
  b[o + 32] = id.length;
  b.set(id, o + 33);
  return len;
}

export function buildIso9660(files: readonly IsoFile[], volumeId = "ARMATURE_TEST"): Uint8Array {
  for (const f of files) {
    if (!/^[A-Z0-9_]{1,8}(\.[A-Z0-9_]{0,3})?$/.test(f.name))
      throw new Error(`ISO level-1 name "${f.name}" is not 8.3 d-characters`);
  }
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const enc = new TextEncoder();
  const ids = sorted.map((f) => enc.encode(`${f.name}${f.name.includes(".") ? "" : "."};1`));
  // Root directory size: "." and ".." (34 bytes each) plus the file records, records never
  // crossing a sector boundary.
  let dirBytes = 68;
  for (const id of ids) {
    const len = 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
    if ((dirBytes % S) + len > S) dirBytes = Math.ceil(dirBytes / S) * S;
    dirBytes += len;
  }
  const dirSectors = Math.ceil(dirBytes / S);
  const lPath = 18;
  const mPath = 19;
  const root = 20;
  let next = root + dirSectors;
  const extents = sorted.map((f) => {
    const e = next;
    next += Math.max(1, Math.ceil(f.data.length / S));
    return e;
  });
  const total = next;
  const img = new Uint8Array(total * S);
  // Primary Volume Descriptor (§8.4).
  const pvd = img.subarray(16 * S, 17 * S);
  pvd[0] = 1;
  putText(pvd, 1, 5, "CD001");
  pvd[6] = 1;
  putText(pvd, 8, 32, "LINUX");
  putText(pvd, 40, 32, volumeId);
  bothEndian32(pvd, 80, total);
  bothEndian16(pvd, 120, 1);
  bothEndian16(pvd, 124, 1);
  bothEndian16(pvd, 128, S);
  bothEndian32(pvd, 132, 10);
  new DataView(pvd.buffer, pvd.byteOffset).setUint32(140, lPath, true);
  new DataView(pvd.buffer, pvd.byteOffset).setUint32(148, mPath, false);
  dirRecord(pvd, 156, root, dirSectors * S, true, new Uint8Array([0]));
  for (const [o, n] of [
    [190, 128],
    [318, 128],
    [446, 128],
    [574, 128],
    [702, 37],
    [739, 37],
    [776, 37],
  ] as const)
    putText(pvd, o, n, "");
  const date = "2026010100000000";
  for (const o of [813, 830]) {
    putText(pvd, o, 16, date);
    pvd[o + 16] = 0;
  }
  for (const o of [847, 864]) {
    putText(pvd, o, 16, "0000000000000000");
    pvd[o + 16] = 0;
  }
  pvd[881] = 1;
  // Volume Descriptor Set Terminator (§8.3).
  const term = img.subarray(17 * S, 18 * S);
  term[0] = 255;
  putText(term, 1, 5, "CD001");
  term[6] = 1;
  // Path tables (§9.4): the root only.
  const lp = img.subarray(lPath * S);
  lp[0] = 1;
  new DataView(lp.buffer, lp.byteOffset).setUint32(2, root, true);
  new DataView(lp.buffer, lp.byteOffset).setUint16(6, 1, true);
  const mp = img.subarray(mPath * S);
  mp[0] = 1;
  new DataView(mp.buffer, mp.byteOffset).setUint32(2, root, false);
  new DataView(mp.buffer, mp.byteOffset).setUint16(6, 1, false);
  // Root directory.
  const dir = img.subarray(root * S, (root + dirSectors) * S);
  let o = dirRecord(dir, 0, root, dirSectors * S, true, new Uint8Array([0]));
  o += dirRecord(dir, o, root, dirSectors * S, true, new Uint8Array([1]));
  sorted.forEach((f, i) => {
    const id = ids[i]!;
    const len = 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
    if ((o % S) + len > S) o = Math.ceil(o / S) * S;
    o += dirRecord(dir, o, extents[i]!, f.data.length, false, id);
    img.set(f.data, extents[i]! * S);
  });
  return img;
}
