import { randomFillSync } from "node:crypto";
import type { StateReader, StateWriter } from "@armature/core";
import { VirtioDeviceId } from "./constants.js";
import { type VirtioDevice, VirtioDeviceBase, type VirtioDeviceContext } from "./device.js";

/** Where entropy comes from (default: the host's CSPRNG through node:crypto). */
export interface EntropySource {
  fill(buf: Uint8Array): void;
  /** A replayable source's position (saved in snapshots); absent for the host's CSPRNG. */
  state?: number;
}

export const cryptoEntropy: EntropySource = {
  fill(buf) {
    randomFillSync(buf);
  },
};

/** virtio-rng / entropy device (virtio 1.2 §5.4): fills every writable buffer it is given. */
export class VirtioRng extends VirtioDeviceBase implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.ENTROPY;
  readonly name = "rng";
  readonly deviceFeatures = 0n;
  readonly queueMaxSizes: readonly number[] = [64];
  readonly configSize = 0;
  private readonly buf = new Uint8Array(64 * 1024);

  constructor(readonly source: EntropySource = cryptoEntropy) {
    super();
  }

  readConfig(): number {
    return 0;
  }
  writeConfig(): void {}
  readonly stateVersion = 1;
  /** A replayable source's position (nothing for the host's CSPRNG). */
  saveState(w: StateWriter): void {
    const st = this.source.state;
    w.bool(st !== undefined);
    if (st !== undefined) w.f64(st);
  }
  loadState(r: StateReader): (ctx: VirtioDeviceContext | undefined) => void {
    const has = r.bool();
    const st = has ? r.f64() : undefined;
    if (has !== (this.source.state !== undefined)) r.fail("the entropy source is seeded in one machine only");
    return (ctx) => {
      this.ctx = ctx;
      if (st !== undefined) this.source.state = st;
    };
  }
  queueNotify(i: number): void {
    const ctx = this.ctx;
    if (ctx === undefined || i !== 0) return;
    const q = ctx.queue(0);
    for (let c = q.pop(); c !== null; c = q.pop()) {
      // §5.4.6: the device may fill fewer bytes than offered; cap each request at 64 KiB.
      const out = this.buf.subarray(0, Math.min(this.buf.length, c.writableBytes));
      this.source.fill(out);
      const n = c.write(0, out);
      if (n < 0) ctx.log.warn("rng-dma", "entropy buffer is not in memory");
      q.push(c, Math.max(n, 0));
    }
    ctx.notifyUsed(0);
  }
}
