/**
 * The containers a podman run left behind: every container labelled with a
 * run tag that `stale` accepts. The backend makes no pods or networks (its
 * containers use podman's default network), so containers are all there is.
 * Called from the local purge, since both backends share the run records
 * and the reaper: a crashed podman run is cleaned up like a local one.
 */
import { labelledContainers, podmanInstalled, removeContainers } from './engine.js';
import { TAG_LABEL } from './run-args.js';

export async function purgeContainers(stale: (tag: string | undefined) => boolean, note: (what: string) => void): Promise<void> {
  if (!(await podmanInstalled())) return;
  const left = (await labelledContainers(TAG_LABEL)).filter((c) => stale(c.labels[TAG_LABEL]));
  await removeContainers(left.map((c) => c.name));
  for (const c of left) note(`container ${c.name} (run ${c.labels[TAG_LABEL]})`);
}
