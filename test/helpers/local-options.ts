/**
 * Shared set-up for the local backend's tests: options that run the fake
 * service and the fake worker, and a census of what a run left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalBackendOptions } from '../../experiments/deploy/local/index.js';
import { CGROUP_PREFIX, findGroupDirs } from '../../lib/cgroup/group.js';
import { listLinks, listNetns } from '../../experiments/deploy/local/netns.js';
import { markedProcesses, runTag } from '../../experiments/deploy/local/ownership.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
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

export interface TestRun {
  options: LocalBackendOptions;
  events: { event: string; fields?: Record<string, unknown> }[];
  tag: string;
}

export function testRun(overrides: Partial<LocalBackendOptions> = {}): TestRun {
  const runId = `test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const events: TestRun['events'] = [];
  return {
    events,
    tag: runTag(runId),
    options: {
      runId,
      task: 'detection',
      replicaCpu: 0.5,
      replicaMemoryMi: 256,
      modelPath: '/nonexistent/model.onnx',
      stateDir: overrides.stateDir ?? stateDirFor(runId),
      balancer: 'round-robin',
      wan: { rttMs: 40, jitterMs: 0, bandwidthMbit: 100 },
      log: (event, fields) => events.push({ event, fields }),
      replicaCommand: tsx('test/helpers/local-fake-service.ts'),
      workerCommand: tsx('test/helpers/local-fake-worker.ts'),
      readyTimeoutMs: 30_000,
      probeIntervalMs: 100,
      backoff: { initialMs: 200, maxMs: 1000, resetAfterMs: 60_000 },
      terminationGraceMs: 3000,
      rttPings: 5,
      ...overrides,
    },
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
