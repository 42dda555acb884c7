/**
 * The study command, end to end, as the pipeline reads:
 *   parse → plan → deploy → load (the study loop) → record → analyse → report.
 * Exit codes (exit-codes.ts): 0 done, 1 internal error, 2 bad usage/config,
 * 3 aborted, 4 run failed. Only run-all.mjs calls process.exit.
 */
import { resolve } from 'node:path';
import { renderReport } from '../../reports/index.js';
import { collectEnvironment } from '../record/environment.js';
import { writeJson } from '../record/store.js';
import { REPO_ROOT } from '../../lib/repo-root.js';
import { BACKENDS } from '../deploy/registry.js';
import { isLatePolicy, sameReplicaShape } from '../contracts/deployment.js';
import { runnableCells } from '../plan/plan.js';
import type { Backend } from '../deploy/backend.js';
import { runStudy } from '../engine/run-study.js';
import { writeResults } from '../engine/write-results.js';
import { STUDIES } from '../studies/index.js';
import { CommanderError, parseCli, type PurgeOptions, type RunOptions } from './args.js';
import { EXIT, exitCodeFor, RunError, type ExitCode } from './exit-codes.js';
import { createLogger, logFn } from './logger.js';
import { formatPlan } from './plan-text.js';
import { earlierDemand, forecastLines } from './prediction.js';
import { prepare, type Prepared } from './prepare.js';
import { RunProgress } from './run-progress.js';

const say = (msg: string) => process.stderr.write(`${msg}\n`);

export async function main(args: readonly string[]): Promise<ExitCode> {
  try {
    const cli = parseCli(args);
    return cli.command === 'purge' ? await purge(cli.options) : await run(cli.options);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const code = exitCodeFor(err);
    say(code === EXIT.internal ? `internal error: ${(err as Error).stack ?? String(err)}` : (err as Error).message);
    return code;
  }
}

async function run(o: RunOptions): Promise<ExitCode> {
  // plan
  const prepared = await prepare(o);
  const { plan, store } = prepared;
  say(formatPlan(plan, { dir: prepared.imagesDir, count: prepared.imageCount }));
  if (o.dryRun) {
    // the capacity model forecasts max users: only a study that asks for them gets the forecast
    if (STUDIES[plan.study].question === 'max-users') say(forecastLines(plan, earlierDemand(resolve(o.resultsDir), plan)).join('\n'));
    // The manifests go to stdout alone, so `… --dry-run | kubectl apply -f -` works.
    const manifests = dryRunManifests(prepared, plan);
    if (manifests !== null) process.stdout.write(manifests);
    for (const note of prepared.notRunnable) say(`would not run: ${note}`);
    say('\n--dry-run: nothing started');
    return EXIT.ok;
  }

  // deploy
  const logger = createLogger(o.logFile ?? store.path('run.log'), o.verbose);
  const progress = new RunProgress(plan, say);
  const log = (event: string, fields: Record<string, unknown> = {}) => {
    if (event === 'load-progress') return progress.level(fields);
    logger.info({ event, ...fields });
  };
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      say(`\n${sig} again: exiting now; run \`zx experiments/run-all.mjs purge --backend ${plan.backend}\` to clean up`);
      process.exit(EXIT.aborted);
    }
    say(`\n${sig}: stopping the load and taking everything down (again to force)`);
    log('signal', { signal: sig });
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  say(`\nresults → ${store.dir}`);
  const backend = await createBackend(prepared, log);
  let code: ExitCode = EXIT.ok;
  let failure: Error | undefined;
  try {
    await recordStart(prepared, backend.limitsEnforced);
    if (!backend.limitsEnforced) say('NOTE: CPU/memory limits are not enforced by this backend; every output says so');
    // load + record: each trial is written as it ends
    await runStudy({ plan, store, backend, imagesDir: prepared.imagesDir, signal: stop.signal, log: logFn(logger), hooks: progress.hooks() });
  } catch (err) {
    // A backend may surface Ctrl-C as its own error type; the signal says what happened.
    code = stop.signal.aborted ? EXIT.aborted : exitCodeFor(err);
    failure = err as Error;
    logger.error({ event: 'run.error', err });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (o.keep) {
      // detach: the backend stops tying what it started to this process, so it outlives the exit.
      await backend.detach().catch((err: Error) => say(`--keep: detach failed: ${err.message}`));
      say(`--keep: replicas left running; \`zx experiments/run-all.mjs purge --backend ${plan.backend}\` removes them`);
    } else await backend.down().catch((err: Error) => say(`teardown failed: ${err.message}`));
  }

  // analyse (whatever was recorded, also after an abort)
  const trials = await store.readTrials();
  await writeResults(store, plan, backend.limitsEnforced, trials);

  // report
  if (code === EXIT.ok && o.report) {
    try {
      const report = await renderReport(store.dir, { log: (msg) => logger.info({ event: 'report', msg }) });
      say(`report: ${report.pdf}`);
      for (const w of report.warnings) say(`report warning: ${w}`);
    } catch (err) {
      say(`report failed: ${(err as Error).message}`);
      code = EXIT.failed;
    }
  }
  const head = code === EXIT.ok ? 'done' : code === EXIT.aborted ? 'aborted' : `failed (${failure?.message ?? 'the report'})`;
  say(`${head}: ${STUDIES[plan.study].summarize(plan, trials)}; results in ${store.dir}`);
  logger.flush();
  return code;
}

/**
 * What each replica shape of the plan would apply, in run order (one shape for the replicas
 * study; one per configuration × model for the resources study, each headed by its cell).
 */
/** Each replica shape's manifests once, and once more for a late policy (its Knative Service instead of a Deployment and a Service). */
function dryRunManifests(p: Prepared, plan: Prepared['plan']): string | null {
  const cells = runnableCells(plan.cells);
  const late = (c: (typeof cells)[number]) => isLatePolicy(c.deployment.balancer.policy);
  const shapes = cells.filter((c, i) => cells.findIndex((o) => sameReplicaShape(o.deployment, c.deployment) && late(o) === late(c)) === i);
  const rendered = shapes.flatMap((c) => {
    const yaml = p.backend.dryRun({ runId: plan.runId }, c.deployment);
    return yaml === null ? [] : [shapes.length > 1 ? `# cell ${c.id}\n${yaml}` : yaml];
  });
  return rendered.length === 0 ? null : rendered.join('---\n');
}

async function createBackend(p: Prepared, log: (event: string, fields?: Record<string, unknown>) => void): Promise<Backend> {
  try {
    return await p.backend.create({ runId: p.plan.runId, stateDir: p.store.path('backend'), log });
  } catch (err) {
    throw new RunError(`backend ${p.plan.backend} could not start: ${(err as Error).message}`);
  }
}

/** Create the run directory and record what the run is and where it runs. */
async function recordStart(p: Prepared, limitsEnforced: boolean): Promise<void> {
  await p.store.init();
  if (!p.resumed) await writeJson(p.store.path('plan.json'), p.plan);
  const env = await collectEnvironment({ runId: p.plan.runId, backend: p.plan.backend, limitsEnforced, root: REPO_ROOT, now: new Date() });
  await writeJson(p.store.path(p.resumed ? `environment-resume-${Date.now()}.json` : 'environment.json'), env);
}

async function purge(o: PurgeOptions): Promise<ExitCode> {
  const removed = await BACKENDS[o.backend].purge(o, (event, fields) => {
    if (o.verbose) say(`${event} ${JSON.stringify(fields ?? {})}`);
  });
  for (const r of removed) say(`removed ${r}`);
  say(`purge ${o.backend}: ${removed.length} item${removed.length === 1 ? '' : 's'} removed`);
  return EXIT.ok;
}
