export { ScriptedConsole } from "./console.js";
