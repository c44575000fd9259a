/**
 * System registers a vCPU forwards to a block outside the CPU package — the GIC's CPU interface
 * (ICC_*), an IMPLEMENTATION DEFINED block of a board. The CPU never imports the block's package:
 * the board hands the CPU a SysRegBlock.
 *
 * Registers are named by a key packing (op0, op1, CRn, CRm, op2) in the order the MSR/MRS
 * instruction word and ESR_ELx.ISS (EC 0x18) carry them: op0<<14 | op1<<11 | CRn<<7 | CRm<<3 | op2.
 */
export function sysRegKey(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return ((op0 & 3) << 14) | ((op1 & 7) << 11) | ((crn & 15) << 7) | ((crm & 15) << 3) | (op2 & 7);
}

/** "S3_0_C12_C12_5"-style name of a key (LLVM prints unnamed registers this way). */
export function sysRegKeyName(key: number): string {
  return `S${(key >> 14) & 3}_${(key >> 11) & 7}_C${(key >> 7) & 15}_C${(key >> 3) & 15}_${key & 7}`;
}

export interface SysRegBlock {
  /** Whether this block implements the register `key` for the CPU `cpuIndex`. */
  has(key: number): boolean;
  /** MRS. `cpuIndex` is the vCPU's index on the board. */
  read(cpuIndex: number, key: number): bigint;
  /** MSR. */
  write(cpuIndex: number, key: number, value: bigint): void;
}
