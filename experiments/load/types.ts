/**
 * The load worker's input and output. The same worker runs as a child process
 * (local backend, cluster and remote locations) and as a Kubernetes Job
 * (kubernetes backend, cluster location), so both are plain JSON.
 */
import type { Step, Task } from '../record/schema.js';

export interface LoadJob {
  task: Task;
  /** base URL of the service endpoint */
  url: string;
  /** directory with the images, or inline base64 bodies for remote runners that lack the folder */
  imagesDir: string;
  /** levels to hold in order; a `ramp` job holds each level for `holdS` (1 s = the assignment's 1 user/s) */
  levels: number[];
  holdS: number;
  /** think time between a user's requests, seconds: [min, max]; [0, 0] saturates */
  thinkS: [number, number];
  /** a request slower than this fails */
  timeoutMs: number;
  /** stop at the first failing level instead of running all */
  stopOnFailure: boolean;
  /** optional latency objective: a level with p95 above it fails */
  p95ObjectiveMs?: number;
  seed: number;
  /** hold a level longer than `holdS`, until throughput is steady and `minRequests` were answered, up to this; default holdS */
  maxHoldS?: number;
  /** answered requests a held level needs before it may end, so "100 %" rests on enough samples; default 0 */
  minRequests?: number;
  /** stability window, seconds; stable = throughput of the last three windows within `stableTolerance`; default 1 */
  windowS?: number;
  /** default 0.1 */
  stableTolerance?: number;
}

export interface LoadJobResult {
  steps: Step[];
  /** load generator CPU use over the whole job, 1.0 = one core */
  loadGenCpu: number;
  /** the job was aborted (signal) before it finished */
  aborted: boolean;
  /** median round-trip time of a few tiny requests sent before the load, ms; absent when none answered */
  rttMs?: number;
}

