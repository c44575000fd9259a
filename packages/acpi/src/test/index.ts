export * from "./expect.js";
export * from "./tools.js";
