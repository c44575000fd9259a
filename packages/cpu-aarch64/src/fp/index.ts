export * from "./core.js";
export * from "./state.js";
