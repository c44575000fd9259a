// Boot benchmark (issue #10 part 6): wall time from start to the initramfs's shell marker and
// guest MIPS on the virt board, beside qemu-system-aarch64 (TCG) on the same kernel and initramfs.
// Prints figures; never fails on timing.
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { bootLinux, guestFiles } from "../src/test/index.js";

async function qemuBootMs(image: string, initrd: string): Promise<number | null> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let out = "";
    let p: ReturnType<typeof spawn>;
    try {
      p = spawn(
        "qemu-system-aarch64",
        [
          "-M",
          "virt",
          "-cpu",
          "cortex-a72",
          "-m",
          "1024",
          "-nographic",
          "-kernel",
          image,
          "-initrd",
          initrd,
          "-append",
          "console=ttyAMA0",
        ],
        { stdio: ["pipe", "pipe", "pipe"] },
      );
    } catch {
      resolve(null);
      return;
    }
    const timer = setTimeout(() => {
      p.kill("SIGKILL");
      resolve(null);
    }, 300_000);
    p.on("error", () => resolve(null));
    p.stdout?.on("data", (d: Buffer) => {
      out += d.toString("latin1");
      if (out.includes("ARMATURE-SHELL-READY")) {
        const ms = Date.now() - t0;
        clearTimeout(timer);
        p.kill("SIGKILL");
        resolve(ms);
      }
    });
  });
}

const { image, initrd } = guestFiles();
console.log(
  `host: ${cpus().length} cores, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
const q = await qemuBootMs(image, initrd);
const s = await bootLinux({ layout: "vz" });
s.machine.stop();
await s.stopped;
const ours = s.bootMs / 1000;
console.log(
  `armature (vz, m1): shell marker after ${ours.toFixed(1)} s, ${(s.bootInstructions / 1e6).toFixed(0)} M guest instructions, ${(s.bootInstructions / 1e6 / ours).toFixed(1)} MIPS`,
);
if (q === null) console.log("qemu-system-aarch64: not available or did not reach the marker in 300 s");
else {
  console.log(
    `qemu-system-aarch64 7.2 TCG (virt, cortex-a72): shell marker after ${(q / 1000).toFixed(1)} s`,
  );
  console.log(`ratio armature / qemu: ${(ours / (q / 1000)).toFixed(1)}x`);
}
