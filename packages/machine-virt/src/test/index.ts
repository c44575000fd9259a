export { ScriptedConsole } from "./console.js";
export type { LinuxSession } from "./linux.js";
export { bootLinux, diskSha256, guestFiles, M1_CPUINFO_FEATURES } from "./linux.js";
