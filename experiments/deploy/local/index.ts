/**
 * The `local` backend: an embedded cluster of cgroup-limited replica
 * processes behind a NodePort-like balancer, with `cluster` and `remote`
 * (network namespace + WAN emulator) client locations.
 */
import type { Backend, BackendModule, BackendOptions } from '../backend.js';
import { LocalBackend } from './local-backend.js';
import { resolveOptions, type LocalBackendOptions } from './options.js';
import { ownerAlive, readRuns, runTag } from './ownership.js';
import { purge as purgeRuns } from './purge.js';

export { DEFAULT_WAN, type LocalBackendOptions } from './options.js';

export async function createBackend(options: LocalBackendOptions): Promise<Backend> {
  const opts = resolveOptions(options);
  const tag = runTag(opts.runId);
  const previous = (await readRuns()).find((r) => r.tag === tag);
  if (previous && previous.ownerPid !== process.pid && (await ownerAlive(previous))) {
    throw new Error(`run ${opts.runId} is already deployed by process ${previous.ownerPid}; stop it or pick another run id`);
  }
  // a crashed earlier attempt of this run may have left things under the same tag
  if (previous) await purgeRuns(opts.log, tag);
  return LocalBackend.start(opts);
}

/** Removes processes, cgroups, network namespaces and records of local runs whose owner is gone. */
export function purge(log: BackendOptions['log']): Promise<string[]> {
  return purgeRuns(log);
}

export default { createBackend, purge } satisfies BackendModule;
