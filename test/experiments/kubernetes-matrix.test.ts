/**
 * The whole replicas × locations matrix of the assignment config against the
 * fake API server, with the real load worker at both locations: as a child
 * process through the "NodePort" (remote) and inside the fake cluster's Job
 * pod (cluster). The NodePort leads to the fake detection service, whose
 * replica count follows the ready pods.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKubernetesBackend } from '../../experiments/deploy/kubernetes/index.js';
import { startFakeService, type FakeService } from '../../experiments/deploy/fake-backend.js';
import { runWorkerOnce } from '../../experiments/load/protocol/client.js';
import { loadConfig } from '../../experiments/plan/config.js';
import type { ClosedLoadJob } from '../../experiments/load/protocol/schema.js';
import { startFakeKubeApi, type FakeKubeApi } from '../helpers/fake-kube-api.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** A handful of small "images": the fake service never decodes them. */
function imagesDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'k8s-matrix-images-'));
  for (let i = 0; i < 4; i++) writeFileSync(path.join(dir, `img${i}.jpg`), randomBytes(512));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the assignment matrix runs end to end against the fake cluster and leaves nothing behind', { timeout: 180_000 }, async () => {
  const config = await loadConfig(path.join(repoRoot, 'experiments/configs/assignment.json'));
  const images = imagesDir();
  const service: FakeService = await startFakeService({ serviceMs: 2, concurrency: 4, queue: 16 });
  cleanup.push(() => service.close());
  const servicePort = Number(new URL(service.url).port);
  const api: FakeKubeApi = await startFakeKubeApi({
    nodePort: servicePort,
    onEndpoints: (ready) => service.setReplicas(ready.length),
    // the Job's container: the same worker, reading the LoadJob the Job carries
    runJob: async (env) => JSON.stringify(await runWorkerOnce(JSON.parse(env.LOAD_JOB!) as ClosedLoadJob)),
  });
  cleanup.push(() => api.close());

  const backend = await createKubernetesBackend(
    { runId: 'matrix', stateDir: images, log: () => undefined },
    { kubeconfig: api.kubeconfig, pollMs: 10, rolloutTimeoutS: 20, imageImagesDir: images },
  );
  const shape = { task: config.task, cpu: config.replica.cpu, memoryMi: config.replica.memoryMi, modelPath: config.model, balancer: { policy: 'round-robin' as const } };
  cleanup.push(() => backend.down());

  const job: ClosedLoadJob = {
    kind: 'closed', task: config.task, url: 'http://replaced-by-the-executor', imagesDir: images, levels: [1], holdS: 0.3,
    thinkS: [0, 0], timeoutMs: 5000, stopOnFailure: true, seed: 1,
  };
  const cells: string[] = [];
  for (const [i, replicas] of config.replicas.entries()) {
    await backend.deploy({ ...shape, replicas });
    const stats = await backend.replicaStats();
    assert.equal(stats.filter((s) => s.ready).length, replicas, `${replicas} ready replicas`);
    for (const location of config.locations) {
      const result = await (await backend.executor(location)).run(job);
      const requests = result.steps.reduce((n, s) => n + s.requests, 0);
      const successes = result.steps.reduce((n, s) => n + s.successes, 0);
      assert.ok(requests > 0, `${replicas} × ${location}: requests were sent`);
      assert.equal(successes, requests, `${replicas} × ${location}: every request succeeded`);
      cells.push(`${replicas}×${location}`);
    }
    assert.equal(api.cluster.list('Job').length, 0, 'each load Job is deleted after its result is read');
  }
  assert.deepEqual(cells, config.replicas.flatMap((r) => config.locations.map((l) => `${r}×${l}`)));
  assert.equal((await backend.logs()).length, config.replicas.at(-1));

  await backend.down();
  const left = [...api.cluster.objects.keys()].filter((k) => /^(Deployment|Service|Job|Pod)\//.test(k));
  assert.deepEqual(left, []);
});
