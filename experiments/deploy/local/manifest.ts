/**
 * The local "deployment manifest": what was deployed, in the spirit of a
 * Deployment + Service YAML, so the report can show it. Written to
 * <stateDir>/deployment.json after every change.
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocationEndpoint } from '../backend.js';
import type { WanProfile } from './options.js';
import type { CgroupVersion } from '../../../lib/cgroup/parse.js';

export interface Manifest {
  kind: 'LocalDeployment';
  runId: string;
  tag: string;
  task: 'detection' | 'pose';
  updatedAt: string;
  limitsEnforced: boolean;
  /** why limits are not enforced, when they are not */
  limitsNote?: string;
  cgroupVersion: CgroupVersion | null;
  replicas: {
    count: number;
    names: string[];
    /** what runs each replica: a process (its command) or a container (engine, image, pod spec) */
    runtime: Record<string, unknown>;
    /** null before the first deploy */
    modelPath: string | null;
    resources: { cpu: number; memoryMi: number } | null;
    restartPolicy: { policy: 'Always'; backoffInitialMs: number; backoffMaxMs: number };
    readinessProbe: { path: '/readyz'; periodMs: number; timeoutMs: number };
  };
  balancer: {
    kind: 'NodePort-like HTTP proxy';
    policy: string;
    /** a late policy's central queue (slots per replica, queue bound, wait timeout, activators) */
    settings?: Record<string, number>;
    url: string;
    process: 'own process, outside replica cgroups';
  };
  loadGenerator: { cpu: number | null; command: string[] };
  wan: WanProfile;
  locations: LocationEndpoint[];
}

export async function writeManifest(stateDir: string, manifest: Manifest): Promise<void> {
  const file = path.join(stateDir, 'deployment.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
