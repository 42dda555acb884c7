/**
 * Report numbers, observations, figures and the author's notes → the plain
 * strings the Handlebars template prints, plus the word count. Pure.
 */
import * as yaml from 'js-yaml';
import type { Cell } from '../experiments/record/schema.js';
import type { ReportData, RunInput } from './sections/replicas/data.js';
import * as f from './format.js';
import { HEADER_FIELDS, type HeaderFields, type Notes } from './notes.js';
import type { Observation } from './sections/replicas/observations.js';
import { taskTerms, WORD_LIMIT, WORDS, type Lang } from './terms.js';
import { countWords } from './words.js';

export type PageFormat = 'A4' | 'Letter';

export interface RenderedFigure {
  id: string;
  caption: string;
  svg: string;
}

export interface ViewInput {
  data: ReportData;
  input: RunInput;
  observations: Observation[];
  figures: RenderedFigure[];
  notes: Notes | null;
  /** notes file as the author should see it in messages */
  notesFile: string;
  /** header fields from plan.json `report`, overridden by the notes front matter */
  configFields: HeaderFields;
  lang: Lang;
  format: PageFormat;
}

interface Mark { mark: string; text: string }

function tableMarks(cell: Cell | null, w: (typeof WORDS)['en']): Mark[] {
  if (!cell) return [{ mark: '*', text: w.footnotes.missing }];
  const marks: Mark[] = [];
  if (cell.capacityBound) marks.push({ mark: 'a', text: w.footnotes.capacity });
  if (!cell.limitsEnforced) marks.push({ mark: 'b', text: w.footnotes.limits });
  if (cell.invalidTrials > 0) marks.push({ mark: 'c', text: w.footnotes.invalid(cell.invalidTrials) });
  return marks;
}

function table1(data: ReportData, w: (typeof WORDS)['en']) {
  const used = new Map<string, string>();
  const rows = data.pods.map((pods, r) => ({
    pods,
    cells: data.locations.map((_, c) => {
      const cell = data.grid[r]?.[c] ?? null;
      const marks = tableMarks(cell, w);
      for (const m of marks) used.set(m.mark, m.text);
      const measured = cell !== null && cell.maxUsers.n > 0;
      return {
        maxUsers: !measured ? w.na : cell.maxUsers.sd === null ? f.users(cell.maxUsers.mean) : `${f.users(cell.maxUsers.mean)} ± ${f.users(cell.maxUsers.sd)}`,
        n: !measured ? '' : cell.maxUsers.sd === null ? w.trials(cell.maxUsers.n) : `n = ${cell.maxUsers.n}`,
        avgResponse: !measured ? w.na : cell.avgResponseMs.sd === null ? f.ms(cell.avgResponseMs.mean) : f.msPair(cell.avgResponseMs.mean, cell.avgResponseMs.sd),
        marks: marks.map((m) => m.mark).join(','),
      };
    }),
  }));
  const order = ['a', 'b', 'c', '*'];
  const footnotes = [...used.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([mark, text]) => ({ mark, text }));
  return { caption: w.table1.caption, locations: data.locations.map((l) => w.locations[l]), rows, footnotes };
}

/** Tables 2 and 3 share Table 1's layout: a row per pod count, a column group per location. */
function perCellRows(data: ReportData, w: (typeof WORDS)['en']) {
  return data.pods.map((pods, r) => ({
    pods,
    cells: data.locations.map((_, c) => {
      const cell = data.grid[r]?.[c];
      if (!cell || cell.maxUsers.n === 0) {
        return { p50: w.na, p95: w.na, p99: w.na, max: w.na, qpsAvg: w.na, qpsMax: w.na, total: w.na, success: w.na };
      }
      const l = cell.latencyMs;
      return {
        p50: f.ms(l.p50), p95: f.ms(l.p95), p99: f.ms(l.p99), max: f.ms(l.max),
        qpsAvg: f.qps(cell.qps.avg), qpsMax: f.qps(cell.qps.max), total: f.count(cell.totalRequests), success: f.pct(cell.successRate, 1),
      };
    }),
  }));
}

function header(fields: HeaderFields, w: (typeof WORDS)['en'], warnings: string[], notesFile: string) {
  const missing = HEADER_FIELDS.filter((k) => !fields[k]);
  if (missing.length > 0) {
    warnings.push(`header field(s) ${missing.map((k) => WORDS.en.fields[k]).join(', ')} missing: set them in the front matter of ${notesFile} or in plan.json "report"`);
  }
  const value = (k: (typeof HEADER_FIELDS)[number], missing: string) => ({ label: w.fields[k], value: fields[k] ?? missing, placeholder: !fields[k] });
  return {
    title: value('title', w.placeholder(w.fields.title)),
    people: (['name', 'studentId', 'supervisor'] as const).map((k) => value(k, w.notGiven)),
  };
}

function setupText(view: ViewInput): string {
  const { results, plan } = view.input;
  const w = WORDS[view.lang];
  const t = taskTerms(view.lang, results.task);
  const counts = view.data.trialsPerCell;
  const paths = view.data.locations.flatMap((loc) => {
    const cell = results.cells.find((c) => c.location === loc);
    const mbit = cell?.network.bandwidthMbit;
    return cell ? [w.path(w.locations[loc], cell.network.description, cell.network.rttMs === null ? null : f.ms(cell.network.rttMs), mbit == null ? null : Number(mbit.toFixed(1)))] : [];
  });
  return w.setup({
    ...t,
    pods: [...new Set(results.cells.map((c) => c.replicas))].sort((a, b) => a - b).join(view.lang === 'zh' ? '、' : ', '),
    cpu: results.cpuPerReplica,
    mem: results.memoryPerReplicaMi,
    backend: typeof plan?.backend === 'string' ? plan.backend : results.backend,
    locations: view.data.locations.filter((l) => results.cells.some((c) => c.location === l)).map((l) => w.locations[l]).join(view.lang === 'zh' ? '、' : ' and '),
    trials: counts.length > 1 ? `${counts[0]}–${counts.at(-1)}` : String(counts[0] ?? 0),
  }) + w.paths(paths.join(view.lang === 'zh' ? '；' : '; '));
}

function flatten(obj: Record<string, unknown>, prefix = ''): { key: string; value: string }[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return flatten(v as Record<string, unknown>, key);
    return [{ key, value: Array.isArray(v) ? v.map(String).join(', ') : String(v) }];
  });
}

export function buildView(view: ViewInput) {
  const { data, input, lang, notes } = view;
  const w = WORDS[lang];
  const warnings: string[] = [];
  const fields = { ...view.configFields, ...(notes?.fields ?? {}) };
  const sectionOf = (key: 'analysis' | 'challenges') => {
    const found = notes?.sections.filter((s) => s.key === key && s.words > 0) ?? [];
    return found.length > 0
      ? { html: found.map((s) => s.html).join('\n'), words: found.reduce((a, s) => a + s.words, 0), placeholder: null }
      : { html: null, words: 0, placeholder: w.notesPlaceholder[key](view.notesFile) };
  };
  const analysis = sectionOf('analysis');
  const challenges = sectionOf('challenges');
  const others = (notes?.sections ?? []).filter((s) => s.key === 'other');
  const references = (notes?.sections ?? []).filter((s) => s.key === 'references');
  const setup = setupText(view);
  const headings = [w.sections.setup, w.sections.results, w.sections.observations, w.sections.analysis, w.sections.challenges, ...others.map((s) => s.heading)];
  const words = countWords([setup, ...view.observations.map((o) => o.text), ...headings].join('\n'))
    + analysis.words + challenges.words + others.reduce((a, s) => a + s.words, 0);
  const over = words > WORD_LIMIT;
  if (over) warnings.push(`WORD LIMIT EXCEEDED: ${w.wordsOver(words, WORD_LIMIT)}`);
  // the per-trial and per-cell lists repeat what Table 1 shows; the rest is the configuration
  const load = input.plan
    ? yaml.dump(Object.fromEntries(Object.entries(input.plan).filter(([k]) => k !== 'trials' && k !== 'cells')), { lineWidth: 100, flowLevel: 2 })
    : null;
  const context = {
    lang,
    htmlLang: w.htmlLang,
    pageSize: view.format === 'Letter' ? 'letter' : 'A4',
    cjk: lang === 'zh',
    product: taskTerms(lang, input.results.task).product,
    header: header(fields, w, warnings, view.notesFile),
    subtitle: w.subtitle(taskTerms(lang, input.results.task), input.results.runId, input.results.createdAt.slice(0, 10)),
    s: w.sections,
    setup,
    table1: table1(data, w),
    t1: w.table1,
    latency: { ...w.latencyTable, rows: perCellRows(data, w) },
    throughput: { ...w.throughputTable, rows: perCellRows(data, w) },
    locationNames: data.locations.map((l) => w.locations[l]),
    observations: view.observations.map((o) => o.text),
    figures: view.figures.map((fig, i) => ({ ...fig, label: w.figure(i + 1) })),
    analysis,
    challenges,
    others,
    references: references.length > 0 ? references.map((s) => s.html).join('\n') : null,
    wordCount: { text: w.words(words, WORD_LIMIT), over, overText: over ? w.wordsOver(words, WORD_LIMIT) : null },
    appendix: {
      deployment: input.deployment,
      load,
      environment: input.environment ? flatten(input.environment) : null,
      files: [
        { href: 'experiment_results.json', text: w.files.results },
        ...(input.summaryRows ? [{ href: 'experiment_summary.csv', text: w.files.summary }] : []),
      ],
      logs: input.replicaLogs,
      logsNone: w.logsNone,
    },
  };
  return { context, words, warnings };
}

export type ReportContext = ReturnType<typeof buildView>['context'];
