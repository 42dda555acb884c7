/**
 * What every response gets, whatever route produced it: X-Served-By, a
 * Server-Timing header with the stage durations, one JSON log line, the
 * request metrics, and, for errors, the catalog's JSON body with the id
 * echoed when it could be read.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ApiError, errorBody } from './errors.js';
import type { Metrics } from './metrics.js';
import { readableId } from './request.js';
import { Timings } from './timing.js';

export interface RequestLocals {
  timings: Timings;
  /** metric/log label: the route pattern, never the raw URL (unbounded cardinality) */
  route: string;
  id?: string;
  errorCode?: string;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

export function requestContext(replica: string, logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const timings = new Timings();
    Object.assign(res.locals, { timings, route: 'unmatched' } satisfies RequestLocals);
    res.setHeader('X-Served-By', replica);
    setHeaderBeforeSend(res, 'Server-Timing', () => timings.header());
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const l = locals(res);
      const status = res.writableFinished ? res.statusCode : 499;
      metrics.observeRequest(l.route, req.method, status, timings);
      logger.info({
        id: l.id,
        method: req.method,
        route: l.route,
        status,
        ms: Math.round(timings.totalMs() * 100) / 100,
        stages: timings.stages(),
        error: l.errorCode,
      }, 'request');
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };
}

/** Runs `value` at the last moment before the status line goes out, so late stages are included. */
function setHeaderBeforeSend(res: Response, name: string, value: () => string): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: unknown[]) {
    if (!this.headersSent) this.setHeader(name, value());
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as Response['writeHead'];
}

export function sendError(req: Request, res: Response, err: ApiError): void {
  const l = locals(res);
  l.errorCode = err.code;
  const id = l.id ?? readableId(req.body);
  if (l.id === undefined && id !== undefined) l.id = id;
  if (err.retryAfterS !== undefined) res.setHeader('Retry-After', String(err.retryAfterS));
  res.status(err.status).json(errorBody(err, id));
}

export function notFound(): RequestHandler {
  return (req, res) => sendError(req, res, new ApiError('not_found', `no route ${req.method} ${req.path}`));
}

/** For a known path: 405 with the methods it does allow. */
export function methodNotAllowed(route: string, allowed: readonly string[]): RequestHandler {
  return (req, res) => {
    locals(res).route = route;
    res.setHeader('Allow', allowed.join(', '));
    sendError(req, res, new ApiError('method_not_allowed', `${req.method} is not allowed on ${route} (allowed: ${allowed.join(', ')})`));
  };
}

/** The last handler: anything not already an ApiError is a bug, logged with its stack and answered 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof ApiError) {
      sendError(req, res, err);
      return;
    }
    logger.error({ err, route: locals(res).route }, 'unhandled error');
    sendError(req, res, new ApiError('internal', undefined, { cause: err }));
  };
}
