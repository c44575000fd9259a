// A kernel given as a BootImageFile (a size and reads at offsets, e.g. `armature run --machine
// parallels --kernel FILE`) runs as the same bytes given whole do: the built-in UEFI reads it
// straight into guest RAM where it lays the image out.
import { ConfigError } from "@armature/core";
import { bootImageFileOf, buildTestPe } from "@armature/uefi/test";
import { describe, expect, it } from "vitest";
import { ParallelsMachine } from "./index.js";

describe("ParallelsMachine kernel as a BootImageFile", () => {
  it("runs as the same bytes do, read in pieces; an empty one is a ConfigError", async () => {
    const image = buildTestPe();
    const { file, reads } = bootImageFileOf(image);
    const runs: [string, number, string][] = [];
    for (const kernel of [image, file]) {
      let text = "";
      const m = new ParallelsMachine({
        kernel,
        memoryMiB: 256,
        net: "none",
        deterministic: true,
        console: {
          write: (b) => {
            text += new TextDecoder().decode(b);
          },
        },
      });
      try {
        const stop = await m.run({ maxInstructions: 5_000_000 });
        runs.push([text, m.retired(), stop]);
      } finally {
        m.close();
      }
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0]![0]).toMatch(/the boot image returned \(status 0x0\)/);
    expect(reads.length).toBeGreaterThan(1); // the headers, then the sections
    expect(() => new ParallelsMachine({ kernel: { size: 0, read() {} }, net: "none" })).toThrow(ConfigError);
  });
});
