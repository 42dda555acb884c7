/**
 * The shared shape of every endpoint that takes an image: admit (or 503)
 * before reading the body, read it within the size limit, turn whichever
 * body form arrived into { id, image }, refuse non-images, then run the
 * handler when a processing slot is free, unless the request has already
 * waited longer than the queue-time limit. Detection uses it today; other
 * tasks (pose) plug in a different handler and get the same limits,
 * errors, metrics and logs.
 */
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { BODY_MEMORY_FACTOR, type Admission, type Ticket } from './admission.js';
import { readBody } from './body.js';
import { ApiError, ERRORS, type ErrorCode } from './errors.js';
import { imageJsonBody } from './image-body.js';
import { locals } from './http-context.js';
import { declaredLength } from './json-body.js';
import type { Limiter } from './queue.js';
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
  /** an admitted request that has waited this long (from its headers) for a processing slot gets 503 instead */
  queueTimeoutMs: number;
  /** true while the process drains for shutdown */
  draining: () => boolean;
  /** false until the model is loaded and warmed up */
  ready: () => boolean;
  /** false when the process is too close to its memory limit to take more work */
  memoryOk: () => boolean;
  /** Retry-After for 503s, seconds */
  retryAfterS: number;
  /** paths of the image routes, filled in as they are installed, for the refusal fast path */
  paths: Set<string>;
}

export type ImageHandler = (job: ImageJob) => Promise<unknown>;

/** A ticket, or the error code the request is refused with. */
export type Verdict = Ticket | ErrorCode;

/** The decision at header time, before any byte of the body is read. */
export function admitVerdict(ctx: ImageRouteContext, req: IncomingMessage): Verdict {
  if (ctx.draining()) return 'shutting_down';
  if (!ctx.ready()) return 'not_ready';
  const declared = declaredLength(req);
  if (declared !== undefined && declared > ctx.maxBodyBytes) return 'body_too_large';
  // A compressed body may inflate to the full limit, whatever its declared length.
  const compressed = (req.headers['content-encoding'] ?? 'identity') !== 'identity';
  const bytes = compressed || declared === undefined ? ctx.maxBodyBytes : declared;
  return (ctx.memoryOk() && ctx.admission.tryAdmit(bytes * BODY_MEMORY_FACTOR)) || 'overloaded';
}

/** Verdicts reached before Express saw the request (the fast path), so it is not decided twice. */
const decided = new WeakMap<IncomingMessage, Verdict>();

export function rememberVerdict(req: IncomingMessage, verdict: Verdict): void {
  decided.set(req, verdict);
}

export function overloaded(ctx: ImageRouteContext, message?: string): ApiError {
  return new ApiError('overloaded', message, { retryAfterS: ctx.retryAfterS });
}

/** Returned instead of a result when the client gave up while its request was queued. */
export const GAVE_UP = Symbol('client gave up');

export interface SlotSteps {
  /** the header-time admission: a ticket, or the catalogue's refusal */
  admit: RequestHandler;
  /** runs `work` in a processing slot unless the request waited past the queue-time limit or its client left */
  inSlot<T>(res: Response, work: () => Promise<T>): Promise<T | typeof GAVE_UP>;
}

/** Admission and a processing slot: what every heavy route shares (the image routes, the binding study's work route). */
export function slotSteps(route: string, ctx: ImageRouteContext): SlotSteps {
  ctx.paths.add(route);
  const tickets = new WeakMap<Response, Ticket>();

  const admit: RequestHandler = (req, res, next) => {
    locals(res).route = route;
    const verdict = decided.get(req) ?? admitVerdict(ctx, req);
    if (typeof verdict === 'string') {
      if (verdict === 'shutting_down') res.setHeader('Connection', 'close');
      throw new ApiError(verdict, undefined, ERRORS[verdict].status === 503 ? { retryAfterS: ctx.retryAfterS } : {});
    }
    res.on('close', verdict.release);
    tickets.set(res, verdict);
    next();
  };

  const inSlot = async <T>(res: Response, work: () => Promise<T>): Promise<T | typeof GAVE_UP> => {
    const l = locals(res);
    const ticket = tickets.get(res)!;
    const queuedAt = process.hrtime.bigint();
    return ctx.limiter.run(async () => {
      l.timings.add('queue', Number(process.hrtime.bigint() - queuedAt) / 1e6);
      // A client that gave up while queued gets no CPU spent on its request.
      if (res.destroyed) return GAVE_UP;
      const waited = ticket.waitedMs();
      if (waited > ctx.queueTimeoutMs) throw overloaded(ctx, `waited ${Math.round(waited)} ms for a processing slot, more than the ${ctx.queueTimeoutMs} ms allowed`);
      return work();
    });
  };

  return { admit, inSlot };
}

export function imageRoute(route: string, ctx: ImageRouteContext, handler: ImageHandler): RequestHandler[] {
  const slot = slotSteps(route, ctx);
  const run: RequestHandler = async (req: Request, res: Response) => {
    const l = locals(res);
    const { id, image } = parseImageRequest(req.body);
    l.id = id;
    const format = requireSupportedImage(image);
    // The parsed body is dropped before queueing so a waiting request holds only its image bytes.
    req.body = undefined;
    const result = await slot.inSlot(res, () => handler({ id, image, format, timings: l.timings }));
    if (result !== GAVE_UP) res.json(result);
  };
  return [slot.admit, readBody(ctx.maxBodyBytes, imageJsonBody), run];
}

