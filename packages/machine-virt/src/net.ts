import type { NetBackend } from "@armature/core";
import { type NetSpec, PcapTap, SocketNetBackend, UserNetwork, type UserNetworkOptions } from "@armature/net";

/**
 * The virt board's user network: QEMU's `-nic user` addresses — network 10.0.2.0/24, gateway
 * 10.0.2.2 (the host's loopback), DNS 10.0.2.3, DHCP leases from 10.0.2.15.
 */
export const VIRT_USER_NETWORK: Readonly<UserNetworkOptions> = {
  network: "10.0.2.0/24",
  host: "10.0.2.2",
  dns: "10.0.2.3",
  dhcpStart: "10.0.2.15",
};

function isBackend(n: NetSpec | NetBackend): n is NetBackend {
  return typeof (n as NetBackend).send === "function";
}

/**
 * The backend behind the virt board's NIC: "user" (the board's user network), a `NetSpec` (a user
 * network on other addresses — the board's defaults apply unless `network` is given —, a socket
 * link, or none) or a backend given as is; wrapped in a `PcapTap` when `dump` names a file.
 * Undefined for "none". Throws `ConfigError` for impossible addresses or an unwritable dump file.
 */
export function virtNetBackend(
  net: "user" | "none" | NetSpec | NetBackend,
  dump?: string,
): NetBackend | undefined {
  let b: NetBackend | undefined;
  if (net === "none") b = undefined;
  else if (net === "user") b = new UserNetwork({ ...VIRT_USER_NETWORK });
  else if (isBackend(net)) b = net;
  else if (net.kind === "none") b = undefined;
  else if (net.kind === "socket") b = new SocketNetBackend(net.options);
  else
    b = new UserNetwork(
      net.options.network === undefined ? { ...VIRT_USER_NETWORK, ...net.options } : net.options,
    );
  if (b === undefined || dump === undefined) return b;
  try {
    return new PcapTap(b, dump);
  } catch (e) {
    b.close?.();
    throw e;
  }
}

/** Calls `wake` after each frame the backend delivers (the run loop ends its idle wait). */
export function wakeOnReceive(b: NetBackend, wake: () => void): NetBackend {
  return {
    send: (f) => b.send(f),
    attach: (receive) =>
      b.attach((f) => {
        receive(f);
        wake();
      }),
    close: () => b.close?.(),
  };
}
