export * from "./image.js";
export * from "./loader.js";
