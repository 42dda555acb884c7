/**
 * A study's section, the author's notes and the run's files → the plain
 * strings the Handlebars template prints, plus the word count. Pure. The
 * parts every report shares live here: title block, author's sections (or
 * the section's generated analysis, labelled), word count, appendix.
 */
import * as yaml from 'js-yaml';
import { HEADER_FIELDS, type HeaderFields, type Notes } from './notes.js';
import type { RunFiles } from './run-files.js';
import type { SectionBody, TableView } from './sections/types.js';
import { taskTerms, WORD_LIMIT, WORDS, type Lang } from './terms.js';
import { countWords } from './words.js';

export type PageFormat = 'A4' | 'Letter';

export interface RenderedFigure {
  id: string;
  caption: string;
  svg: string;
}

export interface ViewInput {
  body: SectionBody;
  files: RunFiles;
  /** the section's figures, rendered to SVG, in the body's order */
  figures: RenderedFigure[];
  notes: Notes | null;
  /** notes file as the author should see it in messages */
  notesFile: string;
  /** header fields from plan.json `report`, overridden by the notes front matter */
  configFields: HeaderFields;
  lang: Lang;
  format: PageFormat;
  /** the label shown above a generated analysis */
  generatedLabel: string;
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

function flatten(obj: Record<string, unknown>, prefix = ''): { key: string; value: string }[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return flatten(v as Record<string, unknown>, key);
    return [{ key, value: Array.isArray(v) ? v.map(String).join(', ') : String(v) }];
  });
}

const tableOf = (table: TableView) => ({ kind: 'table' as const, table });

export function buildView(view: ViewInput) {
  const { body, files, lang, notes } = view;
  const w = WORDS[lang];
  const warnings: string[] = [...body.warnings];
  const fields = { ...view.configFields, ...(notes?.fields ?? {}) };
  const authored = (key: 'analysis' | 'challenges') => notes?.sections.filter((s) => s.key === key && s.words > 0) ?? [];
  const sectionOf = (key: 'analysis' | 'challenges', generated: string[]) => {
    const found = authored(key);
    if (found.length > 0) return { html: found.map((s) => s.html).join('\n'), words: found.reduce((a, s) => a + s.words, 0), placeholder: null, generated: null };
    if (generated.length > 0) return { html: null, words: countWords(generated.join('\n')), placeholder: null, generated: { label: view.generatedLabel, paragraphs: generated } };
    return { html: null, words: 0, placeholder: w.notesPlaceholder[key](view.notesFile), generated: null };
  };
  const analysis = sectionOf('analysis', body.analysis);
  const challenges = sectionOf('challenges', []);
  const others = (notes?.sections ?? []).filter((s) => s.key === 'other');
  const references = (notes?.sections ?? []).filter((s) => s.key === 'references');
  const headings = [w.sections.setup, w.sections.results, w.sections.observations, w.sections.analysis, w.sections.challenges, ...others.map((s) => s.heading)];
  const words = countWords([body.setup, ...body.banners, ...body.observations, ...headings].join('\n'))
    + analysis.words + challenges.words + others.reduce((a, s) => a + s.words, 0);
  const over = words > WORD_LIMIT;
  if (over) warnings.push(`WORD LIMIT EXCEEDED: ${w.wordsOver(words, WORD_LIMIT)}`);
  // the per-trial and per-cell lists repeat what the tables show; the rest is the configuration
  const load = files.plan
    ? yaml.dump(Object.fromEntries(Object.entries(files.plan).filter(([k]) => k !== 'trials' && k !== 'cells')), { lineWidth: 100, flowLevel: 2 })
    : null;
  const rendered = new Map(view.figures.map((fig) => [fig.id, fig]));
  let figureNumber = 0;
  const blocks = body.blocks.map((b) => {
    if ('table' in b) return tableOf(b.table);
    const fig = rendered.get(b.figure.id);
    figureNumber += 1;
    return { kind: 'figure' as const, figure: { id: b.figure.id, caption: b.figure.caption, svg: fig?.svg ?? '', label: w.figure(figureNumber) } };
  });
  const terms = taskTerms(lang, body.task);
  const context = {
    lang,
    htmlLang: w.htmlLang,
    pageSize: view.format === 'Letter' ? 'letter' : 'A4',
    cjk: lang === 'zh',
    product: terms.product,
    header: header(fields, w, warnings, view.notesFile),
    subtitle: w.subtitle(terms, body.runId, body.measuredAt.slice(0, 10)),
    banners: body.banners,
    s: w.sections,
    setup: body.setup,
    blocks,
    observations: body.observations,
    analysis,
    challenges,
    others,
    references: references.length > 0 ? references.map((s) => s.html).join('\n') : null,
    wordCount: { text: w.words(words, WORD_LIMIT), over, overText: over ? w.wordsOver(words, WORD_LIMIT) : null },
    appendix: {
      deployment: files.deployment,
      load,
      environment: files.environment ? flatten(files.environment) : null,
      files: body.files,
      logs: files.replicaLogs,
      logsNone: w.logsNone,
    },
  };
  return { context, words, warnings };
}

export type ReportContext = ReturnType<typeof buildView>['context'];
