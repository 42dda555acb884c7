/**
 * A replica of the local cluster as a real container of the service image:
 * the pod the Kubernetes backend would render for the cell (same templates),
 * run with `podman run` flags derived from it (run-args.ts). The model files
 * are bound read-only at the image paths the pod's env names, so every model
 * of a study's grid runs on the one runtime image. Counters come from the
 * container's own cgroup, found through its main process.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Cgroup } from '../../../lib/cgroup/group.js';
import type { CgroupLayout } from '../../../lib/cgroup/parse.js';
import { REPO_ROOT } from '../../../lib/repo-root.js';
import type { DeploymentSpec } from '../../contracts/deployment.js';
import { renderManifests, specManifestOptions } from '../kubernetes/render.js';
import type { Replica } from '../local/replica.js';
import type { ReplicaRuntime } from '../local/replica-runtime.js';
import { containerPid, PODMAN, removeContainers, type EngineFlags } from './engine.js';
import { podRunArgs } from './run-args.js';

/** Where the pod's env finds the models (the Kubernetes backend's imageModelDir default, the image's model directory). */
export const IMAGE_MODEL_DIR = '/app/model';

export interface ContainerRuntimeOptions {
  runId: string;
  tag: string;
  image: string;
  flags: EngineFlags;
  /** null when cgroups cannot be read: no CPU or memory counters then */
  layout: CgroupLayout | null;
  stateDir: string;
}

/** A model file and its optional sidecar (<model>.json, the family's metadata), bound under IMAGE_MODEL_DIR. */
function modelMounts(shape: DeploymentSpec): { hostPath: string; containerPath: string }[] {
  const files = [shape.modelPath, ...(shape.poseDetectorPath !== undefined ? [shape.poseDetectorPath] : [])].map((f) => path.resolve(REPO_ROOT, f));
  return files
    .flatMap((f) => [f, `${f}.json`].filter((candidate, i) => i === 0 || existsSync(candidate)))
    .map((hostPath) => ({ hostPath, containerPath: path.posix.join(IMAGE_MODEL_DIR, path.basename(hostPath)) }));
}

export function containerRuntime(o: ContainerRuntimeOptions): ReplicaRuntime {
  // Counters are read at every level's start and end: `podman inspect` runs once per container start, not per read.
  const groups = new Map<string, { restarts: number; group: Cgroup }>();
  const groupOf = async (replica: Replica): Promise<Cgroup | null> => {
    const known = groups.get(replica.spec.name);
    if (known && known.restarts === replica.restarts) return known.group;
    const pid = o.layout ? await containerPid(replica.spec.name) : null;
    if (!pid || !o.layout) return null;
    const group = await Cgroup.ofProcess(o.layout, pid).catch(() => null);
    if (group) groups.set(replica.spec.name, { restarts: replica.restarts, group });
    return group;
  };
  return {
    describe: { kind: 'container', engine: PODMAN, image: o.image, quirkFlags: o.flags.runFlags, podSpec: 'pod-spec.yaml (the Kubernetes backend\'s rendered Deployment)' },
    // podman applies --cpus and --memory from the pod's limits
    limitsEnforced: true,
    async launch({ name, port, shape }) {
      const rendered = renderManifests({ ...specManifestOptions(o.runId, { ...shape, replicas: 1 }), image: o.image, imageModelDir: IMAGE_MODEL_DIR });
      const deployment = rendered.objects.find((obj) => obj.kind === 'Deployment');
      if (!deployment) throw new Error('the rendered manifests hold no Deployment');
      const run = podRunArgs({ deployment, podName: name, tag: o.tag, hostPort: port, mounts: modelMounts(shape) });
      await writeFile(path.join(o.stateDir, 'pod-spec.yaml'), rendered.yaml);
      return { command: [PODMAN, 'run', ...o.flags.runFlags, ...run.args], env: {}, cgroup: null, signalExitCodes: true, readyPath: run.readinessPath };
    },
    async counters(replica) {
      const c = (await (await groupOf(replica))?.counters().catch(() => null)) ?? null;
      // each start is a new container with a new cgroup: an OOM kill ends it, so its exits count them
      return c && { ...c, oomKills: replica.killedBySignal };
    },
    async remove(replica) {
      groups.delete(replica.spec.name);
      await removeContainers([replica.spec.name]);
    },
  };
}
