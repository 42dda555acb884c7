/**
 * The resources study's report section: the recommended configurations,
 * every configuration that ran, the images/s heatmap, images/s against the
 * CPU limit with the linear expectation, and observations generated from
 * the data — all from plan.json and the trials, through the same analysis
 * that wrote the run's four result files.
 */
import type { RunFiles } from '../../run-files.js';
import type { Lang } from '../../terms.js';
import type { Block, ReportSection, SectionBody } from '../types.js';
import { resourceFigures } from './charts.js';
import { loadResourcesRun, type ResourcesRun } from './load.js';
import { measuredTable, optimalTable } from './tables.js';
import { RESOURCE_WORDS } from './terms.js';

const list = (xs: readonly (string | number)[]) => [...new Set(xs)].sort((a, b) => Number(a) - Number(b)).join(', ');

function setupText(run: ResourcesRun, lang: Lang): string {
  const { plan } = run;
  const ran = run.rows.filter((r) => r.status !== 'skipped');
  const w = plan.config.resources.workload;
  const ns = [...new Set(ran.map((r) => r.n).filter((n) => n > 0))].sort((a, b) => a - b);
  return RESOURCE_WORDS[lang].setup({
    backend: plan.backend,
    hostCores: plan.hostCores,
    loadGenCpu: plan.config.loadGenerator.cpu,
    configurations: new Set(ran.map((r) => r.configuration)).size,
    models: [...new Set(ran.map((r) => `${r.model} (${r.task})`))].join(lang === 'zh' ? '、' : ', '),
    cpus: list(ran.map((r) => r.cpu)),
    memories: list(ran.map((r) => r.memoryMi)),
    warmupS: w.warmupS,
    durationS: w.durationS,
    maxRequests: w.maxRequests,
    concurrency: w.saturationConcurrency,
    trials: ns.length > 1 ? `${ns[0]}–${ns.at(-1)}` : String(ns[0] ?? 0),
  });
}

/** One sentence per task × model from the recommended configurations, and a caution when the host bounded a pick. */
function generatedAnalysis(run: ResourcesRun, lang: Lang): string[] {
  const a = RESOURCE_WORDS[lang].analysis;
  const p95 = run.plan.config.resources.objective.p95Ms;
  const out = run.optimal.filter((o) => o.measured).map((o) =>
    o.bestThroughput && o.bestPerCpu
      ? a.pick(o.model, o.bestThroughput.configuration, o.bestPerCpu.configuration, o.cheapestMeetingObjective?.configuration ?? null, p95)
      : a.unserved(o.model),
  );
  if (run.rows.some((r) => r.capacityBound && r.status === 'success')) out.push(a.hostBound);
  return out;
}

export const resourcesSection: ReportSection = {
  build(files: RunFiles, lang: Lang): SectionBody {
    const run = loadResourcesRun(files);
    const rw = RESOURCE_WORDS[lang];
    const blocks: Block[] = [
      { table: optimalTable(run, lang) },
      { table: measuredTable(run, lang) },
      ...resourceFigures(run, lang).map((figure) => ({ figure })),
    ];
    const first = run.rows.find((r) => r.status !== 'skipped') ?? run.rows[0];
    return {
      task: first?.task ?? run.plan.task,
      runId: run.plan.runId,
      measuredAt: run.plan.createdAt,
      setup: setupText(run, lang),
      banners: run.plan.profile === 'quick' ? [rw.smoke] : [],
      blocks,
      observations: run.observations,
      analysis: generatedAnalysis(run, lang),
      files: run.files.map((href) => ({ href, text: rw.files[href] ?? href })),
      warnings: rw.observationsInEnglish ? [rw.observationsInEnglish] : [],
    };
  },
};
