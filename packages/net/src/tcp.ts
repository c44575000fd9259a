/**
 * A TCP endpoint (RFC 793 with RFC 1122/5681/6298/7323 refinements): the state machine, sequence
 * and acknowledgement numbers, flow-control windows with window scaling, MSS, retransmission on
 * timeout and on three duplicate ACKs, out-of-order reassembly, FIN and RST both ways. It knows
 * nothing of IP: segments go out through `emit`, come in through `input`, and the byte streams
 * meet the application through `write`/`end` and the `onData`/`onEnd` callbacks. Timers come
 * from a `TimerApi` so tests can drive time themselves.
 */

import { rd16, rd32, wr16, wr32 } from "./packet.js";

/** TCP header flags (RFC 793 §3.1). */
export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

/** A parsed incoming or an outgoing segment. */
export interface TcpSegment {
  seq: number;
  ack: number;
  flags: number;
  /** The raw 16-bit window field. */
  window: number;
  /** MSS option (SYN only), or 0 when absent. */
  mss: number;
  /** Window-scale option shift (SYN only), or -1 when absent. */
  wscale: number;
  payload: Uint8Array;
}

export interface TimerApi {
  set(ms: number, fn: () => void): unknown;
  clear(handle: unknown): void;
}

export const hostTimers: TimerApi = {
  set: (ms, fn) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type TcpState =
  | "CLOSED"
  | "SYN_SENT"
  | "SYN_RCVD"
  | "ESTABLISHED"
  | "FIN_WAIT_1"
  | "FIN_WAIT_2"
  | "CLOSING"
  | "TIME_WAIT"
  | "CLOSE_WAIT"
  | "LAST_ACK";

export interface TcpConnectionOptions {
  emit(seg: TcpSegment): void;
  timers?: TimerApi;
  /** Our MSS (what we accept), default 1460. */
  mss?: number;
  /** Receive buffer: the most bytes the peer may have outstanding towards us. Default 256 KiB. */
  receiveWindow?: number;
  /** Bytes kept for reassembly of out-of-order segments, default = receiveWindow. */
  maxOutOfOrder?: number;
  /** Initial sequence number (random by default). */
  iss?: number;
  /** Initial retransmission timeout, ms (RFC 6298 says 1 s). */
  rtoMs?: number;
  maxRtoMs?: number;
  /** How long TIME_WAIT lasts, ms (default 2 s: the peer is a local guest, not the Internet). */
  timeWaitMs?: number;
  /** Retransmissions of one segment before the connection is reset. */
  maxRetries?: number;
  onConnect?(): void;
  onData?(data: Uint8Array): void;
  /** The peer sent FIN: no more data will arrive. */
  onEnd?(): void;
  /** The connection is gone; `reset` tells whether it ended with a RST (or a give-up). */
  onClose?(reset: boolean): void;
  /** Sent bytes were acknowledged: there is room to write more. */
  onDrain?(): void;
}

/** a < b in sequence space (RFC 793 §3.3). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
function add(a: number, n: number): number {
  return (a + n) >>> 0;
}
function diff(a: number, b: number): number {
  return (a - b) | 0;
}

/** A queue of bytes in chunks, read by offset without copying the whole queue. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0; // offset into chunks[0]
  length = 0;
  push(b: Uint8Array): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }
  /** Copies `len` bytes starting `off` bytes into the queue. */
  read(off: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let i = 0;
    let skip = off + this.head;
    let done = 0;
    while (done < len && i < this.chunks.length) {
      const c = this.chunks[i]!;
      if (skip >= c.length) {
        skip -= c.length;
        i++;
        continue;
      }
      const n = Math.min(c.length - skip, len - done);
      out.set(c.subarray(skip, skip + n), done);
      done += n;
      skip = 0;
      i++;
    }
    return out;
  }
  drop(n: number): void {
    n = Math.min(n, this.length);
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const left = c.length - this.head;
      if (n >= left) {
        n -= left;
        this.chunks.shift();
        this.head = 0;
      } else {
        this.head += n;
        n = 0;
      }
    }
  }
}

const OUR_WSCALE = 7;

export class TcpConnection {
  state: TcpState = "CLOSED";
  private readonly o: TcpConnectionOptions;
  private readonly timers: TimerApi;
  // Send side (RFC 793 §3.2 names).
  private iss: number;
  private sndUna: number;
  private sndNxt: number;
  private sndWnd = 0;
  private sndWscale = 0;
  private rcvWscale = 0;
  private peerMss = 536;
  private readonly sendQ = new ByteQueue();
  private finQueued = false;
  private finSent = false;
  // Receive side.
  private irs = 0;
  private rcvNxt = 0;
  private readonly rcvWndMax: number;
  private appBacklog = 0;
  private readonly ooo = new Map<number, Uint8Array>();
  private oooBytes = 0;
  private finReceived = false;
  private lastAdvertised = 0;
  // Timers.
  private rto: number;
  private retries = 0;
  private rtxTimer: unknown = undefined;
  private twTimer: unknown = undefined;
  private dupAcks = 0;
  private closed = false;
  readonly stats = { segmentsIn: 0, segmentsOut: 0, retransmits: 0, outOfOrder: 0, bytesIn: 0, bytesOut: 0 };

  constructor(opts: TcpConnectionOptions) {
    this.o = opts;
    this.timers = opts.timers ?? hostTimers;
    this.iss = (opts.iss ?? Math.floor(Math.random() * 0x100000000)) >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.rcvWndMax = opts.receiveWindow ?? 256 * 1024;
    this.rto = opts.rtoMs ?? 1000;
  }

  private get mss(): number {
    return this.o.mss ?? 1460;
  }

  /** Bytes written but not yet acknowledged by the peer. */
  get unacknowledged(): number {
    return this.sendQ.length;
  }

  /** Active open: send SYN. */
  connect(): void {
    if (this.state !== "CLOSED") return;
    this.state = "SYN_SENT";
    this.rcvWscale = OUR_WSCALE;
    this.sendSyn(false);
  }

  /**
   * Passive open from a received SYN. Nothing is sent until `accept()` (the NAT first opens the
   * host socket, then answers the SYN with SYN-ACK, or with RST through `refuse()`).
   */
  listenFrom(syn: TcpSegment): void {
    this.irs = syn.seq;
    this.rcvNxt = add(syn.seq, 1);
    this.sndWnd = syn.window; // not scaled in a SYN (RFC 7323 §2.2)
    if (syn.mss > 0) this.peerMss = syn.mss;
    if (syn.wscale >= 0) {
      this.sndWscale = Math.min(syn.wscale, 14);
      this.rcvWscale = OUR_WSCALE;
    }
    this.state = "SYN_RCVD";
  }

  accept(): void {
    if (this.state === "SYN_RCVD" && this.sndNxt === this.iss) this.sendSyn(true);
  }

  /** Refuse a SYN received through `listenFrom` with RST+ACK. */
  refuse(): void {
    this.o.emit(this.segment(TcpFlag.RST | TcpFlag.ACK, 0, this.rcvNxt, new Uint8Array(0), 0));
    this.finish(true);
  }

  /** Queue bytes for the peer. Returns false when the caller should wait for `onDrain`. */
  write(data: Uint8Array): boolean {
    if (this.closed || this.finQueued) return false;
    this.sendQ.push(data.slice());
    this.pump();
    return this.sendQ.length < this.rcvWndMax;
  }

  /** No more data from us: FIN after what is queued. */
  end(): void {
    if (this.closed || this.finQueued) return;
    this.finQueued = true;
    this.pump();
  }

  /** Reset the connection (RST to the peer). */
  abort(): void {
    if (this.closed) return;
    if (this.state !== "CLOSED" && this.state !== "SYN_SENT") {
      this.o.emit(this.segment(TcpFlag.RST | TcpFlag.ACK, this.sndNxt, this.rcvNxt, new Uint8Array(0), 0));
    }
    this.finish(true);
  }

  /**
   * How many received bytes the application still holds (a host socket's write backlog): they
   * close the advertised window. Call again when it shrinks; a window update is sent if needed.
   */
  setApplicationBacklog(bytes: number): void {
    const was = this.window();
    this.appBacklog = Math.max(0, bytes);
    if (this.isSynchronized() && this.window() > was && was < 2 * this.mss) this.sendAck();
  }

  private isSynchronized(): boolean {
    return this.state !== "CLOSED" && this.state !== "SYN_SENT" && this.state !== "SYN_RCVD";
  }

  private window(): number {
    return Math.max(0, this.rcvWndMax - this.appBacklog - this.oooBytes);
  }

  private advertisedWindowField(): number {
    const w = Math.min(this.window() >>> this.rcvWscale, 0xffff);
    this.lastAdvertised = w << this.rcvWscale;
    return w;
  }

  private segment(flags: number, seq: number, ack: number, payload: Uint8Array, wnd: number): TcpSegment {
    return { seq, ack, flags, window: wnd, mss: 0, wscale: -1, payload };
  }

  /** Send a segment that acknowledges what arrived (RCV.NXT) and advertises the receive window. */
  private emitAcking(flags: number, seq: number, payload: Uint8Array = new Uint8Array(0)): void {
    this.o.emit(this.segment(flags, seq, this.rcvNxt, payload, this.advertisedWindowField()));
  }

  private sendSyn(withAck: boolean): void {
    const s = this.segment(
      TcpFlag.SYN | (withAck ? TcpFlag.ACK : 0),
      this.iss,
      withAck ? this.rcvNxt : 0,
      new Uint8Array(0),
      Math.min(this.rcvWndMax, 0xffff),
    );
    s.mss = this.mss;
    s.wscale = this.rcvWscale > 0 || !withAck ? this.rcvWscale : -1;
    this.sndNxt = add(this.iss, 1);
    this.stats.segmentsOut++;
    this.o.emit(s);
    this.armRtx();
  }

  private sendAck(): void {
    this.stats.segmentsOut++;
    this.emitAcking(TcpFlag.ACK, this.sndNxt);
  }

  /** Send what the peer's window allows, then FIN if queued and everything is out. */
  private pump(): void {
    if (!this.isSynchronized() || this.closed) return;
    const segMax = Math.max(1, Math.min(this.mss, this.peerMss));
    let inFlight = diff(this.sndNxt, this.sndUna);
    if (this.finSent) {
      // Nothing follows a FIN. (While unacknowledged, its sequence number is not data.)
      if (inFlight > 0) this.armRtx();
      return;
    }
    while (inFlight < this.sendQ.length && inFlight < this.sndWnd) {
      const n = Math.min(segMax, this.sendQ.length - inFlight, this.sndWnd - inFlight);
      const data = this.sendQ.read(inFlight, n);
      const last = inFlight + n === this.sendQ.length;
      this.stats.segmentsOut++;
      this.stats.bytesOut += n;
      this.emitAcking(TcpFlag.ACK | (last ? TcpFlag.PSH : 0), add(this.sndUna, inFlight), data);
      inFlight += n;
      this.sndNxt = add(this.sndUna, inFlight);
    }
    if (this.finQueued && !this.finSent && inFlight === this.sendQ.length) {
      this.finSent = true;
      this.stats.segmentsOut++;
      this.emitAcking(TcpFlag.FIN | TcpFlag.ACK, this.sndNxt);
      this.sndNxt = add(this.sndNxt, 1);
      if (this.state === "ESTABLISHED") this.state = "FIN_WAIT_1";
      else if (this.state === "CLOSE_WAIT") this.state = "LAST_ACK";
    }
    if (diff(this.sndNxt, this.sndUna) > 0 || (this.sendQ.length > 0 && this.sndWnd === 0)) this.armRtx();
  }

  private armRtx(): void {
    if (this.rtxTimer === undefined) this.rtxTimer = this.timers.set(this.rto, () => this.onRtxTimeout());
  }

  private clearRtx(): void {
    if (this.rtxTimer !== undefined) this.timers.clear(this.rtxTimer);
    this.rtxTimer = undefined;
  }

  private onRtxTimeout(): void {
    this.rtxTimer = undefined;
    if (this.closed) return;
    if (++this.retries > (this.o.maxRetries ?? 12)) {
      this.abort();
      return;
    }
    this.rto = Math.min(this.rto * 2, this.o.maxRtoMs ?? 16_000);
    this.stats.retransmits++;
    if (this.state === "SYN_SENT") {
      this.sendSyn(false);
      return;
    }
    if (this.state === "SYN_RCVD") {
      this.sendSyn(true);
      return;
    }
    // Go back N: resend from the oldest unacknowledged byte (RFC 5681 §3.1 after a timeout).
    this.sndNxt = this.sndUna;
    this.finSent = false;
    // Our FIN will be sent again: step back to the state before it was sent (keeping whether
    // the peer's FIN has arrived).
    if (this.state === "FIN_WAIT_1") this.state = "ESTABLISHED";
    else if (this.state === "CLOSING" || this.state === "LAST_ACK") this.state = "CLOSE_WAIT";
    // Zero-window probe: one byte beyond the window (RFC 1122 §4.2.2.17).
    if (this.sndWnd === 0 && this.sendQ.length > 0) {
      this.stats.segmentsOut++;
      this.emitAcking(TcpFlag.ACK, this.sndUna, this.sendQ.read(0, 1));
      this.armRtx();
      return;
    }
    this.pump();
  }

  /** An incoming segment for this connection. */
  input(seg: TcpSegment): void {
    if (this.closed) return;
    this.stats.segmentsIn++;
    const f = seg.flags;
    if (this.state === "SYN_SENT") {
      if (f & TcpFlag.ACK && seg.ack !== add(this.iss, 1)) {
        if (!(f & TcpFlag.RST)) this.o.emit(this.segment(TcpFlag.RST, seg.ack, 0, new Uint8Array(0), 0));
        return;
      }
      if (f & TcpFlag.RST) {
        if (f & TcpFlag.ACK) this.finish(true);
        return;
      }
      if (f & TcpFlag.SYN && f & TcpFlag.ACK) {
        this.irs = seg.seq;
        this.rcvNxt = add(seg.seq, 1);
        if (seg.mss > 0) this.peerMss = seg.mss;
        if (seg.wscale >= 0) this.sndWscale = Math.min(seg.wscale, 14);
        else this.rcvWscale = 0; // both sides must offer it (RFC 7323 §2.2)
        this.sndUna = seg.ack;
        this.sndWnd = seg.window;
        this.clearRtx();
        this.retries = 0;
        this.state = "ESTABLISHED";
        this.sendAck();
        this.o.onConnect?.();
        this.pump();
      }
      return;
    }
    // Acceptability (RFC 793 §3.9 "SEGMENT ARRIVES", first check).
    const len = seg.payload.length + (f & TcpFlag.SYN ? 1 : 0) + (f & TcpFlag.FIN ? 1 : 0);
    const wnd = Math.max(this.lastAdvertised, 1);
    const startOk = seqLe(this.rcvNxt, seg.seq) && seqLt(seg.seq, add(this.rcvNxt, wnd));
    const endOk =
      len > 0 &&
      seqLe(this.rcvNxt, add(seg.seq, len - 1)) &&
      seqLt(add(seg.seq, len - 1), add(this.rcvNxt, wnd));
    const acceptable =
      len === 0 ? seg.seq === this.rcvNxt || startOk : startOk || endOk || seqLt(seg.seq, this.rcvNxt);
    if (f & TcpFlag.RST) {
      // RFC 5961 §3.2: only an exactly in-sequence RST resets; one in the window gets a challenge ACK.
      if (seg.seq === this.rcvNxt) this.finish(true);
      else if (startOk) this.sendAck();
      return;
    }
    if (f & TcpFlag.SYN) {
      if (this.state === "SYN_RCVD" && seg.seq === this.irs) {
        // The peer retransmitted its SYN: repeat the SYN-ACK.
        if (this.sndNxt !== this.iss) this.sendSyn(true);
        return;
      }
      this.sendAck(); // RFC 5961 §4.2 challenge ACK
      return;
    }
    if (!acceptable) {
      this.sendAck();
      return;
    }
    if (!(f & TcpFlag.ACK)) return;
    if (this.state === "SYN_RCVD") {
      if (seg.ack !== add(this.iss, 1)) {
        this.o.emit(this.segment(TcpFlag.RST, seg.ack, 0, new Uint8Array(0), 0));
        return;
      }
      this.sndUna = seg.ack;
      this.sndWnd = seg.window << this.sndWscale;
      this.clearRtx();
      this.retries = 0;
      this.state = "ESTABLISHED";
      this.o.onConnect?.();
    }
    this.processAck(seg);
    if (this.closed) return;
    this.processData(seg);
    if (this.closed) return;
    this.pump();
  }

  private processAck(seg: TcpSegment): void {
    const acked = diff(seg.ack, this.sndUna);
    const ahead = diff(seg.ack, this.sndNxt);
    if (ahead > 0) {
      this.sendAck(); // acknowledges what we never sent
      return;
    }
    if (acked > 0) {
      let dataAcked = acked;
      const finAcked = this.finSent && seg.ack === this.sndNxt;
      if (finAcked) dataAcked--;
      this.sendQ.drop(dataAcked);
      this.sndUna = seg.ack;
      this.sndWnd = seg.window << this.sndWscale;
      this.retries = 0;
      this.rto = this.o.rtoMs ?? 1000;
      this.dupAcks = 0;
      this.clearRtx();
      if (diff(this.sndNxt, this.sndUna) > 0) this.armRtx();
      if (finAcked) {
        if (this.state === "FIN_WAIT_1") this.state = "FIN_WAIT_2";
        else if (this.state === "CLOSING") this.enterTimeWait();
        else if (this.state === "LAST_ACK") {
          this.finish(false);
          return;
        }
      }
      if (dataAcked > 0) this.o.onDrain?.();
    } else if (acked === 0) {
      const newWnd = seg.window << this.sndWscale;
      if (seg.payload.length === 0 && newWnd === this.sndWnd && diff(this.sndNxt, this.sndUna) > 0) {
        // RFC 5681 §3.2: the third duplicate ACK retransmits the first unacknowledged segment.
        if (++this.dupAcks === 3) {
          this.stats.retransmits++;
          const n = Math.min(this.sendQ.length, Math.min(this.mss, this.peerMss));
          if (n > 0) this.emitAcking(TcpFlag.ACK, this.sndUna, this.sendQ.read(0, n));
        }
      } else {
        this.sndWnd = newWnd;
        if (newWnd > 0 && this.rtxTimer !== undefined && diff(this.sndNxt, this.sndUna) === 0)
          this.clearRtx();
      }
    }
  }

  private processData(seg: TcpSegment): void {
    let payload = seg.payload;
    let seq = seg.seq;
    let fin = (seg.flags & TcpFlag.FIN) !== 0;
    if (this.finReceived) {
      if (fin || payload.length > 0) this.sendAck(); // a retransmitted FIN: re-acknowledge
      return;
    }
    // Trim what we already have.
    const old = diff(this.rcvNxt, seq);
    if (old > 0) {
      if (old >= payload.length) {
        if (payload.length > 0 || fin) {
          payload = new Uint8Array(0);
          seq = this.rcvNxt;
          if (old > seg.payload.length) fin = false; // the FIN was before rcvNxt too
        }
      } else {
        payload = payload.subarray(old);
        seq = this.rcvNxt;
      }
    }
    if (payload.length === 0 && !fin) {
      if (old > 0) this.sendAck();
      return;
    }
    if (seq !== this.rcvNxt) {
      // Out of order: keep it (bounded) and send a duplicate ACK.
      this.stats.outOfOrder++;
      const cap = this.o.maxOutOfOrder ?? this.rcvWndMax;
      if (payload.length > 0 && !this.ooo.has(seq) && this.oooBytes + payload.length <= cap) {
        this.ooo.set(seq, payload.slice());
        this.oooBytes += payload.length;
      }
      this.sendAck();
      return;
    }
    // In order: accept no more than the window allows.
    const room = Math.max(this.window(), 0);
    if (payload.length > room) {
      payload = payload.subarray(0, room);
      fin = false;
    }
    const finSeq = add(seq, payload.length);
    this.deliver(payload);
    // Pull contiguous out-of-order segments.
    for (let again = true; again; ) {
      again = false;
      for (const [s, b] of this.ooo) {
        const d = diff(this.rcvNxt, s);
        if (d >= 0) {
          this.ooo.delete(s);
          this.oooBytes -= b.length;
          if (d < b.length) this.deliver(b.subarray(d));
          again = true;
        }
      }
    }
    // The FIN is taken only when everything before it has arrived.
    if (fin && finSeq === this.rcvNxt) {
      this.rcvNxt = add(this.rcvNxt, 1);
      this.finReceived = true;
      this.sendAck();
      if (this.state === "ESTABLISHED") this.state = "CLOSE_WAIT";
      else if (this.state === "FIN_WAIT_1") this.state = "CLOSING";
      else if (this.state === "FIN_WAIT_2") this.enterTimeWait();
      this.o.onEnd?.();
      return;
    }
    this.sendAck();
  }

  private deliver(b: Uint8Array): void {
    if (b.length === 0) return;
    this.rcvNxt = add(this.rcvNxt, b.length);
    this.stats.bytesIn += b.length;
    this.o.onData?.(b.slice());
  }

  private enterTimeWait(): void {
    this.state = "TIME_WAIT";
    this.clearRtx();
    // A short TIME_WAIT: the peer is a local guest, and the 4-tuple is not reused soon.
    this.twTimer = this.timers.set(this.o.timeWaitMs ?? 2000, () => this.finish(false));
  }

  private finish(reset: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.state = "CLOSED";
    this.clearRtx();
    if (this.twTimer !== undefined) this.timers.clear(this.twTimer);
    this.o.onClose?.(reset);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** Parses the TCP header at `at` (segment `len` bytes long) into a TcpSegment, or undefined. */
export function parseTcpSegment(b: Uint8Array, at: number, len: number): TcpSegment | undefined {
  if (len < 20) return undefined;
  const off = (b[at + 12]! >> 4) * 4;
  if (off < 20 || off > len) return undefined;
  const seg: TcpSegment = {
    seq: rd32(b, at + 4),
    ack: rd32(b, at + 8),
    flags: b[at + 13]! & 0x3f,
    window: rd16(b, at + 14),
    mss: 0,
    wscale: -1,
    payload: b.subarray(at + off, at + len),
  };
  // Options (RFC 793 §3.1, RFC 7323 §2): kind 0 end, 1 nop, 2 MSS (len 4), 3 window scale (len 3).
  for (let i = at + 20; i < at + off; ) {
    const kind = b[i]!;
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    const l = b[i + 1] ?? 0;
    if (l < 2 || i + l > at + off) break;
    if (kind === 2 && l === 4) seg.mss = rd16(b, i + 2);
    else if (kind === 3 && l === 3) seg.wscale = b[i + 2]!;
    i += l;
  }
  return seg;
}

/** Length of the TCP header `seg` needs (20 + options). */
export function tcpHeaderLength(seg: TcpSegment): number {
  return 20 + (seg.mss > 0 ? 4 : 0) + (seg.wscale >= 0 ? 4 : 0);
}

/** Writes the TCP header (checksum left 0) of `seg` at `at`, with its payload after it. */
export function writeTcpSegment(
  b: Uint8Array,
  at: number,
  srcPort: number,
  dstPort: number,
  seg: TcpSegment,
): void {
  const hl = tcpHeaderLength(seg);
  wr16(b, at, srcPort);
  wr16(b, at + 2, dstPort);
  wr32(b, at + 4, seg.seq);
  wr32(b, at + 8, seg.ack);
  b[at + 12] = (hl / 4) << 4;
  b[at + 13] = seg.flags;
  wr16(b, at + 14, seg.window);
  wr32(b, at + 16, 0); // checksum, urgent pointer
  let i = at + 20;
  if (seg.mss > 0) {
    b.set([2, 4, seg.mss >> 8, seg.mss & 0xff], i);
    i += 4;
  }
  if (seg.wscale >= 0) {
    b.set([1, 3, 3, seg.wscale], i);
    i += 4;
  }
  b.set(seg.payload, i);
}
