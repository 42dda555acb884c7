/**
 * The run directory on disk. Every file is written atomically (temp file in
 * the same directory, fsync, rename), so a crash or Ctrl-C leaves either the
 * old file or the new one, never half of one; --resume trusts what it finds.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { TrialResult } from './schema.js';

export async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export const writeJson = (path: string, value: unknown) => writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`);

export async function readJson<T>(path: string, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new Error(`${path}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

export class RunStore {
  readonly trialsDir: string;

  constructor(readonly dir: string) {
    this.trialsDir = join(dir, 'trials');
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  async init(): Promise<void> {
    await mkdir(this.trialsDir, { recursive: true });
  }

  async writeTrial(trial: TrialResult): Promise<void> {
    await writeJson(join(this.trialsDir, `${trial.id}.json`), TrialResult.parse(trial));
  }

  /** Every trial recorded so far, valid or not, in file-name order. Leftover temp files of a crash are ignored. */
  async readTrials(): Promise<TrialResult[]> {
    const names = (await readdir(this.trialsDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
    return Promise.all(names.map((n) => readJson(join(this.trialsDir, n), TrialResult)));
  }
}
