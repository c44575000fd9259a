// Throughput of the user-mode network's TCP path: a guest-side endpoint downloads from a host
// server on 127.0.0.1 through the router (no emulated CPU: this is the router's own cost).
import { type AddressInfo, createServer } from "node:net";
import { parseIp4 } from "../src/packet.js";
import { TestGuest } from "../src/test/index.js";
import { UserNetwork } from "../src/user.js";

const SIZE = 64 << 20;
const net = new UserNetwork();
const g = new TestGuest(net, parseIp4("10.0.2.15")!);
g.arpRequest(parseIp4("10.0.2.2")!);
const chunk = new Uint8Array(1 << 20).fill(0x5a);
const server = createServer((s) => {
  let sent = 0;
  const pump = () => {
    while (sent < SIZE) {
      sent += chunk.length;
      if (!s.write(chunk)) return s.once("drain", pump);
    }
    s.end();
  };
  pump();
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const port = (server.address() as AddressInfo).port;
let got = 0;
let done = false;
const t0 = performance.now();
g.connect(parseIp4("10.0.2.2")!, port, 40000, {
  onData: (b) => {
    got += b.length;
  },
  onEnd: () => {
    done = true;
  },
});
await g.until(() => done, 120_000);
const s = (performance.now() - t0) / 1000;
console.log(
  `user-net TCP download through the router: ${(got / 1e6).toFixed(0)} MB in ${s.toFixed(2)} s = ${(got / 1e6 / s).toFixed(1)} MB/s`,
);
server.close();
net.close();
