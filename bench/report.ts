/**
 * `npx tsx bench/report.ts [runs]`: how long the report takes for the checked-in
 * fixture run, stage by stage, against a baseline measured in the same run:
 * printing an empty page with the same browser (the fixed cost of any PDF).
 * Goal: HTML + PDF in under 5 s.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderHtml } from '../reports/html.js';
import { renderReport } from '../reports/index.js';
import { printPdf } from '../reports/pdf.js';
import { loadRunFiles } from '../reports/run-files.js';
import { replicasSection } from '../reports/sections/replicas/index.js';
import type { SectionBody } from '../reports/sections/types.js';
import { renderSvg } from '../reports/svg.js';
import { WORDS } from '../reports/terms.js';
import { buildView } from '../reports/view.js';

const GOAL_MS = 5000;
const runs = Math.max(1, Number(process.argv[2] ?? 3));
const fixture = resolve(fileURLToPath(new URL('../test/fixtures/run-fixture', import.meta.url)));
const tmp = mkdtempSync(join(tmpdir(), 'bench-report-'));

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const empty = join(tmp, 'empty.html');
  writeFileSync(empty, '<!DOCTYPE html><html><body><p>baseline</p></body></html>');
  const dir = join(tmp, 'run');
  cpSync(fixture, dir, { recursive: true });

  // warm-up: module loading and the first browser start are not what a report run repeats
  await renderReport(dir);

  const samples: Record<string, number[]> = {
    'baseline: empty page → PDF': [], 'load + validate run files': [], 'section: tables, observations, analysis': [],
    'figures → SVG (vega)': [], 'HTML (handlebars)': [], 'PDF (chromium)': [], 'total renderReport': [],
  };
  for (let i = 0; i < runs; i += 1) {
    samples['baseline: empty page → PDF']!.push(await time(() => printPdf(empty, join(tmp, 'empty.pdf'))));
    let files!: ReturnType<typeof loadRunFiles>;
    samples['load + validate run files']!.push(await time(() => { files = loadRunFiles(dir); }));
    let body!: SectionBody;
    samples['section: tables, observations, analysis']!.push(await time(() => { body = replicasSection.build(files, 'en'); }));
    let svgs: { id: string; caption: string; svg: string }[] = [];
    samples['figures → SVG (vega)']!.push(await time(async () => {
      const specs = body.blocks.flatMap((b) => ('figure' in b ? [b.figure] : []));
      svgs = await Promise.all(specs.map(async (f) => ({ id: f.id, caption: f.caption, svg: await renderSvg(f.spec) })));
    }));
    const html = join(tmp, 'stage.html');
    samples['HTML (handlebars)']!.push(await time(() => {
      const view = buildView({ body, files, figures: svgs, notes: null, notesFile: 'notes.md', configFields: {}, lang: 'en', format: 'A4', generatedLabel: WORDS.en.generated });
      writeFileSync(html, renderHtml(view.context));
    }));
    samples['PDF (chromium)']!.push(await time(() => printPdf(html, join(tmp, 'stage.pdf'))));
    samples['total renderReport']!.push(await time(() => renderReport(dir)));
  }

  const base = median(samples['baseline: empty page → PDF']!);
  const rows = Object.entries(samples).map(([stage, xs]) => ({ stage, median: median(xs), min: Math.min(...xs) }));
  const width = Math.max(...rows.map((r) => r.stage.length));
  console.log(`report benchmark: fixture ${fixture}, ${runs} run(s), median and min in ms, ratio = median / baseline`);
  console.log(`${'stage'.padEnd(width)}  ${'median'.padStart(8)}  ${'min'.padStart(8)}  ${'ratio'.padStart(6)}`);
  for (const r of rows) {
    console.log(`${r.stage.padEnd(width)}  ${r.median.toFixed(0).padStart(8)}  ${r.min.toFixed(0).padStart(8)}  ${(r.median / base).toFixed(2).padStart(6)}`);
  }
  const total = median(samples['total renderReport']!);
  console.log(`\ngoal: HTML + PDF under ${GOAL_MS} ms: ${total < GOAL_MS ? 'met' : 'NOT met'} (median ${total.toFixed(0)} ms)`);
  process.exitCode = total < GOAL_MS ? 0 : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
