/**
 * End to end: render run directories to PDF with the real browser and check
 * the PDF itself with poppler-utils, as a marker would look at it.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { findBrowser } from '../../reports/browser.js';
import { parseSummaryCsv } from '../../reports/sections/replicas/data.js';
import { renderReport, type ReportOutput } from '../../reports/index.js';
import { WORDS } from '../../reports/terms.js';
import { loadFixtureRun, writeRun } from '../fixtures/make-run-fixture.js';
import * as pdf from './pdf-tools.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = resolve(here, '../fixtures/run-fixture');
const INCH = 72;
/** pdftotext boxes include a little side bearing; half a point is far below any visible overrun */
const SLACK = 0.5;

function browserMissing(): string | null {
  try {
    findBrowser();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const skip = pdf.missingTools() ?? browserMissing() ?? (existsSync(fixture) ? null : `fixture ${fixture} missing`);
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

describe('report PDF', { skip: skip ?? false }, () => {
  let tmp: string;
  let plain: ReportOutput;
  let noted: ReportOutput;
  let zh: ReportOutput;
  const noNotesDir = () => join(tmp, 'fixture');

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'report-e2e-'));
    cpSync(fixture, noNotesDir(), { recursive: true });
    plain = await renderReport(noNotesDir());

    const generated = join(tmp, 'generated');
    writeRun(generated, loadFixtureRun());
    writeFileSync(join(generated, 'notes.md'), [
      '---', 'name: Ada Lovelace', 'studentId: "20261123"', 'supervisor: Dr Charles Babbage', 'title: Scaling an inference service', '---',
      '## Analysis', '', words(1400), '', '## Challenges', '', words(200), '',
    ].join('\n'));
    noted = await renderReport(generated, { format: 'Letter' });

    cpSync(fixture, join(tmp, 'zh'), { recursive: true });
    zh = await renderReport(join(tmp, 'zh'), { lang: 'zh' });
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('writes report.html and report.pdf into the run directory; the HTML loads nothing from outside', () => {
    assert.equal(plain.html, join(noNotesDir(), 'report.html'));
    assert.equal(plain.pdf, join(noNotesDir(), 'report.pdf'));
    const html = readFileSync(plain.html, 'utf8');
    assert.doesNotMatch(html, /<script|<link |src="http|url\(http/);
    assert.ok((html.match(/<svg/g) ?? []).length >= 3);
  });

  test('page size follows --format: A4 by default, Letter on request', () => {
    for (const page of pdf.pages(plain.pdf)) assert.deepEqual([Math.round(page.width), Math.round(page.height)], [595, 842]);
    for (const page of pdf.pages(noted.pdf)) assert.deepEqual([Math.round(page.width), Math.round(page.height)], [612, 792]);
  });

  test('every word lies inside the 1-inch margins, except the page number in the bottom margin', () => {
    for (const out of [plain, noted, zh]) {
      pdf.pages(out.pdf).forEach((page, i) => {
        const folio = page.words.filter((w) => w.yMin > page.height - INCH);
        assert.deepEqual(folio.map((w) => w.text), [String(i + 1)], `page ${i + 1}: only the page number below the text block`);
        for (const w of page.words.filter((x) => !folio.includes(x))) {
          const where = `${out.pdf} page ${i + 1} word "${w.text}"`;
          assert.ok(w.xMin >= INCH - SLACK && w.xMax <= page.width - INCH + SLACK, `${where} x ${w.xMin}–${w.xMax}`);
          // Chrome embeds the CFF-based CJK font as Type 3, whose boxes poppler takes from the
          // whole font's bounding box, not the glyph: for CJK words only the horizontal extent is exact
          if (/[\u3000-\u9fff\uff00-\uffef]/.test(w.text)) continue;
          assert.ok(w.yMin >= INCH - SLACK && w.yMax <= page.height - INCH + SLACK, `${where} y ${w.yMin}–${w.yMax}`);
        }
      });
    }
  });

  test('no page ends with a heading: headings stay with the text that follows them', () => {
    const headings = [...Object.values(WORDS.en.sections), ...Object.values(WORDS.zh.sections)];
    for (const out of [plain, noted, zh]) {
      pdf.pages(out.pdf).forEach((page, i) => {
        const body = page.words.filter((w) => w.yMin <= page.height - INCH);
        const lastTop = Math.max(...body.map((w) => w.yMin));
        const last = body.filter((w) => Math.abs(w.yMin - lastTop) < 2).map((w) => w.text).join(' ').normalize('NFKC').replace(/^\d+ /, '');
        assert.ok(!headings.includes(last), `${out.pdf} page ${i + 1} ends with heading "${last}"`);
      });
    }
  });

  test('body text is 12 pt in an embedded Times-metric font', () => {
    // the body: pages before the appendix, whose code listings are smaller by design
    const appendix = pdf.pages(plain.pdf).findIndex((p) => p.words[0]?.text === 'Appendix');
    assert.ok(appendix > 0, 'the appendix starts on its own page');
    const byFont = pdf.charsByFont(plain.pdf, appendix);
    assert.equal(byFont[0]!.size, 12, `most body text is ${byFont[0]!.size} pt`);
    assert.match(byFont[0]!.family, /^(LiberationSerif|TimesNewRoman|Times)/);
    const fonts = pdf.fonts(plain.pdf);
    const serif = fonts.filter((f) => /^[A-Z]{6}\+(LiberationSerif|TimesNewRoman)/.test(f.name));
    assert.ok(serif.length > 0, `fonts: ${fonts.map((f) => f.name).join(', ')}`);
    assert.ok(serif.every((f) => f.embedded));
  });

  test('Table 1 in the PDF shows the summary CSV: max users and response time, ± sd and n (one trial: the value and "(1 trial)"), per pods × location', () => {
    const csv = parseSummaryCsv(readFileSync(join(noNotesDir(), 'experiment_summary.csv'), 'utf8'));
    const layout = pdf.text(plain.pdf, true);
    const table = layout.slice(layout.indexOf('Table 1'), layout.indexOf('Table 2'));
    const header = table.split('\n').find((l) => l.includes('Master node'))!;
    assert.ok(header.indexOf('Master node') < header.indexOf('Remote client'), 'cluster columns come first');
    const cell = /(\d+(?:\.\d)?)(?: ± (\d+\.\d))?[A-Za-z*,∞]*\s+\((?:n = (\d+)|(\d+) trials?)\)\s+(\d+(?:\.\d)?)(?: ± (\d+(?:\.\d)?))?/g;
    const rows = table.split('\n').filter((l) => /^\s*\d+\s+\d/.test(l) && /\((n = \d+|\d+ trials?)\)/.test(l));
    assert.deepEqual(rows.map((l) => Number(l.trim().split(/\s+/)[0])), [1, 2, 4, 8]);
    for (const line of rows) {
      const pods = line.trim().split(/\s+/)[0];
      const found = [...line.matchAll(cell)];
      assert.equal(found.length, 2, line);
      found.forEach((m, i) => {
        const row = csv.find((r) => r.replicas === pods && r.location === ['cluster', 'remote'][i])!;
        const near = (shown: string, value: string, digits: number) =>
          assert.ok(Math.abs(Number(shown) - Number(value)) <= 0.5 * 10 ** -digits + 1e-9, `${pods} pods ${row.location}: ${shown} vs ${value}`);
        near(m[1]!, row.max_users_mean!, 1);
        assert.equal(m[3] ?? m[4], row.n);
        if (row.n === '1') {
          assert.equal(m[2], undefined, 'one trial: no ± in the PDF');
          assert.equal(row.max_users_sd, '', 'one trial: no sd in the CSV');
        } else near(m[2]!, row.max_users_sd!, 1);
        const msDigits = m[5]!.includes('.') ? 1 : 0;
        near(m[5]!, row.avg_response_ms!, msDigits);
        if (row.n !== '1') near(m[6]!, row.avg_response_sd_ms!, msDigits);
      });
    }
    const capacity = csv.filter((r) => r.capacity_bound === 'true');
    if (capacity.length > 0) assert.match(table, /capacity-bound/);
  });

  test('tables, captions, footnotes and the smoke-run banner are 12 pt, like the body', () => {
    for (const needle of ['Table 1:', 'Response-time percentiles', 'capacity-bound:', 'P95', 'Smoke', 'Maximum users against']) {
      const sizes = pdf.sizesOf(plain.pdf, needle);
      assert.ok(sizes.length > 0, `${needle} found`);
      assert.ok(sizes.every((s) => s === 12), `${needle}: ${sizes.join(', ')}`);
    }
  });

  test('each figure is vector graphics: no raster images, chart strokes and chart text on its page', () => {
    assert.equal(pdf.rasterImages(plain.pdf), 0);
    const pages = pdf.pages(plain.pdf);
    for (const n of [1, 2, 3]) {
      const page = pages.findIndex((p) => p.words.some((w, i) => w.text === 'Figure' && p.words[i + 1]?.text === `${n}:`));
      assert.ok(page >= 0, `Figure ${n} caption found`);
      assert.ok(pdf.strokedPathsOnPage(plain.pdf, page + 1) > 10, `Figure ${n} has vector strokes`);
    }
    const all = pdf.text(plain.pdf);
    for (const axis of ['Max users', 'Concurrent users', 'Share of requests (%)']) assert.ok(all.includes(axis), axis);
  });

  test('a missing notes file gives visible placeholders, a warning saying what to write, and no invented header', () => {
    const all = pdf.text(plain.pdf).replace(/\s+/g, ' ');
    assert.match(all, /Generated from the measurements by CloudDetect; write your own analysis under "## Analysis"/, 'the analysis is generated from the data, and says so');
    assert.match(all, /Author's section missing: describe three distributed-systems challenges/);
    assert.match(all, /\[Title: not given\]/);
    assert.match(all, /Full name: \[not given\]/);
    assert.ok(plain.warnings.some((w) => w.startsWith('no notes file at') && w.includes('## Analysis') && w.includes('## Challenges')));
  });

  test('the printed word count is the computed one; over 1500 words is flagged in the PDF and the warnings', () => {
    const count = (out: ReportOutput) => Number(/Word count: (\d+) of 1500/.exec(pdf.text(out.pdf).replace(/\s+/g, ' '))?.[1]);
    assert.equal(count(plain), plain.words);
    assert.equal(count(noted), noted.words);
    assert.ok(noted.words > 1600);
    assert.match(pdf.text(noted.pdf).replace(/\s+/g, ' '), new RegExp(`${noted.words} words, ${noted.words - 1500} over the 1500-word limit`));
    assert.ok(noted.warnings.some((w) => w.startsWith('WORD LIMIT EXCEEDED')));
    assert.ok(!plain.warnings.some((w) => w.startsWith('WORD LIMIT')));
  });

  test("the notes file fills the header and the author's sections; the appendix carries the run's evidence", () => {
    const all = pdf.text(noted.pdf).replace(/\s+/g, ' ');
    assert.match(all, /Scaling an inference service/);
    assert.match(all, /Full name: Ada Lovelace \| Student ID: 20261123 \| Supervisor: Dr Charles Babbage/);
    assert.match(all, /word1399/);
    assert.doesNotMatch(all, /Author's section missing/);
    // the fixture is a real local run: its deployment.json (shown as YAML) and its replica logs
    const deployment = JSON.parse(readFileSync(join(fixture, 'backend', 'deployment.json'), 'utf8')) as { kind: string; replicas: { resources: { memoryMi: number } } };
    assert.match(all, new RegExp(`kind: ${deployment.kind}`));
    assert.match(all, new RegExp(`memoryMi: ${deployment.replicas.resources.memoryMi}`));
    assert.match(all, /experiment_results\.json/);
    assert.match(all, /experiment_summary\.csv/);
    const firstLog = readdirSync(join(fixture, 'replicas')).sort()[0]!.replace(/\.log$/, '');
    assert.match(all, new RegExp(`${firstLog} \\{"level":30`));
  });

  test('--lang zh renders the same tables with Chinese labels in a CJK serif font', () => {
    const all = pdf.text(zh.pdf).normalize('NFKC');
    for (const label of ['最大用户数', '平均响应时间', '主节点', '远程客户端', '附录']) assert.ok(all.includes(label), label);
    const body = pdf.sizesOf(zh.pdf, '副本运行');
    assert.ok(body.length > 0 && body.every((size) => size === 12), `set-up paragraph sizes ${body.join(', ')}`);
    assert.ok(pdf.fonts(zh.pdf).some((f) => /LiberationSerif/.test(f.name) && f.embedded));
    const plainCells = [...pdf.text(plain.pdf, true).matchAll(/(\d+\.\d) ± (\d+\.\d)/g)].map((m) => m[0]).slice(0, 8);
    const zhCells = [...pdf.text(zh.pdf, true).matchAll(/(\d+\.\d) ± (\d+\.\d)/g)].map((m) => m[0]).slice(0, 8);
    assert.deepEqual(zhCells, plainCells);
  });

  test('a malformed results file stops the report with an error naming the file, and writes no PDF', async () => {
    const bad = join(tmp, 'bad');
    cpSync(fixture, bad, { recursive: true });
    const results = JSON.parse(readFileSync(join(bad, 'experiment_results.json'), 'utf8'));
    delete results.cells[0].avgResponseMs;
    writeFileSync(join(bad, 'experiment_results.json'), JSON.stringify(results));
    await assert.rejects(renderReport(bad), /bad\/experiment_results\.json: does not match the schema: cells\.0\.avgResponseMs/);
    assert.equal(existsSync(join(bad, 'report.pdf')), false);
  });
});
