/**
 * Removes what runs that are no longer alive left behind: containers (podman
 * backend), marked processes, cgroups, network namespaces, veth links and
 * registry records. A run whose
 * owner still runs is left alone, unless its tag is named explicitly (the
 * reaper purging its own dead parent's run).
 */
import { CGROUP_PREFIX, findGroupDirs, removeGroupDir } from '../../../lib/cgroup/group.js';
import { purgeContainers } from '../podman/purge.js';
import { deleteNetns, listLinks, listNetns, NETNS_PREFIX } from './netns.js';
import { liveTags, markedProcesses, readRuns, releaseRun, ownerAlive } from './ownership.js';

type Log = (event: string, fields?: Record<string, unknown>) => void;

const TAG = '([0-9a-f]{8})';
const GROUP_RE = new RegExp(`^${CGROUP_PREFIX}${TAG}-`);
const NETNS_RE = new RegExp(`^${NETNS_PREFIX}${TAG}$`);
const LINK_RE = new RegExp(`^${NETNS_PREFIX}${TAG}-[hn]$`);

export async function purge(log: Log, only?: string): Promise<string[]> {
  const live = await liveTags();
  const stale = (tag: string | undefined): tag is string => tag !== undefined && (only ? tag === only : !live.has(tag));
  const removed: string[] = [];
  const note = (what: string) => {
    removed.push(what);
    log('purge', { removed: what });
  };

  // before the processes: a container outlives its killed `podman run` client
  await purgeContainers(stale, note).catch((err: Error) => log('purge-containers-failed', { error: err.message }));
  for (const { pid, tag } of await markedProcesses()) {
    if (!stale(tag)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      note(`process ${pid} (run ${tag})`);
    } catch {
      // exited meanwhile
    }
  }
  for (const dir of await findGroupDirs(CGROUP_PREFIX)) {
    const tag = GROUP_RE.exec(dir.split('/').at(-1)!)?.[1];
    if (!stale(tag)) continue;
    await removeGroupDir(dir);
    note(`cgroup ${dir}`);
  }
  for (const ns of await listNetns()) {
    const tag = NETNS_RE.exec(ns)?.[1];
    if (!stale(tag)) continue;
    await deleteNetns(ns, `${ns}-h`);
    note(`netns ${ns}`);
  }
  // a veth whose namespace is already gone (the namespace deletion above takes its own links along)
  for (const link of await listLinks()) {
    const tag = LINK_RE.exec(link)?.[1];
    if (!stale(tag)) continue;
    await deleteNetns(`${NETNS_PREFIX}${tag}`, link);
    note(`link ${link}`);
  }
  for (const record of await readRuns()) {
    if (only ? record.tag !== only : await ownerAlive(record)) continue;
    // another user's record in the shared directory is theirs to remove
    if (!(await releaseRun(record.tag).then(() => true, () => false))) continue;
    note(`run record ${record.tag} (${record.runId})`);
  }
  return removed;
}
