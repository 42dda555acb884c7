import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1Node, V1Pod } from '@kubernetes/client-node';
import { rolloutVerdict, describePod, hopelessReason } from '../../experiments/deploy/kubernetes/rollout.js';
import { parseCadvisor, replicaStats } from '../../experiments/deploy/kubernetes/stats.js';
import { clusterAddress, remoteAddress, urlFor } from '../../experiments/deploy/kubernetes/endpoints.js';
import { jobDeadlineS,  } from '../../experiments/deploy/kubernetes/cluster-job.js';
import { resultFromLog } from '../../experiments/load/protocol/schema.js';
import { deploymentName, loadJobName, runIdLabel } from '../../experiments/deploy/kubernetes/names.js';
import { kubernetesOptionsFromEnv, parseKubernetesOptions, withEnvOptions } from '../../experiments/deploy/kubernetes/options.js';
import type { ClosedLoadJob, LoadJobResult } from '../../experiments/load/protocol/schema.js';

function deployment(generation: number, status: V1Deployment['status']): V1Deployment {
  return { metadata: { name: 'd', generation }, status };
}

test('rollout verdict: done only when observed, updated, ready, available and no extra replicas', () => {
  const full = { observedGeneration: 3, replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4 };
  const cases: [string, V1Deployment, boolean, RegExp | ''][] = [
    ['all there', deployment(3, full), true, ''],
    ['generation not observed', deployment(4, full), false, /not observed generation 4/],
    ['not yet updated', deployment(3, { ...full, updatedReplicas: 2 }), false, /2\/4 updated/],
    ['not ready', deployment(3, { ...full, readyReplicas: 3 }), false, /3\/4 ready/],
    ['not available', deployment(3, { ...full, availableReplicas: 1 }), false, /1\/4 available/],
    ['scaling down, old pods left', deployment(3, { ...full, replicas: 6 }), false, /2 old replicas/],
    ['empty status', deployment(1, {}), false, /not observed/],
  ];
  for (const [name, d, done, why] of cases) {
    const v = rolloutVerdict(d, 4);
    assert.equal(v.done, done, name);
    if (why) assert.match(v.waitingFor, why, name);
  }
});

const oomPod: V1Pod = {
  metadata: { name: 'p-1' },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [{ name: 'detector', image: 'i', imageID: '', ready: false, restartCount: 2, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }],
  },
};

test('an unready pod is described with its restarts, last termination and warning events', () => {
  const text = describePod(oomPod, [
    { type: 'Normal', reason: 'Pulled', message: 'ok', involvedObject: {}, metadata: {} },
    { type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: 503\n', involvedObject: {}, metadata: {} },
  ]);
  assert.equal(text, 'p-1: Running, not ready, 2 restarts (last: OOMKilled), Unhealthy: Readiness probe failed: 503');
});

test('image and config errors and repeated OOM kills end the wait at once; other crash loops do not', () => {
  const pull: V1Pod = { metadata: { name: 'p-2' }, status: { containerStatuses: [{ name: 'detector', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'no such image' } } }] } };
  const crash: V1Pod = { metadata: { name: 'p-3' }, status: { containerStatuses: [{ name: 'detector', image: 'x', imageID: '', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }] } };
  assert.equal(hopelessReason([crash, pull]), 'p-2: ImagePullBackOff (no such image)');
  assert.equal(hopelessReason([crash]), undefined);
  assert.equal(hopelessReason([crash, oomPod]), 'p-1: OOMKilled 2 times while starting (its memory limit is below what it needs to start)');
  const onceKilled = structuredClone(oomPod);
  onceKilled.status!.containerStatuses![0]!.restartCount = 1;
  assert.equal(hopelessReason([onceKilled]), undefined);
});

test('cAdvisor text: our container per pod, other namespaces, containers and the pod cgroup ignored', () => {
  const text = [
    '# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed',
    'container_cpu_usage_seconds_total{container="detector",cpu="total",namespace="ns",pod="a"} 10.5 1700000000000',
    'container_cpu_usage_seconds_total{container="",namespace="ns",pod="a"} 99',
    'container_cpu_cfs_throttled_seconds_total{container="detector",namespace="ns",pod="a"} 1.25',
    'container_memory_max_usage_bytes{container="detector",namespace="ns",pod="b"} 3.1e+08',
    'container_cpu_usage_seconds_total{container="detector",namespace="other",pod="c"} 5',
    'container_cpu_usage_seconds_total{container="sidecar",namespace="ns",pod="a"} 7',
    'container_memory_rss{container="detector",namespace="ns",pod="a"} 123',
    'garbage line',
  ].join('\n');
  const samples = parseCadvisor(text, 'ns');
  assert.deepEqual(Object.fromEntries(samples), {
    a: { cpuSeconds: 10.5, cpuThrottledSeconds: 1.25 },
    b: { memoryPeakBytes: 310_000_000 },
  });
});

test('replica stats: restarts and OOM kills from the status, counters only where measured, terminating pods left out', () => {
  const ready: V1Pod = { metadata: { name: 'b' }, status: { conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'detector', image: 'i', imageID: '', ready: true, restartCount: 0 }] } };
  const leaving: V1Pod = { metadata: { name: 'c', deletionTimestamp: new Date() }, status: {} };
  const stats = replicaStats([ready, oomPod, leaving], new Map([['b', { cpuSeconds: 4, cpuThrottledSeconds: 0.5 }]]));
  assert.deepEqual(stats, [
    { name: 'b', ready: true, restarts: 0, oomKilled: 0, cpuSeconds: 4, cpuThrottledSeconds: 0.5 },
    { name: 'p-1', ready: false, restarts: 2, oomKilled: 1 },
  ]);
});

function node(name: string, controlPlane: boolean, addresses: Record<string, string>, ready = true): V1Node {
  return {
    metadata: { name, labels: controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {} },
    status: {
      addresses: Object.entries(addresses).map(([type, address]) => ({ type, address })),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

test('remote address: ExternalIP, then the API server host, then an InternalIP', () => {
  const internalOnly = [node('w1', false, { InternalIP: '10.0.0.3' }), node('cp', true, { InternalIP: '10.0.0.2' })];
  assert.deepEqual(remoteAddress(internalOnly, 'https://152.67.1.2:6443'), { address: '152.67.1.2', source: 'API server host from the kubeconfig' });
  assert.equal(remoteAddress(internalOnly, 'https://127.0.0.1:6443').address, '10.0.0.2', 'control plane first, loopback API server skipped');
  const withExternal = [node('w1', false, { InternalIP: '10.0.0.3', ExternalIP: '152.67.9.9' }, false), node('w2', false, { ExternalIP: '152.67.1.1' })];
  assert.equal(remoteAddress(withExternal, 'https://api.example:6443').address, '152.67.1.1', 'not-ready nodes skipped');
});

test('cluster address: the control-plane node when pinned, with a hint when there is none', () => {
  const nodes = [node('w1', false, { InternalIP: '10.0.0.3' }), node('cp', true, { InternalIP: '10.0.0.2' })];
  assert.deepEqual(clusterAddress(nodes, true), { address: '10.0.0.2', node: 'cp' });
  assert.throws(() => clusterAddress([nodes[0]!], true), /label it node-role\.kubernetes\.io\/control-plane/);
  assert.equal(clusterAddress([nodes[0]!], false).node, 'w1');
  assert.equal(urlFor('fd00::1', 30080), 'http://[fd00::1]:30080');
});

const result: LoadJobResult = { kind: 'closed', steps: [], loadGenCpu: 0.4, aborted: false };

test('the Job result is the last valid result line of the pod log', () => {
  const log = [
    '{"type":"progress","users":1}',
    'npm notice something',
    JSON.stringify({ ...result, loadGenCpu: 0.1 }),
    JSON.stringify(result),
    '{"type":"progress","users":2}',
  ].join('\n');
  assert.deepEqual(resultFromLog(log), result);
  assert.equal(resultFromLog('{"type":"error","message":"no images"}\n'), undefined);
  assert.equal(resultFromLog(''), undefined);
});

test('the Job deadline grows with the levels and the hold time', () => {
  const job: ClosedLoadJob = { kind: 'closed', task: 'detection', url: 'http://x', imagesDir: '/i', levels: [1, 2], holdS: 10, thinkS: [0, 0], timeoutMs: 1, stopOnFailure: true, seed: 1 };
  assert.ok(jobDeadlineS({ ...job, levels: [1, 2, 3, 4] }) > jobDeadlineS(job));
  assert.ok(jobDeadlineS({ ...job, maxHoldS: 30 }) > jobDeadlineS(job));
});

test('names and labels stay valid for any run id', () => {
  for (const id of ['2026-11-23T17:00:00.000Z', 'UPPER_case id!!', '-'.repeat(80), 'x'.repeat(200)]) {
    assert.match(deploymentName(id), /^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$/);
    assert.match(loadJobName(id, 12), /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    assert.match(runIdLabel(id), /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  }
  assert.notEqual(deploymentName('run-a'), deploymentName('run-b'));
});

test('options from CLOUDDETECT_K8S_* variables: typed, validated, and overridden by explicit options', () => {
  const env = {
    CLOUDDETECT_K8S_CONTEXT: 'kubernetes-admin@kubernetes', CLOUDDETECT_K8S_NODE_PORT: '30123', CLOUDDETECT_K8S_GPU: 'nvidia.com/gpu=1',
    CLOUDDETECT_K8S_PIN_CLIENT: 'false', CLOUDDETECT_K8S_CLIENT_COMMAND: 'node  worker.js', CLOUDDETECT_K8S_IMAGE: '', UNRELATED: 'x',
  };
  assert.deepEqual(kubernetesOptionsFromEnv(env), {
    context: 'kubernetes-admin@kubernetes', nodePort: 30123, gpu: { resource: 'nvidia.com/gpu', quantity: '1' },
    pinClusterClientToControlPlane: false, clientCommand: ['node', 'worker.js'],
  });
  const merged = parseKubernetesOptions(withEnvOptions({ context: 'other', namespace: undefined }, env));
  assert.equal(merged.context, 'other');
  assert.equal(merged.nodePort, 30123);
  assert.equal(merged.image, 'clouddetect:latest', 'an empty variable leaves the default');
  assert.throws(() => parseKubernetesOptions(kubernetesOptionsFromEnv({ CLOUDDETECT_K8S_NODE_PORT: 'abc' })), /nodePort/);
});
