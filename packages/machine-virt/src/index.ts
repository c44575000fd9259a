export type { VirtLayout } from "./layout.js";
export { LAYOUTS, QEMU_LAYOUT, VZ_LAYOUT } from "./layout.js";
export type { ConsoleSink, MachineStop, VirtMachineOptions } from "./machine.js";
export { VirtMachine } from "./machine.js";
export type { CpuPowerState, PsciPlatform } from "./psci.js";
export { AffinityState, Psci, PsciReturn } from "./psci.js";
