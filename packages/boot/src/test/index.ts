export * from "./guest.js";
