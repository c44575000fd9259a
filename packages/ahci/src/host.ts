import { statSync } from "node:fs";
import { type BlockBackend, ConfigError, FileBlockBackend } from "@armature/core";
import { checkOpticalImage } from "./media.js";

function checkFile(path: string, what: string): number {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new ConfigError(
      `${what} ${path}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(e)}`,
    );
  }
  if (st.isDirectory()) throw new ConfigError(`${what} ${path} is a directory; give an image file`);
  if (!st.isFile() && !st.isBlockDevice()) throw new ConfigError(`${what} ${path} is not a regular file`);
  return Number(st.size);
}

/**
 * Open a SATA disk image (`--sata FILE[,ro]`): refuses a missing, unreadable or directory path,
 * an empty file or a size that is not a multiple of 512, with one line saying what to fix.
 * Nothing is created or modified.
 */
export function openSataImage(path: string, opts: { readOnly?: boolean } = {}): BlockBackend {
  const size = checkFile(path, "SATA disk image");
  if (size === 0)
    throw new ConfigError(`SATA disk image ${path} is empty; create it with truncate -s 1G ${path}`);
  return new FileBlockBackend(path, { readOnly: opts.readOnly ?? false, blockSize: 512 });
}

/**
 * Open a DVD image (`--cdrom FILE.iso`) read-only: refuses a missing, unreadable or directory
 * path, and anything that is not ISO 9660 or UDF, with one line. Nothing is modified.
 */
export function openCdromImage(path: string): BlockBackend {
  const size = checkFile(path, "CD/DVD image");
  if (size === 0 || size % 2048 !== 0)
    throw new ConfigError(
      `CD/DVD image ${path} is ${size} bytes, not a whole number of 2048-byte sectors; give a .iso file`,
    );
  const b = new FileBlockBackend(path, { readOnly: true, blockSize: 2048 });
  try {
    checkOpticalImage(b, `CD/DVD image ${path}`);
  } catch (e) {
    b.close();
    throw e;
  }
  return b;
}
