/**
 * Admission: whether a request that has just sent its headers may be read
 * at all. Tickets are bounded in count (CONCURRENCY being processed +
 * QUEUE_LENGTH waiting) and in memory (MAX_QUEUED_BYTES), so a burst of
 * large or hostile uploads is refused with 503 instead of being buffered
 * until the pod is OOM-killed. A ticket remembers when it was issued, so a
 * request that waited too long can be refused before it costs CPU.
 */

import { readFileSync } from 'node:fs';

export interface Ticket {
  /** memory this request is counted for, bytes */
  readonly bytes: number;
  /** ms since the ticket was issued (the request's headers arrived) */
  waitedMs(): number;
  /** idempotent */
  release(): void;
}

/**
 * Memory one body byte may cost while the request is read and parsed: the
 * raw bytes, the string JSON.parse reads them from, and the image's base64
 * string it returns, alive together for a moment (multipart: the chunks
 * and their join). The decoded image is not counted here: it exists only
 * while processing, bounded per processing slot by the decoder.
 */
export const BODY_MEMORY_FACTOR = 3;

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

  /** A ticket for a request counted as `bytes` of memory, or null when full. */
  tryAdmit(bytes: number): Ticket | null {
    if (this.count >= this.limits.maxRequests) return null;
    // One request alone is always let through so a limit below the body size never starves the server.
    if (this.count > 0 && this.heldBytes + bytes > this.limits.maxBytes) return null;
    this.count += 1;
    this.heldBytes += bytes;
    const issued = performance.now();
    let released = false;
    return {
      bytes,
      waitedMs: () => performance.now() - issued,
      release: () => {
        if (released) return;
        released = true;
        this.count -= 1;
        this.heldBytes -= bytes;
      },
    };
  }
}

/**
 * Resident memory the kernel cannot reclaim: anonymous pages (RssAnon) plus
 * shared memory, from /proc/self/status. Full RSS also counts the mapped
 * node, ONNX Runtime and libvips libraries, pages a memory cgroup mostly
 * does not charge to the replica (another cgroup read them first) and can
 * drop under pressure anyway: with RSS, a 128 MiB replica refused every
 * request well below its cgroup limit.
 * Falls back to RSS where /proc is absent.
 */
export function unreclaimableResident(): number {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'latin1');
  } catch {
    return process.memoryUsage.rss();
  }
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return m === null ? undefined : Number(m[1]);
  };
  const anon = kb('RssAnon');
  return anon === undefined ? process.memoryUsage.rss() : (anon + (kb('RssShmem') ?? 0)) * 1024;
}

/**
 * `read`, called at most every `maxAgeMs`: reading /proc under a retry storm
 * cost more CPU than answering the refused requests themselves.
 */
export function sampled(read: () => number, maxAgeMs = 50): () => number {
  let value = 0;
  let at = -Infinity;
  return () => {
    const now = performance.now();
    if (now - at >= maxAgeMs) {
      value = read();
      at = now;
    }
    return value;
  };
}
