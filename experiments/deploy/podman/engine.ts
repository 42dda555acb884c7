/**
 * The podman commands the backend runs, and the host's quirk flags, which
 * scripts/engine-flags.sh finds by trying (crun on a hybrid cgroup layout →
 * --runtime runc; rlimits that may not be raised → lowered --ulimit), so the
 * scripts and the study start containers the same way.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { REPO_ROOT } from '../../../lib/repo-root.js';

const exec = promisify(execFile);

export const PODMAN = 'podman';

const EngineFlags = z.looseObject({ engine: z.literal('podman'), runFlags: z.array(z.string()), quirks: z.array(z.string()) });
export type EngineFlags = z.infer<typeof EngineFlags>;

export async function podman(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await exec(PODMAN, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('podman is not installed (Debian: apt-get install podman runc)');
    const why = (e.stderr ?? '').split('\n').find((l) => /error/i.test(l)) ?? e.stderr?.trim() ?? e.message;
    throw new Error(`podman ${args.slice(0, 2).join(' ')}: ${why}`);
  }
}

export async function podmanInstalled(): Promise<boolean> {
  return podman(['--version'], 10_000).then(() => true, () => false);
}

export async function imageExists(image: string): Promise<boolean> {
  return podman(['image', 'exists', image], 30_000).then(() => true, () => false);
}

/** The quirk flags this host needs for `podman run`; the script's notes on what it detected are passed on. */
export async function engineFlags(image: string, note: (line: string) => void): Promise<EngineFlags> {
  const script = path.join(REPO_ROOT, 'scripts/engine-flags.sh');
  try {
    const { stdout, stderr } = await exec('bash', [script, '--image', image], { env: { ...process.env, CLOUDDETECT_ENGINE: PODMAN }, timeout: 120_000 });
    for (const line of stderr.split('\n').filter(Boolean)) note(line);
    return EngineFlags.parse(JSON.parse(stdout));
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`podman cannot start containers of ${image} here: ${(e.stderr ?? e.message).trim().split('\n').at(-1)}`);
  }
}

/** The pid of a running container's main process, or null when it is not running. */
export async function containerPid(name: string): Promise<number | null> {
  const out = await podman(['inspect', '--type', 'container', '--format', '{{.State.Pid}}', name], 15_000).catch(() => '0');
  const pid = Number(out.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Removes containers at once (no stop timeout); missing ones are no error. */
export async function removeContainers(names: readonly string[]): Promise<void> {
  if (names.length > 0) await podman(['rm', '--force', '--ignore', '--time', '0', ...names]);
}

/** Names and labels of the containers (running or not) carrying `label` (key or key=value). */
export async function labelledContainers(label: string): Promise<{ name: string; labels: Record<string, string> }[]> {
  const out = await podman(['ps', '--all', '--filter', `label=${label}`, '--format', 'json']);
  const rows = z
    .array(z.looseObject({ Names: z.array(z.string()).optional(), Labels: z.record(z.string(), z.string()).nullish() }))
    .parse(JSON.parse(out.trim() || '[]'));
  return rows.map((r) => ({ name: r.Names?.[0] ?? '', labels: r.Labels ?? {} })).filter((r) => r.name !== '');
}
