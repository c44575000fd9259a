// Throughput of table building, AML encoding and layout for the sample machine. Prints figures; never fails.
import { aml, encodeAml, layoutAcpi, sampleSmbios, sampleTableSet } from "../src/index.js";

function bench(name: string, fn: () => unknown, ms = 500): void {
  for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    t = performance.now();
  }
  const per = ((t - t0) * 1000) / n;
  console.log(
    `${name.padEnd(44)} ${per.toFixed(1).padStart(9)} us/op  ${Math.round(n / ((t - t0) / 1000))
      .toString()
      .padStart(8)} op/s`,
  );
}

bench("sample table set (11 tables incl. DSDT)", () => sampleTableSet());
const set = sampleTableSet();
bench("layout at 0x7c000000 (RSDP/XSDT + fix-ups)", () => layoutAcpi(set, 0x7c00_0000));
bench("SMBIOS sample (10 structures) + dump", () => sampleSmbios().buildDump());
const big = Array.from({ length: 256 }, (_, i) =>
  aml.device(`D${i.toString(16).toUpperCase().padStart(3, "0")}`, [
    aml.hid("ARMH0011"),
    aml.uid(i),
    aml.sta(),
  ]),
);
bench("encode 256 devices (3 names each)", () => encodeAml([aml.scope("\\_SB", big)]));
