import { concatBytes } from "@armature/core";
import { uniform } from "@armature/core/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TcpConnection, type TcpSegment } from "./tcp.js";
import { SimClock } from "./test/sim.js";

/**
 * Two endpoints over an in-memory link that loses, duplicates, delays and reorders segments:
 * whatever the link does, each side receives exactly the other's byte stream, then FIN, and
 * both connections close.
 */
interface LinkFaults {
  loss: number;
  dup: number;
  maxDelay: number;
}

function transfer(
  seed: number,
  a2b: Uint8Array,
  b2a: Uint8Array,
  faults: LinkFaults,
  mss: number,
  rwin: number,
) {
  const clock = new SimClock();
  const rand = uniform(seed);
  const wire = (to: () => TcpConnection) => (seg: TcpSegment) => {
    if (rand() < faults.loss) return;
    const copies = rand() < faults.dup ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const s = { ...seg, payload: seg.payload.slice() };
      clock.set(1 + Math.floor(rand() * faults.maxDelay), () => to().input(s));
    }
  };
  /** One endpoint: what it received, whether FIN came, how it closed. */
  const endpoint = (iss: number, peer: () => TcpConnection, onConnect: (c: TcpConnection) => void) => {
    const e = { got: [] as Uint8Array[], end: false, closed: undefined as boolean | undefined };
    const conn: TcpConnection = new TcpConnection({
      emit: wire(peer),
      timers: clock,
      mss,
      receiveWindow: rwin,
      rtoMs: 50,
      maxRetries: 60,
      iss,
      onData: (d) => e.got.push(d),
      onEnd: () => {
        e.end = true;
      },
      onClose: (r) => {
        e.closed = r;
      },
      onConnect: () => onConnect(conn),
    });
    return { state: e, conn };
  };
  // a's ISS wraps the sequence space during the transfer.
  const A = endpoint(
    0xfffff000,
    () => B.conn,
    (a) => {
      a.write(a2b.subarray(0, a2b.length >> 1));
      clock.set(5, () => {
        a.write(a2b.subarray(a2b.length >> 1));
        a.end();
      });
    },
  );
  const B = endpoint(
    12345,
    () => A.conn,
    (b) => {
      b.write(b2a);
      b.end();
    },
  );
  const a = A.conn;
  const b = B.conn;
  // b is a listener: it answers a's SYN.
  const origInput = b.input.bind(b);
  b.input = (seg) => {
    if (b.state === "CLOSED" && seg.flags === 0x02) {
      b.listenFrom(seg);
      b.accept();
      return;
    }
    origInput(seg);
  };
  a.connect();
  clock.run(2_000_000);
  return {
    gotB: concatBytes(B.state.got),
    gotA: concatBytes(A.state.got),
    endA: A.state.end,
    endB: B.state.end,
    closedA: A.state.closed,
    closedB: B.state.closed,
    a,
    b,
  };
}

describe("TcpConnection over a faulty link", () => {
  it("delivers both byte streams intact under loss, duplication and reordering", () => {
    const runs = Number(process.env.FC_NUM_RUNS ?? 60);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.uint8Array({ minLength: 0, maxLength: 40_000 }),
        fc.uint8Array({ minLength: 0, maxLength: 20_000 }),
        fc.record({
          loss: fc.double({ min: 0, max: 0.25, noNaN: true }),
          dup: fc.double({ min: 0, max: 0.2, noNaN: true }),
          maxDelay: fc.integer({ min: 1, max: 40 }),
        }),
        fc.integer({ min: 64, max: 1460 }),
        fc.integer({ min: 2048, max: 65536 }),
        (seed, x, y, faults, mss, rwin) => {
          const r = transfer(seed, x, y, faults, mss, rwin);
          expect(r.gotB).toEqual(x);
          expect(r.gotA).toEqual(y);
          expect(r.endA && r.endB).toBe(true);
          // Both close. With loss, the last ACK of a FIN may be lost after the peer's TIME_WAIT:
          // then the retransmitting side gives up with a reset, as TCP does.
          expect(r.closedA).toBeDefined();
          expect(r.closedB).toBeDefined();
          if (faults.loss === 0) expect([r.closedA, r.closedB]).toEqual([false, false]);
        },
      ),
      { numRuns: runs, verbose: true },
    );
  });

  it("a perfect link needs no retransmission", () => {
    const x = new Uint8Array(100_000).map((_, i) => i * 7);
    const r = transfer(1, x, new Uint8Array(10), { loss: 0, dup: 0, maxDelay: 1 }, 1460, 65536);
    expect(r.gotB).toEqual(x);
    expect(r.a.stats.retransmits + r.b.stats.retransmits).toBe(0);
  });

  it("gives up with a reset when the peer vanishes", () => {
    const clock = new SimClock();
    let closed: boolean | undefined;
    const a = new TcpConnection({
      emit: () => {},
      timers: clock,
      rtoMs: 10,
      maxRetries: 3,
      onClose: (r) => (closed = r),
    });
    a.connect();
    clock.run();
    expect(closed).toBe(true);
    expect(a.isClosed).toBe(true);
  });
});
