// Files the user names on the command line, checked before anything starts: inputs exist and
// are files, disks are writable unless `,ro`, outputs go into a directory that exists. Every
// problem is a ConfigError whose one line says what to change.
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  type Stats,
  statSync,
} from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "@armature/core";
import type { BootImageFile } from "@armature/uefi";

function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** An input file: it exists, is not a directory, and can be read. */
export function inputFile(path: string, what: string): string {
  const s = stat(path);
  if (s === undefined) throw new ConfigError(`${what} "${path}" does not exist or is not readable`);
  if (s.isDirectory()) throw new ConfigError(`${what} "${path}" is a directory: name a file in it`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new ConfigError(`${what} "${path}" is not readable (permission denied)`);
  }
  return path;
}

/**
 * A disk image: an input file that must also be writable unless opened read-only. The file's
 * mode is honoured even for root (who may write anything): a file without write permission bits
 * is a read-only disk, and the user says so with `,ro`.
 */
export function diskFile(path: string, readOnly: boolean, what: string, option: string): string {
  inputFile(path, what);
  if (readOnly) return path;
  const mode = stat(path)!.mode;
  let writable = (mode & 0o222) !== 0;
  if (writable)
    try {
      accessSync(path, constants.W_OK);
    } catch {
      writable = false;
    }
  if (!writable)
    throw new ConfigError(
      `${what} "${path}" is read-only (mode ${(mode & 0o777).toString(8).padStart(4, "0")}): ` +
        `add ,ro (${option} ${path},ro) to use it read-only, or make it writable (chmod u+w)`,
    );
  return path;
}

/** The directory a new file goes into must exist and be writable. */
function parentDirectory(path: string, what: string): void {
  const dir = dirname(resolve(path));
  const d = stat(dir);
  if (d === undefined)
    throw new ConfigError(`${what} "${path}": the directory "${dir}" does not exist; create it first`);
  if (!d.isDirectory()) throw new ConfigError(`${what} "${path}": "${dir}" is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new ConfigError(`${what} "${path}": the directory "${dir}" is not writable`);
  }
}

/** An output file: its directory exists and it is not itself a directory. */
export function outputFile(path: string, what: string): string {
  const s = stat(path);
  if (s?.isDirectory()) throw new ConfigError(`${what} "${path}" is a directory: name a file`);
  if (s !== undefined) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw new ConfigError(`${what} "${path}" exists and is not writable`);
    }
  } else parentDirectory(path, what);
  return path;
}

/** An output directory: an existing directory, or a new one in a directory that exists. */
export function outputDirectory(path: string, what: string): string {
  const s = stat(path);
  if (s !== undefined && !s.isDirectory())
    throw new ConfigError(`${what} "${path}" is a file; name a directory (it is created when missing)`);
  if (s === undefined) parentDirectory(path, what);
  return path;
}

/**
 * A file's bytes as a plain Uint8Array without a second copy: a large file's Buffer owns its
 * memory, so the view over it is enough (copying a 27 MB kernel cost ~0.1 s of page faults);
 * a small file may sit in Node's shared pool and is copied out of it.
 */
export function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength)
    return new Uint8Array(b.buffer, 0, b.byteLength);
  return new Uint8Array(b);
}

/**
 * A PE/COFF file (an EFI-stub kernel, an EFI application) for the built-in UEFI to read on
 * demand: its first 64 KiB now (the headers), the rest straight into guest RAM where the image is
 * laid out (one first touch of 27 MB instead of a buffer and a copy). Undefined when the file
 * does not start with "MZ".
 */
export function peImageFile(path: string): { head: Uint8Array; file: BootImageFile } | undefined {
  const size = cannotRead(path, () => {
    const fd = openSync(path, "r");
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  });
  const head = new Uint8Array(Math.min(size, 64 * 1024));
  readAt(path, head, 0);
  if (head.length < 2 || head[0] !== 0x4d || head[1] !== 0x5a) return undefined;
  return { head, file: { size, read: (dst, position) => readAt(path, dst, position) } };
}

/** Fill `dst` from `path` at `position`; a ConfigError when the file is gone or shorter now. */
function readAt(path: string, dst: Uint8Array, position: number): void {
  cannotRead(path, () => {
    const fd = openSync(path, "r");
    try {
      for (let done = 0; done < dst.length; ) {
        const n = readSync(fd, dst, done, dst.length - done, position + done);
        if (n === 0)
          throw new Error(`it ends at ${position + done} bytes, it was longer when the run started`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
  });
}

function cannotRead<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new ConfigError(`"${path}" cannot be read: ${(e as Error).message}`);
  }
}
