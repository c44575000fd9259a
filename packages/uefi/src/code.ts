// The few AArch64 instructions the firmware places in guest memory (encodings from the Arm ARM,
// C6.2; checked against llvm-mc in code.test.ts).

/** HVC #imm16. */
export const hvc = (imm: number) => (0xd400_0002 | ((imm & 0xffff) << 5)) >>> 0;
/** RET (x30). */
export const RET = 0xd65f_03c0;
/** LDR Xt, label (PC-relative literal, byte offset a multiple of 4 within +-1 MiB). */
export const ldrLiteral = (rt: number, offset: number) =>
  (0x5800_0000 | (((offset >> 2) & 0x7ffff) << 5) | rt) >>> 0;
/** MSR <sysreg>, Xt for op0 = 3, op1 = 0. */
const msrEl1 = (crn: number, crm: number, op2: number) => (rt: number) =>
  (0xd518_0000 | (crn << 12) | (crm << 8) | (op2 << 5) | rt) >>> 0;
export const msrSctlrEl1 = msrEl1(1, 0, 0);
export const msrCpacrEl1 = msrEl1(1, 0, 2);
export const msrTtbr0El1 = msrEl1(2, 0, 0);
export const msrTcrEl1 = msrEl1(2, 0, 2);
export const msrMairEl1 = msrEl1(10, 2, 0);
export const ISB = 0xd503_3fdf;
export const DSB_SY = 0xd503_3f9f;
export const TLBI_VMALLE1 = 0xd508_871f;
export const IC_IALLU = 0xd508_751f;
/** MOV SP, Xn (ADD SP, Xn, #0). */
export const movSpFrom = (rn: number) => (0x9100_001f | (rn << 5)) >>> 0;
/** B . (branch to self) */
export const B_SELF = 0x1400_0000;
