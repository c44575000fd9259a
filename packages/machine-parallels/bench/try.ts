import { readFileSync } from "node:fs";
import { MemoryBlockBackend } from "@armature/core";
import { ParallelsMachine } from "../src/index.js";

const g = process.argv[2] ?? "../../.cache/guest-generic";
let out = "";
const m = new ParallelsMachine({
  kernel: new Uint8Array(readFileSync(`${g}/Image`)),
  initrd: new Uint8Array(readFileSync(`${g}/initramfs.cpio.gz`)),
  cmdline: "console=ttyAMA0 loglevel=6",
  disk: new MemoryBlockBackend(new Uint8Array(64 << 20)),
  console: {
    write: (b) => {
      const s = Buffer.from(b).toString("latin1");
      out += s;
      process.stdout.write(s);
    },
  },
});
const t0 = Date.now();
const cmds = (process.argv[3] ?? "").split(";;").filter(Boolean);
let sent = false;
const timer = setInterval(() => {
  if (!sent && out.includes("ARMATURE-SHELL-READY")) {
    sent = true;
    console.error(`\n[shell after ${(Date.now() - t0) / 1000}s, ${m.retired() / 1e6}M insns]`);
    m.input(new TextEncoder().encode(`${[...cmds, "poweroff -f"].join("\n")}\n`));
  }
}, 200);
const r = await m.run({ maxInstructions: 6e9 });
clearInterval(timer);
console.error(`\n[stop ${r} after ${(Date.now() - t0) / 1000}s, ${m.retired() / 1e6}M insns]`);
