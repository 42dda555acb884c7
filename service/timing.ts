/**
 * Per-request stage durations. One Timings object follows a request from
 * arrival to response; it feeds the Server-Timing header, the request log
 * line and the stage histograms, so the three always agree.
 */

export const STAGES = ['queue', 'decode', 'inference', 'postprocess', 'work'] as const;
export type Stage = (typeof STAGES)[number];

export class Timings {
  readonly startedAt = process.hrtime.bigint();
  private readonly ms = new Map<Stage, number>();

  /** Adds the duration of `work` to `stage` (a stage may be entered more than once). */
  async time<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    const t0 = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.add(stage, Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }

  add(stage: Stage, ms: number): void {
    this.ms.set(stage, (this.ms.get(stage) ?? 0) + ms);
  }

  totalMs(): number {
    return Number(process.hrtime.bigint() - this.startedAt) / 1e6;
  }

  /** Recorded stages only, in pipeline order, ms rounded to 0.01. */
  stages(): Partial<Record<Stage, number>> {
    const out: Partial<Record<Stage, number>> = {};
    for (const s of STAGES) {
      const v = this.ms.get(s);
      if (v !== undefined) out[s] = round2(v);
    }
    return out;
  }

  /** RFC Server-Timing: `queue;dur=1.2, decode;dur=3.4, …, total;dur=9.9` */
  header(): string {
    const parts = Object.entries(this.stages()).map(([k, v]) => `${k};dur=${v}`);
    parts.push(`total;dur=${round2(this.totalMs())}`);
    return parts.join(', ');
  }
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}
