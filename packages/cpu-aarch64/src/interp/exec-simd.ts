/*
 * The few integer-ish SIMD&FP moves and loads/stores that static glibc needs for printf (MOVI, DUP,
 * FMOV general<->vector, LD1/ST1 ...). The FP/SIMD arithmetic itself is issue #5 (src/fp).
 */
import type { Cpu } from "./cpu.js";

type Handler = (c: Cpu, w: number) => void;

export const SIMD_BY_CLASS: Record<string, Handler> = {};
export const SIMD_BY_ID: Record<string, Handler> = {};
