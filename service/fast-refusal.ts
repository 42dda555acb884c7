/**
 * The overload refusal, answered before Express sees the request, and
 * paced per connection.
 *
 * Under a retry storm nearly every request is one of these. Answering one
 * costs little (no router, no Error, a prebuilt body and header list), but
 * the refused body must then be read off the socket for the connection to
 * be reused, and those reads drive V8's major GC: profiled, that GC was
 * most of a storm's CPU, and reading one 170 KB refused body cost about
 * 0.3 ms. So a client that ignores Retry-After is held to it: a connection
 * that sends again before the Retry-After of its last 503 has passed gets
 * its next 503 only when it has, with Retry-After doubled (up to
 * MAX_BACKOFF × the base), and until then nothing of its body is read (the
 * socket is left paused by backpressure), which costs no CPU. The decision
 * is still made on arrival; only the answer waits. A client that honours
 * Retry-After, a new connection, or one whose request was just admitted
 * sees exactly what it did before.
 *
 * Everything else (tickets, other refusals, other routes) goes on to the
 * app with the verdict remembered, so admission is decided once.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ERRORS, errorBody, ApiError } from './errors.js';
import { admitVerdict, rememberVerdict, type ImageRouteContext } from './image-route.js';
import type { Metrics } from './metrics.js';

/**
 * Refusals waiting for their connection's Retry-After at once; beyond this
 * they are answered at once. Each holds the request and at most the one
 * socket read (64 KiB) that brought its headers.
 */
export const MAX_HELD_REFUSALS = 256;

/** The longest Retry-After a repeatedly early connection is held to, in multiples of the base. */
export const MAX_BACKOFF = 8;

/** A connection's last 503: when it was answered and the Retry-After it carried. */
interface Pacing {
  answeredAt: number;
  retryAfterMs: number;
}

function pathOf(url: string | undefined): string {
  const q = url?.indexOf('?') ?? -1;
  return q < 0 ? url ?? '' : url!.slice(0, q);
}

export interface FastRefusalOptions {
  replica: string;
  metrics: Metrics;
  logger: Logger;
}

export function withFastRefusal(app: RequestListener, ctx: ImageRouteContext, opts: FastRefusalOptions): RequestListener {
  const body = Buffer.from(JSON.stringify(errorBody(new ApiError('overloaded'), undefined)));
  // writeHead takes a flat [name, value, name, value, …] list as it is, with no per-header validation.
  const headers = [
    'Content-Type', 'application/json; charset=utf-8',
    'Content-Length', String(body.length),
    'X-Served-By', opts.replica,
  ];
  const baseMs = ctx.retryAfterS * 1000;
  const pacing = new WeakMap<Socket, Pacing>();
  let held = 0;

  const answer = (req: IncomingMessage, res: ServerResponse, route: string, started: number, retryAfterMs: number): void => {
    const now = performance.now();
    pacing.set(req.socket, { answeredAt: now, retryAfterMs });
    const ms = now - started;
    res.writeHead(ERRORS.overloaded.status, [...headers, 'Retry-After', String(retryAfterMs / 1000), 'Server-Timing', `total;dur=${ms.toFixed(2)}`]);
    res.end(body);
    opts.metrics.observeRefusal(route, ms);
    opts.logger.info({ method: req.method, route, status: ERRORS.overloaded.status, ms: Math.round(ms * 100) / 100, error: 'overloaded' }, 'request');
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, route: string, started: number): void => {
    const last = pacing.get(req.socket);
    const waitMs = last === undefined ? 0 : last.answeredAt + last.retryAfterMs - started;
    if (waitMs <= 0 || held >= MAX_HELD_REFUSALS) {
      answer(req, res, route, started, baseMs);
      return;
    }
    held += 1;
    const next = Math.min(2 * last!.retryAfterMs, MAX_BACKOFF * baseMs);
    const timer = setTimeout(() => {
      res.off('close', gone);
      held -= 1;
      answer(req, res, route, started, next);
    }, waitMs);
    // The client gave up (or the process is closing connections): nothing is owed.
    const gone = (): void => {
      clearTimeout(timer);
      held -= 1;
    };
    res.once('close', gone);
  };

  return (req, res) => {
    if (req.method === 'POST') {
      const path = pathOf(req.url);
      if (ctx.paths.has(path)) {
        const started = performance.now();
        const verdict = admitVerdict(ctx, req);
        if (verdict === 'overloaded') {
          refuse(req, res, path, started);
          return;
        }
        if (typeof verdict !== 'string') {
          res.on('close', verdict.release);
          pacing.delete(req.socket);
        }
        rememberVerdict(req, verdict);
      }
    }
    app(req, res);
  };
}
