import { defineBranchSys } from "./branch.js";
import { out } from "./builder.js";
import { defineCrypto } from "./crypto.js";
import { defineDpImm } from "./dpimm.js";
import { defineDpReg } from "./dpreg.js";
import { defineFp } from "./fp.js";
import { defineLdst } from "./ldst.js";
import { defineSimd } from "./simd.js";
import { defineSimdMisc } from "./simd2.js";
import { defineSimd3 } from "./simd3.js";
import { defineSimd4 } from "./simd4.js";
import { defineSimdLdst } from "./simdldst.js";
import type { EncodingSpec } from "./spec.js";

/*
 * The A64 encoding table. Naming rule for `id`: the encoding name of the ARM machine-readable XML
 * (ISA_A64 "encoding name"), i.e. MNEMONIC_VARIANT_ICLASS such as ADD_64_addsub_imm, LDR_64_ldst_pos,
 * B_only_branch_imm, FADD_D_floatdp2. Where one XML encoding covers several element sizes that we
 * split (or the XML has no name), the id gets a suffix in the same style (e.g. ADD_asimdsame_only_8B).
 * Entries are only ever added; indices are stable within one build and ids are stable forever.
 */
defineDpImm();
defineBranchSys();
defineDpReg();
defineLdst();
defineFp();
defineSimd();
defineSimdMisc();
defineCrypto();
defineSimd3();
defineSimd4();
defineSimdLdst();

export const ENCODINGS: readonly EncodingSpec[] = out;
