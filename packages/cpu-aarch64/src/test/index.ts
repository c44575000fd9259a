// Test helpers for users of @armature/cpu-aarch64 (and this package's own tests): assemble with
// llvm-mc, run instruction records under qemu-aarch64 user mode as an independent oracle. The
// vitest-bound suites (oracle-suite.ts, tools.ts, pac-oracle.ts) stay internal.
export { asm } from "./asm.js";
export type { RecordFormat } from "./qemu-user.js";
export { QemuRecordOracle, QemuUser } from "./qemu-user.js";
