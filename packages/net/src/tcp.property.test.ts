import { concatBytes } from "@armature/core";
import { uniform } from "@armature/core/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTcpSegment, TcpConnection, type TcpSegment, writeTcpSegment } from "./tcp.js";
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

describe("TCP header (RFC 793 §3.1, RFC 7323 §2.2)", () => {
  it("writes ports, numbers, offset, flags, window and options where the RFC puts them, and parses them back", () => {
    const seg: TcpSegment = {
      seq: 0x8123_4567,
      ack: 0x0fed_cba9,
      flags: 0x12, // SYN, ACK
      window: 0xfe01,
      mss: 1460,
      wscale: 7,
      payload: Uint8Array.of(0xaa, 0xbb),
    };
    const b = new Uint8Array(30);
    writeTcpSegment(b, 0, 0x1234, 80, seg);
    // biome-ignore format: four bytes a row, as RFC 793 draws the header
    expect([...b]).toEqual([
      0x12, 0x34, 0x00, 0x50, // source and destination port
      0x81, 0x23, 0x45, 0x67, // sequence number
      0x0f, 0xed, 0xcb, 0xa9, // acknowledgement number
      0x70, 0x12, 0xfe, 0x01, // data offset 7 words, flags, window
      0, 0, 0, 0, // checksum (left 0), urgent pointer
      2, 4, 0x05, 0xb4, // MSS 1460
      1, 3, 3, 7, // NOP, window scale 7
      0xaa, 0xbb,
    ]);
    expect(parseTcpSegment(b, 0, b.length)).toEqual(seg);
  });
});
