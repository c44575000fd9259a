import { describe, expect, it, vi } from "vitest";
import { QEMU_LAYOUT } from "../layout.js";
import { assemble, runBare, runQemu } from "./harness.js";

vi.setConfig({ testTimeout: 60_000 });

const EXPECTED = `its reset
gits_ctlr ok
gits_iidr implementer ok
gits_typer ok
gits_cbaser ok
gits_cwriter ok
gits_creadr ok
${[0, 1, 2, 3, 4, 5, 6, 7].map((n) => `gits_baser${n} ok`).join("\n")}
done
`;

describe("bare-metal ITS reset values, qemu layout", () => {
  const bin = () => assemble("its-reset", QEMU_LAYOUT);

  it("GITS_CTLR, TYPER, IIDR, CBASER, CWRITER, CREADR, BASER0-7 (Page_Size 64 KB) read as on QEMU", async () => {
    const r = await runBare(bin(), "qemu");
    expect(r.out).toBe(EXPECTED);
    expect(r.stop).toBe("poweroff");
  });

  it("prints the same verdicts under qemu-system-aarch64 -M virt,gic-version=3 -cpu max", () => {
    expect(runQemu(bin(), { extra: ["-cpu", "max"] })).toBe(EXPECTED);
  });
});
