export * from "./pauth.js";
