export * from "./arb.js";
export * from "./mutate.js";
