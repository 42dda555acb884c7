/**
 * Glue between the study loop's hooks, the workers' progress events and the
 * live line: trials done, the one running, users, QPS, errors, and an ETA
 * that switches from the plan's estimate to measured trial times.
 */
import type { Progress } from '../load/protocol/schema.js';
import type { StudyHooks } from '../engine/run-study.js';
import type { Plan } from '../plan/plan.js';
import { formatTrial } from './plan-text.js';
import { etaSeconds, formatDuration, ProgressLine } from './progress-line.js';

export class RunProgress {
  private done = 0;
  private remaining: number;
  private readonly times: number[] = [];
  private trialStart = performance.now();
  private readonly perTrial: number;
  private readonly line: ProgressLine;

  constructor(plan: Plan, private readonly say: (msg: string) => void) {
    this.remaining = plan.trials.length;
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

  hooks(): StudyHooks {
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

  /** A worker's progress line (through the backend's log). */
  level(p: Partial<Progress>): void {
    this.line.update({ users: p.users ?? 0, qps: p.qps ?? 0, errors: p.errors ?? 0 });
  }

  stop(): void {
    this.line.stop();
    this.say(`elapsed ${formatDuration(this.times.reduce((a, b) => a + b, 0))} over ${this.done} trials`);
  }
}
