// UEFI variables (UEFI 2.10 8.2): name + vendor GUID -> attributes + data. Non-volatile
// variables persist to a file written atomically (temporary file + rename). The file carries a
// CRC-32; a file that does not parse or whose CRC does not match is refused, never overwritten.

import { existsSync, readFileSync } from "node:fs";
import { ArmatureError, writeFileAtomic } from "@armature/core";
import { crc32 } from "./crc32.js";

export const EFI_VARIABLE_NON_VOLATILE = 0x1;
export const EFI_VARIABLE_BOOTSERVICE_ACCESS = 0x2;
export const EFI_VARIABLE_RUNTIME_ACCESS = 0x4;
export const EFI_VARIABLE_HARDWARE_ERROR_RECORD = 0x8;
export const EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS = 0x10;
export const EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS = 0x20;
export const EFI_VARIABLE_APPEND_WRITE = 0x40;

export interface EfiVariable {
  name: string;
  /** Vendor GUID, lower-case text. */
  guid: string;
  attributes: number;
  data: Uint8Array;
}

/** The variable file cannot be used (corrupt, wrong format). The message names the file. */
export class VariableStoreError extends ArmatureError {}

const FORMAT = "armature-efi-vars";
const VERSION = 1;

/** Storage limits QueryVariableInfo reports and SetVariable enforces. */
export const VARIABLE_STORE_SIZE = 256 * 1024;
export const MAX_VARIABLE_SIZE = 32 * 1024;

export class VariableStore {
  private readonly vars = new Map<string, EfiVariable>();

  /** `file`: persist non-volatile variables there (loaded now if it exists). */
  constructor(readonly file?: string) {
    if (file !== undefined && existsSync(file)) this.load(file);
  }

  private static key(guid: string, name: string): string {
    return `${guid.toLowerCase()}/${name}`;
  }

  get(guid: string, name: string): EfiVariable | undefined {
    return this.vars.get(VariableStore.key(guid, name));
  }

  /** Variables in creation order. */
  list(): EfiVariable[] {
    return [...this.vars.values()];
  }

  /** Bytes used (names as UTF-16 + data), for QueryVariableInfo. */
  used(nonVolatileOnly: boolean): number {
    let n = 0;
    for (const v of this.vars.values())
      if (!nonVolatileOnly || v.attributes & EFI_VARIABLE_NON_VOLATILE)
        n += 2 * (v.name.length + 1) + v.data.length;
    return n;
  }

  /** Create, replace, append to or (empty data) delete a variable; persists when non-volatile. */
  set(guid: string, name: string, attributes: number, data: Uint8Array, append = false): void {
    const k = VariableStore.key(guid, name);
    const old = this.vars.get(k);
    if (append && old !== undefined) {
      const joined = new Uint8Array(old.data.length + data.length);
      joined.set(old.data);
      joined.set(data, old.data.length);
      old.data = joined;
    } else if (data.length === 0 && !append) {
      this.vars.delete(k);
    } else {
      this.vars.set(k, { name, guid: guid.toLowerCase(), attributes, data: data.slice() });
    }
    if ((attributes | (old?.attributes ?? 0)) & EFI_VARIABLE_NON_VOLATILE) this.save();
  }

  /**
   * Replace every variable with `vars` (a snapshot's store, in its order); a file-backed store
   * writes its non-volatile ones to the file.
   */
  replaceAll(vars: readonly EfiVariable[]): void {
    this.vars.clear();
    for (const v of vars)
      this.vars.set(VariableStore.key(v.guid, v.name), {
        ...v,
        guid: v.guid.toLowerCase(),
        data: v.data.slice(),
      });
    this.save();
  }

  private load(file: string): void {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new VariableStoreError(
        "E_EFI_VARS",
        `EFI variable file ${file} is not valid JSON (${(e as Error).message}); refusing to use or overwrite it — move it away to start with an empty store`,
      );
    }
    const d = doc as { format?: unknown; version?: unknown; crc32?: unknown; variables?: unknown };
    if (d.format !== FORMAT || d.version !== VERSION || !Array.isArray(d.variables))
      throw new VariableStoreError(
        "E_EFI_VARS",
        `EFI variable file ${file} is not an ${FORMAT} v${VERSION} file; refusing to use or overwrite it`,
      );
    const body = JSON.stringify(d.variables);
    if (d.crc32 !== crc32(new TextEncoder().encode(body)))
      throw new VariableStoreError(
        "E_EFI_VARS",
        `EFI variable file ${file} fails its CRC-32 check (corrupt); refusing to use or overwrite it`,
      );
    for (const v of d.variables as unknown[]) {
      const x = v as { name?: unknown; guid?: unknown; attributes?: unknown; data?: unknown };
      if (
        typeof x.name !== "string" ||
        typeof x.guid !== "string" ||
        typeof x.attributes !== "number" ||
        typeof x.data !== "string"
      )
        throw new VariableStoreError("E_EFI_VARS", `EFI variable file ${file} has a malformed entry`);
      this.vars.set(VariableStore.key(x.guid, x.name), {
        name: x.name,
        guid: x.guid.toLowerCase(),
        attributes: x.attributes,
        data: new Uint8Array(Buffer.from(x.data, "base64")),
      });
    }
  }

  private save(): void {
    if (this.file === undefined) return;
    const variables = this.list()
      .filter((v) => v.attributes & EFI_VARIABLE_NON_VOLATILE)
      .map((v) => ({
        name: v.name,
        guid: v.guid,
        attributes: v.attributes,
        data: Buffer.from(v.data).toString("base64"),
      }));
    const body = JSON.stringify(variables);
    const doc = { format: FORMAT, version: VERSION, crc32: crc32(new TextEncoder().encode(body)), variables };
    writeFileAtomic(this.file, `${JSON.stringify(doc)}\n`);
  }
}
