/**
 * The local backend's own options, validated once here with their defaults
 * in one place. The study engine sets the emulated WAN and the generator's
 * CPU quota from the study config; tests and benches set the rest.
 * What the replicas run (count, resources, model, balancer policy) comes per
 * cell in a DeploymentSpec, not from here.
 */
import path from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from '../../../lib/repo-root.js';

/** The emulated network between the `remote` client and the cluster. */
export const WanProfile = z.strictObject({
  /** added round-trip delay, ms */
  rttMs: z.number().nonnegative(),
  /** ± uniform jitter on each direction's delay, ms */
  jitterMs: z.number().nonnegative(),
  /** bandwidth limit per direction, Mbit/s; 0 = unlimited */
  bandwidthMbit: z.number().nonnegative(),
});
export type WanProfile = z.infer<typeof WanProfile>;

/** The documented default WAN between the `remote` client and the cluster. */
export const DEFAULT_WAN: WanProfile = { rttMs: 40, jitterMs: 2, bandwidthMbit: 100 };

const tsxNode = (script: string) => [process.execPath, '--import', 'tsx', path.join(REPO_ROOT, script)];

export const LocalOptions = z
  .strictObject({
    wan: WanProfile.default(DEFAULT_WAN),
    /** CPU quota of the load generator's own cgroup, cores @default 1 */
    loadGenCpu: z.number().positive().default(1),
    /** replica command line, run with cwd = repo root; PORT, POD_NAME, MODEL_PATH come in the environment @default node --import tsx service/main.ts */
    replicaCommand: z.array(z.string()).min(1).default(tsxNode('service/main.ts')),
    /** extra environment for every replica */
    replicaEnv: z.record(z.string(), z.string()).default({}),
    /** load worker command line (LoadJob on stdin, LoadJobResult on stdout) @default node --import tsx experiments/load/worker.ts */
    workerCommand: z.array(z.string()).min(1).default(tsxNode('experiments/load/worker.ts')),
    /** how long a replica may take to answer /readyz, ms @default 180000 */
    readyTimeoutMs: z.number().int().positive().default(180_000),
    /** @default 250 */
    probeIntervalMs: z.number().int().positive().default(250),
    /**
     * exits before a replica was ever ready after which its deploy fails at once instead of after
     * readyTimeoutMs (a SIGKILL nobody sent, the OOM killer's, counts as all of them) @default 3
     */
    startFailureLimit: z.number().int().positive().default(3),
    /** restart back-off: kubelet's 10 s → 5 min, scaled down so a trial is not dominated by waiting */
    backoff: z
      .strictObject({ initialMs: z.number().int().positive(), maxMs: z.number().int().positive(), resetAfterMs: z.number().int().positive() })
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
  })
  .refine((o) => o.wan.jitterMs <= o.wan.rttMs / 2, { message: 'wan.jitterMs must not exceed half of wan.rttMs', path: ['wan', 'jitterMs'] });

export type LocalOptionsInput = z.input<typeof LocalOptions>;
export type LocalOptions = z.output<typeof LocalOptions>;

export function resolveLocalOptions(input: LocalOptionsInput): LocalOptions {
  const parsed = LocalOptions.safeParse(input);
  if (!parsed.success) throw new Error(`local backend options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
