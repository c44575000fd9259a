// Network benchmark: a guest TCP download from a host HTTP server through the user
// network (wget from 10.0.2.2 = the host's 127.0.0.1, to /dev/null), in MB/s, on the virt board
// and under qemu-system-aarch64 (TCG) with QEMU's own user network (slirp) on the same kernel and
// initramfs. The guest gets its address from /init's udhcpc in both. Prints figures; never fails
// on timing. NET_BENCH_MIB sets the size (default 16).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { bootLinux, guestFiles } from "../src/test/index.js";
import { hostLine, qemuLinux } from "./qemu.js";

const MIB = Number(process.env.NET_BENCH_MIB ?? 16);
const blob = randomBytes(MIB << 20);
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-length": blob.length });
  res.end(blob);
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const addr = server.address();
const port = typeof addr === "object" && addr !== null ? addr.port : 0;

const WAIT_LEASE = "for i in $(seq 100); do route -n | grep -q '^0\\.0\\.0\\.0' && break; sleep 0.1; done";
const WGET = `wget -q -O /dev/null http://10.0.2.2:${port}/blob && echo WGET-OK`;

/** The same commands under QEMU: wall time of the download, or null when QEMU is unavailable. */
function qemuDownloadMs(image: string, initrd: string): Promise<number | null> {
  let out = "";
  let stage = 0;
  let t0 = 0;
  return qemuLinux(image, initrd, ["-nic", "user,model=virtio-net-pci"], (text, stdin) => {
    out += text;
    if (stage === 0 && /ARMATURE-SHELL-READY[\s\S]*\/ # $/.test(out)) {
      stage = 1;
      stdin?.write(`${WAIT_LEASE}; echo LEASE-DONE\n`);
    } else if (stage === 1 && /\nLEASE-DONE/.test(out)) {
      stage = 2;
      out = "";
      t0 = Date.now();
      stdin?.write(`${WGET}\n`);
    } else if (stage === 2 && /\nWGET-OK/.test(out)) return Date.now() - t0;
    return undefined;
  });
}

const { image, initrd } = guestFiles();
console.log(`${hostLine()}; ${MIB} MiB from a host HTTP server on 127.0.0.1, wget to /dev/null in the guest`);
const mbs = (ms: number) => ((MIB * 1.048576) / (ms / 1000)).toFixed(2);
const q = await qemuDownloadMs(image, initrd);
const s = await bootLinux({ layout: "vz" });
await s.sh(WAIT_LEASE);
const t0 = Date.now();
const r = await s.sh(WGET, 30 * 60_000);
const ours = Date.now() - t0;
s.machine.stop();
await s.stopped;
server.close();
if (!r.includes("WGET-OK")) console.log(`armature: the download failed:\n${r}`);
else console.log(`armature (vz, user network): ${(ours / 1000).toFixed(1)} s, ${mbs(ours)} MB/s`);
if (q === null) console.log("qemu-system-aarch64 (slirp): not available or did not finish in 300 s");
else {
  console.log(
    `qemu-system-aarch64 TCG (virt, cortex-a72, slirp): ${(q / 1000).toFixed(1)} s, ${mbs(q)} MB/s`,
  );
  if (r.includes("WGET-OK")) console.log(`ratio qemu / armature throughput: ${(ours / q).toFixed(1)}x`);
}
