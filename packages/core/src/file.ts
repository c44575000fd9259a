import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export interface WriteFileAtomicOptions {
  /**
   * Sync the file's data before the rename and the directory after it, so that the new contents
   * survive a power loss, not only a crash of this process (default false).
   */
  fsync?: boolean;
}

/**
 * Replace the file at `path` with `data` (bytes, chunks written in order, or UTF-8 text) such
 * that the file holds either its old or its new contents whatever happens: the data goes to a
 * temporary file beside it (`path.<pid>.tmp`), which is then renamed over `path` (POSIX rename
 * is atomic). On an error the temporary file is removed and the error thrown; `path` is left as
 * it was. Returns the number of bytes written.
 */
export function writeFileAtomic(
  path: string,
  data: Uint8Array | readonly Uint8Array[] | string,
  opts: WriteFileAtomicOptions = {},
): number {
  const chunks =
    typeof data === "string" ? [new TextEncoder().encode(data)] : data instanceof Uint8Array ? [data] : data;
  const tmp = `${path}.${process.pid}.tmp`;
  let size = 0;
  try {
    const fd = openSync(tmp, "w");
    try {
      for (const c of chunks) {
        let off = 0;
        while (off < c.length) off += writeSync(fd, c, off, c.length - off);
        size += c.length;
      }
      if (opts.fsync === true) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  if (opts.fsync === true) syncDirectory(dirname(path));
  return size;
}

/** Make a rename in `dir` durable (POSIX: the directory entry is data of the directory). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or sync a directory: the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
