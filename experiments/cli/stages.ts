/**
 * The stages run-all.mjs calls in order. Each takes what the previous one
 * returned; none calls process.exit (exit-codes.ts maps their errors).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Backend, BackendOptions } from '../deploy/backend.js';
import { loadBackend, type BackendName } from '../deploy/index.js';
import { loadConfig } from '../plan/config.js';
import { checkImages } from '../plan/check-images.js';
import { buildPlan, Plan } from '../plan/plan.js';
import { collectEnvironment } from '../record/environment.js';
import { readJson, RunStore, writeJson } from '../record/store.js';
import { pickKube, type KubeFlags, type RunOptions } from './args.js';
import { RunError, UsageError } from './exit-codes.js';
import type { LogFn } from './logger.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const fromRoot = (p: string) => (isAbsolute(p) ? p : join(REPO_ROOT, p));

export function newRunId(now: Date, backend: string, quick: boolean): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${backend}${quick ? '-quick' : ''}`;
}

export interface Prepared {
  plan: Plan;
  store: RunStore;
  imagesDir: string;
  imageCount: number;
  /** detection: the detection model; pose: the keypoint model */
  modelPath: string;
  /** pose only: the person detector */
  poseDetectorPath?: string;
  resumed: boolean;
}

export async function preparePlan(o: RunOptions, now = new Date()): Promise<Prepared> {
  let plan: Plan;
  let store: RunStore;
  if (o.resume) {
    store = new RunStore(resolve(o.resume));
    if (!existsSync(store.path('plan.json'))) throw new UsageError(`--resume ${o.resume}: no plan.json there (not a run directory)`);
    plan = await readJson(store.path('plan.json'), Plan);
    if (o.task && o.task !== plan.task) throw new UsageError(`--resume ${o.resume}: that run measures ${plan.task}, not ${o.task} (drop --task)`);
  } else {
    const config = await loadConfig(resolve(o.config), o.quick ? 'quick' : undefined, o.task);
    if (o.strategy) config.strategy = o.strategy;
    const runId = newRunId(now, o.backend, o.quick);
    plan = buildPlan(config, { runId, backend: o.backend, machineCores: os.availableParallelism(), fitHost: o.fitHost, profile: o.quick ? 'quick' : null, now });
    store = new RunStore(join(resolve(o.resultsDir), runId));
  }
  const imagesDir = fromRoot(plan.config.images);
  const images = await checkImages(imagesDir).catch((err: Error) => {
    throw new UsageError(`${err.message} (run \`npm run images:install\` or set "images" in the config)`);
  });
  if (images.unreadable.length > 0) {
    const names = images.unreadable.map((u) => `  - ${u.file}: ${u.reason}`).join('\n');
    throw new UsageError(`${images.unreadable.length} of ${images.count} images in ${imagesDir} cannot be decoded:\n${names}`);
  }
  const models = modelFiles(plan);
  if (plan.backend !== 'fake') {
    for (const [file, key] of models.files) {
      if (!existsSync(file)) throw new UsageError(`model ${file} does not exist (run \`npm run model:install\` or set "${key}" in the config)`);
    }
  }
  return {
    plan,
    store,
    imagesDir,
    imageCount: images.count,
    modelPath: models.modelPath,
    ...(models.poseDetectorPath ? { poseDetectorPath: models.poseDetectorPath } : {}),
    resumed: Boolean(o.resume),
  };
}

/** The model files the plan's task needs, each with the config key that names it. */
export function modelFiles(plan: Plan): { modelPath: string; poseDetectorPath?: string; files: [string, string][] } {
  const c = plan.config;
  if (plan.task === 'detection') return { modelPath: fromRoot(c.model), files: [[fromRoot(c.model), 'model']] };
  const modelPath = fromRoot(c.pose.model);
  const poseDetectorPath = fromRoot(c.pose.detector);
  return { modelPath, poseDetectorPath, files: [[modelPath, 'pose.model'], [poseDetectorPath, 'pose.detector']] };
}

/** Options only one backend understands: the local generator's CPU quota, the kubernetes target. */
export function backendExtras(p: Prepared, kube: KubeFlags): Record<string, unknown> {
  if (p.plan.backend === 'local') return { loadGenCpu: p.plan.config.loadGenerator.cpu };
  if (p.plan.backend === 'kubernetes') return { ...pickKube(kube) };
  return {};
}

/** --dry-run with --backend kubernetes: the manifests of the first deployment, for `kubectl apply -f -`; null for other backends. */
export async function dryRunManifests(p: Prepared, kube: KubeFlags): Promise<string | null> {
  if (p.plan.backend !== 'kubernetes') return null;
  const k8s = await import('../deploy/kubernetes/index.js');
  return k8s.dryRunManifests({
    ...pickKube(kube),
    runId: p.plan.runId,
    task: p.plan.task,
    replicaCpu: p.plan.replicaCpu,
    replicaMemoryMi: p.plan.config.replica.memoryMi,
    modelPath: p.modelPath,
    ...(p.poseDetectorPath ? { poseDetectorPath: p.poseDetectorPath } : {}),
    replicas: Math.min(...p.plan.cells.map((c) => c.replicas)),
  });
}

/** Create the run directory and record what the run is and where it runs. */
export async function recordStart(p: Prepared, limitsEnforced: boolean): Promise<void> {
  await p.store.init();
  if (!p.resumed) await writeJson(p.store.path('plan.json'), p.plan);
  const env = await collectEnvironment({ runId: p.plan.runId, backend: p.plan.backend, limitsEnforced, root: REPO_ROOT, now: new Date() });
  await writeJson(p.store.path(p.resumed ? `environment-resume-${Date.now()}.json` : 'environment.json'), env);
}

export async function createRunBackend(p: Prepared, log: LogFn, kube: KubeFlags = {}): Promise<Backend> {
  const mod = await loadBackend(p.plan.backend as BackendName);
  const c = p.plan.config;
  const options: BackendOptions = {
    ...backendExtras(p, kube),
    runId: p.plan.runId,
    task: p.plan.task,
    replicaCpu: p.plan.replicaCpu,
    replicaMemoryMi: c.replica.memoryMi,
    modelPath: p.modelPath,
    ...(p.poseDetectorPath ? { poseDetectorPath: p.poseDetectorPath } : {}),
    stateDir: p.store.path('backend'),
    balancer: c.balancer,
    wan: c.wan,
    log,
  };
  try {
    return await mod.createBackend(options);
  } catch (err) {
    throw new RunError(`backend ${p.plan.backend} could not start: ${(err as Error).message}`);
  }
}

export async function purgeBackend(name: BackendName, log: LogFn, kube: KubeFlags = {}): Promise<string[]> {
  if (name === 'kubernetes') {
    const k8s = await import('../deploy/kubernetes/index.js');
    return k8s.purge(log, pickKube(kube));
  }
  const mod = await loadBackend(name);
  return mod.purge(log);
}

export interface ReportOutcome {
  skipped?: string;
  html?: string;
  pdf?: string;
  warnings: string[];
}

interface ReportModule {
  renderReport(runDir: string, opts?: { log?: (msg: string) => void }): Promise<{ html: string; pdf: string; warnings: string[] }>;
}

/** The report engineer's renderer, when this checkout has it. */
export async function renderReportIfAvailable(runDir: string, log: (msg: string) => void): Promise<ReportOutcome> {
  const entry = join(REPO_ROOT, 'reports', 'index.ts');
  if (!existsSync(entry)) return { skipped: 'reports/index.ts is not in this checkout', warnings: [] };
  const mod = (await import(pathToFileURL(entry).href)) as Partial<ReportModule>;
  if (typeof mod.renderReport !== 'function') return { skipped: 'reports/index.ts exports no renderReport', warnings: [] };
  const out = await mod.renderReport(runDir, { log });
  return { html: out.html, pdf: out.pdf, warnings: out.warnings };
}
