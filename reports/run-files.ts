/**
 * Reads what every study's run directory holds (plan, environment, the
 * deployment manifest, replica logs) and gives sections one way to read
 * their own files: validated, a malformed file stops the report with an
 * error naming the file and the first offending fields; optional files that
 * are absent become warnings.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as yaml from 'js-yaml';
import { z } from 'zod';
import { TrialResult } from '../experiments/record/schema.js';

/** How much of each replica's log the appendix shows. */
const LOG_LINES = 3;
const LOG_REPLICAS = 8;
const LOG_LINE_CHARS = 150;

const LooseObject = z.record(z.string(), z.unknown());

export class RunFileError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'RunFileError';
  }
}

function issues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return shown.join('; ') + more;
}

export function readJson<T>(path: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RunFileError(path, `not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new RunFileError(path, `does not match the schema: ${issues(parsed.error)}`);
  return parsed.data;
}

/** Every trials/<id>.json of the run, validated, in file-name order. */
export function readTrials(runDir: string): TrialResult[] {
  const dir = join(runDir, 'trials');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readJson(join(dir, f), TrialResult));
}

function optionalJson(path: string, warnings: string[]): Record<string, unknown> | null {
  if (!existsSync(path)) {
    warnings.push(`${basename(path)} not found; the appendix omits it`);
    return null;
  }
  return readJson(path, LooseObject);
}

/**
 * Backends keep their state under `backend/` (local: deployment.json and
 * replicas/*.log; kubernetes: deployment.yaml and pods/*.log); a run directory
 * assembled by hand may hold the same files at its root, which win.
 */
const DEPLOYMENT_FILES = ['deployment.yaml', 'deployment.json', 'backend/deployment.yaml', 'backend/deployment.json'];
const LOG_DIRS = ['replicas', 'backend/replicas', 'backend/pods'];

function readDeployment(runDir: string, warnings: string[]): RunFiles['deployment'] {
  for (const file of DEPLOYMENT_FILES) {
    const path = join(runDir, file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    try {
      const docs = file.endsWith('.json') ? [JSON.parse(text)] : yaml.loadAll(text);
      return { file, text: file.endsWith('.json') ? docs.map((d) => yaml.dump(d, { lineWidth: 100 })).join('---\n') : text };
    } catch (err) {
      throw new RunFileError(path, `cannot be parsed (${(err as Error).message.split('\n')[0]})`);
    }
  }
  warnings.push('no deployment.yaml or deployment.json in the run directory; the appendix omits the manifest');
  return null;
}

function readReplicaLogs(runDir: string): ReplicaLogExcerpt[] {
  const dir = LOG_DIRS.map((d) => join(runDir, d)).find((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.log')));
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .slice(0, LOG_REPLICAS)
    .map((f) => {
      const lines = readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l.trim() !== '');
      return {
        replica: f.slice(0, -'.log'.length),
        lines: lines.slice(-LOG_LINES).map((l) => (l.length > LOG_LINE_CHARS ? `${l.slice(0, LOG_LINE_CHARS - 1)}…` : l)),
      };
    });
}

export interface ReplicaLogExcerpt {
  replica: string;
  lines: string[];
}

/** What every run directory holds, whatever its study. */
export interface RunFiles {
  runDir: string;
  plan: Record<string, unknown> | null;
  environment: Record<string, unknown> | null;
  deployment: { file: string; text: string } | null;
  replicaLogs: ReplicaLogExcerpt[];
  warnings: string[];
}

export function loadRunFiles(runDir: string): RunFiles {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new RunFileError(runDir, 'run directory not found');
  const warnings: string[] = [];
  return {
    runDir,
    plan: optionalJson(join(runDir, 'plan.json'), warnings),
    environment: optionalJson(join(runDir, 'environment.json'), warnings),
    deployment: readDeployment(runDir, warnings),
    replicaLogs: readReplicaLogs(runDir),
    warnings,
  };
}
