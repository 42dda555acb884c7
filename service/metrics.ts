/**
 * Prometheus metrics on a registry of their own (not prom-client's global),
 * so several apps in one test process never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { STAGES, type Timings } from './timing.js';

export interface ModelInfo {
  path: string;
  family: string;
  input: string;
  threads: number;
}

export interface PoseModelInfo {
  path: string;
  /** the person detector of a top-down pipeline; empty for single-stage */
  detector: string;
  kind: string;
  threads: number;
}

export interface Metrics {
  registry: Registry;
  observeRequest(route: string, method: string, status: number, timings: Timings): void;
  /** a POST refused with 503 overloaded by the fast path, `ms` after it arrived */
  observeRefusal(route: string, ms: number): void;
  setModelInfo(info: ModelInfo): void;
  setPoseModelInfo(info: PoseModelInfo): void;
}

/** `inFlight` and `queued` are read at scrape time from whoever owns those numbers. */
export function createMetrics(gauges: { inFlight: () => number; queued: () => number }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request arrival to response, by route',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const stage = new Histogram({
    name: 'inference_stage_duration_seconds',
    help: 'Time spent per pipeline stage: queue, decode, inference, postprocess',
    labelNames: ['route', 'stage'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests admitted and not yet answered (reading body, queued or processing)',
    registers: [registry],
    collect() {
      this.set(gauges.inFlight());
    },
  });
  new Gauge({
    name: 'http_requests_queued',
    help: 'Admitted requests waiting for a processing slot',
    registers: [registry],
    collect() {
      this.set(gauges.queued());
    },
  });
  const modelInfo = new Gauge({
    name: 'model_info',
    help: 'The loaded model (value is always 1)',
    labelNames: ['path', 'family', 'input', 'threads'] as const,
    registers: [registry],
  });

  const poseModelInfo = new Gauge({
    name: 'pose_model_info',
    help: 'The loaded pose models (value is always 1)',
    labelNames: ['path', 'detector', 'kind', 'threads'] as const,
    registers: [registry],
  });

  // Label lookups hash the label set; a storm's refusals reuse the children.
  const refusals = new Map<string, { count: ReturnType<typeof requests.labels>; time: ReturnType<typeof duration.labels> }>();

  return {
    registry,
    observeRefusal(route, ms) {
      let r = refusals.get(route);
      if (r === undefined) {
        r = { count: requests.labels(route, 'POST', '503'), time: duration.labels(route) };
        refusals.set(route, r);
      }
      r.count.inc();
      r.time.observe(ms / 1000);
    },
    observeRequest(route, method, status, timings) {
      requests.inc({ route, method, status: String(status) });
      duration.observe({ route }, timings.totalMs() / 1000);
      const stages = timings.stages();
      for (const s of STAGES) {
        const ms = stages[s];
        if (ms !== undefined) stage.observe({ route, stage: s }, ms / 1000);
      }
    },
    setModelInfo(info) {
      modelInfo.reset();
      modelInfo.set({ path: info.path, family: info.family, input: info.input, threads: String(info.threads) }, 1);
    },
    setPoseModelInfo(info) {
      poseModelInfo.reset();
      poseModelInfo.set({ path: info.path, detector: info.detector, kind: info.kind, threads: String(info.threads) }, 1);
    },
  };
}
