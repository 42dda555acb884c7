/**
 * Which trial of a cell to run next, from what is already on disk. Pure, so
 * --resume and the adaptive rule (past the minimum, add trials while the
 * 95 % confidence interval of the cell's answer is wider than ±ciHalfWidth
 * of its mean, up to the cap) are tested without running anything. A valid
 * trial that `endsCell` settles its cell at once (a deployment that never
 * became ready is not worth redeploying for the trial count).
 */
import { describe } from '../analyse/stats.js';
import type { StudyConfig } from '../plan/config.js';
import type { PlannedCell } from '../plan/plan.js';
import { isMaxUsersTrial, type TrialResult } from '../record/schema.js';

export interface NextTrial {
  trial: number;
  /** attempts already recorded as invalid for this trial number */
  attempt: number;
}

/** The number whose spread over a cell's trials decides whether another trial is needed. */
export type TrialValue = (t: TrialResult) => number;

const ofCell = (cell: Pick<PlannedCell, 'id'>, recorded: readonly TrialResult[]) => recorded.filter((t) => t.cell === cell.id);

/** The 95 % CI half-width is within `share` of the mean; below two values there is no interval, so never. */
export function settled(values: readonly number[], share: number): boolean {
  const { ci95, mean } = describe(values);
  return ci95 !== null && (ci95[1] - ci95[0]) / 2 <= share * Math.abs(mean);
}

export function nextTrial(config: StudyConfig, cell: Pick<PlannedCell, 'id'>, recorded: readonly TrialResult[], value: TrialValue): NextTrial | null {
  const mine = ofCell(cell, recorded);
  const valid = mine.filter((t) => t.valid);
  if (valid.some((t) => t.endsCell !== undefined)) return null;
  const attemptsPerTrial = config.trials.invalidRetries + 1;
  for (let trial = 0; trial < config.trials.max; trial += 1) {
    if (valid.some((t) => t.trial === trial)) continue;
    const attempt = mine.filter((t) => t.trial === trial && !t.valid).length;
    // Every attempt of this trial was invalid: it is settled, reported as invalid trials of the cell.
    if (attempt >= attemptsPerTrial) continue;
    // Adaptive: past the minimum, add a trial only while the answer is not pinned down to ±ciHalfWidth.
    if (trial >= config.trials.min && settled(valid.map(value), config.trials.ciHalfWidth)) return null;
    return { trial, attempt };
  }
  return null;
}

/** Trials still to run over the whole plan: the minimum not yet settled, plus a pending adaptive one per cell. */
export function remainingTrials(config: StudyConfig, cells: readonly Pick<PlannedCell, 'id'>[], recorded: readonly TrialResult[], value: TrialValue): number {
  const attemptsPerTrial = config.trials.invalidRetries + 1;
  let remaining = 0;
  for (const cell of cells) {
    const mine = ofCell(cell, recorded);
    if (mine.some((t) => t.valid && t.endsCell !== undefined)) continue;
    for (let trial = 0; trial < config.trials.min; trial += 1) {
      const settled = mine.some((t) => t.trial === trial && t.valid) || mine.filter((t) => t.trial === trial).length >= attemptsPerTrial;
      if (!settled) remaining += 1;
    }
    const next = nextTrial(config, cell, recorded, value);
    if (next && next.trial >= config.trials.min) remaining += 1;
  }
  return remaining;
}

/**
 * Where `search` starts bracketing: the cell's earlier valid answers, else the
 * same location's answer with fewer replicas (more replicas should not serve
 * fewer users), else the configured start. It saves the holds below the
 * answer that would only pass; the answer is still decided by holds.
 */
export function startHint(config: StudyConfig, cell: Pick<PlannedCell, 'id' | 'replicas' | 'location'>, recorded: readonly TrialResult[]): number {
  const valid = recorded.filter(isMaxUsersTrial).filter((t) => t.valid && t.location === cell.location && t.maxUsers > 0);
  const same = valid.filter((t) => t.cell === cell.id).map((t) => t.maxUsers);
  const fewer = valid.filter((t) => t.replicas < cell.replicas);
  const closest = Math.max(0, ...fewer.map((t) => t.replicas));
  const below = fewer.filter((t) => t.replicas === closest).map((t) => t.maxUsers);
  const pick = same.length > 0 ? same : below;
  if (pick.length === 0) return config.search.startUsers;
  const sorted = [...pick].sort((a, b) => a - b);
  return Math.max(config.search.startUsers, Math.min(config.search.upperBound, sorted[Math.floor((sorted.length - 1) / 2)]!));
}
