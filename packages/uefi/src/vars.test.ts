import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { GUID, guidBytes } from "./guid.js";
import {
  EFI_BUFFER_TOO_SMALL,
  EFI_INVALID_PARAMETER,
  EFI_NOT_FOUND,
  EFI_SECURITY_VIOLATION,
  EFI_SUCCESS,
} from "./status.js";
import { UefiTestDriver } from "./test/index.js";
import { VariableStore, VariableStoreError } from "./vars.js";

const NV_BS_RT = 7;

describe("variable services", () => {
  it("SetVariable / GetVariable / GetNextVariableName / QueryVariableInfo as the guest calls them", () => {
    const d = new UefiTestDriver();
    const g = d.guid(guidBytes(GUID.GLOBAL_VARIABLE));
    const name = d.utf16("BootOrder");
    const data = d.alloc(4);
    d.put(data, new Uint8Array([1, 0, 2, 0]));
    expect(d.call("RT.SetVariable", name, g, NV_BS_RT, 4, data)).toBe(EFI_SUCCESS);
    const sizeP = d.alloc(8);
    const attrP = d.alloc(4);
    d.setU64(sizeP, 2n);
    const out = d.alloc(8);
    expect(d.call("RT.GetVariable", name, g, attrP, sizeP, out)).toBe(EFI_BUFFER_TOO_SMALL);
    expect(d.u64(sizeP)).toBe(4n);
    expect(d.call("RT.GetVariable", name, g, attrP, sizeP, out)).toBe(EFI_SUCCESS);
    expect([...d.bytes(out, 4)]).toEqual([1, 0, 2, 0]);
    expect(d.u32(attrP)).toBe(NV_BS_RT);
    // Linux's stub asks for SecureBoot: NOT_FOUND.
    expect(d.call("RT.GetVariable", d.utf16("SecureBoot"), g, 0, sizeP, out)).toBe(EFI_NOT_FOUND);
    // Enumerate: "" -> BootOrder -> NOT_FOUND.
    const nameBuf = d.alloc(256);
    d.put(nameBuf, new Uint8Array(2));
    const gBuf = d.alloc(16);
    d.setU64(sizeP, 256n);
    expect(d.call("RT.GetNextVariableName", sizeP, nameBuf, gBuf)).toBe(EFI_SUCCESS);
    expect(Buffer.from(d.bytes(nameBuf, 20)).toString("utf16le")).toBe("BootOrder\0");
    expect(d.bytes(gBuf, 16)).toEqual(guidBytes(GUID.GLOBAL_VARIABLE));
    d.setU64(sizeP, 256n);
    expect(d.call("RT.GetNextVariableName", sizeP, nameBuf, gBuf)).toBe(EFI_NOT_FOUND);
    // Attribute rules: RT without BS, authenticated writes, changing attributes.
    expect(d.call("RT.SetVariable", d.utf16("X"), g, 4, 4, data)).toBe(EFI_INVALID_PARAMETER);
    expect(d.call("RT.SetVariable", d.utf16("X"), g, 0x27, 4, data)).toBe(EFI_SECURITY_VIOLATION);
    expect(d.call("RT.SetVariable", name, g, 3, 4, data)).toBe(EFI_INVALID_PARAMETER);
    // Append, then delete with size 0.
    expect(d.call("RT.SetVariable", name, g, NV_BS_RT | 0x40, 4, data)).toBe(EFI_SUCCESS);
    expect(d.fw.variables.get(GUID.GLOBAL_VARIABLE, "BootOrder")?.data.length).toBe(8);
    expect(d.call("RT.SetVariable", name, g, NV_BS_RT, 0, 0)).toBe(EFI_SUCCESS);
    expect(d.call("RT.SetVariable", name, g, NV_BS_RT, 0, 0)).toBe(EFI_NOT_FOUND);
    const m = [d.alloc(8), d.alloc(8), d.alloc(8)];
    expect(d.call("RT.QueryVariableInfo", NV_BS_RT, ...m)).toBe(EFI_SUCCESS);
    expect(d.u64(m[0]!)).toBeGreaterThanOrEqual(d.u64(m[1]!));
  });

  it("after ExitBootServices only runtime-access variables are visible", () => {
    const d = new UefiTestDriver();
    const g = d.guid(guidBytes(GUID.GLOBAL_VARIABLE));
    const data = d.alloc(1);
    expect(d.call("RT.SetVariable", d.utf16("BsOnly"), g, 3, 1, data)).toBe(EFI_SUCCESS);
    const sizeP = d.alloc(8);
    const keyP = d.alloc(8);
    const buf = d.alloc(8192);
    d.setU64(sizeP, 8192n);
    d.call("BS.GetMemoryMap", sizeP, buf, keyP, d.alloc(8), d.alloc(8));
    // (the scratch allocations above changed the map: read it again)
    d.setU64(sizeP, 8192n);
    d.call("BS.GetMemoryMap", sizeP, buf, keyP, 0, 0);
    expect(d.call("BS.ExitBootServices", d.fw.imageHandle, d.u64(keyP))).toBe(EFI_SUCCESS);
    d.setU64(sizeP, 8n);
    expect(d.call("RT.GetVariable", d.utf16("BsOnly"), g, 0, sizeP, buf)).toBe(EFI_NOT_FOUND);
  });

  it("persists non-volatile variables atomically to a file; a corrupt file is refused, never overwritten", () => {
    const dir = mkdtempSync(join(tmpdir(), "efi-vars-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "vars.json");
    const s = new VariableStore(file);
    s.set(GUID.GLOBAL_VARIABLE, "Timeout", 7, new Uint8Array([5, 0]));
    s.set(GUID.GLOBAL_VARIABLE, "Volatile", 6, new Uint8Array([1]));
    const again = new VariableStore(file);
    expect(again.get(GUID.GLOBAL_VARIABLE, "Timeout")?.data).toEqual(new Uint8Array([5, 0]));
    expect(again.get(GUID.GLOBAL_VARIABLE, "Volatile")).toBeUndefined();
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace("BQA=", "BgA="));
    expect(() => new VariableStore(file)).toThrow(VariableStoreError);
    expect(() => new VariableStore(file)).toThrow(/CRC-32/);
    expect(readFileSync(file, "utf8")).toBe(text.replace("BQA=", "BgA="));
    writeFileSync(file, "{not json");
    expect(() => new VariableStore(file)).toThrow(/not valid JSON/);
  });
});
