// Time to read, place and load Debian's kernel Image (prints figures; never fails on timing).
import { existsSync, readFileSync } from "node:fs";
import { RamRegion } from "@armature/core";
import { FdtNode } from "@armature/fdt";
import { loadLinux, readKernel } from "../src/index.js";

const path = new URL("../../../.cache/guest/Image", import.meta.url);
if (!existsSync(path)) {
  console.log("no .cache/guest/Image: run `bash scripts/fetch-guest.sh` first");
} else {
  const image = new Uint8Array(readFileSync(path));
  const ram = new RamRegion("ram", 0x40000000, 256 * 1024 * 1024);
  const initrd = new Uint8Array(1 << 20);
  let t = performance.now();
  const k = readKernel(image);
  console.log(`readKernel          ${(performance.now() - t).toFixed(2)} ms (${k.data.length} bytes)`);
  t = performance.now();
  const n = 20;
  for (let i = 0; i < n; i++)
    loadLinux({ ram, kernel: k, initrd, fdt: new FdtNode(""), kaslrSeed: false, rngSeed: false });
  const dt = (performance.now() - t) / n;
  console.log(
    `loadLinux           ${dt.toFixed(2)} ms per load (${((k.footprint / dt) * 1e-3).toFixed(0)} MB/s)`,
  );
}
