/** The kubernetes backend when a rollout cannot become ready, against the fake API server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeployFailed } from '../../experiments/deploy/backend.js';
import { createKubernetesBackend } from '../../experiments/deploy/kubernetes/index.js';
import { startFakeKubeApi } from '../helpers/fake-kube-api.js';

test('a deployment that fails to become ready is DeployFailed with its pods\' counters, and scaled to 0', async () => {
  const api = await startFakeKubeApi({ neverReady: [1], oomKilled: [1] });
  const dir = mkdtempSync(path.join(tmpdir(), 'k8s-fail-'));
  const events: string[] = [];
  const backend = await createKubernetesBackend({ runId: 'fail-run', stateDir: dir, log: (event) => events.push(event) }, { kubeconfig: api.kubeconfig, pollMs: 10, rolloutTimeoutS: 0.3 });
  try {
    const spec = { task: 'detection', replicas: 1, cpu: 0.5, memoryMi: 64, modelPath: '/m/yolox_nano.onnx', balancer: { policy: 'round-robin' } } as const;
    const err = await backend.deploy(spec).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof DeployFailed, String(err));
    assert.match(err.message, /not ready after 0\.3 s/);
    assert.deepEqual(err.replicaStats.map((s) => [s.ready, s.oomKilled]), [[false, 1]]);
    assert.equal(api.cluster.list('Deployment')[0]?.spec?.replicas, 0, 'nothing keeps crash-looping beside the next cell');
    assert.ok(events.includes('kubernetes.deploy-failed'));
  } finally {
    await backend.down();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
