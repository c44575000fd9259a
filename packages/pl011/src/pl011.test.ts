import { RecordingIrqLine } from "@armature/core/test";
import { FdtNode } from "@armature/fdt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describePl011, Pl011 } from "./pl011.js";
import * as R from "./regs.js";

function make() {
  const out: number[] = [];
  const irq = new RecordingIrqLine();
  const u = new Pl011({ backend: { write: (b) => out.push(b) }, irq });
  return { u, out, irq };
}

describe("PL011", () => {
  it("identifies as an ARM PrimeCell PL011 (AMBA periphid 0x?0041011, cellid 0xb105f00d)", () => {
    const { u } = make();
    let pid = 0;
    let cid = 0;
    for (let i = 0; i < 4; i++) {
      pid |= (u.read(0xfe0 + 4 * i, 4) & 0xff) << (8 * i);
      cid |= (u.read(0xff0 + 4 * i, 4) & 0xff) << (8 * i);
    }
    expect((pid & 0x000fffff) >>> 0).toBe(0x00041011);
    expect(cid >>> 0).toBe(0xb105f00d);
  });

  it("keeps the register bits the TRM defines (DDI 0183 3.3) and resets UARTCR to 0x300", () => {
    const { u } = make();
    expect(u.read(R.UARTCR, 4)).toBe(0x300); // TXE | RXE
    expect(u.read(R.UARTIFLS, 4)).toBe(0x12); // 1/2 full each way
    // [register, what all-ones written to it reads back as]
    const kept: Array<[number, number]> = [
      [R.UARTILPR, 0xff], // ILPDVSR
      [R.UARTIBRD, 0xffff], // BAUD DIVINT
      [R.UARTFBRD, 0x3f], // BAUD DIVFRAC
      [R.UARTLCR_H, 0xff],
      [R.UARTCR, 0xff87], // CTSEn..RXE, TXE, LBE; SIRLP, SIREN, UARTEN (bits 6:3 reserved)
      [R.UARTIFLS, 0x3f], // RXIFLSEL, TXIFLSEL
      [R.UARTIMSC, 0x7ff],
      [R.UARTDMACR, 0x7], // DMAONERR, TXDMAE, RXDMAE
    ];
    for (const [reg, want] of kept) {
      u.write(reg, 4, 0xffff_ffff);
      expect([reg, u.read(reg, 4)]).toEqual([reg, want]);
    }
    // UARTRSR/UARTECR: a write clears the error status; UARTRIS and UARTMIS are read-only.
    u.write(R.UARTRSR_ECR, 4, 0xff);
    expect(u.read(R.UARTRSR_ECR, 4)).toBe(0);
    const ris = u.read(R.UARTRIS, 4);
    u.write(R.UARTRIS, 4, 0x7ff);
    expect(u.read(R.UARTRIS, 4)).toBe(ris);
  });

  it("transmits bytes written to UARTDR and never reports TX full", () => {
    const { u, out } = make();
    for (const c of "hi\n") u.write(R.UARTDR, 4, c.charCodeAt(0));
    expect(String.fromCharCode(...out)).toBe("hi\n");
    expect(u.read(R.UARTFR, 4) & R.FR_TXFF).toBe(0);
    expect(u.read(R.UARTFR, 4) & R.FR_TXFE).toBe(R.FR_TXFE);
  });

  it("holds one byte without FIFO and 32 with FEN, keeping the rest as backlog in order", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.boolean(), (data, fen) => {
        const { u } = make();
        if (fen) u.write(R.UARTLCR_H, 4, R.LCRH_FEN | 0x60);
        u.receive(data);
        const got: number[] = [];
        while (!(u.read(R.UARTFR, 4) & R.FR_RXFE)) got.push(u.read(R.UARTDR, 4) & 0xff);
        expect(got).toEqual([...data]);
        expect(u.backlog).toBe(0);
      }),
    );
  });

  it("raises its level interrupt for RX only while unmasked data is waiting", () => {
    const { u, irq } = make();
    u.write(R.UARTIMSC, 4, R.INT_RX | R.INT_RT);
    expect(irq.level).toBe(false);
    u.receive([0x41]);
    expect(irq.level).toBe(true);
    expect(u.read(R.UARTMIS, 4) & (R.INT_RX | R.INT_RT)).not.toBe(0);
    u.write(R.UARTICR, 4, R.INT_ALL); // clearing does not hide a non-empty FIFO
    expect(irq.level).toBe(true);
    expect(u.read(R.UARTDR, 4)).toBe(0x41);
    expect(irq.level).toBe(false);
  });

  it("sets TX interrupt after a write, cleared by ICR; masked TX does not raise the line", () => {
    const { u, irq } = make();
    u.write(R.UARTDR, 4, 0x30);
    expect(u.read(R.UARTRIS, 4) & R.INT_TX).toBe(R.INT_TX);
    expect(irq.level).toBe(false);
    u.write(R.UARTIMSC, 4, R.INT_TX);
    expect(irq.level).toBe(true);
    u.write(R.UARTICR, 4, R.INT_TX);
    expect(irq.level).toBe(false);
  });

  it("loops transmitted bytes back in loopback mode", () => {
    const { u, out } = make();
    u.write(R.UARTCR, 4, R.CR_UARTEN | R.CR_TXE | R.CR_RXE | R.CR_LBE);
    u.write(R.UARTDR, 4, 0x7a);
    expect(out).toEqual([]);
    expect(u.read(R.UARTDR, 4)).toBe(0x7a);
  });

  it("answers guest mistakes without throwing", () => {
    const { u } = make();
    expect(() => {
      u.write(R.UARTFR, 4, 0xffff);
      u.write(0x800, 4, 1);
      u.read(0x900, 4);
      u.read(R.UARTDR, 1);
    }).not.toThrow();
  });

  it("describes itself like a PrimeCell node with a 3-cell GIC interrupt", () => {
    const root = new FdtNode("");
    const n = describePl011(root, { base: 0x9000000, interrupts: [0, 1, 4], clockPhandle: 0x8000 });
    expect(n.name).toBe("pl011@9000000");
    expect([...n.property("interrupts")!.value]).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4]);
    expect(new TextDecoder().decode(n.property("compatible")!.value)).toBe("arm,pl011\0arm,primecell\0");
    // QEMU virt's uart node: reg = <0x00 0x9000000 0x00 0x1000>
    expect(n.getCells("reg")).toEqual([0, 0x9000000, 0, 0x1000]);
  });
});
