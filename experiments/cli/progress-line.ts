/**
 * The live progress line of a run: cell, trial, users, QPS, errors and the
 * ETA of the whole matrix. On a terminal it redraws in place (cli-progress);
 * elsewhere (CI, a pipe) it prints a line every few seconds instead.
 */
import cliProgress from 'cli-progress';

export interface ProgressState {
  cell: string;
  trial: string;
  users: number;
  qps: number;
  errors: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/**
 * Seconds left: the plan's estimate per remaining trial until trials have
 * ended, then their measured mean (the estimate is a guess; the mean is not).
 */
export function etaSeconds(o: { remainingTrials: number; finishedTrialSeconds: readonly number[]; estimatePerTrialS: number; currentTrialElapsedS: number }): number {
  const per = o.finishedTrialSeconds.length > 0 ? o.finishedTrialSeconds.reduce((a, b) => a + b, 0) / o.finishedTrialSeconds.length : o.estimatePerTrialS;
  return Math.max(0, o.remainingTrials * per - o.currentTrialElapsedS);
}

export class ProgressLine {
  private readonly bar: cliProgress.SingleBar;
  private started = false;
  private value = 0;
  private state: ProgressState = { cell: '-', trial: '-', users: 0, qps: 0, errors: 0 };

  constructor(
    private total: number,
    private readonly eta: () => number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format: '{cell} {trial} | users {users} | {qps} req/s | errors {errors} | trials {value}/{total} | ETA {etaText}',
        noTTYOutput: true,
        notTTYSchedule: 5000,
        hideCursor: false,
        clearOnComplete: true,
        etaBuffer: 1,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(patch: Partial<ProgressState>, finishedTrials?: number): void {
    this.state = { ...this.state, ...patch };
    const payload = { ...this.state, qps: this.state.qps.toFixed(1), etaText: formatDuration(this.eta()) };
    if (finishedTrials !== undefined) this.value = finishedTrials;
    if (!this.started) {
      this.bar.start(this.total, this.value, payload);
      this.started = true;
    } else this.bar.update(this.value, payload);
  }

  /** A line above the live one (the live line is redrawn at the next update). */
  note(message: string): void {
    this.stop();
    this.stream.write(`${message}\n`);
  }

  /** Adaptive trials raise the total while the run goes. */
  setTotal(total: number): void {
    this.total = total;
    if (this.started) this.bar.setTotal(total);
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}
