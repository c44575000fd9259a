export type { DhcpConfig, DhcpRequest } from "./dhcp.js";
export { DhcpMessageType, DhcpOption, DhcpServer, parseDhcp } from "./dhcp.js";
export type { DnsQuestion, DnsResolver } from "./dns.js";
export { answerDnsQuery, buildDnsAnswer, DnsRcode, DnsType, hostResolver, parseDnsQuery } from "./dns.js";
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
