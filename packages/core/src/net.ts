/**
 * The network backend contract: a NIC model (virtio-net, or any other) exchanges Ethernet frames
 * with a backend (user-mode NAT, a socket to another instance, a capture tap, none, or the user's
 * own). `send` carries a frame from the guest; the NIC registers one receive function through
 * `attach`, which the backend calls with frames for the guest. Frames are complete Ethernet II
 * frames without the FCS. A backend may call `receive` at any time from the host's event loop.
 */
export interface NetBackend {
  send(frame: Uint8Array): void;
  attach(receive: (frame: Uint8Array) => void): void;
  /** Release host resources (sockets, files). Optional; idempotent. */
  close?(): void;
}

/** Two connected backends: a frame sent on one arrives at the other (an in-process cable). */
export function createNetLink(): [NetBackend, NetBackend] {
  const rx: Array<((f: Uint8Array) => void) | undefined> = [undefined, undefined];
  const end = (me: 0 | 1): NetBackend => ({
    send(frame) {
      rx[1 - me]?.(frame.slice());
    },
    attach(receive) {
      rx[me] = receive;
    },
  });
  return [end(0), end(1)];
}

/** A backend with nothing behind it: frames from the guest are counted and dropped. */
export class NullNetBackend implements NetBackend {
  dropped = 0;
  send(): void {
    this.dropped++;
  }
  attach(): void {}
}
