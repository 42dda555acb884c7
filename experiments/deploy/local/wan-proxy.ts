/**
 * Userspace WAN emulator (tc netem is not available): a TCP proxy that holds
 * every chunk until the Link model says it would have arrived. A new
 * connection's first bytes also wait one RTT, the handshake a real client
 * would have paid before it could send.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Flow, Link } from './wan-link.js';

export interface WanProfileMs {
  rttMs: number;
  jitterMs: number;
  /** Mbit/s per direction; 0 = unlimited */
  bandwidthMbit: number;
}

/** Above this many bytes waiting in one direction the sender is paused, like a full TCP window. */
const HIGH_WATER = 4 * 1024 * 1024;

export function createWanProxy(target: { host: string; port: number }, profile: WanProfileMs): net.Server {
  const linkProfile = { delayMs: profile.rttMs / 2, jitterMs: profile.jitterMs, bandwidthMbit: profile.bandwidthMbit };
  const upLink = new Link(linkProfile);
  const downLink = new Link(linkProfile);

  // Half-open on both sides: a FIN travels through the delay like data instead of cutting queued chunks short.
  return net.createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
    const acceptedAt = performance.now();
    const upstream = net.connect({ ...target, noDelay: true, allowHalfOpen: true });
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    pipeDelayed(client, upstream, new Flow(upLink, acceptedAt + profile.rttMs));
    pipeDelayed(upstream, client, new Flow(downLink));
  });
}

/**
 * One FIFO and one timer per direction: separate timers per chunk could fire
 * out of order (Node computes their expiry from a cached loop clock), and a
 * reordered chunk would corrupt the byte stream.
 */
function pipeDelayed(from: net.Socket, to: net.Socket, flow: Flow): void {
  const queue: { at: number; chunk: Buffer | null }[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | null = null;

  const flush = () => {
    timer = null;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) continue;
      if (chunk === null) to.end();
      else {
        queued -= chunk.length;
        to.write(chunk);
      }
    }
    if (from.isPaused() && queued <= HIGH_WATER / 2) from.resume();
    if (queue.length > 0) timer = setTimeout(flush, Math.max(0, queue[0]!.at - performance.now()));
  };
  const enqueue = (chunk: Buffer | null) => {
    queue.push({ at: flow.deliverAt(performance.now(), chunk?.length ?? 0), chunk });
    if (!timer) timer = setTimeout(flush, Math.max(0, queue[0]!.at - performance.now()));
  };

  from.on('data', (chunk: Buffer) => {
    queued += chunk.length;
    if (queued > HIGH_WATER) from.pause();
    enqueue(chunk);
  });
  from.on('end', () => enqueue(null));
  from.on('close', () => {
    if (timer && to.destroyed) clearTimeout(timer);
  });
}
