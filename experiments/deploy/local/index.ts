/**
 * `--backend local` (the default): an embedded cluster of cgroup-limited
 * replica processes behind a NodePort-like balancer, with `cluster` and
 * `remote` (network namespace + WAN emulator) client locations.
 */
import type { Backend, BackendContext, BackendModule } from '../backend.js';
import { LocalBackend, type ReplicaFlavour } from './local-backend.js';
import { resolveLocalOptions, type LocalOptionsInput } from './options.js';
import { ownerAlive, readRuns, runTag } from './ownership.js';
import { purge } from './purge.js';

export { DEFAULT_WAN, type LocalOptionsInput, type WanProfile } from './options.js';

export async function createLocalBackend(ctx: BackendContext, own: LocalOptionsInput = {}, flavour?: ReplicaFlavour): Promise<Backend> {
  const opts = resolveLocalOptions(own);
  const tag = runTag(ctx.runId);
  const previous = (await readRuns()).find((r) => r.tag === tag);
  if (previous && previous.ownerPid !== process.pid && (await ownerAlive(previous))) {
    throw new Error(`run ${ctx.runId} is already deployed by process ${previous.ownerPid}; stop it or pick another run id`);
  }
  // a crashed earlier attempt of this run may have left things under the same tag
  if (previous) await purge(ctx.log, tag);
  return LocalBackend.start(ctx, opts, flavour);
}

export const localBackend: BackendModule = {
  name: 'local',
  // no GPUs: the plan skips GPU cells before check() sees them
  gpu: false,
  configure({ config }) {
    const own: LocalOptionsInput = { wan: config.wan, loadGenCpu: config.loadGenerator.cpu, readyTimeoutMs: Math.round(config.readyTimeoutS * 1000) };
    resolveLocalOptions(own);
    return {
      // every policy, resource and model runs here; limits need root (the backend says so when it cannot)
      check: () => [],
      create: (ctx) => createLocalBackend(ctx, own),
      dryRun: () => null,
    };
  },
  // removes processes, cgroups, network namespaces and records of local runs whose owner is gone
  purge: (_flags, log) => purge(log),
};
