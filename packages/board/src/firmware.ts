import { type Cpu, SR } from "@armature/cpu-aarch64";

/** EL1's translation registers, for host firmware that follows the OS's virtual pointers. */
export interface FirmwareTranslationRegs {
  sctlr: bigint;
  tcr: bigint;
  ttbr0: bigint;
  ttbr1: bigint;
}

/**
 * What host-implemented firmware (a UEFI, a PSCI/SMCCC service) reads and writes of the vCPU that
 * trapped into it. Structurally the same as @armature/uefi's `UefiCpu`, so boards pass it through
 * without this package importing the firmware.
 */
export interface FirmwareCpuView {
  getX(n: number): bigint;
  setX(n: number, v: bigint): void;
  getPC(): bigint;
  setPC(v: bigint): void;
  translationRegs(): FirmwareTranslationRegs;
}

/** The view of one cpu-aarch64 vCPU that firmware services use (allocated once per vCPU). */
export function firmwareCpuView(cpu: Cpu): FirmwareCpuView {
  return {
    getX: (n) => cpu.getX(n),
    setX: (n, v) => cpu.setX(n, v),
    getPC: () => cpu.getPC(),
    setPC: (v) => cpu.setPC(v),
    translationRegs: () => ({
      sctlr: cpu.sys.read(SR.SCTLR_EL1, true) ?? 0n,
      tcr: cpu.sys.read(SR.TCR_EL1, true) ?? 0n,
      ttbr0: cpu.sys.read(SR.TTBR0_EL1, true) ?? 0n,
      ttbr1: cpu.sys.read(SR.TTBR1_EL1, true) ?? 0n,
    }),
  };
}
