/**
 * Who owns what. Every process, cgroup, namespace and link of a run carries
 * the run's tag, and a small record in the temp directory says which process
 * owns the tag. purge removes only what belongs to tags whose owner is dead,
 * so it never touches a run that is still going.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rm, writeFile, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Environment variable that marks every process a run starts (value: the run's tag). */
export const MARKER_ENV = 'CLOUDDETECT_LOCAL_RUN';

/** 8 hex digits: short enough for interface names (15 chars), stable for a run id. */
export function runTag(runId: string): string {
  return createHash('sha1').update(runId).digest('hex').slice(0, 8);
}

const RunRecord = z.object({
  tag: z.string().regex(/^[0-9a-f]{8}$/),
  runId: z.string(),
  ownerPid: z.number().int().positive(),
  /** /proc start time of the owner, so a recycled pid is not taken for the owner */
  ownerStart: z.string(),
  createdAt: z.string(),
});
export type RunRecord = z.infer<typeof RunRecord>;

export function registryDir(): string {
  return path.join(os.tmpdir(), 'clouddetect-local');
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks); null when the process is gone. */
export async function processStartTime(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // the command name (field 2) may hold spaces; the fields after its closing ')' are plain
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19] ?? null;
}

export async function claimRun(runId: string): Promise<RunRecord> {
  const record: RunRecord = {
    tag: runTag(runId),
    runId,
    ownerPid: process.pid,
    ownerStart: (await processStartTime(process.pid)) ?? '',
    createdAt: new Date().toISOString(),
  };
  if (await mkdir(registryDir(), { recursive: true })) {
    // shared by every user like /tmp itself (sticky: nobody removes another user's record)
    await chmod(registryDir(), 0o1777);
  }
  const file = path.join(registryDir(), `${record.tag}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify(record));
  await rename(`${file}.tmp`, file);
  return record;
}

export async function releaseRun(tag: string): Promise<void> {
  await rm(path.join(registryDir(), `${tag}.json`), { force: true });
}

export async function readRuns(): Promise<RunRecord[]> {
  const names = await readdir(registryDir()).catch(() => [] as string[]);
  const records: RunRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const parsed = RunRecord.safeParse(JSON.parse(await readFile(path.join(registryDir(), name), 'utf8').catch(() => 'null')));
    if (parsed.success) records.push(parsed.data);
  }
  return records;
}

export async function ownerAlive(record: RunRecord): Promise<boolean> {
  const start = await processStartTime(record.ownerPid);
  return start !== null && start === record.ownerStart;
}

/** Tags whose owning process still runs. */
export async function liveTags(): Promise<Set<string>> {
  const live = new Set<string>();
  for (const record of await readRuns()) if (await ownerAlive(record)) live.add(record.tag);
  return live;
}

/** Processes carrying the run marker, with their tag. */
export async function markedProcesses(): Promise<{ pid: number; tag: string }[]> {
  const found: { pid: number; tag: string }[] = [];
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    const marker = environ.split('\0').find((kv) => kv.startsWith(`${MARKER_ENV}=`));
    if (marker) found.push({ pid, tag: marker.slice(MARKER_ENV.length + 1) });
  }
  return found;
}
