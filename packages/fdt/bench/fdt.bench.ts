// Serializer and parser throughput on a QEMU-virt-sized tree (prints figures; never fails on timing).
import { FdtNode, parseDtb, printDts, serializeDtb, setReg } from "../src/index.js";

function virtLike(cpus: number, devices: number): FdtNode {
  const root = new FdtNode("").setU32("#address-cells", 2).setU32("#size-cells", 2);
  root.setString("compatible", "linux,dummy-virt");
  const cpusNode = root.addChild("cpus").setU32("#address-cells", 1).setU32("#size-cells", 0);
  for (let i = 0; i < cpus; i++)
    cpusNode
      .addChild(`cpu@${i}`)
      .setString("device_type", "cpu")
      .setString("compatible", "arm,cortex-a72")
      .setU32("reg", i);
  for (let i = 0; i < devices; i++) {
    const base = 0xa000000 + i * 0x200;
    const n = root.addChild(`virtio_mmio@${base.toString(16)}`);
    n.setEmpty("dma-coherent")
      .setCells("interrupts", [0, 16 + i, 1])
      .setString("compatible", "virtio,mmio");
    setReg(n, root, [{ address: base, size: 0x200 }]);
  }
  root.addChild("chosen").setString("bootargs", "console=ttyAMA0 root=/dev/vda");
  return root;
}

const tree = virtLike(8, 32);
const blob = serializeDtb(tree);
const time = (label: string, n: number, f: () => void): void => {
  for (let i = 0; i < 50; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  const dt = performance.now() - t0;
  console.log(
    `${label.padEnd(28)} ${((n / dt) * 1000).toFixed(0).padStart(8)} ops/s  ${((blob.length * n) / dt / 1000).toFixed(1)} MB/s`,
  );
};
console.log(`tree: ${blob.length}-byte DTB`);
time("serializeDtb", 5000, () => serializeDtb(tree));
time("parseDtb (strict)", 5000, () => parseDtb(blob));
time("parseDtb (structure only)", 5000, () => parseDtb(blob, { strict: false }));
time("printDts", 5000, () => printDts(tree));
