/**
 * The resources section's tables (pure): the recommended configuration per
 * task × model, and every configuration that ran with its measurements.
 * Skipped configurations are counted under the second, not listed.
 */
import type { Choice, TaskModelChoices } from '../../../experiments/analyse/resources-choice.js';
import type { ResourceRow } from '../../../experiments/analyse/resources-rows.js';
import * as f from '../../format.js';
import { WORDS, type Lang } from '../../terms.js';
import type { BodyCell, TableView } from '../types.js';
import type { ResourcesRun } from './load.js';
import { RESOURCE_WORDS } from './terms.js';

const MIB = 1024 * 1024;

/** "8.7 ± 0.4" with "(n = 3)", or "8.7" with "(1 trial)": one trial has no spread to show. */
function rateText(r: ResourceRow, lang: Lang): BodyCell {
  const rw = RESOURCE_WORDS[lang];
  const { mean, sd, n } = r.imagesPerS;
  return sd === null ? { text: f.qps(mean), note: `(${rw.trials(n)})` } : { text: `${f.qps(mean)} ± ${f.qps(sd)}`, note: `(${rw.trials(n)})` };
}

function choiceText(c: Choice | null, lang: Lang): BodyCell {
  const rw = RESOURCE_WORDS[lang];
  if (!c) return { text: rw.none, cls: 'text' };
  return { text: rw.optimal.choice(c.configuration, f.qps(c.imagesPerS), c.costPerHour.toFixed(3)), cls: 'text', ...(c.capacityBound ? { marks: 'a' } : {}) };
}

export function optimalTable(run: ResourcesRun, lang: Lang): TableView {
  const rw = RESOURCE_WORDS[lang];
  const rows = run.optimal.filter((o) => o.measured).map((o: TaskModelChoices) => [
    { text: `${o.task} / ${o.model}`, cls: 'text' },
    choiceText(o.bestThroughput, lang),
    choiceText(o.bestPerCpu, lang),
    choiceText(o.cheapestMeetingObjective, lang),
  ]);
  const bound = run.optimal.some((o) => [o.bestThroughput, o.bestPerCpu, o.cheapestMeetingObjective].some((c) => c?.capacityBound));
  return {
    id: 'optimal',
    caption: rw.optimal.caption(run.plan.config.resources.objective.p95Ms),
    head: [rw.optimal.head.map((text, i) => ({ text, ...(i === 0 ? { cls: 'text' } : {}) }))],
    rows,
    footnotes: bound ? [{ mark: 'a', text: rw.footnotes.capacity }] : [],
  };
}

export function measuredTable(run: ResourcesRun, lang: Lang): TableView {
  const rw = RESOURCE_WORDS[lang];
  const na = WORDS[lang].na;
  const ran = run.rows.filter((r) => r.status !== 'skipped');
  const rows = ran.map((r) => {
    const served = r.status === 'success';
    const marks = [r.capacityBound ? 'a' : '', r.limitsEnforced ? '' : 'b'].filter(Boolean).join(',');
    return [
      { text: r.configuration, cls: 'text', ...(marks ? { marks } : {}) },
      { text: r.model, cls: 'text' },
      { text: String(r.cpu) },
      { text: String(r.memoryMi) },
      { text: rw.status[r.status] ?? r.status, cls: 'text' },
      served || r.n > 0 ? rateText(r, lang) : { text: na },
      { text: r.latencyMs ? f.ms(r.latencyMs.p95) : na },
      { text: r.peakMemoryBytes === null ? na : (r.peakMemoryBytes / MIB).toFixed(0) },
      { text: r.throttledShare === null ? na : f.pct(r.throttledShare, 0) },
      { text: r.startupS.n > 0 ? r.startupS.mean.toFixed(1) : na },
    ];
  });
  const skipped = run.rows.filter((r) => r.status === 'skipped');
  const reasons = [...new Set(skipped.map((r) => r.error ?? ''))].join('; ');
  const footnotes = [
    ...(ran.some((r) => r.capacityBound) ? [{ mark: 'a', text: rw.footnotes.capacity }] : []),
    ...(ran.some((r) => !r.limitsEnforced) ? [{ mark: 'b', text: rw.footnotes.limits }] : []),
  ];
  return {
    id: 'measured',
    caption: `${rw.measured.caption}${skipped.length > 0 ? ` ${rw.footnotes.skipped(skipped.length, reasons)}` : ''}`,
    head: [rw.measured.head.map((text, i) => ({ text, ...(i < 2 || i === 4 ? { cls: 'text' } : {}) }))],
    rows,
    footnotes,
  };
}
