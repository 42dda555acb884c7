/**
 * Timing model of one emulated WAN path, pure so it can be tested without
 * sockets. Each direction is a link of fixed bandwidth (a token bucket with no
 * burst: a chunk occupies the link for size/bandwidth) followed by a one-way
 * propagation delay of RTT/2 ± jitter. The link is shared by all connections,
 * the delivery order within one connection is kept.
 */

export interface LinkProfile {
  /** one-way delay, ms */
  delayMs: number;
  /** ± uniform jitter on the delay, ms */
  jitterMs: number;
  /** Mbit/s; 0 or Infinity = unlimited */
  bandwidthMbit: number;
}

export class Link {
  private freeAt = 0;

  constructor(
    readonly profile: LinkProfile,
    private readonly random: () => number = Math.random,
  ) {}

  /** When a chunk handed to the link at `now` finishes being sent, ms. */
  transmit(now: number, bytes: number): number {
    const { bandwidthMbit } = this.profile;
    const start = Math.max(now, this.freeAt);
    const duration = bandwidthMbit > 0 && Number.isFinite(bandwidthMbit) ? (bytes * 8) / (bandwidthMbit * 1000) : 0;
    this.freeAt = start + duration;
    return this.freeAt;
  }

  delay(): number {
    const { delayMs, jitterMs } = this.profile;
    return Math.max(0, delayMs + (this.random() * 2 - 1) * jitterMs);
  }
}

/** One direction of one connection: delivery times never go backwards. */
export class Flow {
  constructor(
    private readonly link: Link,
    private lastDelivery = 0,
  ) {}

  deliverAt(now: number, bytes: number): number {
    const at = Math.max(this.link.transmit(now, bytes) + this.link.delay(), this.lastDelivery);
    this.lastDelivery = at;
    return at;
  }
}
