/** Shared fixtures for the experiment tests: generated images and synthetic steps/trials. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { buildStep, type RequestRecord } from '../../experiments/load/step-builder.js';
import { SCHEMA_VERSION, type MaxUsersTrial } from '../../experiments/record/schema.js';
import { type Step } from '../../experiments/contracts/domain.js';

export async function tempDir(prefix = 'cd-exp-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** `n` small distinct JPEGs, so tests do not need the shared 128 images. */
export async function makeImages(dir: string, n: number): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const file = join(dir, `img-${i}.jpg`);
    await sharp({ create: { width: 32 + i, height: 24, channels: 3, background: { r: (i * 40) % 255, g: 100, b: 50 } } }).jpeg().toFile(file);
    files.push(file);
  }
  return files;
}

export async function writeCorruptImage(dir: string, name: string): Promise<void> {
  await writeFile(join(dir, name), Buffer.from('this is not a jpeg'));
}

export function stepFrom(users: number, records: RequestRecord[], durationS = 2): Step {
  return buildStep({ users, startedAt: new Date(0).toISOString(), durationS, records, loadGenCpu: 0.1, windowS: 1, stableTolerance: 0.1 });
}

/** `n` successful requests of `latencyMs`, spread evenly over `durationS`. */
export function okRecords(n: number, latencyMs: number, durationS = 2, servedBy = 'r0'): RequestRecord[] {
  return Array.from({ length: n }, (_, i) => ({ doneAtMs: ((i + 0.5) * durationS * 1000) / n, latencyMs, servedBy }));
}

export function trialFrom(o: { replicas: number; location: 'cluster' | 'remote'; trial: number; maxUsers: number; valid?: boolean; latencyMs?: number }): MaxUsersTrial {
  const confirm = stepFrom(o.maxUsers, okRecords(50, o.latencyMs ?? 100));
  const valid = o.valid ?? true;
  return {
    schemaVersion: SCHEMA_VERSION,
    id: `r${o.replicas}-${o.location}-t${o.trial}${valid ? '' : '-invalid0'}`,
    cell: `r${o.replicas}-${o.location}`,
    question: 'max-users',
    task: 'detection',
    replicas: o.replicas,
    location: o.location,
    trial: o.trial,
    strategy: 'search',
    startedAt: new Date(0).toISOString(),
    endedAt: new Date(1000).toISOString(),
    maxUsers: o.maxUsers,
    decidedBy: 'failure',
    valid,
    ...(valid ? {} : { invalidReason: 'test' }),
    capacityBound: false,
    limitsEnforced: true,
    network: { rttMs: 1, bandwidthMbit: null, description: 'test' },
    steps: [stepFrom(o.maxUsers + 1, [{ doneAtMs: 10, latencyMs: 5, error: 'status' }]), confirm],
    confirmStep: 1,
    replicaStats: [],
  };
}

export const RUN_ALL = fileURLToPath(new URL('../../experiments/run-all.mjs', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunAllResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `node experiments/run-all.mjs …` as a child process, bounded: a hung run is
 * killed after `timeoutMs` and fails its test instead of hanging the suite.
 * `env` replaces the whole environment when given as a function of the
 * parent's; `onStderr` sees the accumulated stderr and may stop the run.
 */
export function runAll(
  args: string[],
  opts: {
    env?: (parent: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
    timeoutMs?: number;
    onStderr?: (stderr: string, child: ChildProcess) => void;
    /** called once the child runs; the function it returns is called when the child has exited */
    whileRunning?: (child: ChildProcess) => () => void;
  } = {},
): Promise<RunAllResult> {
  const env = opts.env ? opts.env(process.env) : process.env;
  const child = spawn(process.execPath, [RUN_ALL, ...args], { cwd: REPO_ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
    opts.onStderr?.(stderr, child);
  });
  const stopWatching = opts.whileRunning?.(child);
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      stopWatching?.();
      resolve({ code, stdout, stderr });
    }),
  );
}
