/**
 * The binding study's question, answered per load: do short jobs finish
 * sooner (p95 JCT) under each policy than under round-robin? The difference
 * comes with a bootstrap 95 % interval, so a verdict is "lower" or "higher"
 * only when the interval excludes zero, and "too few samples" when either
 * side has under MIN_SHORT requests or the short classes are under
 * MIN_SHORT_SHARE of the draws. Pure (seeded resampling).
 */
import { quantileSorted } from 'simple-statistics';
import { z } from 'zod';
import { seededRng } from '../../lib/seeded-rng.js';
import type { OpenRequest, SizeDistribution } from '../contracts/open-load.js';
import type { JctTrial } from '../record/schema.js';
import { counted, jctMs, outcomeOf } from './jct.js';

export const BASELINE = 'round-robin';
export const MIN_SHORT = 100;
export const MIN_SHORT_SHARE = 0.05;
const RESAMPLES = 2000;

export const Comparison = z.object({
  load: z.number(),
  replicas: z.number().int().positive(),
  baseline: z.string(),
  policy: z.string(),
  baselineN: z.number().int().nonnegative(),
  policyN: z.number().int().nonnegative(),
  baselineP95Ms: z.number(),
  policyP95Ms: z.number(),
  /** policy − baseline */
  differenceMs: z.number(),
  ci95: z.tuple([z.number(), z.number()]),
  verdict: z.enum(['lower', 'higher', 'indistinguishable', 'too few samples']),
  /** the measured limit that bent either side's numbers (the replicas waited for host CPU), or null */
  limitedBy: z.string().nullable(),
});
export type Comparison = z.infer<typeof Comparison>;

/** The smallest sizes up to `maxUnits`, and their share of the configured draws. */
export function shortClasses(sizes: SizeDistribution, maxUnits: number): { units: number[]; share: number } {
  const units = sizes.units.filter((u) => u <= maxUnits).sort((a, b) => a - b);
  const share = sizes.units.reduce((s, u, i) => (u <= maxUnits ? s + sizes.probabilities[i]! : s), 0);
  return { units, share };
}

const p95 = (sorted: readonly number[]) => (sorted.length > 0 ? quantileSorted(sorted as number[], 0.95) : 0);

/** JCTs of the short jobs that were answered or timed out (the JCT measure of jct.ts). */
function shortJcts(requests: readonly OpenRequest[], units: readonly number[]): number[] {
  return counted(requests)
    .filter((r) => units.includes(r.units) && outcomeOf(r) !== 'error')
    .map(jctMs)
    .sort((a, b) => a - b);
}

/** A bootstrap 95 % interval of p95(b) − p95(a). */
export function p95DifferenceCi(a: readonly number[], b: readonly number[], seed = 7): [number, number] {
  const rng = seededRng(seed);
  const draw = (xs: readonly number[]) => Array.from({ length: xs.length }, () => xs[Math.floor(rng() * xs.length)]!).sort((x, y) => x - y);
  const diffs = Array.from({ length: RESAMPLES }, () => p95(draw(b)) - p95(draw(a))).sort((x, y) => x - y);
  return [quantileSorted(diffs, 0.025), quantileSorted(diffs, 0.975)];
}

export function compareShortJobs(trials: readonly JctTrial[], maxUnits: number): Comparison[] {
  const valid = trials.filter((t) => t.valid);
  const sizes = valid[0]?.sizes;
  if (!sizes) return [];
  const short = shortClasses(sizes, maxUnits);
  const keys = [...new Set(valid.map((t) => `${t.replicas}|${t.utilisation}`))];
  const out: Comparison[] = [];
  for (const key of keys) {
    const here = valid.filter((t) => `${t.replicas}|${t.utilisation}` === key);
    const of = (policy: string) => shortJcts(here.filter((t) => t.policy === policy).flatMap((t) => t.requests), short.units);
    const base = of(BASELINE);
    if (base.length === 0) continue;
    for (const policy of [...new Set(here.map((t) => t.policy))].filter((p) => p !== BASELINE)) {
      const mine = of(policy);
      const enough = base.length >= MIN_SHORT && mine.length >= MIN_SHORT && short.share >= MIN_SHORT_SHARE;
      const ci = mine.length > 0 ? p95DifferenceCi(base, mine) : ([0, 0] as [number, number]);
      const verdict = !enough ? 'too few samples' : ci[1] < 0 ? 'lower' : ci[0] > 0 ? 'higher' : 'indistinguishable';
      out.push({
        load: here[0]!.utilisation,
        replicas: here[0]!.replicas,
        baseline: BASELINE,
        policy,
        baselineN: base.length,
        policyN: mine.length,
        baselineP95Ms: p95(base),
        policyP95Ms: p95(mine),
        differenceMs: p95(mine) - p95(base),
        ci95: ci,
        verdict,
        limitedBy: null,
      });
    }
  }
  return out;
}
