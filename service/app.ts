/**
 * Builds the Express app; never listens. Everything stateful (model,
 * admission, limiter, metrics, draining flag) is created or injected here so
 * a test can build as many independent apps as it likes.
 */
import type { RequestListener } from 'node:http';
import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import { Admission, sampled, unreclaimableResident } from './admission.js';
import type { Detector } from './detector.js';
import { withFastRefusal } from './fast-refusal.js';
import { errorHandler, notFound, requestContext } from './http-context.js';
import type { ImageRouteContext } from './image-route.js';
import { createMetrics, type Metrics } from './metrics.js';
import { Limiter } from './queue.js';
import { detectRoutes } from './routes/detect.js';
import { healthRoutes } from './routes/health.js';

export interface AppOptions {
  replica: string;
  maxBodyBytes: number;
  maxImagePixels: number;
  /** requests allowed to wait beyond the `concurrency` being processed */
  queueLength: number;
  /** memory admitted requests may hold while their bodies are read and parsed (bodies count BODY_MEMORY_FACTOR times) */
  maxQueuedBytes: number;
  /** an admitted request that has waited this long for a processing slot gets 503 instead. @default 10000 */
  queueTimeoutMs?: number;
  /** requests processed at once */
  concurrency: number;
  /** request log sink; one line per request (give it the replica as a base field) */
  logger: Logger;
  /** @default 1 */
  retryAfterS?: number;
  /** resident memory the kernel cannot reclaim (anonymous + shared pages), bytes, above which image requests get 503; undefined = no check */
  memoryHighWaterBytes?: number;
  /** serve the detection routes and wait for a detector before turning ready; false for a pose-only replica. @default true */
  detection?: boolean;
}

export interface Service {
  /** what the HTTP server calls: the overload fast path in front of `app` */
  handle: RequestListener;
  app: Express;
  metrics: Metrics;
  admission: Admission;
  limiter: Limiter;
  /** the model is loaded and warmed up: /readyz turns 200 */
  setDetector(detector: Detector): void;
  /** refuse new work and fail readiness; in-flight requests continue */
  startDraining(): void;
}

/** Other tasks (pose) add their routes here, sharing limits, queue and metrics. */
export type RouteInstaller = (router: Router, ctx: ImageRouteContext) => void;

/** A task served beside (or instead of) detection: its routes, and whether its model is warm. */
export interface ExtraTask {
  install: RouteInstaller;
  ready: () => boolean;
}

export function createApp(opts: AppOptions, detector?: Detector, extraTasks: ExtraTask[] = []): Service {
  const detection = opts.detection ?? true;
  let current = detector;
  let draining = false;
  const admission = new Admission({ maxRequests: opts.concurrency + opts.queueLength, maxBytes: opts.maxQueuedBytes });
  const limiter = new Limiter(opts.concurrency);
  const metrics = createMetrics({ inFlight: () => admission.admitted, queued: () => limiter.waiting });
  if (current) metrics.setModelInfo(current.info);

  const resident = sampled(unreclaimableResident);
  const ctx: ImageRouteContext = {
    admission,
    limiter,
    maxBodyBytes: opts.maxBodyBytes,
    queueTimeoutMs: opts.queueTimeoutMs ?? 10_000,
    draining: () => draining,
    ready: () => (!detection || current !== undefined) && extraTasks.every((t) => t.ready()),
    memoryOk: () => opts.memoryHighWaterBytes === undefined || resident() < opts.memoryHighWaterBytes,
    retryAfterS: opts.retryAfterS ?? 1,
    paths: new Set(),
  };

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(requestContext(opts.replica, opts.logger, metrics));
  const router = express.Router();
  healthRoutes(router, { ready: ctx.ready, draining: ctx.draining }, metrics);
  if (detection) detectRoutes(router, ctx, () => current!, opts.maxImagePixels);
  for (const task of extraTasks) task.install(router, ctx);
  app.use(router);
  app.use(notFound());
  app.use(errorHandler(opts.logger));

  return {
    handle: withFastRefusal(app, ctx, { replica: opts.replica, metrics, logger: opts.logger }),
    app,
    metrics,
    admission,
    limiter,
    setDetector(d) {
      current = d;
      metrics.setModelInfo(d.info);
    },
    startDraining() {
      draining = true;
    },
  };
}
