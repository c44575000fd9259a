import { Bus } from "@armature/core";
import { UefiFirmware } from "@armature/uefi";
import { buildTestPe, FakeCpu } from "@armature/uefi/test";

const bus = new Bus();
bus.addRam("ram", 0x4000_0000, 64 << 20);
const fw = new UefiFirmware(
  {
    memory: bus,
    ram: [{ base: 0x4000_0000, size: 64 << 20 }],
    mmio: [{ base: 0x0900_0000, size: 0x1000 }],
    console: { write: (b) => process.stdout.write(b) },
    wallClockMs: () => Date.now(),
    monotonicNs: () => Number(process.hrtime.bigint()),
    reset: (kind) => console.log(`reset: ${kind}`),
  },
  { image: buildTestPe(), cmdline: "console=ttyAMA0" }, // any AArch64 PE: e.g. a Linux Image
);
// A guest calling ConOut.OutputString(ConOut, L"Hi\r\n"): x0, x1, then the stub's HVC.
const text = 0x4000_0000;
bus.writeBytes(text, new Uint8Array([72, 0, 105, 0, 13, 0, 10, 0, 0, 0]));
const cpu = new FakeCpu();
cpu.setX(0, bus.read64(fw.systemTable + 64));
cpu.setX(1, BigInt(text));
const stub = fw.stub("ConOut.OutputString");
cpu.setPC(BigInt(stub + 4));
fw.hvc((bus.read(stub, 4) >>> 5) & 0xffff, cpu); // prints "Hi"; x0 = EFI_SUCCESS
console.log(`entry pc 0x${fw.entry.pc.toString(16)}, system table 0x${fw.systemTable.toString(16)}`);
