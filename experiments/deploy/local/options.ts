/**
 * Options of the local backend: the shared BackendOptions plus a few knobs of
 * its own, all validated once here with their defaults in one place.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { BackendOptions, WanProfile } from '../backend.js';
import { STRATEGIES } from './pick.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The documented default WAN between the `remote` client and the cluster. */
export const DEFAULT_WAN: WanProfile = { rttMs: 40, jitterMs: 2, bandwidthMbit: 100 };

const tsxNode = (script: string) => [process.execPath, '--import', 'tsx', script];

const LocalOnly = z.object({
  /** replica command line, run with cwd = repo root; PORT, POD_NAME, MODEL_PATH come in the environment @default node --import tsx service/main.ts */
  replicaCommand: z.array(z.string()).min(1).default(tsxNode('service/main.ts')),
  /** extra environment for every replica */
  replicaEnv: z.record(z.string(), z.string()).default({}),
  /** load worker command line (LoadJob on stdin, LoadJobResult on stdout) @default node --import tsx experiments/load/worker.ts */
  workerCommand: z.array(z.string()).min(1).default(tsxNode('experiments/load/worker.ts')),
  /** CPU quota of the load generator's own cgroup, cores @default 1 */
  loadGenCpu: z.number().positive().default(1),
  /** how long a replica may take to answer /readyz, ms @default 180000 */
  readyTimeoutMs: z.number().int().positive().default(180_000),
  /** @default 250 */
  probeIntervalMs: z.number().int().positive().default(250),
  /** restart back-off: kubelet's 10 s → 5 min, scaled down so a trial is not dominated by waiting */
  backoff: z
    .object({ initialMs: z.number().int().positive(), maxMs: z.number().int().positive(), resetAfterMs: z.number().int().positive() })
    .default({ initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 }),
  /** SIGTERM → SIGKILL grace for a replica, ms (Kubernetes: terminationGracePeriodSeconds 30) @default 30000 */
  terminationGraceMs: z.number().int().positive().default(30_000),
  /** balancer port; 0 = any free port @default 0 */
  balancerPort: z.number().int().min(0).max(65535).default(0),
  /** `auto`: a network namespace when root, the WAN proxy on loopback otherwise @default auto */
  remoteMode: z.enum(['auto', 'netns', 'loopback']).default('auto'),
  /** start a reaper that purges the run if this process dies without down() @default true */
  reaper: z.boolean().default(true),
  /** clean up on SIGINT/SIGTERM/SIGHUP (and re-raise when nobody else listens) @default true */
  handleSignals: z.boolean().default(true),
  /** HTTP pings per RTT measurement @default 15 */
  rttPings: z.number().int().positive().default(15),
  /** body size of the bandwidth measurement on the remote path, bytes @default 2 MiB */
  bandwidthProbeBytes: z.number().int().nonnegative().default(2 * 1024 * 1024),
});

const Shared = z.object({
  runId: z.string().min(1),
  task: z.enum(['detection', 'pose']),
  replicaCpu: z.number().positive(),
  replicaMemoryMi: z.number().positive(),
  modelPath: z.string().min(1),
  poseDetectorPath: z.string().min(1).optional(),
  stateDir: z.string().min(1),
  balancer: z.enum(STRATEGIES),
  wan: z.object({ rttMs: z.number().nonnegative(), jitterMs: z.number().nonnegative(), bandwidthMbit: z.number().nonnegative() }),
  log: z.custom<BackendOptions['log']>((v) => typeof v === 'function', 'log must be a function'),
});

export const LocalBackendOptionsSchema = Shared.extend(LocalOnly.shape);

export type LocalBackendOptions = BackendOptions & Partial<z.input<typeof LocalOnly>>;
export type ResolvedOptions = z.output<typeof LocalBackendOptionsSchema>;

export function resolveOptions(options: LocalBackendOptions): ResolvedOptions {
  const parsed = LocalBackendOptionsSchema.safeParse(options);
  if (!parsed.success) throw new Error(`local backend options:\n${z.prettifyError(parsed.error)}`);
  if (parsed.data.wan.jitterMs > parsed.data.wan.rttMs / 2) {
    throw new Error(`local backend options: wan.jitterMs (${parsed.data.wan.jitterMs}) must not exceed half of wan.rttMs (${parsed.data.wan.rttMs})`);
  }
  return parsed.data;
}
