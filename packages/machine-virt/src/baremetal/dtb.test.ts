import { parseDtb } from "@armature/fdt";
import { describe, expect, it, vi } from "vitest";
import { assemble, runBare } from "./harness.js";
import { LAYOUTS } from "./suite.js";

// Runs under QEMU and on a loaded 2-core CI machine: allow more than the default 5 s.
vi.setConfig({ testTimeout: 30_000 });

describe.each(LAYOUTS)("bare-metal boot arguments, %s layout", (name, layout) => {
  it("a raw binary gets the DTB in x0 (x1-x3 zero), in RAM and clear of the image", async () => {
    const bin = assemble("dtb", layout);
    const r = await runBare(bin, name);
    const m = /^at 0x([0-9a-f]+) size 0x([0-9a-f]+)$/m.exec(r.out);
    expect(m).not.toBeNull();
    const at = Number.parseInt(m![1]!, 16);
    const size = Number.parseInt(m![2]!, 16);
    expect(r.out).toBe(
      [
        "dtb",
        "x1 zero ok",
        "x2 zero ok",
        "x3 zero ok",
        "fdt magic ok",
        "fdt version ok",
        m![0],
        "done",
        "",
      ].join("\n"),
    );
    expect(size).toBe(r.machine.dtb.length);
    expect(r.machine.ram.contains(at, size)).toBe(true);
    const image = [layout.ramBase + 0x80000, layout.ramBase + 0x80000 + bin.length + 0x8000];
    expect(at + size <= image[0]! || at >= image[1]!).toBe(true);
    expect(parseDtb(r.machine.cpus[0]!.readVirt(at, size)).root.child("chosen")).toBeDefined();
  });
});
