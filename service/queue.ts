/**
 * Back-pressure for any endpoint that does heavy work per request.
 *
 * Admission hands out tickets before the body is read, bounded both in count
 * (being processed + QUEUE_LENGTH waiting) and in declared body bytes, so a
 * burst of large uploads is refused with 503 instead of being buffered until
 * the pod is OOM-killed. Limiter then runs the admitted work a few at a time
 * in arrival order.
 */

export interface Ticket {
  readonly bytes: number;
  /** idempotent */
  release(): void;
}

export class Admission {
  private count = 0;
  private heldBytes = 0;

  constructor(private readonly limits: { maxRequests: number; maxBytes: number }) {}

  get admitted(): number {
    return this.count;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** A ticket for a request whose body may be up to `bytes` long, or null when full. */
  tryAdmit(bytes: number): Ticket | null {
    if (this.count >= this.limits.maxRequests) return null;
    // One request alone is always let through so a limit below the body size never starves the server.
    if (this.count > 0 && this.heldBytes + bytes > this.limits.maxBytes) return null;
    this.count += 1;
    this.heldBytes += bytes;
    let released = false;
    return {
      bytes,
      release: () => {
        if (released) return;
        released = true;
        this.count -= 1;
        this.heldBytes -= bytes;
      },
    };
  }
}

/** Runs at most `concurrency` tasks at once, the rest in FIFO order. */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      // The slot passes straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.active -= 1;
    }
  }
}
