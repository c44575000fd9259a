export type { RandomMemoryOptions } from "./random-memory.js";
export { RandomTableMemory, SparseMemory } from "./random-memory.js";
export { rawFromRegs, regsFromRaw } from "./raw.js";
export type { RefAccess, RefFault, RefFaultType, RefMemory, RefRegs, RefResult } from "./reference.js";
export { referenceFsc, referenceTranslate } from "./reference.js";
export type { WordStore } from "./tables.js";
export { Desc, memWords, PageTableBuilder, ramWords } from "./tables.js";
