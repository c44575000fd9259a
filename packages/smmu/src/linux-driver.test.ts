/**
 * The register sequence Linux's arm-smmu-v3 driver performs at probe and when it attaches a PCI
 * device to a DMA domain (facts from drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c:
 * arm_smmu_device_hw_probe, arm_smmu_init_strtab_2lvl, arm_smmu_device_reset, the MSI-polled
 * CMD_SYNC, and __arm_smmu_cmdq_skip_err), played against the model.
 */
import { BusDmaSpace, DmaStatus, TranslatingDmaSpace } from "@armature/core";
import { Desc } from "@armature/mmu/test";
import { describe, expect, it } from "vitest";
import { Evt, Reg } from "./regs.js";
import { L, makeFixture } from "./test/fixture.js";
import { Cmd, encodeCd, encodeSte } from "./test/guest.js";

const bit = (v: number, n: number): number => (v >>> n) & 1;
const field = (v: number, lsb: number, width: number): number => (v >>> lsb) & ((1 << width) - 1);

// ARM_SMMU_FEAT_* bit numbers as the driver defines them.
const FEAT = {
  L2STR: 0,
  L2CD: 1,
  TT_LE: 2,
  SEV: 6,
  MSI: 7,
  COHERENCY: 8,
  S1: 9,
  S2: 10,
  HYP: 12,
  NESTING: 19,
};

describe("Linux arm-smmu-v3 probe and attach sequence", () => {
  it("probes (features, ias/oas), resets with MSI-polled CMD_SYNCs, attaches a device, maps, unmaps, reports a fault", () => {
    const fx = makeFixture();
    const { smmu, g } = fx;
    const rd = (o: number) => smmu.read(o, 4);
    const wr = (o: number, v: number) => smmu.write(o, 4, v >>> 0);
    const wrq = (o: number, v: bigint) => smmu.write64!(o, v);
    const syncWrite = (o: number, ack: number, v: number) => {
      wr(o, v);
      expect(rd(ack), `ack of 0x${o.toString(16)}`).toBe(v); // readl_relaxed_poll_timeout(..., reg == val)
    };

    // ---- arm_smmu_device_hw_probe ----
    let features = 1 << FEAT.COHERENCY; // DT "dma-coherent"
    const idr0 = rd(Reg.IDR0);
    if (field(idr0, 27, 2) === 1) features |= 1 << FEAT.L2STR;
    if (bit(idr0, 19)) features |= 1 << FEAT.L2CD;
    expect(field(idr0, 21, 2)).toBe(2); // TTENDIAN_LE, else -ENXIO on a little-endian kernel
    features |= 1 << FEAT.TT_LE;
    if (bit(idr0, 14)) features |= 1 << FEAT.SEV;
    if (bit(idr0, 13)) features |= 1 << FEAT.MSI; // + OPT_MSIPOLL (coherent)
    if (bit(idr0, 9)) features |= 1 << FEAT.HYP;
    expect(bit(idr0, 4)).toBe(1); // COHACC agrees with the firmware: no warning
    expect(field(idr0, 24, 2)).not.toBe(0); // STALL_MODEL: no stalls
    expect(field(idr0, 24, 2)).not.toBe(2);
    if (bit(idr0, 1)) features |= 1 << FEAT.S1;
    if (bit(idr0, 0)) features |= 1 << FEAT.S2;
    expect(field(idr0, 2, 2)).toBe(2); // TTF AArch64 (ias stays 0 before max(ias, oas))
    const asidBits = bit(idr0, 12) ? 16 : 8;
    const idr1 = rd(Reg.IDR1);
    expect(idr1 & (7 << 28)).toBe(0); // "embedded implementation not supported"
    const cmdqShift = Math.min(19 - 4, field(idr1, 21, 5)); // capped to CMDQ_MAX_SZ_SHIFT (4K pages, order 10... ample)
    expect(cmdqShift).toBeGreaterThan(6); // "command queue size <= 64 entries not supported"
    const evtqShift = Math.min(19 - 5, field(idr1, 16, 5));
    const sidBits = field(idr1, 0, 6);
    expect(sidBits).toBeGreaterThan(8); // keeps the 2-level stream table
    const idr5 = rd(Reg.IDR5);
    const oas = [32, 36, 40, 42, 44, 48, 52][field(idr5, 0, 3)]!;
    const ias = Math.max(0, oas);
    if (features & (1 << FEAT.S1) && features & (1 << FEAT.S2)) features |= 1 << FEAT.NESTING;
    expect(bit(idr5, 4)).toBe(1); // SZ_4K | SZ_2M | SZ_1G in pgsize_bitmap
    // dmesg: "ias 48-bit, oas 48-bit (features 0x000817c7)"
    expect({ ias, oas, features: `0x${features.toString(16).padStart(8, "0")}` }).toEqual({
      ias: 48,
      oas: 48,
      features: "0x000817c7",
    });
    expect(asidBits).toBe(16);

    // ---- arm_smmu_init_queues / arm_smmu_init_strtab_2lvl ----
    const cmdqLog2 = Math.min(cmdqShift, 8); // our fixture's queue memory
    const evtqLog2 = Math.min(evtqShift, 6);
    const l1Size = Math.min(17, sidBits - 8); // STRTAB_L1_SZ_SHIFT (20) - 3, capped to SIDSIZE - SPLIT
    const strtabCfg = (1 << 16) | (8 << 6) | (l1Size + 8);
    for (let i = 0; i < 2 ** l1Size; i++) g.put64(L.strtab + 8 * i, 0n); // invalid L1 descriptors

    // ---- arm_smmu_device_reset ----
    expect(rd(Reg.CR0) & 1).toBe(0); // not "SMMU currently enabled! Resetting..."
    syncWrite(Reg.CR0, Reg.CR0ACK, 0);
    wr(Reg.CR1, (3 << 10) | (1 << 8) | (1 << 6) | (3 << 4) | (1 << 2) | 1);
    wr(Reg.CR2, (1 << 2) | (1 << 1)); // PTM | RECINVSID
    wrq(Reg.STRTAB_BASE, BigInt(L.strtab) | (1n << 62n));
    wr(Reg.STRTAB_BASE_CFG, strtabCfg);
    wrq(Reg.CMDQ_BASE, (1n << 62n) | BigInt(L.cmdq) | BigInt(cmdqLog2));
    wr(Reg.CMDQ_PROD, 0);
    wr(Reg.CMDQ_CONS, 0);
    syncWrite(Reg.CR0, Reg.CR0ACK, 8);
    let prod = 0;
    const n = 2 ** cmdqLog2;
    // arm_smmu_cmdq_issue_cmd_with_sync with MSI polling: the CMD_SYNC's MSI targets its own slot.
    const issueWithSync = (cmd: bigint[]) => {
      const put = (c: bigint[]) => {
        const at = L.cmdq + (prod % n) * 16;
        g.put64(at, c[0]!);
        g.put64(at + 8, c[1]!);
        prod = (prod + 1) % (2 * n);
        return at;
      };
      put(cmd);
      const syncAt = L.cmdq + (prod % n) * 16;
      put(Cmd.sync(1, BigInt(syncAt), 0));
      expect(fx.bus.read(syncAt, 4)).not.toBe(0);
      wr(Reg.CMDQ_PROD, prod);
      expect(fx.bus.read(syncAt, 4), "CMD_SYNC MSI write of 0 to its own first word").toBe(0);
      expect(rd(Reg.CMDQ_CONS)).toBe(prod);
    };
    issueWithSync(Cmd.cfgiAll());
    issueWithSync(Cmd.tlbiEl2All());
    issueWithSync(Cmd.tlbiNsnhAll());
    wrq(Reg.EVTQ_BASE, (1n << 62n) | BigInt(L.evtq) | BigInt(evtqLog2));
    wr(Reg.PAGE1 + Reg.EVTQ_PROD, 0);
    wr(Reg.PAGE1 + Reg.EVTQ_CONS, 0);
    syncWrite(Reg.CR0, Reg.CR0ACK, 8 | 4);
    syncWrite(Reg.IRQ_CTRL, Reg.IRQ_CTRLACK, 0);
    wrq(Reg.GERROR_IRQ_CFG0, 0n); // arm_smmu_setup_msis: no msi-parent -> wired IRQs
    wrq(Reg.EVTQ_IRQ_CFG0, 0n);
    syncWrite(Reg.IRQ_CTRL, Reg.IRQ_CTRLACK, 4 | 1);
    syncWrite(Reg.CR0, Reg.CR0ACK, 8 | 4 | 1);
    expect(rd(Reg.GERROR) ^ rd(Reg.GERRORN)).toBe(0);

    // ---- attach PCI device 00:01.0 (RID 8) to a DMA domain ----
    const sid = 8;
    const dev = new TranslatingDmaSpace(new BusDmaSpace(fx.bus), smmu, sid);
    const buf = new Uint8Array(16);
    // arm_smmu_init_l2_strtab: L2 table of 256 abort STEs, L1 descriptor with span 9.
    const l2 = L.strtab + 0x10_0000;
    const abort = encodeSte({ config: "abort" });
    for (let i = 0; i < 256; i++) for (let j = 0; j < 8; j++) g.put64(l2 + i * 64 + j * 8, abort[j] ?? 0n);
    g.put64(L.strtab + (sid >> 8) * 8, BigInt(l2) | 9n);
    issueWithSync(Cmd.cfgiSte(sid));
    expect(dev.read(0x1000, buf)).toBe(DmaStatus.Fault); // abort STE: no event
    // io-pgtable ARM_64_LPAE_S1: 4K granule, 48-bit IAS, WBWA ISH walks, AP_UNPRIV leaves, nG.
    const pt = fx.tables(12, 48);
    const root = pt.alloc();
    const cd = L.cds;
    const asid = 1;
    const words = encodeCd({ t0sz: 16, tg0: 0, ips: 5, asid, ttb0: root, mair: 0x0404_44ffn });
    // IRGN0/ORGN0 = WBWA, SH0 = ISH, ASET as Linux sets them (ignored by the model, must be accepted).
    words[0] = words[0]! | (1n << 8n) | (1n << 10n) | (3n << 12n) | (1n << 47n);
    for (let j = 0; j < 8; j++) g.put64(cd + j * 8, words[j] ?? 0n);
    const ste = encodeSte({ config: "s1", ctxPtr: cd, s1dss: 0 });
    ste[1] = ste[1]! | (1n << 2n) | (1n << 4n) | (3n << 6n) | (1n << 44n); // S1CIR/COR WBRA, S1CSH ISH, SHCFG incoming
    for (let j = 0; j < 8; j++) g.put64(l2 + sid * 64 + j * 8, ste[j] ?? 0n);
    issueWithSync(Cmd.cfgiSte(sid));
    const iova = 0xffff_f000;
    fx.bus.write(L.data, 4, 0xc0ffee);
    pt.map(root, BigInt(iova), L.data, 3, Desc.AF | Desc.AP(1) | Desc.SH(3) | Desc.nG | Desc.AttrIndx(0));
    expect(dev.read(iova, buf)).toBe(DmaStatus.Ok);
    expect(new DataView(buf.buffer).getUint32(0, true)).toBe(0xc0ffee);
    // iommu_unmap (strict): clear the PTE, TLBI_NH_VA(asid, iova, leaf), CMD_SYNC.
    pt.unmap(root, BigInt(iova), 3);
    issueWithSync(Cmd.tlbiNhVa(asid, BigInt(iova)));
    expect(dev.read(iova, buf)).toBe(DmaStatus.Fault);
    // arm_smmu_evtq_thread: one F_TRANSLATION record for the device's StreamID and IOVA.
    const ev = g.events();
    expect(ev).toMatchObject([
      { type: Evt.F_TRANSLATION, sid, inputAddr: BigInt(iova), rnw: true, s2: false },
    ]);
    expect(fx.pulses.eventq).toBe(1);

    // ---- __arm_smmu_cmdq_skip_err: an illegal command is replaced by a CMD_SYNC, GERRORN acked ----
    const badAt = L.cmdq + (prod % n) * 16;
    g.put64(badAt, 0x40n); // CMD_ATC_INV: no ATS
    g.put64(badAt + 8, 0n);
    prod = (prod + 1) % (2 * n);
    wr(Reg.CMDQ_PROD, prod);
    const gerror = rd(Reg.GERROR);
    expect((gerror ^ rd(Reg.GERRORN)) & 1).toBe(1);
    expect(field(rd(Reg.CMDQ_CONS), 24, 7)).toBe(1); // "Illegal command"
    g.put64(badAt, Cmd.sync()[0]!);
    wr(Reg.GERRORN, gerror);
    expect(rd(Reg.CMDQ_CONS)).toBe(prod);
  });
});
