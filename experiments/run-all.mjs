#!/usr/bin/env zx
/**
 * CloudDetect scaling study, one command:
 *
 *   zx experiments/run-all.mjs [--config F] [--quick] [--dry-run] [--resume DIR] [--keep]
 *                              [--backend local|kubernetes|fake] [--task detection|pose] [--fit-host]
 *                              [--log-file F] [--verbose] [--context C --namespace N --image I …]
 *   zx experiments/run-all.mjs purge [--backend NAME] [--context C --namespace N --kubeconfig F]
 *
 * Exit codes: 0 done, 1 internal error, 2 bad usage/config, 3 aborted, 4 run failed
 * (experiments/cli/exit-codes.ts). The stages live in experiments/cli/*.ts;
 * this file only strings them together.
 */
import { register } from 'tsx/esm/api';

register();
const { parseCli, CommanderError } = await import('./cli/args.ts');
const { EXIT, exitCodeFor } = await import('./cli/exit-codes.ts');
const { createLogger, logFn } = await import('./cli/logger.ts');
const stages = await import('./cli/stages.ts');
const { formatPlan, formatTrial } = await import('./cli/plan-text.ts');
const { runStudy } = await import('./cli/run-study.ts');
const { writeAnalysis } = await import('./cli/analysis.ts');
const { ProgressLine, etaSeconds, formatDuration } = await import('./progress.ts');

// Under zx the script's own path sits in argv after zx's; under plain node, at argv[1].
const scriptAt = process.argv.findIndex((a) => a.endsWith('run-all.mjs'));
const args = process.argv.slice(scriptAt + 1);

const say = (msg) => process.stderr.write(`${msg}\n`);

async function main() {
  // 1. parse
  let cli;
  try {
    cli = parseCli(args);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  if (cli.command === 'purge') return purge(cli.options);
  const o = cli.options;

  // 2. plan
  const prepared = await stages.preparePlan(o);
  const { plan, store } = prepared;
  say(formatPlan(plan, { dir: prepared.imagesDir, count: prepared.imageCount }));
  if (o.dryRun) {
    // The manifests go to stdout alone, so `… --dry-run | kubectl apply -f -` works.
    const manifests = await stages.dryRunManifests(prepared, o);
    if (manifests !== null) process.stdout.write(manifests);
    say('\n--dry-run: nothing started');
    return EXIT.ok;
  }

  // 3. deploy
  const logger = createLogger(o.logFile ?? store.path('run.log'), o.verbose);
  const progress = new Progress(plan);
  const log = (event, fields = {}) => {
    if (event === 'load-progress') return progress.level(fields);
    logger.info({ event, ...fields });
  };
  const stop = new AbortController();
  const onSignal = (sig) => {
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
  const backend = await stages.createRunBackend(prepared, log, o);
  let code = EXIT.ok;
  let failure;
  try {
    await stages.recordStart(prepared, backend.limitsEnforced);
    if (!backend.limitsEnforced) say('NOTE: CPU/memory limits are not enforced by this backend; every output says so');
    // 4. trials, each recorded as it ends
    await runStudy({ plan, store, backend, imagesDir: prepared.imagesDir, signal: stop.signal, log: logFn(logger), hooks: progress.hooks() });
  } catch (err) {
    // A backend may surface Ctrl-C as its own error type; the signal says what happened.
    code = stop.signal.aborted ? EXIT.aborted : exitCodeFor(err);
    failure = err;
    logger.error({ event: 'run.error', err });
  } finally {
    progress.stop();
    if (o.keep) {
      // detach: the backend stops tying what it started to this process, so it outlives the exit.
      await backend.detach?.().catch((err) => say(`--keep: detach failed: ${err.message}`));
      say(`--keep: replicas left running; \`zx experiments/run-all.mjs purge --backend ${plan.backend}\` removes them`);
    } else await backend.down().catch((err) => say(`teardown failed: ${err.message}`));
  }

  // 5. analyse (whatever was recorded, also after an abort)
  const results = await writeAnalysis(store, plan, backend.limitsEnforced);

  // 6. report
  if (code === EXIT.ok && o.report) {
    try {
      const report = await stages.renderReportIfAvailable(store.dir, (msg) => logger.info({ event: 'report', msg }));
      if (report.skipped) say(`report skipped: ${report.skipped}`);
      else say(`report: ${report.pdf}`);
      for (const w of report.warnings) say(`report warning: ${w}`);
    } catch (err) {
      say(`report failed: ${err.message}`);
      code = EXIT.failed;
    }
  }
  say(summary(results, store.dir, code, failure));
  logger.flush();
  return code;
}

function summary(results, dir, code, failure) {
  const cells = results.cells
    .filter((c) => c.maxUsers.n > 0)
    .map((c) => `${c.replicas}×${c.location} ${c.maxUsers.mean.toFixed(1)}±${c.maxUsers.sd.toFixed(1)}${c.capacityBound ? '*' : ''}`);
  const head = code === EXIT.ok ? 'done' : code === EXIT.aborted ? 'aborted' : `failed (${failure?.message ?? 'unknown error'})`;
  return `${head}: max users ${cells.join(', ') || 'none measured'}${cells.some((c) => c.endsWith('*')) ? ' (* over host capacity)' : ''}; results in ${dir}`;
}

async function purge(o) {
  const removed = await stages.purgeBackend(o.backend, (event, fields) => o.verbose && say(`${event} ${JSON.stringify(fields ?? {})}`), o);
  for (const r of removed) say(`removed ${r}`);
  say(`purge ${o.backend}: ${removed.length} item${removed.length === 1 ? '' : 's'} removed`);
  return EXIT.ok;
}

/** Glue between the study's hooks, the workers' progress events and the live line. */
class Progress {
  constructor(plan) {
    this.done = 0;
    this.remaining = plan.trials.length;
    this.times = [];
    this.trialStart = performance.now();
    this.perTrial = plan.estimateS / Math.max(1, plan.trials.length);
    this.line = new ProgressLine(this.remaining, () =>
      etaSeconds({
        remainingTrials: this.remaining,
        finishedTrialSeconds: this.times,
        estimatePerTrialS: this.perTrial,
        currentTrialElapsedS: (performance.now() - this.trialStart) / 1000,
      }),
    );
  }
  hooks() {
    return {
      onStart: (remaining) => {
        this.remaining = remaining;
        this.line.setTotal(remaining);
      },
      onTrialStart: (label) => {
        this.trialStart = performance.now();
        this.line.update({ ...label, users: 0, qps: 0, errors: 0 }, this.done);
      },
      // Retries and adaptive trials change the total as the run learns of them.
      onTrialEnd: (trial, seconds, remaining) => {
        this.times.push(seconds);
        this.done += 1;
        this.remaining = remaining;
        this.line.setTotal(this.done + remaining);
        this.line.note(formatTrial(trial));
        this.line.update({}, this.done);
      },
    };
  }
  level(p) {
    this.line.update({ users: p.users ?? 0, qps: p.qps ?? 0, errors: p.errors ?? 0 });
  }
  stop() {
    this.line.stop();
    say(`elapsed ${formatDuration(this.times.reduce((a, b) => a + b, 0))} over ${this.done} trials`);
  }
}

let exitCode;
try {
  exitCode = await main();
} catch (err) {
  exitCode = exitCodeFor(err);
  say(exitCode === EXIT.internal ? `internal error: ${err.stack ?? err}` : `${err.message}`);
}
process.exit(exitCode);
