import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { GUID, guidBytes } from "./guid.js";
import { MEMORY_DESCRIPTOR_SIZE, MemoryType } from "./memmap.js";
import {
  EFI_BUFFER_TOO_SMALL,
  EFI_INVALID_PARAMETER,
  EFI_NOT_FOUND,
  EFI_NOT_READY,
  EFI_SUCCESS,
  EFI_UNSUPPORTED,
} from "./status.js";
import { buildTestPe, UefiTestDriver } from "./test/index.js";

const enc = new TextEncoder();

describe("tables", () => {
  it("system, boot and runtime service tables have UEFI signatures, revision 2.70 and zlib-equal CRC32s", () => {
    const d = new UefiTestDriver();
    const st = d.fw.systemTable;
    // "IBI SYST", "BOOTSERV", "RUNTSERV" as ASCII in memory.
    const sig = (a: number) => new TextDecoder().decode(d.bytes(a, 8));
    expect(sig(st)).toBe("IBI SYST");
    expect(sig(Number(d.u64(st + 96)))).toBe("BOOTSERV");
    expect(sig(Number(d.u64(st + 88)))).toBe("RUNTSERV");
    expect(d.u32(st + 8)).toBe(0x20046);
    for (const t of [st, Number(d.u64(st + 96)), Number(d.u64(st + 88))]) {
      const size = d.u32(t + 12);
      const bytes = d.bytes(t, size);
      const stored = new DataView(bytes.buffer).getUint32(16, true);
      bytes.fill(0, 16, 20);
      expect(stored).toBe(zlibCrc32(bytes));
    }
    // FirmwareVendor "EDK II" in UTF-16.
    const v = Number(d.u64(st + 24));
    expect(Buffer.from(d.bytes(v, 14)).toString("utf16le")).toBe("EDK II\0");
  });

  it("every boot-service pointer is a stub HVC #imm; RET with a distinct immediate", () => {
    const d = new UefiTestDriver();
    const bs = Number(d.u64(d.fw.systemTable + 96));
    const imms = new Set<number>();
    for (let i = 0; i < 44; i++) {
      const p = Number(d.u64(bs + 24 + 8 * i));
      if (i === 17) {
        expect(p).toBe(0); // Reserved slot
        continue;
      }
      const w = d.u32(p);
      expect((w & 0xffe0001f) >>> 0).toBe(0xd4000002);
      expect(d.u32(p + 4)).toBe(0xd65f03c0);
      imms.add((w >>> 5) & 0xffff);
    }
    expect(imms.size).toBe(43);
  });

  it("config tables: RT properties advertises exactly the implemented runtime services", () => {
    const d = new UefiTestDriver();
    const st = d.fw.systemTable;
    const n = Number(d.u64(st + 104));
    const ct = Number(d.u64(st + 112));
    const guids = [];
    for (let i = 0; i < n; i++) guids.push(Buffer.from(d.bytes(ct + 24 * i, 16)).toString("hex"));
    const rtp = Buffer.from(guidBytes(GUID.RT_PROPERTIES_TABLE)).toString("hex");
    const i = guids.indexOf(rtp);
    expect(i).toBeGreaterThanOrEqual(0);
    const t = Number(d.u64(ct + 24 * i + 16));
    expect(d.u32(t)).toBe(0x0008_0001); // Version 1, Length 8
    // GetTime, SetTime, GetVariable, GetNextVariableName, SetVariable, SetVirtualAddressMap,
    // ResetSystem, QueryVariableInfo (UEFI 2.10 Table 4.6).
    expect(d.u32(t + 4)).toBe(0x1 | 0x2 | 0x10 | 0x20 | 0x40 | 0x80 | 0x400 | 0x2000);
  });
});

describe("console", () => {
  it("OutputString writes UTF-16 to the sink; ReadKeyStroke reads typed bytes", () => {
    const d = new UefiTestDriver();
    const conOut = d.u64(d.fw.systemTable + 64);
    expect(d.call("ConOut.OutputString", conOut, d.utf16("Hello, EFI\r\n"))).toBe(EFI_SUCCESS);
    expect(d.output).toBe("Hello, EFI\r\n");
    const key = d.alloc(4);
    const conIn = d.u64(d.fw.systemTable + 48);
    expect(d.call("ConIn.ReadKeyStroke", conIn, key)).toBe(EFI_NOT_READY);
    d.input.push(0x61, 0x0a);
    expect(d.call("ConIn.ReadKeyStroke", conIn, key)).toBe(EFI_SUCCESS);
    expect(d.u32(key)).toBe(0x61 << 16);
    d.call("ConIn.ReadKeyStroke", conIn, key);
    expect(d.u32(key)).toBe(0x0d << 16); // Enter is CR
    expect(d.call("ConOut.OutputString", conOut, 0)).toBe(EFI_INVALID_PARAMETER);
    expect(d.call("ConOut.OutputString", conOut, 0xdead_0000_0000n)).toBe(EFI_INVALID_PARAMETER);
  });
});

describe("memory services", () => {
  it("AllocatePages AnyPages / MaxAddress / Address, FreePages, and the memory map reflects them", () => {
    const d = new UefiTestDriver();
    const p = d.alloc(8);
    d.setU64(p, 0n);
    expect(d.call("BS.AllocatePages", 0, MemoryType.LoaderData, 3, p)).toBe(EFI_SUCCESS);
    const any = Number(d.u64(p));
    expect(any % 4096).toBe(0);
    d.setU64(p, 0x4100_0000n - 1n);
    expect(d.call("BS.AllocatePages", 1, MemoryType.LoaderData, 2, p)).toBe(EFI_SUCCESS);
    const max = Number(d.u64(p));
    expect(max + 2 * 4096).toBeLessThanOrEqual(0x4100_0000);
    expect(max).toBe(0x4100_0000 - 2 * 4096); // highest fit
    d.setU64(p, 0x4000_0000n);
    expect(d.call("BS.AllocatePages", 2, MemoryType.LoaderCode, 1, p)).toBe(EFI_SUCCESS);
    expect(d.call("BS.AllocatePages", 2, MemoryType.LoaderCode, 1, p)).toBe(EFI_NOT_FOUND); // taken
    expect(d.fw.memoryMap.typeOf(0x4000_0000)).toBe(MemoryType.LoaderCode);
    expect(d.call("BS.FreePages", 0x4000_0000, 1)).toBe(EFI_SUCCESS);
    expect(d.call("BS.FreePages", 0x4000_0000, 1)).toBe(EFI_NOT_FOUND);
    expect(d.call("BS.FreePages", 0x4000_0001, 1)).toBe(EFI_INVALID_PARAMETER);
    expect(d.call("BS.AllocatePages", 7, MemoryType.LoaderData, 1, p)).toBe(EFI_INVALID_PARAMETER);
    expect(d.call("BS.AllocatePages", 0, MemoryType.Conventional, 1, p)).toBe(EFI_INVALID_PARAMETER);
    expect(d.call("BS.AllocatePages", 0, MemoryType.LoaderData, 1, 0)).toBe(EFI_INVALID_PARAMETER);
  });

  it("GetMemoryMap: size query, descriptors, map key; ExitBootServices refuses a stale key", () => {
    const d = new UefiTestDriver();
    const sizeP = d.alloc(8);
    const keyP = d.alloc(8);
    const dsP = d.alloc(8);
    const verP = d.alloc(8);
    d.setU64(sizeP, 0n);
    expect(d.call("BS.GetMemoryMap", sizeP, 0, keyP, dsP, verP)).toBe(EFI_BUFFER_TOO_SMALL);
    const need = Number(d.u64(sizeP));
    expect(d.u64(dsP)).toBe(BigInt(MEMORY_DESCRIPTOR_SIZE));
    expect(d.u32(verP)).toBe(1);
    const buf = d.alloc(need + 1024); // allocating changes the map: ask again
    d.setU64(sizeP, BigInt(need + 1024));
    expect(d.call("BS.GetMemoryMap", sizeP, buf, keyP, dsP, verP)).toBe(EFI_SUCCESS);
    const size = Number(d.u64(sizeP));
    const key = d.u64(keyP);
    // Descriptors cover all 64 MiB of RAM, sorted, non-overlapping.
    let total = 0;
    let last = 0;
    for (let o = 0; o < size; o += MEMORY_DESCRIPTOR_SIZE) {
      const start = Number(d.u64(buf + o + 8));
      const pages = Number(d.u64(buf + o + 24));
      expect(start).toBeGreaterThanOrEqual(last);
      last = start + pages * 4096;
      total += pages * 4096;
    }
    expect(total).toBe(64 * 1024 * 1024);
    // A stale key after an allocation: EFI_INVALID_PARAMETER, then success with the new key.
    const p = d.alloc(8);
    void p;
    expect(d.call("BS.ExitBootServices", d.fw.imageHandle, key)).toBe(EFI_INVALID_PARAMETER);
    d.setU64(sizeP, BigInt(need + 1024));
    expect(d.call("BS.GetMemoryMap", sizeP, buf, keyP, dsP, verP)).toBe(EFI_SUCCESS);
    expect(d.call("BS.ExitBootServices", d.fw.imageHandle, d.u64(keyP))).toBe(EFI_SUCCESS);
    expect(d.fw.bootServicesExited).toBe(true);
    expect(d.call("BS.AllocatePages", 0, 2, 1, keyP)).toBe(EFI_UNSUPPORTED);
  });

  it("AllocatePool / FreePool; CopyMem, SetMem, CalculateCrc32", () => {
    const d = new UefiTestDriver();
    const p = d.alloc(8);
    expect(d.call("BS.AllocatePool", MemoryType.BootServicesData, 100, p)).toBe(EFI_SUCCESS);
    const a = Number(d.u64(p));
    expect(a % 8).toBe(0);
    d.call("BS.SetMem", a, 100, 0x5a);
    expect([...d.bytes(a, 100)].every((b) => b === 0x5a)).toBe(true);
    const src = d.alloc(16);
    d.put(src, enc.encode("0123456789abcdef"));
    d.call("BS.CopyMem", a + 4, src, 16);
    expect(new TextDecoder().decode(d.bytes(a + 4, 16))).toBe("0123456789abcdef");
    // Overlapping CopyMem behaves like memmove.
    d.call("BS.CopyMem", a + 6, a + 4, 16);
    expect(new TextDecoder().decode(d.bytes(a + 6, 16))).toBe("0123456789abcdef");
    const crcP = d.alloc(4);
    expect(d.call("BS.CalculateCrc32", src, 16, crcP)).toBe(EFI_SUCCESS);
    expect(d.u32(crcP)).toBe(zlibCrc32(Buffer.from("0123456789abcdef")));
    expect(d.call("BS.CalculateCrc32", src, 0, crcP)).toBe(EFI_INVALID_PARAMETER);
    expect(d.call("BS.FreePool", a)).toBe(EFI_SUCCESS);
    expect(d.call("BS.FreePool", a)).toBe(EFI_INVALID_PARAMETER);
  });
});

describe("protocols and handles", () => {
  it("HandleProtocol(LOADED_IMAGE) gives ImageBase at MZ, ImageSize and UTF-16 LoadOptions", () => {
    const d = new UefiTestDriver({ cmdline: "console=ttyAMA0 root=/dev/vda" });
    const g = d.guid(guidBytes(GUID.LOADED_IMAGE));
    const out = d.alloc(8);
    expect(d.call("BS.HandleProtocol", d.fw.imageHandle, g, out)).toBe(EFI_SUCCESS);
    const li = Number(d.u64(out));
    expect(d.u64(li + 16)).toBe(BigInt(d.fw.systemTable));
    const base = Number(d.u64(li + 64));
    expect(new TextDecoder().decode(d.bytes(base, 2))).toBe("MZ");
    expect(d.u64(li + 72)).toBe(0x2000n);
    const n = d.u32(li + 48);
    const opts = Buffer.from(d.bytes(Number(d.u64(li + 56)), n)).toString("utf16le");
    expect(opts).toBe("console=ttyAMA0 root=/dev/vda\0");
    expect(d.u64(li + 24)).not.toBe(0n); // DeviceHandle
    const rng = d.guid(guidBytes(GUID.RNG));
    expect(d.call("BS.HandleProtocol", d.fw.imageHandle, rng, out)).toBe(EFI_UNSUPPORTED);
    expect(d.call("BS.HandleProtocol", 0x1234, rng, out)).toBe(EFI_INVALID_PARAMETER);
  });

  it("LocateProtocol finds RNG only when the board has entropy; GetRNG fills the buffer", () => {
    const none = new UefiTestDriver();
    const out = none.alloc(8);
    expect(none.call("BS.LocateProtocol", none.guid(guidBytes(GUID.RNG)), 0, out)).toBe(EFI_NOT_FOUND);
    expect(none.u64(out)).toBe(0n);
    const d = new UefiTestDriver({ platform: { entropy: (b) => b.fill(0xa5) } });
    const o2 = d.alloc(8);
    expect(d.call("BS.LocateProtocol", d.guid(guidBytes(GUID.RNG)), 0, o2)).toBe(EFI_SUCCESS);
    const rng = d.u64(o2);
    const buf = d.alloc(32);
    expect(d.call("Rng.GetRNG", rng, 0, 32, buf)).toBe(EFI_SUCCESS);
    expect([...d.bytes(buf, 32)].every((b) => b === 0xa5)).toBe(true);
    const sizeP = d.alloc(8);
    d.setU64(sizeP, 0n);
    expect(d.call("Rng.GetInfo", rng, sizeP, 0)).toBe(EFI_BUFFER_TOO_SMALL);
    expect(d.u64(sizeP)).toBe(16n);
    expect(d.call("Rng.GetRNG", rng, d.guid(guidBytes(GUID.LOADED_IMAGE)), 32, buf)).toBe(EFI_UNSUPPORTED);
  });

  it("initrd through LocateDevicePath(LoadFile2, VenMedia(LINUX_INITRD_MEDIA)/End) and LoadFile, size first", () => {
    const initrd = new Uint8Array(10_000).map((_, i) => i & 0xff);
    const d = new UefiTestDriver({ initrd });
    // The device path Linux builds: VenMedia node (type 4, subtype 3, length 20) + End.
    const dp = d.alloc(24);
    d.put(dp, new Uint8Array([4, 3, 20, 0, ...guidBytes(GUID.LINUX_INITRD_MEDIA), 0x7f, 0xff, 4, 0]));
    const dpP = d.alloc(8);
    d.setU64(dpP, BigInt(dp));
    const hP = d.alloc(8);
    expect(d.call("BS.LocateDevicePath", d.guid(guidBytes(GUID.LOAD_FILE2)), dpP, hP)).toBe(EFI_SUCCESS);
    expect(d.u64(dpP)).toBe(BigInt(dp + 20)); // remaining path: the End node
    const lfP = d.alloc(8);
    expect(d.call("BS.HandleProtocol", d.u64(hP), d.guid(guidBytes(GUID.LOAD_FILE2)), lfP)).toBe(EFI_SUCCESS);
    const lf = d.u64(lfP);
    const sizeP = d.alloc(8);
    d.setU64(sizeP, 0n);
    expect(d.call("LoadFile2.LoadFile", lf, dp, 0, sizeP, 0)).toBe(EFI_BUFFER_TOO_SMALL);
    expect(d.u64(sizeP)).toBe(10_000n);
    const buf = d.alloc(10_000);
    expect(d.call("LoadFile2.LoadFile", lf, dp, 0, sizeP, buf)).toBe(EFI_SUCCESS);
    expect(d.bytes(buf, 10_000)).toEqual(initrd);
    // Without an initrd there is no such handle.
    const n = new UefiTestDriver();
    const dp2 = n.alloc(24);
    n.put(dp2, new Uint8Array([4, 3, 20, 0, ...guidBytes(GUID.LINUX_INITRD_MEDIA), 0x7f, 0xff, 4, 0]));
    const p2 = n.alloc(8);
    n.setU64(p2, BigInt(dp2));
    expect(n.call("BS.LocateDevicePath", n.guid(guidBytes(GUID.LOAD_FILE2)), p2, n.alloc(8))).toBe(
      EFI_NOT_FOUND,
    );
  });

  it("InstallMultipleProtocolInterfaces (variadic, spilling to the stack), LocateHandle(Buffer), Uninstall", () => {
    const d = new UefiTestDriver();
    const hP = d.alloc(8);
    d.setU64(hP, 0n);
    const gs = [1, 2, 3, 4, 5].map((k) => d.guid(guidBytes(`0000000${k}-0000-0000-0000-000000000000`)));
    // 5 pairs = 10 variadic arguments + NULL: x1..x7 then the stack.
    const args = gs.flatMap((g, i) => [g, 0x1000 * (i + 1)]);
    expect(d.call("BS.InstallMultipleProtocolInterfaces", hP, ...args, 0)).toBe(EFI_SUCCESS);
    const h = d.u64(hP);
    const out = d.alloc(8);
    expect(d.call("BS.HandleProtocol", h, gs[4]!, out)).toBe(EFI_SUCCESS);
    expect(d.u64(out)).toBe(0x5000n);
    // LocateHandle ByProtocol: size query then fill.
    const sizeP = d.alloc(8);
    d.setU64(sizeP, 0n);
    expect(d.call("BS.LocateHandle", 2, gs[2]!, 0, sizeP, 0)).toBe(EFI_BUFFER_TOO_SMALL);
    expect(d.u64(sizeP)).toBe(8n);
    const buf = d.alloc(8);
    expect(d.call("BS.LocateHandle", 2, gs[2]!, 0, sizeP, buf)).toBe(EFI_SUCCESS);
    expect(d.u64(buf)).toBe(h);
    const nP = d.alloc(8);
    const bP = d.alloc(8);
    expect(d.call("BS.LocateHandleBuffer", 2, gs[0]!, 0, nP, bP)).toBe(EFI_SUCCESS);
    expect(d.u64(nP)).toBe(1n);
    expect(d.u64(Number(d.u64(bP)))).toBe(h);
    // The GOP is absent: NOT_FOUND, as the Linux stub expects.
    expect(d.call("BS.LocateHandleBuffer", 2, d.guid(guidBytes(GUID.GRAPHICS_OUTPUT)), 0, nP, bP)).toBe(
      EFI_NOT_FOUND,
    );
    // Installing a GUID twice on one handle is refused.
    expect(d.call("BS.InstallProtocolInterface", hP, gs[0]!, 0, 0x9999)).toBe(EFI_INVALID_PARAMETER);
    expect(d.call("BS.UninstallProtocolInterface", h, gs[0]!, 0x1000)).toBe(EFI_SUCCESS);
    expect(d.call("BS.HandleProtocol", h, gs[0]!, out)).toBe(EFI_UNSUPPORTED);
    expect(d.call("BS.OpenProtocol", h, gs[1]!, out, d.fw.imageHandle, 0, 1)).toBe(EFI_SUCCESS);
    expect(d.call("BS.CloseProtocol", h, gs[1]!, d.fw.imageHandle, 0)).toBe(EFI_SUCCESS);
    const ppP = d.alloc(8);
    expect(d.call("BS.ProtocolsPerHandle", h, ppP, nP)).toBe(EFI_SUCCESS);
    expect(d.u64(nP)).toBe(4n);
  });

  it("InstallConfigurationTable adds, replaces and removes entries", () => {
    const d = new UefiTestDriver();
    const st = d.fw.systemTable;
    const n0 = d.u64(st + 104);
    const g = d.guid(guidBytes("12345678-1234-1234-1234-123456789abc"));
    expect(d.call("BS.InstallConfigurationTable", g, 0x4242)).toBe(EFI_SUCCESS);
    expect(d.u64(st + 104)).toBe(n0 + 1n);
    expect(d.call("BS.InstallConfigurationTable", g, 0x4343)).toBe(EFI_SUCCESS);
    expect(d.u64(st + 104)).toBe(n0 + 1n);
    const ct = Number(d.u64(st + 112));
    expect(d.u64(ct + 24 * Number(n0) + 16)).toBe(0x4343n);
    expect(d.call("BS.InstallConfigurationTable", g, 0)).toBe(EFI_SUCCESS);
    expect(d.call("BS.InstallConfigurationTable", g, 0)).toBe(EFI_NOT_FOUND);
    expect(d.u64(st + 104)).toBe(n0);
  });
});

describe("events and time", () => {
  it("timer events: SetTimer relative, CheckEvent, WaitForEvent idles the vCPU until the deadline", () => {
    const d = new UefiTestDriver();
    const eP = d.alloc(8);
    expect(d.call("BS.CreateEvent", 0x8000_0000, 8, 0, 0, eP)).toBe(EFI_SUCCESS);
    const ev = d.u64(eP);
    expect(d.call("BS.SetTimer", ev, 2, 10_000)).toBe(EFI_SUCCESS); // 1 ms
    expect(d.call("BS.CheckEvent", ev)).toBe(EFI_NOT_READY);
    const list = d.alloc(8);
    d.setU64(list, ev);
    const idx = d.alloc(8);
    d.call("BS.WaitForEvent", 1, list, idx);
    expect(d.lastAction).toBe("idle");
    expect(d.fw.idleUntilNs).toBe(1_000_000);
    d.nowNs = 1_000_000;
    expect(d.call("BS.WaitForEvent", 1, list, idx)).toBe(EFI_SUCCESS);
    expect(d.u64(idx)).toBe(0n);
    expect(d.call("BS.CloseEvent", ev)).toBe(EFI_SUCCESS);
    expect(d.call("BS.CheckEvent", ev)).toBe(EFI_INVALID_PARAMETER);
  });

  it("WaitForEvent on ConIn.WaitForKey idles until a key is typed", () => {
    const d = new UefiTestDriver();
    const conIn = Number(d.u64(d.fw.systemTable + 48));
    const waitForKey = d.u64(conIn + 16);
    const list = d.alloc(8);
    d.setU64(list, waitForKey);
    const idx = d.alloc(8);
    d.call("BS.WaitForEvent", 1, list, idx);
    expect(d.lastAction).toBe("idle");
    expect(d.fw.idleUntilNs).toBe(Number.POSITIVE_INFINITY);
    d.input.push(0x71);
    expect(d.call("BS.WaitForEvent", 1, list, idx)).toBe(EFI_SUCCESS);
    const key = d.alloc(4);
    expect(d.call("ConIn.ReadKeyStroke", conIn, key)).toBe(EFI_SUCCESS);
    expect(d.u32(key) >>> 16).toBe(0x71);
    expect(d.call("BS.CheckEvent", waitForKey)).toBe(EFI_NOT_READY);
  });

  it("Stall idles until the time has passed; GetNextMonotonicCount increases", () => {
    const d = new UefiTestDriver();
    d.call("BS.Stall", 500);
    expect(d.lastAction).toBe("idle");
    d.nowNs = 500_000;
    expect(d.call("BS.Stall", 500)).toBe(EFI_SUCCESS);
    const p = d.alloc(8);
    d.call("BS.GetNextMonotonicCount", p);
    const a = d.u64(p);
    d.call("BS.GetNextMonotonicCount", p);
    expect(d.u64(p)).toBe(a + 1n);
  });

  it("GetTime reports the board's wall clock as EFI_TIME; SetTime moves it", () => {
    const d = new UefiTestDriver();
    const t = d.alloc(16);
    expect(d.call("RT.GetTime", t, 0)).toBe(EFI_SUCCESS);
    const dv = new DataView(d.bytes(t, 16).buffer);
    // 1_700_000_000 s = 2023-11-14 22:13:20 UTC (date -u -d @1700000000).
    expect([
      dv.getUint16(0, true),
      dv.getUint8(2),
      dv.getUint8(3),
      dv.getUint8(4),
      dv.getUint8(5),
      dv.getUint8(6),
    ]).toEqual([2023, 11, 14, 22, 13, 20]);
    const nt = new Uint8Array(16);
    const nv = new DataView(nt.buffer);
    nv.setUint16(0, 2030, true);
    nt.set([1, 2, 3, 4, 5], 2);
    nv.setInt16(12, 0x7ff, true);
    d.put(t, nt);
    expect(d.call("RT.SetTime", t)).toBe(EFI_SUCCESS);
    d.call("RT.GetTime", t, 0);
    expect(new DataView(d.bytes(t, 16).buffer).getUint16(0, true)).toBe(2030);
    nt[2] = 13; // month 13
    d.put(t, nt);
    expect(d.call("RT.SetTime", t)).toBe(EFI_INVALID_PARAMETER);
  });

  it("SetVirtualAddressMap (after ExitBootServices) converts the runtime table and system table pointers", () => {
    const d = new UefiTestDriver();
    const sizeP = d.alloc(8);
    const keyP = d.alloc(8);
    const map = d.alloc(16384);
    d.setU64(sizeP, 16384n);
    expect(d.call("RT.SetVirtualAddressMap", 48, 48, 1, map)).toBe(EFI_UNSUPPORTED); // before EBS
    d.call("BS.GetMemoryMap", sizeP, map, keyP, 0, 0);
    expect(d.call("BS.ExitBootServices", d.fw.imageHandle, d.u64(keyP))).toBe(EFI_SUCCESS);
    // Give every runtime descriptor a virtual address: phys + 0xffff_0000_0000_0000 (what an OS might choose).
    const size = Number(d.u64(sizeP));
    const OFF = 0xffff_0000_0000_0000n;
    const runtime: number[] = [];
    for (let o = 0; o < size; o += MEMORY_DESCRIPTOR_SIZE) {
      if (d.u64(map + o + 32) >> 63n) {
        d.setU64(map + o + 16, d.u64(map + o + 8) + OFF);
        runtime.push(o);
      }
    }
    expect(runtime.length).toBeGreaterThanOrEqual(2); // runtime code and data
    // Only runtime descriptors are passed, as Linux does.
    const rt = d.alloc(runtime.length * 48);
    runtime.forEach((o, i) => {
      d.put(rt + 48 * i, d.bytes(map + o, 48));
    });
    expect(d.call("RT.SetVirtualAddressMap", runtime.length * 48, 48, 2, rt)).toBe(EFI_INVALID_PARAMETER);
    expect(d.call("RT.SetVirtualAddressMap", runtime.length * 48, 48, 1, rt)).toBe(EFI_SUCCESS);
    const st = d.fw.systemTable;
    expect(d.u64(st + 88)).toBe(BigInt(d.fw.runtimeServicesTable) + OFF);
    expect(d.u64(st + 24) >> 48n).toBe(0xffffn); // FirmwareVendor
    expect(d.u64(st + 112) >> 48n).toBe(0xffffn); // ConfigurationTable
    const getTime = d.u64(d.fw.runtimeServicesTable + 24);
    expect(getTime).toBe(BigInt(d.fw.stub("RT.GetTime")) + OFF);
    for (const t of [st, d.fw.runtimeServicesTable]) {
      const bytes = d.bytes(t, d.u32(t + 12));
      const stored = new DataView(bytes.buffer).getUint32(16, true);
      bytes.fill(0, 16, 20);
      expect(stored).toBe(zlibCrc32(bytes));
    }
    // Only once.
    expect(d.call("RT.SetVirtualAddressMap", runtime.length * 48, 48, 1, rt)).toBe(EFI_UNSUPPORTED);
  });

  it("ResetSystem reaches the board's reset", () => {
    const d = new UefiTestDriver();
    d.call("RT.ResetSystem", 2, 0, 0, 0);
    expect(d.resets).toEqual(["shutdown"]);
    expect(d.lastAction).toBe("reset");
    d.call("RT.ResetSystem", 0, 0, 0, 0);
    expect(d.resets).toEqual(["shutdown", "cold"]);
  });
});

describe("images", () => {
  it("LoadImage from a buffer, StartImage, the image returns; UnloadImage frees it", () => {
    const d = new UefiTestDriver();
    const file = buildTestPe();
    const src = d.alloc(file.length);
    d.put(src, file);
    const hP = d.alloc(8);
    expect(d.call("BS.LoadImage", 0, d.fw.imageHandle, 0, src, file.length, hP)).toBe(EFI_SUCCESS);
    const h = d.u64(hP);
    d.cpu.setX(19, 0x1919n);
    d.cpu.setX(30, 0x3030n);
    const sp = d.cpu.getX(31);
    d.call("BS.StartImage", h, 0, 0);
    const li = d.alloc(8);
    d.call("BS.HandleProtocol", h, d.guid(guidBytes(GUID.LOADED_IMAGE)), li);
    const base = d.u64(Number(d.u64(li)) + 64);
    // StartImage jumps to the entry point with x0 = handle, x1 = system table, LR = return stub.
    d.call("BS.StartImage", h, 0, 0);
    // (the second StartImage of a started image is refused)
    expect(d.cpu.getX(0)).toBe(EFI_INVALID_PARAMETER);
    void base;
    // The image calls Exit(handle, 0x77).
    d.cpu.setX(19, 0xbadn);
    d.cpu.setX(31, 0x1234n);
    expect(d.call("BS.Exit", h, 0x77, 0, 0)).toBe(0x77n);
    expect(d.cpu.getX(19)).toBe(0x1919n);
    expect(d.cpu.getX(30)).toBe(0x3030n);
    expect(d.cpu.getX(31)).toBe(sp);
    expect(d.call("BS.UnloadImage", h)).toBe(EFI_SUCCESS);
    expect(d.call("BS.UnloadImage", h)).toBe(EFI_INVALID_PARAMETER);
  });

  it("LoadImage refuses an x86-64 image (UNSUPPORTED) and garbage (LOAD_ERROR) with a console message", () => {
    const d = new UefiTestDriver();
    const x86 = buildTestPe({ machine: 0x8664 });
    const src = d.alloc(x86.length);
    d.put(src, x86);
    const hP = d.alloc(8);
    expect(d.call("BS.LoadImage", 0, d.fw.imageHandle, 0, src, x86.length, hP)).toBe(EFI_UNSUPPORTED);
    expect(d.output).toMatch(/machine 0x8664 \(x86-64\)/);
    expect(d.call("BS.LoadImage", 0, d.fw.imageHandle, 0, src + 2, 100, hP)).toBe(0x8000_0000_0000_0001n);
  });
});
