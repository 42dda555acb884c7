/**
 * Regression: on the kubernetes backend, a remote trial used to parse the
 * worker's result with a schema that had no `rttMs`, zod dropped it, and the
 * report printed "measured RTT 0 ms". Both locations now speak the one
 * worker protocol; a real remote trial against the fake API server records
 * the RTT the worker measured.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createKubernetesBackend } from '../../experiments/deploy/kubernetes/index.js';
import { startFakeService } from '../../experiments/deploy/fake-backend.js';
import { runMaxUsersTrial } from '../../experiments/engine/max-users-trial.js';
import { resolveConfig } from '../../experiments/plan/config.js';
import { buildPlan } from '../../experiments/plan/plan.js';
import { startFakeKubeApi } from '../helpers/fake-kube-api.js';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

test('a remote trial on the kubernetes backend records the RTT its worker measured', { timeout: 120_000 }, async () => {
  const images = mkdtempSync(path.join(tmpdir(), 'k8s-rtt-images-'));
  cleanup.push(() => rmSync(images, { recursive: true, force: true }));
  for (let i = 0; i < 3; i++) writeFileSync(path.join(images, `img${i}.jpg`), randomBytes(256));
  const service = await startFakeService({ serviceMs: 2, concurrency: 4, queue: 8 });
  cleanup.push(() => service.close());
  const api = await startFakeKubeApi({ nodePort: Number(new URL(service.url).port), onEndpoints: (ready) => service.setReplicas(ready.length) });
  cleanup.push(() => api.close());

  const config = resolveConfig(
    { replicas: [1], locations: ['remote'], trials: { min: 1, max: 1 }, thinkS: [0, 0], loadGenerator: { cpu: 4, bottleneckShare: 1 }, hostCores: 8, failure: { timeoutMs: 1000 }, search: { upperBound: 4, holdS: 0.3, maxHoldS: 0.3, minRequests: 0, windowS: 0.1 }, saturation: { enabled: false } },
    'rtt test',
  );
  const plan = buildPlan(config, { runId: 'rtt', backend: 'kubernetes', machineCores: 8, fitHost: false, profile: null, now: new Date(0) });
  const cell = plan.cells[0]!;
  const backend = await createKubernetesBackend({ runId: 'rtt', stateDir: images, log: () => undefined }, { kubeconfig: api.kubeconfig, pollMs: 10, rolloutTimeoutS: 20 });
  cleanup.push(() => backend.down());
  await backend.deploy(cell.deployment);
  const endpoint = await backend.endpoint('remote');
  assert.equal(endpoint.measured, undefined, 'the backend has no probe of its own here: the worker\'s RTT is the measurement');

  const trial = await runMaxUsersTrial(plan.trials[0]!, 0, {
    plan, backend, endpoint, executor: await backend.executor('remote'), imagesDir: images, recorded: [], signal: new AbortController().signal, log: () => undefined,
  });
  assert.ok(trial.steps.length > 0);
  assert.equal(typeof trial.network.rttMs, 'number');
  assert.ok(trial.network.rttMs! > 0, `measured RTT ${trial.network.rttMs} ms`);
});
