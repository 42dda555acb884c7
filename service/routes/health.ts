/**
 * Probes and metrics. /healthz answers as long as the event loop runs;
 * /readyz only once the model is loaded and warmed up, and not while
 * draining, so a balancer stops sending before the process goes away.
 */
import type { Router } from 'express';
import { ApiError } from '../errors.js';
import { locals, methodNotAllowed } from '../http-context.js';
import type { Metrics } from '../metrics.js';

export interface HealthState {
  ready: () => boolean;
  draining: () => boolean;
}

export function healthRoutes(router: Router, state: HealthState, metrics: Metrics): void {
  router.get('/healthz', (_req, res) => {
    locals(res).route = '/healthz';
    res.json({ status: 'ok' });
  });
  router.all('/healthz', methodNotAllowed('/healthz', ['GET', 'HEAD']));

  router.get('/readyz', (_req, res) => {
    locals(res).route = '/readyz';
    if (state.draining()) throw new ApiError('shutting_down');
    if (!state.ready()) throw new ApiError('not_ready');
    res.json({ status: 'ready' });
  });
  router.all('/readyz', methodNotAllowed('/readyz', ['GET', 'HEAD']));

  router.get('/metrics', async (_req, res) => {
    locals(res).route = '/metrics';
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  router.all('/metrics', methodNotAllowed('/metrics', ['GET', 'HEAD']));
}
