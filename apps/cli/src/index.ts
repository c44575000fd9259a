export type { CliIo } from "./cli.js";
export { CliUsageError, runCli } from "./cli.js";
