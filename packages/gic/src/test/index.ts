export { itsCmd } from "./its-commands.js";
export type { LinuxLikeGicDriverOptions } from "./linux-driver.js";
export { LinuxLikeGicDriver } from "./linux-driver.js";
