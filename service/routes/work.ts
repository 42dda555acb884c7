/**
 * POST /api/work {id, units} → {id, units, cpuMs, checksum}: `units` ×
 * WORK_UNIT_MS of this replica's CPU (service/work.ts), for the binding
 * study's heterogeneous requests. Off unless WORK_UNIT_MS is set: only the
 * study's replicas serve it. It takes the detection route's steps
 * (image-route.ts slotSteps: admission in count and bytes with the refusal
 * fast path, readiness, drain, memory check, processing slots, queue-time
 * limit, error catalogue); a request costs at most WORK_MAX_UNITS units
 * (bounded CPU) and its work stops when the client leaves.
 */
import type { RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { ExtraTask } from '../app.js';
import { readBody } from '../body.js';
import { ConfigError } from '../config.js';
import { ApiError } from '../errors.js';
import { locals, methodNotAllowed } from '../http-context.js';
import { GAVE_UP, slotSteps, type ImageRouteContext } from '../image-route.js';
import { burnCpu } from '../work.js';

export const WORK_ROUTE = '/api/work';
/** a work request is two short fields */
const MAX_WORK_BODY_BYTES = 1024;
/** no request may cost more CPU than this, whatever the unit, ms */
const MAX_REQUEST_CPU_MS = 60_000;

const WorkEnv = z
  .object({
    /** CPU per unit, ms; unset = no work route */
    WORK_UNIT_MS: z.coerce.number().positive().max(1000).optional(),
    /** the largest request, units @default 10000 */
    WORK_MAX_UNITS: z.coerce.number().int().positive().default(10_000),
  })
  .refine((e) => e.WORK_UNIT_MS === undefined || e.WORK_UNIT_MS * e.WORK_MAX_UNITS <= MAX_REQUEST_CPU_MS, {
    message: `WORK_UNIT_MS × WORK_MAX_UNITS must not exceed ${MAX_REQUEST_CPU_MS} ms of CPU per request`,
    path: ['WORK_MAX_UNITS'],
  });

export interface WorkConfig {
  unitMs: number;
  maxUnits: number;
}

/** The work route's settings from the environment, or undefined when it is off; bad values throw ConfigError. */
export function loadWorkConfig(env: NodeJS.ProcessEnv): WorkConfig | undefined {
  const parsed = WorkEnv.safeParse(Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('WORK_') && v !== '')));
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const { WORK_UNIT_MS: unitMs, WORK_MAX_UNITS: maxUnits } = parsed.data;
  return unitMs === undefined ? undefined : { unitMs, maxUnits };
}

function parseWork(body: unknown, maxUnits: number): { id: string; units: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('invalid_request', 'request body is not a JSON object with "id" and "units"');
  const { id, units, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new ApiError('invalid_field', `unknown field "${extra[0]}"`);
  if (id === undefined || id === '' || units === undefined) throw new ApiError('missing_field', 'fields "id" and "units" are required');
  if (typeof id !== 'string' || id.length > 256) throw new ApiError('invalid_field', 'field "id" must be a string of at most 256 characters');
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 1 || units > maxUnits) {
    throw new ApiError('invalid_field', `field "units" must be an integer from 1 to ${maxUnits}`);
  }
  return { id, units };
}

function workRoute(ctx: ImageRouteContext, config: WorkConfig): RequestHandler[] {
  const slot = slotSteps(WORK_ROUTE, ctx);
  const run: RequestHandler = async (req, res) => {
    const l = locals(res);
    const { id, units } = parseWork(req.body, config.maxUnits);
    l.id = id;
    const done = await slot.inSlot(res, () => l.timings.time('work', () => burnCpu(units * config.unitMs, () => res.destroyed)));
    if (done !== GAVE_UP && !done.stopped) res.json({ id, units, cpuMs: Math.round(done.cpuMs * 1000) / 1000, checksum: done.checksum });
  };
  return [slot.admit, readBody(MAX_WORK_BODY_BYTES), run];
}

/** The work route as an app task, or undefined when the environment does not turn it on. */
export function workTask(env: NodeJS.ProcessEnv): ExtraTask | undefined {
  const config = loadWorkConfig(env);
  if (!config) return undefined;
  return {
    install: (router: Router, ctx: ImageRouteContext) => {
      router.post(WORK_ROUTE, ...workRoute(ctx, config));
      router.all(WORK_ROUTE, methodNotAllowed(WORK_ROUTE, ['POST']));
    },
    ready: () => true,
  };
}
