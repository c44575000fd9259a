export { ScriptedConsole } from "./console.js";
export type { QemuRun } from "./edk2.js";
export {
  AAVMF_DIR,
  edk2Missing,
  KERNEL_FIRST_LINE,
  makeEfiDisk,
  QEMU_EFI,
  qemuEfiBoot,
  smbiosSystem,
} from "./edk2.js";
export type { LinuxSession } from "./linux.js";
export { bootLinux, diskSha256, guestFiles, M1_CPUINFO_FEATURES } from "./linux.js";
