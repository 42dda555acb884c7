/**
 * The podman backend for real: replicas are containers of the runtime image
 * (scripts/build-image.sh) started from the rendered pod spec, behind the
 * local balancer. The model is a tiny generated network bound into the
 * container, the photo a generated JPEG. Checked from outside: podman's own
 * view of the limits and the user, the answers, the counters from the
 * container's cgroup, an OOM kill counted, scaling, and nothing left after
 * down() or purge. Skipped, with the reason, without podman, the image or root.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DeployFailed, type Backend } from '../../experiments/deploy/backend.js';
import { purge } from '../../experiments/deploy/local/purge.js';
import { createPodmanBackend, DEFAULT_PODMAN_IMAGE } from '../../experiments/deploy/podman/index.js';
import { TAG_LABEL } from '../../experiments/deploy/podman/run-args.js';
import { isRoot, leftovers, testRun } from '../helpers/local-options.js';
import { writeGeneratedModel } from '../helpers/service-model.js';
import { makeImages, tempDir } from './helpers.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const imagePresent = () => spawnSync('podman', ['image', 'exists', DEFAULT_PODMAN_IMAGE]).status === 0;
const skip = !has('podman')
  ? 'podman is not installed (apt-get install podman runc; see docs/local-cluster.md)'
  : !isRoot ? 'not root: the local cluster around the containers needs cgroups and a network namespace'
  : !imagePresent() ? `no ${DEFAULT_PODMAN_IMAGE}: run bash scripts/build-image.sh --target runtime` : false;

const containers = (tag: string): string[] =>
  execFileSync('podman', ['ps', '--all', '--filter', `label=${TAG_LABEL}=${tag}`, '--format', '{{.Names}}'], { encoding: 'utf8' }).split('\n').filter(Boolean);

const inspect = (name: string, format: string): string => execFileSync('podman', ['inspect', '--type', 'container', '--format', format, name], { encoding: 'utf8' }).trim();

let tmp: Awaited<ReturnType<typeof tempDir>>;
let model: string;
let photo: Buffer;
before(async () => {
  if (skip) return;
  tmp = await tempDir('cd-podman-');
  model = await writeGeneratedModel(tmp.dir);
  await mkdir(join(tmp.dir, 'images'));
  photo = await readFile((await makeImages(join(tmp.dir, 'images'), 1))[0]!);
});
after(() => tmp?.cleanup());

function podmanRun(overrides: Parameters<typeof testRun>[0] = {}) {
  const run = testRun({ replicaCommand: undefined, modelPath: model, memoryMi: 512, readyTimeoutMs: 120_000, ...overrides });
  return { run, start: () => createPodmanBackend(run.context, run.own) };
}

async function detect(url: string, id: string): Promise<Response> {
  return fetch(new URL('/api/object_detection', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, image: photo.toString('base64') }),
  });
}

test('replicas are limited containers of the image, served through the balancer, counted from their cgroups, and removed by down()', { skip, timeout: 300_000 }, async () => {
  const { run, start } = podmanRun();
  const backend: Backend = await start();
  try {
    assert.equal(backend.name, 'podman');
    assert.equal(backend.limitsEnforced, true);
    await backend.deploy(run.spec(1));
    const name = `${run.tag}-replica-0`;
    assert.deepEqual(containers(run.tag), [name]);
    assert.equal(inspect(name, '{{.HostConfig.CpuQuota}}/{{.HostConfig.CpuPeriod}}'), '50000/100000');
    assert.equal(inspect(name, '{{.HostConfig.Memory}}'), String(512 * 1024 * 1024));
    assert.equal(inspect(name, '{{.Config.User}}'), '1000:1000');
    assert.equal(inspect(name, '{{.HostConfig.ReadonlyRootfs}}'), 'true');

    const { url } = await backend.endpoint('cluster');
    for (let i = 0; i < 5; i++) {
      const res = await detect(url, `p-${i}`);
      const body = (await res.json()) as { id: string; objects: unknown[] };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(res.headers.get('x-served-by'), name, 'POD_NAME from the pod spec names the container');
      assert.equal(body.id, `p-${i}`);
      assert.ok(Array.isArray(body.objects));
    }
    const remote = await backend.endpoint('remote');
    assert.notEqual(remote.url, url, 'the remote location has its own path (WAN proxy)');
    const far = await detect(remote.url, 'far');
    assert.equal(far.status, 200);
    assert.equal(far.headers.get('x-served-by'), name);
    await far.arrayBuffer();
    const bad = await fetch(new URL('/api/object_detection', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"x","image":"@@"}' });
    assert.equal(bad.status, 400);

    const [stats] = await backend.replicaStats();
    assert.equal(stats!.ready, true);
    assert.equal(stats!.restarts, 0);
    assert.equal(stats!.oomKilled, 0);
    assert.ok(stats!.cpuSeconds! > 0, JSON.stringify(stats));
    assert.ok(stats!.cpuPeriods! > 0, JSON.stringify(stats));
    assert.ok(stats!.memoryPeakBytes! > 10 * 1024 * 1024 && stats!.memoryPeakBytes! <= 512 * 1024 * 1024, JSON.stringify(stats));
    assert.ok((await backend.logs())[0]!.lines.some((l) => l.includes('"msg":"listening"')), 'the container log reaches the replica log');

    await backend.deploy(run.spec(2));
    assert.equal(containers(run.tag).length, 2);
    await backend.deploy(run.spec(1));
    assert.deepEqual(containers(run.tag), [name], 'scale-down removes the surplus container');
  } finally {
    await backend.down();
  }
  assert.deepEqual(containers(run.tag), []);
  assert.deepEqual(await leftovers(run.tag), []);
});

test('a container OOM-killed while starting fails the deploy at once with the kill counted, and leaves nothing', { skip, timeout: 180_000 }, async () => {
  const { run, start } = podmanRun({ memoryMi: 16 });
  const backend = await start();
  try {
    const err = await backend.deploy(run.spec(1)).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof DeployFailed, `expected DeployFailed, got ${String(err)}`);
    assert.match(err.message, /SIGKILLed before it was ever ready/);
    assert.ok(err.replicaStats[0]!.oomKilled >= 1, JSON.stringify(err.replicaStats));
    assert.deepEqual(containers(run.tag), [], 'the failed replica is removed');
  } finally {
    await backend.down();
  }
});

test('purge removes the containers of a run kept with --keep', { skip, timeout: 180_000 }, async () => {
  const { run, start } = podmanRun();
  const backend = await start();
  await backend.deploy(run.spec(1));
  await backend.detach();
  assert.equal(containers(run.tag).length, 1, '--keep leaves the container running');
  const removed = await purge(() => undefined, run.tag);
  assert.ok(removed.some((r) => r.startsWith('container ')), removed.join('; '));
  assert.deepEqual(containers(run.tag), []);
  assert.deepEqual(await leftovers(run.tag), []);
});
