/**
 * Shared set-up for the local backend's tests: options that run the fake
 * replica and the fake worker, and a census of what a run left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeploymentSpec } from '../../experiments/contracts/deployment.js';
import type { Backend, BackendContext } from '../../experiments/deploy/backend.js';
import { createLocalBackend, type LocalOptionsInput } from '../../experiments/deploy/local/index.js';
import { CGROUP_PREFIX, findGroupDirs } from '../../lib/cgroup/group.js';
import { REPO_ROOT } from '../../lib/repo-root.js';
import { listLinks, listNetns } from '../../experiments/deploy/local/netns.js';
import { markedProcesses, runTag } from '../../experiments/deploy/local/ownership.js';

export const repoRoot = REPO_ROOT;
export const isRoot = process.getuid?.() === 0;

/** One temp directory for every run of this process, removed when the process exits. */
let stateRoot: string | undefined;
function stateDirFor(runId: string): string {
  if (!stateRoot) {
    const root = mkdtempSync(path.join(os.tmpdir(), 'cd-local-test-'));
    process.on('exit', () => rmSync(root, { recursive: true, force: true }));
    stateRoot = root;
  }
  return path.join(stateRoot, runId);
}

const tsx = (file: string) => [process.execPath, '--import', 'tsx', path.join(repoRoot, file)];

type Shape = Omit<DeploymentSpec, 'replicas'>;
export type TestOverrides = LocalOptionsInput & Partial<Shape> & { stateDir?: string };

export interface TestRun {
  context: BackendContext;
  own: LocalOptionsInput;
  events: { event: string; fields?: Record<string, unknown> }[];
  tag: string;
  /** the run's replica shape with `replicas` of them */
  spec(replicas: number): DeploymentSpec;
  start(): Promise<Backend>;
}

const SHAPE_KEYS = ['task', 'cpu', 'memoryMi', 'modelPath', 'poseDetectorPath', 'balancer'] as const;

export function testRun(overrides: TestOverrides = {}): TestRun {
  const runId = `test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const events: TestRun['events'] = [];
  const { stateDir, ...rest } = overrides;
  const shape: Shape = { task: 'detection', cpu: 0.5, memoryMi: 256, modelPath: '/nonexistent/model.onnx', balancer: { policy: 'round-robin' } };
  const own: Record<string, unknown> = {
    wan: { rttMs: 40, jitterMs: 0, bandwidthMbit: 100 },
    replicaCommand: tsx('bench/lib/fake-replica.ts'),
    workerCommand: tsx('test/helpers/local-fake-worker.ts'),
    readyTimeoutMs: 30_000,
    probeIntervalMs: 100,
    backoff: { initialMs: 200, maxMs: 1000, resetAfterMs: 60_000 },
    terminationGraceMs: 3000,
    rttPings: 5,
  };
  for (const [k, v] of Object.entries(rest)) {
    if ((SHAPE_KEYS as readonly string[]).includes(k)) Object.assign(shape, { [k]: v });
    else if (v === undefined) delete own[k];
    else own[k] = v;
  }
  const context: BackendContext = { runId, stateDir: stateDir ?? stateDirFor(runId), log: (event, fields) => events.push({ event, fields }) };
  return {
    context,
    own: own as LocalOptionsInput,
    events,
    tag: runTag(runId),
    spec: (replicas) => ({ ...shape, replicas }),
    start: () => createLocalBackend(context, own as LocalOptionsInput),
  };
}

/** Everything carrying this run's tag that still exists. */
export async function leftovers(tag: string): Promise<string[]> {
  const found: string[] = [];
  for (const p of await markedProcesses()) if (p.tag === tag) found.push(`process ${p.pid}`);
  for (const dir of await findGroupDirs(`${CGROUP_PREFIX}${tag}`)) found.push(`cgroup ${dir}`);
  for (const ns of await listNetns()) if (ns.includes(tag)) found.push(`netns ${ns}`);
  for (const link of await listLinks()) if (link.includes(tag)) found.push(`link ${link}`);
  return found;
}

/** Sends `count` detection requests one after another and counts X-Served-By. */
export async function servedBy(url: string, count: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const res = await fetch(new URL('/api/object_detection', url), { method: 'POST', body: JSON.stringify({ id: String(i), image: 'aGk=' }), headers: { 'content-type': 'application/json' } });
    await res.arrayBuffer();
    const name = res.headers.get('x-served-by') ?? `status-${res.status}`;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
