/**
 * The binding study's report section: JCT by policy and load, by size
 * class, the short-job comparison with round-robin, the replicas' use, the
 * JCT distribution and the slowdown by size, with the observations and a
 * generated analysis, from the run's experiment_results.json and trials.
 */
import type { BindingCell, BindingResults } from '../../../experiments/analyse/binding-results.js';
import { Plan } from '../../../experiments/plan/plan.js';
import * as f from '../../format.js';
import type { Lang } from '../../terms.js';
import type { RunFiles } from '../../run-files.js';
import type { Block, ReportSection, SectionBody } from '../types.js';
import { figures } from './charts.js';
import { loadBindingRun, type BindingRun } from './load.js';
import { tables } from './tables.js';
import { BINDING_WORDS } from './terms.js';

const list = (xs: readonly (string | number)[], lang: Lang) => [...new Set(xs)].join(lang === 'zh' ? '、' : ', ');

function setupText(run: BindingRun, lang: Lang): string {
  const r = run.results;
  const plan = Plan.safeParse(run.plan);
  const cells = r.cells.filter((c) => c.trials > 0);
  const b = plan.success ? plan.data.config.binding : null;
  const sizes = typeof b?.sizes === 'string' ? b.sizes : r.sizes.units.map((u, i) => `${u} (${f.pct(r.sizes.probabilities[i]!)})`).join(' ');
  return BINDING_WORDS[lang].setup({
    replicas: list(cells.map((c) => c.replicas), lang),
    cpu: `${r.cpuPerReplica}${r.fittedToHost && plan.success ? ` (${lang === 'zh' ? '由 --fit-host 从' : 'scaled by --fit-host from'} ${plan.data.config.replica.cpu})` : ''}`,
    memoryMi: plan.success ? plan.data.config.replica.memoryMi : 0,
    backend: r.backend,
    policies: list(cells.map((c) => c.policy), lang),
    loads: list(cells.map((c) => f.pct(c.load, 0)), lang),
    rates: list(cells.map((c) => c.ratePerS.toFixed(1)), lang),
    sizes,
    unitMs: r.unitMs,
    warmupS: b?.warmupS ?? 0,
    durationS: b?.durationS ?? 0,
    rounds: b?.rounds ?? 1,
    timeoutMs: plan.success ? plan.data.config.failure.timeoutMs : 0,
  });
}

const handover = (c: BindingCell) => c.replicaUse.reduce((s, u) => s + u.handover, 0) / Math.max(1, c.replicaUse.length);

/** An interpretation from the numbers, shown (labelled) when the author wrote none. */
function generatedAnalysis(r: BindingResults): string[] {
  const out: string[] = [];
  for (const c of r.comparisons.filter((x) => x.policy === 'late-binding')) {
    const verdict = c.verdict === 'lower' ? 'finished sooner' : c.verdict === 'higher' ? 'finished later' : c.verdict === 'too few samples' ? 'were too few to compare' : 'finished no measurably sooner or later';
    out.push(`At load ${c.load}, short jobs ${verdict} under late binding than under round-robin (p95 ${f.ms(c.policyP95Ms)} against ${f.ms(c.baselineP95Ms)} ms)${c.limitedBy ? `, but the replicas waited for the host's CPU (${c.limitedBy}), so this measures the machine as much as the policy` : ''}.`);
    const late = r.cells.find((x) => x.policy === 'late-binding' && x.load === c.load);
    if (late && late.replicaQueuedShare < 0.01 && handover(late) > 0.02) {
      out.push(`Binding late costs a hand-over per request: with one slot per replica, each replica spent ${f.pct(handover(late), 0)} of its time with a request on its way, being parsed or answered, time an early-bound replica spends on the next request already queued inside it. At a given offered load that raises the utilisation late binding runs at, which is what pooling the queue has to win back.`);
    }
  }
  const rr = r.cells.find((x) => x.policy === 'round-robin' && x.trials > 0);
  if (rr && rr.replicaQueuedShare > 0.2) out.push(`Under round-robin ${f.pct(rr.replicaQueuedShare, 0)} of answered requests waited inside a replica, behind whatever it had been given, however long: the head-of-line blocking late binding is meant to avoid.`);
  return out;
}

export const bindingSection: ReportSection = {
  build(files: RunFiles, lang: Lang): SectionBody {
    const run = loadBindingRun(files);
    const r = run.results;
    const b = BINDING_WORDS[lang];
    const blocks: Block[] = [...tables(r, lang).map((table) => ({ table })), ...figures(r, run.trials, lang).map((figure) => ({ figure }))];
    const profile = (run.plan as { profile?: unknown } | null)?.profile;
    return {
      task: 'detection',
      runId: r.runId,
      measuredAt: r.createdAt,
      setup: setupText(run, lang),
      banners: [...(profile === 'quick' ? [b.smoke] : []), ...(r.comparisons.some((c) => c.limitedBy) ? [b.hostBound] : [])],
      blocks,
      observations: r.observations,
      analysis: generatedAnalysis(r),
      files: [
        { href: 'experiment_results.json', text: b.files.results },
        ...(run.hasSummary ? [{ href: 'experiment_summary.csv', text: b.files.summary }] : []),
      ],
      warnings: [],
    };
  },
};
