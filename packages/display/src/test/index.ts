export type { RfbRect } from "./rfb-client.js";
export { RfbTestClient } from "./rfb-client.js";
