import { ConfigError } from "./errors.js";

/**
 * Addresses handed out upwards from `base` within `size` bytes and never freed (a bump
 * allocator): the firmware's own structures, a test driver's rings and tables.
 */
export class BumpAllocator {
  private next: number;

  /** `what` names the region in the error thrown when it is full. */
  constructor(
    readonly base: number,
    readonly size: number,
    private readonly what: string,
  ) {
    this.next = base;
  }

  /** `n` bytes at the next multiple of `align` (default 8); a ConfigError when they do not fit. */
  take(n: number, align = 8): number {
    const at = Math.ceil(this.next / align) * align;
    if (at + n > this.base + this.size) throw new ConfigError(`${this.what} exhausted`);
    this.next = at + n;
    return at;
  }
}
