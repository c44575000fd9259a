// Boot benchmark: wall time from start to the initramfs's shell marker and
// guest MIPS on the virt board, beside qemu-system-aarch64 (TCG) on the same kernel and initramfs.
// Prints figures; never fails on timing.
import { bootLinux, guestFiles } from "../src/test/index.js";
import { hostLine, qemuLinux } from "./qemu.js";

/** Wall time until QEMU's console shows the shell marker. */
function qemuBootMs(image: string, initrd: string): Promise<number | null> {
  const t0 = Date.now();
  let out = "";
  return qemuLinux(image, initrd, [], (text) => {
    out += text;
    return out.includes("ARMATURE-SHELL-READY") ? Date.now() - t0 : undefined;
  });
}

const { image, initrd } = guestFiles();
console.log(hostLine());
const q = await qemuBootMs(image, initrd);
const s = await bootLinux({ layout: "vz" });
s.machine.stop();
await s.stopped;
const ours = s.bootMs / 1000;
console.log(
  `armature (vz, m1): shell marker after ${ours.toFixed(1)} s, ${(s.bootInstructions / 1e6).toFixed(0)} M guest instructions, ${(s.bootInstructions / 1e6 / ours).toFixed(1)} MIPS, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (CPU engine ${process.env.ARMATURE_CPU_ENGINE ?? "default"})`,
);
if (q === null) console.log("qemu-system-aarch64: not available or did not reach the marker in 300 s");
else {
  console.log(
    `qemu-system-aarch64 7.2 TCG (virt, cortex-a72): shell marker after ${(q / 1000).toFixed(1)} s`,
  );
  console.log(`ratio armature / qemu: ${(ours / (q / 1000)).toFixed(1)}x`);
}
