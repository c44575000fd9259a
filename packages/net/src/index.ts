export * from "./dhcp.js";
export * from "./dns.js";
export type { Ip4, Ip4Header } from "./packet.js";
export {
  finishTransportChecksum,
  formatIp4,
  formatMac,
  inetChecksum,
  ip4Frame,
  parseIp4,
  parseIp4Header,
  parseMacAddress,
} from "./packet.js";
export { PcapTap, pcapGlobalHeader, pcapRecord } from "./pcap.js";
export type { SocketNetOptions } from "./socket.js";
export { SocketNetBackend } from "./socket.js";
export type { NetSpec } from "./spec.js";
export { parseHostForward, parseNetSpec } from "./spec.js";
export type { TcpConnectionOptions, TcpSegment, TcpState, TimerApi } from "./tcp.js";
export {
  hostTimers,
  parseTcpSegment,
  TcpConnection,
  TcpFlag,
  tcpHeaderLength,
  writeTcpSegment,
} from "./tcp.js";
export type { HostForward, UserNetworkOptions } from "./user.js";
export { describeUserNetwork, UserNetwork } from "./user.js";
