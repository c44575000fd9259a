export * from "./crypto.js";
