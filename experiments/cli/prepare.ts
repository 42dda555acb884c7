/**
 * The plan stage's effects: read the config (or the run being resumed),
 * build the plan, check the images, the models and the backend's options
 * and cells. Every problem the user can fix is gathered into one
 * UsageError (exit 2) before anything starts.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fromRepoRoot } from '../../lib/repo-root.js';
import type { ConfiguredBackend } from '../deploy/backend.js';
import { BACKENDS } from '../deploy/registry.js';
import { checkImages } from '../plan/check-images.js';
import { ConfigError, loadConfig, StudyConfig, StudyName } from '../plan/config.js';
import { buildPlan, Plan, PlanError, runnableCells } from '../plan/plan.js';
import { readJson, RunStore } from '../record/store.js';
import { STUDIES } from '../studies/index.js';
import type { RunOptions } from './args.js';
import { UsageError } from './exit-codes.js';

export interface Prepared {
  plan: Plan;
  store: RunStore;
  imagesDir: string;
  imageCount: number;
  resumed: boolean;
  backend: ConfiguredBackend;
  /** --dry-run: what the backend could not run (a real run refuses to start on these) */
  notRunnable: string[];
}

export function newRunId(now: Date, backend: string, quick: boolean, study: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}${study === 'replicas' ? '' : `-${study}`}-${backend}${quick ? '-quick' : ''}`;
}

/** Flags that contradict each other or a resumed run's plan. */
function flagProblems(o: RunOptions): string[] {
  const problems: string[] = [];
  if (o.resume) {
    const fixed = [o.config !== undefined && '--config', o.quick && '--quick', o.fitHost && '--fit-host', o.strategy && '--strategy', o.study && '--study'].filter(Boolean);
    for (const flag of fixed) problems.push(`${flag} cannot change a resumed run: its plan.json fixes it (drop ${flag})`);
  }
  if (o.dryRun && o.keep) problems.push('--keep has nothing to keep with --dry-run (drop one)');
  if (o.dryRun && o.resume) problems.push('--dry-run with --resume: the plan is already in the run directory (drop --dry-run)');
  return problems;
}

/** The study a config (perhaps an invalid one) asks for, else the default. */
function studyOf(config: StudyConfig | Record<string, unknown>): StudyName {
  const parsed = StudyName.safeParse(config.study);
  return parsed.success ? parsed.data : 'replicas';
}

async function imageProblems(dir: string): Promise<{ problems: string[]; count: number }> {
  try {
    const images = await checkImages(dir);
    if (images.unreadable.length === 0) return { problems: [], count: images.count };
    const names = images.unreadable.map((u) => `  - ${u.file}: ${u.reason}`).join('\n');
    return { problems: [`${images.unreadable.length} of ${images.count} images in ${dir} cannot be decoded:\n${names}`], count: images.count };
  } catch (err) {
    return { problems: [`${(err as Error).message} (run \`npm run images:install\` or set "images" in the config)`], count: 0 };
  }
}

export async function prepare(o: RunOptions, now = new Date()): Promise<Prepared> {
  const problems = flagProblems(o);
  let plan: Plan | undefined;
  let store: RunStore | undefined;
  let raw: StudyConfig | Record<string, unknown> = {};
  if (o.resume) {
    store = new RunStore(resolve(o.resume));
    if (!existsSync(store.path('plan.json'))) throw new UsageError(`--resume ${o.resume}: no plan.json there (not a run directory)`);
    plan = await readJson(store.path('plan.json'), Plan);
    raw = plan.config;
    if (o.task && o.task !== plan.task) problems.push(`--resume ${o.resume}: that run measures ${plan.task}, not ${o.task} (drop --task)`);
  } else {
    const configFile = resolve(o.config ?? fromRepoRoot(STUDIES[o.study ?? 'replicas'].defaultConfig));
    try {
      const config = await loadConfig(configFile, o.quick ? 'quick' : undefined, o.task);
      if (o.strategy) config.strategy = o.strategy;
      raw = config;
      if (o.study && config.study !== o.study) problems.push(`--study ${o.study}: config ${configFile} is a "${config.study}" study (drop --study or pick its config)`);
      else {
        const runId = newRunId(now, o.backend, o.quick, config.study);
        plan = buildPlan(config, {
          runId, backend: o.backend, machineCores: os.availableParallelism(), fitHost: o.fitHost, profile: o.quick ? 'quick' : null, now,
          gpu: BACKENDS[o.backend].gpu, fileExists: existsSync,
        });
        store = new RunStore(join(resolve(o.resultsDir), runId));
      }
    } catch (err) {
      if (!(err instanceof ConfigError || err instanceof PlanError)) throw err;
      problems.push(err.message);
      if (err instanceof ConfigError) raw = err.merged;
    }
  }
  const images = typeof raw.images === 'string' && raw.images.length > 0 ? raw.images : 'inputfolder';
  const imagesDir = fromRepoRoot(images);
  const checked = await imageProblems(imagesDir);
  problems.push(...checked.problems);
  if (o.backend !== 'fake') {
    for (const [file, key] of STUDIES[studyOf(raw)].modelFiles(raw)) {
      if (!existsSync(file)) problems.push(`model ${file} does not exist (run \`npm run model:install\` or set "${key}" in the config)`);
    }
  }
  let backend: ConfiguredBackend | undefined;
  const notRunnable: string[] = [];
  try {
    // without a valid config the backend's flags are still checked, against the defaults
    backend = BACKENDS[o.backend].configure({ flags: o, config: plan?.config ?? StudyConfig.parse({}) });
    const configured = backend;
    // skipped cells (plan.ts runnableCells) never reach the backend, so it is never asked about them
    const cellProblems = runnableCells(plan?.cells ?? []).flatMap((cell) => configured.check(cell.deployment).map((p) => `cell ${cell.id}: ${p}`));
    // a dry run still shows what it would create, and says what it could not run
    (o.dryRun ? notRunnable : problems).push(...cellProblems);
  } catch (err) {
    problems.push(`--backend ${o.backend}: ${(err as Error).message}`);
  }
  if (problems.length > 0 || !plan || !store || !backend) {
    const unique = [...new Set(problems)];
    throw new UsageError(unique.length === 1 ? unique[0]! : `${unique.length} problems, nothing started:\n${unique.map((p) => `- ${p}`).join('\n')}`);
  }
  return { plan, store, imagesDir, imageCount: checked.count, resumed: Boolean(o.resume), backend, notRunnable };
}
