/**
 * The replicas study's report section: the assignment's Table 1 and its
 * companions, the figures, the observations and a generated analysis, from
 * the run's experiment_results.json, trials and summary CSV.
 */
import { WORDS, taskTerms, type Lang } from '../../terms.js';
import * as f from '../../format.js';
import type { RunFiles } from '../../run-files.js';
import type { Block, ReportSection, SectionBody } from '../types.js';
import { generatedAnalysis } from './analysis.js';
import { figures } from './charts.js';
import { buildReportData, summaryMismatches, type ReportData, type RunInput } from './data.js';
import { loadReplicasRun } from './load.js';
import { observe } from './observations.js';
import { tables } from './tables.js';
import { REPLICA_WORDS } from './terms.js';

function setupText(input: RunInput, data: ReportData, lang: Lang): string {
  const { results, plan } = input;
  const w = WORDS[lang];
  const t = taskTerms(lang, results.task);
  const counts = data.trialsPerCell;
  const paths = data.locations.flatMap((loc) => {
    const cell = results.cells.find((c) => c.location === loc);
    const mbit = cell?.network.bandwidthMbit;
    return cell ? [w.path(w.locations[loc], cell.network.description, cell.network.rttMs === null ? null : f.ms(cell.network.rttMs), mbit == null ? null : Number(mbit.toFixed(1)))] : [];
  });
  return w.setup({
    ...t,
    pods: [...new Set(results.cells.map((c) => c.replicas))].sort((a, b) => a - b).join(lang === 'zh' ? '、' : ', '),
    cpu: results.cpuPerReplica,
    mem: results.memoryPerReplicaMi,
    backend: typeof plan?.backend === 'string' ? plan.backend : results.backend,
    locations: data.locations.filter((l) => results.cells.some((c) => c.location === l)).map((l) => w.locations[l]).join(lang === 'zh' ? '、' : ' and '),
    trials: counts.length > 1 ? `${counts[0]}–${counts.at(-1)}` : String(counts[0] ?? 0),
  }) + w.paths(paths.join(lang === 'zh' ? '；' : '; '));
}

export const replicasSection: ReportSection = {
  build(files: RunFiles, lang: Lang): SectionBody {
    const input = loadReplicasRun(files);
    const warnings = input.summaryRows ? summaryMismatches(input.results, input.summaryRows) : [];
    const data = buildReportData(input);
    const objectiveMs = input.results.cells[0]?.objective.p95ObjectiveMs ?? 2000;
    const w = WORDS[lang];
    const figs = figures(data, lang);
    const blocks: Block[] = [
      ...tables(data, lang, objectiveMs).map((table) => ({ table })),
      ...figs.map((fig) => ({ figure: { id: fig.id, caption: fig.caption, spec: fig.spec } })),
    ];
    const hostCores = typeof input.plan?.hostCores === 'number' ? input.plan.hostCores : null;
    return {
      task: input.results.task,
      runId: input.results.runId,
      measuredAt: input.results.createdAt,
      setup: setupText(input, data, lang),
      banners: input.results.profile === 'quick' ? [REPLICA_WORDS[lang].smoke] : [],
      blocks,
      observations: observe(data, lang).map((o) => o.text),
      analysis: generatedAnalysis(data, lang, hostCores),
      files: [
        { href: 'experiment_results.json', text: w.files.results },
        ...(input.summaryRows ? [{ href: 'experiment_summary.csv', text: w.files.summary }] : []),
      ],
      warnings,
    };
  },
};
