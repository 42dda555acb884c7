/**
 * The shared shape of every endpoint that takes an image: admit (or 503)
 * before reading the body, read it within the size limit, turn whichever
 * body form arrived into { id, image }, refuse non-images, then run the
 * handler when a processing slot is free. Detection uses it today; other
 * tasks (pose) plug in a different handler and get the same limits,
 * errors, metrics and logs.
 */
import type { Request, RequestHandler, Response } from 'express';
import { readBody } from './body.js';
import { ApiError } from './errors.js';
import { locals } from './http-context.js';
import { declaredLength } from './json-body.js';
import type { Admission, Limiter } from './queue.js';
import { parseImageRequest, requireSupportedImage, type ImageFormat } from './request.js';
import type { Timings } from './timing.js';

export interface ImageJob {
  id: string;
  image: Buffer;
  format: ImageFormat;
  timings: Timings;
}

export interface ImageRouteContext {
  admission: Admission;
  limiter: Limiter;
  maxBodyBytes: number;
  /** true while the process drains for shutdown */
  draining: () => boolean;
  /** false until the model is loaded and warmed up */
  ready: () => boolean;
  /** false when the process is too close to its memory limit to take more work */
  memoryOk: () => boolean;
  /** Retry-After for 503s, seconds */
  retryAfterS: number;
}

export type ImageHandler = (job: ImageJob) => Promise<unknown>;

export function imageRoute(route: string, ctx: ImageRouteContext, handler: ImageHandler): RequestHandler[] {
  const admit: RequestHandler = (req, res, next) => {
    locals(res).route = route;
    if (ctx.draining()) {
      res.setHeader('Connection', 'close');
      throw new ApiError('shutting_down', undefined, { retryAfterS: ctx.retryAfterS });
    }
    if (!ctx.ready()) throw new ApiError('not_ready', undefined, { retryAfterS: ctx.retryAfterS });
    const declared = declaredLength(req);
    if (declared !== undefined && declared > ctx.maxBodyBytes) throw new ApiError('body_too_large');
    // A compressed body may inflate to the full limit, whatever its declared length.
    const compressed = (req.headers['content-encoding'] ?? 'identity') !== 'identity';
    const bytes = compressed || declared === undefined ? ctx.maxBodyBytes : declared;
    const ticket = ctx.memoryOk() ? ctx.admission.tryAdmit(bytes) : null;
    if (ticket === null) throw new ApiError('overloaded', undefined, { retryAfterS: ctx.retryAfterS });
    res.on('close', ticket.release);
    next();
  };

  const run: RequestHandler = async (req: Request, res: Response) => {
    const l = locals(res);
    const { id, image } = parseImageRequest(req.body);
    l.id = id;
    const format = requireSupportedImage(image);
    // The parsed body is dropped before queueing so a waiting request holds only its image bytes.
    req.body = undefined;
    const queuedAt = process.hrtime.bigint();
    const result = await ctx.limiter.run(async () => {
      l.timings.add('queue', Number(process.hrtime.bigint() - queuedAt) / 1e6);
      // A client that gave up while queued gets no CPU spent on its image.
      if (res.destroyed) return GAVE_UP;
      return handler({ id, image, format, timings: l.timings });
    });
    if (result !== GAVE_UP) res.json(result);
  };

  return [admit, readBody(ctx.maxBodyBytes), run];
}

const GAVE_UP = Symbol('client gave up');
