/** environment.json: what the numbers were measured on, so a reader can tell two runs apart. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { SCHEMA_VERSION, type Environment } from './schema.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

const PACKAGES = ['onnxruntime-node', 'sharp', 'hdr-histogram-js', 'express', 'zod'];

async function gitCommit(cwd: string): Promise<string | null> {
  try {
    const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd });
    const { stdout: dirty } = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd });
    return `${stdout.trim()}${dirty.trim() ? '+dirty' : ''}`;
  } catch {
    return null;
  }
}

async function packageVersion(name: string, root: string): Promise<string | null> {
  try {
    const file = require.resolve(`${name}/package.json`, { paths: [root] });
    return (JSON.parse(await readFile(file, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

export async function collectEnvironment(o: { runId: string; backend: string; limitsEnforced: boolean; root: string; now: Date }): Promise<Environment> {
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    const v = await packageVersion(name, o.root);
    if (v) packages[name] = v;
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: o.runId,
    createdAt: o.now.toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    gitCommit: await gitCommit(o.root),
    backend: o.backend,
    limitsEnforced: o.limitsEnforced,
    packages,
  };
}
