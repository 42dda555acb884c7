/** Shared fixtures for the experiment tests: generated images and synthetic steps/trials. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildStep, type RequestRecord } from '../../experiments/load/step-builder.js';
import { SCHEMA_VERSION, type Step, type TrialResult } from '../../experiments/record/schema.js';

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

export function trialFrom(o: { replicas: number; location: 'cluster' | 'remote'; trial: number; maxUsers: number; valid?: boolean; latencyMs?: number }): TrialResult {
  const confirm = stepFrom(o.maxUsers, okRecords(50, o.latencyMs ?? 100));
  const valid = o.valid ?? true;
  return {
    schemaVersion: SCHEMA_VERSION,
    id: `r${o.replicas}-${o.location}-t${o.trial}${valid ? '' : '-invalid0'}`,
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
