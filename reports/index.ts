/**
 * The report pipeline: the run's files → the study's section (its tables,
 * figures, observations, generated analysis) → notes → HTML → PDF.
 * `renderReport` is the one public verb (experiments/report.mjs and the
 * study command call it); the rest of reports/ is internal.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { StudyName } from '../experiments/plan/config.js';
import { renderHtml } from './html.js';
import { HeaderSchema, notesSkeleton, parseNotes, type HeaderFields, type Notes } from './notes.js';
import { printPdf } from './pdf.js';
import { loadRunFiles, RunFileError } from './run-files.js';
import { REPORT_SECTIONS } from './sections/index.js';
import { renderSvg } from './svg.js';
import { WORDS, type Lang } from './terms.js';
import { buildView, type PageFormat } from './view.js';

export { RunFileError } from './run-files.js';

export interface ReportOptions {
  /** @default 'A4' */
  format?: PageFormat;
  /** @default 'en' */
  lang?: Lang;
  /** notes file (front matter + ## Analysis / ## Challenges); @default '<run-dir>/notes.md' */
  notes?: string;
  log?: (msg: string) => void;
  /** browser for the PDF; @default see reports/browser.ts */
  executablePath?: string;
}

export interface ReportOutput {
  html: string;
  pdf: string;
  warnings: string[];
  words: number;
}

const Options = z.object({
  format: z.enum(['A4', 'Letter']).default('A4'),
  lang: z.enum(['en', 'zh']).default('en'),
  notes: z.string().min(1).optional(),
});

/**
 * plan.json may carry `report: {name, studentId, supervisor, title}`, at the top
 * or inside the study `config`; anything else there is not ours to judge.
 */
function configFields(plan: Record<string, unknown> | null, warnings: string[]): HeaderFields {
  const config = plan?.config;
  const report = plan?.report ?? (config !== null && typeof config === 'object' ? (config as Record<string, unknown>).report : undefined);
  if (report === undefined) return {};
  const parsed = HeaderSchema.safeParse(report);
  if (parsed.success) return parsed.data;
  warnings.push(`plan.json "report" ignored: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return {};
}

function readNotes(path: string, explicit: boolean): Notes | null {
  if (!existsSync(path)) {
    if (explicit) throw new Error(`notes file not found: ${path}`);
    return null;
  }
  return parseNotes(readFileSync(path, 'utf8'), path);
}

export async function renderReport(runDir: string, opts: ReportOptions = {}): Promise<ReportOutput> {
  const parsedOpts = Options.safeParse(opts);
  if (!parsedOpts.success) {
    const issue = parsedOpts.error.issues[0];
    throw new Error(`report option --${issue?.path.join('.')}: ${issue?.message}`);
  }
  const { format, lang } = parsedOpts.data;
  const log = opts.log ?? (() => {});
  const dir = resolve(runDir);

  const files = loadRunFiles(dir);
  const warnings = files.warnings;
  // runs made before studies existed are replica-count runs
  const study = StudyName.safeParse(files.plan?.study ?? 'replicas');
  if (!study.success) throw new RunFileError(join(dir, 'plan.json'), `study "${String(files.plan?.study)}" has no report section`);
  const body = REPORT_SECTIONS[study.data].build(files, lang);
  const rendered = await Promise.all(
    body.blocks.flatMap((b) => ('figure' in b ? [b.figure] : [])).map(async (fig) => ({ id: fig.id, caption: fig.caption, svg: await renderSvg(fig.spec) })),
  );

  const notesPath = resolve(opts.notes ?? join(dir, 'notes.md'));
  const notes = readNotes(notesPath, opts.notes !== undefined);
  if (notes) warnings.push(...notes.warnings);
  else warnings.push(`no notes file at ${notesPath}: the analysis and challenges sections are placeholders; write it like this:\n${notesSkeleton()}`);

  // the page names the notes file as the author sees it in the run directory, not this machine's absolute path
  const inRun = relative(dir, notesPath);
  const notesFile = inRun.startsWith('..') ? notesPath : join('<run-dir>', inRun);
  const view = buildView({
    body, files, figures: rendered, notes, notesFile,
    configFields: configFields(files.plan, warnings), lang, format, generatedLabel: WORDS[lang].generated,
  });
  warnings.push(...view.warnings);

  const html = join(dir, 'report.html');
  const pdf = join(dir, 'report.pdf');
  writeFileSync(html, renderHtml(view.context));
  log(`report: wrote ${html} (${view.words} words)`);
  // a failed print must leave no report.pdf at all: neither a half-written one nor the previous run's beside the new HTML
  rmSync(pdf, { force: true });
  const partial = `${pdf}.partial`;
  try {
    await printPdf(html, partial, { executablePath: opts.executablePath });
    renameSync(partial, pdf);
  } finally {
    rmSync(partial, { force: true });
  }
  log(`report: wrote ${pdf}`);
  return { html, pdf, warnings, words: view.words };
}
